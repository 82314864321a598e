import { BENIGN_RECORDS, CATALOG_EVENT_NAMES, changeRecordVariants, directoryBucketChangeRecord, failedAttemptRecord, s3ChangeRecord, type CloudTrailRecord } from '../events/catalog';
import { CIS_EVENT_NAMES, isSecurityHubExactText, POLICY_EVENT_NAMES } from '../events/canonical';
import { changeSpace, identityParts, nonChangeSpaces, ruleFor, agreeingRecords, type RecordSpace } from '../events/record-space';
import { ANALYSIS_BUDGET, Budget, findRecordInParts, pathText, TooComplexError, valueAt, valueAvoiding, type findRecord, type Needed, type SpaceModel } from './coverage';
import { FilterPatternError } from './errors';
import { ABSENT, evaluateJson, matchEvent, type JsonNode } from './match';
import { parseFilterPattern, parseSelector, type FilterPattern, type JsonExpression } from './parse';
import { DEFAULT_READINGS, type Readings } from './readings';
import { atomCount, regexTest, searchesDirectly, shortestBranchText } from './regex';

/**
 * Coverage analysis: does a filter pattern fire on every successful record of each required S3 change event,
 * whoever makes the call and whatever the incidental values, and on no benign look-alike?
 *
 * How "every record" is decided:
 * - JSON patterns, exactly, over the space of records CloudTrail can write for the event
 *   (rule/events/record-space.ts: the fields the event fixes, and for every other field what CloudTrail can put
 *   there, including absence for the fields it adds only sometimes). `coverage.ts` searches that space for a
 *   record the pattern does not match; one found is reported with the values that defeat the filter.
 * - Term, standalone-regex and space-delimited patterns see the raw text, which any byte of the record can
 *   change; they are checked against realistic record variants (other principals, regions, clients, buckets,
 *   policy documents that name S3 actions) and against hostile ones: a record whose caller-controlled text (the
 *   policy, the user agent) contains what the pattern excludes.
 * Over-broad means matching some record that is not an S3 bucket-configuration change (a successful write
 * management event of s3.amazonaws.com on a bucket): for JSON patterns decided over the spaces of reads, data
 * events and other services' records; for the others over the catalog's look-alikes and a record of another
 * service whose user agent carries the pattern's text. The catalog's matches are reported as examples.
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
  /** Missed events of which the filter matches no record at all (the others it matches only in part). */
  unmatchedEvents: string[];
  /** The coverage problem in one sentence fragment, as check reports it: "misses PutBucketPolicy records made by the root user". */
  missSummary: string;
  overBroad: boolean;
  /** One record the filter matches that is not an S3 bucket-configuration change, when over-broad. */
  overBroadExample?: string;
  /** Ids of the catalog's benign look-alike records the filter matches (examples, not the definition). */
  benignMatched: string[];
  /** Fires on a denied attempt too (CIS and Security Hub count attempts). */
  matchesFailedAttempts: boolean;
  /** Fires on the same change to an S3 Express directory bucket (eventSource s3express.amazonaws.com). */
  matchesDirectoryBucketChanges: boolean;
  /** The exact CIS 4.8 text (whitespace aside): the only form Security Hub CloudWatch.8 accepts. */
  securityHubExact: boolean;
  summary: string;
}

/**
 * Analyses are pure functions of their inputs and an evaluation asks for the same pattern several times (the
 * filter link, the alarm reads, every chain through the same log group): each distinct pattern is analysed once.
 */
const ANALYSIS_CACHE_SIZE = 256;
const analysisCache = new Map<string, FilterAnalysis>();

export function analyzeFilterPattern(
  pattern: string,
  requiredEvents: readonly string[] = POLICY_EVENT_NAMES,
  readings: Readings = DEFAULT_READINGS,
): FilterAnalysis {
  const key = JSON.stringify([pattern, requiredEvents, readings]);
  const cached = analysisCache.get(key);
  if (cached) return cached;
  const analysis = Object.freeze(analyze(pattern, [...requiredEvents], readings));
  if (analysisCache.size >= ANALYSIS_CACHE_SIZE) analysisCache.delete(analysisCache.keys().next().value!);
  analysisCache.set(key, analysis);
  return analysis;
}

