import { analyzeFilterPattern, DEFAULT_READINGS, parseFilterPattern, type Readings } from '../../rule/filter-pattern';
import { matchesMessage } from '../../rule/filter-pattern/match';
import { CIS_EVENT_NAMES, POLICY_EVENT_NAMES } from '../../rule/events/canonical';
import { readCorpus, type AccountPatternCase, type CorpusRecord } from '../support/corpus';

const patterns = readCorpus<AccountPatternCase[]>('account-filter-patterns.json');
const records = readCorpus<CorpusRecord[]>('cloudtrail-s3-events.json');

/** The ambiguity flag each `dependsOn` note names, flipped. */
const FLIPS: Record<string, Partial<Readings>> = {
  A2: { optionalTermsIgnoredWhenMixed: false },
  A4: { notEqualsOnAbsentKey: true },
  A5: { midValueStarIsLiteral: false },
  A6: { wildcardSelectsOneLevel: false },
};

type Verdict = Pick<AccountPatternCase, 'coversSeedEvents' | 'coversCisEvents' | 'overBroad' | 'matchesFailedAttempt' | 'matchesDirectoryBucketPolicyChange'>;

function verdictOf(pattern: string, readings: Readings): Verdict & { valid: boolean; benignMatched: string[] } {
  const seed = analyzeFilterPattern(pattern, POLICY_EVENT_NAMES, readings);
  const cis = analyzeFilterPattern(pattern, CIS_EVENT_NAMES, readings);
  return {
    valid: seed.valid,
    coversSeedEvents: seed.coversRequiredEvents,
    coversCisEvents: cis.coversRequiredEvents,
    overBroad: seed.overBroad,
    benignMatched: seed.benignMatched,
    matchesFailedAttempt: seed.matchesFailedAttempts,
    matchesDirectoryBucketPolicyChange: seed.matchesDirectoryBucketChanges,
  };
}

/** The verdicts a `dependsOn` note allows besides the primary ones: "…under the other reading -> {json}". */
function alternatives(c: AccountPatternCase): Array<Partial<Verdict> & { readings?: Partial<Readings> }> {
  return (c.dependsOn ?? []).flatMap((note) => {
    const json = /->\s*(\{.*\})/.exec(note)?.[1];
    if (!json) return [];
    const flag = /^(A\d+)/.exec(note)?.[1];
    return [{ ...(JSON.parse(json) as Partial<Verdict>), readings: flag ? FLIPS[flag] : undefined }];
  });
}

describe('account filter patterns (reference-data/account-filter-patterns.json)', () => {
  test.each(patterns.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const actual = verdictOf(c.pattern, DEFAULT_READINGS);
    const { coversSeedEvents, coversCisEvents, overBroad, matchesFailedAttempt, matchesDirectoryBucketPolicyChange } = c;
    const expected: Verdict = { coversSeedEvents, coversCisEvents, overBroad, matchesFailedAttempt, matchesDirectoryBucketPolicyChange };
    if (c.valid !== 'unknown') expect(actual.valid).toBe(c.valid);
    const picked = (({ valid: _v, benignMatched: _b, ...rest }) => rest)(actual);
    // A verdict that depends on an open ambiguity may follow the other reading only where the corpus says so.
    const allowed = [expected, ...alternatives(c).map(({ readings: _r, ...alt }) => ({ ...expected, ...alt }))];
    expect(allowed).toContainEqual(picked);
    if (c.benignMatched && picked.overBroad === c.overBroad) expect(actual.benignMatched).toEqual(c.benignMatched);
  });

  test.each(patterns.filter((c) => alternatives(c).some((alt) => alt.readings)).map((c) => [c.id, c] as const))(
    '%s follows the other reading when its ambiguity flag is flipped',
    (_id, c) => {
      for (const { readings, ...alt } of alternatives(c)) {
        if (!readings) continue;
        const flipped = verdictOf(c.pattern, { ...DEFAULT_READINGS, ...readings });
        expect(flipped).toMatchObject(alt);
      }
    },
  );

  test('the failed attempt and the directory-bucket change are judged on the corpus records themselves', () => {
    const denied = records.find((r) => r.id === 'chg-PutBucketPolicy-AccessDenied')!;
    const directory = records.find((r) => r.id === 'chg-PutBucketPolicy-directory-bucket')!;
    for (const c of patterns.filter((p) => p.valid === true)) {
      const parsed = parseFilterPattern(c.pattern);
      expect([c.id, matchesMessage(parsed, denied.message)]).toEqual([c.id, c.matchesFailedAttempt]);
      expect([c.id, matchesMessage(parsed, directory.message)]).toEqual([c.id, c.matchesDirectoryBucketPolicyChange]);
    }
  });

  test('every benign corpus record is judged the same from its raw message as from the catalog copy', () => {
    for (const c of patterns.filter((p) => p.valid === true)) {
      const parsed = parseFilterPattern(c.pattern);
      const fromMessages = records.filter((r) => r.category === 'benign' && matchesMessage(parsed, r.message)).map((r) => r.id);
      expect([c.id, fromMessages]).toEqual([c.id, c.benignMatched ?? []]);
    }
  });
});
