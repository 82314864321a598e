import { modelAlarm, statisticKind, ANY_VALUE, COMPARISONS, UNKNOWN_POSITIVE, type Publisher, type Range, type TreatMissingData } from '../alarm-model';
import { s3ChangeRecord } from '../events/catalog';
import { changeSpace, ruleFor } from '../events/record-space';
import type { AlarmSnapshot, MetricFilterSnapshot, MetricId, PublishingFilter } from '../snapshot';
import { metricText, type LinkReport } from './report';

/**
 * The alarm link: does the alarm watch what the filter publishes for every required event, and does it notify
 * the next change and the one after it (rule/alarm-model.ts), whatever else writes into its metric?
 */

export interface AlarmContext {
  /** The chain's filter, and its log group. */
  filter: MetricFilterSnapshot;
  logGroupName: string;
  /** Every filter of the region writing into the filter's metric name and namespace, the chain's own included. */
  publishers: PublishingFilter[];
  requiredEvents: readonly string[];
  /** "Now" (ISO 8601), for the alarm's current state. */
  readAt?: string;
  /** Whether a filter also matches records other than the required changes (the filter-pattern analysis). */
  matchesOtherRecords(filter: MetricFilterSnapshot): boolean;
}

export interface AlarmJudgement {
  link: LinkReport;
  /** The required events whose metric the alarm watches (all of them but for a per-value alarm on a dimension). */
  covers: string[];
}

const REVERSED: Record<string, string> = {
  GreaterThanThreshold: 'LessThanThreshold',
  GreaterThanOrEqualToThreshold: 'LessThanOrEqualToThreshold',
  LessThanThreshold: 'GreaterThanThreshold',
  LessThanOrEqualToThreshold: 'GreaterThanOrEqualToThreshold',
};

/** Metric-filter metrics are standard resolution: one datapoint per minute. */
const STANDARD_RESOLUTION_SECONDS = 60;
/** In ALARM for longer than this with nothing to explain it: the next change notifies nobody. */
const STUCK_MS = 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------- dimensions

/** The metrics a filter publishes for the required events: one per distinct value of its dimension fields. */
export type DimensionResolution = { metrics: { dimensions: Record<string, string>; events: string[] }[] } | { varying: string };

/**
 * A filter dimension is a field of the record, not a value: each distinct value is its own metric. A field every
 * required record fixes (`$.eventName`, `$.eventSource`) resolves to known values; one that varies from call to
 * call (who, which bucket) cannot be watched by a per-value alarm.
 */
export function resolveDimensions(filter: MetricFilterSnapshot, requiredEvents: readonly string[]): DimensionResolution {
  const entries = Object.entries(filter.metric.dimensions);
  if (entries.length === 0) return { metrics: [{ dimensions: {}, events: [...requiredEvents] }] };
  const byDimensions = new Map<string, { dimensions: Record<string, string>; events: string[] }>();
  for (const event of requiredEvents) {
    const dimensions: Record<string, string> = {};
    for (const [name, field] of entries) {
      const path = /^\$\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)$/.exec(field.trim())?.[1]?.split('.');
      if (!path) return { varying: `dimension ${name} takes ${field}, which this rule cannot resolve against the records` };
      // A path the record space lets vary (docs/aws-behaviour.md F-rows) gives a different metric per call.
      if (ruleFor(changeSpace(event), path)) return { varying: `dimension ${name} takes the value of ${field}, which differs from call to call` };
      const value = path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), s3ChangeRecord(event));
      if (value === undefined || value === null || typeof value === 'object') return { varying: `dimension ${name} takes ${field}, which ${event} records do not hold as a value` };
      dimensions[name] = String(value);
    }
    const key = JSON.stringify(Object.entries(dimensions).sort());
    const entry = byDimensions.get(key) ?? { dimensions, events: [] };
    entry.events.push(event);
    byDimensions.set(key, entry);
  }
  return { metrics: [...byDimensions.values()] };
}

// ---------------------------------------------------------------- what the alarm evaluates

interface WatchedMetric {
  kind: 'metric';
  metric: MetricId;
  stat: string;
  unit?: string;
  period?: number;
  /** The alarm compares scale × metric + offset; a missing datapoint becomes `fill` (metric math FILL). */
  scale: number;
  offset: number;
  fill?: number;
}

