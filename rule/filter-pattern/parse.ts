import { FilterPatternError } from './errors';
import { UNQUOTED_VALUE_CHARACTER } from './readings';
import { parseRegex, type Regex } from './regex';

/**
 * Parser for every kind of CloudWatch Logs filter pattern (docs/spec/filter-patterns.md §1–§5):
 * match-all, terms, a standalone regular expression, JSON `{…}` and space-delimited `[…]`.
 * A pattern AWS would reject throws FilterPatternError with the position and the offending token.
 */

export const MAX_PATTERN_LENGTH = 1024;
/** Quotas: regular expressions per JSON or space-delimited pattern, wildcard selectors per JSON pattern. */
export const MAX_REGEXES = 2;
export const MAX_WILDCARD_SELECTORS = 3;

export interface Term {
  text: string;
  quoted: boolean;
}
/** A term as written, in order: plain, `?` optional or `-` excluded. */
export interface PrefixedTerm {
  prefix: '' | '?' | '-';
  term: Term;
}

/** A string value of a comparison: exact, or with `*` wildcards at the ends (`*` alone: has any value). */
export interface StringValue {
  kind: 'string';
  /** The value as written, without quotes and escapes. */
  text: string;
  quoted: boolean;
}
export interface NumberValue {
  kind: 'number';
  value: number;
  text: string;
}
export interface RegexValue {
  kind: 'regex';
  regex: Regex;
}
export type ComparisonValue = StringValue | NumberValue | RegexValue;

export type EqualityOp = '=' | '!=';
export type OrderOp = '<' | '>' | '<=' | '>=';

/** What a condition asks of the value(s) its selector lands on. */
export type ValueTest =
  | { kind: 'equality'; op: EqualityOp; value: ComparisonValue }
  | { kind: 'order'; op: OrderOp; value: NumberValue }
  | { kind: 'is'; what: 'NULL' | 'TRUE' | 'FALSE' }
  | { kind: 'notExists' };

