import { ArnError, isSnsTopicArn, parseLogGroupArn, parseTopicArn, parseTrailArn, type LogGroupRef } from './arn';
import { isSecurityHubExactText } from './events/canonical';
import { analyzeFilterPattern, analyzeMetricValue, type FilterAnalysis } from './filter-pattern';
import type { RuleParameters } from './parameters';
import type {
  AccountParts,
  AccountSnapshot,
  AdvancedEventSelector,
  AlarmSnapshot,
  EventSelectors,
  LogGroupSnapshot,
  MetricFilterSnapshot,
  MetricId,
  TopicSnapshot,
  TrailOwnerSnapshot,
  TrailSnapshot,
} from './snapshot';

/**
 * The verdict, decided from a snapshot alone (pure): is there one complete chain
 * trail -> CloudWatch Logs delivery -> metric filter -> alarm -> SNS topic with a subscriber?
 * Every chain the account offers is reported link by link; the annotation describes the complete chain, or
 * the most complete one and where it breaks.
 */

export type Compliance = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';
export type LinkKind = 'trail' | 'delivery' | 'filter' | 'alarm' | 'notification';
export const LINK_KINDS: readonly LinkKind[] = ['trail', 'delivery', 'filter', 'alarm', 'notification'];

export interface LinkReport {
  link: LinkKind;
  status: 'ok' | 'broken' | 'not-applicable';
  /** What the link is (`Trail main`, `filter "s3-policy"`); absent when the link has nothing to name. */
  subject?: string;
  /** What holds or breaks, continuing the subject: `is not logging`. */
  detail: string;
}

export interface ChainReport {
  status: 'complete' | 'broken' | 'not-applicable';
  /** From the trail on, as far as the chain could be followed. */
  links: LinkReport[];
  trailArn: string;
  /** Set when the chain was followed in the trail owner's account (TrailOwnerReadRoleName), not the evaluated one. */
  readInAccount?: string;
  logGroupArn?: string;
  filterName?: string;
  alarmArn?: string;
  topicArn?: string;
  filterPattern?: string;
}

export interface Verdict {
  compliance: Compliance;
  /** At most 256 characters (AWS Config's limit). */
  annotation: string;
  chains: ChainReport[];
  /** When COMPLIANT with a filter Security Hub CloudWatch.8 will not accept. */
  securityHubNote?: string;
}

export const MAX_ANNOTATION_LENGTH = 256;

export function evaluateAccount(snapshot: AccountSnapshot, parameters: RuleParameters): Verdict {
  const chains = new ChainBuilder(snapshot, parameters).build();
  const complete = chains.find((chain) => chain.status === 'complete');
  if (complete) {
    return {
      compliance: 'COMPLIANT',
      annotation: fitAnnotation(
        complete.links.map(subjectOf),
        `${changesText(parameters.requiredEvents)} raise this alarm, which reaches a subscriber`,
        'every required change raises this alarm, which reaches a subscriber',
        readInLead(complete),
      ),
      chains,
      ...securityHubNote(complete),
    };
  }
  const foreign = chains.find((chain) => chain.status === 'not-applicable');
  if (foreign) return { compliance: 'NOT_APPLICABLE', annotation: fitAnnotation([], sentence(foreign.links[0]!)), chains };
  if (chains.length === 0) {
    return {
      compliance: 'NON_COMPLIANT',
      annotation: `No CloudTrail trail is visible from ${snapshot.region}, so S3 bucket policy changes are not recorded: create a multi-region trail that sends management events to CloudWatch Logs`,
      chains,
    };
  }
  return { compliance: 'NON_COMPLIANT', annotation: brokenChainAnnotation(byCompleteness(chains)[0]!), chains };
}

/** Whether a filter catches at least one required event, so that its alarms are worth reading. */
export function catchesRequiredEvent(filter: MetricFilterSnapshot, parameters: RuleParameters): boolean {
  return analyzeFilterPattern(filter.pattern, parameters.requiredEvents).coveredEvents.length > 0;
}

/** `Namespace/Name{Dim=Value}`, as a person finds the metric in the console. */
export function metricText(metric: MetricId): string {
  const dimensions = Object.entries(metric.dimensions);
  const suffix = dimensions.length === 0 ? '' : `{${dimensions.map(([name, value]) => `${name}=${value}`).join(', ')}}`;
  return `${metric.namespace}/${metric.name}${suffix}`;
}

// ---------------------------------------------------------------- chains

/** Enumerates the chains an account offers, trail by trail, judging each link on the way. */
class ChainBuilder {
  private readonly analyses = new Map<string, FilterAnalysis>();

