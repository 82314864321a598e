import fc from 'fast-check';
import { analyzeFilterPattern, FilterPatternError, matchesMessage, parseFilterPattern, testMetricFilter } from '../../rule/filter-pattern';
import { changeRecordVariants, type CloudTrailRecord } from '../../rule/events/catalog';
import { parseRegex, regexTest } from '../../rule/filter-pattern/regex';
import { readCorpus, type AccountPatternCase, type ConformanceCase } from '../support/corpus';
import { cloudTrailCouldWrite, recordCouldExist } from '../support/record-domain';

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

/**
 * JSON patterns from the grammar (AWS "Filter pattern syntax for JSON log events": selectors, = != < > <= >=,
 * IS NULL/TRUE/FALSE, NOT EXISTS, %regex%, && || and parentheses), half of them then damaged by one random
 * edit, so that both the JSON parser's success path and its errors near valid text are fuzzed.
 */
const jsonSelector = fc.constantFrom(
  '$.eventName', '$.eventSource', '$.errorCode', '$.readOnly', '$.awsRegion', '$.userIdentity.type', '$.userIdentity.arn',
  '$.userIdentity.invokedBy', '$.requestParameters.bucketName', "$.requestParameters['bucketName']", '$.resources[0].type',
  '$.resources[*].ARN', '$.additionalEventData.bytesTransferredIn', '$.tlsDetails.*', '$.sourceIPAddress', '$.vpcEndpointId',
);
const jsonWord = fc.constantFrom('PutBucketPolicy', 'DeleteBucketPolicy', 's3.amazonaws.com', 'AccessDenied', 'Root', 'AssumedRole', 'AWSService', '*', 'Put*', '*Policy', 'us-*', 'true', 'false');
const jsonString = fc.oneof(jsonWord, jsonWord.map((word) => `"${word}"`), fc.stringMatching(/^[A-Za-z0-9_.:-]{1,10}$/));
const jsonNumber = fc.oneof(fc.integer({ min: -1000, max: 1000 }).map(String), fc.constantFrom('0', '312', '1e+3', '0.5', '-2'));
const jsonRegex = fc.constantFrom('%Put.*%', '%^s3\\.%', '%[0-9]+%', '%BucketPolicy$%', '%Root|IAMUser%', '%^AWS[A-Z]%');
const jsonCondition = fc.oneof(
  fc.tuple(jsonSelector, fc.constantFrom('=', '!='), fc.oneof(jsonString, jsonNumber, jsonRegex)).map(([s, op, v]) => `${s} ${op} ${v}`),
  fc.tuple(jsonSelector, fc.constantFrom('<', '>', '<=', '>='), jsonNumber).map(([s, op, v]) => `${s} ${op} ${v}`),
  fc.tuple(jsonSelector, fc.constantFrom('IS NULL', 'IS TRUE', 'IS FALSE', 'NOT EXISTS')).map(([s, test]) => `${s} ${test}`),
);
const { jsonExpression } = fc.letrec((tie) => ({
  jsonExpression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonCondition,
    fc.tuple(tie('jsonExpression'), fc.constantFrom('&&', '||'), tie('jsonExpression')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    fc.tuple(tie('jsonExpression'), fc.constantFrom('&&', '||'), jsonCondition).map(([a, op, b]) => `${a} ${op} ${b}`),
  ),
}));
// AWS quotas: at most 2 regular expressions and 3 wildcard selectors in one JSON pattern, 1024 characters.
const withinQuotas = (pattern: string) =>
  (pattern.match(/%/g) ?? []).length <= 4 && (pattern.match(/\[\*\]|\.\*/g) ?? []).length <= 3 && pattern.length <= 1024;
const validJsonPattern = jsonExpression.map((expression) => `{ ${expression} }`).filter(withinQuotas);
const jsonPattern = fc
  .tuple(validJsonPattern, fc.option(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fragments), { freq: 2 }))
  .map(([pattern, edit]) => {
    if (!edit) return pattern;
    const [at, remove, insert] = edit;
    const i = at % (pattern.length + 1);
    return pattern.slice(0, i) + insert + pattern.slice(i + remove);
  });

function parses(pattern: string): boolean {
  try {
    parseFilterPattern(pattern);
    return true;
  } catch (error) {
    if (error instanceof FilterPatternError) return false;
    throw error;
  }
}

