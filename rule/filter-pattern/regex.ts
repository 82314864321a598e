import { FilterPatternError } from './errors';

/**
 * The regular-expression subset CloudWatch Logs accepts between `%…%`, and a matcher that runs in linear time.
 *
 * The subset has no groups, so every expression is an alternation of sequences of single-character atoms, each
 * with a repeat count, and anchors. That shape needs no backtracking: the search below keeps, for each atom of
 * each branch, the positions at which the atom was entered and still could be left; every input character
 * advances all of them at once (they all consume the same character, so they live or die together). The cost is
 * O(characters × atoms), whatever the repeat bounds, so a hostile pattern cannot stall the rule.
 *
 * Exact glob and equality tests on JSON values compile to the same form (see `literalRegex`, `globRegex`), so one
 * matcher and one analysis serve every string comparison in the language.
 */

/** A set of code points: inclusive ranges, possibly negated. */
export interface CharSet {
  negated: boolean;
  ranges: ReadonlyArray<readonly [number, number]>;
}

export type RegexItem =
  | { kind: 'anchor'; at: 'start' | 'end' }
  | { kind: 'atom'; set: CharSet; min: number; max: number };

export interface Regex {
  /** The expression text as written (without the `%` delimiters). */
  source: string;
  branches: RegexItem[][];
}

const MAX_CODE_POINT = 0x10ffff;
const MAX_REPEAT = 1000;
const ANY: CharSet = { negated: true, ranges: [] };
const DIGIT: ReadonlyArray<readonly [number, number]> = [[0x30, 0x39]];
const WORD: ReadonlyArray<readonly [number, number]> = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: ReadonlyArray<readonly [number, number]> = [[0x09, 0x0d], [0x20, 0x20]];