  constructor(
    private readonly snapshot: AccountSnapshot,
    private readonly parameters: RuleParameters,
  ) {}

  build(): ChainReport[] {
    const chains: ChainReport[] = [];
    for (const trail of this.snapshot.trails) {
      const readIn = this.readIn(trail);
      if (!readIn) {
        chains.push({ status: 'not-applicable', links: [this.foreignTrail(trail)], trailArn: trail.arn });
        continue;
      }
      const { parts, owner } = readIn;
      const base = { trailArn: trail.arn, ...(owner ? { readInAccount: owner.accountId } : {}) };
      const trailLink = judgeTrail(trail, this.parameters, owner);
      const delivery = this.delivery(trail, parts);
      if (!delivery.logGroup) {
        chains.push(chain(base, [trailLink, delivery.link]));
        continue;
      }
      const logGroup = delivery.logGroup;
      const toLogGroup = { ...base, logGroupArn: logGroup.arn };
      for (const filterStep of this.filterSteps(logGroup)) {
        const filter = filterStep.filter;
        const toFilter = { ...toLogGroup, filterName: filter?.name, filterPattern: filter?.pattern };
        if (!filter || !filterStep.followAlarms) {
          chains.push(chain(toFilter, [trailLink, delivery.link, filterStep.link]));
          continue;
        }
        for (const alarmStep of this.alarmSteps(filter, logGroup, parts)) {
          const alarm = alarmStep.alarm;
          const toAlarm = { ...toFilter, alarmArn: alarm?.arn };
          if (!alarm) {
            chains.push(chain(toAlarm, [trailLink, delivery.link, filterStep.link, alarmStep.link]));
            continue;
          }
          for (const notification of this.notificationSteps(alarm, parts)) {
            chains.push(
              chain({ ...toAlarm, topicArn: notification.topicArn }, [trailLink, delivery.link, filterStep.link, alarmStep.link, notification.link]),
            );
          }
        }
      }
    }
    return chains;
  }

  /**
   * Where the rest of the trail's chain was read: this account for its own trails, the owner's account for a trail
   * of another account read through TrailOwnerReadRoleName; undefined for one that was not read.
   */
  private readIn(trail: TrailSnapshot): { parts: AccountParts; owner?: TrailOwnerSnapshot } | undefined {
    const account = parseTrailArn(trail.arn).accountId;
    if (account === this.snapshot.accountId) return { parts: this.snapshot };
    const owner = this.snapshot.trailOwners?.find((candidate) => candidate.accountId === account);
    return owner && { parts: owner, owner };
  }

  /** A trail of another account (an organization trail seen from a member), not read there: not this account's to judge. */
  private foreignTrail(trail: TrailSnapshot): LinkReport {
    const owner = parseTrailArn(trail.arn).accountId;
    const kind = trail.isOrganizationTrail ? 'an organization trail' : 'a trail';
    return {
      link: 'trail',
      status: 'not-applicable',
      subject: `Trail ${trail.name}`,
      detail: `is ${kind} of account ${owner}: its log group, filter and alarm are that account's, and are judged there (or from here with the rule parameter TrailOwnerReadRoleName), not in ${this.snapshot.accountId}`,
    };
  }

  private delivery(trail: TrailSnapshot, parts: AccountParts): { link: LinkReport; logGroup?: LogGroupSnapshot } {
    const broken = (detail: string, subject?: string) => ({ link: { link: 'delivery', status: 'broken', subject, detail } as LinkReport });
    if (!trail.cloudWatchLogsLogGroupArn) return broken('sends no events to CloudWatch Logs (the trail has no CloudWatchLogsLogGroupArn)');
    let ref: LogGroupRef;
    try {
      ref = parseLogGroupArn(trail.cloudWatchLogsLogGroupArn);
    } catch (error) {
      if (error instanceof ArnError) return broken(`sends its events to a destination this rule cannot follow: ${error.message}`);
      throw error;
    }
    const subject = `log group ${ref.name}${ref.region === this.snapshot.region ? '' : ` (${ref.region})`}`;
    const trailPartition = parseTrailArn(trail.arn).partition;
    if (ref.partition !== trailPartition) {
      return broken(
        `is in partition ${ref.partition}, but the trail is in ${trailPartition}: CloudTrail cannot deliver across partitions, so it receives nothing (its filters were not read)`,
        subject,
      );
    }
    if (ref.accountId !== parts.accountId) {
      return broken(`is in account ${ref.accountId}, not ${parts.accountId}, so its filters cannot be read here`, subject);
    }
    const logGroup = parts.logGroups.find((group) => group.arn === ref.arn);
    if (!logGroup) throw new Error(`incomplete snapshot: log group ${ref.arn} of trail ${trail.name} was not read`);
    if (!logGroup.exists) return broken(`does not exist in ${ref.region} (account ${ref.accountId})`, subject);
    const problems: string[] = [];
    if (!trail.cloudWatchLogsRoleArn) problems.push('receives nothing: the trail has no CloudWatchLogsRoleArn to deliver with');
    const deliveryError = trail.status?.latestCloudWatchLogsDeliveryError;
    if (deliveryError) problems.push(`receives nothing: CloudTrail fails to deliver (${deliveryError})`);
    const link: LinkReport = problems.length
      ? { link: 'delivery', status: 'broken', subject, detail: problems.join('; ') }
      : { link: 'delivery', status: 'ok', subject, detail: `receives the trail's events (${ref.arn})` };
    return { link, logGroup };
  }

