import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { analyzeFilterPattern, testMetricFilter, type FilterAnalysis } from '../rule/filter-pattern';
import { CIS_EVENT_NAMES, CIS_FILTER_PATTERN, POLICY_EVENT_NAMES } from '../rule/events/canonical';
import { readCorpus, type AccountPatternCase } from '../test/support/corpus';
import { ms, stats, table, timeMs, type Section } from './measure';

const WORST_RUNS = 11;
const FRESH_RUNS = 5;
/** Shapes also timed in a fresh process. */
const FRESH_SHAPES = ['nine varying fields', 'two exploding regexes', 'pairs of suffixes', '~45 wildcard event names', 'twenty tautologies'];
const EITHER = '($.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy)';
/** Fields every record of a change carries. */
const ALWAYS = ['sourceIPAddress', 'awsRegion', 'requestParameters.bucketName', 'recipientAccountId', 'eventID', 'requestID', 'eventTime'];
const VARYING = ['userIdentity.type', 'userIdentity.arn', 'sourceIPAddress', 'awsRegion', 'userAgent', 'requestParameters.bucketName', 'recipientAccountId', 'eventID', 'requestID'];

/** What an analysis concluded, in a few words: a shape beyond the work budget fails closed ("cannot be proven"). */
function verdict(analysis: FilterAnalysis): string {
  if (!analysis.valid) return 'invalid';
  const unproven = Object.values(analysis.missReasons).filter((reason) => reason.startsWith('cannot be proven')).length;
  const missed = analysis.missedEvents.length - unproven;
  const parts = [`${analysis.coveredEvents.length} of ${analysis.requiredEvents.length} covered`];
  if (missed > 0) parts.push(`${missed} missed, a record named`);
  if (unproven > 0) parts.push(`${unproven} cannot be proven`);
  parts.push(analysis.overBroadExample?.startsWith('records it cannot prove') ? 'over-broad not disproven' : analysis.overBroad ? 'over-broad, a record named' : 'not over-broad');
  return parts.join('; ');
}

/** Grows `head` with clauses from `clause(i)` to at most 1,024 characters, closing with `tail`. */
function upTo1024(head: string, clause: (i: number) => string, tail: string): string {
  let pattern = head;
  for (let i = 0; pattern.length + clause(i).length + tail.length <= 1024; i++) pattern += clause(i);
  return pattern + tail;
}

/** Nests `clause(i)` around `core`, alternating OR and AND, as deep as 1,024 characters allow. */
function nestedUpTo1024(core: string, clause: (i: number) => string): string {
  let expression = core;
  for (let i = 0; ; i++) {
    const wider = `(${expression} ${i % 2 ? '&&' : '||'} ${clause(i)})`;
    if (wider.length + 4 > 1024) return `{ ${expression} }`;
    expression = wider;
  }
}

/**
 * The shapes that cost the analysis most (issue 15 point 6), each a valid pattern of up to 1,024 characters:
 * many varying fields tied together, one field under many wildcard conditions (a large automaton product), an
 * OR of ANDs over shared fields (the search cannot split it), many exact event names, and the adversarial shapes
 * built against the faster analysis: outcomes a constrained field cannot take (suffixes that exclude each other,
 * on bucket names), the two regular expressions a pattern may hold written to blow up an automaton or to count
 * positions, IS/NOT EXISTS mixed with wildcards over optional fields, deep alternating nesting, a standalone
 * regex of hundreds of atoms or large counts (matched against every record variant), and long space-delimited
 * and term patterns.
 */
