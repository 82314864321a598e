import fc from 'fast-check';
import { analyzeFilterPattern, FilterPatternError, parseFilterPattern, testMetricFilter } from '../../rule/filter-pattern';
import { parseRegex, regexTest } from '../../rule/filter-pattern/regex';
import { readCorpus, type AccountPatternCase, type ConformanceCase } from '../support/corpus';

/** Property tests: thousands of cases in CI; `npm run fuzz` sets FUZZ_RUNS much higher. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const seeds = [
  ...readCorpus<AccountPatternCase[]>('account-filter-patterns.json').map((c) => c.pattern),
  ...readCorpus<ConformanceCase[]>('filter-pattern-cases.json').map((c) => c.pattern),
];
const messages = readCorpus<ConformanceCase[]>('filter-pattern-cases.json')
  .slice(0, 40)
  .map((c) => c.event);

/** Parsing either succeeds or throws FilterPatternError; whatever parses can be matched and analysed. */
function survives(pattern: string): void {
  let parsed;
  try {
    parsed = parseFilterPattern(pattern);
  } catch (error) {
    if (!(error instanceof FilterPatternError)) throw error;
    expect(error.offset).toBeGreaterThanOrEqual(0);
    expect(error.offset).toBeLessThanOrEqual(pattern.length);
    return;
  }
  testMetricFilter(parsed, messages);
  const analysis = analyzeFilterPattern(pattern);
  expect(analysis.valid).toBe(true);
}

const fragments = fc.constantFrom(
  '{', '}', '(', ')', '[', ']', '$', '.', '$.', '*', '[*]', '.*', '[0]', "['a.b']", '=', '!=', '<', '>=', '&&', '||', ' ', '"', '%', '\\',
  'IS', 'NULL', 'TRUE', 'NOT', 'EXISTS', 'eventName', 'PutBucketPolicy', '1e+3', '-', '?', ',', '...', 'a', '^', '|', '{2,3}', '\\d', 'é', '\n',
);

describe('the parser never throws anything but FilterPatternError, and what parses can be matched', () => {
  test('random text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80, unit: 'binary' }), survives), { numRuns: RUNS });
  });

  test('random sequences of pattern tokens', () => {
    fc.assert(fc.property(fc.array(fragments, { maxLength: 30 }), (parts) => survives(parts.join(''))), { numRuns: RUNS });
  });

  test('corpus patterns with random edits', () => {
    const edit = fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat({ max: 4 }), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let pattern = edits[0][0];
        for (const [, at, remove, insert] of edits) {
          const i = at % (pattern.length + 1);
          pattern = pattern.slice(0, i) + insert + pattern.slice(i + remove);
        }
        survives(pattern);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the linear-time regex search agrees with a backtracking engine on the supported subset', () => {
  const atom = fc.constantFrom('a', 'b', '-', '1', '.', '[ab]', '[^a]', '[a-c1]', '\\d', '\\w', '\\s', '\\W', '\\x61');
  const quantifier = fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '{0,2}', '{2,}', '*?');
  const item = fc.oneof({ weight: 6, arbitrary: fc.tuple(atom, quantifier).map(([a, q]) => a + q) }, { weight: 1, arbitrary: fc.constantFrom('^', '$') });
  const branch = fc.array(item, { minLength: 1, maxLength: 5 }).map((items) => items.join(''));
  const source = fc.array(branch, { minLength: 1, maxLength: 3 }).map((branches) => branches.join('|'));
  const text = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', 'c', '1', '-', ' ', '\n') });

  test('same verdict as RegExp', () => {
    fc.assert(
      fc.property(source, text, (body, input) => {
        const ours = regexTest(parseRegex(body, 1), input);
        const reference = new RegExp(body, 's').test(input);
        expect(ours).toBe(reference);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  test('same verdicts when one expression searches many texts (its state machine is reused and grows)', () => {
    fc.assert(
      fc.property(source, fc.array(text, { minLength: 2, maxLength: 20 }), (body, inputs) => {
        const regex = parseRegex(body, 1);
        for (const input of inputs) expect(regexTest(regex, input)).toBe(new RegExp(body, 's').test(input));
      }),
      { numRuns: RUNS },
    );
  });

  test('same verdicts past the state machine bounds (many states; states as large as a count), where the search runs directly', () => {
    // a.{15}c remembers where each of the last 16 a's was: a state per subset, far past the machine's bound.
    let seed = 7;
    const letters = (length: number) => Array.from({ length }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 3 === 0 ? 'a' : 'b')).join('');
    const exploding = parseRegex('a.{15}c|b{16}c', 1);
    for (const input of [letters(3000), `${letters(3000)}c`, letters(20) + 'c', 'b'.repeat(16) + 'c', 'b'.repeat(15) + 'c']) {
      expect(regexTest(exploding, input)).toBe(/a.{15}c|b{16}c/s.test(input));
    }
    const counted = parseRegex('a{1,1000}b|c{1000}', 1);
    for (const input of ['a'.repeat(2500) + 'b', 'a'.repeat(2500), 'c'.repeat(999), 'c'.repeat(1000), 'xab', 'b']) {
      expect(regexTest(counted, input)).toBe(/a{1,1000}b|c{1000}/s.test(input));
    }
  });
});