/** Characters AWS accepts literally in a regular expression; anything else must be written as \xHH. */
const ALLOWED = /[A-Za-z0-9:_#=@/;,\- ^$?[\]{}|\\*+.]/;

export function setHas(set: CharSet, code: number): boolean {
  let inside = false;
  for (const [lo, hi] of set.ranges) {
    if (code >= lo && code <= hi) {
      inside = true;
      break;
    }
  }
  return inside !== set.negated;
}

function single(code: number): CharSet {
  return { negated: false, ranges: [[code, code]] };
}

/**
 * Parses the body of `%…%`. `offset` is the body's position in the whole filter pattern, so errors point at the
 * right character.
 */
export function parseRegex(body: string, offset: number): Regex {
  if (body.length === 0) throw new FilterPatternError('empty regular expression', offset - 1, '%%');
  const branches: RegexItem[][] = [[]];
  let i = 0;
  const fail = (reason: string, at: number, length = 1): never => {
    throw new FilterPatternError(reason, offset + at, body.slice(at, at + length));
  };
  const current = () => branches[branches.length - 1];
  const quantified = new Set<RegexItem>();
  const lazy = new Set<RegexItem>();

  const readEscape = (at: number, inClass: boolean): { set: CharSet; next: number } => {
    const c = body[at + 1];
    if (c === undefined) return fail('a regular expression cannot end with \\', at);
    switch (c) {
      case 'd':
        return { set: { negated: false, ranges: DIGIT }, next: at + 2 };
      case 'D':
        return { set: { negated: true, ranges: DIGIT }, next: at + 2 };
      case 'w':
        return { set: { negated: false, ranges: WORD }, next: at + 2 };
      case 'W':
        return { set: { negated: true, ranges: WORD }, next: at + 2 };
      case 's':
        return { set: { negated: false, ranges: SPACE }, next: at + 2 };
      case 'S':
        return { set: { negated: true, ranges: SPACE }, next: at + 2 };
      case 'x': {
        const hex = body.slice(at + 2, at + 4);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return fail('\\x must be followed by two hexadecimal digits', at, 4);
        return { set: single(parseInt(hex, 16)), next: at + 4 };
      }
      case 't':
        return { set: single(0x09), next: at + 2 };
      case 'n':
        return { set: single(0x0a), next: at + 2 };
      case 'r':
        return { set: single(0x0d), next: at + 2 };
      default:
        if (/[A-Za-z0-9]/.test(c)) return fail(`unsupported escape \\${c}${inClass ? ' in a character class' : ''}`, at, 2);
        return { set: single(c.codePointAt(0)!), next: at + 2 };
    }
  };

  const readClass = (start: number): { set: CharSet; next: number } => {
    let at = start + 1;
    let negated = false;
    if (body[at] === '^') {
      negated = true;
      at++;
    }
    const ranges: Array<[number, number]> = [];
    let first = true;
    for (;;) {
      const c = body[at];
      if (c === undefined) return fail('unterminated character class: missing ]', start);
      if (c === ']' && !first) break;
      first = false;
      let lo: CharSet;
      let next: number;
      if (c === '\\') ({ set: lo, next } = readEscape(at, true));
      else ({ set: lo, next } = { set: single(c.codePointAt(0)!), next: at + 1 });
      const isSingle = !lo.negated && lo.ranges.length === 1 && lo.ranges[0][0] === lo.ranges[0][1];
      if (isSingle && body[next] === '-' && body[next + 1] !== undefined && body[next + 1] !== ']') {
        let hi: CharSet;
        let after: number;
        if (body[next + 1] === '\\') ({ set: hi, next: after } = readEscape(next + 1, true));
        else ({ set: hi, next: after } = { set: single(body.codePointAt(next + 1)!), next: next + 2 });
        const hiSingle = !hi.negated && hi.ranges.length === 1 && hi.ranges[0][0] === hi.ranges[0][1];
        if (!hiSingle) return fail('a range must end with a single character', next + 1);
        const from = lo.ranges[0][0];
        const to = hi.ranges[0][0];
        if (from > to) return fail(`range out of order: ${body.slice(at, after)}`, at, after - at);
        ranges.push([from, to]);
        at = after;
        continue;
      }
      if (lo.negated) {
        // A negated class escape (\D, \W, \S) inside [...]: add the complement's ranges.
        let prev = 0;
        for (const [a, b] of [...lo.ranges].sort((x, y) => x[0] - y[0])) {
          if (a > prev) ranges.push([prev, a - 1]);
          prev = b + 1;
        }
        if (prev <= MAX_CODE_POINT) ranges.push([prev, MAX_CODE_POINT]);
      } else ranges.push(...lo.ranges.map((r) => [r[0], r[1]] as [number, number]));
      at = next;
    }
    return { set: { negated, ranges }, next: at + 1 };
  };

  const readCount = (start: number): { min: number; max: number; next: number } => {
    const close = body.indexOf('}', start);
    const text = close < 0 ? '' : body.slice(start + 1, close);
    const match = /^(\d*)(,?)(\d*)$/.exec(text);
    if (close < 0 || !match || (match[1] === '' && match[3] === '')) {
      return fail('a repeat count must be {m}, {m,}, {,n} or {m,n}', start, close < 0 ? 1 : close - start + 1);
    }
    const min = match[1] === '' ? 0 : Number(match[1]);
    const max = match[2] === '' ? min : match[3] === '' ? Infinity : Number(match[3]);
    if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) {
      return fail(`repeat counts above ${MAX_REPEAT} are not supported`, start, close - start + 1);
    }
    if (min > max) return fail(`repeat count {${text}} has its minimum above its maximum`, start, close - start + 1);
    return { min, max, next: close + 1 };
  };

  while (i < body.length) {
    const c = body[i];
    if (c === '(' || c === ')') fail('groups ( ) are not supported in filter-pattern regular expressions; write a literal parenthesis as \\x28 or \\x29', i);
    if (!ALLOWED.test(c)) {
      const code = body.codePointAt(i)!;
      fail(
        code > 0x7f
          ? 'non-ASCII characters are not supported in regular expressions'
          : `"${c}" is not a supported character in regular expressions; write it as \\x${code.toString(16).padStart(2, '0')}`,
        i,
        code > 0xffff ? 2 : 1,
      );
    }
    if (c === '|') {
      branches.push([]);
      i++;
      continue;
    }
    if (c === '^' || c === '$') {
      current().push({ kind: 'anchor', at: c === '^' ? 'start' : 'end' });
      i++;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      const items = current();
      const last = items[items.length - 1];
      if (!last || last.kind !== 'atom') return fail(`nothing to repeat before "${c}"`, i);
      if (quantified.has(last)) {
        // A `?` right after a quantifier only makes it lazy, which cannot change whether a search finds a match.
        if (c === '?' && !lazy.has(last)) {
          lazy.add(last);
          i++;
          continue;
        }
        return fail('a quantifier cannot follow another quantifier', i);
      }
      if (c === '{') ({ min: last.min, max: last.max, next: i } = readCount(i));
      else {
        [last.min, last.max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
        i++;
      }
      quantified.add(last);
      continue;
    }
    let set: CharSet;
    if (c === '.') {
      set = ANY;
      i++;
    } else if (c === '[') ({ set, next: i } = readClass(i));
    else if (c === '\\') ({ set, next: i } = readEscape(i, false));
    else {
      set = single(c.codePointAt(0)!);
      i++;
    }
    current().push({ kind: 'atom', set, min: 1, max: 1 });
  }
  return { source: body, branches };
}

/** A shortest text the regex matches, built from its shortest branch (checked by the caller, never trusted). */
export function shortestBranchText(regex: Regex): string | undefined {
  const texts = regex.branches.map((branch) =>
    branch.map((item) => (item.kind === 'atom' ? String.fromCodePoint(memberOf(item.set)).repeat(item.min) : '')).join(''),
  );
  return texts.sort((a, b) => a.length - b.length)[0];
}

/** A readable member of a character set. */
function memberOf(set: CharSet): number {
  for (const preferred of [0x7a, 0x61, 0x30, 0x2d, 0x20]) if (setHas(set, preferred)) return preferred;
  if (!set.negated) return set.ranges[0]?.[0] ?? 0x7a;
  for (let code = 0x21; ; code++) if (setHas(set, code)) return code;
}

/** `text` exactly (whole value). */
export function literalRegex(text: string): Regex {
  return globRegex([text], true, true);
}

/**
 * A value with `*` wildcards: `parts` are the literal pieces between them; `anchoredStart`/`anchoredEnd` say
 * whether the value does not begin/end with `*`. `parts` joined by "any text" must cover the value.
 */
export function globRegex(parts: readonly string[], anchoredStart: boolean, anchoredEnd: boolean): Regex {
  const items: RegexItem[] = [];
  if (anchoredStart) items.push({ kind: 'anchor', at: 'start' });
  parts.forEach((part, index) => {
    if (index > 0) items.push({ kind: 'atom', set: ANY, min: 0, max: Infinity });
    for (const ch of part) items.push({ kind: 'atom', set: single(ch.codePointAt(0)!), min: 1, max: 1 });
  });
  if (anchoredEnd) items.push({ kind: 'anchor', at: 'end' });
  return { source: parts.join('*'), branches: [items] };
}

/**
 * The state of a search after some characters: per branch and atom, the positions (character counts) at which
 * that atom was entered and can still be continued or left. Mutable for speed; `clone`/`key` serve the
 * coverage analysis, which explores states breadth-first.
 */
export class RegexSearch {
  private position = 0;
  private found = false;
  /** The atoms of all branches in order, with a marker where each branch ends. */
  private readonly items: ReadonlyArray<RegexItem | null>;
  /** Per branch: the index of its first item and of its end marker in `items`, and whether it begins with ^. */
  private readonly shape: ReadonlyArray<{ first: number; end: number; anchored: boolean }>;
  /** entries[k]: ascending entry positions of atom k, live from heads[k] on; NONE when the atom has no live entry. */
  private entries: number[][];
  private heads: number[];
  /**
   * Per branch, how many of its atoms have live entries. A state is cloned for every transition the analysis
   * builds, and expressions can have hundreds of atoms: a branch with none alive that cannot begin is skipped.
   */
  private live: number[];
  /** Every branch begins with ^, so once past the start no new attempt can begin. */
  private readonly startAnchored: boolean;

  constructor(readonly regex: Regex) {
    const branches = regex.branches.map(withoutOptionalEnds);
    this.items = branches.flatMap((branch) => [...branch, null]);
    let first = 0;
    this.shape = branches.map((branch) => {
      const entry = { first, end: first + branch.length, anchored: branch[0]?.kind === 'anchor' && branch[0].at === 'start' };
      first += branch.length + 1;
      return entry;
    });
    this.startAnchored = this.shape.every((branch) => branch.anchored);
    this.entries = this.items.map(() => NONE);
    this.heads = this.items.map(() => 0);
    this.live = this.shape.map(() => 0);
    this.settle(false);
  }

  get matched(): boolean {
    return this.found;
  }

  /** Whether the text read so far contains a match, given that it ends here. */
  matchedAtEnd(): boolean {
    if (this.found) return true;
    const probe = this.clone();
    probe.settle(true);
    return probe.found;
  }

  /**
   * What every continuation of the text read so far will do: true when it already contains a match, false when no
   * attempt is alive and none can begin (past the start of a start-anchored expression), undefined otherwise.
   */
  settled(): boolean | undefined {
    if (this.found) return true;
    if (this.position === 0 || !this.startAnchored) return undefined;
    return this.live.some((count) => count > 0) ? undefined : false;
  }

  /** Consume one character (a code point). */
  advance(code: number): void {
    if (this.found) return;
    const next = this.position + 1;
    for (let b = 0; b < this.shape.length; b++) {
      if (this.live[b] === 0) continue;
      const { first, end } = this.shape[b];
      for (let k = first; k < end; k++) {
        const list = this.entries[k];
        if (list === NONE) continue;
        const item = this.items[k] as Extract<RegexItem, { kind: 'atom' }>;
        let head = this.heads[k];
        // Entries that have now consumed more than `max` characters fall out (oldest first).
        if (setHas(item.set, code)) while (head < list.length && next - list[head] > item.max) head++;
        else head = list.length;
        if (head === list.length) {
          this.entries[k] = NONE;
          head = 0;
          this.live[b]--;
        } else if (head > 32 && head * 2 > list.length) {
          list.splice(0, head);
          head = 0;
        }
        this.heads[k] = head;
      }
    }
    this.position = next;
    this.settle(false);
  }

  /** Follow every move that consumes no character: entering atoms, leaving them, anchors, a new start. */
  private settle(atEnd: boolean): void {
    const t = this.position;
    for (let b = 0; b < this.shape.length; b++) {
      const { first, end, anchored } = this.shape[b];
      // Past the start, a branch that begins with ^ and has nothing alive can do nothing more.
      if (anchored && t > 0 && this.live[b] === 0) continue;
      // A search may start anywhere: the first item of each branch is always enterable.
      let enter = true;
      let liveAhead = this.live[b];
      for (let k = first; k < end && (enter || liveAhead > 0); k++) {
        const item = this.items[k]!;
        if (item.kind === 'anchor') {
          enter = enter && (item.at === 'start' ? t === 0 : atEnd);
          continue;
        }
        let list = this.entries[k];
        const wasLive = list !== NONE;
        if (wasLive) liveAhead--;
        // With no upper bound only the oldest entry can matter (it has consumed the most).
        // (An empty list is not indexed at -1: V8 takes a slow path for a negative index.)
        if (enter && (!wasLive || (item.max !== Infinity && list[list.length - 1] !== t))) {
          if (!wasLive) {
            this.entries[k] = list = [];
            this.live[b]++;
          }
          list.push(t);
        }
        const canLeave = list.length > 0 && t - list[this.heads[k]] >= item.min;
        enter = (enter && item.min === 0) || canLeave;
      }
      // The loop stops early only when nothing can enter: still entering here means the branch's end was reached.
      if (enter) this.found = true;
    }
  }

  clone(): RegexSearch {
    // Copy only the live entries, sharing nothing mutable.
    const copy = Object.create(RegexSearch.prototype) as { -readonly [K in keyof RegexSearch]: RegexSearch[K] } & Record<string, unknown>;
    const entries = this.entries.slice();
    for (let b = 0; b < this.shape.length; b++) {
      if (this.live[b] === 0) continue;
      for (let k = this.shape[b].first; k < this.shape[b].end; k++) if (entries[k] !== NONE) entries[k] = entries[k].slice(this.heads[k]);
    }
    copy.regex = this.regex;
    copy.items = this.items;
    copy.shape = this.shape;
    copy.startAnchored = this.startAnchored;
    copy.position = this.position;
    copy.found = this.found;
    copy.entries = entries;
    copy.heads = new Array<number>(this.items.length).fill(0);
    copy.live = this.live.slice();
    return copy as unknown as RegexSearch;
  }

  /** Identifies the state by what can still happen (relative counts), not by absolute positions. */
  key(): string {
    if (this.found) return 'found';
    const t = this.position;
    // Past its minimum, how long an unbounded atom has run no longer matters: cap it, so the states stay finite.
    let key = t === 0 ? 's|' : 'm|';
    for (let b = 0; b < this.shape.length; b++) {
      if (this.live[b] === 0) continue;
      for (let k = this.shape[b].first; k < this.shape[b].end; k++) {
        const list = this.entries[k];
        if (list === NONE) continue;
        const item = this.items[k] as Extract<RegexItem, { kind: 'atom' }>;
        const cap = item.max === Infinity ? item.min : Infinity;
        const head = this.heads[k];
        key += `${k}:`;
        for (let j = head; j < list.length; j++) key += `${j > head ? ',' : ''}${Math.min(t - list[j], cap)}`;
        key += ';';
      }
    }
    return key;
  }
}

/**
 * A branch without the atoms at its unanchored ends that may match nothing (`a*b*x` → `x`): a text contains a match
 * of one exactly when it contains a match of the other, and the search pays for every atom on every character.
 */
function withoutOptionalEnds(branch: RegexItem[]): RegexItem[] {
  let start = 0;
  let end = branch.length;
  while (start < end && branch[start].kind === 'atom' && (branch[start] as { min: number }).min === 0) start++;
  while (end > start && branch[end - 1].kind === 'atom' && (branch[end - 1] as { min: number }).min === 0) end--;
  return start === 0 && end === branch.length ? branch : branch.slice(start, end);
}

/** The entry list of an atom with no live entry: shared, and never written. */
const NONE: number[] = Object.freeze([]) as unknown as number[];

/**
 * Unanchored search: does `text` contain a match? Linear in the text length. The same expressions run over many
 * similar texts (every record an analysis tries), so the search runs on the expression's state machine, built as
 * texts need it: a character then costs one lookup instead of a pass over every atom. Once the machine has grown
 * past its bound — in states, or in the size of their descriptions (a large repeat count makes a state per counted
 * position, each as large as the count) — the expression is searched directly.
 */
const MAX_MATCHING_STATES = 2_000;
const MAX_MATCHING_KEY_CHARACTERS = 20_000;

export function regexTest(regex: Regex, text: string): boolean {
  const dfa = dfaOf(regex);
  const outgrown = () => dfa.outgrown();
  if (outgrown()) return searchTest(regex, text);
  let state = 0;
  // By index, not with a string iterator: every record an analysis tries is read through here.
  for (let i = 0; i < text.length; i++) {
    if (outgrown()) return searchTest(regex, text);
    const code = text.codePointAt(i)!;
    if (code > 0xffff) i++;
    state = dfa.step(state, code);
    const fate = dfa.fate(state);
    if (fate !== undefined) return fate;
  }
  return dfa.accepts(state);
}

/** Whether the expression's automaton has outgrown its bound, so that a text is searched atom by atom. */
export function searchesDirectly(regex: Regex): boolean {
  return dfaOf(regex).outgrown();
}


/** How many atoms the expression has: what a direct search pays for each character. */
export function atomCount(regex: Regex): number {
  return regex.branches.reduce((sum, branch) => sum + branch.filter((item) => item.kind === 'atom').length, 0);
}

function searchTest(regex: Regex, text: string): boolean {
  const search = new RegexSearch(regex);
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    if (code > 0xffff) i++;
    search.advance(code);
    if (search.matched) return true;
  }
  return search.matchedAtEnd();
}