interface InsightsQuery {
  kind: 'insights';
  namespace: string;
  name: string;
  stat: string;
  /** FROM SCHEMA(namespace, keys...): only metrics with exactly these dimensions; undefined: FROM namespace, every metric. */
  schemaKeys?: string[];
  groupBy: string[];
  where: boolean;
  period?: number;
  query: string;
}

type Watched = WatchedMetric | InsightsQuery;

const INSIGHTS_STATISTICS: Record<string, string> = { SUM: 'Sum', MAX: 'Maximum', MIN: 'Minimum', AVG: 'Average', COUNT: 'SampleCount' };

/** `SELECT FUNC(metric) FROM SCHEMA("ns", keys) | FROM "ns" [WHERE ...] [GROUP BY ...] ...` (CloudWatch Metrics Insights). */
function parseInsightsQuery(query: string, period?: number): InsightsQuery | undefined {
  const match = /^\s*SELECT\s+(\w+)\s*\(\s*("?)([^")]+)\2\s*\)\s+FROM\s+(?:SCHEMA\s*\(([^)]*)\)|("?)([^\s"]+)\5)(.*)$/is.exec(query);
  if (!match) return undefined;
  const stat = INSIGHTS_STATISTICS[match[1]!.toUpperCase()];
  if (!stat) return undefined;
  const unquote = (text: string) => text.trim().replace(/^"(.*)"$/s, '$1');
  const schema = match[4]?.split(',').map(unquote);
  const rest = match[7] ?? '';
  const groupBy = /GROUP\s+BY\s+(.+?)(\s+ORDER\s+BY|\s+LIMIT|$)/is.exec(rest)?.[1]?.split(',').map(unquote) ?? [];
  return {
    kind: 'insights',
    namespace: schema ? schema[0]! : match[6]!,
    name: match[3]!.trim(),
    stat,
    ...(schema ? { schemaKeys: schema.slice(1) } : {}),
    groupBy,
    where: /\bWHERE\b/i.test(rest),
    ...(period !== undefined ? { period } : {}),
    query: query.trim(),
  };
}

/** Whether the alarm reads a metric of this namespace and name at all (standard, metric math or Metrics Insights). */
export function watchesMetricNamed(alarm: AlarmSnapshot, metric: MetricId): boolean {
  const same = (candidate: { namespace: string; name: string }) => candidate.namespace === metric.namespace && candidate.name === metric.name;
  if (alarm.metric) return same(alarm.metric);
  return (alarm.metrics ?? []).some((query) => {
    if (query.metricStat) return same(query.metricStat.metric);
    const insights = query.expression ? parseInsightsQuery(query.expression) : undefined;
    return insights !== undefined && same(insights);
  });
}

function watched(alarm: AlarmSnapshot): Watched | string {
  if (alarm.metric) {
    const stat = alarm.extendedStatistic ?? alarm.statistic;
    if (!stat) return 'has no statistic';
    return { kind: 'metric', metric: alarm.metric, stat, unit: alarm.unit, period: alarm.period, scale: 1, offset: 0 };
  }
  const queries = alarm.metrics ?? [];
  const results = queries.filter((query) => query.returnData === true);
  const result = results.length === 0 && queries.length === 1 ? queries[0] : results.length === 1 ? results[0] : undefined;
  if (!result) return 'is a metric-math alarm without a single query that returns data';
  if (result.metricStat) {
    const { metric, stat, unit, period } = result.metricStat;
    return { kind: 'metric', metric, stat, unit, period, scale: 1, offset: 0 };
  }
  const expression = result.expression ?? '';
  const insights = parseInsightsQuery(expression, result.period);
  if (insights) return insights;
  if (/^\s*SELECT\b/i.test(expression)) return `evaluates the Metrics Insights query "${expression}", whose form this rule does not read`;
  const affine = affineExpression(expression, queries);
  if (typeof affine === 'string') return affine;
  const plain = queries.find((query) => query.id === affine.id)!.metricStat!;
  return { kind: 'metric', metric: plain.metric, stat: plain.stat, unit: plain.unit, period: plain.period, scale: affine.scale, offset: affine.offset, ...(affine.fill !== undefined ? { fill: affine.fill } : {}) };
}

// ---------------------------------------------------------------- metric math

type Affine = { id: string; scale: number; offset: number; fill?: number };
type Term = Affine | { constant: number };

/**
 * A metric-math expression counts when it is `a × m + b` (a ≠ 0) of one metric query m, optionally `FILL(m, k)`:
 * comparing it with a threshold is comparing the metric with another one. Anything else (RATE, DIFF, another metric added in...) cannot be told.
 */