describe('JSON patterns from the grammar', () => {
  test('at least 30 % of the generated JSON patterns parse, and some do not', () => {
    const sample = fc.sample(jsonPattern, { numRuns: 1000, seed: 16 });
    const rate = sample.filter(parses).length / sample.length;
    if (process.env.PRINT_RATE) console.log(`JSON patterns that parse: ${(rate * 100).toFixed(1)} %`);
    expect(rate).toBeGreaterThanOrEqual(0.3);
    expect(rate).toBeLessThan(0.95);
  });

  test('every pattern the grammar writes (undamaged) parses as JSON', () => {
    fc.assert(fc.property(validJsonPattern, (pattern) => expect(parseFilterPattern(pattern).kind).toBe('json')), { numRuns: RUNS });
  });

  test('parsing either succeeds or throws FilterPatternError; whatever parses can be matched and analysed', () => {
    fc.assert(fc.property(jsonPattern, survives), { numRuns: RUNS });
  });
});

/**
 * The analysis claims "every successful PutBucketPolicy record": so any record CloudTrail could write must match.
 * Records here are the catalog's realistic callers with the fields that vary from call to call set at random
 * (who, from where, which bucket, TLS, VPC endpoint), strings where CloudTrail always writes a string.
 */
const anyValue = fc.oneof(jsonWord, fc.stringMatching(/^[A-Za-z0-9_.:-]{0,10}$/), fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(null, true, false, {}, 0.5, 1000));
const stringOrAbsent = fc.option(fc.oneof(jsonWord, fc.stringMatching(/^[A-Za-z0-9_.:-]{0,10}$/)), { nil: undefined });
const valueOrAbsent = fc.option(anyValue, { nil: undefined });
/** The paths the random records vary; a record whose value there CloudTrail could not write is skipped. */
const VARIED_PATHS: readonly (string | number)[][] = [
  ['userIdentity', 'type'],
  ['userIdentity', 'arn'],
  ['userIdentity', 'invokedBy'],
  ['requestParameters', 'bucketName'],
  ['awsRegion'],
  ['sourceIPAddress'],
  ['additionalEventData', 'bytesTransferredIn'],
  ['tlsDetails', 'tlsVersion'],
  ['vpcEndpointId'],
  ['resources', 0, 'ARN'],
];
const randomChangeRecord = fc
  .record({
    caller: fc.nat(),
    type: fc.oneof(jsonWord, fc.constantFrom('IAMUser', 'AssumedRole', 'Root', 'AWSService', 'FederatedUser')),
    arn: valueOrAbsent,
    invokedBy: valueOrAbsent,
    bucketName: fc.oneof(jsonWord, fc.stringMatching(/^[a-z0-9.-]{3,12}$/)),
    region: fc.oneof(jsonWord, fc.constantFrom('us-east-1', 'eu-west-1', 'us-gov-west-1')),
    sourceIPAddress: fc.oneof(jsonWord, fc.constantFrom('198.51.100.24', 'AWS Internal', '2001:db8::1')),
    bytesTransferredIn: valueOrAbsent,
    tlsVersion: stringOrAbsent,
    vpcEndpointId: valueOrAbsent,
    resourceArn: valueOrAbsent,
  })
  .map((r) => {
    const variants = changeRecordVariants('PutBucketPolicy');
    const record = structuredClone(variants[r.caller % variants.length]!.record) as Record<string, any>;
    const set = (parent: Record<string, unknown> | undefined, key: string, value: unknown) => {
      if (!parent) return;
      if (value === undefined) delete parent[key];
      else parent[key] = value;
    };
    record.userIdentity = { ...record.userIdentity, type: r.type };
    set(record.userIdentity, 'arn', r.arn);
    set(record.userIdentity, 'invokedBy', r.invokedBy);
    record.requestParameters.bucketName = r.bucketName;
    record.awsRegion = r.region;
    record.sourceIPAddress = r.sourceIPAddress;
    set(record.additionalEventData, 'bytesTransferredIn', r.bytesTransferredIn);
    set(record.tlsDetails, 'tlsVersion', r.tlsVersion);
    set(record, 'vpcEndpointId', r.vpcEndpointId);
    set(record.resources?.[0], 'ARN', r.resourceArn);
    return record as CloudTrailRecord;
  });

