import { changeSpace, nonChangeSpaces } from '../../rule/events/record-space';
import { analyzeFilterPattern } from '../../rule/filter-pattern';
import { parseRegex, regexTest } from '../../rule/filter-pattern/regex';

/**
 * Issue 15 point 6: every valid pattern is analysed in bounded time, whatever its shape (the time itself is
 * measured by `npm run bench`, not here). These are the verdicts a user sees on the shapes that used to cost
 * seconds or end in "too complex": a miss is named with a record, a cover is proven, and a pattern beyond the
 * analysis's work budget fails closed, saying so, the same way every time.
 */

const EITHER = '($.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy)';
const POLICY = ['PutBucketPolicy', 'DeleteBucketPolicy'];

function upTo1024(head: string, clause: (i: number) => string, tail: string): string {
  let pattern = head;
  for (let i = 0; pattern.length + clause(i).length + tail.length <= 1024; i++) pattern += clause(i);
  return pattern + tail;
}

describe('a miss is named with a record, however hard the rest of the pattern is to prove', () => {
  const varying = ['userIdentity.type', 'userIdentity.arn', 'sourceIPAddress', 'awsRegion', 'userAgent', 'requestParameters.bucketName', 'recipientAccountId', 'eventID', 'requestID'];

  test('exclusions by expressions that count positions (x.{14}y), and suffixes on nine fields: a record escapes, and is named', () => {
    const pattern = upTo1024(`{ ${EITHER} && $.userAgent != %a3.{14}b% && $.requestParameters.bucketName != %x.{14}3%`, (i) => ` && $.${varying[i % 9]} != "*3${i}"`, ' }');
    const analysis = analyzeFilterPattern(pattern, POLICY);
    expect(analysis.coversRequiredEvents).toBe(false);
    expect(analysis.missReasons.PutBucketPolicy).not.toContain('cannot be proven');
    expect(analysis.missSummary).toMatch(/^misses PutBucketPolicy records (without|whose|on|made|in|sent|delivered)/);
  });

  test('a bucket name excluded by a counting expression: the record is named by its bucket', () => {
    const pattern = upTo1024(
      `{ ${EITHER} && $.requestParameters.bucketName != %^[a-z0-9]{1,30}\\.[0-9]{2,9}3$% && $.eventID != %[a-f]{3,20}3%`,
      (i) => ` && ($.requestParameters.bucketName != "*${i}*" || $.eventID = "*3${i}")`,
      ' }',
    );
    const analysis = analyzeFilterPattern(pattern, POLICY);
    expect(analysis.missReasons.PutBucketPolicy).not.toContain('cannot be proven');
    expect(analysis.missSummary).toMatch(/on bucket "[a-z0-9]{1,30}\.[0-9]{2,9}3"/);
  });
});

describe('a cover is proven', () => {
  test('the same expression tested both ways is one automaton: a tautology over an exploding regex covers', () => {
    const analysis = analyzeFilterPattern(`{ ${EITHER} && ($.userAgent = %a.{14}b% || $.userAgent != %a.{14}b% || $.userAgent NOT EXISTS) }`, POLICY);
    expect(analysis.missReasons).toEqual({});
    expect(analysis.coversRequiredEvents).toBe(true);
  });

  test('pairs of suffixes no value can end with both, on seven fields CloudTrail always writes', () => {
    const always = ['sourceIPAddress', 'awsRegion', 'requestParameters.bucketName', 'recipientAccountId', 'eventID', 'requestID', 'eventTime'];
    const pattern = upTo1024(`{ ${EITHER}`, (i) => ` && ($.${always[i % 7]} != "*a${i}" || $.${always[i % 7]} != "*b${i}")`, ' }');
    expect(pattern.length).toBeGreaterThan(990);
    const analysis = analyzeFilterPattern(pattern, POLICY);
    expect(analysis.missReasons).toEqual({});
    expect(analysis.overBroad).toBe(false);
  });

  test('forty wildcard event names under an S3 event source: proven not over-broad (no read, data event or other service matches)', () => {
    const pattern = upTo1024('{ $.eventSource = s3.amazonaws.com && ($.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy', (i) => ` || $.eventName = "*${i}Bucket*"`, ') }');
    const analysis = analyzeFilterPattern(pattern, POLICY);
    expect(analysis.coversRequiredEvents).toBe(true);
    // S3's read and data-event names are letters only; every other service is excluded by the event source.
    expect(analysis.overBroadExample).toBeUndefined();
  });
});