function affineExpression(expression: string, queries: NonNullable<AlarmSnapshot['metrics']>): Affine | string {
  const cannot = `evaluates the expression "${expression}", not the filter's metric itself, so whether one change fires it cannot be told`;
  const tokens = expression.match(/\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|[-+*/(),]/g) ?? [];
  if (tokens.join('') !== expression.replace(/\s+/g, '')) return cannot;
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const metricIds = new Set(queries.filter((query) => query.metricStat).map((query) => query.id));
  const combine = (a: Term, b: Term, op: string): Term | undefined => {
    if ('constant' in a && 'constant' in b) return { constant: op === '+' ? a.constant + b.constant : op === '-' ? a.constant - b.constant : op === '*' ? a.constant * b.constant : a.constant / b.constant };
    if (op === '+' || op === '-') {
      const sign = op === '-' ? -1 : 1;
      if ('constant' in b) return { ...(a as Affine), offset: (a as Affine).offset + sign * b.constant };
      if ('constant' in a) return { ...b, scale: sign * b.scale, offset: a.constant + sign * b.offset };
      return undefined;
    }
    if (op === '*') {
      if ('constant' in b) return { ...(a as Affine), scale: (a as Affine).scale * b.constant, offset: (a as Affine).offset * b.constant };
      if ('constant' in a) return { ...b, scale: b.scale * a.constant, offset: b.offset * a.constant };
      return undefined;
    }
    if ('constant' in b && b.constant !== 0) return { ...(a as Affine), scale: (a as Affine).scale / b.constant, offset: (a as Affine).offset / b.constant };
    return undefined;
  };
  const factor = (): Term | undefined => {
    const token = next();
    if (token === undefined) return undefined;
    if (token === '-') {
      const inner = factor();
      return inner && combine({ constant: 0 }, inner, '-');
    }
    if (token === '(') {
      const inner = sum();
      return next() === ')' ? inner : undefined;
    }
    if (/^\d/.test(token)) return { constant: Number(token) };
    if (token.toUpperCase() === 'FILL' && next() === '(') {
      const inner = sum();
      if (next() !== ',') return undefined;
      const value = factor();
      if (next() !== ')' || !inner || 'constant' in inner || !value || !('constant' in value)) return undefined;
      // k replaces the inner expression's value, so the metric's value it stands for is (k − b) / a.
      return { ...inner, fill: (value.constant - inner.offset) / inner.scale };
    }
    if (metricIds.has(token)) return { id: token, scale: 1, offset: 0 };
    return undefined;
  };
  // Left-associative runs of one precedence level: products of factors, sums of products.
  const run = (operand: () => Term | undefined, operators: string[]) => (): Term | undefined => {
    let left = operand();
    while (left && operators.includes(peek() ?? '')) {
      const op = next()!;
      const right = operand();
      left = right && combine(left, right, op);
    }
    return left;
  };
  const product = run(factor, ['*', '/']);
  const sum = run(product, ['+', '-']);
  const term = sum();
  if (!term || position !== tokens.length || 'constant' in term || !Number.isFinite(term.scale)) return cannot;
  if (term.scale === 0) return `evaluates the expression "${expression}", which does not change when the filter's metric rises`;
  return term;
}

// ---------------------------------------------------------------- the judgement

