import { FilterPatternError, parseFilterPattern, testMetricFilter } from '../../rule/filter-pattern';
import { readCorpus, type ConformanceCase } from '../support/corpus';

const cases = readCorpus<ConformanceCase[]>('filter-pattern-cases.json');

describe('conformance corpus (reference-data/filter-pattern-cases.json)', () => {
  const valid = cases.filter((c) => c.valid !== false);
  const invalid = cases.filter((c) => c.valid === false);

  test.each(valid.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const result = testMetricFilter(c.pattern, [c.event]);
    expect(result.matches.length === 1).toBe(c.matches);
    if (c.extractedValues) expect(result.matches[0]?.extractedValues).toEqual(c.extractedValues);
  });

  test.each(invalid.map((c) => [c.id, c] as const))('%s is rejected with a position', (_id, c) => {
    let error: unknown;
    try {
      parseFilterPattern(c.pattern);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FilterPatternError);
    const { offset, token, message } = error as FilterPatternError;
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThanOrEqual(c.pattern.length);
    expect(message).toContain(`position ${offset + 1}`);
    expect(token.length).toBeGreaterThan(0);
  });
});
