import { ANY_TEXT, IDENTITY_PATHS, ruleFor, type FieldRule, type RecordSpace, type ValueDomain } from '../events/record-space';
import { ABSENT, child, stringValueRegex, testNode, type JsonNode } from './match';
import type { JsonCondition, JsonExpression } from './parse';
import type { Readings } from './readings';
import { atomCount, dfaOf, globRegex, parseRegex, regexTest, shortestBranchText, type Regex } from './regex';

/**
 * Does some record of a space make a JSON pattern true (or false)? Decided exactly over the space's varying fields
 * (rule/events/record-space.ts), in time that does not grow with the product of their values.
 *
 * 1. Each concrete path the pattern reads that the space leaves free is a slot. The pattern's truth depends only
 *    on the truth of its conditions, so each slot is reduced to its distinct outcomes: one value per achievable
 *    vector of its conditions' truths, found from the product of their automata with the field's domain (only
 *    values CloudTrail can write: bucket names, region codes, addresses, ARNs, numbers in range, absence where a
 *    field is optional). Paths the space fixes become constants.
 * 2. The pattern has no negation, so only the outcomes with the fewest true conditions can falsify it and only
 *    those with the most can satisfy it.
 * 3. A search assigns slots one at a time, splits a conjunction of goals into groups that share no unassigned
 *    slot and solves each group alone (fields are independent), and remembers sub-goals that failed. Its cost
 *    follows the pattern's structure, not the product of the fields' values.
 * 4. Proving that no record exists is what costs (every outcome of a field must be known); finding one is cheap. So
 *    the search first runs on the outcomes of values tried without a walk (the base value, the texts the
 *    conditions name, their joins, a shortest match of each automaton). When that finds no record, it runs again
 *    letting each field not yet walked take the outcome it wants most (sound, by 2): no record then is a proof; a
 *    record that needs such a guess names a field to walk, and the cheapest is walked before asking again.
 * 5. Everything is charged to a work budget per analysis (Budget): past it the analysis fails closed, naming the
 *    field it could not prove, so any valid pattern is analysed in bounded time.
 */

type PathKey = string | number;

export interface Outcome {
  value: JsonNode;
  truth: boolean[];
}

export interface Slot {
  path: PathKey[];
  rule: FieldRule;
  conditions: JsonCondition[];
  /** Distinct outcomes (first the base record's value when CloudTrail can write it). */
  outcomes: Outcome[];
  /** Whether `outcomes` holds every truth vector the field's values can give, or only those of the values tried. */
  complete: boolean;
}

type Node =
  | { kind: 'const'; id: number; value: boolean; slots: number[] }
  | { kind: 'atom'; id: number; slot: number; condition: number; slots: number[] }
  | { kind: 'and' | 'or'; id: number; children: Node[]; slots: number[] };

export class TooComplexError extends Error {
  override name = 'TooComplexError';
}

/**
 * The work one analysis may do in walks and searches, in units (one machine step in a walk, one search step):
 * whatever a pattern's shape, the analysis ends in bounded time, and beyond the budget it fails closed, saying so.
 * Counted, not timed, so the same pattern always gets the same verdict (a field's outcomes taken from memory are
 * charged what computing them cost). bench/engine.ts measures the time the budget allows.
 */
export class Budget {
  /** Units charged so far. */
  spent = 0;
  /** The fields' outcomes this analysis has paid for: asked again (for another event, say), they are free. */
  readonly paid = new Set<string>();
  /** Values chosen for raw-text records in this question (valueAvoiding), by field and current value. */
  readonly remembered = new Map<string, JsonNode>();

  constructor(private readonly limit: number) {}

  charge(units: number): void {
    this.spent += units;
    if (this.spent > this.limit) throw new BudgetSpent('proving the pattern needs more work than the rule allows one analysis; a simpler pattern can be proven');
  }
}

class BudgetSpent extends TooComplexError {}

/**
 * The work one question (coverage of the required events, or over-broad) may take: about four times the most a
 * realistic pattern needs (~18,000 units: two event names as anchored regular expressions, proven not over-broad),
 * and enough to prove the constructed covers of bench/engine.ts. Spent, it takes about 10 ms with the engine compiled
 * on the reference machine (bench/results.md, the shapes that end "cannot be proven").
 */
export const ANALYSIS_BUDGET = 70_000;

/** A walk's own bound, whatever the budget left: the memory one field's automata may take. */
const MAX_AUTOMATON_STATES = 4_000;
/** A walk for one raw-text record's field value gives up early too (every event's records ask for it). */
const AVOIDING_WALK_UNITS = 10_000;
/** The walk that only helps (finding which outcomes the conditions can take at all) gives up early. */
const HELPER_WALK_UNITS = 20_000;

export interface SpaceModel {
  space: RecordSpace;
  slots: Slot[];
  /** The record with the chosen outcome of each slot (slots not named keep the base record's value). */
  recordFor(choice: ReadonlyArray<number>): Record<string, unknown>;
}

