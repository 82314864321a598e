import { DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeAlarmsCommand, DescribeAlarmsForMetricCommand, type MetricAlarm, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeKeyCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import {
  awsError,
  defaultTopicPolicy,
  FOREIGN_ORGANIZATION_TRAIL,
  MOCK_ACCOUNT,
  MOCK_TOPIC_ARN,
  SEED_ALARM,
  SEED_FILTER,
  judgeMockedAccount,
  useSeedChainMocks,
} from '../support/mock-aws';

/** What real AWS does and moto does not: pagination tokens, throttling, access errors, missing resources. */

const mocks = useSeedChainMocks();

const gather = () => judgeMockedAccount();

/** The seed alarm as an alarm on metric queries (metric math, Metrics Insights) instead of one metric. */
function queryAlarm(name: string, Metrics: MetricDataQuery[]): MetricAlarm {
  const { Namespace: _namespace, MetricName: _metric, Statistic: _statistic, Period: _period, ...rest } = SEED_ALARM;
  return { ...rest, AlarmName: name, AlarmArn: `arn:aws:cloudwatch:us-east-1:${MOCK_ACCOUNT}:alarm:${name}`, Metrics };
}

/** The region a mocked call was sent to (the client's configured region). */
async function regionOf(call: { thisValue: unknown }): Promise<string> {
  return (call.thisValue as { config: { region: () => Promise<string> } }).config.region();
}

describe('gatherSnapshot against mocked AWS', () => {
  test('the seed chain: 10 calls, each asked for exactly its resource', async () => {
    const { apiCalls, verdict } = await gather();
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(apiCalls).toBe(10);
    expect(mocks.cloudTrail.commandCalls(DescribeTrailsCommand)[0]!.args[0].input).toEqual({ includeShadowTrails: true });
    expect(mocks.logs.commandCalls(DescribeMetricFiltersCommand).map((call) => call.args[0].input)).toEqual([
      { logGroupName: 'CloudTrail/Default', nextToken: undefined },
      // every writer into the alarmed metric, whatever its log group
      { metricName: 'S3BucketPolicyChangeCount', metricNamespace: 'CloudTrailMetrics', nextToken: undefined },
    ]);
    expect(mocks.sns.commandCalls(GetTopicAttributesCommand).map((call) => call.args[0].input)).toEqual([{ TopicArn: MOCK_TOPIC_ARN }]);
    expect(mocks.sns.commandCalls(GetSubscriptionAttributesCommand).map((call) => call.args[0].input)).toEqual([{ SubscriptionArn: `${MOCK_TOPIC_ARN}:0b6e1a2c` }]);
    expect(mocks.kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
    expect(mocks.cloudWatch.commandCalls(DescribeAlarmsForMetricCommand)[0]!.args[0].input).toEqual({
      Namespace: 'CloudTrailMetrics',
      MetricName: 'S3BucketPolicyChangeCount',
    });
    expect(mocks.sns.commandCalls(ListSubscriptionsByTopicCommand)[0]!.args[0].input).toEqual({ TopicArn: MOCK_TOPIC_ARN, NextToken: undefined });
    expect(mocks.cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });

  test("a multi-region trail homed elsewhere: its status from its home region, its filters from the log group's region", async () => {
    mocks.cloudTrail.on(DescribeTrailsCommand).resolves({
      trailList: [
        {
          Name: 'main',
          TrailARN: `arn:aws:cloudtrail:eu-west-1:${MOCK_ACCOUNT}:trail/main`,
          HomeRegion: 'eu-west-1',
          IsMultiRegionTrail: true,
          CloudWatchLogsLogGroupArn: `arn:aws:logs:eu-west-1:${MOCK_ACCOUNT}:log-group:CloudTrail/Default:*`,
          CloudWatchLogsRoleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/r`,
        },
      ],
    });
    const alarm = { ...SEED_ALARM, AlarmArn: `arn:aws:cloudwatch:eu-west-1:${MOCK_ACCOUNT}:alarm:s3-policy-alarm`, AlarmActions: [`arn:aws:sns:eu-west-1:${MOCK_ACCOUNT}:alerts`] };
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [alarm] });
    const { verdict } = await gather();
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(await regionOf(mocks.cloudTrail.commandCalls(DescribeTrailsCommand)[0]!)).toBe('us-east-1');
    expect(await regionOf(mocks.cloudTrail.commandCalls(GetTrailStatusCommand)[0]!)).toBe('eu-west-1');
    expect(await regionOf(mocks.cloudTrail.commandCalls(GetEventSelectorsCommand)[0]!)).toBe('eu-west-1');
    expect(await regionOf(mocks.logs.commandCalls(DescribeMetricFiltersCommand)[0]!)).toBe('eu-west-1');
    expect(await regionOf(mocks.cloudWatch.commandCalls(DescribeAlarmsForMetricCommand)[0]!)).toBe('eu-west-1');
    expect(await regionOf(mocks.sns.commandCalls(ListSubscriptionsByTopicCommand)[0]!)).toBe('eu-west-1');
  });

  test('metric filters over two pages: both read, each page counted', async () => {
    const putOnly = { ...SEED_FILTER, filterName: 'put-only', filterPattern: '{ $.eventName = PutBucketPolicy }' };
    mocks.logs
      .on(DescribeMetricFiltersCommand, { nextToken: undefined })
      .resolves({ metricFilters: [putOnly], nextToken: 'page-2' })
      .on(DescribeMetricFiltersCommand, { nextToken: 'page-2' })
      .resolves({ metricFilters: [SEED_FILTER] });
    const { apiCalls, verdict, snapshot } = await gather();
    expect(snapshot.logGroups[0]!.filters.map((filter) => filter.name)).toEqual(['put-only', 's3-policy']);
    expect(verdict.compliance).toBe('COMPLIANT');
    // both pages for the log group and both for the metric's writers, then alarm, topic, topic attributes, subscription
    expect(apiCalls).toBe(12);
  });

  test('a nextToken that comes back again is an error, not an endless loop', async () => {
    mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [SEED_FILTER], nextToken: 'same' });
    await expect(gather()).rejects.toThrow('DescribeMetricFilters failed in us-east-1 for log group CloudTrail/Default: Error: the service returned nextToken "same" a second time; stopping instead of looping');
    expect(mocks.logs.commandCalls(DescribeMetricFiltersCommand)).toHaveLength(2);
  });

  test('subscriptions over two pages: the confirmed one on page 2 counts', async () => {
    mocks.sns
      .on(ListSubscriptionsByTopicCommand, { NextToken: undefined })
      .resolves({ Subscriptions: [{ Protocol: 'email', Endpoint: 'a@example.com', SubscriptionArn: 'PendingConfirmation' }], NextToken: 'next' })
      .on(ListSubscriptionsByTopicCommand, { NextToken: 'next' })
      .resolves({ Subscriptions: [{ Protocol: 'sms', Endpoint: '+15555550100', SubscriptionArn: `${MOCK_TOPIC_ARN}:1` }] });
    const { verdict } = await gather();
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.annotation).toMatch(/topic alerts:/);
  });

  test('a pending subscription alone is NON_COMPLIANT (moto confirms e-mail at once; AWS does not)', async () => {
    mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ Protocol: 'email', Endpoint: 'a@example.com', SubscriptionArn: 'PendingConfirmation' }] });
    const { verdict } = await gather();
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toMatch(/topic alerts has no confirmed subscription: 1 pending confirmation/);
  });

  test('throttling that outlasts the retries fails the evaluation, naming API, region and metric', async () => {
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    await expect(gather()).rejects.toThrow('DescribeAlarmsForMetric failed in us-east-1 for metric CloudTrailMetrics/S3BucketPolicyChangeCount: Throttling: Rate exceeded');
  });

  test('access denied names the permission the rule role lacks', async () => {
    mocks.cloudTrail.on(GetEventSelectorsCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    await expect(gather()).rejects.toThrow(
      `GetEventSelectors failed in us-east-1 for trail arn:aws:cloudtrail:us-east-1:${MOCK_ACCOUNT}:trail/main: AccessDeniedException: not authorized (the rule's role needs cloudtrail:GetEventSelectors)`,
    );
  });

  test('a log group that does not exist is a broken link, not an error', async () => {
    mocks.logs.on(DescribeMetricFiltersCommand).rejects(awsError('ResourceNotFoundException', 'The specified log group does not exist.'));
    const { verdict } = await gather();
    expect(verdict.annotation).toBe('Trail main: log group CloudTrail/Default does not exist in us-east-1 (account 111122223333)');
  });

  test('a deleted topic is a broken link, not an error', async () => {
    mocks.sns.on(ListSubscriptionsByTopicCommand).rejects(awsError('NotFoundException', 'Topic does not exist'));
    const { verdict } = await gather();
    expect(verdict.annotation).toMatch(/topic alerts does not exist in us-east-1/);
  });

  test("another account's topic that refuses the listing: that chain is not proven, the evaluation goes on", async () => {
    const central = 'arn:aws:sns:us-east-1:999988887777:central-alerts';
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [{ ...SEED_ALARM, AlarmActions: [central] }] });
    mocks.sns.on(ListSubscriptionsByTopicCommand).rejects(awsError('AuthorizationErrorException', 'not authorized'));
    const { verdict } = await gather();
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toMatch(/topic central-alerts \(account 999988887777\) belongs to account 999988887777, whose subscriptions cannot be listed or attributes read from here \(ListSubscriptionsByTopic: AuthorizationErrorException\)/);
  });

  test("this account's own topic refusing the listing is an error (the rule's role lacks the permission)", async () => {
    mocks.sns.on(ListSubscriptionsByTopicCommand).rejects(awsError('AuthorizationErrorException', 'not authorized'));
    await expect(gather()).rejects.toThrow(/ListSubscriptionsByTopic failed in us-east-1 for topic arn:aws:sns:us-east-1:111122223333:alerts: .*sns:ListSubscriptionsByTopic/);
  });

  test("another account's organization trail: nothing of it is read beyond DescribeTrails", async () => {
    mocks.cloudTrail.on(DescribeTrailsCommand).resolves({ trailList: [FOREIGN_ORGANIZATION_TRAIL] });
    const { apiCalls, verdict } = await gather();
    expect(verdict.compliance).toBe('NOT_APPLICABLE');
    expect(verdict.annotation).toMatch(/^Trail org-trail is an organization trail of account 999988887777/);
    expect(apiCalls).toBe(2);
    expect(mocks.cloudTrail.commandCalls(GetTrailStatusCommand)).toHaveLength(0);
    expect(mocks.logs.calls()).toHaveLength(0);
  });

  test('no standard alarm: metric alarms are listed page by page to find a metric-math alarm', async () => {
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [] });
    const mathAlarm = queryAlarm('math', [
      { Id: 'm1', ReturnData: true, MetricStat: { Metric: { Namespace: 'CloudTrailMetrics', MetricName: 'S3BucketPolicyChangeCount' }, Period: 300, Stat: 'Sum' } },
    ]);
    const unrelated = { ...SEED_ALARM, AlarmName: 'cpu', AlarmArn: `arn:aws:cloudwatch:us-east-1:${MOCK_ACCOUNT}:alarm:cpu`, Namespace: 'AWS/EC2', MetricName: 'CPUUtilization' };
    mocks.cloudWatch
      .on(DescribeAlarmsCommand, { NextToken: undefined })
      .resolves({ MetricAlarms: [unrelated], NextToken: 'p2' })
      .on(DescribeAlarmsCommand, { NextToken: 'p2' })
      .resolves({ MetricAlarms: [mathAlarm] });
    const { apiCalls, verdict } = await gather();
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.annotation).toMatch(/alarm "math" → topic alerts/);
    expect(mocks.cloudWatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toEqual({ AlarmTypes: ['MetricAlarm'], NextToken: undefined });
    // 7 calls up to the empty DescribeAlarmsForMetric (no topic yet), 2 pages of alarms, then the topic's 3 reads
    expect(apiCalls).toBe(12);
  });

  test('a dimensioned filter with no alarm on that metric: the undimensioned metric is asked too, to explain', async () => {
    const dimensioned = { ...SEED_FILTER, metricTransformations: [{ ...SEED_FILTER.metricTransformations![0]!, dimensions: { Bucket: '$.requestParameters.bucketName' } }] };
    mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [dimensioned] });
    mocks.cloudWatch
      .on(DescribeAlarmsForMetricCommand, { Dimensions: [{ Name: 'Bucket', Value: '$.requestParameters.bucketName' }] })
      .resolves({ MetricAlarms: [] })
      .on(DescribeAlarmsForMetricCommand, { Dimensions: undefined })
      .resolves({ MetricAlarms: [SEED_ALARM] });
    mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    const { verdict } = await gather();
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toMatch(/alarm "s3-policy-alarm" watches CloudTrailMetrics\/S3BucketPolicyChangeCount, but the filter's dimension Bucket takes the value of \$.requestParameters.bucketName, which differs from call to call/);
  });
});

describe('gatherSnapshot: the reads of issue 14, where moto does not answer as AWS does', () => {
  const KEY_ARN = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const encryptedTopic = (KmsMasterKeyId: string) =>
    mocks.sns.on(GetTopicAttributesCommand).resolves({ Attributes: { TopicArn: MOCK_TOPIC_ARN, Policy: defaultTopicPolicy(MOCK_TOPIC_ARN), KmsMasterKeyId } });

  test('an encrypted topic: the key is described and its policy read, in the topic region, by the key ARN', async () => {
    encryptedTopic('alias/alarms');
    mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    const policy = JSON.stringify({
      Statement: [{ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*' }],
    });
    mocks.kms.on(GetKeyPolicyCommand).resolves({ Policy: policy });
    const { verdict, apiCalls } = await gather();
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(mocks.kms.commandCalls(DescribeKeyCommand)[0]!.args[0].input).toEqual({ KeyId: 'alias/alarms' });
    expect(mocks.kms.commandCalls(GetKeyPolicyCommand)[0]!.args[0].input).toEqual({ KeyId: KEY_ARN, PolicyName: 'default' });
    expect(apiCalls).toBe(12);
  });

  test('alias/aws/sns is judged without reading the key', async () => {
    encryptedTopic('alias/aws/sns');
    const { verdict } = await gather();
    expect(verdict.annotation).toMatch(/topic alerts is encrypted with alias\/aws\/sns, which CloudWatch alarms cannot use/);
    expect(mocks.kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });

  test('a key policy the rule may not read is an error naming kms:GetKeyPolicy, never a verdict', async () => {
    encryptedTopic(KEY_ARN);
    mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    mocks.kms.on(GetKeyPolicyCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: kms:GetKeyPolicy'));
    await expect(gather()).rejects.toThrow(/^GetKeyPolicy failed in us-east-1 for KMS key arn:aws:kms:.*: AccessDeniedException: .* \(the rule's role needs kms:GetKeyPolicy\)$/);
  });

  test("another account's key: described, its policy reported unread (GetKeyPolicy is not cross-account)", async () => {
    const foreignKey = 'arn:aws:kms:us-east-1:999988887777:key/abcd';
    encryptedTopic(foreignKey);
    mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'abcd', Arn: foreignKey, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    const { verdict } = await gather();
    expect(mocks.kms.commandCalls(GetKeyPolicyCommand)).toHaveLength(0);
    expect(verdict.annotation).toMatch(/whose key policy cannot be read from here \(GetKeyPolicy works only in the key's account, 999988887777\)/);
  });

  test("a central topic's key that cannot be described from here: that chain is unproven, the evaluation goes on", async () => {
    const central = 'arn:aws:sns:us-east-1:999988887777:central-alerts';
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [{ ...SEED_ALARM, AlarmActions: [central] }] });
    mocks.sns.on(GetTopicAttributesCommand).resolves({ Attributes: { TopicArn: central, Policy: defaultTopicPolicy(central), KmsMasterKeyId: 'alias/central' } });
    mocks.kms.on(DescribeKeyCommand).rejects(awsError('NotFoundException', 'Alias arn:aws:kms:us-east-1:111122223333:alias/central is not found.'));
    const { verdict } = await gather();
    expect(verdict.annotation).toMatch(/topic central-alerts \(account 999988887777\) is encrypted with KMS key alias\/central, which cannot be read from here \(DescribeKey: NotFoundException\)/);
  });

  test('a subscription filter policy the rule may not read is an error naming sns:GetSubscriptionAttributes', async () => {
    mocks.sns.on(GetSubscriptionAttributesCommand).rejects(awsError('AuthorizationErrorException', 'not authorized'));
    await expect(gather()).rejects.toThrow(/GetSubscriptionAttributes failed in us-east-1 for subscription .*\(the rule's role needs sns:GetSubscriptionAttributes\)/);
  });

  test('the latest CloudWatch Logs delivery time is read: an older delivery error is history', async () => {
    mocks.cloudTrail.on(GetTrailStatusCommand).resolves({ IsLogging: true, LatestCloudWatchLogsDeliveryError: 'AccessDeniedException', LatestCloudWatchLogsDeliveryTime: new Date() });
    const { verdict } = await gather();
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.chains[0]!.links[1]!.detail).toMatch(/the delivery error "AccessDeniedException" is history/);
  });

  test('a composite alarm notifies for an alarm without actions (moto has no ParentsOfAlarmName)', async () => {
    const silent = { ...SEED_ALARM, AlarmActions: [] };
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [silent] });
    mocks.cloudWatch
      .on(DescribeAlarmsCommand, { AlarmTypes: ['MetricAlarm'] })
      .resolves({ MetricAlarms: [silent] })
      .on(DescribeAlarmsCommand, { AlarmTypes: ['CompositeAlarm'] })
      .resolves({
        CompositeAlarms: [
          {
            AlarmName: 'security',
            AlarmArn: `arn:aws:cloudwatch:us-east-1:${MOCK_ACCOUNT}:alarm:security`,
            ActionsEnabled: true,
            AlarmActions: [MOCK_TOPIC_ARN],
            AlarmRule: 'ALARM("s3-policy-alarm") OR ALARM("root-login")',
          },
        ],
      });
    const { verdict } = await gather();
    expect(mocks.cloudWatch.commandCalls(DescribeAlarmsCommand, { AlarmTypes: ['CompositeAlarm'] })[0]!.args[0].input).toEqual({
      AlarmTypes: ['CompositeAlarm'],
      ParentsOfAlarmName: 's3-policy-alarm',
      NextToken: undefined,
    });
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.annotation).toMatch(/alarm "s3-policy-alarm" → topic alerts \(through composite alarm "security"\):/);
  });

  test('a Metrics Insights alarm is found among the metric alarms (moto does not run the query)', async () => {
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [] });
    const insights = queryAlarm('insights', [{ Id: 'q1', ReturnData: true, Period: 300, Expression: 'SELECT SUM(S3BucketPolicyChangeCount) FROM SCHEMA("CloudTrailMetrics")' }]);
    mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [insights] });
    const { verdict } = await gather();
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.annotation).toMatch(/→ alarm "insights" → topic alerts:/);
  });
});
