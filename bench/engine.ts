import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { analyzeFilterPattern, testMetricFilter } from '../rule/filter-pattern';
import { CIS_EVENT_NAMES, POLICY_EVENT_NAMES } from '../rule/events/canonical';
import { readCorpus, type AccountPatternCase } from '../test/support/corpus';
import { ms, stats, table, timeMs, type Section } from './measure';

/** Engine throughput and worst cases (issue 2, issue 6 §4). */
export function benchEngine(): Section {
  const corpus = readCorpus<AccountPatternCase[]>('account-filter-patterns.json');
  // Warm up the JIT, then time each analysis separately.
  for (const c of corpus) analyzeFilterPattern(c.pattern, POLICY_EVENT_NAMES);
  const policyTimes: number[] = [];
  const cisTimes: number[] = [];
  const rounds = 20;
  const start = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    for (const c of corpus) {
      policyTimes.push(timeMs(() => analyzeFilterPattern(c.pattern, POLICY_EVENT_NAMES)));
      cisTimes.push(timeMs(() => analyzeFilterPattern(c.pattern, CIS_EVENT_NAMES)));
    }
  }
  const totalSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = Math.round((2 * rounds * corpus.length) / totalSeconds);
  const policy = stats(policyTimes);
  const cis = stats(cisTimes);

  const longMessage = 'a'.repeat(256 * 1024);
  const varying = ['userIdentity.type', 'userIdentity.arn', 'sourceIPAddress', 'awsRegion', 'userAgent', 'requestParameters.bucketName'];
  // Exclusions on six fields that vary from call to call, padded with wildcard clauses to the 1024-character limit.
  let longPattern = `{ ($.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy) && (${varying.map((f) => `$.${f} != "x*"`).join(' || ')})`;
  while (longPattern.length + 48 <= 1022) longPattern += ' && ($.eventName = *Bucket* || $.eventSource = s3*)';
  longPattern = `${longPattern.padEnd(1022)} }`;
  if (longPattern.length !== 1024) throw new Error(`constructed pattern has ${longPattern.length} characters`);
  const worst: Array<[string, string, () => void]> = [
    ['1024-character JSON pattern, 6 varying fields', 'analysis (CIS)', () => analyzeFilterPattern(longPattern, CIS_EVENT_NAMES)],
    ['490 nested parentheses', 'analysis (CIS)', () => analyzeFilterPattern(`{${'('.repeat(490)}$.eventName = PutBucketPolicy${')'.repeat(490)}}`, CIS_EVENT_NAMES)],
    ['%a*a*…a*b% (20 stars) on a 256 KB message', 'match', () => testMetricFilter(`%${'a*'.repeat(20)}b%`, [longMessage])],
    ['%a{1,1000}…% (8 bounded repeats) on a 256 KB message', 'match', () => testMetricFilter(`%${'a{1,1000}'.repeat(8)}b%`, [longMessage])],
    [
      'regex conditions on two varying fields',
      'analysis (POLICY)',
      () => analyzeFilterPattern('{ ($.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy) && ($.userAgent != %[a-z]{3,40}\\d{1,9}$% || $.sourceIPAddress = %^\\d{1,3}\\.\\d{1,3}%) }', POLICY_EVENT_NAMES),
    ],
  ];
  const worstRows = worst.map(([name, what, fn]) => {
    const samples = Array.from({ length: 5 }, () => timeMs(fn));
    return [name, what, ms(stats(samples).median), ms(stats(samples).max)];
  });

  const bundle = buildSync({
    entryPoints: [join(__dirname, '../rule/filter-pattern/index.ts')],
    bundle: true,
    minify: true,
    write: false,
    platform: 'node',
    format: 'cjs',
  });
  const bytes = bundle.outputFiles[0].contents.length;

  return {
    title: 'Filter-pattern engine',
    body: [
      `Coverage analysis over the ${corpus.length} account patterns of reference-data/account-filter-patterns.json, ${rounds} rounds, each pattern against the POLICY and the CIS event sets: **${perSecond.toLocaleString('en-US')} analyses per second**.`,
      '',
      table(
        ['event set', 'median', 'p95', 'max', 'analyses'],
        [
          ['POLICY (2 events)', ms(policy.median), ms(policy.p95), ms(policy.max), policy.runs],
          ['CIS (9 events)', ms(cis.median), ms(cis.p95), ms(cis.max), cis.runs],
        ],
      ),
      '',
      'Worst cases constructed (median and max of 5 runs):',
      '',
      table(['case', 'what', 'median', 'max'], worstRows),
      '',
      `Engine size: ${bytes.toLocaleString('en-US')} bytes minified (rule/filter-pattern with the event catalog it analyses against, bundled by esbuild).`,
    ].join('\n'),
  };
}