  private filterSteps(logGroup: LogGroupSnapshot): { link: LinkReport; filter?: MetricFilterSnapshot; followAlarms?: boolean }[] {
    const required = this.parameters.requiredEvents;
    // Filters for other purposes (root logins, IAM changes...) are not chains of this rule; a filter is one if it
    // catches a required event or at least names one (an AND-ed pattern that can never fire, say).
    const candidates = logGroup.filters.filter(
      (filter) => this.analysisOf(filter).coveredEvents.length > 0 || required.some((name) => filter.pattern.includes(name)),
    );
    if (candidates.length === 0) {
      const count = logGroup.filters.length;
      const detail =
        count === 0
          ? `has no metric filter: add one that matches ${eventsText(required)}`
          : `has ${count} metric filter${count === 1 ? '' : 's'}, none of which matches ${eventsText(required)}: add one that does`;
      return [{ link: { link: 'filter', status: 'broken', detail } }];
    }
    return candidates.map((filter) => {
      const analysis = this.analysisOf(filter);
      return { link: judgeFilter(filter, analysis, this.parameters), filter, followAlarms: analysis.coveredEvents.length > 0 };
    });
  }

  private alarmSteps(filter: MetricFilterSnapshot, logGroup: LogGroupSnapshot, parts: AccountParts): { link: LinkReport; alarm?: AlarmSnapshot }[] {
    const region = logGroup.region;
    const alarms = parts.alarms.filter((alarm) => alarm.region === region && watchesMetricNamed(alarm, filter.metric));
    if (alarms.length === 0) {
      const searchedMath = parts.alarmSearches.some((search) => search.region === region && search.metricMath);
      return [
        {
          link: {
            link: 'alarm',
            status: 'broken',
            detail: `has no alarm in ${region} on its metric ${metricText(filter.metric)}${searchedMath ? ' (standard or metric-math)' : ''}: alarms must be in the log group's region`,
          },
        },
      ];
    }
    return alarms.map((alarm) => ({ link: judgeAlarm(alarm, filter), alarm }));
  }

  private notificationSteps(alarm: AlarmSnapshot, parts: AccountParts): { link: LinkReport; topicArn?: string }[] {
    const topicArns = alarm.alarmActions.filter(isSnsTopicArn);
    if (topicArns.length === 0) {
      const others = alarm.alarmActions.length ? ` (its actions: ${alarm.alarmActions.join(', ')})` : ' (AlarmActions is empty)';
      return [{ link: { link: 'notification', status: 'broken', detail: `notifies no SNS topic${others}` } }];
    }
    return topicArns.map((topicArn) => {
      try {
        parseTopicArn(topicArn);
      } catch (error) {
        if (!(error instanceof ArnError)) throw error;
        const link: LinkReport = { link: 'notification', status: 'broken', detail: `notifies a destination this rule cannot follow: ${error.message}` };
        return { link, topicArn };
      }
      const topic = parts.topics.find((candidate) => candidate.arn === topicArn);
      if (!topic) throw new Error(`incomplete snapshot: topic ${topicArn} of alarm ${alarm.name} was not read`);
      return { link: judgeTopic(topic, parts.accountId, this.parameters), topicArn };
    });
  }

  private analysisOf(filter: MetricFilterSnapshot): FilterAnalysis {
    let analysis = this.analyses.get(filter.pattern);
    if (!analysis) {
      analysis = analyzeFilterPattern(filter.pattern, this.parameters.requiredEvents);
      this.analyses.set(filter.pattern, analysis);
    }
    return analysis;
  }
}

type ChainRefs = Omit<ChainReport, 'status' | 'links'>;

