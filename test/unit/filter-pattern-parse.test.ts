import { FilterPatternError, parseFilterPattern, testMetricFilter } from '../../rule/filter-pattern';
import { MAX_PATTERN_LENGTH } from '../../rule/filter-pattern/parse';

function rejection(pattern: string): FilterPatternError {
  try {
    parseFilterPattern(pattern);
  } catch (error) {
    if (error instanceof FilterPatternError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(pattern)} to be rejected`);
}

describe('parsing every pattern kind', () => {
  test.each([
    ['', 'all'],
    ['   ', 'all'],
    ['ERROR ?WARN -DEBUG "a phrase"', 'terms'],
    ['%^Put[A-Z]\\w+$%', 'regex'],
    ['{ $.a = 1 }', 'json'],
    ["{ $.['cluster.name'] = x && $.list[0][1] IS NULL || $.o.* = %v% && ($.n >= 1e+3) || $.k NOT EXISTS }", 'json'],
    ['[ip, user, ..., status=4* || status=5*, size>1000,]', 'space'],
    ['\n{\n  ($.eventName = PutBucketPolicy)\n  || ($.eventName = DeleteBucketPolicy)\n}\n', 'json'],
  ])('%j is a %s pattern', (pattern, kind) => {
    expect(parseFilterPattern(pattern).kind).toBe(kind);
  });
});

describe('patterns AWS would reject say where and why', () => {
  test.each([
    ['{ $.eventName = PutBucketPolicy', 31, '', "must end with '}'"],
    ['{ $.eventName == PutBucketPolicy }', 14, '==', '"==" is not an operator'],
    ['{ !($.eventName = PutBucketPolicy) }', 2, '!', 'no "!" (NOT) operator'],
    ['{ $.errorCode IS NOT NULL }', 17, 'NOT', 'IS NOT'],
    ['{ $.errorCode EXISTS }', 14, 'EXISTS', 'NOT EXISTS'],
    ['{ $.bytes > lots }', 10, '>', 'compares numbers'],
    ['{ eventName = PutBucketPolicy }', 2, 'eventName', 'selector starting with $'],
    ['{ $.eventName = "PutBucketPolicy" } || { $.eventName = "DeleteBucketPolicy" }', 36, '||', 'one {…} expression'],
    ['{ $.eventName = PutBucketPolicy || DeleteBucketPolicy }', 35, 'DeleteBucketPolicy', 'selector starting with $'],
    ['{ $.a = %x% || $.b = %y% || $.c = %z% }', 34, '%z%', 'at most 2 regular expressions'],
    ['{ $.a[*].b[*] = 1 }', 2, '$.a[*].b[*]', 'at most one wildcard'],
    ['{ $.a[*] = 1 || $.b[*] = 1 || $.c[*] = 1 || $.d[*] = 1 }', 44, '$.d[*]', 'at most 3 wildcard selectors'],
    ['{ $.a = "unterminated }', 8, '"unterminated }', 'missing closing "'],
    ['{ ($.a = 1 }', 11, '}', '")" to close'],
    ['%(Put|Delete)BucketPolicy%', 1, '(', 'groups'],
    ['%something!%', 10, '!', '\\x21'],
    ['%a{2,1}%', 2, '{2,1}', 'minimum above its maximum'],
    ['%a{1001}%', 2, '{1001}', 'above 1000'],
    ['%*a%', 1, '*', 'nothing to repeat'],
    ['%[a%', 1, '[', 'missing ]'],
    ['%\\q%', 1, '\\q', 'unsupported escape'],
    ['%café%', 4, 'é', 'non-ASCII'],
    ['%abc', 0, '%abc', 'missing closing %'],
    ['%abc% more', 6, 'more', 'single %…% expression'],
    ['[ip, status_code = 4* && bytes > 1000]', 25, 'bytes', 'same field'],
    ['[a, ..., b, ...]', 12, '...', 'only once'],
    ['[]', 1, ']', 'empty space-delimited pattern'],
    ['[a, b', 5, '', "must end with ']'"],
    ['ERROR ?', 6, '?', 'must be followed by a term'],
    ['ERROR "unterminated phrase', 6, '"unterminated phrase', 'missing closing "'],
  ])('%j', (pattern, offset, token, reason) => {
    const error = rejection(pattern);
    expect(error.message).toContain(reason);
    expect(error.offset).toBe(offset);
    expect(error.token).toBe(token);
    // people are shown the character's number counting from 1
    expect(error.position).toBe(offset + 1);
    expect(error.message).toContain(`position ${offset + 1}`);
    if (token === '') expect(offset).toBe(pattern.trimEnd().length);
  });

  test(`a pattern longer than ${MAX_PATTERN_LENGTH} characters is rejected at the limit`, () => {
    const pattern = `{ $.eventName = "${'x'.repeat(MAX_PATTERN_LENGTH)}" }`;
    const error = rejection(pattern);
    expect(error.offset).toBe(MAX_PATTERN_LENGTH);
    expect(error.message).toContain(`at most ${MAX_PATTERN_LENGTH} characters (this one has ${pattern.length})`);
  });

  test('a pattern of exactly 1024 characters is accepted', () => {
    const pattern = `{ $.eventName = "${'x'.repeat(MAX_PATTERN_LENGTH - 20)}" }`;
    expect(pattern).toHaveLength(MAX_PATTERN_LENGTH);
    expect(parseFilterPattern(pattern).kind).toBe('json');
  });
});

describe('hostile patterns stay bounded', () => {
  test('500 nested parentheses parse and match', () => {
    const depth = 500;
    const pattern = `{${'('.repeat(depth)}$.a = 1${')'.repeat(depth)}}`;
    expect(pattern.length).toBeLessThanOrEqual(MAX_PATTERN_LENGTH);
    expect(testMetricFilter(pattern, ['{"a":1}', '{"a":2}']).matches.map((m) => m.eventNumber)).toEqual([1]);
  });

  test('a pathological regex on a long message gives the right answer (no backtracking)', () => {
    const message = 'a'.repeat(200_000);
    expect(testMetricFilter(`%${'a*'.repeat(20)}b%`, [message]).matches).toEqual([]);
    expect(testMetricFilter(`%${'a?'.repeat(30)}${'a'.repeat(30)}$%`, [message]).matches).toHaveLength(1);
    expect(testMetricFilter('%(?:a+)+b%'.replace('(?:a+)+', 'a{1,1000}a{1,1000}'), [message]).matches).toEqual([]);
  });
});

describe('matching and extracted values, as TestMetricFilter returns them', () => {
  test('space-delimited fields are extracted by name, the rest by position', () => {
    const result = testMetricFilter('[ip, user, ..., status=404, size]', [
      '10.0.0.1 alice [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.0" 404 2326',
      '10.0.0.1 alice [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.0" 200 2326',
    ]);
    expect(result.matches).toEqual([
      {
        eventNumber: 1,
        eventMessage: '10.0.0.1 alice [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.0" 404 2326',
        extractedValues: { $ip: '10.0.0.1', $user: 'alice', $3: '10/Oct/2000:13:55:36 -0700', $4: 'GET /x HTTP/1.0', $status: '404', $size: '2326' },
      },
    ]);
  });

  test('a JSON pattern never matches text that is not a JSON object', () => {
    expect(testMetricFilter('{ $.a = 1 }', ['a=1', '[{"a":1}]', '{"a":1}', '{"a":1']).matches.map((m) => m.eventNumber)).toEqual([3]);
  });

  test('a lone * (quoted or not) means "has a value"; null and containers have none', () => {
    const events = ['{"v":"x"}', '{"v":""}', '{"v":3}', '{"v":null}', '{"v":{}}', '{"w":1}'];
    expect(testMetricFilter('{ $.v = * }', events).matches.map((m) => m.eventNumber)).toEqual([1, 2, 3]);
    expect(testMetricFilter('{ $.v = "*" }', events).matches.map((m) => m.eventNumber)).toEqual([1, 2, 3]);
  });
});