/** The slots a pattern reads in a space and their outcomes: what both the search and a brute-force check use. */
export function modelSpace(expression: JsonExpression, space: RecordSpace, readings: Readings, quick = false, budget = new Budget(Infinity)): { model: SpaceModel; root: Node } {
  const slots: Slot[] = [];
  const slotIndex = new Map<string, number>();
  let nextId = 0;
  const slotOf = (path: PathKey[], rule: FieldRule): number => {
    const key = JSON.stringify(path);
    let index = slotIndex.get(key);
    if (index === undefined) {
      index = slots.length;
      slots.push({ path, rule, conditions: [], outcomes: [], complete: false });
      slotIndex.set(key, index);
    }
    return index;
  };
  const build = (expr: JsonExpression): Node => {
    if (expr.kind === 'condition') {
      const atoms: Node[] = concretePaths(expr, space).map((path) => {
        const rule = ruleFor(space, path);
        if (!rule) return { kind: 'const', id: nextId++, value: testNode(expr.test, valueAt(space.base, path), readings), slots: [] };
        const slot = slotOf(path, rule);
        let condition = slots[slot].conditions.indexOf(expr);
        if (condition < 0) condition = slots[slot].conditions.push(expr) - 1;
        return { kind: 'atom', id: nextId++, slot, condition, slots: [slot] };
      });
      return simplify('or', atoms, () => nextId++);
    }
    return simplify(expr.kind, expr.operands.map(build), () => nextId++);
  };
  const root = renumber(build(expression), slots);
  for (const slot of slots) Object.assign(slot, slotOutcomes(slot, valueAt(space.base, slot.path), readings, quick, budget));
  // Parents before children, so a child's value is written into whatever its parent became.
  const order = slots.map((_, i) => i).sort((a, b) => slots[a].path.length - slots[b].path.length);
  const recordFor = (choice: ReadonlyArray<number>) => {
    const record = structuredClone(space.base);
    for (const i of order) if (choice[i] >= 0) assign(record, slots[i].path, slots[i].outcomes[choice[i]].value);
    return record;
  };
  return { model: { space, slots, recordFor }, root };
}

/**
 * Keeps the slots the simplified pattern still reads (a condition on a fixed field can decide a whole branch), so
 * no outcome is computed, and no value shown, for a field that cannot change the pattern's truth.
 */
function renumber(root: Node, slots: Slot[]): Node {
  if (root.slots.length === slots.length) return root;
  const read = root.slots;
  const index = new Map(read.map((old, i) => [old, i]));
  const visit = (node: Node): void => {
    node.slots = node.slots.map((old) => index.get(old)!);
    if (node.kind === 'atom') node.slot = index.get(node.slot)!;
    else if (node.kind !== 'const') node.children.forEach(visit);
  };
  visit(root);
  slots.splice(0, slots.length, ...read.map((old) => slots[old]));
  return root;
}

function simplify(kind: 'and' | 'or', children: Node[], id: () => number): Node {
  const absorbing = kind === 'or';
  const kept: Node[] = [];
  for (const child of children) {
    if (child.kind === 'const') {
      if (child.value === absorbing) return child;
      continue;
    }
    if (child.kind === kind) kept.push(...child.children);
    else kept.push(child);
  }
  if (kept.length === 0) return { kind: 'const', id: id(), value: !absorbing, slots: [] };
  if (kept.length === 1) return kept[0];
  return { kind, id: id(), children: kept, slots: [...new Set(kept.flatMap((child) => child.slots))].sort((a, b) => a - b) };
}

/**
 * A record of the space on which the pattern is `want`, as the choice of outcome per slot of the returned model, or
 * no choice when there is none. Throws TooComplexError past the budget or a walk's own bound.
 */
export function findRecord(expression: JsonExpression, space: RecordSpace, want: boolean, readings: Readings, budget = new Budget(Infinity)): { model: SpaceModel; root: Node; choice?: number[] } {
  const { model, root } = modelSpace(expression, space, readings, true, budget);
  for (;;) {
    const found = search(model, root, want, () => false, budget);
    if (found) return { model, root, choice: found };
    // No record among the values tried. Give each field whose outcomes are not complete the outcome the search
    // wants most (the pattern is monotone in its conditions, so no real value does better): no record then is a
    // proof. A record that needs such a guess names the fields worth a walk; the one that looks cheapest is walked,
    // and the question asked again (a cheap field often settles it alone: an event source outside the space).
    const guessed = search(model, root, want, (slot) => !slot.complete, budget);
    if (!guessed) return { model, root };
    const walk = model.slots.filter((slot, i) => guessed[i] === slot.outcomes.length).sort((a, b) => walkCost(a, readings) - walkCost(b, readings))[0];
    Object.assign(walk, slotOutcomes(walk, valueAt(space.base, walk.path), readings, false, budget));
  }
}

/**
 * `findRecord` over the parts of a split space (identityParts): the first part with such a record. Parts differ only
 * in IDENTITY_PATHS, so when the pattern reads none of them the first part answers for all.
 */