function chain(refs: ChainRefs, links: LinkReport[]): ChainReport {
  const complete = links.length === LINK_KINDS.length && links.every((link) => link.status === 'ok');
  const defined = Object.fromEntries(Object.entries(refs).filter(([, value]) => value !== undefined)) as ChainRefs;
  return { status: complete ? 'complete' : 'broken', links, ...defined };
}

// ---------------------------------------------------------------- trail

/** `owner`: the trail owner's account, when the trail is another account's, read through its role. */
function judgeTrail(trail: TrailSnapshot, parameters: RuleParameters, owner?: TrailOwnerSnapshot): LinkReport {
  if (!trail.status || !trail.selectors) throw new Error(`incomplete snapshot: status and event selectors of trail ${trail.name} were not read`);
  const problems: string[] = [];
  if (parameters.requireMultiRegionTrail && !trail.isMultiRegionTrail) {
    problems.push(`is a single-region trail (${trail.homeRegion}): bucket policy changes in other regions are not recorded (RequireMultiRegionTrail=true)`);
  }
  if (!trail.status.isLogging) problems.push('is not logging (run StartLogging)');
  const selectorProblem = managementWriteProblem(trail.selectors, parameters.requiredEvents);
  if (selectorProblem) problems.push(selectorProblem);
  const subject = `Trail ${trail.name}`;
  if (problems.length) return { link: 'trail', status: 'broken', subject, detail: problems.join('; ') };
  const scope = trail.isMultiRegionTrail ? 'multi-region' : `single-region (${trail.homeRegion})`;
  const whose = owner ? `${trail.isOrganizationTrail ? 'an organization trail' : 'a trail'} of account ${owner.accountId} (read through ${owner.roleArn}), ` : '';
  return { link: 'trail', status: 'ok', subject, detail: `is ${whose}${scope}, logging, and records management write events` };
}

/** Why the trail's event selectors drop S3 management write events, or undefined when they keep them all. */
function managementWriteProblem(selectors: EventSelectors, requiredEvents: readonly string[]): string | undefined {
  if (selectors.advanced.length > 0) return advancedSelectorProblem(selectors.advanced, requiredEvents);
  if (selectors.classic.length === 0) return 'records no events (it has no event selectors)';
  const management = selectors.classic.filter((selector) => selector.includeManagementEvents !== false);
  if (management.length === 0) return 'records no management events (IncludeManagementEvents is false)';
  const writes = management.filter((selector) => (selector.readWriteType ?? 'All') !== 'ReadOnly');
  if (writes.length === 0) return 'records only read-only management events (ReadWriteType ReadOnly), not bucket policy changes';
  if (writes.every((selector) => selector.excludeManagementEventSources?.includes(S3_EVENT_SOURCE))) {
    return `excludes ${S3_EVENT_SOURCE} management events (ExcludeManagementEventSources)`;
  }
  return undefined;
}

const S3_EVENT_SOURCE = 's3.amazonaws.com';

/** The advanced-selector fields of a successful S3 management write event; any other field varies between calls. */
function managementWriteFields(eventName: string): Record<string, string> {
  return { eventCategory: 'Management', readOnly: 'false', eventSource: S3_EVENT_SOURCE, eventName, eventType: 'AwsApiCall' };
}

function advancedSelectorProblem(selectors: AdvancedEventSelector[], requiredEvents: readonly string[]): string | undefined {
  const dropping = (selector: AdvancedEventSelector, eventName: string) =>
    selector.fieldSelectors.find((field) => !fieldSelectorMatches(field, managementWriteFields(eventName)));
  const missed = requiredEvents.filter((eventName) => !selectors.some((selector) => dropping(selector, eventName) === undefined));
  if (missed.length === 0) return undefined;
  const management = selectors.filter((selector) =>
    selector.fieldSelectors.some((field) => field.field === 'eventCategory' && (field.equals ?? []).includes('Management')),
  );
  if (management.length === 0) return 'records no management events (no advanced event selector has eventCategory Equals Management)';
  const reasons = management.map((selector) => {
    const field = dropping(selector, missed[0]!)!;
    return `selector "${selector.name ?? 'unnamed'}" keeps only ${conditionText(field)}`;
  });
  return `does not record ${missed.join(', ')} (advanced event ${reasons.join('; ')})`;
}

type FieldSelector = AdvancedEventSelector['fieldSelectors'][number];

/**
 * An advanced field selector on a record: positive operators (Equals, StartsWith, EndsWith) need one value to
 * hold, negative ones (NotEquals, NotStartsWith, NotEndsWith) need every value to hold. A condition on a field
 * the record does not fix (who made the call, which bucket) keeps only some of the changes.
 */