function analyze(pattern: string, required: string[], readings: Readings): FilterAnalysis {
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
      unmatchedEvents: required,
      missSummary: 'has an invalid pattern',
      overBroad: false,
      benignMatched: [],
      matchesFailedAttempts: false,
      matchesDirectoryBucketChanges: false,
      securityHubExact,
      summary: `Invalid pattern: CloudWatch Logs would reject it (${error.message}).`,
    };
  }

  const missReasons: Record<string, string> = {};
  const missedRecords: Record<string, string> = {};
  const unmatchedEvents: string[] = [];
  // A budget of work for each question (coverage here, over-broad below): a pattern too hard to prove fails closed,
  // in bounded time, and a hard coverage proof does not leave over-broad unproven.
  const budget = new Budget(ANALYSIS_BUDGET);
  for (const eventName of required) {
    const miss = findMiss(parsed, eventName, readings, budget);
    if (!miss) continue;
    missReasons[eventName] = miss.reason;
    missedRecords[eventName] = miss.records;
    if (!miss.matchesSome) unmatchedEvents.push(eventName);
  }
  // The examples below are told, not judged: past their own budget an example counts as not matched.
  const exampleBudget = new Budget(ANALYSIS_BUDGET);
  const exampleMatches = (record: CloudTrailRecord) => {
    try {
      return recordMatches(parsed, record, readings, exampleBudget);
    } catch (error) {
      if (!(error instanceof TooComplexError)) throw error;
      return false;
    }
  };
  const benignMatched = BENIGN_RECORDS.filter((benign) => !required.includes(benign.eventName) && exampleMatches(benign.record)).map((benign) => benign.id);
  const overBroadExample = findOverBroad(parsed, required, readings, new Budget(ANALYSIS_BUDGET));
  // The attempt that matters most is an attempt to open a bucket: probe PutBucketPolicy when it is required.
  const probeEvent = required.includes('PutBucketPolicy') ? 'PutBucketPolicy' : required[0];
  const matchesFailedAttempts = probeEvent !== undefined && exampleMatches(failedAttemptRecord(probeEvent));
  const matchesDirectoryBucketChanges = probeEvent !== undefined && exampleMatches(directoryBucketChangeRecord(probeEvent));

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
    unmatchedEvents,
    missSummary: missSummary(missedEvents, unmatchedEvents, missedRecords, coveredEvents),
    overBroad: overBroadExample !== undefined,
    ...(overBroadExample ? { overBroadExample } : {}),
    benignMatched,
    matchesFailedAttempts,
    matchesDirectoryBucketChanges,
    securityHubExact,
    summary: '',
  };
  analysis.summary = summarize(analysis);
  return analysis;
}

function eventList(events: readonly string[]): string {
  return events.length <= 3 ? events.join(' or ') : `${events.length} required events (${events.join(', ')})`;
}

/** "matches no X record", or, for events it matches in part, "misses X records made by the root user". */
function missSummary(missed: readonly string[], unmatched: readonly string[], records: Record<string, string>, covered: readonly string[]): string {
  if (missed.length === 0) return '';
  const partial = missed.filter((name) => !unmatched.includes(name));
  const parts: string[] = [];
  if (unmatched.length > 0) parts.push(`matches no ${eventList(unmatched)} record`);
  for (const name of partial) parts.push(`misses ${name} records ${records[name]}`);
  if (covered.length > 0 && unmatched.length === missed.length) return `covers ${covered.join(', ')} but not ${missed.join(', ')}`;
  return `${covered.length > 0 ? `covers ${covered.join(', ')} but ` : ''}${parts.join('; ')}`;
}