export function findRecordInParts(expression: JsonExpression, parts: readonly RecordSpace[], want: boolean, readings: Readings, budget: Budget): ReturnType<typeof findRecord> {
  const first = findRecord(expression, parts[0], want, readings, budget);
  if (first.choice) return first;
  // The parts differ only in who made the call: if no record exists even with those fields (and any field not yet
  // walked) free to take the outcome the search wants most, no part has one (monotone, as in findRecord).
  const free = (slot: Slot) => !slot.complete || IDENTITY_PATHS.some((path) => path.length === slot.path.length && path.every((key, i) => key === slot.path[i]));
  if (!search(first.model, first.root, want, free, budget)) return first;
  for (const part of parts.slice(1)) {
    const found = findRecord(expression, part, want, readings, budget);
    if (found.choice) return found;
  }
  return first;
}

/** How hard a field's walk looks: its automata, a regular expression (which can count positions) as several. */
function walkCost(slot: Slot, readings: Readings): number {
  return slot.conditions.reduce((sum, condition) => sum + (exactText(condition) !== undefined ? 0 : condition.test.kind === 'equality' && condition.test.value.kind === 'regex' ? 8 : stringAutomaton(condition, readings).length), 0);
}

/** The choice of outcome per slot that makes the pattern `want`; a `guessed` slot may also take the all-`want` outcome (its index is the slot's outcome count). */
function search(model: SpaceModel, root: Node, want: boolean, guessed: (slot: Slot) => boolean, budget: Budget): number[] | undefined {
  const lists = model.slots.map((slot) => (guessed(slot) ? [...slot.outcomes, { value: ABSENT, truth: slot.conditions.map(() => want) }] : slot.outcomes));
  const choices = lists.map((outcomes) => extremeOutcomes(outcomes, want));
  const failed = new Set<string>();
  const truthOf = (node: Node, asg: Int32Array): boolean | undefined => {
    switch (node.kind) {
      case 'const':
        return node.value;
      case 'atom':
        return asg[node.slot] < 0 ? undefined : lists[node.slot][asg[node.slot]].truth[node.condition];
      default: {
        let unknown = false;
        for (const child of node.children) {
          const value = truthOf(child, asg);
          if (value === undefined) unknown = true;
          else if (value === (node.kind === 'or')) return value;
        }
        return unknown ? undefined : node.kind === 'and';
      }
    }
  };
  const memoKey = (ids: string, slotIds: readonly number[], asg: Int32Array) => `${ids}|${slotIds.map((s) => asg[s]).join(',')}`;
  const withChoice = (asg: Int32Array, slot: number, outcome: number) => {
    const next = asg.slice();
    next[slot] = outcome;
    return next;
  };

  const solve = (node: Node, asg: Int32Array): Int32Array | undefined => {
    const value = truthOf(node, asg);
    if (value !== undefined) return value === want ? asg : undefined;
    budget.charge(1);
    if (node.kind === 'atom') {
      for (const outcome of choices[node.slot]) {
        if (lists[node.slot][outcome].truth[node.condition] === want) return withChoice(asg, node.slot, outcome);
      }
      return undefined;
    }
    if (node.kind === 'const') return undefined;
    // "Some child" when an and must be false or an or true; "every child" otherwise.
    if ((node.kind === 'and') !== want) {
      const key = memoKey(`${node.id}`, node.slots, asg);
      if (failed.has(key)) return undefined;
      for (const child of node.children) {
        const found = solve(child, asg);
        if (found) return found;
      }
      failed.add(key);
      return undefined;
    }
    return solveAll(node.children, asg);
  };

  /** Every goal at once: independent groups separately, otherwise branch on the slot most goals share. */
  const solveAll = (goals: readonly Node[], asg: Int32Array): Int32Array | undefined => {
    const pending: Node[] = [];
    for (const goal of goals) {
      const value = truthOf(goal, asg);
      if (value === undefined) pending.push(goal);
      else if (value !== want) return undefined;
    }
    if (pending.length === 0) return asg;
    if (pending.length === 1) return solve(pending[0], asg);
    const slotIds = [...new Set(pending.flatMap((goal) => goal.slots))].sort((a, b) => a - b);
    const key = memoKey(pending.map((goal) => goal.id).join(','), slotIds, asg);
    if (failed.has(key)) return undefined;
    budget.charge(1);
    const groups = independentGroups(pending, asg);
    let result: Int32Array | undefined;
    if (groups.length > 1) {
      result = asg;
      for (const group of groups) {
        result = solveAll(group, result);
        if (!result) break;
      }
    } else {
      const counts = new Map<number, number>();
      for (const goal of pending) for (const slot of goal.slots) if (asg[slot] < 0) counts.set(slot, (counts.get(slot) ?? 0) + 1);
      const [branch] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
      for (const outcome of choices[branch]) {
        result = solveAll(pending, withChoice(asg, branch, outcome));
        if (result) break;
      }
    }
    if (!result) failed.add(key);
    return result;
  };

  const start = new Int32Array(model.slots.length).fill(-1);
  const found = solve(root, start);
  // Slots the search left open take the base record's value when CloudTrail can write it, else any outcome.
  return found && [...found].map((outcome) => (outcome >= 0 ? outcome : 0));
}