const WORST_PATTERNS: Array<[string, (seed: number) => string]> = [
  [
    'nine varying fields tied by OR and AND',
    (seed) => upTo1024(`{ ${EITHER} && (${VARYING.map((f) => `$.${f} != "x${seed}*"`).join(' || ')})`, (i) => ` && ($.${VARYING[i % 9]} = "*${i}*" || $.${VARYING[(i + 4) % 9]} != "*${seed}${i}")`, ' }'),
  ],
  ['one field under many wildcard conditions', (seed) => upTo1024(`{ ${EITHER}`, (i) => ` && $.userAgent != "*${seed}k${i}*"`, ' }')],
  [
    'OR of ANDs over three shared fields',
    (seed) => upTo1024(`{ ${EITHER} && ($.userAgent = "z${seed}"`, (i) => ` || ($.userAgent != "*${i}${seed}" && $.awsRegion != "*-${i % 10}" && $.sourceIPAddress != "${i}.*")`, ') }'),
  ],
  ['many exact event names', (seed) => upTo1024(`{ $.eventSource = s3.amazonaws.com && ($.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy`, (i) => ` || $.eventName = Put${seed}X${i}`, ') }')],
  ['bucket-name suffixes that exclude each other', (seed) => upTo1024(`{ ${EITHER}`, (i) => ` && $.requestParameters.bucketName != "*${seed}-${i}"`, ' }')],
  ['OR of suffixes over nine fields', (seed) => upTo1024(`{ ${EITHER} && ($.awsRegion = x${seed}`, (i) => ` || $.${VARYING[i % 9]} = "*${seed}${i}"`, ') }')],
  [
    'two exploding regexes (x.{14}y) and suffixes',
    (seed) => upTo1024(`{ ${EITHER} && $.userAgent != %a${seed}.{14}b% && $.requestParameters.bucketName != %x.{14}${seed}%`, (i) => ` && $.${VARYING[i % 9]} != "*${seed}${i}"`, ' }'),
  ],
  [
    'two counting regexes tied to wildcards',
    (seed) =>
      upTo1024(
        `{ ${EITHER} && $.requestParameters.bucketName != %^[a-z0-9]{1,30}\\.[0-9]{2,9}${seed}$% && $.eventID != %[a-f]{3,20}${seed}%`,
        (i) => ` && ($.requestParameters.bucketName != "*${i}*" || $.eventID = "*${seed}${i}")`,
        ' }',
      ),
  ],
  [
    'IS/NOT EXISTS over optional fields mixed with wildcards',
    (seed) =>
      upTo1024(`{ ${EITHER}`, (i) => ` && ($.${['addendum', 'vpcEndpointId', 'userAgent', 'sessionCredentialFromConsole', 'edgeDeviceDetails', 'userIdentity.arn'][i % 6]} NOT EXISTS || $.${VARYING[i % 9]} != "*${seed}${i}*")`, ' }'),
  ],
  ['alternating OR/AND nesting, as deep as fits', (seed) => nestedUpTo1024(`$.eventName = PutBucketPolicy${seed}`, (i) => `$.${VARYING[i % 9]} != "*${i}*"`)],
  ['standalone regex of ~500 alternating stars (a*b*a*…)', (seed) => upTo1024('%', (i) => (i % 2 ? 'b*' : 'a*'), `PutBucket${seed}%`)],
  ['standalone regex with two 1,000-counts', (seed) => `%[a-z"]{1,1000}PutBucketPolicy${seed}|[0-9:]{1,1000}DeleteBucketPolicy${seed}%`],
  ['space-delimited, ~40 fields each with a wildcard exclusion', (seed) => upTo1024(`[w1, w2, w3=PutBucketPolicy${seed}`, (i) => `, w${i + 4}!="*${seed}k${i}*"`, ']')],
  ['space-delimited, one field under a long OR', (seed) => upTo1024(`[w1, w2 = PutBucketPolicy || w2 = "*${seed}"`, (i) => ` || w2 != "*${i}${seed}*"`, ', w3]')],
  ['term pattern with ~90 excluded terms', (seed) => upTo1024('PutBucketPolicy', (i) => ` -"x${seed}y${i}"`, '')],
  // Patterns that do cover: proving it needs every outcome of a field, which is where a walk costs.
  [
    'pairs of suffixes no value has both, on seven fields (covers the two policy events)',
    (seed) => upTo1024(`{ ${EITHER}`, (i) => ` && ($.${ALWAYS[i % 7]} != "*${seed}a${i}" || $.${ALWAYS[i % 7]} != "*${seed}b${i}")`, ' }'),
  ],
  ['the same exploding regex both ways (covers the two policy events)', (seed) => `{ ${EITHER} && ($.userAgent = %a${seed}.{14}b% || $.userAgent != %a${seed}.{14}b% || $.userAgent NOT EXISTS) }`],
  [
    '~45 wildcard event names, proven not over-broad',
    (seed) => upTo1024(`{ $.eventSource = s3.amazonaws.com && ($.eventName = "Put*Policy" || $.eventName = "Delete*Policy"`, (i) => ` || $.eventName = "*${seed}Bucket${i}*"`, ') }'),
  ],
  // Found by red-teaming: ~45 prefixes and suffixes of one free-text field, ORed (covers: no text starts with two of the
  // prefixes), forty machines in one walk, past the budget.
  [
    'prefixes and suffixes of the user agent, ORed',
    (seed) => upTo1024(`{ ${EITHER} && ($.userAgent NOT EXISTS`, (i) => (i % 2 ? ` || $.userAgent = "*${seed}q${i}"` : ` || $.userAgent != "${seed}q${i}*"`), ') }'),
  ],
  // Found by red-teaming: a standalone expression of ~90 branches of counted classes, whose automaton outgrows its
  // bound, so every record it is tried on is searched atom by atom (charged to the budget).
  ['standalone alternation of ~90 counted-class branches', (seed) => upTo1024(`%${seed}`, (i) => `|[a-${String.fromCharCode(98 + (i % 24))}]{${i + 1}}[0-9]{${(i * 3) % 20}}q`, '%')],
  // 2^20 outcomes on one field: beyond the work budget, so it fails closed ("cannot be proven").
  ['twenty tautologies on one field (x = "*k*" || x != "*k*")', (seed) => upTo1024(`{ ${EITHER}`, (i) => ` && ($.requestParameters.bucketName = "*${seed}k${i}*" || $.requestParameters.bucketName != "*${seed}k${i}*")`, ' }')],
];

