import {
  ALWAYS_STRING_PATHS,
  BENIGN_RECORDS,
  CATALOG_EVENT_NAMES,
  changeRecordVariants,
  directoryBucketChangeRecord,
  failedAttemptRecord,
  s3ChangeRecord,
  VARYING_FIELDS,
  type CloudTrailRecord,
} from '../events/catalog';
import { CIS_EVENT_NAMES, isSecurityHubExactText, POLICY_EVENT_NAMES } from '../events/canonical';
import { FilterPatternError } from './errors';
import { ABSENT, evaluateJson, matchEvent, selectNodes, stringValueRegex, testNode, type JsonNode } from './match';
import { parseFilterPattern, parseSelector, type FilterPattern, type JsonCondition, type JsonExpression, type ValueTest } from './parse';
import { DEFAULT_READINGS, type Readings } from './readings';
import { RegexSearch, type Regex } from './regex';

/**
 * Coverage analysis: does a filter pattern fire on every successful record of each required S3 change event,
 * whoever makes the call and whatever the incidental values, and on no benign look-alike?
 *
 * How "every record" is decided:
 * - JSON patterns, exactly. A record of event E fixes some fields (eventName, eventSource, readOnly, errorCode
 *   absent, …) and leaves the rest free (`VARYING_FIELDS`: who, where from, which bucket, …).
 *   The pattern's truth depends only on the values at the paths it selects. For each selected path inside a
 *   free field we enumerate one witness value per distinct outcome of the pattern's conditions on that path:
 *   the string outcomes come from a breadth-first walk of the product of the conditions' automata (equality,
 *   wildcards and regexes all compile to the same automaton), plus numbers around each numeric bound, null,
 *   true, false, an object, and absence. Because the pattern only joins conditions with && and || (there is
 *   no negation), only the outcomes with the fewest true conditions can falsify it, so only those are kept.
 *   Every combination of witnesses is then evaluated on a concrete record; one that does not match is a
 *   counterexample, reported with the values that defeat the filter.
 * - Term, standalone-regex and space-delimited patterns see the raw text, which any byte of the record can
 *   change; they are checked against realistic record variants (other principals, regions, clients, buckets,
 *   policy documents that name S3 actions).
 * Over-broad means matching one of the catalog's benign look-alike records.
 */

export class RequiredEventsError extends Error {
  override name = 'RequiredEventsError';
}

/** `POLICY`, `CIS`, or a comma list of catalog event names. A typo is an error, never a weaker rule. */
export function resolveRequiredEvents(spec: string): string[] {
  const text = spec.trim();
  if (text.toUpperCase() === 'POLICY') return [...POLICY_EVENT_NAMES];
  if (text.toUpperCase() === 'CIS') return [...CIS_EVENT_NAMES];
  const names = text.split(',').map((name) => name.trim());
  const known = new Set(CATALOG_EVENT_NAMES);
  for (const name of names) {
    if (name === '') throw new RequiredEventsError(`RequiredEvents "${spec}" has an empty name; use POLICY, CIS or a comma list of event names`);
    if (!known.has(name)) {
      const hint = CATALOG_EVENT_NAMES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
      throw new RequiredEventsError(
        `RequiredEvents: "${name}" is not an S3 change event this rule knows${hint ? ` (did you mean ${hint}?)` : ''}. ` +
          `Use POLICY, CIS or a comma list of: ${CATALOG_EVENT_NAMES.join(', ')}`,
      );
    }
  }
  return [...new Set(names)];
}