describe('beyond the work budget, the analysis fails closed and says so', () => {
  // bucketName = "*kN*" || bucketName != "*kN*" twenty times: always true, but its 2^20 outcomes are past the budget.
  const tautologies = (tag: string) => upTo1024(`{ ${EITHER}`, (i) => ` && ($.requestParameters.bucketName = "*${tag}${i}*" || $.requestParameters.bucketName != "*${tag}${i}*")`, ' }');

  test('the pattern is not reported as covering, and the reason names the limit', () => {
    const analysis = analyzeFilterPattern(tautologies('k'), POLICY);
    expect(analysis.coversRequiredEvents).toBe(false);
    // The field whose proof ran out of work is named, so the user knows which conditions to simplify.
    expect(analysis.missReasons.PutBucketPolicy).toMatch(/^cannot be proven: proving the conditions on \$\.requestParameters\.bucketName needs more work than the rule allows one analysis/);
    expect(analysis.summary).toContain('cannot prove');
  });

  test('the same verdict every time: work remembered from earlier analyses is charged again', () => {
    const first = analyzeFilterPattern(tautologies('m'), POLICY);
    // Same conditions on the same field, analysed first in other patterns: their outcomes are then in memory.
    analyzeFilterPattern(tautologies('m').replace(EITHER, '$.eventName = PutBucketPolicy'), POLICY);
    analyzeFilterPattern(`${tautologies('m')} `, ['PutBucketPolicy']);
    const again = analyzeFilterPattern(`${tautologies('m')}  `, POLICY);
    expect(again.missReasons).toEqual(first.missReasons);
    expect(again.overBroadExample).toEqual(first.overBroadExample);
  });
});

describe("the record spaces' domains read the same in the engine and in JavaScript", () => {
  // Membership is asked of JavaScript's compiled matcher; the walks run the engine's automata of the same text.
  const probes = (base: unknown) => {
    const text = typeof base === 'string' ? base : '';
    return [text, '', 'x', `${text}x`, `x${text}`, text.toUpperCase(), `${text}\n`, '0', '123456789012', 'us-east-1', 'a.b', 'AWS Internal', 'arn:aws:iam::123456789012:root', 'PutBucketPolicy', 'GetObject', 's3.amazonaws.com', '1.09'];
  };
  const spaces = [changeSpace('PutBucketPolicy'), changeSpace('DeleteBucketPolicy'), ...nonChangeSpaces()];
  const rules = spaces.flatMap((space) => space.rules.map((rule) => ({ space, rule })));
  test.each(rules.filter(({ rule }) => rule.domain.kind === 'string').map(({ space, rule }) => [`${space.label}: ${rule.path}`, space, rule] as const))('%s', (_name, space, rule) => {
    if (rule.domain.kind !== 'string') return;
    const pattern = parseRegex(rule.domain.pattern, 0);
    const excluded = (rule.domain.excluded ?? []).map((source) => parseRegex(source, 0));
    const steps = rule.path.slice(2).split('.');
    const base = steps.reduce<unknown>((node, step) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[step] : undefined), space.base);
    for (const text of probes(base)) {
      const engine = regexTest(pattern, text) && !excluded.some((regex) => regexTest(regex, text));
      const native = new RegExp(rule.domain.pattern, 's').test(text) && !(rule.domain.excluded ?? []).some((source) => new RegExp(source, 's').test(text));
      expect([text, engine]).toEqual([text, native]);
    }
  });
});
