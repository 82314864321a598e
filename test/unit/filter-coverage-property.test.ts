import fc from 'fast-check';
import { changeSpace, identityParts, nonChangeSpaces, type RecordSpace } from '../../rule/events/record-space';
import { FilterPatternError, parseFilterPattern } from '../../rule/filter-pattern';
import { Budget, findRecord, findRecordInParts, modelSpace } from '../../rule/filter-pattern/coverage';
import { evaluateJson, testNode } from '../../rule/filter-pattern/match';
import type { JsonExpression } from '../../rule/filter-pattern/parse';
import { DEFAULT_READINGS } from '../../rule/filter-pattern/readings';

/**
 * The fast analysis (independent groups, pruned outcomes, memoised failures, values tried before walks) against brute force: every
 * combination of every outcome of every field the pattern reads, each evaluated on a concrete record by the same
 * matcher TestMetricFilter uses. They must agree on whether some record makes the pattern false, and true.
 */

const SELECTORS = [
  '$.eventName',
  '$.eventSource',
  '$.readOnly',
  '$.errorCode',
  '$.userIdentity.type',
  '$.userIdentity.arn',
  '$.userAgent',
  '$.awsRegion',
  '$.sourceIPAddress',
  '$.requestParameters.bucketName',
  '$.additionalEventData.bytesTransferredIn',
  // A wildcard selects the children that exist (an absent one is not selected, NOT EXISTS included); an index the
  // record does not have is absent.
  '$.additionalEventData.*',
  '$.resources[1].ARN',
  '$.addendum',
  '$.vpcEndpointId',
];
const TESTS = [
  '= PutBucketPolicy',
  '!= PutBucketPolicy',
  '= GetObject',
  '= s3.amazonaws.com',
  '= Root',
  '!= Root',
  '= "us-*"',
  '!= "*-1"',
  '= %^1%',
  '!= %a%',
  '= *',
  '> 0',
  '<= 20480',
  'IS TRUE',
  'IS FALSE',
  'IS NULL',
  'NOT EXISTS',
  '= "example-bucket"',
  '!= "x"',
  // Wildcards that tie values together (a text ending in "a" cannot end in "-1"; one containing "Bucket" may
  // begin with "Put"): the search first tries values without a walk, and walks a field only when it must.
  '= "*a"',
  '!= "*a"',
  '= "Put*"',
  '!= "*Bucket*"',
  '= "*Policy"',
  '!= %^us%',
  // An identity's type fixes its ARN's form (F11): a root ARN never comes with an assumed role.
  '= "*:root"',
  '!= "*:assumed-role/*"',
];

const condition = fc.tuple(fc.constantFrom(...SELECTORS), fc.constantFrom(...TESTS)).map(([selector, test]) => `${selector} ${test}`);
const expression: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    condition,
    fc.tuple(tie('node'), fc.constantFrom('&&', '||'), tie('node')).map(([a, op, b]) => `(${a} ${op} ${b})`),
  ),
})).node;

function bruteForce(parsed: JsonExpression, space: ReturnType<typeof changeSpace>, want: boolean): boolean {
  const { model } = modelSpace(parsed, space, DEFAULT_READINGS);
  const sizes = model.slots.map((slot) => slot.outcomes.length);
  const total = sizes.reduce((product, size) => product * size, 1);
  for (let n = 0; n < total; n++) {
    let rest = n;
    const choice = sizes.map((size) => {
      const pick = rest % size;
      rest = Math.floor(rest / size);
      return pick;
    });
    if (evaluateJson(parsed, model.recordFor(choice), DEFAULT_READINGS) === want) return true;
  }
  return false;
}

/** The JSON expression of `{ text }`, or undefined when AWS would refuse it (more than two regular expressions). */
function jsonExpression(text: string): JsonExpression | undefined {
  try {
    const parsed = parseFilterPattern(`{ ${text} }`);
    return parsed.kind === 'json' ? parsed.expression : undefined;
  } catch (error) {
    if (error instanceof FilterPatternError) return undefined;
    throw error;
  }
}