export interface FilterAnalysis {
  pattern: string;
  valid: boolean;
  /** `position` counts characters from 1, as the message does. */
  error?: { message: string; position: number; token: string };
  requiredEvents: string[];
  coversRequiredEvents: boolean;
  coveredEvents: string[];
  missedEvents: string[];
  /** Why each missed event is missed: the record that the filter does not match. */
  missReasons: Record<string, string>;
  overBroad: boolean;
  /** Ids of the benign look-alike records the filter matches. */
  benignMatched: string[];
  /** Fires on a denied attempt too (CIS and Security Hub count attempts). */
  matchesFailedAttempts: boolean;
  /** Fires on the same change to an S3 Express directory bucket (eventSource s3express.amazonaws.com). */
  matchesDirectoryBucketChanges: boolean;
  /** The exact CIS 4.8 text (whitespace aside): the only form Security Hub CloudWatch.8 accepts. */
  securityHubExact: boolean;
  summary: string;
}

/** Limits that keep one analysis bounded; beyond them the analysis fails closed (not covered, with the reason). */
const MAX_AUTOMATON_STATES = 20_000;
const MAX_COMBINATIONS = 20_000;

export function analyzeFilterPattern(
  pattern: string,
  requiredEvents: readonly string[] = POLICY_EVENT_NAMES,
  readings: Readings = DEFAULT_READINGS,
): FilterAnalysis {
  const required = [...requiredEvents];
  const securityHubExact = isSecurityHubExactText(pattern);
  let parsed: FilterPattern;
  try {
    parsed = parseFilterPattern(pattern);
  } catch (error) {
    if (!(error instanceof FilterPatternError)) throw error;
    return {
      pattern,
      valid: false,
      error: { message: error.message, position: error.position, token: error.token },
      requiredEvents: required,
      coversRequiredEvents: false,
      coveredEvents: [],
      missedEvents: required,
      missReasons: Object.fromEntries(required.map((name) => [name, 'the pattern is invalid'])),
      overBroad: false,
      benignMatched: [],
      matchesFailedAttempts: false,
      matchesDirectoryBucketChanges: false,
      securityHubExact,
      summary: `Invalid pattern: CloudWatch Logs would reject it (${error.message}).`,
    };
  }

  const missReasons: Record<string, string> = {};
  for (const eventName of required) {
    const miss = findMiss(parsed, eventName, readings);
    if (miss) missReasons[eventName] = miss;
  }
  const requiredSet = new Set(required);
  const benignMatched = BENIGN_RECORDS.filter((benign) => !requiredSet.has(benign.eventName) && recordMatches(parsed, benign.record, readings)).map((benign) => benign.id);
  // The attempt that matters most is an attempt to open a bucket: probe PutBucketPolicy when it is required.
  const probeEvent = requiredSet.has('PutBucketPolicy') ? 'PutBucketPolicy' : required[0];
  const matchesFailedAttempts = probeEvent !== undefined && recordMatches(parsed, failedAttemptRecord(probeEvent), readings);
  const matchesDirectoryBucketChanges = probeEvent !== undefined && recordMatches(parsed, directoryBucketChangeRecord(probeEvent), readings);

  const missedEvents = required.filter((name) => name in missReasons);
  const coveredEvents = required.filter((name) => !(name in missReasons));
  const analysis: FilterAnalysis = {
    pattern,
    valid: true,
    requiredEvents: required,
    coversRequiredEvents: missedEvents.length === 0 && required.length > 0,
    coveredEvents,
    missedEvents,
    missReasons,
    overBroad: benignMatched.length > 0,
    benignMatched,
    matchesFailedAttempts,
    matchesDirectoryBucketChanges,
    securityHubExact,
    summary: '',
  };
  analysis.summary = summarize(analysis);
  return analysis;
}