function independentGroups(goals: readonly Node[], asg: Int32Array): Node[][] {
  const parent = goals.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const owner = new Map<number, number>();
  goals.forEach((goal, i) => {
    for (const slot of goal.slots) {
      if (asg[slot] >= 0) continue;
      const other = owner.get(slot);
      if (other === undefined) owner.set(slot, i);
      else parent[find(i)] = find(other);
    }
  });
  const groups = new Map<number, Node[]>();
  goals.forEach((goal, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), goal]);
  });
  return [...groups.values()];
}

/** The outcomes with the fewest true conditions (to falsify) or the most (to satisfy), by index. */
function extremeOutcomes(outcomes: readonly Outcome[], want: boolean): number[] {
  const beats = (a: boolean[], b: boolean[]) => (want ? a.every((t, i) => t || !b[i]) && a.some((t, i) => t && !b[i]) : a.every((t, i) => !t || b[i]) && a.some((t, i) => !t && b[i]));
  return outcomes.map((_, i) => i).filter((i) => !outcomes.some((other) => beats(other.truth, outcomes[i].truth)));
}

// ---------------------------------------------------------------- outcomes of one slot

/**
 * A condition's truth when the slot holds `value`. A selector ending in a wildcard selects the children that exist:
 * an absent child is not selected, so no test is true of it (not even NOT EXISTS), as in the matcher.
 */
function conditionTruth(condition: JsonCondition, value: JsonNode, readings: Readings): boolean {
  const steps = condition.selector.steps;
  if (value === ABSENT && steps[steps.length - 1]?.kind === 'wildcard') return false;
  return testNode(condition.test, value, readings);
}

/** Whether a condition compares strings as an exact text (then the text itself is its only interesting value). */
function exactText(condition: JsonCondition): string | undefined {
  const { test } = condition;
  if (test.kind !== 'equality' || test.value.kind !== 'string' || test.value.text.includes('*')) return undefined;
  return test.value.text;
}

const compiledDomains = new Map<string, StringDomain>();
function compiledDomain(domain: Extract<ValueDomain, { kind: 'string' }>): StringDomain {
  const key = `${domain.pattern}\u0000${(domain.excluded ?? []).join('\u0000')}`;
  let compiled = compiledDomains.get(key);
  if (!compiled) {
    const pattern = parseRegex(domain.pattern, 0);
    const excluded = (domain.excluded ?? []).map((source) => parseRegex(source, 0));
    // Membership of a text is asked for every candidate value: the domains are the project's own expressions, in
    // the subset JavaScript reads the same way, so its compiled matcher answers (the walks need the automata).
    const native = [domain.pattern, ...(domain.excluded ?? [])].map((source) => new RegExp(source, 's'));
    const has = (text: string) => native[0].test(text) && !native.slice(1).some((regex) => regex.test(text));
    compiledDomains.set(key, (compiled = { pattern, excluded, has, values: finiteLanguage(pattern)?.filter(has) }));
  }
  return compiled;
}

/**
 * The texts of a domain that is a list of names (`^GetObject$|^PutObject$|…`, identity types, event types), or
 * undefined: every branch anchored at both ends with single characters between. Such a field is decided by trying
 * each name, which costs less than building the names' automaton.
 */
function finiteLanguage(regex: Regex): string[] | undefined {
  const texts: string[] = [];
  for (const branch of regex.branches) {
    const [start, end] = [branch[0], branch[branch.length - 1]];
    if (branch.length < 2 || start.kind !== 'anchor' || start.at !== 'start' || end.kind !== 'anchor' || end.at !== 'end') return undefined;
    let text = '';
    for (const item of branch.slice(1, -1)) {
      if (item.kind !== 'atom' || item.min !== 1 || item.max !== 1 || item.set.negated || item.set.ranges.length !== 1 || item.set.ranges[0][0] !== item.set.ranges[0][1]) return undefined;
      text += String.fromCodePoint(item.set.ranges[0][0]);
    }
    texts.push(text);
  }
  return texts;
}

/**
 * The same conditions on the same kind of field recur for every event and space, and across patterns: compute once.
 * A walk that exceeded its bound is remembered too, or every event would pay for it again.
 */
const OUTCOME_CACHE_SIZE = 1_024;
type SlotOutcomes = Pick<Slot, 'outcomes' | 'complete'>;
/** Outcomes computed (or the bound a walk exceeded, which no budget changes), with the units the work cost. */
const outcomeCache = new Map<string, { result: SlotOutcomes | TooComplexError; cost: number }>();