function fieldSelectorMatches(field: FieldSelector, record: Record<string, string>): boolean {
  const value = record[field.field];
  if (value === undefined) return false;
  const positive = [
    ...(field.equals ?? []).map((x) => value === x),
    ...(field.startsWith ?? []).map((x) => value.startsWith(x)),
    ...(field.endsWith ?? []).map((x) => value.endsWith(x)),
  ];
  if (positive.length > 0 && !positive.includes(true)) return false;
  return (
    !(field.notEquals ?? []).includes(value) &&
    !(field.notStartsWith ?? []).some((x) => value.startsWith(x)) &&
    !(field.notEndsWith ?? []).some((x) => value.endsWith(x))
  );
}

function conditionText(field: FieldSelector): string {
  const operators = ['equals', 'startsWith', 'endsWith', 'notEquals', 'notStartsWith', 'notEndsWith'] as const;
  const parts = operators
    .filter((operator) => field[operator]?.length)
    .map((operator) => `${operator[0]!.toUpperCase()}${operator.slice(1)} ${field[operator]!.join(', ')}`);
  return `${field.field} ${parts.join(' and ') || '(no condition)'}`;
}

// ---------------------------------------------------------------- filter

function judgeFilter(filter: MetricFilterSnapshot, analysis: FilterAnalysis, parameters: RuleParameters): LinkReport {
  const subject = `filter "${filter.name}"`;
  const problems: string[] = [];
  if (!analysis.valid) {
    problems.push(`has an invalid pattern (${analysis.error?.message ?? 'parse error'})`);
  } else if (!analysis.coversRequiredEvents) {
    // The engine's words, shared with analyze-filter: "matches no X record" only when it matches none, otherwise
    // which records escape ("misses PutBucketPolicy records made by the root user").
    problems.push(analysis.missSummary);
  }
  if (analysis.overBroad && !parameters.allowOverBroadFilter) {
    problems.push(`is over-broad: it also matches ${analysis.overBroadExample} (AllowOverBroadFilter=true accepts that)`);
  }
  const metricValue = analyzeMetricValue(filter.pattern, filter.metric.value, parameters.requiredEvents);
  if (!metricValue.rises) problems.push(`publishes a value that does not raise its metric: ${metricValue.reason}`);
  if (parameters.securityHubParity && !analysis.securityHubExact) {
    problems.push('is not the exact CIS filter text Security Hub CloudWatch.8 demands (SecurityHubParity=true)');
  }
  if (problems.length) return { link: 'filter', status: 'broken', subject, detail: problems.join('; ') };
  return { link: 'filter', status: 'ok', subject, detail: `matches every ${eventsText(parameters.requiredEvents)} record and adds ${filter.metric.value} to ${metricText(filter.metric)}` };
}

function changesText(events: readonly string[]): string {
  return events.length <= 3 ? `${events.join(' and ')} changes` : `changes of all ${events.length} required events`;
}

function eventsText(events: readonly string[]): string {
  return events.length <= 3 ? events.join(' or ') : `${events.length} required events (${events.join(', ')})`;
}

// ---------------------------------------------------------------- alarm

interface WatchedMetric {
  metric: MetricId;
  stat: string;
  unit?: string;
  period?: number;
}

function watchesMetricNamed(alarm: AlarmSnapshot, metric: MetricId): boolean {
  const same = (candidate: MetricId) => candidate.namespace === metric.namespace && candidate.name === metric.name;
  if (alarm.metric) return same(alarm.metric);
  return (alarm.metrics ?? []).some((query) => query.metricStat && same(query.metricStat.metric));
}

/** The one metric an alarm evaluates: its own, or a metric-math alarm's result when that is a plain metric. */
function watchedMetric(alarm: AlarmSnapshot): WatchedMetric | string {
  if (alarm.metric) {
    const stat = alarm.extendedStatistic ?? alarm.statistic;
    if (!stat) return 'has no statistic';
    return { metric: alarm.metric, stat, unit: alarm.unit, period: alarm.period };
  }
  const queries = alarm.metrics ?? [];
  const results = queries.filter((query) => query.returnData === true);
  const result = results.length === 0 && queries.length === 1 ? queries[0] : results.length === 1 ? results[0] : undefined;
  if (!result) return 'is a metric-math alarm without a single query that returns data';
  const plain = result.metricStat ? result : queries.find((query) => query.id === result.expression?.trim() && query.metricStat);
  if (!plain?.metricStat) {
    return `evaluates the expression "${result.expression}", not the filter's metric itself, so whether one change fires it cannot be told`;
  }
  const { metric, stat, unit, period } = plain.metricStat;
  return { metric, stat, unit, period };
}