export type SelectorStep = { kind: 'key'; name: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

export interface Selector {
  text: string;
  steps: SelectorStep[];
}

export interface JsonCondition {
  kind: 'condition';
  selector: Selector;
  test: ValueTest;
  /** The condition's text, for explanations. */
  text: string;
}
export type JsonExpression = JsonCondition | { kind: 'and' | 'or'; operands: JsonExpression[] };

export interface FieldCondition {
  op: EqualityOp | OrderOp;
  value: ComparisonValue;
}
/** One field of a space-delimited pattern: `...`, or a (possibly unnamed) field with conditions. */
export type SpaceField =
  | { kind: 'ellipsis' }
  | {
      kind: 'field';
      name: string;
      /** Conditions joined by one operator (all on this field). */
      join: 'and' | 'or';
      conditions: FieldCondition[];
    };

export type FilterPattern =
  | { kind: 'all'; text: string }
  | { kind: 'terms'; text: string; required: Term[]; optional: Term[]; excluded: Term[]; sequence: PrefixedTerm[] }
  | { kind: 'regex'; text: string; regex: Regex }
  | { kind: 'json'; text: string; expression: JsonExpression }
  | { kind: 'space'; text: string; fields: SpaceField[] };

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NAME = /[A-Za-z0-9_\-@]/;

export function parseFilterPattern(text: string): FilterPattern {
  if (typeof text !== 'string') throw new FilterPatternError('the filter pattern must be a string', 0, '');
  if (text.length > MAX_PATTERN_LENGTH) {
    throw new FilterPatternError(
      `a filter pattern has at most ${MAX_PATTERN_LENGTH} characters (this one has ${text.length})`,
      MAX_PATTERN_LENGTH,
      text.slice(MAX_PATTERN_LENGTH, MAX_PATTERN_LENGTH + 10),
    );
  }
  const start = text.length - text.trimStart().length;
  const body = text.trim();
  if (body === '') return { kind: 'all', text };
  const cursor = new Cursor(text, start, start + body.length);
  switch (body[0]) {
    case '{':
      return { kind: 'json', text, expression: new JsonParser(cursor).parse() };
    case '[':
      return { kind: 'space', text, fields: new SpaceParser(cursor).parse() };
    case '%':
      return { kind: 'regex', text, regex: parseStandaloneRegex(cursor) };
    default:
      return parseTerms(cursor, text);
  }
}

/** Reads a pattern left to right; every error names the position and the text found there. */
class Cursor {
  regexCount = 0;
  constructor(
    readonly text: string,
    public at: number,
    readonly end: number,
  ) {}

  get done(): boolean {
    return this.at >= this.end;
  }
  peek(offset = 0): string {
    return this.at + offset < this.end ? this.text[this.at + offset] : '';
  }
  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.at) && this.at + token.length <= this.end;
  }
  skipSpace(): void {
    while (!this.done && /\s/.test(this.text[this.at])) this.at++;
  }
  /** The token at the cursor, for error messages: up to the next space or delimiter. */
  tokenAt(at = this.at): string {
    if (at >= this.end) return '';
    const rest = this.text.slice(at, this.end);
    const word = /^[^\s(){}[\],]+/.exec(rest)?.[0];
    return word ?? rest[0];
  }
  fail(reason: string, at = this.at, token?: string): never {
    throw new FilterPatternError(reason, at, token ?? (at >= this.end ? '' : this.tokenAt(at)));
  }
  expect(token: string, what: string): void {
    this.skipSpace();
    if (!this.startsWith(token)) this.fail(this.done ? `${what}, but the pattern ends here` : `${what}`);
    this.at += token.length;
  }

  /** `"…"` with the escapes \" and \\ (A14). The cursor is on the opening quote. */
  readQuoted(): string {
    const open = this.at;
    let value = '';
    this.at++;
    while (this.at < this.end) {
      const c = this.text[this.at];
      if (c === '"') {
        this.at++;
        return value;
      }
      if (c === '\\' && (this.text[this.at + 1] === '"' || this.text[this.at + 1] === '\\') && this.at + 1 < this.end) {
        value += this.text[this.at + 1];
        this.at += 2;
        continue;
      }
      value += c;
      this.at++;
    }
    return this.fail('unterminated quoted string: missing closing "', open, this.text.slice(open, open + 20));
  }

  /** `%…%`, counted against the pattern's regex quota. The cursor is on the opening %. */
  readRegex(quota: boolean): Regex {
    const open = this.at;
    const close = this.text.indexOf('%', open + 1);
    if (close < 0 || close >= this.end) this.fail('unterminated regular expression: missing closing %', open, this.text.slice(open, open + 20));
    if (quota && ++this.regexCount > MAX_REGEXES) {
      this.fail(`a JSON or space-delimited pattern may contain at most ${MAX_REGEXES} regular expressions`, open, this.text.slice(open, close + 1));
    }
    const regex = parseRegex(this.text.slice(open + 1, close), open + 1);
    this.at = close + 1;
    return regex;
  }

  /** A comparison value: quoted string, %regex%, number, or bare word (which ends at a delimiter). */
  readValue(stops: RegExp): ComparisonValue {
    this.skipSpace();
    const c = this.peek();
    if (c === '"') {
      const text = this.readQuoted();
      return { kind: 'string', text, quoted: true };
    }
    if (c === '%') return { kind: 'regex', regex: this.readRegex(true) };
    const begin = this.at;
    while (!this.done && !stops.test(this.text[this.at]) && !this.startsWith('&&') && !this.startsWith('||')) this.at++;
    const word = this.text.slice(begin, this.at);
    if (word === '') this.fail(this.done ? 'a value is missing at the end of the pattern' : 'a value is missing here', begin);
    if (NUMBER.test(word)) return { kind: 'number', value: Number(word), text: word };
    return { kind: 'string', text: word, quoted: false };
  }

  readComparisonOp(): EqualityOp | OrderOp | undefined {
    for (const op of ['!=', '<=', '>=', '=', '<', '>'] as const) {
      if (this.startsWith(op)) {
        if (op === '=' && this.peek(1) === '=') this.fail('"==" is not an operator in filter patterns; use "="', this.at, '==');
        this.at += op.length;
        return op;
      }
    }
    return undefined;
  }
}