/**
 * A search state machine built on demand: each distinct search state (by `key`) becomes a numbered state, and
 * each transition is computed once. The coverage analysis walks products of these, so it pays for a regex's
 * states, not for every path to them.
 */
export class LazyDfa {
  private readonly states: RegexSearch[] = [];
  private readonly ids = new Map<string, number>();
  private readonly transitions: Array<Map<number, number>> = [];
  private readonly accepting: boolean[] = [];
  private readonly fates: Array<boolean | undefined> = [];
  /** The summed length of the states' keys: what building the machine has cost so far. */
  keyCharacters = 0;
  /**
   * Where the expression's character sets begin and end, ascending: code points between two cuts are alike to every
   * atom, so a transition is built once per class, not once per character (a walk's alphabet is the union of many
   * expressions', most of which tell few of its letters apart).
   */
  private readonly cuts: number[];

  constructor(regex: Regex) {
    const cuts = new Set<number>([0]);
    for (const branch of regex.branches) for (const item of branch) if (item.kind === 'atom') for (const [lo, hi] of item.set.ranges) cuts.add(lo).add(hi + 1);
    this.cuts = [...cuts].sort((a, b) => a - b);
    this.intern(new RegexSearch(regex));
  }

  private classOf(code: number): number {
    let [lo, hi] = [0, this.cuts.length - 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.cuts[mid] <= code) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  get size(): number {
    return this.states.length;
  }

  /** Whether matching has built this machine past its bound (in states, or in the size of their descriptions). */
  outgrown(): boolean {
    return this.states.length >= MAX_MATCHING_STATES || this.keyCharacters >= MAX_MATCHING_KEY_CHARACTERS;
  }

  /** Whether the text that led to `state` contains a match. */
  accepts(state: number): boolean {
    return this.accepting[state];
  }

  /** Whether every text through `state` matches (true), none does (false), or it depends on the rest (undefined). */
  fate(state: number): boolean | undefined {
    return this.fates[state];
  }

  step(state: number, code: number): number {
    const cls = this.classOf(code);
    const known = this.transitions[state].get(cls);
    if (known !== undefined) return known;
    const next = this.states[state].clone();
    next.advance(code);
    const id = this.intern(next);
    this.transitions[state].set(cls, id);
    return id;
  }

  private intern(search: RegexSearch): number {
    const key = search.key();
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.states.length;
      this.states.push(search);
      this.ids.set(key, id);
      this.keyCharacters += key.length;
      this.transitions.push(new Map());
      this.accepting.push(search.matchedAtEnd());
      this.fates.push(search.settled());
    }
    return id;
  }
}

const dfas = new WeakMap<Regex, LazyDfa>();
/** The one lazy state machine of a compiled regex (compiled regexes are shared objects). */
export function dfaOf(regex: Regex): LazyDfa {
  let dfa = dfas.get(regex);
  if (!dfa) dfas.set(regex, (dfa = new LazyDfa(regex)));
  return dfa;
}
