import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SetTopicAttributesCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { makeClient } from '../../rule/clients';
import { DEFAULT_METRIC, DEFAULT_NAMESPACE } from '../../cli/sandbox-account';
import { checkAccount } from '../support/check';
import { filterFirstSubscription, TestAccount } from '../support/moto';

/**
 * `check` on moto accounts built for each class of issue 14: the resources exist and look right, but AWS would not
 * deliver the alarm, or only once. moto stores the topic's key and policy, the subscription's filter policy and the
 * alarm's settings; the rule decides what AWS makes of them. One account per scenario (ids 3141592014xx).
 */

async function seeded(id: string, spec: Parameters<TestAccount['chain']>[0] = {}) {
  const account = new TestAccount(id);
  const chain = await account.chain(spec);
  const options = account.options();
  return { account, chain, sns: makeClient(SNSClient, options), kms: makeClient(KMSClient, options), cloudWatch: makeClient(CloudWatchClient, options) };
}

const keyPolicy = (account: string, ...statements: object[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }, ...statements],
  });

describe('check: the topic refuses CloudWatch (class 1)', () => {
  test('a topic encrypted with alias/aws/sns', async () => {
    const { account, chain, sns } = await seeded('314159201401');
    await sns.send(new SetTopicAttributesCommand({ TopicArn: chain.topicArn, AttributeName: 'KmsMasterKeyId', AttributeValue: 'alias/aws/sns' }));
    const { code, result } = await checkAccount(account);
    expect(code).toBe(1);
    expect(result.annotation).toMatch(/^topic s3-policy-alerts is encrypted with alias\/aws\/sns, which CloudWatch alarms cannot use/);
  });

  test("a customer managed key whose policy does not admit CloudWatch, then one that does", async () => {
    const { account, chain, sns, kms } = await seeded('314159201402');
    const key = await kms.send(new CreateKeyCommand({ Policy: keyPolicy(account.accountId) }));
    await sns.send(new SetTopicAttributesCommand({ TopicArn: chain.topicArn, AttributeName: 'KmsMasterKeyId', AttributeValue: key.KeyMetadata!.Arn }));
    const refused = await checkAccount(account);
    expect(refused.result.annotation).toMatch(/topic s3-policy-alerts is encrypted with KMS key arn:aws:kms:us-east-1:314159201402:key\/.*, whose key policy does not allow cloudwatch.amazonaws.com kms:Decrypt/);

    const allowed = await kms.send(
      new CreateKeyCommand({
        Policy: keyPolicy(account.accountId, {
          Sid: 'AllowCloudWatchAlarms',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': account.accountId } },
        }),
      }),
    );
    await sns.send(new SetTopicAttributesCommand({ TopicArn: chain.topicArn, AttributeName: 'KmsMasterKeyId', AttributeValue: allowed.KeyMetadata!.KeyId }));
    const { code, result } = await checkAccount(account);
    expect(code).toBe(0);
    expect(result.compliance).toBe('COMPLIANT');
    // DescribeKey and GetKeyPolicy join the reads of the compliant chain
    expect(result.apiCalls).toBe(12);
  });

  test('a topic policy that denies sns:Publish to everyone', async () => {
    const { account, chain, sns } = await seeded('314159201403');
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account.accountId}:root` }, Action: 'sns:*', Resource: chain.topicArn },
        { Sid: 'NobodyPublishes', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: chain.topicArn },
      ],
    };
    await sns.send(new SetTopicAttributesCommand({ TopicArn: chain.topicArn, AttributeName: 'Policy', AttributeValue: JSON.stringify(policy) }));
    const { result } = await checkAccount(account);
    expect(result.annotation).toMatch(/topic s3-policy-alerts has a topic policy that denies sns:Publish to cloudwatch.amazonaws.com \(statement "NobodyPublishes"\)/);
  });
});

describe('check: the subscriber filters the alarm out (class 2)', () => {
  async function filtered(id: string, policy: object, scope?: 'MessageBody' | 'MessageAttributes') {
    const seed = await seeded(id);
    await filterFirstSubscription(seed.sns, seed.chain.topicArn!, policy, scope);
    return checkAccount(seed.account);
  }

  test('a filter policy on message attributes drops every alarm notification', async () => {
    const { result } = await filtered('314159201404', { severity: ['critical'] });
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/has no subscriber that receives the alarm: email subscription [\w-]+ has a filter policy on message attributes, and alarm notifications carry no message attributes/);
  });

  test("a MessageBody filter policy on the alarm's name lets it through", async () => {
    const { result } = await filtered('314159201405', { AlarmName: ['s3-bucket-policy-changes'], NewStateValue: ['ALARM'] }, 'MessageBody');
    expect(result.compliance).toBe('COMPLIANT');
  });

  test('an SQS queue is not a person unless SubscriberProtocols says so', async () => {
    const { account, chain, sns } = await seeded('314159201406', { topic: { emails: [] } });
    const queue = await makeClient(SQSClient, account.options()).send(new CreateQueueCommand({ QueueName: 'alarm-archive' }));
    const queueArn = `arn:aws:sqs:us-east-1:${account.accountId}:alarm-archive`;
    expect(queue.QueueUrl).toBeDefined();
    await sns.send(new SubscribeCommand({ TopicArn: chain.topicArn, Protocol: 'sqs', Endpoint: queueArn }));
    const byDefault = await checkAccount(account);
    expect(byDefault.result.annotation).toMatch(/topic s3-policy-alerts has only sqs subscriptions, which do not reach a person by themselves/);
    const counted = await checkAccount(account, ['--parameters', '{"SubscriberProtocols":"email,sqs"}']);
    expect(counted.result.compliance).toBe('COMPLIANT');
    expect(counted.result.chains[0]!.links[4]!.detail).toBe('has 1 confirmed subscription (sqs) that receives the ALARM notification');
  });
});

describe('check: the alarm over time (classes 3 to 6)', () => {
  test('TreatMissingData=ignore: the first change notifies, the second does not', async () => {
    const account = new TestAccount('314159201407');
    await account.chain({ alarm: { treatMissingData: 'ignore' } });
    const { result } = await checkAccount(account);
    expect(result.annotation).toMatch(/^alarm "s3-bucket-policy-changes" goes to ALARM on the first change and stays there while no data arrives/);
  });

  test("another log group's filter writing 1 for every record into the metric keeps the alarm in ALARM", async () => {
    const account = new TestAccount('314159201408');
    await account.chain();
    await makeClient(CloudWatchLogsClient, account.options()).send(new CreateLogGroupCommand({ logGroupName: 'app-logs' }));
    await account.metricFilter({ name: 'every-record', logGroup: 'app-logs', pattern: '{ $.eventName = * }' });
    const { result } = await checkAccount(account);
    expect(result.annotation).toMatch(/is in ALARM even without a change: filter "every-record" of log group app-logs gives Sum 1 or more/);
  });

  test('an alarm in ALARM right now is a line of the report', async () => {
    const { account, cloudWatch } = await seeded('314159201409');
    await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 's3-bucket-policy-changes', StateValue: 'ALARM', StateReason: 'test' }));
    const { result } = await checkAccount(account);
    expect(result.compliance).toBe('COMPLIANT');
    expect(result.chains[0]!.links[3]!.detail).toMatch(/it is in ALARM now \(since .*\): a change before it returns to OK notifies nobody/);
  });

  test('a 10-second period on a metric-filter metric', async () => {
    const account = new TestAccount('314159201410');
    await account.chain({ alarm: { period: 10 } });
    const { result } = await checkAccount(account);
    expect(result.annotation).toMatch(/^alarm "s3-bucket-policy-changes" has a period of 10 s, but a metric filter publishes standard-resolution data/);
  });

  test('a metric-math alarm on 2 × the metric', async () => {
    const { account, chain, cloudWatch } = await seeded('314159201411', { alarm: false });
    await account.topic({ name: 's3-policy-alerts', emails: ['security@example.com'] });
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'doubled',
        Metrics: [
          { Id: 'm1', ReturnData: false, MetricStat: { Metric: { Namespace: DEFAULT_NAMESPACE, MetricName: DEFAULT_METRIC }, Period: 300, Stat: 'Sum' } },
          { Id: 'e1', ReturnData: true, Expression: '2 * m1' },
        ],
        Threshold: 2,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [`arn:aws:sns:us-east-1:${account.accountId}:s3-policy-alerts`],
      }),
    );
    expect(chain.filterName).toBe('s3-bucket-policy-changes');
    const { result } = await checkAccount(account);
    expect(result.compliance).toBe('COMPLIANT');
    expect(result.annotation).toMatch(/→ alarm "doubled" → topic s3-policy-alerts:/);
  });

  test('a filter with an $.eventName dimension: one alarm per value, both needed', async () => {
    const account = new TestAccount('314159201412');
    await account.chain({ filter: { dimensions: { EventName: '$.eventName' } }, alarm: { name: 'put', dimensions: { EventName: 'PutBucketPolicy' } } });
    const one = await checkAccount(account);
    expect(one.result.annotation).toMatch(/alarm "put" watches the metric of PutBucketPolicy only, and no working alarm watches that of DeleteBucketPolicy/);
    await account.alarm({ name: 'delete', dimensions: { EventName: 'DeleteBucketPolicy' }, actions: [`arn:aws:sns:us-east-1:${account.accountId}:s3-policy-alerts`] });
    const both = await checkAccount(account);
    expect(both.result.compliance).toBe('COMPLIANT');
  });
});