function parseStandaloneRegex(cursor: Cursor): Regex {
  const regex = cursor.readRegex(false);
  cursor.skipSpace();
  if (!cursor.done) cursor.fail('a regular-expression pattern is a single %…% expression; nothing may follow it');
  return regex;
}

function parseTerms(cursor: Cursor, text: string): FilterPattern {
  const required: Term[] = [];
  const optional: Term[] = [];
  const excluded: Term[] = [];
  const sequence: PrefixedTerm[] = [];
  for (cursor.skipSpace(); !cursor.done; cursor.skipSpace()) {
    const at = cursor.at;
    const prefix = cursor.peek() === '?' || cursor.peek() === '-' ? (cursor.peek() as '?' | '-') : '';
    cursor.at += prefix.length;
    let term: Term;
    if (cursor.peek() === '"') term = { text: cursor.readQuoted(), quoted: true };
    else {
      const begin = cursor.at;
      while (!cursor.done && !/\s/.test(cursor.peek())) {
        if (cursor.peek() === '"') cursor.fail('a quote may only start a term ("…"); put the whole term in quotes');
        cursor.at++;
      }
      term = { text: cursor.text.slice(begin, cursor.at), quoted: false };
    }
    if (term.text === '' && !term.quoted) cursor.fail(`"${prefix}" must be followed by a term`, at, prefix);
    if (!cursor.done && !/\s/.test(cursor.peek())) cursor.fail('terms must be separated by spaces');
    (prefix === '?' ? optional : prefix === '-' ? excluded : required).push(term);
    sequence.push({ prefix, term });
  }
  return { kind: 'terms', text, required, optional, excluded, sequence };
}

/** A selector on its own, as in a metric value or dimension (`$.requestParameters.bucketName`). */
export function parseSelector(text: string): Selector {
  const cursor = new Cursor(text, 0, text.length);
  const selector = new JsonParser(cursor).selector();
  if (!cursor.done) cursor.fail('unexpected text after the selector');
  return selector;
}

class JsonParser {
  private wildcardSelectors = 0;
  constructor(private readonly cursor: Cursor) {}

  parse(): JsonExpression {
    const c: Cursor = this.cursor;
    const open = c.at;
    c.at++; // '{'
    if (c.text.slice(open, c.end).trimEnd().slice(-1) !== '}') {
      c.fail("a filter pattern that starts with '{' must end with '}'", c.end, '');
    }
    c.skipSpace();
    if (c.peek() === '}') c.fail('empty JSON pattern: put a condition between { and }');
    const expression = this.orExpression();
    c.skipSpace();
    if (c.peek() !== '}') this.unexpected('"&&", "||" or "}"');
    c.at++;
    c.skipSpace();
    if (!c.done) {
      c.fail(
        c.peek() === '|' || c.peek() === '&'
          ? 'a JSON pattern is one {…} expression; join conditions inside the braces, not between them'
          : 'unexpected text after the closing }',
      );
    }
    return expression;
  }

  private unexpected(expected: string): never {
    const c: Cursor = this.cursor;
    c.skipSpace();
    return c.fail(c.done ? `expected ${expected}, but the pattern ends here` : `expected ${expected}`);
  }

  private orExpression(): JsonExpression {
    const operands = [this.andExpression()];
    for (this.cursor.skipSpace(); this.cursor.startsWith('||'); this.cursor.skipSpace()) {
      this.cursor.at += 2;
      operands.push(this.andExpression());
    }
    return operands.length === 1 ? operands[0] : { kind: 'or', operands };
  }

  private andExpression(): JsonExpression {
    const operands = [this.unary()];
    for (this.cursor.skipSpace(); this.cursor.startsWith('&&'); this.cursor.skipSpace()) {
      this.cursor.at += 2;
      operands.push(this.unary());
    }
    return operands.length === 1 ? operands[0] : { kind: 'and', operands };
  }

  private unary(): JsonExpression {
    const c: Cursor = this.cursor;
    c.skipSpace();
    if (c.peek() === '(') {
      c.at++;
      const inner = this.orExpression();
      c.skipSpace();
      if (c.peek() !== ')') this.unexpected('")" to close the parenthesis');
      c.at++;
      return inner;
    }
    if (c.peek() === '!') c.fail('there is no "!" (NOT) operator in filter patterns; use != on each condition', c.at, '!');
    if (c.peek() === '{') c.fail('a JSON pattern has exactly one pair of braces; use ( ) to group conditions');
    return this.condition();
  }