function summarize(analysis: FilterAnalysis): string {
  const parts: string[] = [];
  if (analysis.coversRequiredEvents) parts.push(`Covers all ${analysis.requiredEvents.length} required events`);
  else if (analysis.coveredEvents.length === 0) parts.push(`Covers none of the required events (${analysis.missedEvents.join(', ')})`);
  else parts.push(`Covers ${analysis.coveredEvents.join(', ')} but not ${analysis.missedEvents.join(', ')}`);
  const firstMiss = analysis.missedEvents[0];
  if (firstMiss && analysis.coveredEvents.length + analysis.missedEvents.length > 0) parts.push(`${firstMiss}: ${analysis.missReasons[firstMiss]}`);
  if (analysis.overBroad) parts.push(`over-broad: also matches ${analysis.benignMatched.join(', ')}`);
  parts.push(analysis.matchesFailedAttempts ? 'counts denied attempts' : 'ignores denied attempts');
  parts.push(analysis.securityHubExact ? 'Security Hub CloudWatch.8 accepts this text' : 'Security Hub CloudWatch.8 will still fail (it demands the exact CIS text)');
  return `${parts.join('; ')}.`;
}

/** Matching a record object: JSON patterns read the object, the others its compact serialisation (A10). */
function recordMatches(pattern: FilterPattern, record: CloudTrailRecord, readings: Readings): boolean {
  if (pattern.kind === 'json') return evaluateJson(pattern.expression, record, readings);
  return matchEvent(pattern, JSON.stringify(record), readings) !== undefined;
}

/** Why the pattern misses some successful record of the event, or undefined when it matches them all. */
function findMiss(pattern: FilterPattern, eventName: string, readings: Readings): string | undefined {
  if (pattern.kind === 'json') return findJsonCounterexample(pattern.expression, eventName, readings);
  for (const { label, record } of changeRecordVariants(eventName)) {
    if (!recordMatches(pattern, record, readings)) return `does not match a ${eventName} record made by ${label}`;
  }
  return undefined;
}

// ---------------------------------------------------------------- JSON: witnesses and counterexamples

type PathKey = string | number;

interface Slot {
  path: PathKey[];
  /** The conditions whose selector can land on this path. */
  conditions: JsonCondition[];
}

function collectConditions(expression: JsonExpression, into: JsonCondition[] = []): JsonCondition[] {
  if (expression.kind === 'condition') into.push(expression);
  else for (const operand of expression.operands) collectConditions(operand, into);
  return into;
}

/** Whether a path lies in a part of the record that varies from call to call. */
function isVaryingPath(path: readonly PathKey[]): boolean {
  const [top] = path;
  if (typeof top !== 'string') return false;
  if (VARYING_FIELDS.includes(top)) return true;
  // resources name the bucket (ARN, account vary) with a fixed type.
  if (top === 'resources') return path.length >= 3 && path[2] !== 'type';
  return false;
}

function pathText(path: readonly PathKey[]): string {
  return `$${path.map((key) => (typeof key === 'number' ? `[${key}]` : /^[A-Za-z0-9_\-@]+$/.test(key) ? `.${key}` : `.['${key}']`)).join('')}`;
}

/** The concrete paths a selector can land on in records shaped like `base` (wildcards expanded over its keys). */
function concretePaths(condition: JsonCondition, base: unknown): PathKey[][] {
  let paths: Array<{ path: PathKey[]; node: unknown }> = [{ path: [], node: base }];
  for (const step of condition.selector.steps) {
    const next: typeof paths = [];
    for (const { path, node } of paths) {
      if (step.kind === 'wildcard') {
        // Keys a record of this event might add only add nodes, which can only make a condition true: they never
        // help to falsify, so expanding over the base record's keys suffices for counterexamples.
        if (node !== null && typeof node === 'object') {
          for (const [key, value] of Object.entries(node as object)) next.push({ path: [...path, Array.isArray(node) ? Number(key) : key], node: value });
        }
        continue;
      }
      const key = step.kind === 'key' ? step.name : step.index;
      const value = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key as string] : undefined;
      next.push({ path: [...path, key], node: value });
    }
    paths = next;
  }
  return paths.map((entry) => entry.path);
}

function valueAt(record: unknown, path: readonly PathKey[]): JsonNode {
  let node: unknown = record;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return ABSENT;
    if (!Object.prototype.hasOwnProperty.call(node, key)) return ABSENT;
    node = (node as Record<string, unknown>)[key as string];
  }
  return node;
}

