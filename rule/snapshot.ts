/**
 * What the rule read from an account, as plain data: the evaluator's only input. gather.ts builds it from
 * AWS; unit tests write it by hand. Field names follow the AWS APIs they come from.
 */

export interface AccountSnapshot extends AccountParts {
  /** The account whose credentials read it (STS GetCallerIdentity): the account evaluated. */
  accountId: string;
  /** The region the rule ran in: trails are those visible from here (shadow trails included). */
  region: string;
  trails: TrailSnapshot[];
  /**
   * What was read in the accounts that own this account's other trails (an organization trail's management or
   * log-archive account), through the role TrailOwnerReadRoleName names. Absent when nothing was read there.
   */
  trailOwners?: TrailOwnerSnapshot[];
  /** When it was read (ISO 8601): "now" for the delivery and alarm-state judgements. */
  readAt?: string;
}

/** The rest of the chain as read in one account: the log groups of its trails, their alarms and topics. */
export interface AccountParts {
  /** The account these parts were read in, with that account's credentials. */
  accountId: string;
  /** The log groups of the account's trails, each read in its own region. */
  logGroups: LogGroupSnapshot[];
  /** Alarms found for the metrics of the filters that catch a required event, each in its own region. */
  alarms: AlarmSnapshot[];
  /** What was asked to find those alarms, so a report can say where it looked. */
  alarmSearches: AlarmSearch[];
  /** The SNS topics those alarms notify. */
  topics: TopicSnapshot[];
  /**
   * Every metric filter of the region that writes into the metric of a filter that catches a required event
   * (DescribeMetricFilters by metric name and namespace), whatever its log group. Absent: not read.
   */
  metricPublishers?: MetricPublishers[];
  /** Composite alarms whose rule names an alarm of a chain (DescribeAlarms ParentsOfAlarmName). */
  compositeAlarms?: CompositeAlarmSnapshot[];
}

export interface MetricPublishers {
  region: string;
  namespace: string;
  name: string;
  filters: PublishingFilter[];
}

export interface PublishingFilter extends MetricFilterSnapshot {
  logGroupName: string;
}

export interface CompositeAlarmSnapshot {
  name: string;
  arn: string;
  region: string;
  actionsEnabled: boolean;
  alarmActions: string[];
  alarmRule: string;
  /** The alarm whose parents were asked for. */
  childArn: string;
}

/** A trail owner's account, read through a role assumed there. */
export interface TrailOwnerSnapshot extends AccountParts {
  /** The role assumed in the owner account (`arn:PARTITION:iam::OWNER:role/TrailOwnerReadRoleName`). */
  roleArn: string;
}

export interface TrailSnapshot {
  name: string;
  arn: string;
  homeRegion: string;
  isMultiRegionTrail: boolean;
  isOrganizationTrail: boolean;
  cloudWatchLogsLogGroupArn?: string;
  cloudWatchLogsRoleArn?: string;
  /**
   * GetTrailStatus and GetEventSelectors, read in the trail's account; absent for a trail of another account
   * that was not read through that account's TrailOwnerReadRoleName.
   */
  status?: TrailStatus;
  selectors?: EventSelectors;
}

export interface TrailStatus {
  isLogging: boolean;
  latestCloudWatchLogsDeliveryError?: string;
  /** The latest successful delivery to CloudWatch Logs (ISO 8601). */
  latestCloudWatchLogsDeliveryTime?: string;
}

export interface EventSelectors {
  classic: ClassicEventSelector[];
  advanced: AdvancedEventSelector[];
}

export interface ClassicEventSelector {
  readWriteType?: string;
  includeManagementEvents?: boolean;
  excludeManagementEventSources?: string[];
}

export interface AdvancedEventSelector {
  name?: string;
  fieldSelectors: AdvancedFieldSelector[];
}

export interface AdvancedFieldSelector {
  field: string;
  equals?: string[];
  startsWith?: string[];
  endsWith?: string[];
  notEquals?: string[];
  notStartsWith?: string[];
  notEndsWith?: string[];
}

export interface LogGroupSnapshot {
  /** Full ARN without the trailing `:*`. */
  arn: string;
  name: string;
  region: string;
  accountId: string;
  /** DescribeMetricFilters answered ResourceNotFoundException. */
  exists: boolean;
  filters: MetricFilterSnapshot[];
}

export interface MetricFilterSnapshot {
  name: string;
  pattern: string;
  metric: FilterMetric;
}

/** The filter's metricTransformation: what it publishes, and on which metric. */
export interface FilterMetric extends MetricId {
  value: string;
  defaultValue?: number;
  unit?: string;
}

export interface MetricId {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

export interface AlarmSearch {
  region: string;
  /** DescribeAlarmsForMetric for this metric (dimensions exactly as given). */
  metric?: MetricId;
  /** DescribeAlarms over every metric alarm of the region, for metric-math alarms. */
  metricMath?: true;
}

export interface AlarmSnapshot {
  name: string;
  arn: string;
  region: string;
  actionsEnabled: boolean;
  alarmActions: string[];
  /** A standard alarm's metric; absent for a metric-math alarm. */
  metric?: MetricId;
  statistic?: string;
  extendedStatistic?: string;
  period?: number;
  unit?: string;
  /** A metric-math alarm's queries. */
  metrics?: MetricQuery[];
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold?: number;
  comparisonOperator: string;
  treatMissingData?: string;
  thresholdMetricId?: string;
  evaluateLowSampleCountPercentile?: string;
  /** OK, ALARM or INSUFFICIENT_DATA, and since when (ISO 8601). */
  stateValue?: string;
  stateUpdatedTimestamp?: string;
}

export interface MetricQuery {
  id: string;
  expression?: string;
  returnData?: boolean;
  /** A Metrics Insights query's period. */
  period?: number;
  metricStat?: { metric: MetricId; stat: string; period?: number; unit?: string };
}

export interface TopicSnapshot {
  arn: string;
  /** ListSubscriptionsByTopic answered NotFound. */
  exists: boolean;
  /** Set when the topic belongs to another account and this account may not list its subscriptions. */
  unreadable?: string;
  subscriptions: Subscription[];
  /** GetTopicAttributes; absent only for a topic that does not exist or cannot be read. */
  attributes?: { policy?: string; kmsMasterKeyId?: string };
  /** The topic's KMS key (DescribeKey, GetKeyPolicy), when it is encrypted with one that is not alias/aws/sns. */
  key?: KeySnapshot;
}

export interface KeySnapshot {
  arn: string;
  /** AWS (an AWS managed key) or CUSTOMER. */
  keyManager: string;
  /** Enabled, Disabled, PendingDeletion... */
  keyState: string;
  /** The default key policy; absent when it cannot be read from here (a key of another account). */
  policy?: string;
  /** Why the policy could not be read. */
  unreadable?: string;
}

export interface Subscription {
  protocol: string;
  endpoint: string;
  /** An ARN once confirmed; `PendingConfirmation` until the endpoint confirms. */
  subscriptionArn: string;
  /** GetSubscriptionAttributes FilterPolicy and FilterPolicyScope; present (maybe empty) once read. */
  filter?: { policy?: string; scope?: string };
}