function slotOutcomes(slot: Slot, baseValue: JsonNode, readings: Readings, quick: boolean, budget: Budget): SlotOutcomes {
  const key = JSON.stringify([slot.rule.domain, slot.rule.presence, slot.conditions.map((condition) => condition.text), baseValue === ABSENT ? '\u0000absent' : baseValue, readings]);
  // Complete outcomes serve a quick question too; quick ones are kept apart.
  const stored = outcomeCache.has(key) ? key : quick && outcomeCache.has(`quick ${key}`) ? `quick ${key}` : undefined;
  let entry = stored === undefined ? undefined : outcomeCache.get(stored)!;
  if (entry) {
    if (!budget.paid.has(stored!)) budget.charge(entry.cost);
    budget.paid.add(stored!);
  } else {
    const before = budget.spent;
    let result: SlotOutcomes | TooComplexError;
    try {
      result = computeSlotOutcomes(slot, baseValue, readings, quick, budget);
    } catch (error) {
      // A spent budget belongs to this analysis, not to the field: only a walk's own bound is remembered.
      if (error instanceof BudgetSpent) throw new BudgetSpent(`proving the conditions on ${pathText(slot.path)} needs more work than the rule allows one analysis; fewer or simpler conditions on that field can be proven`);
      if (!(error instanceof TooComplexError)) throw error;
      result = error;
    }
    entry = { result, cost: budget.spent - before };
    const storeAs = result instanceof TooComplexError || result.complete ? key : `quick ${key}`;
    budget.paid.add(storeAs);
    if (outcomeCache.size >= OUTCOME_CACHE_SIZE) outcomeCache.delete(outcomeCache.keys().next().value!);
    outcomeCache.set(storeAs, entry);
  }
  if (entry.result instanceof TooComplexError) throw entry.result;
  return entry.result;
}

function computeSlotOutcomes(slot: Slot, baseValue: JsonNode, readings: Readings, quick: boolean, budget: Budget): SlotOutcomes {
  const { domain, presence } = slot.rule;
  const candidates: JsonNode[] = [];
  let complete = true;
  const stringDomain = domain.kind === 'string' ? compiledDomain(domain) : undefined;
  const inDomain = (value: JsonNode): boolean => {
    if (value === ABSENT) return presence === 'sometimes';
    switch (domain.kind) {
      case 'open':
        return true;
      case 'boolean':
        return typeof value === 'boolean';
      case 'number':
        return typeof value === 'number' && Number.isInteger(value) && value >= domain.min && value <= domain.max;
      case 'string':
        return typeof value === 'string' && stringDomain!.has(value);
    }
  };
  candidates.push(baseValue);
  const exact = slot.conditions.map(exactText).filter((text): text is string => text !== undefined);
  if (domain.kind === 'string' || domain.kind === 'open') {
    candidates.push(...exact);
    const extremes = extremeStrings(slot.conditions, readings).filter(inDomain);
    const truths = extremes.map((value) => slot.conditions.map((condition) => testNode(condition.test, value, readings)));
    // A value with every condition false is the only outcome that matters for falsifying, one with every condition
    // true the only one for satisfying: when both exist, no walk is needed.
    if (truths.some((truth) => truth.every((t) => !t)) && truths.some((truth) => truth.every(Boolean))) candidates.push(...extremes);
    else if (stringDomain?.values) candidates.push(...stringDomain.values);
    else if (quick) {
      // Without a walk: each automaton's shortest match, alone and joined with the others' and with the extremes.
      const matches = slot.conditions.flatMap((condition) => stringAutomaton(condition, readings)).map(shortestBranchText).filter((text): text is string => text !== undefined);
      const around = typeof baseValue === 'string' ? extremeStrings(slot.conditions, readings, baseValue, '') : [];
      candidates.push(...around, ...extremes, ...matches, ...extremes.map((text) => [text, ...matches].join('~')));
      complete = false;
    } else {
      // Conditions that test the same text the same way (`= "*x*"` and `!= "*x*"`) share one automaton.
      const automata = new Map<string, Regex>();
      for (const condition of slot.conditions) {
        if (exactText(condition) !== undefined) continue;
        for (const regex of stringAutomaton(condition, readings)) automata.set(JSON.stringify(regex.branches), regex);
      }
      const strings = stringWitnesses([...automata.values()], stringDomain, new Set(exact), typeof baseValue === 'string' ? baseValue : undefined, budget);
      if (!strings) throw new TooComplexError(`the conditions on ${pathText(slot.path)} are too complex to analyse`);
      candidates.push(...strings);
    }
  }
  if (domain.kind === 'number' || domain.kind === 'open') candidates.push(...numberWitnesses(slot.conditions, domain.kind === 'number' ? domain : undefined));
  if (domain.kind === 'boolean' || domain.kind === 'open') candidates.push(true, false);
  if (domain.kind === 'open') candidates.push(null, {});
  candidates.push(ABSENT);
  const outcomes = new Map<string, Outcome>();
  for (const value of candidates) {
    if (!inDomain(value)) continue;
    const truth = slot.conditions.map((condition) => conditionTruth(condition, value, readings));
    const key = truth.map(Number).join('');
    if (!outcomes.has(key)) outcomes.set(key, { value, truth });
  }
  return { outcomes: [...outcomes.values()], complete };
}

/**
 * Strings that try to make every wildcard condition false, and every one true: the needed texts joined (those at
 * the start first, those at the end last) around a filler, and the filler alone. With the base value as the filler
 * and no separator, the texts often stay within the field's domain (an ARN, a bucket name). Checked by the caller,
 * never trusted.
 */