function summarize(analysis: FilterAnalysis): string {
  const parts: string[] = [];
  if (analysis.coversRequiredEvents) parts.push(`Covers all ${analysis.requiredEvents.length} required events`);
  else parts.push(`${analysis.missSummary[0].toUpperCase()}${analysis.missSummary.slice(1)}`);
  const firstMiss = analysis.missedEvents[0];
  if (firstMiss) parts.push(`${firstMiss}: ${analysis.missReasons[firstMiss]}`);
  if (analysis.overBroad) parts.push(`over-broad: also matches ${analysis.overBroadExample}`);
  parts.push(analysis.matchesFailedAttempts ? 'counts denied attempts' : 'ignores denied attempts');
  parts.push(analysis.securityHubExact ? 'Security Hub CloudWatch.8 accepts this text' : 'Security Hub CloudWatch.8 will still fail (it demands the exact CIS text)');
  return `${parts.join('; ')}.`;
}

/** Matching a record object: JSON patterns read the object, the others its compact serialisation (A10). */
function recordMatches(pattern: FilterPattern, record: CloudTrailRecord, readings: Readings, budget: Budget): boolean {
  if (pattern.kind === 'json') return evaluateJson(pattern.expression, record, readings);
  return messageMatches(pattern, JSON.stringify(record), readings, budget);
}

/**
 * Matching a raw message within a budget: an expression whose automaton outgrew its bound is searched directly, at
 * a cost of its atoms for every character (a thousand-character expression of counted classes over a 2 KB record),
 * charged a unit per 8 atom-steps (about what a walk's step costs) so that a search over many records stays bounded.
 */
function messageMatches(pattern: FilterPattern, message: string, readings: Readings, budget: Budget): boolean {
  if (pattern.kind === 'regex' && searchesDirectly(pattern.regex)) budget.charge(Math.ceil((message.length * atomCount(pattern.regex)) / 8));
  return matchEvent(pattern, message, readings) !== undefined;
}

interface Miss {
  /** "does not match a PutBucketPolicy record whose $.userIdentity.type is \"Root\"" */
  reason: string;
  /** The records missed, in words: "made by the root user". */
  records: string;
  /** Whether the filter matches at least one record of the event. */
  matchesSome: boolean;
}

/** Why the pattern misses some successful record of the event, or undefined when it matches them all. */
function findMiss(pattern: FilterPattern, eventName: string, readings: Readings, budget: Budget): Miss | undefined {
  if (pattern.kind === 'json') return findJsonMiss(pattern.expression, changeSpace(eventName), readings, budget);
  // Built one at a time: a pattern with a hundred exclusions has two hostile records for each, and the first miss
  // (or the first match) settles the question.
  // The records built to defeat the pattern (text avoided, excluded text added, every character) are tried only for
  // a miss; whether it matches some record at all is told from the realistic variants.
  const variants = function* (defeating: boolean) {
    for (const { label, record } of changeRecordVariants(eventName)) yield { label: `made by ${label}`, message: JSON.stringify(record) };
    if (!defeating) return;
    yield* variedRecords(pattern, eventName, budget);
    yield* hostileVariants(pattern, eventName);
    yield sinkRecord(eventName);
  };
  const first = (matching: boolean) => {
    for (const variant of variants(!matching)) if (messageMatches(pattern, variant.message, readings, budget) === matching) return variant;
    return undefined;
  };
  let missed: ReturnType<typeof first>;
  try {
    missed = first(false);
  } catch (error) {
    return unproven(error);
  }
  if (!missed) return undefined;
  return { reason: `does not match a ${eventName} record ${missed.label}`, records: missed.label, matchesSome: matchesAny(() => first(true) !== undefined) };
}

/** The miss of a pattern the analysis could not prove within its budget: fail closed, saying why. */
function unproven(error: unknown): Miss {
  if (!(error instanceof TooComplexError)) throw error;
  return { reason: `cannot be proven: ${error.message}`, records: `that it cannot prove it matches (${error.message})`, matchesSome: true };
}

