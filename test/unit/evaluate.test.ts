import { CIS_FILTER_PATTERN, POLICY_FILTER_PATTERN } from '../../rule/events/canonical';
import { MAX_ANNOTATION_LENGTH } from '../../rule/evaluate';
import { defaultTopicPolicy } from '../support/mock-aws';
import type { AccountSnapshot, AlarmSnapshot, PublishingFilter, TopicSnapshot, TrailOwnerSnapshot, TrailSnapshot } from '../../rule/snapshot';
import {
  ACCOUNT,
  account,
  alarm,
  evaluate,
  filter,
  metricPublishers,
  logGroup,
  management,
  OTHER_ACCOUNT,
  type Parts,
  REGION,
  topic,
  TOPIC_ARN,
  trail,
  withAlarm,
  withFilter,
  withTrail,
} from '../support/seed-snapshot';

/**
 * The evaluator over hand-written snapshots: every link, every parameter, each way it breaks. Each case starts
 * from a complete seed chain (trail main -> CloudTrail/Default -> seed filter -> Sum >= 1 alarm -> topic with a
 * confirmed e-mail subscriber) and changes one thing.
 */

/** One change to the seed chain and what a person should read in the annotation. */
type Case = [description: string, change: (parts: Parts) => void, parameters: Record<string, string>, compliance: string, annotation: RegExp];