function assign(record: Record<string, unknown>, path: readonly PathKey[], value: JsonNode): void {
  let node: Record<string, unknown> = record;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    let next = node[key];
    if (next === null || typeof next !== 'object') {
      if (value === ABSENT) return;
      next = typeof path[i + 1] === 'number' ? [] : {};
      node[key] = next;
    }
    node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  if (value === ABSENT) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = structuredClone(value);
}

/** The string-level automaton of a test, or a constant outcome for every string. */
function stringBehaviour(test: ValueTest, readings: Readings): { regex: Regex; negate: boolean } | boolean {
  if (test.kind !== 'equality') return false;
  const value = test.value;
  if (value.kind === 'number') return readings.numberMatchesNumericString ? false : test.op === '!=';
  if (value.kind === 'string' && value.text === '*') return test.op === '=';
  const regex = value.kind === 'regex' ? value.regex : stringValueRegex(value, readings);
  return { regex, negate: test.op === '!=' };
}

/** Representative code points: one per region of the code-point space that the automata tell apart. */
function alphabet(regexes: readonly Regex[]): number[] {
  const cuts = new Set<number>([0]);
  for (const regex of regexes) {
    for (const branch of regex.branches) {
      for (const item of branch) {
        if (item.kind !== 'atom') continue;
        for (const [lo, hi] of item.set.ranges) {
          cuts.add(lo);
          cuts.add(hi + 1);
        }
      }
    }
  }
  const sorted = [...cuts].filter((cut) => cut <= 0x10ffff).sort((a, b) => a - b);
  return sorted.map((start, index) => {
    const end = (sorted[index + 1] ?? 0x110000) - 1;
    // Prefer a readable character from the region.
    for (const preferred of [0x7a, 0x61, 0x30, 0x2d, 0x20]) if (preferred >= start && preferred <= end) return preferred;
    return start >= 0xd800 && start <= 0xdfff ? Math.min(end, 0xe000) : start;
  });
}

/**
 * One string per achievable outcome of the string automata: breadth-first over their product, so each outcome
 * comes with a shortest string. Undefined when the walk exceeds its bound.
 */
function stringWitnesses(regexes: readonly Regex[]): string[] | undefined {
  if (regexes.length === 0) return [''];
  // The same conditions recur on every slot a wildcard expands to and for every required event: walk once.
  const cacheKey = regexes.map(regexId).join(',');
  if (witnessCache.has(cacheKey)) return witnessCache.get(cacheKey);
  const witnesses = walkStringOutcomes(regexes);
  if (witnessCache.size >= WITNESS_CACHE_SIZE) witnessCache.delete(witnessCache.keys().next().value!);
  witnessCache.set(cacheKey, witnesses);
  return witnesses;
}

const WITNESS_CACHE_SIZE = 512;
const witnessCache = new Map<string, string[] | undefined>();
// Compiled regexes are shared objects (a parsed pattern keeps its own), so identity is a sound cache key.
const regexIds = new WeakMap<Regex, number>();
let nextRegexId = 0;
function regexId(regex: Regex): number {
  let id = regexIds.get(regex);
  if (id === undefined) regexIds.set(regex, (id = nextRegexId++));
  return id;
}