/** Whether the pattern matches some record of the event; taken as yes when that cannot be decided within the budget. */
function matchesAny(find: () => boolean): boolean {
  try {
    return find();
  } catch (error) {
    if (!(error instanceof TooComplexError)) throw error;
    return true;
  }
}

/**
 * Records whose caller-controlled text carries what the pattern excludes (issue 15 point 1): anyone can put any
 * string in a policy Condition or a User-Agent header, so an exclusion that text can spell lets the change
 * escape. JSON escaping is applied as CloudTrail writes the record, so a quote in the excluded text is honest.
 * Yielded as the record's serialisation (what term and space-delimited patterns read, A10).
 */
function* hostileVariants(pattern: FilterPattern, eventName: string): Generator<{ label: string; message: string }> {
  const texts = new Set<string>();
  if (pattern.kind === 'terms') for (const term of pattern.excluded) texts.add(term.text);
  if (pattern.kind === 'space') {
    for (const field of pattern.fields) {
      if (field.kind !== 'field') continue;
      for (const { op, value } of field.conditions) {
        if (op !== '!=') continue;
        if (value.kind === 'string') texts.add(value.text.replace(/^\*|\*$/g, ''));
        // An excluded expression: a shortest text it matches.
        if (value.kind === 'regex') texts.add(shortestBranchText(value.regex) ?? '');
      }
    }
  }
  const { policy, agent } = hostileMessages(eventName);
  for (const text of texts) {
    if (text.trim() === '') continue;
    const escaped = JSON.stringify(text).slice(1, -1);
    if (policy) yield { label: `whose policy text contains "${text}"`, message: policy.join(escaped) };
    yield { label: `whose user agent contains "${text}"`, message: agent.join(escaped) };
    yield* structuralSpellings(text, eventName);
  }
}

/**
 * Records whose raw text holds `text` where JSON's own characters spell part of it (F9): a quote ending or starting a
 * value (`evil"`, `":"evil`), a key the caller names (`zq":`), an escape CloudTrail writes for a control character
 * (`\t`). Each is checked to hold the text before it is offered.
 */
function* structuralSpellings(text: string, eventName: string): Generator<{ label: string; message: string }> {
  const unescaped = (fragment: string): string => {
    try {
      return JSON.parse(`"${fragment}"`) as string;
    } catch {
      return fragment;
    }
  };
  const pieces = [...new Set([text, ...text.split('"')].map(unescaped).filter((piece) => piece !== ''))];
  for (const piece of pieces) {
    const byAgent = s3ChangeRecord(eventName);
    byAgent.userAgent = piece;
    const byKey = s3ChangeRecord(eventName);
    (byKey.requestParameters as Record<string, unknown>)[piece] = 'x';
    for (const [label, record] of [[`whose user agent is ${JSON.stringify(piece)}`, byAgent], [`whose request carries a key ${JSON.stringify(piece)}`, byKey]] as const) {
      const message = JSON.stringify(record);
      if (message.includes(text)) yield { label, message };
    }
  }
}

/**
 * A record whose free text (the user agent, and a session context the space leaves open) carries every printable
 * ASCII character, a non-ASCII one, a nested list and a thousand characters: what an expression that forbids a
 * character, or counts, meets in a record the caller shapes.
 */
function sinkRecord(eventName: string): { label: string; message: string } {
  const sink = `${Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('')}é${'a'.repeat(1000)}`;
  const record = s3ChangeRecord(eventName);
  record.userAgent = sink;
  const identity = record.userIdentity as Record<string, unknown>;
  identity.sessionContext = { ...(identity.sessionContext as object), note: sink, list: ['y'] };
  return { label: 'whose user agent and session context carry every printable character, a non-ASCII one and a thousand characters', message: JSON.stringify(record) };
}

