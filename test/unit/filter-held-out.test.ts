import { analyzeFilterPattern } from '../../rule/filter-pattern';
import { POLICY_EVENT_NAMES } from '../../rule/events/canonical';
import { readCorpus } from '../support/corpus';

/**
 * A held-out set: filter patterns printed in AWS's own documentation (CloudTrail's alarm examples, the CloudWatch
 * Logs filter-pattern pages), none of them in the corpus the engine was written against, with the verdict their
 * documented meaning implies (reference-data/aws-doc-filter-examples.json). README reports the accuracy.
 */
interface HeldOutCase {
  id: string;
  source: string;
  pattern: string;
  coversPolicyEvents: boolean;
  overBroad: boolean;
  why: string;
}

const cases = readCorpus<HeldOutCase[]>('aws-doc-filter-examples.json');

describe('AWS documentation examples (held out)', () => {
  test.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const analysis = analyzeFilterPattern(c.pattern, POLICY_EVENT_NAMES);
    expect(analysis.valid).toBe(true);
    expect({ coversPolicyEvents: analysis.coversRequiredEvents, overBroad: analysis.overBroad }).toEqual({ coversPolicyEvents: c.coversPolicyEvents, overBroad: c.overBroad });
  });

  test('every case comes from an AWS documentation page', () => {
    for (const c of cases) expect(c.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });
});
