import { parseFilterPattern, type ComparisonValue, type FilterPattern, type JsonCondition, type JsonExpression, type PrefixedTerm, type Selector, type SpaceField, type StringValue, type Term, type ValueTest } from './parse';
import { DEFAULT_READINGS, type Readings } from './readings';
import { globRegex, literalRegex, regexTest, type Regex } from './regex';

/**
 * Matching a parsed pattern against one log event, as CloudWatch Logs does (TestMetricFilter, FilterLogEvents,
 * metric filters). Ambiguous points follow `Readings`.
 */

/** A JSON value in an event, or ABSENT when a selector lands on no key. */
export const ABSENT: unique symbol = Symbol('absent');
export type JsonNode = unknown | typeof ABSENT;

export interface MetricFilterMatch {
  eventNumber: number;
  eventMessage: string;
  extractedValues: Record<string, string>;
}
export interface TestMetricFilterResult {
  matches: MetricFilterMatch[];
}

/** The offline twin of `aws logs test-metric-filter`: the events that match, numbered from 1. */
export function testMetricFilter(pattern: string | FilterPattern, messages: readonly string[], readings: Readings = DEFAULT_READINGS): TestMetricFilterResult {
  const parsed = typeof pattern === 'string' ? parseFilterPattern(pattern) : pattern;
  const matches: MetricFilterMatch[] = [];
  messages.forEach((message, index) => {
    const extracted = matchEvent(parsed, message, readings);
    if (extracted) matches.push({ eventNumber: index + 1, eventMessage: message, extractedValues: extracted });
  });
  return { matches };
}

export function matchesMessage(pattern: FilterPattern, message: string, readings: Readings = DEFAULT_READINGS): boolean {
  return matchEvent(pattern, message, readings) !== undefined;
}

/** The extracted values when the event matches (empty for pattern kinds that extract nothing), else undefined. */
export function matchEvent(pattern: FilterPattern, message: string, readings: Readings = DEFAULT_READINGS): Record<string, string> | undefined {
  switch (pattern.kind) {
    case 'all':
      return {};
    case 'terms':
      return matchTerms(pattern, message, readings) ? {} : undefined;
    case 'regex':
      return regexTest(pattern.regex, message) ? {} : undefined;
    case 'json': {
      const document = parseJsonObject(message);
      return document !== undefined && evaluateJson(pattern.expression, document, readings) ? {} : undefined;
    }
    case 'space':
      return matchSpaceDelimited(pattern.fields, message, readings);
  }
}