/**
 * Records in which every field CloudTrail varies avoids the text the pattern needs (F1–F4, F11): each optional field
 * absent, each other varying value replaced by one without that text (another account, partition, region, …), by
 * each kind of identity; and the same with spaces in the free-text values (they move a space-delimited pattern's
 * words). A raw-text pattern that needs text only such fields carry misses these records.
 */
function* variedRecords(pattern: FilterPattern, eventName: string, budget: Budget): Generator<{ label: string; message: string }> {
  const needed = neededBy(pattern);
  // For the label only: a removed field is named when it held a needed word (an expression is not run for a label).
  const appears = (text: string) => needed.words.some((word) => text.includes(word));
  const parts = identityParts(changeSpace(eventName));
  for (const spaced of pattern.kind === 'space' ? [false, true] : [false]) {
    for (const part of parts) {
      const record = structuredClone(part.base);
      const changed: string[] = [];
      const absent: string[] = [];
      const visit = (node: Record<string, unknown>, path: Array<string | number>) => {
        for (const key of Object.keys(node)) {
          const at = [...path, Array.isArray(node) ? Number(key) : key];
          const value = node[key];
          const rule = ruleFor(part, at);
          const leaf = value === null || typeof value !== 'object';
          // With spaces wanted, a value that holds one beats no value at all.
          const other = rule && (leaf || rule.domain.kind === 'open') ? valueAvoiding(rule, needed, value, spaced, budget) : value;
          if (spaced && typeof other === 'string' && other.includes(' ')) {
            node[key] = other;
            changed.push(`${pathText(at)} is ${JSON.stringify(other)}`);
          } else if (rule?.presence === 'sometimes' && !Array.isArray(node)) {
            delete node[key];
            if (appears(JSON.stringify({ [key]: value }))) absent.push(pathText(at));
          } else if (!leaf) visit(value as Record<string, unknown>, at);
          else if (other !== value) {
            node[key] = other;
            changed.push(`${pathText(at)} is ${JSON.stringify(other)}`);
          }
        }
      };
      visit(record, []);
      const by = part === parts[0] ? '' : `${madeBy(part.base)} `;
      const words = [absent.length > 0 ? `without ${absent.slice(0, 3).join(', ')}` : '', changed.length > 0 ? `whose ${changed.slice(0, 3).join(' and ')}` : ''].filter(Boolean);
      const label = `${by}${words.length > 0 ? words.join(' and ') : 'whose varying fields all take other values'}`;
      yield { label, message: JSON.stringify(record) };
    }
  }
}

const neededByPattern = new WeakMap<FilterPattern, Needed>();
/** What a raw-text pattern needs in a record: its terms, its fields' values and expressions, its expression (one object per pattern, so its automata are built once). */
function neededBy(pattern: FilterPattern): Needed {
  let needed = neededByPattern.get(pattern);
  if (!needed) neededByPattern.set(pattern, (needed = computeNeeded(pattern)));
  return needed;
}

function computeNeeded(pattern: FilterPattern): Needed {
  if (pattern.kind === 'terms') return { words: [...pattern.required, ...pattern.optional].map((term) => term.text).filter((text) => text.trim() !== ''), expressions: [] };
  if (pattern.kind === 'space') {
    const values = pattern.fields.flatMap((field) => (field.kind === 'field' ? field.conditions : [])).filter(({ op }) => op === '=').map(({ value }) => value);
    return {
      words: values.flatMap((value) => (value.kind === 'string' ? value.text.split('*').filter((text) => text !== '') : [])),
      expressions: values.flatMap((value) => (value.kind === 'regex' ? [value.regex] : [])),
    };
  }
  if (pattern.kind === 'regex') return { words: [], expressions: [pattern.regex] };
  return { words: [], expressions: [] };
}