interface Range {
  low: number;
  high: number;
}

// A metric value taken from a record field is positive (the filter link checks that) but of unknown size.
const UNKNOWN_POSITIVE: Range = { low: Number.MIN_VALUE, high: Infinity };

type StatisticKind = 'Sum' | 'SampleCount' | 'Maximum' | 'Minimum' | 'Between';

/** Average and percentiles lie between the smallest and the largest value of the period. */
function statisticKind(stat: string): StatisticKind | undefined {
  if (stat === 'Sum' || stat === 'SampleCount' || stat === 'Maximum' || stat === 'Minimum') return stat;
  if (stat === 'Average' || /^(p|tm|wm)\d{1,2}(\.\d+)?$/.test(stat) || stat === 'IQM') return 'Between';
  return undefined;
}

/**
 * The statistic of a period with at least one change (each adding `value`) and any number of other log
 * events (each emitting the filter's default value, if it has one).
 */
function changePeriod(kind: StatisticKind, value: Range, defaultValue: number | undefined): Range {
  const d = defaultValue;
  switch (kind) {
    case 'Sum':
      return { low: d !== undefined && d < 0 ? -Infinity : value.low, high: Infinity };
    case 'SampleCount':
      return { low: 1, high: Infinity };
    case 'Maximum':
      return d === undefined ? value : { low: value.low, high: Math.max(value.high, d) };
    case 'Minimum':
      return d === undefined ? value : { low: Math.min(value.low, d), high: value.high };
    case 'Between':
      return d === undefined ? value : { low: Math.min(value.low, d), high: Math.max(value.high, d) };
  }
}

/** The statistic of a period with log events but no change; undefined when the metric gets no data then. */
function quietPeriod(kind: StatisticKind, defaultValue: number | undefined): Range | undefined {
  const d = defaultValue;
  if (d === undefined) return undefined;
  if (kind === 'SampleCount') return { low: 1, high: Infinity };
  if (kind === 'Sum') return d === 0 ? { low: 0, high: 0 } : d > 0 ? { low: d, high: Infinity } : { low: -Infinity, high: d };
  return { low: d, high: d };
}

const COMPARISONS: Record<string, { symbol: string; always(range: Range, t: number): boolean; never(range: Range, t: number): boolean }> = {
  GreaterThanThreshold: { symbol: '>', always: (r, t) => r.low > t, never: (r, t) => r.high <= t },
  GreaterThanOrEqualToThreshold: { symbol: '>=', always: (r, t) => r.low >= t, never: (r, t) => r.high < t },
  LessThanThreshold: { symbol: '<', always: (r, t) => r.high < t, never: (r, t) => r.low >= t },
  LessThanOrEqualToThreshold: { symbol: '<=', always: (r, t) => r.high <= t, never: (r, t) => r.low > t },
};

function rangeText(range: Range): string {
  if (range.low === range.high) return String(range.low);
  if (range.low === UNKNOWN_POSITIVE.low && range.high === Infinity) return 'some positive value';
  if (range.low === -Infinity) return range.high === Infinity ? 'any value' : `at most ${range.high}`;
  if (range.high === Infinity) return `${range.low} or more`;
  return `between ${range.low} and ${range.high}`;
}

function judgeAlarm(alarm: AlarmSnapshot, filter: MetricFilterSnapshot): LinkReport {
  const subject = `alarm "${alarm.name}"`;
  const broken = (detail: string): LinkReport => ({ link: 'alarm', status: 'broken', subject, detail });
  const watched = watchedMetric(alarm);
  if (typeof watched === 'string') return broken(watched);
  if (!sameDimensions(watched.metric.dimensions, filter.metric.dimensions)) {
    return broken(
      `watches ${metricText(watched.metric)}, but the filter publishes ${metricText(filter.metric)}: the alarm's metric never gets data (dimensions must match exactly)`,
    );
  }
  const problems: string[] = [];
  if (!alarm.actionsEnabled) problems.push('has its actions disabled (ActionsEnabled=false)');
  problems.push(...firingProblems(alarm, watched, filter));
  if (problems.length) return broken(problems.join('; '));
  const comparison = COMPARISONS[alarm.comparisonOperator]!;
  const period = watched.period ? ` per ${watched.period} s` : '';
  const datapoints = alarm.datapointsToAlarm ?? alarm.evaluationPeriods;
  const when = datapoints > 1 ? `, ${datapoints} periods after it, as the newer periods are missing` : '';
  return { link: 'alarm', status: 'ok', subject, detail: `goes to ALARM on one change (${watched.stat} ${comparison.symbol} ${alarm.threshold}${period}${when})` };
}