function extremeStrings(conditions: readonly JsonCondition[], readings: Readings, filler?: string, separator = '~'): string[] {
  const join = (wantTrue: boolean): string => {
    const starts: string[] = [];
    const middles: string[] = [];
    const ends: string[] = [];
    for (const { test } of conditions) {
      if (test.kind !== 'equality' || test.value.kind !== 'string' || test.value.text === '*') continue;
      // Include the text when the condition is true with it (=) and we want true, or false with it (!=) and we want false.
      if ((test.op === '=') !== wantTrue) continue;
      const text = test.value.text;
      const leading = text.startsWith('*');
      const trailing = text.length > 1 && text.endsWith('*');
      const core = readings.midValueStarIsLiteral ? text.slice(leading ? 1 : 0, trailing ? -1 : undefined) : text.replace(/\*/g, '');
      (leading && trailing ? middles : leading ? ends : trailing ? starts : middles).push(core);
    }
    return [...starts, ...(filler === undefined ? [] : [filler]), ...middles, ...ends].join(separator);
  };
  return [join(false), join(true), filler ?? '~'];
}

/** The automaton a condition applies to strings, if its outcome on strings is not constant. */
function stringAutomaton(condition: JsonCondition, readings: Readings): Regex[] {
  const { test } = condition;
  if (test.kind !== 'equality') return [];
  const value = test.value;
  if (value.kind === 'number') return [];
  if (value.kind === 'regex') return [value.regex];
  if (value.text === '*') return [];
  return [stringValueRegex(value, readings)];
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

type StringDomain = {
  pattern: Regex;
  excluded: Regex[];
  /** Whether the domain holds a text. */
  has(text: string): boolean;
  /** every text, when the domain is a list of names */
  values?: string[];
};

/**
 * One string per achievable outcome of the conditions' automata among the strings of the domain (and not one of
 * the exact texts, which are candidates of their own): breadth-first over the product of the automata, so each
 * outcome comes with a shortest string. Undefined when the walk exceeds its bound.
 *
 * Proving that an outcome cannot occur is what costs: the walk must then visit every reachable product state, and
 * a domain (a bucket name's 63 positions, a UUID's 36) multiplies the conditions' states. So the outcomes the
 * conditions can take on any string are found first, over their automata alone; an outcome outside that set cannot
 * occur within the domain either, and the walk with the domain stops once it has a witness for each of the rest.
 */
function stringWitnesses(regexes: readonly Regex[], domain: StringDomain | undefined, exact: ReadonlySet<string>, seed: string | undefined, budget: Budget): string[] | undefined {
  const byOutcome = new Map<string, string>();
  // A domain of any text restricts nothing, so the first walk would repeat the second. Beyond its bound (a quarter of
  // the second's) the first walk only gives up its help: the second then looks for every outcome, as it would alone.
  const restricts = domain && (domain.pattern.source !== ANY_TEXT || domain.excluded.length > 0);
  const possible = restricts && regexes.length > 0 ? walkOutcomes(regexes, undefined, new Map(), new Set(), undefined, { states: MAX_AUTOMATON_STATES / 4, units: HELPER_WALK_UNITS }, budget) : undefined;
  const wanted = possible ? possible.size : 2 ** regexes.length;
  // The base record's value usually settles the common case (no automaton, or all of them false), and a shortest
  // match of each automaton the case of one condition, without a walk (a match can lie deep in a large automaton).
  for (const text of [...(seed === undefined ? [] : [seed]), ...regexes.map(shortestBranchText)]) {
    if (text === undefined || exact.has(text) || (domain && !domain.has(text))) continue;
    const outcome = regexes.map((regex) => Number(regexTest(regex, text))).join('');
    if (!byOutcome.has(outcome)) byOutcome.set(outcome, text);
    if (byOutcome.size === wanted) return [...byOutcome.values()];
  }
  const found = walkOutcomes(regexes, domain, byOutcome, exact, possible && new Set(possible.keys()), { states: MAX_AUTOMATON_STATES, units: Infinity }, budget);
  return found && [...found.values()];
}

/**
 * The breadth-first walk of `stringWitnesses`: adds to `byOutcome` a shortest text for each outcome it reaches
 * (among `possible` when given) and returns it, or undefined beyond `bound` (product states, or units of work).
 */
function walkOutcomes(
  regexes: readonly Regex[],
  domain: StringDomain | undefined,
  byOutcome: Map<string, string>,
  exact: ReadonlySet<string>,
  possible: ReadonlySet<string> | undefined,
  bound: { states: number; units: number },
  budget: Budget,
): Map<string, string> | undefined {
  let spent = 0;
  const conditions = regexes.length;
  const wanted = possible ? possible.size : 2 ** conditions;
  if (byOutcome.size === wanted) return byOutcome;
  const all = [...regexes, ...(domain ? [domain.pattern, ...domain.excluded] : [])];
  const letters = alphabet(all);
  const machines = all.map(dfaOf);
  /**
   * Whether no continuation of a text in this product state can give an outcome not found yet: the conditions whose
   * automata have settled (matched for good, or past their start anchor with nothing alive) fix bits of the outcome,
   * and every possible outcome with those bits is found. Skipping such states (and those the domain can no longer
   * accept, below) leaves the outcomes the full walk finds.
   */
  // Many product states share their settled bits: the answer is kept per pattern of bits until a new outcome is found.
  const exhaustedByFates = new Map<string, boolean>();
  let answeredFor = byOutcome.size;
  const exhausted = (states: readonly number[]): boolean => {
    const fates = states.slice(0, conditions).map((state, i) => machines[i].fate(state));
    const open = fates.filter((fate) => fate === undefined).length;
    if (!possible && 2 ** open > byOutcome.size) return false;
    if (answeredFor !== byOutcome.size) {
      exhaustedByFates.clear();
      answeredFor = byOutcome.size;
    }
    const signature = fates.map((fate) => (fate === undefined ? '?' : Number(fate))).join('');
    let answer = exhaustedByFates.get(signature);
    if (answer === undefined) {
      budget.charge((possible?.size ?? 0) + byOutcome.size);
      const agrees = (outcome: string) => fates.every((fate, i) => fate === undefined || (outcome[i] === '1') === fate);
      let needed = 0;
      if (possible) for (const outcome of possible) needed += Number(agrees(outcome));
      else needed = 2 ** open;
      let found = 0;
      for (const outcome of byOutcome.keys()) found += Number(agrees(outcome));
      exhaustedByFates.set(signature, (answer = found === needed));
    }
    return answer;
  };
  // Each machine's moves on this walk's letters, a row per state (-1: not yet asked): one lookup per machine and
  // state, not per letter.
  const rows = machines.map(() => new Map<number, Int32Array>());
  const rowOf = (i: number, state: number): Int32Array => {
    let row = rows[i].get(state);
    if (!row) rows[i].set(state, (row = new Int32Array(letters.length).fill(-1)));
    return row;
  };
  const move = (i: number, row: Int32Array, state: number, l: number): number => (row[l] >= 0 ? row[l] : (row[l] = machines[i].step(state, letters[l])));
  // A product state's key: a UTF-16 unit per machine state (two past 0xfffe, behind a marker).
  const keyOf = (states: readonly number[]) => {
    let key = '';
    for (const state of states) key += state < 0xffff ? String.fromCharCode(state) : String.fromCharCode(0xffff, state & 0xffff, state >>> 16);
    return key;
  };
  const sizes = all.slice(0, conditions).map(atomCount);
  let builtBefore = 0;
  for (let i = 0; i < conditions; i++) builtBefore += machines[i].size * sizes[i];
  const start = machines.map(() => 0);
  const seen = new Set<string>([keyOf(start)]);
  let frontier: Array<{ states: number[]; text: string }> = [{ states: start, text: '' }];
  const current: Int32Array[] = new Array(machines.length);
  while (frontier.length > 0) {
    const following: typeof frontier = [];
    for (const { states, text } of frontier) {
      const ends = states.map((state, i) => machines[i].accepts(state));
      const accepted = !domain || (ends[conditions] && !ends.slice(conditions + 1).some(Boolean));
      if (accepted && !exact.has(text)) {
        const outcome = ends.slice(0, conditions).map(Number).join('');
        if (!byOutcome.has(outcome) && (!possible || possible.has(outcome))) byOutcome.set(outcome, text);
        if (byOutcome.size === wanted) return byOutcome;
      }
      if (exhausted(states)) continue;
      // Charged per machine step taken (the domain's for every letter, the conditions' for the letters it lets on)
      // and per product state looked up.
      let steps = machines.length;
      for (let i = 0; i < machines.length; i++) current[i] = rowOf(i, states[i]);
      next: for (let l = 0; l < letters.length; l++) {
        const advanced = new Array<number>(machines.length);
        // The domain first: a text it can no longer accept (or an excluded value it already is) leads nowhere.
        for (let i = conditions; i < machines.length; i++) {
          steps++;
          advanced[i] = move(i, current[i], states[i], l);
          if (machines[i].fate(advanced[i]) === (i !== conditions)) continue next;
        }
        steps += conditions;
        for (let i = 0; i < conditions; i++) advanced[i] = move(i, current[i], states[i], l);
        const key = keyOf(advanced);
        // A product state's key is as long as the machines are many: looking it up is work too.
        steps += machines.length;
        if (seen.has(key)) continue;
        if (seen.size >= bound.states) return undefined;
        seen.add(key);
        following.push({ states: advanced, text: text + String.fromCodePoint(letters[l]) });
      }
      // A state a condition's automaton had not built yet costs its atoms (the domains' automata are shared, so not
      // counted: the charge stays the same whatever was analysed before).
      let built = 0;
      for (let i = 0; i < conditions; i++) built += machines[i].size * sizes[i];
      steps += Math.ceil((built - builtBefore) / 8);
      builtBefore = built;
      budget.charge(steps);
      if ((spent += steps) > bound.units) return undefined;
    }
    frontier = following;
  }
  return byOutcome;
}

function numberWitnesses(conditions: readonly JsonCondition[], range?: { min: number; max: number }): number[] {
  const bounds = new Set<number>(range ? [range.min, range.max] : [0]);
  for (const { test } of conditions) {
    if ((test.kind === 'order' || test.kind === 'equality') && test.value.kind === 'number') bounds.add(test.value.value);
  }
  const sorted = [...bounds].sort((a, b) => a - b);
  const values = new Set<number>(sorted);
  values.add(sorted[0] - 1);
  values.add(sorted[sorted.length - 1] + 1);
  sorted.slice(1).forEach((bound, index) => {
    // Any number between two bounds (an open field), and the whole numbers nearest each (a byte count).
    values.add((bound + sorted[index]) / 2);
    values.add(Math.ceil(bound) - 1);
    values.add(Math.floor(sorted[index]) + 1);
  });
  return [...values];
}

// ---------------------------------------------------------------- paths

/** The concrete paths a selector can land on in records shaped like the space's base (wildcards expanded). */
function concretePaths(condition: JsonCondition, space: RecordSpace): PathKey[][] {
  let paths: Array<{ path: PathKey[]; node: unknown }> = [{ path: [], node: space.base }];
  for (const step of condition.selector.steps) {
    const next: typeof paths = [];
    for (const { path, node } of paths) {
      if (step.kind === 'wildcard') {
        // Children a record adds beyond the base record's can only make a wildcard condition true; where the base
        // has none but the field varies, one stands for them all.
        if (node !== null && typeof node === 'object' && Object.keys(node as object).length > 0) {
          for (const [key, value] of Object.entries(node as object)) next.push({ path: [...path, Array.isArray(node) ? Number(key) : key], node: value });
        } else if (ruleFor(space, [...path, 'x'])) next.push({ path: [...path, 'x'], node: undefined });
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

/** The node at `path`, read as the matcher reads it (a string key of an array, like `length`, is absent). */
export function valueAt(record: unknown, path: readonly PathKey[]): JsonNode {
  let node: JsonNode = record;
  for (const key of path) node = child(node, key);
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

/** What a raw-text pattern needs in a record: texts (terms, field values) and expressions (a `%regex%`). */
export interface Needed {
  words: readonly string[];
  expressions: readonly Regex[];
}

/**
 * A value CloudTrail can write under `rule` in which nothing the pattern needs appears (raw-text patterns read a
 * record's text): the current one when clean, else one of the domain's found by the same walk as outcomes, else the
 * current one. With `spaced`, a value with a space in it comes first (it moves the words of a space-delimited
 * pattern). Remembered per question: the same field recurs in every event's records.
 */
export function valueAvoiding(rule: FieldRule, needed: Needed, current: JsonNode, spaced: boolean, budget: Budget): JsonNode {
  const key = JSON.stringify([rule.domain, current === ABSENT ? null : current, spaced]);
  if (budget.remembered.has(key)) return budget.remembered.get(key);
  const value = chooseAvoiding(rule, needed, current, spaced, budget);
  budget.remembered.set(key, value);
  return value;
}

const neededAutomata = new WeakMap<Needed, Regex[]>();
/** One automaton per needed word (contains it) and expression, built once per question: every field's walk shares them. */
function automataOf(needed: Needed): Regex[] {
  let automata = neededAutomata.get(needed);
  if (!automata) neededAutomata.set(needed, (automata = [...needed.words.map((word) => globRegex([word], false, false)), ...needed.expressions]));
  return automata;
}

function chooseAvoiding(rule: FieldRule, needed: Needed, current: JsonNode, spaced: boolean, budget: Budget): JsonNode {
  const clean = (text: string) => !needed.words.some((word) => text.includes(word)) && !needed.expressions.some((regex) => regexTest(regex, text));
  const { domain } = rule;
  const spacedTexts = ['a b', 'AWS Internal'];
  if (domain.kind === 'open') return [...(spaced ? spacedTexts : []), 'x', 'y', '0'].find(clean) ?? current;
  if (domain.kind !== 'string') return current;
  const strings = compiledDomain(domain);
  if (spaced) {
    const text = spacedTexts.find((candidate) => strings.has(candidate) && clean(candidate));
    if (text) return text;
  }
  if (typeof current === 'string' && clean(current)) return current;
  if (strings.values) return strings.values.find(clean) ?? current;
  const shortest = shortestBranchText(strings.pattern);
  if (shortest !== undefined && strings.has(shortest) && clean(shortest)) return shortest;
  // A shortest text of the domain in which nothing needed appears: the walk's only wanted outcome is all false.
  const automata = automataOf(needed);
  const none = '0'.repeat(automata.length);
  const found = walkOutcomes(automata, strings, new Map(), new Set(), new Set([none]), { states: MAX_AUTOMATON_STATES, units: AVOIDING_WALK_UNITS }, budget);
  // A walk that gave up proves nothing: the question fails closed rather than keep a value that may carry the text.
  if (!found) throw new TooComplexError(`finding a value of ${rule.path} without the pattern's text needs more work than the rule allows`);
  return found.get(none) ?? current;
}

export function pathText(path: readonly PathKey[]): string {
  return `$${path.map((key) => (typeof key === 'number' ? `[${key}]` : /^[A-Za-z0-9_\-@]+$/.test(key) ? `.${key}` : `.['${key}']`)).join('')}`;
}