/** Engine throughput and worst cases (issue 2, issue 6 §4, issue 15 point 6). */
export function benchEngine(): Section {
  const corpus = readCorpus<AccountPatternCase[]>('account-filter-patterns.json');
  // Each pattern is analysed once per evaluation (later questions are answered from memory), so what counts is
  // the first analysis of each pattern: one round, every pattern against the POLICY and the CIS sets.
  const policyTimes: number[] = [];
  const cisTimes: number[] = [];
  const start = process.hrtime.bigint();
  for (const c of corpus) {
    // A trailing space makes a text no earlier section has analysed (same meaning), so nothing is answered from memory.
    const pattern = `${c.pattern} `;
    policyTimes.push(timeMs(() => analyzeFilterPattern(pattern, POLICY_EVENT_NAMES)));
    cisTimes.push(timeMs(() => analyzeFilterPattern(pattern, CIS_EVENT_NAMES)));
  }
  const totalSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = Math.round((2 * corpus.length) / totalSeconds);
  const policy = stats(policyTimes);
  const cis = stats(cisTimes);

  const longMessage = 'a'.repeat(256 * 1024);
  const analysed = (pattern: string) => verdict(analyzeFilterPattern(pattern, CIS_EVENT_NAMES));
  const worst: Array<[string, (seed: number) => string]> = [
    ...WORST_PATTERNS.map(([name, build]) => [`${name} (${build(0).length} characters)`, (seed: number) => analysed(build(seed))] as [string, (seed: number) => string]),
    ['490 nested parentheses', (seed) => analysed(`{${'('.repeat(490)}$.eventName = PutBucketPolicy${seed}${')'.repeat(490)}}`)],
    ['%a*a*…a*b% (20 stars) on a 256 KB message', () => `matching: ${testMetricFilter(`%${'a*'.repeat(20)}b%`, [longMessage]).matches.length} of 1 matches`],
    ['%a{1,1000}…% (8 bounded repeats) on a 256 KB message', () => `matching: ${testMetricFilter(`%${'a{1,1000}'.repeat(8)}b%`, [longMessage]).matches.length} of 1 matches`],
  ];
  // Every sample is a pattern never analysed before (its values carry the sample's seed), so no memory helps.
  const worstRows = worst.map(([name, fn]) => {
    const outcome = fn(-1);
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let seed = 0; seed < WORST_RUNS; seed++) {
      const before = process.cpuUsage();
      wall.push(timeMs(() => fn(seed)));
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
    }
    return [name, outcome, ms(stats(wall).median), ms(stats(wall).max), ms(stats(cpu).median), ms(stats(cpu).max)];
  });
  // A Lambda's first evaluation runs in a fresh process: nothing compiled by the JavaScript engine, no automaton built.
  const fresh = [
    ['the CIS filter text', CIS_FILTER_PATTERN],
    ...WORST_PATTERNS.filter(([name]) => FRESH_SHAPES.some((shape) => name.startsWith(shape))).map(([name, build]) => [name, build(0)]),
  ].map(([name, pattern]) => {
    const times = Array.from({ length: FRESH_RUNS }, () => Number(execFileSync(process.execPath, [...process.execArgv, join(__dirname, 'first-analysis.ts'), pattern], { encoding: 'utf8' })));
    return [name, ms(stats(times).median), ms(stats(times).max)];
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
      `Coverage analysis over the ${corpus.length} account patterns of reference-data/account-filter-patterns.json, each pattern's first analysis against the POLICY and the CIS event sets (an evaluation answers every later question about a pattern from memory): **${perSecond.toLocaleString('en-US')} analyses per second**.`,
      '',
      table(
        ['event set', 'median', 'p95', 'max', 'analyses'],
        [
          ['POLICY (2 events)', ms(policy.median), ms(policy.p95), ms(policy.max), policy.runs],
          ['CIS (9 events)', ms(cis.median), ms(cis.p95), ms(cis.max), cis.runs],
        ],
      ),
      '',
      `Worst cases constructed (${WORST_RUNS} runs each, every run a pattern not seen before; wall time on a shared machine — the load average is in the header — and the process's CPU time):`,
      '',
      table(['case', 'verdict', 'median', 'max', 'CPU median', 'CPU max'], worstRows),
      '',
      `The first analysis in a fresh process, the engine's modules loaded (${FRESH_RUNS} processes each; the JavaScript engine has compiled nothing yet and no automaton is built, as in a Lambda's first evaluation):`,
      '',
      table(['pattern', 'median', 'max'], fresh),
      '',
      `Engine size: ${bytes.toLocaleString('en-US')} bytes minified (rule/filter-pattern with the event catalog it analyses against, bundled by esbuild).`,
    ].join('\n'),
  };
}