/** Why a single change does not take the alarm from OK to ALARM, if it does not. */
function firingProblems(alarm: AlarmSnapshot, watched: WatchedMetric, filter: MetricFilterSnapshot): string[] {
  const comparison = COMPARISONS[alarm.comparisonOperator];
  if (alarm.thresholdMetricId || !comparison || alarm.threshold === undefined) {
    return [`compares with an anomaly-detection band (${alarm.comparisonOperator}), which a single change need not leave`];
  }
  const problems: string[] = [];
  const publishedUnit = filter.metric.unit ?? 'None';
  if (watched.unit && watched.unit !== publishedUnit) {
    problems.push(`asks for unit ${watched.unit}, but the filter publishes ${publishedUnit}, so the alarm sees no data`);
  }
  const multiple = multipleDatapointsProblem(alarm, filter);
  if (multiple) problems.push(multiple);
  const kind = statisticKind(watched.stat);
  if (!kind) return [...problems, `uses statistic ${watched.stat}, for which whether one change fires the alarm cannot be told`];
  if (kind === 'Between' && watched.stat !== 'Average' && alarm.evaluateLowSampleCountPercentile === 'ignore') {
    problems.push(`ignores periods with few samples (EvaluateLowSampleCountPercentile=ignore), and one change is one sample`);
  }
  const literal = Number(filter.metric.value);
  const value = filter.metric.value.trim() !== '' && Number.isFinite(literal) ? { low: literal, high: literal } : UNKNOWN_POSITIVE;
  const threshold = alarm.threshold;
  const condition = `${watched.stat} ${comparison.symbol} ${threshold}`;
  const changed = changePeriod(kind, value, filter.metric.defaultValue);
  if (!comparison.always(changed, threshold)) {
    problems.push(`cannot go to ALARM on every change: a period with changes has ${watched.stat} ${rangeText(changed)}, and the alarm needs ${condition}`);
  }
  const quiet = quietPeriod(kind, filter.metric.defaultValue);
  if (quiet && !comparison.never(quiet, threshold)) {
    problems.push(
      `is in ALARM even without a change: the filter's default value ${filter.metric.defaultValue} gives ${watched.stat} ${rangeText(quiet)}, which can meet ${condition}, so a change triggers no action`,
    );
  }
  if (!quiet && alarm.treatMissingData === 'breaching') {
    problems.push('treats missing data as breaching, so it stays in ALARM while nothing changes and a change triggers no action');
  }
  return problems;
}

/**
 * One change makes one breaching datapoint. An M-of-N alarm with M > 1 still goes to ALARM on it when the
 * periods around it are missing and treated as missing (CloudWatch's "premature alarm state": the breaching
 * datapoint is M periods old and everything newer is missing), which is the case for a filter without a
 * default value. Not with a default value (the other periods hold real non-breaching data), nor with
 * notBreaching or ignore. Missing data treated as breaching is the quiet-period problem.
 */
function multipleDatapointsProblem(alarm: AlarmSnapshot, filter: MetricFilterSnapshot): string | undefined {
  const datapoints = alarm.datapointsToAlarm ?? alarm.evaluationPeriods;
  const treatMissingData = alarm.treatMissingData ?? 'missing';
  if (datapoints <= 1 || treatMissingData === 'breaching') return undefined;
  const why =
    filter.metric.defaultValue !== undefined
      ? `the filter's default value ${filter.metric.defaultValue} fills the other periods with data that does not breach`
      : treatMissingData === 'missing'
        ? undefined
        : `TreatMissingData=${treatMissingData} ${treatMissingData === 'ignore' ? 'keeps the current state while data is missing' : 'counts the empty periods as not breaching'}`;
  if (!why) return undefined;
  return `needs ${datapoints} of ${alarm.evaluationPeriods} datapoints breaching, but one change makes one, and ${why} (set DatapointsToAlarm to 1)`;
}

function sameDimensions(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}

// ---------------------------------------------------------------- notification

