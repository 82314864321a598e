import { DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeAlarmsCommand, DescribeAlarmsForMetricCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import {
  awsError,
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

/** The region a mocked call was sent to (the client's configured region). */
async function regionOf(call: { thisValue: unknown }): Promise<string> {
  return (call.thisValue as { config: { region: () => Promise<string> } }).config.region();
}

describe('gatherSnapshot against mocked AWS', () => {
  test('the seed chain: 7 calls, each asked for exactly its resource', async () => {
    const { apiCalls, verdict } = await gather();
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(apiCalls).toBe(7);
    expect(mocks.cloudTrail.commandCalls(DescribeTrailsCommand)[0]!.args[0].input).toEqual({ includeShadowTrails: true });
    expect(mocks.logs.commandCalls(DescribeMetricFiltersCommand)[0]!.args[0].input).toEqual({ logGroupName: 'CloudTrail/Default', nextToken: undefined });
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
    expect(apiCalls).toBe(8);
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
    expect(verdict.annotation).toMatch(/topic central-alerts \(account 999988887777\) belongs to account 999988887777, whose subscriptions cannot be listed/);
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
    const mathAlarm = {
      ...SEED_ALARM,
      AlarmName: 'math',
      AlarmArn: `arn:aws:cloudwatch:us-east-1:${MOCK_ACCOUNT}:alarm:math`,
      Namespace: undefined,
      MetricName: undefined,
      Statistic: undefined,
      Metrics: [{ Id: 'm1', ReturnData: true, MetricStat: { Metric: { Namespace: 'CloudTrailMetrics', MetricName: 'S3BucketPolicyChangeCount' }, Period: 300, Stat: 'Sum' } }],
    };
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
    // 6 calls up to the empty DescribeAlarmsForMetric (no topic yet), 2 pages of alarms, then the topic
    expect(apiCalls).toBe(9);
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
    expect(verdict.annotation).toMatch(/alarm "s3-policy-alarm" watches CloudTrailMetrics\/S3BucketPolicyChangeCount, but the filter publishes CloudTrailMetrics\/S3BucketPolicyChangeCount\{Bucket=/);
  });
});