export function judgeAlarm(alarm: AlarmSnapshot, context: AlarmContext): AlarmJudgement {
  const subject = `alarm "${alarm.name}"`;
  const broken = (detail: string, covers: string[] = []): AlarmJudgement => ({ link: { link: 'alarm', status: 'broken', subject, detail }, covers });
  const what = watched(alarm);
  if (typeof what === 'string') return broken(what);
  const filter = context.filter;
  const resolution = resolveDimensions(filter, context.requiredEvents);
  const coverage = coveredEvents(what, context, resolution);
  if (typeof coverage === 'string') return broken(coverage);

  const problems: string[] = [];
  if (!alarm.actionsEnabled) problems.push('has its actions disabled (ActionsEnabled=false)');
  if (what.period !== undefined && what.period < STANDARD_RESOLUTION_SECONDS) {
    problems.push(
      `has a period of ${what.period} s, but a metric filter publishes standard-resolution data (one datapoint a minute), so most ${what.period}-second periods of a change have no data: use a period of 60 s or a multiple of it`,
    );
  }
  const comparison = COMPARISONS[alarm.comparisonOperator];
  if (alarm.thresholdMetricId || !comparison || alarm.threshold === undefined) {
    problems.push(`compares with an anomaly-detection band (${alarm.comparisonOperator}), which a single change need not leave`);
    return broken(problems.join('; '), coverage.events);
  }
  const publishedUnit = filter.metric.unit ?? 'None';
  if (what.kind === 'metric' && what.unit && what.unit !== publishedUnit) {
    problems.push(`asks for unit ${what.unit}, but the filter publishes ${publishedUnit}, so the alarm sees no data`);
  }
  const kind = statisticKind(what.stat);
  if (!kind) return broken([...problems, `uses statistic ${what.stat}, for which whether one change fires the alarm cannot be told`].join('; '), coverage.events);
  if (kind === 'Between' && what.stat !== 'Average' && alarm.evaluateLowSampleCountPercentile === 'ignore') {
    problems.push('ignores periods with few samples (EvaluateLowSampleCountPercentile=ignore), and one change is one sample');
  }
  const scale = what.kind === 'metric' ? what.scale : 1;
  const offset = what.kind === 'metric' ? what.offset : 0;
  const treatMissingData = (alarm.treatMissingData ?? 'missing') as TreatMissingData;
  const fill = what.kind === 'metric' ? what.fill : undefined;
  const model = modelAlarm({
    settings: {
      stat: what.stat,
      kind,
      // a × m + b compared with t is m compared with (t − b) / a, the comparison reversed when a < 0.
      comparisonOperator: scale < 0 ? REVERSED[alarm.comparisonOperator]! : alarm.comparisonOperator,
      threshold: (alarm.threshold - offset) / scale,
      evaluationPeriods: alarm.evaluationPeriods,
      datapointsToAlarm: alarm.datapointsToAlarm ?? alarm.evaluationPeriods,
      treatMissingData,
      ...(fill !== undefined ? { missingFill: fill } : {}),
    },
    filter: { label: 'the filter', value: valueRange(filter.metric.value, UNKNOWN_POSITIVE), ...defaultOf(filter), matchesOtherRecords: false },
    others: coverage.others.map((other) => ({
      label: `filter "${other.name}" of log group ${other.logGroupName}`,
      value: valueRange(other.metric.value, ANY_VALUE),
      ...defaultOf(other),
      matchesOtherRecords: context.matchesOtherRecords(other),
    })),
  });
  if (!model.notifiesEveryChange) problems.push(model.problem!);
  const state = stateProblem(alarm, context.readAt);
  if (state.problem) problems.push(state.problem);
  if (problems.length) return broken(problems.join('; '), coverage.events);

  const period = what.period ? ` per ${what.period} s` : '';
  const datapoints = alarm.datapointsToAlarm ?? alarm.evaluationPeriods;
  const when = datapoints > 1 ? `, ${datapoints} periods after it, as the newer periods are missing` : '';
  const via = what.kind === 'insights' ? ` of Metrics Insights "${what.query}"` : scale !== 1 || offset !== 0 || fill !== undefined ? ' of its metric-math expression' : '';
  const others = coverage.others.length ? `; ${coverage.others.length} other filter${coverage.others.length === 1 ? '' : 's'} writing into the metric cannot keep it there` : '';
  return {
    link: {
      link: 'alarm',
      status: 'ok',
      subject,
      detail: `goes to ALARM on one change (${what.stat}${via} ${comparison.symbol} ${alarm.threshold}${period}${when}) and again on the next (TreatMissingData=${treatMissingData})${coverage.note}${others}${state.note}`,
    },
    covers: coverage.events,
  };
}

function valueRange(value: string, field: Range): Range {
  const literal = Number(value);
  return value.trim() !== '' && Number.isFinite(literal) ? { low: literal, high: literal } : field;
}

function defaultOf(filter: MetricFilterSnapshot): Pick<Publisher, 'defaultValue'> {
  return filter.metric.defaultValue !== undefined ? { defaultValue: filter.metric.defaultValue } : {};
}

function sameDimensions(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((key) => b.includes(key));
}

/**
 * Which required events' metrics the alarm watches, the other filters writing into what it watches, and a note for
 * the report; or why it watches none.
 */
function coveredEvents(what: Watched, context: AlarmContext, resolution: DimensionResolution): { events: string[]; others: PublishingFilter[]; note: string } | string {
  return what.kind === 'metric' ? coveredByMetric(what, context, resolution) : coveredByInsights(what, context, resolution);
}