const HOLE = '\u0000hole\u0000';
const hostileMessageCache = new Map<string, { policy?: string[]; agent: string[] }>();
/** An event's record serialised around the place the caller's text goes (split at it): in a policy Condition, when the call carries a policy, and in the user agent. */
function hostileMessages(eventName: string): { policy?: string[]; agent: string[] } {
  let messages = hostileMessageCache.get(eventName);
  if (!messages) {
    const record = s3ChangeRecord(eventName);
    const request = record.requestParameters as Record<string, unknown>;
    let policy: string[] | undefined;
    if (request.bucketPolicy) {
      const statements = (request.bucketPolicy as { Statement: unknown[] }).Statement;
      statements.push({ Sid: 'Note', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::example-bucket/*`, Condition: { StringLike: { 'aws:UserAgent': HOLE } } });
      policy = JSON.stringify(record).split(JSON.stringify(HOLE).slice(1, -1));
      statements.pop();
    }
    record.userAgent = `${HOLE} aws-cli/2.15.30`;
    messages = { policy, agent: JSON.stringify(record).split(JSON.stringify(HOLE).slice(1, -1)) };
    hostileMessageCache.set(eventName, messages);
  }
  return messages;
}

// ---------------------------------------------------------------- JSON: the record spaces

function findJsonMiss(expression: JsonExpression, space: RecordSpace, readings: Readings, budget: Budget): Miss | undefined {
  const eventName = space.base.eventName as string;
  // Who made the call fixes the form of userIdentity.arn: the space is searched part by part (F11).
  const parts = identityParts(space);
  let found: ReturnType<typeof findRecord>;
  try {
    found = findRecordInParts(expression, parts, false, readings, budget);
  } catch (error) {
    return unproven(error);
  }
  if (!found.choice) return undefined;
  // The space lets the resource's ARN vary apart from the bucket's name; shown, they agree when the miss allows it.
  const witness = found.model.recordFor(found.choice);
  const agreeing = agreeingRecords(witness).find((record) => !evaluateJson(expression, record, readings));
  const shown = witnessFields(found.model, found.choice, agreeing ?? witness);
  const matchesSome = matchesAny(() => findRecordInParts(expression, parts, true, readings, budget).choice !== undefined);
  if (shown.length === 0) return { reason: `does not match a successful ${eventName} record`, records: 'of any kind', matchesSome };
  return {
    reason: `does not match a ${eventName} record whose ${shown.map(({ path, value }) => `${path} is ${describeValue(value)}`).join(' and ')}`,
    records: shown.map(describeRecordBy).join(' and '),
    matchesSome,
  };
}

interface ShownField {
  path: string;
  value: JsonNode;
  noun?: string;
}

/** The values of a witness record that differ from the space's base record: what defeats (or trips) the filter. */
function witnessFields(model: SpaceModel, choice: readonly number[], record = model.recordFor(choice)): ShownField[] {
  const reference = model.space.reference ?? model.space.base;
  const fields = model.slots.map((slot) => ({ path: pathText(slot.path), value: valueAt(record, slot.path), base: valueAt(reference, slot.path), noun: slot.rule.noun }));
  // When the base record itself is the witness, every value the pattern reads is what defeats it.
  const changed = fields.filter(({ value, base }) => !sameValue(value, base));
  return (changed.length > 0 ? changed : fields).map(({ path, value, noun }) => ({ path, value, ...(noun ? { noun } : {}) }));
}

const IDENTITY_WORDS: Record<string, string> = {
  Root: 'the root user',
  IAMUser: 'an IAM user',
  AssumedRole: 'an assumed role',
  Role: 'a role',
  FederatedUser: 'a federated user',
  AWSAccount: 'another AWS account',
  AWSService: 'an AWS service',
  IdentityCenterUser: 'an IAM Identity Center user',
};

/** Who made a record, in words: "made by the root user". */
function madeBy(record: CloudTrailRecord): string {
  return describeRecordBy({ path: '$.userIdentity.type', value: (record.userIdentity as { type: string }).type });
}

function describeRecordBy({ path, value, noun }: ShownField): string {
  if (path === '$.userIdentity.type' && typeof value === 'string') return `made by ${IDENTITY_WORDS[value] ?? `a ${value} identity`}`;
  if (value === ABSENT) return `without ${path}`;
  if (noun && path === '$.addendum') return noun;
  if (noun && path === '$.sessionCredentialFromConsole') return noun;
  return noun ? `${noun} ${describeValue(value)}` : `whose ${path} is ${describeValue(value)}`;
}

function describeValue(value: JsonNode): string {
  if (value === ABSENT) return 'absent';
  return JSON.stringify(value);
}

function sameValue(a: JsonNode, b: JsonNode): boolean {
  return a === b || (a !== ABSENT && b !== ABSENT && JSON.stringify(a) === JSON.stringify(b));
}

// ---------------------------------------------------------------- over-broad

/** Whether a catalog record is itself a bucket-configuration change: a successful S3 write management event on a bucket. */
function isBucketChange(record: CloudTrailRecord): boolean {
  const request = record.requestParameters as Record<string, unknown> | null;
  return record.eventSource === 's3.amazonaws.com' && record.readOnly === false && record.managementEvent === true && record.errorCode === undefined && typeof request?.bucketName === 'string';
}

/** Other services' calls a mention record may be, by event source: one call each. */
const OTHER_CALLS: ReadonlyArray<readonly [string, string]> = [
  ['ec2.amazonaws.com', 'RunInstances'],
  ['sts.amazonaws.com', 'AssumeRole'],
  ['iam.amazonaws.com', 'ListRoles'],
  ['signin.amazonaws.com', 'ConsoleLogin'],
  ['kms.amazonaws.com', 'Decrypt'],
  ['lambda.amazonaws.com', 'ListFunctions20150331'],
];

/** One record the pattern matches that is not an S3 bucket-configuration change, in words, or undefined. */
function findOverBroad(pattern: FilterPattern, required: readonly string[], readings: Readings, budget: Budget): string | undefined {
  if (pattern.kind === 'json') {
    for (const space of nonChangeSpaces()) {
      let found: ReturnType<typeof findRecord>;
      try {
        found = findRecordInParts(pattern.expression, identityParts(space), true, readings, budget);
      } catch (error) {
        if (!(error instanceof TooComplexError)) throw error;
        return `records it cannot prove it does not match (${space.label}: ${error.message})`;
      }
      if (!found.choice) continue;
      const record = found.model.recordFor(found.choice);
      const shown = witnessFields(found.model, found.choice).filter(({ path }) => path !== '$.eventName' && path !== '$.eventSource');
      const extra = shown.length > 0 ? ` whose ${shown.map(({ path, value }) => `${path} is ${describeValue(value)}`).join(' and ')}` : '';
      const source = found.model.slots.some((slot) => slot.path.length === 1 && slot.path[0] === 'eventSource') || space.base.eventSource === 's3.amazonaws.com' ? String(record.eventSource) : 'another service';
      return `${article(String(record.eventName))} ${String(record.eventName)} record of ${source} (${space.label})${extra}`;
    }
    return undefined;
  }
  const examples = BENIGN_RECORDS.filter((benign) => !required.includes(benign.eventName) && !isBucketChange(benign.record)).map((benign) => ({
    label: `${article(benign.eventName)} ${benign.eventName} record of ${String(benign.record.eventSource)} (${benign.id})`,
    record: benign.record,
  }));
  // The text the pattern needs, in the user agent of a read, a data event or another service's call (F3, F7), made by
  // each kind of identity (F11): an exclusion that names one service's or one identity's text does not hide them all.
  const mention = mentionText(pattern);
  if (mention !== undefined) {
    for (const space of nonChangeSpaces()) {
      const calls = space.base.eventSource === 's3.amazonaws.com' ? [[space.base.eventSource, String(space.base.eventName)] as const] : OTHER_CALLS;
      for (const { base } of identityParts(space)) {
        for (const [eventSource, eventName] of calls) {
          const record: CloudTrailRecord = { ...structuredClone(base), eventSource, eventName, userAgent: mention };
          const by = base.userIdentity === space.base.userIdentity ? '' : ` ${madeBy(base)}`;
          examples.push({ label: `${article(eventName)} ${eventName} record of ${eventSource}${by} whose user agent is ${JSON.stringify(mention)}`, record });
        }
      }
    }
  }
  try {
    return examples.find(({ record }) => recordMatches(pattern, record, readings, budget))?.label;
  } catch (error) {
    if (!(error instanceof TooComplexError)) throw error;
    return `records it cannot prove it does not match (${error.message})`;
  }
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? 'an' : 'a';
}

/** Text that makes a term or regex pattern match wherever it appears: its terms, or a shortest match of its regex. */
function mentionText(pattern: FilterPattern): string | undefined {
  if (pattern.kind === 'terms') {
    const terms = pattern.required.length > 0 ? pattern.required : pattern.optional.slice(0, 1);
    return terms.length > 0 ? terms.map((term) => term.text).join(' ') : undefined;
  }
  if (pattern.kind === 'regex') {
    // A shortest match built from the expression's shortest branch, kept only when it really matches.
    const text = shortestBranchText(pattern.regex);
    return text !== undefined && regexTest(pattern.regex, text) ? text : undefined;
  }
  return undefined;
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
    const space = changeSpace(eventName);
    if (text.startsWith('$.')) {
      if (parsed.kind !== 'json') return { rises: false, reason: `metric value ${text} is a JSON field, but the pattern is not a JSON pattern` };
      let path: Array<string | number>;
      try {
        path = parseSelector(text).steps.map((step) => (step.kind === 'key' ? step.name : step.kind === 'index' ? step.index : '*'));
      } catch (error) {
        return { rises: false, reason: `metric value ${text} is not a valid field reference (${(error as Error).message})` };
      }
      const problem = path.includes('*') ? `a wildcard, which names no single value` : numericProblem(space, path, eventName);
      if (problem) return { rises: false, reason: `metric value ${text} is ${problem}, so the metric does not rise` };
      continue;
    }
    if (parsed.kind !== 'space') return { rises: false, reason: `metric value ${text} names a space-delimited field, but the pattern is not space-delimited` };
    const value = matchEvent(parsed, JSON.stringify(space.base))?.[text];
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!(number > 0)) {
      return { rises: false, reason: `metric value ${text} is ${value === undefined ? 'missing from' : 'not a positive number in'} ${eventName} events, so the metric does not rise` };
    }
  }
  return { rises: true };
}


/**
 * Why a field does not hold a positive number on every record of the event (F5): its range there comes from the
 * record space, not from one canonical record — a Delete request has no body, so it transfers 0 bytes in.
 */
function numericProblem(space: RecordSpace, path: ReadonlyArray<string | number>, eventName: string): string | undefined {
  const rule = ruleFor(space, path);
  if (!rule) {
    const value = valueAt(space.base, path);
    if (typeof value === 'number' && value > 0) return undefined;
    return value === ABSENT ? `missing from ${eventName} events` : `not a positive number in ${eventName} events`;
  }
  if (rule.domain.kind === 'string' && rule.domain.positiveNumeral && rule.presence === 'always') return undefined;
  if (rule.domain.kind === 'open' && valueAt(space.base, path) === ABSENT) return `missing from ${eventName} events`;
  if (rule.domain.kind !== 'number') return `not always a number in ${eventName} events`;
  if (rule.domain.min <= 0) return `${rule.domain.max <= 0 ? '' : 'as low as '}${rule.domain.min} in ${eventName} events${eventName.startsWith('Delete') ? ' (the request has no body)' : ''}`;
  if (rule.presence === 'sometimes') return `missing from some ${eventName} events`;
  return undefined;
}