function judgeTopic(topic: TopicSnapshot, accountId: string, parameters: RuleParameters): LinkReport {
  const ref = parseTopicArn(topic.arn);
  const subject = `topic ${ref.name}${ref.accountId === accountId ? '' : ` (account ${ref.accountId})`}`;
  const broken = (detail: string): LinkReport => ({ link: 'notification', status: 'broken', subject, detail });
  if (topic.unreadable) {
    return broken(
      `belongs to account ${ref.accountId}, whose subscriptions cannot be listed from here (${topic.unreadable}); allow sns:ListSubscriptionsByTopic to account ${accountId} in the topic policy`,
    );
  }
  if (!topic.exists) return broken(`does not exist in ${ref.region}`);
  const confirmed = topic.subscriptions.filter((subscription) => subscription.subscriptionArn.startsWith('arn:'));
  const pending = topic.subscriptions.filter((subscription) => subscription.subscriptionArn === 'PendingConfirmation');
  const counted = parameters.requireConfirmedSubscription ? confirmed : [...confirmed, ...pending];
  if (counted.length > 0) {
    const protocols = [...new Set(counted.map((subscription) => subscription.protocol))].join(', ');
    const what = parameters.requireConfirmedSubscription ? 'confirmed subscription' : 'subscription';
    return { link: 'notification', status: 'ok', subject, detail: `has ${counted.length} ${what}${counted.length === 1 ? '' : 's'} (${protocols})` };
  }
  if (pending.length > 0) {
    // Who must do what, without naming the endpoint (endpoints never reach an annotation).
    const protocols = [...new Set(pending.map((subscription) => subscription.protocol))].join(', ');
    return broken(
      `has no confirmed subscription: ${pending.length} pending confirmation (${protocols}); its recipient must confirm it from the subscription confirmation message AWS sent (RequireConfirmedSubscription=true)`,
    );
  }
  return broken('has no subscribers, so the alarm reaches nobody');
}

// ---------------------------------------------------------------- annotation

function sentence(link: LinkReport): string {
  return link.subject ? `${link.subject} ${link.detail}` : link.detail;
}

function subjectOf(link: LinkReport): string {
  return link.subject ?? link.link;
}

/**
 * The chains in the order a person reads them: complete ones first, then broken ones with the most working links
 * (ties: the one that breaks furthest along); among equals, the order they were found in.
 */
export function byCompleteness(chains: readonly ChainReport[]): ChainReport[] {
  const complete = (chain: ChainReport) => (chain.status === 'complete' ? 1 : 0);
  const score = (chain: ChainReport) => {
    const ok = chain.links.filter((link) => link.status === 'ok').length;
    const firstBroken = chain.links.findIndex((link) => link.status !== 'ok');
    return ok * LINK_KINDS.length + firstBroken;
  };
  return [...chains].sort((a, b) => complete(b) - complete(a) || score(b) - score(a));
}

function brokenChainAnnotation(chain: ChainReport): string {
  const firstBroken = chain.links.findIndex((link) => link.status !== 'ok');
  const later = chain.links.slice(firstBroken + 1).filter((link) => link.status !== 'ok').length;
  let text = sentence(chain.links[firstBroken]!);
  if (later > 0) text += ` (and ${later} more broken link${later === 1 ? '' : 's'} further on)`;
  else if (chain.links.length === LINK_KINDS.length && firstBroken < LINK_KINDS.length - 1) text += ' (the rest of the chain works)';
  return fitAnnotation(chain.links.slice(0, firstBroken).map(subjectOf), text, text, readInLead(chain));
}

/** A chain followed in the trail owner's account says so first, so that the reader knows which account to fix. */
function readInLead(chain: ChainReport): string {
  return chain.readInAccount ? `In trail owner account ${chain.readInAccount}: ` : '';
}

/**
 * `lead prefix → prefix: text` within Config's 256 characters: the whole path with the text, else the whole path
 * with the short text, else the last step of the path, else the text alone (cut if it must be). The lead stays.
 */
function fitAnnotation(prefix: string[], text: string, shortText = text, lead = ''): string {
  const join = (parts: string[], body: string) => lead + (parts.length ? `${parts.join(' → ')}: ${body}` : body);
  const candidates = [join(prefix, text), join(prefix, shortText), join(prefix.slice(-1), text), join([], text)];
  const fitting = candidates.find((candidate) => candidate.length <= MAX_ANNOTATION_LENGTH);
  return fitting ?? `${truncate(join([], text), MAX_ANNOTATION_LENGTH - 1)}…`;
}

/** The first `length` UTF-16 units of `text`, never half of a surrogate pair (an emoji in a name): that is not text. */
function truncate(text: string, length: number): string {
  const cut = text.slice(0, length);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function securityHubNote(complete: ChainReport): { securityHubNote?: string } {
  const pattern = complete.filterPattern;
  if (pattern === undefined || isSecurityHubExactText(pattern)) return {};
  return {
    securityHubNote: `COMPLIANT here, but Security Hub CloudWatch.8 will still fail: filter "${complete.filterName}" is not the exact CIS filter text it demands`,
  };
}