function walkStringOutcomes(regexes: readonly Regex[]): string[] | undefined {
  const letters = alphabet(regexes);
  const byOutcome = new Map<string, string>();
  const seen = new Set<string>();
  let frontier: Array<{ searches: RegexSearch[]; text: string }> = [{ searches: regexes.map((regex) => new RegexSearch(regex)), text: '' }];
  seen.add(frontier[0].searches.map((search) => search.key()).join('#'));
  const wanted = 2 ** regexes.length;
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const { searches, text } of frontier) {
      const outcome = searches.map((search) => (search.matchedAtEnd() ? 1 : 0)).join('');
      if (!byOutcome.has(outcome)) byOutcome.set(outcome, text);
      if (byOutcome.size === wanted) return [...byOutcome.values()];
      for (const letter of letters) {
        const advanced = searches.map((search) => {
          const copy = search.clone();
          copy.advance(letter);
          return copy;
        });
        const key = advanced.map((search) => search.key()).join('#');
        if (seen.has(key)) continue;
        if (seen.size >= MAX_AUTOMATON_STATES) return undefined;
        seen.add(key);
        next.push({ searches: advanced, text: text + String.fromCodePoint(letter) });
      }
    }
    frontier = next;
  }
  return [...byOutcome.values()];
}

function numberWitnesses(conditions: readonly JsonCondition[]): number[] {
  const bounds = new Set<number>([0]);
  for (const { test } of conditions) {
    if ((test.kind === 'order' || test.kind === 'equality') && test.value.kind === 'number') bounds.add(test.value.value);
  }
  const sorted = [...bounds].sort((a, b) => a - b);
  const values = new Set<number>(sorted);
  values.add(sorted[0] - 1);
  values.add(sorted[sorted.length - 1] + 1);
  sorted.slice(1).forEach((bound, index) => values.add((bound + sorted[index]) / 2));
  return [...values];
}

/**
 * Witness values for one slot: one per outcome of its conditions, keeping only the outcomes with the fewest
 * true conditions (a pattern without negation can only be falsified by making conditions false).
 */
function slotWitnesses(slot: Slot, baseValue: JsonNode, readings: Readings): JsonNode[] | undefined {
  const alwaysString = ALWAYS_STRING_PATHS.includes(pathText(slot.path));
  const behaviours = slot.conditions.map((condition) => stringBehaviour(condition.test, readings));
  const automata = behaviours.filter((b): b is { regex: Regex; negate: boolean } => typeof b === 'object').map((b) => b.regex);
  const strings = stringWitnesses(automata);
  if (!strings) return undefined;
  const candidates: JsonNode[] = [baseValue, ...strings];
  if (!alwaysString) candidates.push(ABSENT, null, true, false, {}, ...numberWitnesses(slot.conditions));
  const outcomes = new Map<string, { value: JsonNode; truth: boolean[] }>();
  for (const value of candidates) {
    if (alwaysString && typeof value !== 'string') continue;
    const truth = slot.conditions.map((condition) => testNode(condition.test, value, readings));
    const key = truth.map(Number).join('');
    if (!outcomes.has(key)) outcomes.set(key, { value, truth });
  }
  const all = [...outcomes.values()];
  const dominatedBy = (a: boolean[], b: boolean[]) => a.every((t, i) => !b[i] || t) && a.some((t, i) => t && !b[i]);
  return all.filter((candidate) => !all.some((other) => dominatedBy(candidate.truth, other.truth))).map((candidate) => candidate.value);
}

function describeValue(value: JsonNode): string {
  if (value === ABSENT) return 'absent';
  return JSON.stringify(value);
}

