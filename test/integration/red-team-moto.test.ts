import { CloudWatchClient, PutMetricAlarmCommand, type MetricDataQuery, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateAliasCommand, CreateKeyCommand, DisableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { SetTopicAttributesCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { makeClient } from '../../rule/clients';
import { CIS_FILTER_PATTERN } from '../../rule/events/canonical';
import { DEFAULT_METRIC, DEFAULT_NAMESPACE, type ChainSpec } from '../../cli/sandbox-account';
import { checkAccount } from '../support/check';
import { filterFirstSubscription, TestAccount } from '../support/moto';

/**
 * Red team of the merged rule: accounts a person who wants silence could build (and legitimate ones that must stay
 * COMPLIANT), one per test, each in its own moto account (ids 3141592015xx). Every expected verdict was written
 * down from AWS's documentation before `check` ran (docs/aws-behaviour.md names the pages); moto only stores the
 * settings, the rule decides what AWS makes of them.
 */

const TOPIC = 's3-policy-alerts';
const ALARM = 's3-bucket-policy-changes';

let next = 0;
/** A fresh account id for each scenario. */
const newAccount = () => new TestAccount(`3141592015${String(next++).padStart(2, '0')}`);

async function seeded(spec: ChainSpec = {}) {
  const account = newAccount();
  const chain = await account.chain(spec);
  const options = account.options();
  return { account, chain, sns: makeClient(SNSClient, options), kms: makeClient(KMSClient, options), cloudWatch: makeClient(CloudWatchClient, options) };
}

async function verdict(account: TestAccount, args: string[] = []) {
  const { result } = await checkAccount(account, args);
  return result;
}

const topicArn = (account: TestAccount) => `arn:aws:sns:us-east-1:${account.accountId}:${TOPIC}`;
const alarmArn = (account: TestAccount, name = ALARM) => `arn:aws:cloudwatch:us-east-1:${account.accountId}:alarm:${name}`;

// ---------------------------------------------------------------- topic policies (N1, N5)

describe('red team: topic policies', () => {
  async function withTopicPolicy(statements: (account: TestAccount) => object[]) {
    const seed = await seeded();
    const owner = { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${seed.account.accountId}:root` }, Action: 'sns:*', Resource: topicArn(seed.account) };
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [owner, ...statements(seed.account)] });
    await seed.sns.send(new SetTopicAttributesCommand({ TopicArn: seed.chain.topicArn, AttributeName: 'Policy', AttributeValue: Policy }));
    return verdict(seed.account);
  }
  const cloudWatchMay = (account: TestAccount, condition?: object) => ({
    Sid: 'AlarmsPublish',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: 'sns:Publish',
    Resource: topicArn(account),
    ...(condition ? { Condition: condition } : {}),
  });

  // AWS: Deny wins over Allow; StringNotEquals is true when the alarm's own account differs from the one listed.
  test('Deny sns:Publish to "*" unless aws:SourceAccount is another account: NON_COMPLIANT', async () => {
    const result = await withTopicPolicy((account) => [
      cloudWatchMay(account),
      { Sid: 'OnlyTheirAlarms', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: topicArn(account), Condition: { StringNotEquals: { 'aws:SourceAccount': '999999999999' } } },
    ]);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/has a topic policy that denies sns:Publish to cloudwatch.amazonaws.com \(statement "OnlyTheirAlarms"\)/);
  });

  // AWS's own confused-deputy guidance: deny plain HTTP; CloudWatch publishes over TLS, so the Deny does not apply.
  test('Deny to "*" when aws:SecureTransport is false, with an Allow for the account\'s alarms: COMPLIANT', async () => {
    const result = await withTopicPolicy((account) => [
      cloudWatchMay(account, { StringEquals: { 'aws:SourceAccount': account.accountId } }),
      { Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: topicArn(account), Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ]);
    expect(result.compliance).toBe('COMPLIANT');
  });

  // IAM: a Deny with NotPrincipal applies to every principal not listed, service principals included.
  test('Deny sns:Publish with NotPrincipal naming only the account root: NON_COMPLIANT', async () => {
    const result = await withTopicPolicy((account) => [
      cloudWatchMay(account),
      { Sid: 'OnlyOwner', Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${account.accountId}:root` }, Action: 'sns:Publish', Resource: topicArn(account) },
    ]);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/denies sns:Publish to cloudwatch.amazonaws.com \(statement "OnlyOwner"\)/);
  });

  // The only Allow for CloudWatch names another alarm's ARN: implicit deny for this one.
  test('Allow for CloudWatch only with aws:SourceArn of another alarm: NON_COMPLIANT', async () => {
    const result = await withTopicPolicy((account) => [cloudWatchMay(account, { ArnLike: { 'aws:SourceArn': alarmArn(account, 'some-other-alarm') } })]);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/has a topic policy that does not allow cloudwatch.amazonaws.com sns:Publish \(no statement allows it\)/);
  });

  test('Allow for CloudWatch with aws:SourceArn of every alarm of the account: COMPLIANT', async () => {
    const result = await withTopicPolicy((account) => [cloudWatchMay(account, { ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:us-east-1:${account.accountId}:alarm:*` } })]);
    expect(result.compliance).toBe('COMPLIANT');
  });

  // IAM global condition keys: a service principal's call carries aws:PrincipalIsAWSService true, its
  // aws:PrincipalServiceName and the aws:RequestedRegion of the topic; a Deny on any of them applies to CloudWatch.
  test.each([
    ['Bool aws:PrincipalIsAWSService true', { Bool: { 'aws:PrincipalIsAWSService': 'true' } }],
    ['StringEquals aws:PrincipalServiceName cloudwatch.amazonaws.com', { StringEquals: { 'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com' } }],
    ['StringEquals aws:RequestedRegion us-east-1', { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } }],
  ])('Deny sns:Publish to "*" when %s: NON_COMPLIANT', async (_, Condition) => {
    const result = await withTopicPolicy((account) => [
      cloudWatchMay(account),
      { Sid: 'Silence', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: topicArn(account), Condition },
    ]);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/denies sns:Publish to cloudwatch.amazonaws.com \(statement "Silence"\)/);
  });

  // The IAM User Guide's pattern: deny principals outside the organization, except AWS services.
  test('Deny outside the organization unless aws:PrincipalIsAWSService: COMPLIANT', async () => {
    const result = await withTopicPolicy((account) => [
      cloudWatchMay(account, { StringEquals: { 'aws:SourceAccount': account.accountId } }),
      {
        Sid: 'OrgOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: topicArn(account),
        Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abcdefghij' }, Bool: { 'aws:PrincipalIsAWSService': 'false' } },
      },
    ]);
    expect(result.compliance).toBe('COMPLIANT');
  });

  test('a policy that lets only EventBridge publish: NON_COMPLIANT', async () => {
    const result = await withTopicPolicy((account) => [{ Sid: 'Events', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Resource: topicArn(account) }]);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/does not allow cloudwatch.amazonaws.com sns:Publish/);
  });
});

// ---------------------------------------------------------------- KMS (N2, N3)

describe('red team: the topic key', () => {
  const rootStatement = (accountId: string) => ({ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' });
  async function encrypted(cloudWatch: (accountId: string) => object | object[], after?: (kms: KMSClient, keyId: string) => Promise<unknown>) {
    const seed = await seeded();
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [rootStatement(seed.account.accountId), cloudWatch(seed.account.accountId)].flat() });
    const key = await seed.kms.send(new CreateKeyCommand({ Policy }));
    if (after) await after(seed.kms, key.KeyMetadata!.KeyId!);
    await seed.sns.send(new SetTopicAttributesCommand({ TopicArn: seed.chain.topicArn, AttributeName: 'KmsMasterKeyId', AttributeValue: key.KeyMetadata!.Arn }));
    return verdict(seed.account);
  }
  const grant = (actions: string[], condition?: object) => ({
    Sid: 'CloudWatchAlarms',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: actions,
    Resource: '*',
    ...(condition ? { Condition: condition } : {}),
  });

  // SNS key management: CloudWatch needs both kms:Decrypt and kms:GenerateDataKey*.
  test('the key admits CloudWatch for kms:Decrypt only: NON_COMPLIANT', async () => {
    const result = await encrypted(() => grant(['kms:Decrypt']));
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/whose key policy does not allow cloudwatch.amazonaws.com kms:GenerateDataKey/);
  });

  // KMS key states: a key pending deletion cannot be used for cryptographic operations.
  test('a key with the right grant, pending deletion: NON_COMPLIANT', async () => {
    const result = await encrypted(() => grant(['kms:Decrypt', 'kms:GenerateDataKey*']), (kms, KeyId) => kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 })));
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/which is PendingDeletion: SNS cannot encrypt the alarm's notification/);
  });

  test('a key with the right grant, disabled: NON_COMPLIANT', async () => {
    const result = await encrypted(() => grant(['kms:Decrypt', 'kms:GenerateDataKey*']), (kms, KeyId) => kms.send(new DisableKeyCommand({ KeyId })));
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/which is Disabled/);
  });

  // SNS calls KMS with the encryption context aws:sns:topicArn (AWS's key policies for SSE topics condition on it).
  test('a grant to CloudWatch conditioned on kms:EncryptionContext:aws:sns:topicArn of the topic: COMPLIANT', async () => {
    const result = await encrypted((accountId) =>
      grant(['kms:Decrypt', 'kms:GenerateDataKey*'], { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:us-east-1:${accountId}:${TOPIC}` } }),
    );
    expect(result.compliance).toBe('COMPLIANT');
  });

  test('a Deny of kms:GenerateDataKey* to "*" for this topic\'s encryption context: NON_COMPLIANT', async () => {
    const result = await encrypted((accountId) => [
      grant(['kms:Decrypt', 'kms:GenerateDataKey*']),
      {
        Sid: 'NotThisTopic',
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:us-east-1:${accountId}:${TOPIC}` } },
      },
    ]);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/whose key policy denies kms:GenerateDataKey to cloudwatch.amazonaws.com \(statement "NotThisTopic"\)/);
  });

  // GetTopicAttributes may name the key by alias; DescribeKey resolves it.
  test('a customer key named by its alias, with the right grant: COMPLIANT', async () => {
    const seed = await seeded();
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [rootStatement(seed.account.accountId), grant(['kms:Decrypt', 'kms:GenerateDataKey*'])] });
    const key = await seed.kms.send(new CreateKeyCommand({ Policy }));
    await seed.kms.send(new CreateAliasCommand({ AliasName: 'alias/alerts', TargetKeyId: key.KeyMetadata!.KeyId }));
    await seed.sns.send(new SetTopicAttributesCommand({ TopicArn: seed.chain.topicArn, AttributeName: 'KmsMasterKeyId', AttributeValue: 'alias/alerts' }));
    expect((await verdict(seed.account)).compliance).toBe('COMPLIANT');
  });

  test('a grant to CloudWatch conditioned on aws:SourceAccount of another account: NON_COMPLIANT', async () => {
    const result = await encrypted(() => grant(['kms:Decrypt', 'kms:GenerateDataKey*'], { StringEquals: { 'aws:SourceAccount': '999999999999' } }));
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/whose key policy does not allow cloudwatch.amazonaws.com kms:Decrypt/);
  });

  test('a grant to CloudWatch conditioned on the account\'s own aws:SourceAccount, with kms:* wildcards: COMPLIANT', async () => {
    const result = await encrypted((accountId) => grant(['kms:Decrypt', 'kms:GenerateDataKey*'], { StringEquals: { 'aws:SourceAccount': accountId } }));
    expect(result.compliance).toBe('COMPLIANT');
  });
});

// ---------------------------------------------------------------- subscriptions (N6, N7, N9)

describe('red team: subscription filter policies and protocols', () => {
  async function filtered(policy: object, scope?: 'MessageBody' | 'MessageAttributes') {
    const seed = await seeded();
    await filterFirstSubscription(seed.sns, seed.chain.topicArn!, policy, scope);
    return verdict(seed.account);
  }

  test('MessageBody policy NewStateValue = ALARM: COMPLIANT', async () => {
    expect((await filtered({ NewStateValue: ['ALARM'] }, 'MessageBody')).compliance).toBe('COMPLIANT');
  });

  test('the same policy on message attributes: NON_COMPLIANT (alarm notifications carry none)', async () => {
    const result = await filtered({ NewStateValue: ['ALARM'] }, 'MessageAttributes');
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/has a filter policy on message attributes, and alarm notifications carry no message attributes/);
  });

  test('an attribute policy of {"exists": false} only: COMPLIANT', async () => {
    expect((await filtered({ team: [{ exists: false }] })).compliance).toBe('COMPLIANT');
  });

  test('MessageBody policy that accepts only OK notifications: NON_COMPLIANT', async () => {
    const result = await filtered({ NewStateValue: ['OK'] }, 'MessageBody');
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/has a MessageBody filter policy that does not accept the alarm's ALARM notification/);
  });

  test('MessageBody policy anything-but ALARM: NON_COMPLIANT', async () => {
    const result = await filtered({ NewStateValue: [{ 'anything-but': ['ALARM'] }] }, 'MessageBody');
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/does not accept the alarm's ALARM notification/);
  });

  test('MessageBody policy on a nested Trigger.MetricName of another metric: NON_COMPLIANT', async () => {
    const result = await filtered({ Trigger: { MetricName: ['CpuUtilization'] } }, 'MessageBody');
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/does not accept the alarm's ALARM notification/);
  });

  test('MessageBody policy with an AlarmName prefix of the alarm: COMPLIANT', async () => {
    expect((await filtered({ AlarmName: [{ prefix: 's3-bucket-' }], Trigger: { MetricName: [DEFAULT_METRIC] } }, 'MessageBody')).compliance).toBe('COMPLIANT');
  });

  test('an attribute policy requiring AlarmName to exist: NON_COMPLIANT', async () => {
    const result = await filtered({ AlarmName: [{ exists: true }] });
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/filter policy on message attributes/);
  });

  test('MessageBody policy on Trigger.Threshold >= 1 of the alarm: COMPLIANT', async () => {
    expect((await filtered({ Trigger: { Threshold: [{ numeric: ['>=', 1] }] } }, 'MessageBody')).compliance).toBe('COMPLIANT');
  });

  // A topic reaches a person if one subscription receives the notification, whatever the others filter.
  test('one email subscription filtered out, a second one plain: COMPLIANT', async () => {
    const { account, chain, sns } = await seeded();
    await filterFirstSubscription(sns, chain.topicArn!, { severity: ['high'] });
    await sns.send(new SubscribeCommand({ TopicArn: chain.topicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }));
    const result = await verdict(account);
    expect(result.compliance).toBe('COMPLIANT');
    expect(result.chains[0]!.links[4]!.detail).toBe('has 1 confirmed subscription (email) that receives the ALARM notification');
  });

  test('only a Lambda function subscribed: NON_COMPLIANT by default', async () => {
    const { account, chain, sns } = await seeded({ topic: { emails: [] } });
    await sns.send(new SubscribeCommand({ TopicArn: chain.topicArn, Protocol: 'lambda', Endpoint: `arn:aws:lambda:us-east-1:${account.accountId}:function:swallow` }));
    const result = await verdict(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/has only lambda subscriptions, which do not reach a person by themselves/);
  });
});

// ---------------------------------------------------------------- alarm settings (A1–A4, A7)

describe('red team: alarm settings', () => {
  const onAlarm = async (alarm: ChainSpec['alarm']) => verdict((await seeded({ alarm })).account);
  /** An alarm put with PutMetricAlarm itself, for settings the sandbox does not offer: Sum >= 1 over 300 s, then `extra`. */
  async function withRawAlarm(extra: (topic: string) => Partial<PutMetricAlarmCommandInput>) {
    const { account, cloudWatch } = await seeded({ alarm: false });
    const topic = await account.topic({ name: TOPIC, emails: ['security@example.com'] });
    const alarm: PutMetricAlarmCommandInput = {
      AlarmName: ALARM,
      Namespace: DEFAULT_NAMESPACE,
      MetricName: DEFAULT_METRIC,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      ...extra(topic),
    };
    await cloudWatch.send(new PutMetricAlarmCommand(alarm));
    return verdict(account);
  }

  // A2: breaching fills the quiet periods, so the alarm never leaves ALARM.
  test('TreatMissingData=breaching: NON_COMPLIANT', async () => {
    const result = await onAlarm({ treatMissingData: 'breaching' });
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/treats missing data as breaching, so it stays in ALARM/);
  });

  // A2: missing goes to INSUFFICIENT_DATA when the range is empty; INSUFFICIENT_DATA → ALARM runs AlarmActions.
  test('TreatMissingData=missing: COMPLIANT', async () => {
    expect((await onAlarm({ treatMissingData: 'missing' })).compliance).toBe('COMPLIANT');
  });

  test('TreatMissingData=ignore: NON_COMPLIANT', async () => {
    const result = await onAlarm({ treatMissingData: 'ignore' });
    expect(result.annotation).toMatch(/goes to ALARM on the first change and stays there while no data arrives/);
  });

  // Without a default value only matched records publish 1: every statistic of a change period is 1.
  test.each(['Average', 'SampleCount', 'Maximum'] as const)('Statistic %s >= 1 on a filter without a default value: COMPLIANT', async (statistic) => {
    expect((await onAlarm({ statistic })).compliance).toBe('COMPLIANT');
  });

  test('p99 >= 1 on a filter without a default value: COMPLIANT', async () => {
    expect((await onAlarm({ extendedStatistic: 'p99' })).compliance).toBe('COMPLIANT');
  });

  // A11: defaultValue 0 is published for every other record of the busy CloudTrail log group: the average of a
  // period with one change among other records is below 1.
  test('Average >= 1 on a filter with defaultValue 0: NON_COMPLIANT', async () => {
    const { account } = await seeded({ filter: { defaultValue: 0 }, alarm: { statistic: 'Average' } });
    const result = await verdict(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/cannot go to ALARM on every change: a period with changes has Average between 0 and 1/);
  });

  // SampleCount counts the default-value samples too: any period with log events breaches, so the alarm stays in ALARM.
  // A11: defaultValue 1 is published for every record of the log group, change or not.
  test('Sum >= 1 on a filter with defaultValue 1: NON_COMPLIANT', async () => {
    const { account } = await seeded({ filter: { defaultValue: 1 } });
    const result = await verdict(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/is in ALARM even without a change: the filter's default value 1 gives Sum 1 or more/);
  });

  test('SampleCount >= 1 on a filter with defaultValue 0: NON_COMPLIANT', async () => {
    const { account } = await seeded({ filter: { defaultValue: 0 }, alarm: { statistic: 'SampleCount' } });
    const result = await verdict(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/is in ALARM even without a change: the filter's default value 0 gives SampleCount/);
  });

  test('Sum > 0 (GreaterThanThreshold, threshold 0): COMPLIANT', async () => {
    expect((await onAlarm({ comparison: 'GreaterThanThreshold', threshold: 0 })).compliance).toBe('COMPLIANT');
  });

  test('Sum < 1 (LessThanThreshold): NON_COMPLIANT', async () => {
    const result = await onAlarm({ comparison: 'LessThanThreshold', threshold: 1 });
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/cannot go to ALARM on every change: a period with changes has Sum 1 or more, and the alarm needs Sum < 1/);
  });

  test('Sum > 1: NON_COMPLIANT (one change is Sum 1)', async () => {
    const result = await onAlarm({ comparison: 'GreaterThanThreshold', threshold: 1 });
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/needs Sum > 1/);
  });

  // A2 tables: with notBreaching one breaching datapoint of three never reaches 2 of 3.
  test('2 of 3 datapoints, TreatMissingData=notBreaching: NON_COMPLIANT', async () => {
    const result = await onAlarm({ evaluationPeriods: 3, datapointsToAlarm: 2 });
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/needs 2 of 3 datapoints breaching, but one change makes one/);
  });

  // A3: with missing, a breaching datapoint M periods old followed by missing ones takes the alarm to ALARM.
  test('2 of 3 datapoints, TreatMissingData=missing: COMPLIANT (premature-alarm rule)', async () => {
    const result = await onAlarm({ evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'missing' });
    expect(result.compliance).toBe('COMPLIANT');
    expect(result.chains[0]!.links[3]!.detail).toMatch(/2 periods after it/);
  });

  test('Sum >= 1 on a filter with defaultValue 0 (the CIS set-up): COMPLIANT', async () => {
    expect((await verdict((await seeded({ filter: { defaultValue: 0 } })).account)).compliance).toBe('COMPLIANT');
  });

  // A filter metric has the filter's unit (none here); an alarm asking for another unit finds no data.
  test('an alarm asking for unit Seconds: NON_COMPLIANT', async () => {
    const result = await onAlarm({ unit: 'Seconds' });
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/asks for unit Seconds, but the filter publishes None/);
  });

  test('p99 with EvaluateLowSampleCountPercentile=ignore: NON_COMPLIANT', async () => {
    const result = await withRawAlarm(() => ({ Statistic: undefined, ExtendedStatistic: 'p99', EvaluateLowSampleCountPercentile: 'ignore' }));
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/ignores periods with few samples \(EvaluateLowSampleCountPercentile=ignore\)/);
  });

  test('actions disabled: NON_COMPLIANT', async () => {
    const result = await onAlarm({ actionsEnabled: false });
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/has its actions disabled \(ActionsEnabled=false\)/);
  });

  // A1: only AlarmActions run on the transition into ALARM; OKActions and InsufficientDataActions run on others.
  test.each(['OKActions', 'InsufficientDataActions'] as const)('the topic only in %s: NON_COMPLIANT', async (field) => {
    const result = await withRawAlarm((topic) => ({ AlarmActions: [], [field]: [topic] }));
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/notifies no SNS topic \(AlarmActions is empty\)/);
  });
});

// ---------------------------------------------------------------- other writers into the metric (A5)

describe('red team: other filters writing the metric', () => {
  // A5: a filter of the same log group adding -1 for each change cancels the chain's +1.
  test('a second filter adding -1 for every change: NON_COMPLIANT', async () => {
    const account = newAccount();
    await account.chain();
    await account.metricFilter({ name: 'cancel', logGroup: 'CloudTrail/Default', pattern: '{ $.eventName = "PutBucketPolicy" || $.eventName = "DeleteBucketPolicy" }', value: '-1' });
    const result = await verdict(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/cannot go to ALARM on every change: a period with changes has Sum any value/);
  });

  test('a filter of another log group writing 1 for every record, on another dimension set: COMPLIANT', async () => {
    const account = newAccount();
    await account.chain();
    await makeClient(CloudWatchLogsClient, account.options()).send(new CreateLogGroupCommand({ logGroupName: 'app-logs' }));
    await account.metricFilter({ name: 'every-record', logGroup: 'app-logs', pattern: '{ $.eventName = * }', dimensions: { App: '$.app' } });
    expect((await verdict(account)).compliance).toBe('COMPLIANT');
  });
});

// ---------------------------------------------------------------- dimensions (A6, A8)

describe('red team: filter dimensions', () => {
  test('a $.userIdentity.arn dimension with an alarm on the metric without dimensions: NON_COMPLIANT', async () => {
    const account = newAccount();
    await account.chain({ filter: { dimensions: { Caller: '$.userIdentity.arn' } }, alarm: { dimensions: {} } });
    const result = await verdict(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/dimension Caller takes the value of \$\.userIdentity\.arn, which differs from call to call/);
  });

  // eventSource is s3.amazonaws.com on every required record: one metric, one alarm watches it.
  test('a $.eventSource dimension with an alarm on EventSource=s3.amazonaws.com: COMPLIANT', async () => {
    const account = newAccount();
    await account.chain({ filter: { dimensions: { EventSource: '$.eventSource' } }, alarm: { dimensions: { EventSource: 's3.amazonaws.com' } } });
    expect((await verdict(account)).compliance).toBe('COMPLIANT');
  });

  test('a $.eventName dimension with one Metrics Insights alarm that adds every value up: COMPLIANT', async () => {
    const account = newAccount();
    await account.chain({
      filter: { dimensions: { EventName: '$.eventName' } },
      alarm: { metrics: [{ Id: 'q1', ReturnData: true, Period: 300, Expression: `SELECT SUM(${DEFAULT_METRIC}) FROM SCHEMA("${DEFAULT_NAMESPACE}", EventName)` }] },
    });
    const result = await verdict(account);
    expect(result.compliance).toBe('COMPLIANT');
    expect(result.chains[0]!.links[3]!.detail).toMatch(/it adds up every EventName value/);
  });
});

// ---------------------------------------------------------------- metric math (A7)

describe('red team: metric math', () => {
  const mathAlarm = (expression: string, threshold: number, comparison: 'GreaterThanOrEqualToThreshold' | 'LessThanOrEqualToThreshold' = 'GreaterThanOrEqualToThreshold') => {
    const metrics: MetricDataQuery[] = [
      { Id: 'm1', ReturnData: false, MetricStat: { Metric: { Namespace: DEFAULT_NAMESPACE, MetricName: DEFAULT_METRIC }, Period: 300, Stat: 'Sum' } },
      { Id: 'e1', ReturnData: true, Expression: expression },
    ];
    return { metrics, threshold, comparison };
  };

  test('m1 / 0: NON_COMPLIANT (cannot be shown to rise)', async () => {
    const { account } = await seeded({ alarm: mathAlarm('m1 / 0', 1) });
    const result = await verdict(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/evaluates the expression "m1 \/ 0"/);
  });

  // -m1 >= -1 holds for 0 or 1 change in a period, not for 2: two changes in one period notify nobody.
  test('-m1 >= -1: NON_COMPLIANT (two changes in one period do not breach)', async () => {
    const { account } = await seeded({ alarm: mathAlarm('-m1', -1) });
    const result = await verdict(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/cannot go to ALARM on every change: a period with changes has Sum 1 or more, and the alarm needs Sum <= 1/);
  });

  // -m1 <= -1 is m1 >= 1: every change breaches, quiet periods (missing, notBreaching) do not.
  test('-m1 <= -1: COMPLIANT (the same condition as Sum >= 1)', async () => {
    const { account } = await seeded({ alarm: mathAlarm('-m1', -1, 'LessThanOrEqualToThreshold') });
    const result = await verdict(account);
    expect(result.compliance).toBe('COMPLIANT');
    expect(result.chains[0]!.links[3]!.detail).toMatch(/^goes to ALARM on one change \(Sum of its metric-math expression <= -1 per 300 s\)/);
  });

  // FILL(m1, 1) makes every quiet period 1, which meets >= 1: the alarm never leaves ALARM.
  test('FILL(m1, 1) >= 1: NON_COMPLIANT', async () => {
    const { account } = await seeded({ alarm: mathAlarm('FILL(m1, 1)', 1) });
    const result = await verdict(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/is in ALARM even without a change: FILL\(1\) gives Sum 1/);
  });

  // FILL's value replaces the inner expression: quiet periods of FILL(0.5 × m1, 0.75) are 0.75, which meets >= 0.5.
  test('FILL(0.5 * m1, 0.75) >= 0.5: NON_COMPLIANT', async () => {
    const { account } = await seeded({ alarm: mathAlarm('FILL(0.5 * m1, 0.75)', 0.5) });
    const result = await verdict(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/is in ALARM even without a change: FILL\(1.5\) gives Sum 1.5, which can meet Sum >= 1/);
  });

  // ...and those of FILL(2 × m1, 1.5) are 1.5, below 2, while one change gives 2.
  test('FILL(2 * m1, 1.5) >= 2: COMPLIANT', async () => {
    expect((await verdict((await seeded({ alarm: mathAlarm('FILL(2 * m1, 1.5)', 2) })).account)).compliance).toBe('COMPLIANT');
  });

  test('FILL(m1, 0) >= 1: COMPLIANT', async () => {
    expect((await verdict((await seeded({ alarm: mathAlarm('FILL(m1, 0)', 1) })).account)).compliance).toBe('COMPLIANT');
  });
});

// ---------------------------------------------------------------- filter patterns (F2, F3, F5)

describe('red team: filter patterns', () => {
  const onPattern = async (pattern: string, value?: string) => verdict((await seeded({ filter: { pattern, ...(value ? { value } : {}) } })).account);
  const POLICY_EVENTS = '($.eventName = "PutBucketPolicy" || $.eventName = "DeleteBucketPolicy")';

  test.each([
    ['the CIS filter text', CIS_FILTER_PATTERN],
    // F1: a successful change has no errorCode.
    ['the policy events with errorCode NOT EXISTS', `{ ${POLICY_EVENTS} && $.errorCode NOT EXISTS }`],
  ])('%s: COMPLIANT', async (_, pattern) => {
    expect((await onPattern(pattern)).compliance).toBe('COMPLIANT');
  });

  test.each([
    // F3: the caller writes the User-Agent header.
    ['an exclusion on userAgent text', `{ ${POLICY_EVENTS} && $.userAgent != "*Terraform*" }`, undefined, /misses PutBucketPolicy records/],
    // F2: vpcEndpointId is present only for calls through a VPC endpoint.
    ['requiring vpcEndpointId to be absent', `{ ${POLICY_EVENTS} && $.vpcEndpointId NOT EXISTS }`, undefined, /misses PutBucketPolicy records/],
    // F7: S3 reads (GetBucketPolicy) match too; they happen all day and keep the alarm in ALARM.
    ['eventName = "*BucketPolicy" (over-broad)', '{ $.eventName = "*BucketPolicy" }', undefined, /is over-broad: it also matches/],
    // F4: the bucket is whichever the person changes.
    ['an exclusion on the bucket name', `{ ${POLICY_EVENTS} && $.requestParameters.bucketName != "logs-*" }`, undefined, /misses PutBucketPolicy records/],
    ['an exclusion of the root user', `{ ${POLICY_EVENTS} && $.userIdentity.type != "Root" }`, undefined, /misses PutBucketPolicy records made by the root user/],
    ['PutBucketPolicy only', '{ $.eventName = "PutBucketPolicy" }', undefined, /covers PutBucketPolicy but not DeleteBucketPolicy/],
    ['metric value 0', `{ ${POLICY_EVENTS} }`, '0', /publishes a value that does not raise its metric/],
    ['metric value -1', `{ ${POLICY_EVENTS} }`, '-1', /publishes a value that does not raise its metric/],
    // F5: DeleteBucketPolicy sends no body, so bytesTransferredIn is 0 and the metric does not rise.
    ['metric value $.additionalEventData.bytesTransferredIn', `{ ${POLICY_EVENTS} }`, '$.additionalEventData.bytesTransferredIn', /publishes a value that does not raise its metric/],
  ] as const)('%s: NON_COMPLIANT', async (_, pattern, value, words) => {
    const result = await onPattern(pattern, value);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(words);
  });
});