describe('evaluateAccount', () => {
  test('the seed chain is COMPLIANT and the annotation walks it', () => {
    const verdict = evaluate(account());
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.annotation).toBe(
      'Trail main → log group CloudTrail/Default → filter "s3-policy" → alarm "s3-policy-alarm" → topic alerts: PutBucketPolicy and DeleteBucketPolicy changes raise this alarm, which reaches a subscriber',
    );
    expect(verdict.chains).toHaveLength(1);
    expect(verdict.chains[0]!.links.map((link) => [link.link, link.status])).toEqual([
      ['trail', 'ok'],
      ['delivery', 'ok'],
      ['filter', 'ok'],
      ['alarm', 'ok'],
      ['notification', 'ok'],
    ]);
    expect(verdict.securityHubNote).toMatch(/Security Hub CloudWatch.8 will still fail: filter "s3-policy" is not the exact CIS filter text/);
  });

  const trailCases: Case[] = [
    ['no trail at all', (parts) => void (parts.trails = []), {}, 'NON_COMPLIANT', /^No CloudTrail trail is visible from us-east-1/],
    ['a single-region trail', withTrail({ isMultiRegionTrail: false }), {}, 'NON_COMPLIANT', /^Trail main is a single-region trail \(us-east-1\).*RequireMultiRegionTrail=true/],
    ['a single-region trail when RequireMultiRegionTrail=false', withTrail({ isMultiRegionTrail: false }), { RequireMultiRegionTrail: 'false' }, 'COMPLIANT', /^Trail main →/],
    ['a stopped trail', withTrail({ status: { isLogging: false } }), {}, 'NON_COMPLIANT', /^Trail main is not logging \(run StartLogging\) \(the rest of the chain works\)$/],
    ['a trail without event selectors', withTrail({ selectors: { classic: [], advanced: [] } }), {}, 'NON_COMPLIANT', /records no events/],
    [
      'classic selectors without management events',
      withTrail({ selectors: { classic: [{ readWriteType: 'All', includeManagementEvents: false }], advanced: [] } }),
      {},
      'NON_COMPLIANT',
      /records no management events \(IncludeManagementEvents is false\)/,
    ],
    [
      'classic selectors recording reads only',
      withTrail({ selectors: { classic: [{ readWriteType: 'ReadOnly', includeManagementEvents: true }], advanced: [] } }),
      {},
      'NON_COMPLIANT',
      /records only read-only management events/,
    ],
    [
      'classic selectors recording writes only',
      withTrail({ selectors: { classic: [{ readWriteType: 'WriteOnly', includeManagementEvents: true }], advanced: [] } }),
      {},
      'COMPLIANT',
      /^Trail main →/,
    ],
    [
      'classic selectors excluding the S3 event source',
      withTrail({ selectors: { classic: [{ readWriteType: 'All', excludeManagementEventSources: ['s3.amazonaws.com'] }], advanced: [] } }),
      {},
      'NON_COMPLIANT',
      /excludes s3.amazonaws.com management events/,
    ],
    ['advanced selectors: all management events', withTrail({ selectors: management() }), {}, 'COMPLIANT', /^Trail main →/],
    ['advanced selectors: management writes', withTrail({ selectors: management({ field: 'readOnly', equals: ['false'] }) }), {}, 'COMPLIANT', /^Trail main →/],
    [
      'advanced selectors: management reads only',
      withTrail({ selectors: management({ field: 'readOnly', equals: ['true'] }) }),
      {},
      'NON_COMPLIANT',
      /does not record PutBucketPolicy, DeleteBucketPolicy \(advanced event selector "Management events" keeps only readOnly Equals true\)/,
    ],
    [
      'advanced selectors excluding S3',
      withTrail({ selectors: management({ field: 'eventSource', notEquals: ['s3.amazonaws.com'] }) }),
      {},
      'NON_COMPLIANT',
      /keeps only eventSource NotEquals s3.amazonaws.com/,
    ],
    [
      'advanced selectors excluding another service only',
      withTrail({ selectors: management({ field: 'eventSource', notEquals: ['kms.amazonaws.com'] }) }),
      {},
      'COMPLIANT',
      /^Trail main →/,
    ],
    [
      'advanced selectors that skip a principal',
      withTrail({ selectors: management({ field: 'userIdentity.arn', notStartsWith: ['arn:aws:sts::111122223333:assumed-role/ci'] }) }),
      {},
      'NON_COMPLIANT',
      /keeps only userIdentity.arn NotStartsWith/,
    ],
    [
      'advanced selectors for one event of two',
      withTrail({ selectors: management({ field: 'eventName', equals: ['PutBucketPolicy'] }) }),
      {},
      'NON_COMPLIANT',
      /does not record DeleteBucketPolicy \(/,
    ],
    [
      'advanced selectors for data events only',
      withTrail({
        selectors: { classic: [], advanced: [{ name: 'S3 objects', fieldSelectors: [{ field: 'eventCategory', equals: ['Data'] }, { field: 'resources.type', equals: ['AWS::S3::Object'] }] }] },
      }),
      {},
      'NON_COMPLIANT',
      /records no management events \(no advanced event selector has eventCategory Equals Management\)/,
    ],
  ];

  const deliveryCases: Case[] = [
    ['a trail without CloudWatch Logs', withTrail({ cloudWatchLogsLogGroupArn: undefined }), {}, 'NON_COMPLIANT', /^Trail main: sends no events to CloudWatch Logs/],
    [
      'a malformed log group ARN',
      withTrail({ cloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:1111:log-group:CloudTrail/Default:*' }),
      {},
      'NON_COMPLIANT',
      /"1111" is not a 12-digit account id/,
    ],
    [
      "another account's log group",
      withTrail({ cloudWatchLogsLogGroupArn: `arn:aws:logs:${REGION}:${OTHER_ACCOUNT}:log-group:CloudTrail/Default:*` }),
      {},
      'NON_COMPLIANT',
      /log group CloudTrail\/Default is in account 999988887777, not 111122223333/,
    ],
    ['no delivery role', withTrail({ cloudWatchLogsRoleArn: undefined }), {}, 'NON_COMPLIANT', /receives nothing: the trail has no CloudWatchLogsRoleArn/],
    [
      'failing delivery',
      withTrail({ status: { isLogging: true, latestCloudWatchLogsDeliveryError: 'AccessDeniedException: no permission to write to log group' } }),
      {},
      'NON_COMPLIANT',
      /CloudTrail fails to deliver \(AccessDeniedException: no permission/,
    ],
    [
      'a deleted log group',
      (parts) => void (parts.logGroups = [logGroup([], { exists: false })]),
      {},
      'NON_COMPLIANT',
      /^Trail main: log group CloudTrail\/Default does not exist in us-east-1/,
    ],
  ];

  const filterCases: Case[] = [
    ['no metric filter', (parts) => void (parts.logGroups = [logGroup([])]), {}, 'NON_COMPLIANT', /^Trail main → log group CloudTrail\/Default: has no metric filter: add one that matches PutBucketPolicy or DeleteBucketPolicy$/],
    [
      'only unrelated filters',
      (parts) => void (parts.logGroups = [logGroup([filter({ name: 'root-login', pattern: '{ $.userIdentity.type = "Root" }' }), filter({ name: 'iam', pattern: '{ $.eventName = DeleteGroupPolicy }' })])]),
      {},
      'NON_COMPLIANT',
      /log group CloudTrail\/Default: has 2 metric filters, none of which matches PutBucketPolicy or DeleteBucketPolicy/,
    ],
    [
      'a filter that misses an event',
      withFilter({ pattern: '{ $.eventName = "PutBucketPolicy" }' }),
      {},
      'NON_COMPLIANT',
      /^Trail main → log group CloudTrail\/Default: filter "s3-policy" covers PutBucketPolicy but not DeleteBucketPolicy/,
    ],
    [
      'AND-ed event names',
      withFilter({ pattern: '{ ($.eventName = PutBucketPolicy) && ($.eventName = DeleteBucketPolicy) }' }),
      {},
      'NON_COMPLIANT',
      /filter "s3-policy" matches no PutBucketPolicy or DeleteBucketPolicy record/,
    ],
    ['an invalid pattern', withFilter({ pattern: '{ $.eventName = "PutBucketPolicy" ' }), {}, 'NON_COMPLIANT', /filter "s3-policy" has an invalid pattern/],
    ['an over-broad filter', withFilter({ pattern: '{ $.eventSource = s3.amazonaws.com }' }), {}, 'NON_COMPLIANT', /filter "s3-policy" is over-broad: it also matches a GetBucketPolicy record of s3.amazonaws.com/],
    ['an over-broad filter when AllowOverBroadFilter=true', withFilter({ pattern: '{ $.eventSource = s3.amazonaws.com }' }), { AllowOverBroadFilter: 'true' }, 'COMPLIANT', /^Trail main →/],
    ['metric value 0', withFilter({ metric: { value: '0' } }), {}, 'NON_COMPLIANT', /publishes a value that does not raise its metric: metric value 0 adds nothing/],
    [
      'a metric value from a field the events lack',
      withFilter({ metric: { value: '$.requestParameters.objectSize' } }),
      {},
      'NON_COMPLIANT',
      /metric value \$.requestParameters.objectSize is missing from PutBucketPolicy events/,
    ],
    ['the seed filter under SecurityHubParity', () => {}, { SecurityHubParity: 'true' }, 'NON_COMPLIANT', /is not the exact CIS filter text Security Hub CloudWatch.8 demands/],
    ['the CIS filter under SecurityHubParity', withFilter({ pattern: CIS_FILTER_PATTERN }), { SecurityHubParity: 'true', RequiredEvents: 'CIS' }, 'COMPLIANT', /changes of all 9 required events raise this alarm/],
    ['the seed filter when CIS events are required', () => {}, { RequiredEvents: 'CIS' }, 'NON_COMPLIANT', /covers PutBucketPolicy, DeleteBucketPolicy but not PutBucketAcl/],
    ['an explicit event list', withFilter({ pattern: '{ $.eventName = "PutBucketPolicy" }' }), { RequiredEvents: 'PutBucketPolicy' }, 'COMPLIANT', /PutBucketPolicy changes raise this alarm/],
  ];

  const alarmCases: Case[] = [
    [
      'no alarm',
      (parts) => void (parts.alarms = []),
      {},
      'NON_COMPLIANT',
      /filter "s3-policy": has no alarm in us-east-1 on its metric CloudTrailMetrics\/S3BucketPolicyChangeCount/,
    ],
    ['an alarm in another region', withAlarm({ region: 'eu-west-1' }), {}, 'NON_COMPLIANT', /has no alarm in us-east-1 on its metric/],
    [
      'a dimensioned filter with an undimensioned alarm',
      withFilter({ metric: { dimensions: { Bucket: '$.requestParameters.bucketName' } } }),
      {},
      'NON_COMPLIANT',
      /alarm "s3-policy-alarm" watches CloudTrailMetrics\/S3BucketPolicyChangeCount, but the filter's dimension Bucket takes the value of \$.requestParameters.bucketName, which differs from call to call/,
    ],
    [
      'an undimensioned filter with a dimensioned alarm (the seed article Terraform)',
      withAlarm({ metric: { namespace: 'CloudTrailMetrics', name: 'S3BucketPolicyChangeCount', dimensions: { LogGroupName: 'CloudTrail/Default' } } }),
      {},
      'NON_COMPLIANT',
      /the alarm's metric never gets data \(dimensions must match exactly\)/,
    ],
    ['actions disabled', withAlarm({ actionsEnabled: false }), {}, 'NON_COMPLIANT', /alarm "s3-policy-alarm" has its actions disabled/],
    ['Sum >= 2', withAlarm({ threshold: 2 }), {}, 'NON_COMPLIANT', /cannot go to ALARM on every change: a period with changes has Sum 1 or more, and the alarm needs Sum >= 2/],
    ['Sum > 1', withAlarm({ comparisonOperator: 'GreaterThanThreshold' }), {}, 'NON_COMPLIANT', /needs Sum > 1/],
    ['Sum > 0 (the seed article)', withAlarm({ comparisonOperator: 'GreaterThanThreshold', threshold: 0 }), {}, 'COMPLIANT', /^Trail main →/],
    ['SampleCount >= 1', withAlarm({ statistic: 'SampleCount' }), {}, 'COMPLIANT', /^Trail main →/],
    [
      'SampleCount with a default value counts every log event',
      (parts) => {
        withFilter({ metric: { defaultValue: 0 } })(parts);
        withAlarm({ statistic: 'SampleCount' })(parts);
      },
      {},
      'NON_COMPLIANT',
      /is in ALARM even without a change: the filter's default value 0 gives SampleCount 1 or more/,
    ],
    ['Average >= 1', withAlarm({ statistic: 'Average' }), {}, 'COMPLIANT', /^Trail main →/],
    [
      'Average >= 1 diluted by a default value',
      (parts) => {
        withFilter({ metric: { defaultValue: 0 } })(parts);
        withAlarm({ statistic: 'Average' })(parts);
      },
      {},
      'NON_COMPLIANT',
      /a period with changes has Average between 0 and 1, and the alarm needs Average >= 1/,
    ],
    ['Sum >= 1 with a default value 0', withFilter({ metric: { defaultValue: 0 } }), {}, 'COMPLIANT', /^Trail main →/],
    [
      'Sum >= 0 with a default value 0 is always in ALARM',
      (parts) => {
        withFilter({ metric: { defaultValue: 0 } })(parts);
        withAlarm({ threshold: 0 })(parts);
      },
      {},
      'NON_COMPLIANT',
      /is in ALARM even without a change/,
    ],
    ['Maximum > 0', withAlarm({ statistic: 'Maximum', comparisonOperator: 'GreaterThanThreshold', threshold: 0 }), {}, 'COMPLIANT', /^Trail main →/],
    [
      'Minimum with a default value',
      (parts) => {
        withFilter({ metric: { defaultValue: 0 } })(parts);
        withAlarm({ statistic: 'Minimum' })(parts);
      },
      {},
      'NON_COMPLIANT',
      /Minimum between 0 and 1/,
    ],
    ['a LessThan alarm', withAlarm({ comparisonOperator: 'LessThanThreshold', threshold: 5 }), {}, 'NON_COMPLIANT', /needs Sum < 5/],
    [
      '2 of 3 datapoints, missing data not breaching',
      withAlarm({ evaluationPeriods: 3, datapointsToAlarm: 2 }),
      {},
      'NON_COMPLIANT',
      /needs 2 of 3 datapoints breaching, but one change makes one, and TreatMissingData=notBreaching counts the empty periods as not breaching/,
    ],
    ['2 of 3 datapoints, missing data ignored', withAlarm({ evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'ignore' }), {}, 'NON_COMPLIANT', /TreatMissingData=ignore keeps the current state/],
    // CloudWatch's premature-alarm rule: X followed by missing periods goes to ALARM once X is M periods old.
    ['2 of 3 datapoints, missing data treated as missing', withAlarm({ evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'missing' }), {}, 'COMPLIANT', /^Trail main →/],
    ['3 of 3 datapoints, TreatMissingData left at its default', withAlarm({ evaluationPeriods: 3, treatMissingData: undefined }), {}, 'COMPLIANT', /^Trail main →/],
    [
      '2 of 3 datapoints, missing data treated as missing, but the filter has a default value',
      (parts) => {
        withFilter({ metric: { defaultValue: 0 } })(parts);
        withAlarm({ evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'missing' })(parts);
      },
      {},
      'NON_COMPLIANT',
      /the filter's default value 0 fills the other periods with data that does not breach/,
    ],
    ['3 evaluation periods, 1 datapoint', withAlarm({ evaluationPeriods: 3, datapointsToAlarm: 1 }), {}, 'COMPLIANT', /^Trail main →/],
    ['3 evaluation periods without DatapointsToAlarm', withAlarm({ evaluationPeriods: 3 }), {}, 'NON_COMPLIANT', /needs 3 of 3 datapoints/],
    ['missing data treated as breaching', withAlarm({ treatMissingData: 'breaching' }), {}, 'NON_COMPLIANT', /treats missing data as breaching/],
    ['an alarm asking for another unit', withAlarm({ unit: 'Count' }), {}, 'NON_COMPLIANT', /asks for unit Count, but the filter publishes None/],
    [
      'an alarm asking for the unit the filter publishes',
      (parts) => {
        withFilter({ metric: { unit: 'Count' } })(parts);
        withAlarm({ unit: 'Count' })(parts);
      },
      {},
      'COMPLIANT',
      /^Trail main →/,
    ],
    [
      'an anomaly-detection alarm',
      withAlarm({ comparisonOperator: 'GreaterThanUpperThreshold', threshold: undefined, thresholdMetricId: 'ad1' }),
      {},
      'NON_COMPLIANT',
      /anomaly-detection band/,
    ],
    ['a p99 alarm ignoring low sample counts', withAlarm({ statistic: undefined, extendedStatistic: 'p99', evaluateLowSampleCountPercentile: 'ignore' }), {}, 'NON_COMPLIANT', /EvaluateLowSampleCountPercentile=ignore/],
    ['a p99 alarm', withAlarm({ statistic: undefined, extendedStatistic: 'p99' }), {}, 'COMPLIANT', /^Trail main →/],
    ['a field metric value with Sum > 0', (parts) => { withFilter({ metric: { value: '$.eventVersion' } })(parts); withAlarm({ comparisonOperator: 'GreaterThanThreshold', threshold: 0 })(parts); }, {}, 'COMPLIANT', /^Trail main →/],
    ['a field metric value with Sum >= 5', (parts) => { withFilter({ metric: { value: '$.eventVersion' } })(parts); withAlarm({ threshold: 5 })(parts); }, {}, 'NON_COMPLIANT', /has Sum some positive value, and the alarm needs Sum >= 5/],
  ];

  const mathMetric = { namespace: 'CloudTrailMetrics', name: 'S3BucketPolicyChangeCount', dimensions: {} };
  const mathAlarm = (metrics: AlarmSnapshot['metrics']) => withAlarm({ metric: undefined, statistic: undefined, period: undefined, metrics });
  const mathCases: Case[] = [
    ['a metric-math alarm returning the metric query', mathAlarm([{ id: 'm1', returnData: true, metricStat: { metric: mathMetric, stat: 'Sum', period: 300 } }]), {}, 'COMPLIANT', /^Trail main →/],
    [
      'a metric-math alarm whose expression is the metric id',
      mathAlarm([
        { id: 'm1', returnData: false, metricStat: { metric: mathMetric, stat: 'Sum', period: 300 } },
        { id: 'e1', returnData: true, expression: 'm1' },
      ]),
      {},
      'COMPLIANT',
      /^Trail main →/,
    ],
    [
      'a metric-math alarm with a real expression',
      mathAlarm([
        { id: 'm1', returnData: false, metricStat: { metric: mathMetric, stat: 'Sum', period: 300 } },
        { id: 'e1', returnData: true, expression: 'RATE(m1)' },
      ]),
      {},
      'NON_COMPLIANT',
      /evaluates the expression "RATE\(m1\)", not the filter's metric itself/,
    ],
    [
      'a metric-math alarm on the metric with other dimensions',
      mathAlarm([{ id: 'm1', returnData: true, metricStat: { metric: { ...mathMetric, dimensions: { Bucket: 'x' } }, stat: 'Sum', period: 300 } }]),
      {},
      'NON_COMPLIANT',
      /dimensions must match exactly/,
    ],
  ];

  const notificationCases: Case[] = [
    ['no alarm action', withAlarm({ alarmActions: [] }), {}, 'NON_COMPLIANT', /alarm "s3-policy-alarm": notifies no SNS topic \(AlarmActions is empty\)/],
    [
      'only a non-SNS action',
      withAlarm({ alarmActions: [`arn:aws:ssm:${REGION}:${ACCOUNT}:opsitem:3`] }),
      {},
      'NON_COMPLIANT',
      /notifies no SNS topic \(its actions: arn:aws:ssm:/,
    ],
    ['a topic without subscribers', (parts) => void (parts.topics = [topic({ subscriptions: [] })]), {}, 'NON_COMPLIANT', /topic alerts has no subscribers, so the alarm reaches nobody/],
    [
      'a pending subscription',
      (parts) => void (parts.topics = [topic({ subscriptions: [{ protocol: 'email', endpoint: 'a@example.com', subscriptionArn: 'PendingConfirmation' }] })]),
      {},
      'NON_COMPLIANT',
      /topic alerts has no confirmed subscription: 1 pending confirmation \(email\); its recipient must confirm it from the subscription confirmation message AWS sent/,
    ],
    [
      'a pending subscription when RequireConfirmedSubscription=false',
      (parts) => void (parts.topics = [topic({ subscriptions: [{ protocol: 'email', endpoint: 'a@example.com', subscriptionArn: 'PendingConfirmation' }] })]),
      { RequireConfirmedSubscription: 'false' },
      'COMPLIANT',
      /^Trail main →/,
    ],
    ['a deleted topic', (parts) => void (parts.topics = [topic({ exists: false, subscriptions: [] })]), {}, 'NON_COMPLIANT', /topic alerts does not exist in us-east-1/],
    [
      "another account's topic that cannot be listed",
      (parts) => {
        const arn = `arn:aws:sns:${REGION}:${OTHER_ACCOUNT}:central-alerts`;
        parts.alarms = [alarm({ alarmActions: [arn] })];
        parts.topics = [topic({ arn, unreadable: 'AuthorizationErrorException', subscriptions: [] })];
      },
      {},
      'NON_COMPLIANT',
      /topic central-alerts \(account 999988887777\) belongs to account 999988887777, whose subscriptions cannot be listed or attributes read from here/,
    ],
    [
      "another account's readable topic",
      (parts) => {
        const arn = `arn:aws:sns:${REGION}:${OTHER_ACCOUNT}:central-alerts`;
        parts.alarms = [alarm({ alarmActions: [arn] })];
        const allowAlarmsOf = { Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: arn, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } };
        const policy = JSON.parse(defaultTopicPolicy(arn));
        policy.Statement.push(allowAlarmsOf);
        parts.topics = [topic({ arn, attributes: { policy: JSON.stringify(policy) } })];
      },
      {},
      'COMPLIANT',
      /topic central-alerts \(account 999988887777\):/,
    ],
    [
      "another account's topic with the default policy: only its own account's alarms may publish",
      (parts) => {
        const arn = `arn:aws:sns:${REGION}:${OTHER_ACCOUNT}:central-alerts`;
        parts.alarms = [alarm({ alarmActions: [arn] })];
        parts.topics = [topic({ arn })];
      },
      {},
      'NON_COMPLIANT',
      /topic central-alerts \(account 999988887777\) has a topic policy that does not allow cloudwatch.amazonaws.com sns:Publish/,
    ],
  ];

  // ------------------------------------------------ issue 14: the links as AWS delivers them (each case was COMPLIANT or
  // misjudged before the alarm model, the topic and key policies and the subscription filters were judged)
  const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const keyPolicy = (...statements: object[]) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }, ...statements] });
  const cloudWatchMayUseKey = { Sid: 'AllowCloudWatchAlarms', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } };
  const encrypted = (key: Partial<NonNullable<TopicSnapshot['key']>> | undefined, kmsMasterKeyId = KEY_ARN) => (parts: Parts) => {
    parts.topics = [topic({ attributes: { policy: defaultTopicPolicy(TOPIC_ARN), kmsMasterKeyId }, ...(key ? { key: { arn: KEY_ARN, keyManager: 'CUSTOMER', keyState: 'Enabled', ...key } } : {}) })];
  };
  const withTopicPolicy = (...statements: object[]) => (parts: Parts) => {
    const policy = JSON.parse(defaultTopicPolicy(TOPIC_ARN));
    policy.Statement.push(...statements);
    parts.topics = [topic({ attributes: { policy: JSON.stringify(policy) } })];
  };
  const subscribed = (...subscriptions: TopicSnapshot['subscriptions']) => (parts: Parts) => void (parts.topics = [topic({ subscriptions })]);
  const email = (filter: { policy?: string; scope?: string } = {}) => ({ protocol: 'email', endpoint: 'security@example.com', subscriptionArn: `${TOPIC_ARN}:0b6e1a2c`, filter });
  const both = (...changes: ((parts: Parts) => void)[]) => (parts: Parts) => changes.forEach((change) => change(parts));
  const NOW = '2026-11-30T06:00:00.000Z';
  const writer = (name: string, value: string, pattern = '{ $.eventName = * }'): PublishingFilter => ({ ...filter({ name, pattern, metric: { value } }), logGroupName: 'app-logs' });
  const insights = (query: string, period = 300) =>
    withAlarm({ metric: undefined, statistic: undefined, period: undefined, metrics: [{ id: 'q1', returnData: true, expression: query, period }] });
  const perEventName = withFilter({ metric: { dimensions: { EventName: '$.eventName' } } });
  const eventAlarm = (event: string) => alarm({ name: `on-${event}`, metric: { namespace: 'CloudTrailMetrics', name: 'S3BucketPolicyChangeCount', dimensions: { EventName: event } } });

  const deliveredToPersonCases: Case[] = [
    // 1. the topic refuses CloudWatch
    ['a topic encrypted with alias/aws/sns', encrypted(undefined, 'alias/aws/sns'), {}, 'NON_COMPLIANT', /topic alerts is encrypted with alias\/aws\/sns, which CloudWatch alarms cannot use/],
    ['a topic encrypted with the AWS managed key by ARN', encrypted({ keyManager: 'AWS' }), {}, 'NON_COMPLIANT', /is encrypted with the AWS managed key .*, which CloudWatch alarms cannot use/],
    ['a customer key whose policy admits only the account', encrypted({ policy: keyPolicy() }), {}, 'NON_COMPLIANT', /whose key policy does not allow cloudwatch.amazonaws.com kms:Decrypt \(no statement allows it\)/],
    ['a customer key that lets CloudWatch of this account use it', encrypted({ policy: keyPolicy(cloudWatchMayUseKey) }), {}, 'COMPLIANT', /^Trail main →/],
    [
      'a customer key that lets CloudWatch decrypt only',
      encrypted({ policy: keyPolicy({ ...cloudWatchMayUseKey, Action: 'kms:Decrypt' }) }),
      {},
      'NON_COMPLIANT',
      /does not allow cloudwatch.amazonaws.com kms:GenerateDataKey/,
    ],
    [
      "a customer key admitting another account's alarms only",
      encrypted({ policy: keyPolicy({ ...cloudWatchMayUseKey, Condition: { StringEquals: { 'aws:SourceAccount': OTHER_ACCOUNT } } }) }),
      {},
      'NON_COMPLIANT',
      /does not allow cloudwatch.amazonaws.com kms:Decrypt/,
    ],
    ['a disabled customer key', encrypted({ keyState: 'Disabled', policy: keyPolicy(cloudWatchMayUseKey) }), {}, 'NON_COMPLIANT', /is encrypted with KMS key .*, which is Disabled/],
    ['a key of another account, whose policy cannot be read', encrypted({ unreadable: "GetKeyPolicy works only in the key's account, 999988887777" }), {}, 'NON_COMPLIANT', /whose key policy cannot be read from here \(GetKeyPolicy works only/],
    [
      'a topic policy denying sns:Publish to everyone',
      withTopicPolicy({ Sid: 'NoPublish', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: TOPIC_ARN }),
      {},
      'NON_COMPLIANT',
      /topic alerts has a topic policy that denies sns:Publish to cloudwatch.amazonaws.com \(statement "NoPublish"\)/,
    ],
    [
      'a topic policy denying CloudWatch by name',
      withTopicPolicy({ Effect: 'Deny', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'SNS:*', Resource: '*' }),
      {},
      'NON_COMPLIANT',
      /denies sns:Publish to cloudwatch.amazonaws.com/,
    ],
    [
      'a TLS-only topic policy (the remediation writes one) lets CloudWatch publish',
      withTopicPolicy({ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: TOPIC_ARN, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      {},
      'COMPLIANT',
      /^Trail main →/,
    ],
    // 2. the subscriber filters the alarm out
    ['a filter policy on message attributes', subscribed(email({ policy: '{"severity":["high"]}' })), {}, 'NON_COMPLIANT', /email subscription 0b6e1a2c has a filter policy on message attributes, and alarm notifications carry no message attributes, so SNS drops them/],
    ['a filter policy on attributes without a scope set (MessageAttributes is the default)', subscribed(email({ policy: '{"AlarmName":["s3-policy-alarm"]}' })), {}, 'NON_COMPLIANT', /filter policy on message attributes/],
    ['a filter policy that accepts absent attributes', subscribed(email({ policy: '{"severity":[{"exists":false}]}' })), {}, 'COMPLIANT', /^Trail main →/],
    ['a MessageBody filter on the alarm name', subscribed(email({ policy: '{"AlarmName":["s3-policy-alarm"]}', scope: 'MessageBody' })), {}, 'COMPLIANT', /^Trail main →/],
    ['a MessageBody filter on a prefix of the alarm name', subscribed(email({ policy: '{"AlarmName":[{"prefix":"s3-"}],"NewStateValue":["ALARM"]}', scope: 'MessageBody' })), {}, 'COMPLIANT', /^Trail main →/],
    ['a MessageBody filter for OK notifications only', subscribed(email({ policy: '{"NewStateValue":["OK"]}', scope: 'MessageBody' })), {}, 'NON_COMPLIANT', /has a MessageBody filter policy that does not accept the alarm's ALARM notification/],
    ['a MessageBody filter on another alarm', subscribed(email({ policy: '{"AlarmName":[{"anything-but":"s3-policy-alarm"}]}', scope: 'MessageBody' })), {}, 'NON_COMPLIANT', /does not accept the alarm's ALARM notification/],
    ['a MessageBody filter on the nested Trigger', subscribed(email({ policy: '{"Trigger":{"MetricName":["S3BucketPolicyChangeCount"]}}', scope: 'MessageBody' })), {}, 'COMPLIANT', /^Trail main →/],
    ['a MessageBody filter on the reason text, unknown in advance', subscribed(email({ policy: '{"NewStateReason":[{"prefix":"Threshold"}]}', scope: 'MessageBody' })), {}, 'NON_COMPLIANT', /cannot be shown to accept \(NewStateReason is not known in advance\)/],
    ['only an SQS subscriber', subscribed({ protocol: 'sqs', endpoint: `arn:aws:sqs:${REGION}:${ACCOUNT}:q`, subscriptionArn: `${TOPIC_ARN}:1`, filter: {} }), {}, 'NON_COMPLIANT', /has only sqs subscriptions, which do not reach a person by themselves \(SubscriberProtocols=email,email-json,sms,https,application/],
    ['only an SQS subscriber, when SubscriberProtocols counts sqs', subscribed({ protocol: 'sqs', endpoint: `arn:aws:sqs:${REGION}:${ACCOUNT}:q`, subscriptionArn: `${TOPIC_ARN}:1`, filter: {} }), { SubscriberProtocols: 'email,sqs' }, 'COMPLIANT', /^Trail main →/],
    // 3. the alarm fires once and then never again
    ['TreatMissingData=ignore: ALARM after the first change, for good', withAlarm({ treatMissingData: 'ignore' }), {}, 'NON_COMPLIANT', /goes to ALARM on the first change and stays there while no data arrives .*so the next change notifies nobody/],
    ['TreatMissingData=missing', withAlarm({ treatMissingData: 'missing' }), {}, 'COMPLIANT', /^Trail main →/],
    ['TreatMissingData=ignore with a default value 0: the log group may still be silent', both(withFilter({ metric: { defaultValue: 0 } }), withAlarm({ treatMissingData: 'ignore' })), {}, 'NON_COMPLIANT', /stays there while no data arrives/],
    // 4. someone else writes into the alarmed metric
    [
      'another filter adding 1 for every record keeps the alarm in ALARM',
      (parts) => void (parts.otherWriters = [writer('all-events', '1')]),
      {},
      'NON_COMPLIANT',
      /is in ALARM even without a change: filter "all-events" of log group app-logs gives Sum 1 or more/,
    ],
    ['another filter adding -1 can cancel a change', (parts) => void (parts.otherWriters = [writer('minus', '-1')]), {}, 'NON_COMPLIANT', /a period with changes has Sum any value.*filter "minus" of log group app-logs/],
    ['the same filter on another log group adds to changes only', (parts) => void (parts.otherWriters = [writer('copy', '1', POLICY_FILTER_PATTERN)]), {}, 'COMPLIANT', /^Trail main →/],
    [
      'an alarm in ALARM for three days',
      both(withAlarm({ stateValue: 'ALARM', stateUpdatedTimestamp: '2026-11-27T06:00:00.000Z' }), (parts) => void (parts.readAt = NOW)),
      {},
      'NON_COMPLIANT',
      /has been in ALARM since 2026-11-27T06:00:00.000Z, more than a day/,
    ],
    // 5. metric math, Metrics Insights, composite alarms, high-resolution periods
    [
      'metric math 2 × m1 >= 2 rises with the metric',
      withAlarm({ metric: undefined, statistic: undefined, period: undefined, threshold: 2, metrics: [{ id: 'm1', returnData: false, metricStat: { metric: { namespace: 'CloudTrailMetrics', name: 'S3BucketPolicyChangeCount', dimensions: {} }, stat: 'Sum', period: 300 } }, { id: 'e1', returnData: true, expression: '2 * m1' }] }),
      {},
      'COMPLIANT',
      /^Trail main →/,
    ],
    [
      'metric math 10 - m1 >= 1 falls as the metric rises: ten changes in a period do not breach',
      withAlarm({ metric: undefined, statistic: undefined, period: undefined, metrics: [{ id: 'm1', returnData: false, metricStat: { metric: { namespace: 'CloudTrailMetrics', name: 'S3BucketPolicyChangeCount', dimensions: {} }, stat: 'Sum', period: 300 } }, { id: 'e1', returnData: true, expression: '10 - m1' }] }),
      {},
      'NON_COMPLIANT',
      /cannot go to ALARM on every change: a period with changes has Sum 1 or more, and the alarm needs Sum <= 9/,
    ],
    [
      'metric math 10 - m1 <= 9 is Sum >= 1',
      withAlarm({ metric: undefined, statistic: undefined, period: undefined, threshold: 9, comparisonOperator: 'LessThanOrEqualToThreshold', metrics: [{ id: 'm1', returnData: false, metricStat: { metric: { namespace: 'CloudTrailMetrics', name: 'S3BucketPolicyChangeCount', dimensions: {} }, stat: 'Sum', period: 300 } }, { id: 'e1', returnData: true, expression: '10 - m1' }] }),
      {},
      'COMPLIANT',
      /^Trail main →/,
    ],
    [
      'metric math FILL(m1, 1) >= 1 is in ALARM without a change',
      withAlarm({ metric: undefined, statistic: undefined, period: undefined, metrics: [{ id: 'm1', returnData: false, metricStat: { metric: { namespace: 'CloudTrailMetrics', name: 'S3BucketPolicyChangeCount', dimensions: {} }, stat: 'Sum', period: 300 } }, { id: 'e1', returnData: true, expression: 'FILL(m1, 1)' }] }),
      {},
      'NON_COMPLIANT',
      /is in ALARM even without a change: FILL\(1\) gives Sum 1/,
    ],
    ['a Metrics Insights alarm on the metric', insights('SELECT SUM(S3BucketPolicyChangeCount) FROM SCHEMA("CloudTrailMetrics")'), {}, 'COMPLIANT', /^Trail main →/],
    ['a Metrics Insights alarm narrowed by WHERE', insights("SELECT SUM(S3BucketPolicyChangeCount) FROM CloudTrailMetrics WHERE Bucket = 'a'"), {}, 'NON_COMPLIANT', /narrows its Metrics Insights query with WHERE/],
    ['a Metrics Insights alarm on a schema with other dimensions', insights('SELECT SUM(S3BucketPolicyChangeCount) FROM SCHEMA(CloudTrailMetrics, Bucket)'), {}, 'NON_COMPLIANT', /holds only metrics with exactly those dimensions/],
    ['a 10-second period on a metric-filter metric', withAlarm({ period: 10 }), {}, 'NON_COMPLIANT', /has a period of 10 s, but a metric filter publishes standard-resolution data/],
    ['a 30-second Metrics Insights period', insights('SELECT SUM(S3BucketPolicyChangeCount) FROM SCHEMA("CloudTrailMetrics")', 30), {}, 'NON_COMPLIANT', /has a period of 30 s/],
    [
      'no action of its own, but a composite alarm that fires with it',
      both(withAlarm({ alarmActions: [] }), (parts) => {
        parts.compositeAlarms = [{ name: 'security', arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:security`, region: REGION, actionsEnabled: true, alarmActions: [TOPIC_ARN], alarmRule: 'ALARM("s3-policy-alarm") OR ALARM("root-login")', childArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:s3-policy-alarm` }];
      }),
      {},
      'COMPLIANT',
      /→ topic alerts \(through composite alarm "security"\): /,
    ],
    [
      'a composite alarm that needs another alarm too',
      both(withAlarm({ alarmActions: [] }), (parts) => {
        parts.compositeAlarms = [{ name: 'security', arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:security`, region: REGION, actionsEnabled: true, alarmActions: [TOPIC_ARN], alarmRule: 'ALARM("s3-policy-alarm") AND ALARM("root-login")', childArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:s3-policy-alarm` }];
      }),
      {},
      'NON_COMPLIANT',
      /composite alarm "security" has the rule ALARM\("s3-policy-alarm"\) AND ALARM\("root-login"\), in which other alarms' states decide/,
    ],
    // 6. filter dimensions are values
    ['one alarm per $.eventName value, for one value only', both(perEventName, (parts) => void (parts.alarms = [eventAlarm('PutBucketPolicy')])), {}, 'NON_COMPLIANT', /alarm "on-PutBucketPolicy" watches the metric of PutBucketPolicy only, and no working alarm watches that of DeleteBucketPolicy, so DeleteBucketPolicy changes notify nobody/],
    ['one alarm per $.eventName value, for every value', both(perEventName, (parts) => void (parts.alarms = [eventAlarm('PutBucketPolicy'), eventAlarm('DeleteBucketPolicy')])), {}, 'COMPLIANT', /^Trail main →/],
    [
      'a $.eventSource dimension: one value for every required event',
      both(withFilter({ metric: { dimensions: { EventSource: '$.eventSource' } } }), withAlarm({ metric: { namespace: 'CloudTrailMetrics', name: 'S3BucketPolicyChangeCount', dimensions: { EventSource: 's3.amazonaws.com' } } })),
      {},
      'COMPLIANT',
      /^Trail main →/,
    ],
    [
      'a per-bucket dimension aggregated by Metrics Insights',
      both(withFilter({ metric: { dimensions: { Bucket: '$.requestParameters.bucketName' } } }), insights('SELECT SUM(S3BucketPolicyChangeCount) FROM SCHEMA("CloudTrailMetrics", Bucket)')),
      {},
      'COMPLIANT',
      /^Trail main →/,
    ],
    // 7. delivery
    [
      'a delivery error older than the latest delivery: history',
      both(withTrail({ status: { isLogging: true, latestCloudWatchLogsDeliveryError: 'AccessDeniedException', latestCloudWatchLogsDeliveryTime: '2026-11-30T05:55:00.000Z' } }), (parts) => void (parts.readAt = NOW)),
      {},
      'COMPLIANT',
      /^Trail main →/,
    ],
    [
      'a delivery error and no delivery for a day',
      both(withTrail({ status: { isLogging: true, latestCloudWatchLogsDeliveryError: 'AccessDeniedException', latestCloudWatchLogsDeliveryTime: '2026-11-29T05:00:00.000Z' } }), (parts) => void (parts.readAt = NOW)),
      {},
      'NON_COMPLIANT',
      /CloudTrail fails to deliver \(AccessDeniedException\); the last successful delivery was at 2026-11-29T05:00:00.000Z/,
    ],
  ];

  test('the report names the delivery error as history, and the protocol of the receiving subscriber', () => {
    const verdict = evaluate(
      account(both(withTrail({ status: { isLogging: true, latestCloudWatchLogsDeliveryError: 'AccessDeniedException', latestCloudWatchLogsDeliveryTime: '2026-11-30T05:55:00.000Z' } }), (parts) => void (parts.readAt = NOW))),
    );
    const details = verdict.chains[0]!.links.map((link) => link.detail);
    expect(details[1]).toMatch(/the delivery error "AccessDeniedException" is history: CloudTrail delivered since, at 2026-11-30T05:55:00.000Z/);
    expect(details[4]).toBe('has 1 confirmed subscription (email) that receives the ALARM notification');
  });

  test('a subscription that filters the alarm out is named by its id, never by its endpoint', () => {
    const verdict = evaluate(account(subscribed(email({ policy: '{"severity":["high"]}' }))));
    expect(JSON.stringify(verdict)).not.toContain('security@example.com');
  });

  test('an alarm in ALARM for an hour: COMPLIANT, with a line in the report', () => {
    const verdict = evaluate(account(both(withAlarm({ stateValue: 'ALARM', stateUpdatedTimestamp: '2026-11-30T05:00:00.000Z' }), (parts) => void (parts.readAt = NOW))));
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.chains[0]!.links[3]!.detail).toMatch(/it is in ALARM now \(since 2026-11-30T05:00:00.000Z\): a change before it returns to OK notifies nobody/);
  });

  test('a topic whose key was not read is an error, not a verdict', () => {
    expect(() => evaluate(account(encrypted(undefined)))).toThrow(/incomplete snapshot: KMS key .* of topic .* was not read/);
  });

  test('a chain whose metric writers were not read is an error, not a verdict', () => {
    const snapshot = account();
    delete snapshot.metricPublishers;
    expect(() => evaluate(snapshot)).toThrow(/incomplete snapshot: the writers of metric CloudTrailMetrics\/S3BucketPolicyChangeCount in us-east-1 were not read/);
  });

  test.each([...trailCases, ...deliveryCases, ...filterCases, ...alarmCases, ...mathCases, ...notificationCases, ...deliveredToPersonCases])(
    '%s',
    (_description, change, parameters, compliance, annotation) => {
      const verdict = evaluate(account(change), parameters);
      expect(verdict.compliance).toBe(compliance);
      expect(verdict.annotation).toMatch(annotation);
      expect(verdict.annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    },
  );

  describe('organization trails', () => {
    const orgTrail = trail({ name: 'org-trail', arn: `arn:aws:cloudtrail:${REGION}:${OTHER_ACCOUNT}:trail/org-trail`, isOrganizationTrail: true, status: undefined, selectors: undefined });

    test("another account's organization trail is NOT_APPLICABLE, naming the owner and the trail", () => {
      const verdict = evaluate(account((parts) => Object.assign(parts, { trails: [orgTrail], logGroups: [], alarms: [], topics: [] })));
      expect(verdict.compliance).toBe('NOT_APPLICABLE');
      expect(verdict.annotation).toMatch(/^Trail org-trail is an organization trail of account 999988887777/);
      expect(verdict.chains[0]!.status).toBe('not-applicable');
    });

    test('a complete chain of its own makes the member COMPLIANT anyway', () => {
      const verdict = evaluate(account((parts) => parts.trails.unshift(orgTrail)));
      expect(verdict.compliance).toBe('COMPLIANT');
    });

    test('a broken chain of its own does not turn the org trail into NON_COMPLIANT', () => {
      const verdict = evaluate(account((parts) => Object.assign(parts, { trails: [orgTrail, trail({ status: { isLogging: false } })] })));
      expect(verdict.compliance).toBe('NOT_APPLICABLE');
      expect(verdict.chains.map((chain) => chain.status)).toEqual(['not-applicable', 'broken']);
    });

    describe('read in the owner account through TrailOwnerReadRoleName', () => {
      const OWNER_LOG_GROUP_ARN = `arn:aws:logs:${REGION}:${OTHER_ACCOUNT}:log-group:aws-controltower/CloudTrailLogs`;
      const OWNER_TOPIC_ARN = `arn:aws:sns:${REGION}:${OTHER_ACCOUNT}:org-alerts`;
      const ROLE_ARN = `arn:aws:iam::${OTHER_ACCOUNT}:role/S3PolicyWatchTrailOwnerRead`;
      const readTrail = (overrides: Partial<TrailSnapshot> = {}) =>
        trail({
          ...orgTrail,
          cloudWatchLogsLogGroupArn: `${OWNER_LOG_GROUP_ARN}:*`,
          cloudWatchLogsRoleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/CloudTrailRoleForCloudWatchLogs`,
          status: { isLogging: true },
          selectors: { classic: [{ readWriteType: 'All', includeManagementEvents: true }], advanced: [] },
          ...overrides,
        });
      const ownerParts = (change: (parts: Omit<TrailOwnerSnapshot, 'accountId' | 'roleArn'>) => void = () => {}): TrailOwnerSnapshot => {
        const parts = {
          logGroups: [logGroup([filter()], { arn: OWNER_LOG_GROUP_ARN, name: 'aws-controltower/CloudTrailLogs', accountId: OTHER_ACCOUNT })],
          alarms: [alarm({ arn: `arn:aws:cloudwatch:${REGION}:${OTHER_ACCOUNT}:alarm:s3-policy-alarm`, alarmActions: [OWNER_TOPIC_ARN] })],
          alarmSearches: [],
          topics: [topic({ arn: OWNER_TOPIC_ARN })],
        };
        change(parts);
        return { accountId: OTHER_ACCOUNT, roleArn: ROLE_ARN, metricPublishers: metricPublishers(parts), ...parts };
      };
      /** A member whose only trail is the owner's organization trail, unless `change` gives it more. */
      const member = (owner: TrailOwnerSnapshot, change: (parts: Parts) => void = () => {}, trailOverrides: Partial<TrailSnapshot> = {}) =>
        account((parts) => {
          Object.assign(parts, { trails: [readTrail(trailOverrides)], logGroups: [], alarms: [], topics: [] });
          change(parts);
        });
      const withOwner = (snapshot: AccountSnapshot, owner: TrailOwnerSnapshot): AccountSnapshot => ({ ...snapshot, trailOwners: [owner] });

      test("the owner's complete chain makes the member COMPLIANT, and the annotation names the owner account first", () => {
        const verdict = evaluate(withOwner(member(ownerParts()), ownerParts()));
        expect(verdict.compliance).toBe('COMPLIANT');
        expect(verdict.annotation).toBe(
          'In trail owner account 999988887777: Trail org-trail → log group aws-controltower/CloudTrailLogs → filter "s3-policy" → alarm "s3-policy-alarm" → topic org-alerts: PutBucketPolicy and DeleteBucketPolicy changes raise this alarm, which reaches a subscriber',
        );
        expect(verdict.chains[0]).toMatchObject({ status: 'complete', readInAccount: OTHER_ACCOUNT, logGroupArn: OWNER_LOG_GROUP_ARN, topicArn: OWNER_TOPIC_ARN });
        expect(verdict.chains[0]!.links[0]!.detail).toBe(
          `is an organization trail of account ${OTHER_ACCOUNT} (read through ${ROLE_ARN}), multi-region, logging, and records management write events`,
        );
      });

      test("a break in the owner's chain is NON_COMPLIANT, naming the owner account and the link to fix there", () => {
        const owner = ownerParts((parts) => {
          parts.topics = [topic({ arn: OWNER_TOPIC_ARN, subscriptions: [] })];
        });
        const verdict = evaluate(withOwner(member(owner), owner));
        expect(verdict.compliance).toBe('NON_COMPLIANT');
        expect(verdict.annotation).toBe(
          'In trail owner account 999988887777: Trail org-trail → log group aws-controltower/CloudTrailLogs → filter "s3-policy" → alarm "s3-policy-alarm": topic org-alerts has no subscribers, so the alarm reaches nobody',
        );
      });

      test("the owner's trail itself is judged: one that stopped logging breaks the chain", () => {
        const verdict = evaluate(withOwner(member(ownerParts(), () => {}, { status: { isLogging: false } }), ownerParts()));
        expect(verdict.compliance).toBe('NON_COMPLIANT');
        expect(verdict.annotation).toMatch(/^In trail owner account 999988887777: Trail org-trail is not logging \(run StartLogging\)/);
      });

      test("an alarm of the member on a same-named metric does not complete the owner's filter: metrics belong to an account", () => {
        const owner = ownerParts((parts) => {
          parts.alarms = [];
          parts.topics = [];
        });
        const verdict = evaluate(withOwner(member(owner, (parts) => Object.assign(parts, { alarms: [alarm()], topics: [topic()] })), owner));
        expect(verdict.compliance).toBe('NON_COMPLIANT');
        expect(verdict.annotation).toMatch(/^In trail owner account 999988887777: .*filter "s3-policy": has no alarm in us-east-1 on its metric CloudTrailMetrics\/S3BucketPolicyChangeCount/);
      });

      test("a broken trail of the member's own no longer hides the owner's complete chain", () => {
        const snapshot = member(ownerParts(), (parts) => parts.trails.push(trail({ status: { isLogging: false } })));
        const verdict = evaluate(withOwner({ ...snapshot, logGroups: [logGroup([filter()])] }, ownerParts()));
        expect(verdict.compliance).toBe('COMPLIANT');
        expect(verdict.chains.map((chain) => [chain.status, chain.readInAccount])).toEqual([
          ['complete', OTHER_ACCOUNT],
          ['broken', undefined],
        ]);
      });

      test('the owner account stays in an annotation cut to 256 characters', () => {
        const owner = ownerParts((parts) => {
          parts.logGroups = [logGroup([filter({ name: 'f'.repeat(200), metric: { value: '0' } })], { arn: OWNER_LOG_GROUP_ARN, name: 'aws-controltower/CloudTrailLogs', accountId: OTHER_ACCOUNT })];
        });
        const verdict = evaluate(withOwner(member(owner), owner));
        expect(verdict.compliance).toBe('NON_COMPLIANT');
        expect(verdict.annotation.startsWith('In trail owner account 999988887777: ')).toBe(true);
        expect(verdict.annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
      });
    });
  });

  describe('several trails, filters, alarms and topics', () => {
    test('COMPLIANT when only the second trail completes a chain, and the annotation names it', () => {
      const verdict = evaluate(
        account((parts) => {
          parts.trails = [trail({ name: 'audit', cloudWatchLogsLogGroupArn: undefined }), trail({ name: 'security' })];
        }),
      );
      expect(verdict.compliance).toBe('COMPLIANT');
      expect(verdict.annotation).toMatch(/^Trail security →/);
      expect(verdict.chains.map((chain) => chain.status)).toEqual(['broken', 'complete']);
    });

    test('every filter, alarm and topic considered is a chain of the report', () => {
      const second = `arn:aws:sns:${REGION}:${ACCOUNT}:ops`;
      const verdict = evaluate(
        account((parts) => {
          parts.logGroups = [logGroup([filter(), filter({ name: 'put-only', pattern: '{ $.eventName = PutBucketPolicy }', metric: { name: 'PutOnly' } })])];
          parts.alarms = [alarm({ alarmActions: [TOPIC_ARN, second] }), alarm({ name: 'disabled', actionsEnabled: false })];
          parts.topics = [topic({ subscriptions: [] }), topic({ arn: second, subscriptions: [] })];
        }),
      );
      expect(verdict.compliance).toBe('NON_COMPLIANT');
      // s3-policy x (s3-policy-alarm x its 2 topics + disabled x its topic), put-only (its metric has no alarm)
      expect(verdict.chains.map((chain) => [chain.filterName, chain.alarmArn?.split(':').pop(), chain.topicArn?.split(':').pop()])).toEqual([
        ['s3-policy', 's3-policy-alarm', 'alerts'],
        ['s3-policy', 's3-policy-alarm', 'ops'],
        ['s3-policy', 'disabled', 'alerts'],
        ['put-only', undefined, undefined],
      ]);
      expect(verdict.annotation).toBe(
        'Trail main → log group CloudTrail/Default → filter "s3-policy" → alarm "s3-policy-alarm": topic alerts has no subscribers, so the alarm reaches nobody',
      );
    });

    test('the annotation describes the chain with the most working links, and says when more is broken', () => {
      const verdict = evaluate(
        account((parts) => {
          parts.trails = [trail({ name: 'stopped', status: { isLogging: false } }), trail({ name: 'bare', cloudWatchLogsLogGroupArn: undefined })];
          parts.alarms = [alarm({ actionsEnabled: false })];
        }),
      );
      expect(verdict.annotation).toBe('Trail stopped is not logging (run StartLogging) (and 1 more broken link further on)');
    });

    test('the annotation fits in 256 characters however long the names are', () => {
      const longName = `s3-${'policy-'.repeat(60)}filter`;
      const verdict = evaluate(account(withFilter({ name: longName, pattern: '{ $.eventName = "PutBucketPolicy" }' })));
      expect(verdict.compliance).toBe('NON_COMPLIANT');
      expect(verdict.annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
      expect(verdict.annotation).toMatch(/^filter "s3-policy-policy-/);
    });
  });

  describe('log groups by full ARN', () => {
    test("a log group in another region is the trail's when the ARN says so, and is named with its region", () => {
      const arn = `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:CloudTrail/Default`;
      const verdict = evaluate(
        account((parts) => {
          parts.trails = [trail({ cloudWatchLogsLogGroupArn: `${arn}:*` })];
          parts.logGroups = [logGroup([filter()], { arn, region: 'eu-west-1' })];
          parts.alarms = [alarm({ region: 'eu-west-1' })];
        }),
      );
      expect(verdict.compliance).toBe('COMPLIANT');
      expect(verdict.annotation).toMatch(/log group CloudTrail\/Default \(eu-west-1\)/);
    });

    test.each([
      ['aws-cn', 'cn-north-1'],
      ['aws-us-gov', 'us-gov-west-1'],
    ])('the %s partition', (partition, region) => {
      const arn = `arn:${partition}:logs:${region}:${ACCOUNT}:log-group:CloudTrail/Default`;
      const topicArn = `arn:${partition}:sns:${region}:${ACCOUNT}:alerts`;
      const snapshot: AccountSnapshot = {
        accountId: ACCOUNT,
        region,
        trails: [trail({ arn: `arn:${partition}:cloudtrail:${region}:${ACCOUNT}:trail/main`, homeRegion: region, cloudWatchLogsLogGroupArn: `${arn}:*` })],
        logGroups: [logGroup([filter()], { arn, region })],
        alarms: [alarm({ region, alarmActions: [topicArn] })],
        alarmSearches: [],
        topics: [topic({ arn: topicArn })],
        metricPublishers: metricPublishers({ logGroups: [logGroup([filter()], { arn, region })] }),
      };
      expect(evaluate(snapshot).compliance).toBe('COMPLIANT');
    });

    test('a snapshot that lacks the log group of a trail is an error, not a verdict', () => {
      expect(() => evaluate(account((parts) => void (parts.logGroups = [])))).toThrow(/incomplete snapshot: log group .*CloudTrail\/Default of trail main was not read/);
    });
  });
});