/** The other filters writing into what the alarm watches: the chain's own filter excluded. */
function othersOf(context: AlarmContext, keep: (candidate: PublishingFilter) => boolean): PublishingFilter[] {
  const own = context.filter;
  return context.publishers.filter(
    (candidate) => !(candidate.logGroupName === context.logGroupName && candidate.name === own.name && candidate.pattern === own.pattern) && keep(candidate),
  );
}

function coveredByMetric(what: WatchedMetric, context: AlarmContext, resolution: DimensionResolution): { events: string[]; others: PublishingFilter[]; note: string } | string {
  const filter = context.filter;
  const dimensionKeys = Object.keys(filter.metric.dimensions);
  if ('varying' in resolution) {
    return `watches ${metricText(what.metric)}, but the filter's ${resolution.varying}: every change lands in a metric of its own, so an alarm on one value misses the others (use a Metrics Insights alarm such as SELECT SUM(${filter.metric.name}) FROM SCHEMA("${filter.metric.namespace}", ${dimensionKeys.join(', ')}) that aggregates them)`;
  }
  const match = resolution.metrics.find((metric) => sameDimensions(metric.dimensions, what.metric.dimensions));
  if (!match) {
    const published = resolution.metrics.map((metric) => metricText({ ...filter.metric, dimensions: metric.dimensions })).join(' and ');
    return `watches ${metricText(what.metric)}, but the filter publishes ${published}: the alarm's metric never gets data (dimensions must match exactly)`;
  }
  const others = othersOf(context, (candidate) => sameKeys(Object.keys(candidate.metric.dimensions), dimensionKeys));
  const missed = resolution.metrics.filter((metric) => metric !== match);
  const note = missed.length
    ? `; it watches only ${match.events.join(', ')}: ${missed.map((metric) => `${metric.events.join(', ')} ${metric.events.length === 1 ? 'goes' : 'go'} to ${metricText({ ...filter.metric, dimensions: metric.dimensions })}`).join('; ')}`
    : '';
  return { events: match.events, others, note };
}

function coveredByInsights(what: InsightsQuery, context: AlarmContext, resolution: DimensionResolution): { events: string[]; others: PublishingFilter[]; note: string } | string {
  const filter = context.filter;
  const dimensionKeys = Object.keys(filter.metric.dimensions);
  if (what.namespace !== filter.metric.namespace || what.name !== filter.metric.name) return `queries ${what.namespace}/${what.name}, not the filter's metric`;
  if (what.schemaKeys && !sameKeys(what.schemaKeys, dimensionKeys)) {
    return `queries SCHEMA(${[what.namespace, ...what.schemaKeys].join(', ')}), which holds only metrics with exactly those dimensions, but the filter publishes ${metricText(filter.metric)}`;
  }
  if (what.where) return `narrows its Metrics Insights query with WHERE, so whether every change's series is kept cannot be told ("${what.query}")`;
  const perSeries = what.groupBy.length > 0;
  if (perSeries && !('varying' in resolution) && what.groupBy.some((key) => !dimensionKeys.includes(key))) {
    return `groups by ${what.groupBy.join(', ')}, which the filter's metric does not have as dimensions`;
  }
  const others = othersOf(context, (candidate) => (what.schemaKeys ? sameKeys(Object.keys(candidate.metric.dimensions), dimensionKeys) : true));
  const note = perSeries ? `; one series per ${what.groupBy.join(', ')}, each alarming on its own` : dimensionKeys.length ? `; it adds up every ${dimensionKeys.join(', ')} value` : '';
  return { events: [...context.requiredEvents], others, note };
}

function stateProblem(alarm: AlarmSnapshot, readAt: string | undefined): { problem?: string; note: string } {
  if (alarm.stateValue !== 'ALARM' || !alarm.stateUpdatedTimestamp) return { note: '' };
  const since = alarm.stateUpdatedTimestamp;
  if (readAt !== undefined && Date.parse(readAt) - Date.parse(since) > STUCK_MS) {
    return {
      problem: `has been in ALARM since ${since}, more than a day: something keeps its metric breaching (a writer this rule cannot see, such as PutMetricData), so the next change notifies nobody until it returns to OK`,
      note: '',
    };
  }
  return { note: `; it is in ALARM now (since ${since}): a change before it returns to OK notifies nobody` };
}