  private condition(): JsonCondition {
    const c: Cursor = this.cursor;
    const begin = c.at;
    const selector = this.selector();
    c.skipSpace();
    let test: ValueTest;
    if (/^IS\b/i.test(c.text.slice(c.at, c.end))) {
      c.at += 2;
      c.skipSpace();
      const word = /^[A-Za-z]+/.exec(c.text.slice(c.at, c.end))?.[0]?.toUpperCase() ?? '';
      if (word === 'NOT') c.fail('"IS NOT" is not supported; use != or NOT EXISTS');
      if (word !== 'NULL' && word !== 'TRUE' && word !== 'FALSE') c.fail('IS must be followed by NULL, TRUE or FALSE');
      c.at += word.length;
      test = { kind: 'is', what: word as 'NULL' | 'TRUE' | 'FALSE' };
    } else if (/^NOT\b/i.test(c.text.slice(c.at, c.end))) {
      c.at += 3;
      c.skipSpace();
      if (!/^EXISTS\b/i.test(c.text.slice(c.at, c.end))) c.fail('NOT must be followed by EXISTS');
      c.at += 6;
      test = { kind: 'notExists' };
    } else if (/^EXISTS\b/i.test(c.text.slice(c.at, c.end))) {
      return c.fail('EXISTS on its own is not supported; use "= *" (has a value) or NOT EXISTS');
    } else {
      const opAt = c.at;
      const op = c.readComparisonOp();
      if (!op) return this.unexpected(`an operator (= != < > <= >=), IS or NOT EXISTS after ${selector.text}`);
      const valueAt = (c.skipSpace(), c.at);
      const value = c.readValue(/[\s(){}"]/);
      if (value.kind === 'string' && !value.quoted) {
        const bad = [...value.text].findIndex((ch) => !UNQUOTED_VALUE_CHARACTER.test(ch));
        if (bad >= 0) {
          const ch = [...value.text][bad];
          const at = valueAt + [...value.text].slice(0, bad).join('').length;
          c.fail(`unquoted value "${value.text}" contains "${ch}", which CloudWatch Logs accepts only inside double quotes${ch === '$' ? ' (a value cannot refer to another field)' : ''}`, at, ch);
        }
      }
      if (op === '=' || op === '!=') test = { kind: 'equality', op, value };
      else if (value.kind !== 'number') c.fail(`"${op}" compares numbers; the value must be a number`, opAt, op);
      else test = { kind: 'order', op, value };
    }
    return { kind: 'condition', selector, test, text: c.text.slice(begin, c.at).trim() };
  }

  selector(): Selector {
    const c: Cursor = this.cursor;
    const begin = c.at;
    if (c.peek() !== '$') c.fail(c.done ? 'a condition is missing at the end of the pattern' : 'expected a selector starting with $ (for example $.eventName)');
    c.at++;
    const steps: SelectorStep[] = [];
    let wildcards = 0;
    for (;;) {
      if (c.peek() === '.' && c.peek(1) === '[') c.at++;
      if (c.peek() === '[') {
        const open = c.at;
        c.at++;
        if (c.peek() === '*' && c.peek(1) === ']') {
          c.at += 2;
          steps.push({ kind: 'wildcard' });
          wildcards++;
        } else if (c.peek() === "'") {
          const close = c.text.indexOf("']", c.at + 1);
          if (close < 0 || close >= c.end) c.fail("unterminated ['…'] key: missing ']", open);
          steps.push({ kind: 'key', name: c.text.slice(c.at + 1, close) });
          c.at = close + 2;
        } else {
          const digits = /^\d+/.exec(c.text.slice(c.at, c.end))?.[0];
          if (!digits || c.text[c.at + digits.length] !== ']') c.fail("expected an array index [n], [*] or a key ['name']", open);
          steps.push({ kind: 'index', index: Number(digits) });
          c.at += digits.length + 1;
        }
        continue;
      }
      if (c.peek() === '.') {
        c.at++;
        if (c.peek() === '*') {
          c.at++;
          steps.push({ kind: 'wildcard' });
          wildcards++;
          continue;
        }
        const nameStart = c.at;
        while (!c.done && NAME.test(c.peek())) c.at++;
        if (c.at === nameStart) c.fail('expected a property name after "."', nameStart);
        steps.push({ kind: 'key', name: c.text.slice(nameStart, c.at) });
        continue;
      }
      break;
    }
    const text = c.text.slice(begin, c.at);
    if (steps.length === 0) c.fail('a selector must name a property, for example $.eventName', begin, text);
    if (wildcards > 1) c.fail('a selector may contain at most one wildcard ([*] or .*)', begin, text);
    if (wildcards === 1 && ++this.wildcardSelectors > MAX_WILDCARD_SELECTORS) {
      c.fail(`a pattern may contain at most ${MAX_WILDCARD_SELECTORS} wildcard selectors`, begin, text);
    }
    return { text, steps };
  }
}

class SpaceParser {
  constructor(private readonly cursor: Cursor) {}

  parse(): SpaceField[] {
    const c: Cursor = this.cursor;
    c.at++; // '['
    if (c.text.slice(c.at, c.end).trimEnd().slice(-1) !== ']') {
      c.fail("a filter pattern that starts with '[' must end with ']'", c.end, '');
    }
    const fields: SpaceField[] = [];
    for (;;) {
      c.skipSpace();
      fields.push(this.field());
      c.skipSpace();
      if (c.peek() === ',') {
        c.at++;
        continue;
      }
      if (c.peek() === ']') {
        c.at++;
        break;
      }
      c.fail('expected "," or "]" after a field');
    }
    c.skipSpace();
    if (!c.done) c.fail('unexpected text after the closing ]');
    if (fields.length === 1 && fields[0].kind === 'field' && fields[0].name === '' && fields[0].conditions.length === 0) {
      c.fail('empty space-delimited pattern: name at least one field', c.at - 1, ']');
    }
    if (fields.filter((field) => field.kind === 'ellipsis').length > 1) {
      c.fail('a space-delimited pattern may contain "..." only once', c.text.indexOf('...', c.text.indexOf('...') + 3), '...');
    }
    return fields;
  }

  private field(): SpaceField {
    const c: Cursor = this.cursor;
    if (c.startsWith('...')) {
      c.at += 3;
      return { kind: 'ellipsis' };
    }
    const name = this.name();
    const conditions: FieldCondition[] = [];
    let join: 'and' | 'or' | undefined;
    c.skipSpace();
    if (c.peek() === ',' || c.peek() === ']') return { kind: 'field', name, join: 'and', conditions };
    if (name === '') c.fail('a field with a condition needs a name');
    for (;;) {
      const opAt = c.at;
      const op = c.readComparisonOp();
      if (!op) c.fail(`expected an operator (= != < > <= >=) after field "${name}"`);
      const value = c.readValue(/[\s,\]"]/);
      if (op !== '=' && op !== '!=' && value.kind !== 'number') c.fail(`"${op}" compares numbers; the value must be a number`, opAt, op);
      if (value.kind === 'regex' && op !== '=' && op !== '!=') c.fail('a regular expression can only be used with = or !=', opAt, op);
      conditions.push({ op, value });
      c.skipSpace();
      const next = c.startsWith('&&') ? 'and' : c.startsWith('||') ? 'or' : undefined;
      if (!next) break;
      if (join && join !== next) c.fail('mixing && and || inside one field is not supported', c.at, c.text.slice(c.at, c.at + 2));
      join = next;
      c.at += 2;
      c.skipSpace();
      const otherAt = c.at;
      const other = this.name();
      if (other !== name) {
        c.fail(`conditions joined with ${next === 'and' ? '&&' : '||'} must all test the same field ("${name}"), not "${other}"`, otherAt, other);
      }
      c.skipSpace();
    }
    return { kind: 'field', name, join: join ?? 'and', conditions };
  }

  private name(): string {
    const c: Cursor = this.cursor;
    const begin = c.at;
    while (!c.done && /[A-Za-z0-9_\-]/.test(c.peek())) c.at++;
    return c.text.slice(begin, c.at);
  }
}