/** For random patterns, the fast search (`find`) finds a record exactly when brute force over `spaces` does, and only real ones. */
function agreesWithBruteForce(spaces: readonly RecordSpace[], find: (expression: JsonExpression, want: boolean) => ReturnType<typeof findRecord>): void {
  fc.assert(
    fc.property(expression, (text) => {
      const parsed = jsonExpression(text);
      if (!parsed) return;
      for (const want of [false, true]) {
        const fast = find(parsed, want);
        expect([text, want, fast.choice !== undefined]).toEqual([text, want, spaces.some((space) => bruteForce(parsed, space, want))]);
        // A record the search reports really is one: the matcher agrees on it.
        if (fast.choice) expect(evaluateJson(parsed, fast.model.recordFor(fast.choice), DEFAULT_READINGS)).toBe(want);
      }
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
  );
}

describe('the fast analysis agrees with brute-force enumeration', () => {
  const spaces = [changeSpace('PutBucketPolicy'), changeSpace('DeleteBucketPolicy'), ...nonChangeSpaces()];
  test.each(spaces.map((space) => [space.label, space] as const))('over every %s', (_label, space) => {
    agreesWithBruteForce([space], (parsed, want) => findRecord(parsed, space, want, DEFAULT_READINGS));
  });
});

describe('the search over the parts of a space split by identity agrees with brute force over every part', () => {
  const spaces = [changeSpace('PutBucketPolicy'), ...nonChangeSpaces()];
  test.each(spaces.map((space) => [space.label, space] as const))('over every %s', (_label, space) => {
    const parts = identityParts(space);
    agreesWithBruteForce(parts, (parsed, want) => findRecordInParts(parsed, parts, want, DEFAULT_READINGS, new Budget(Infinity)));
  });
});

describe("a field's outcomes are every truth vector its values can give", () => {
  // S3's bucket naming rule, from the S3 user guide: 3–63 of a-z 0-9 . -, beginning and ending with a letter or digit.
  const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
  const letters = ['a', '0', '-', 'x'];
  const names: string[] = [];
  const grow = (prefix: string) => {
    if (prefix.length >= 3 && bucketName.test(prefix)) names.push(prefix);
    if (prefix.length < 5) for (const letter of letters) grow(prefix + letter);
  };
  grow('');
  const core = fc.array(fc.constantFrom(...letters), { minLength: 1, maxLength: 2 }).map((chars) => chars.join(''));
  const bucketTest = fc.oneof(
    fc.tuple(fc.constantFrom('=', '!='), core, fc.constantFrom('*%', '%*', '*%*', '%')).map(([op, text, shape]) => `${op} "${shape.replace('%', text)}"`),
    fc.tuple(fc.constantFrom('=', '!='), core).map(([op, text]) => `${op} %^${text.replace(/-/g, '\\-')}%`),
  );

  test('on bucket names (pruned walks find every vector the short names give, and only real ones)', () => {
    const space = changeSpace('PutBucketPolicy');
    fc.assert(
      fc.property(fc.array(bucketTest, { minLength: 1, maxLength: 4 }), (tests) => {
        const parsed = jsonExpression(tests.map((t) => `$.requestParameters.bucketName ${t}`).join(' && '));
        if (!parsed) return;
        const [slot] = modelSpace(parsed, space, DEFAULT_READINGS).model.slots;
        const vectors = new Set(slot.outcomes.map((outcome) => outcome.truth.map(Number).join('')));
        for (const outcome of slot.outcomes) {
          expect(typeof outcome.value === 'string' && bucketName.test(outcome.value)).toBe(true);
          expect(slot.conditions.map((condition) => testNode(condition.test, outcome.value, DEFAULT_READINGS))).toEqual(outcome.truth);
        }
        for (const name of names) {
          const truth = slot.conditions.map((condition) => testNode(condition.test, name, DEFAULT_READINGS)).map(Number).join('');
          expect([tests, name, vectors.has(truth)]).toEqual([tests, name, true]);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
    );
  });
});