/** The event as a JSON object, or undefined: a JSON pattern never matches anything else. */
export function parseJsonObject(message: string): Record<string, unknown> | undefined {
  const trimmed = message.trimStart();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(message);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- terms

function termOccurs(term: Term, message: string, readings: Readings): boolean {
  if (readings.blankPhraseMatchesAll && term.quoted && term.text.trim() === '') return true;
  if (readings.termContainment) return message.includes(term.text);
  // Whole-word reading: the term must not continue a word on either side.
  for (let at = message.indexOf(term.text); at >= 0; at = message.indexOf(term.text, at + 1)) {
    const before = message[at - 1] ?? ' ';
    const after = message[at + term.text.length] ?? ' ';
    if (!/\w/.test(before) && !/\w/.test(after)) return true;
  }
  return false;
}

function matchTerms(pattern: Extract<FilterPattern, { kind: 'terms' }>, message: string, readings: Readings): boolean {
  const { required, optional, excluded, sequence } = pattern;
  const has = (term: Term) => termOccurs(term, message, readings);
  if (required.length === 0 && excluded.length === 0) return optional.some(has);
  if (optional.length === 0 || readings.optionalTermsIgnoredWhenMixed) return required.every(has) && !excluded.some(has);
  // A2, aws-cdk's reading: each `?` term opens an OR group that the terms after it join; terms before the first
  // `?` apply to every group.
  const holds = (entry: PrefixedTerm) => (entry.prefix === '-' ? !has(entry.term) : has(entry.term));
  const first = sequence.findIndex((entry) => entry.prefix === '?');
  if (!sequence.slice(0, first).every(holds)) return false;
  const groups: PrefixedTerm[][] = [];
  for (const entry of sequence.slice(first)) {
    if (entry.prefix === '?') groups.push([entry]);
    else groups[groups.length - 1].push(entry);
  }
  return groups.some((group) => group.every(holds));
}

// ---------------------------------------------------------------- JSON

export function evaluateJson(expression: JsonExpression, document: unknown, readings: Readings): boolean {
  switch (expression.kind) {
    case 'and':
      return expression.operands.every((operand) => evaluateJson(operand, document, readings));
    case 'or':
      return expression.operands.some((operand) => evaluateJson(operand, document, readings));
    case 'condition':
      return evaluateCondition(expression, document, readings);
  }
}

export function evaluateCondition(condition: JsonCondition, document: unknown, readings: Readings): boolean {
  // A wildcard selector is true when any node it selects passes.
  return selectNodes(condition.selector, document, readings).some((node) => testNode(condition.test, node, readings));
}

/** The nodes a selector lands on: one node (maybe ABSENT) without a wildcard, every child at the wildcard otherwise. */
export function selectNodes(selector: Selector, document: unknown, readings: Readings): JsonNode[] {
  let nodes: JsonNode[] = [document];
  for (const step of selector.steps) {
    const next: JsonNode[] = [];
    for (const node of nodes) {
      if (step.kind === 'wildcard') {
        if (node !== null && typeof node === 'object') {
          const children = Object.values(node as object);
          next.push(...(readings.wildcardSelectsOneLevel ? children : children.flatMap(descendants)));
        }
        continue;
      }
      next.push(child(node, step.kind === 'key' ? step.name : step.index));
    }
    nodes = next;
  }
  return nodes;
}

function descendants(node: unknown): unknown[] {
  if (node === null || typeof node !== 'object') return [node];
  return [node, ...Object.values(node as object).flatMap(descendants)];
}

/** A node's child as a selector reads it: an index of an array, a key of an object; anything else is absent. */
export function child(node: JsonNode, key: string | number): JsonNode {
  if (typeof key === 'number') return Array.isArray(node) && key < node.length ? node[key] : ABSENT;
  if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, key)) {
    return (node as Record<string, unknown>)[key];
  }
  return ABSENT;
}

/** One condition on one node. Containers (arrays, objects) fail every test but NOT EXISTS fails too (they exist). */
export function testNode(test: ValueTest, node: JsonNode, readings: Readings): boolean {
  if (test.kind === 'notExists') return node === ABSENT;
  if (node === ABSENT) return test.kind === 'equality' && test.op === '!=' && readings.notEqualsOnAbsentKey;
  if (node !== null && typeof node === 'object') return false;
  switch (test.kind) {
    case 'is':
      return test.what === 'NULL' ? node === null : node === (test.what === 'TRUE');
    case 'order': {
      const number = numericValue(node, readings);
      if (number === undefined) return false;
      const bound = test.value.value;
      return test.op === '<' ? number < bound : test.op === '>' ? number > bound : test.op === '<=' ? number <= bound : number >= bound;
    }
    case 'equality': {
      const equal = valueEquals(test.value, node, readings);
      if (equal === undefined) return false;
      return test.op === '=' ? equal : !equal;
    }
  }
}

function numericValue(node: unknown, readings: Readings): number | undefined {
  if (typeof node === 'number') return node;
  if (readings.numberMatchesNumericString && typeof node === 'string' && node.trim() !== '' && !Number.isNaN(Number(node))) return Number(node);
  return undefined;
}

/**
 * Whether a present scalar equals the value; undefined when they cannot be compared at all (then both = and !=
 * fail, as for containers). A type mismatch (a string value against a number) is "not equal".
 */
function valueEquals(value: ComparisonValue, node: unknown, readings: Readings): boolean | undefined {
  switch (value.kind) {
    case 'number': {
      const number = numericValue(node, readings);
      return number === undefined ? false : number === value.value;
    }
    case 'regex':
      return typeof node === 'string' ? regexTest(value.regex, node) : false;
    case 'string': {
      if (value.text === '*') return node !== null && (typeof node === 'string' || readings.starMatchesNonStrings);
      if (typeof node !== 'string') return false;
      // Most values have no wildcard: compare directly instead of running the automaton they compile to.
      return value.text.includes('*') ? regexTest(stringValueRegex(value, readings), node) : node === value.text;
    }
  }
}

const compiled = new WeakMap<StringValue, Map<boolean, Regex>>();