describe('a JSON pattern the analysis says covers PutBucketPolicy matches every PutBucketPolicy record', () => {
  test('random patterns against random records', () => {
    let covered = 0;
    fc.assert(
      fc.property(validJsonPattern, fc.array(randomChangeRecord, { minLength: 1, maxLength: 4 }), (pattern, records) => {
        if (!analyzeFilterPattern(pattern, ['PutBucketPolicy']).coversRequiredEvents) return;
        covered++;
        const parsed = parseFilterPattern(pattern);
        for (const record of records) {
          if (!recordCouldExist('PutBucketPolicy', record, VARIED_PATHS)) continue;
          expect({ pattern, record, matches: matchesMessage(parsed, JSON.stringify(record)) }).toMatchObject({ matches: true });
        }
      }),
      { numRuns: RUNS },
    );
    if (process.env.PRINT_RATE) console.log(`patterns the analysis says cover PutBucketPolicy: ${covered} of ${RUNS}`);
    expect(covered).toBeGreaterThan(0);
  });
});

describe('disjunctions on one field that varies from call to call: covered only if no value escapes', () => {
  // Where the field is; which values CloudTrail can write there comes from the record space (cloudTrailCouldWrite).
  const slots = [
    { selector: '$.userIdentity.arn', path: ['userIdentity', 'arn'] },
    { selector: '$.additionalEventData.bytesTransferredIn', path: ['additionalEventData', 'bytesTransferredIn'] },
    { selector: '$.vpcEndpointId', path: ['vpcEndpointId'] },
    { selector: '$.userIdentity.type', path: ['userIdentity', 'type'] },
    { selector: '$.requestParameters.bucketName', path: ['requestParameters', 'bucketName'] },
  ];
  const bound = fc.constantFrom('-2', '0', '1', '312', '1000');
  const word = fc.constantFrom('Root', 'AssumedRole', 'example-bucket', 'vpce-0abc', '', 'Root*', '*bucket');
  const test1 = fc.oneof(
    fc.constantFrom('NOT EXISTS', 'IS NULL', 'IS TRUE', 'IS FALSE', '= *', '!= *', '= %^[a-z]%', '!= %^[a-z]%', '= %[0-9]%'),
    fc.tuple(fc.constantFrom('<', '>', '<=', '>=', '=', '!='), bound).map(([op, n]) => `${op} ${n}`),
    fc.tuple(fc.constantFrom('=', '!='), word).map(([op, w]) => `${op} "${w}"`),
  );
  const values: unknown[] = [undefined, null, true, false, {}, [], -3, -2, -1.5, -1, 0, 0.5, 1, 2, 311, 312, 313, 999, 1000, 1001, '', 'Root', 'AssumedRole', 'example-bucket', 'vpce-0abc', 'a', 'Z', '7', '-', 'Rootx', 'xbucket', '312', 'arn:aws:iam::111122223333:user/alice', 'arn:aws:sts::111122223333:assumed-role/Admin/Root', 'vpce-0a1b2c3d4e5f60718', 'my.bucket-01'];
  const value = fc.constantFrom(...values);

  test('each value the field can take matches a disjunction the analysis calls covering', () => {
    let covered = 0;
    fc.assert(
      fc.property(fc.constantFrom(...slots), fc.array(test1, { minLength: 1, maxLength: 5 }), fc.array(value, { minLength: 1, maxLength: 6 }), (slot, tests, chosen) => {
        const pattern = `{ $.eventName = "PutBucketPolicy" && (${tests.map((t) => `${slot.selector} ${t}`).join(' || ')}) }`;
        if (!parses(pattern) || !analyzeFilterPattern(pattern, ['PutBucketPolicy']).coversRequiredEvents) return;
        covered++;
        const parsed = parseFilterPattern(pattern);
        for (const v of chosen) {
          if (!cloudTrailCouldWrite('PutBucketPolicy', slot.path, v)) continue;
          const record = structuredClone(changeRecordVariants('PutBucketPolicy')[0]!.record) as Record<string, Record<string, unknown>>;
          const [top, key] = slot.path as [string, string?];
          if (key === undefined) {
            if (v === undefined) delete record[top];
            else (record as Record<string, unknown>)[top] = v;
          } else if (v === undefined) delete record[top]![key];
          else record[top]![key] = v;
          expect({ pattern, value: v, matches: matchesMessage(parsed, JSON.stringify(record)) }).toMatchObject({ matches: true });
        }
      }),
      // Always tried: a disjunction that every scalar and absence satisfies, so only an object defeats it.
      { numRuns: RUNS, examples: [[slots[0]!, ['NOT EXISTS', 'IS NULL', 'IS TRUE', 'IS FALSE', '>= 0', '< 0', '= *'], [{}]]] },
    );
    if (process.env.PRINT_RATE) console.log(`disjunctions the analysis calls covering: ${covered} of ${RUNS}`);
    expect(covered).toBeGreaterThan(0);
  });
});
