import { POLICY_FILTER_PATTERN } from '../../rule/events/canonical';
import { evaluateAccount, type Verdict } from '../../rule/evaluate';
import { parseRuleParameters } from '../../rule/parameters';
import type {
  AccountSnapshot,
  AlarmSnapshot,
  CompositeAlarmSnapshot,
  LogGroupSnapshot,
  MetricFilterSnapshot,
  MetricPublishers,
  PublishingFilter,
  TopicSnapshot,
  TrailSnapshot,
} from '../../rule/snapshot';
import { defaultTopicPolicy } from './mock-aws';

/**
 * Hand-written account snapshots for the evaluator: a complete seed chain (trail main -> CloudTrail/Default ->
 * seed filter -> Sum >= 1 alarm -> topic with a confirmed e-mail subscriber) that each test changes in one place.
 */

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '999988887777';
export const REGION = 'us-east-1';
export const LOG_GROUP_ARN = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:CloudTrail/Default`;
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;

export function trail(overrides: Partial<TrailSnapshot> = {}): TrailSnapshot {
  const name = overrides.name ?? 'main';
  return {
    name,
    arn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${name}`,
    homeRegion: REGION,
    isMultiRegionTrail: true,
    isOrganizationTrail: false,
    cloudWatchLogsLogGroupArn: `${LOG_GROUP_ARN}:*`,
    cloudWatchLogsRoleArn: `arn:aws:iam::${ACCOUNT}:role/CloudTrail_CloudWatchLogs_Role`,
    status: { isLogging: true },
    selectors: { classic: [{ readWriteType: 'All', includeManagementEvents: true }], advanced: [] },
    ...overrides,
  };
}

export type FilterOverrides = Partial<Omit<MetricFilterSnapshot, 'metric'>> & { metric?: Partial<MetricFilterSnapshot['metric']> };

export function filter(overrides: FilterOverrides = {}): MetricFilterSnapshot {
  return {
    name: 's3-policy',
    pattern: POLICY_FILTER_PATTERN,
    ...overrides,
    metric: { namespace: 'CloudTrailMetrics', name: 'S3BucketPolicyChangeCount', dimensions: {}, value: '1', ...overrides.metric },
  };
}

export function logGroup(filters: MetricFilterSnapshot[], overrides: Partial<LogGroupSnapshot> = {}): LogGroupSnapshot {
  return { arn: LOG_GROUP_ARN, name: 'CloudTrail/Default', region: REGION, accountId: ACCOUNT, exists: true, filters, ...overrides };
}

export function alarm(overrides: Partial<AlarmSnapshot> = {}): AlarmSnapshot {
  const name = overrides.name ?? 's3-policy-alarm';
  return {
    name,
    arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
    region: REGION,
    actionsEnabled: true,
    alarmActions: [TOPIC_ARN],
    metric: { namespace: 'CloudTrailMetrics', name: 'S3BucketPolicyChangeCount', dimensions: {} },
    statistic: 'Sum',
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
    ...overrides,
  };
}

export function topic(overrides: Partial<TopicSnapshot> = {}): TopicSnapshot {
  const arn = overrides.arn ?? TOPIC_ARN;
  return {
    arn,
    exists: true,
    subscriptions: [{ protocol: 'email', endpoint: 'security@example.com', subscriptionArn: `${arn}:0b6e1a2c`, filter: {} }],
    attributes: { policy: defaultTopicPolicy(arn) },
    ...overrides,
  };
}

export interface Parts {
  trails: TrailSnapshot[];
  logGroups: LogGroupSnapshot[];
  alarms: AlarmSnapshot[];
  topics: TopicSnapshot[];
  /** Filters of other log groups writing into the chain's metric. */
  otherWriters?: PublishingFilter[];
  readAt?: string;
  compositeAlarms?: CompositeAlarmSnapshot[];
}

/** What DescribeMetricFilters by metric name and namespace answers: every filter of the parts, and the other writers. */
export function metricPublishers(parts: Pick<Parts, 'logGroups' | 'otherWriters'>): MetricPublishers[] {
  const all: (PublishingFilter & { region: string })[] = [
    ...parts.logGroups.flatMap((group) => group.filters.map((f) => ({ ...f, logGroupName: group.name, region: group.region }))),
    ...(parts.otherWriters ?? []).map((f) => ({ ...f, region: REGION })),
  ];
  const keys = [...new Set(all.map((f) => JSON.stringify([f.region, f.metric.namespace, f.metric.name])))];
  return keys.map((key) => {
    const [region, namespace, name] = JSON.parse(key) as [string, string, string];
    return { region, namespace, name, filters: all.filter((f) => f.region === region && f.metric.namespace === namespace && f.metric.name === name) };
  });
}

export function account(change: (parts: Parts) => void = () => {}): AccountSnapshot {
  const parts: Parts = { trails: [trail()], logGroups: [logGroup([filter()])], alarms: [alarm()], topics: [topic()] };
  change(parts);
  const { otherWriters: _others, ...rest } = parts;
  return { accountId: ACCOUNT, region: REGION, alarmSearches: [], metricPublishers: metricPublishers(parts), ...rest };
}

export function evaluate(snapshot: AccountSnapshot, parameters: Record<string, string> = {}): Verdict {
  return evaluateAccount(snapshot, parseRuleParameters(parameters));
}


export const withFilter = (overrides: FilterOverrides) => (parts: Parts) => {
  parts.logGroups = [logGroup([filter(overrides)])];
};
export const withAlarm = (overrides: Partial<AlarmSnapshot>) => (parts: Parts) => {
  parts.alarms = [alarm(overrides)];
};
export const withTrail = (overrides: Partial<TrailSnapshot>) => (parts: Parts) => {
  parts.trails = [trail(overrides)];
};
export const management = (...fieldSelectors: NonNullable<TrailSnapshot['selectors']>['advanced'][number]['fieldSelectors']) => ({
  classic: [],
  advanced: [{ name: 'Management events', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }, ...fieldSelectors] }],
});