/**
 * A string value as a whole-value matcher: `*` at either end is a wildcard; a `*` inside is literal (A5) unless
 * the glob reading is chosen.
 */
export function stringValueRegex(value: StringValue, readings: Readings): Regex {
  let byReading = compiled.get(value);
  if (!byReading) compiled.set(value, (byReading = new Map()));
  const cached = byReading.get(readings.midValueStarIsLiteral);
  if (cached) return cached;
  const text = value.text;
  const leading = text.startsWith('*');
  const trailing = text.length > 1 && text.endsWith('*');
  const core = text.slice(leading ? 1 : 0, trailing ? -1 : undefined);
  const regex =
    !leading && !trailing && readings.midValueStarIsLiteral
      ? literalRegex(text)
      : globRegex(readings.midValueStarIsLiteral ? [core] : core.split('*'), !leading, !trailing);
  byReading.set(readings.midValueStarIsLiteral, regex);
  return regex;
}

// ---------------------------------------------------------------- space-delimited

/**
 * Splits a message into fields: runs of spaces separate; "…" and […] are one field, delimiters removed. With a
 * `limit`, the field at that position takes the rest of the line as written (A7).
 */
export function splitFields(message: string, limit = Infinity): string[] {
  const fields: string[] = [];
  let at = 0;
  while (at < message.length) {
    while (at < message.length && message[at] === ' ') at++;
    if (at >= message.length) break;
    if (fields.length === limit - 1 && message.slice(at).includes(' ')) {
      const rest = message.slice(at).trimEnd();
      if (splitFields(rest).length > 1) {
        fields.push(rest);
        break;
      }
    }
    const open = message[at];
    const close = open === '"' ? '"' : open === '[' ? ']' : undefined;
    if (close) {
      const end = message.indexOf(close, at + 1);
      const stop = end < 0 ? message.length : end;
      fields.push(message.slice(at + 1, stop));
      at = stop + 1;
    } else {
      const end = message.indexOf(' ', at);
      const stop = end < 0 ? message.length : end;
      fields.push(message.slice(at, stop));
      at = stop;
    }
  }
  return fields;
}

function matchSpaceDelimited(pattern: readonly SpaceField[], message: string, readings: Readings): Record<string, string> | undefined {
  const ellipsis = pattern.findIndex((field) => field.kind === 'ellipsis');
  const fields = splitFields(message, ellipsis < 0 && !readings.spaceDelimitedWholeMessage ? pattern.length : Infinity);
  // Which message field each pattern field stands for: before "..." from the start, after it from the end.
  const slots: Array<{ field: SpaceField; index: number }> = [];
  if (ellipsis < 0) {
    if (fields.length !== pattern.length) return undefined;
    pattern.forEach((field, index) => slots.push({ field, index }));
  } else {
    const after = pattern.length - ellipsis - 1;
    if (fields.length < ellipsis + after) return undefined;
    pattern.slice(0, ellipsis).forEach((field, index) => slots.push({ field, index }));
    pattern.slice(ellipsis + 1).forEach((field, k) => slots.push({ field, index: fields.length - after + k }));
  }
  const extracted: Record<string, string> = {};
  fields.forEach((text, index) => {
    extracted[`$${index + 1}`] = text;
  });
  for (const { field, index } of slots) {
    if (field.kind !== 'field') continue;
    const text = fields[index];
    const results = field.conditions.map((condition) => fieldConditionHolds(condition.op, condition.value, text, readings));
    if (results.length > 0 && !(field.join === 'and' ? results.every(Boolean) : results.some(Boolean))) return undefined;
    if (field.name !== '') {
      delete extracted[`$${index + 1}`];
      extracted[`$${field.name}`] = text;
    }
  }
  return extracted;
}

/** A field is text; number conditions apply when it reads as a number. */
function fieldConditionHolds(op: string, value: ComparisonValue, text: string, readings: Readings): boolean {
  if (value.kind === 'number') {
    const number = text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : undefined;
    if (number === undefined) return false;
    const bound = value.value;
    switch (op) {
      case '=':
        return number === bound;
      case '!=':
        return number !== bound;
      case '<':
        return number < bound;
      case '>':
        return number > bound;
      case '<=':
        return number <= bound;
      default:
        return number >= bound;
    }
  }
  const equal = valueEquals(value, text, readings) === true;
  return op === '=' ? equal : !equal;
}