function findJsonCounterexample(expression: JsonExpression, eventName: string, readings: Readings): string | undefined {
  const base = s3ChangeRecord(eventName);
  const slots = new Map<string, Slot>();
  for (const condition of collectConditions(expression)) {
    for (const path of concretePaths(condition, base)) {
      if (!isVaryingPath(path)) continue;
      const key = JSON.stringify(path);
      const slot = slots.get(key) ?? { path, conditions: [] };
      if (!slot.conditions.includes(condition)) slot.conditions.push(condition);
      slots.set(key, slot);
    }
  }
  // Parents before children, so a child's value is written into whatever its parent became.
  const ordered = [...slots.values()].sort((a, b) => a.path.length - b.path.length);
  const witnessSets: JsonNode[][] = [];
  for (const slot of ordered) {
    const witnesses = slotWitnesses(slot, valueAt(base, slot.path), readings);
    if (!witnesses) return `cannot be proven: the conditions on ${pathText(slot.path)} are too complex to analyse`;
    witnessSets.push(witnesses);
  }
  if (ordered.length === 0) return evaluateJson(expression, base, readings) ? undefined : `does not match a successful ${eventName} record`;
  const combinations = witnessSets.reduce((product, set) => product * set.length, 1);
  if (combinations > MAX_COMBINATIONS) return `cannot be proven: it depends on too many fields that vary from call to call (${ordered.map((slot) => pathText(slot.path)).join(', ')})`;
  const choice = witnessSets.map(() => 0);
  for (let n = 0; n < combinations; n++) {
    let rest = n;
    witnessSets.forEach((set, index) => {
      choice[index] = rest % set.length;
      rest = Math.floor(rest / set.length);
    });
    const record = structuredClone(base);
    ordered.forEach((slot, index) => assign(record, slot.path, witnessSets[index][choice[index]]));
    if (!evaluateJson(expression, record, readings)) {
      const assigned = ordered.map((slot, index) => ({ slot, value: witnessSets[index][choice[index]] }));
      // Name the values that defeat the filter: those that differ from the canonical record, or all of them.
      const changed = assigned.filter(({ slot, value }) => !sameValue(valueAt(base, slot.path), value));
      const shown = changed.length > 0 ? changed : assigned;
      if (shown.length === 0) return `does not match a successful ${eventName} record`;
      return `does not match a ${eventName} record whose ${shown.map(({ slot, value }) => `${pathText(slot.path)} is ${describeValue(value)}`).join(' and ')}`;
    }
  }
  return undefined;
}

function sameValue(a: JsonNode, b: JsonNode): boolean {
  return a === b || (a !== ABSENT && b !== ABSENT && JSON.stringify(a) === JSON.stringify(b));
}

// ---------------------------------------------------------------- metric values

export interface MetricValueAnalysis {
  rises: boolean;
  reason?: string;
}

/**
 * Whether each required event makes the filter's metric rise: a positive number literal, or a field reference
 * that holds a positive number in the events (`$.field` for JSON patterns, `$name`/`$N` for space-delimited).
 */
export function analyzeMetricValue(pattern: string, metricValue: string, requiredEvents: readonly string[] = POLICY_EVENT_NAMES): MetricValueAnalysis {
  const text = metricValue.trim();
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    return Number(text) > 0 ? { rises: true } : { rises: false, reason: `metric value ${text} adds nothing when an event matches` };
  }
  if (!text.startsWith('$')) return { rises: false, reason: `metric value "${metricValue}" is neither a number nor a field reference` };
  let parsed: FilterPattern;
  try {
    parsed = parseFilterPattern(pattern);
  } catch {
    return { rises: false, reason: 'the pattern is invalid' };
  }
  for (const eventName of requiredEvents) {
    const record = s3ChangeRecord(eventName);
    let value: unknown;
    if (text.startsWith('$.')) {
      if (parsed.kind !== 'json') return { rises: false, reason: `metric value ${text} is a JSON field, but the pattern is not a JSON pattern` };
      let nodes: JsonNode[];
      try {
        nodes = selectNodes(parseSelector(text), record, DEFAULT_READINGS);
      } catch (error) {
        return { rises: false, reason: `metric value ${text} is not a valid field reference (${(error as Error).message})` };
      }
      value = nodes.length === 1 ? nodes[0] : ABSENT;
    } else {
      if (parsed.kind !== 'space') return { rises: false, reason: `metric value ${text} names a space-delimited field, but the pattern is not space-delimited` };
      value = matchEvent(parsed, JSON.stringify(record))?.[text];
    }
    const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!(number > 0)) {
      return { rises: false, reason: `metric value ${text} is ${value === ABSENT || value === undefined ? 'missing from' : `not a positive number in`} ${eventName} events, so the metric does not rise` };
    }
  }
  return { rises: true };
}

