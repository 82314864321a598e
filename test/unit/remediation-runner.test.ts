import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand,
  PutMetricFilterCommand,
  type PutMetricFilterCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { ConfigServiceClient, StartConfigRulesEvaluationCommand } from '@aws-sdk/client-config-service';
import { CreateTopicCommand, GetTopicAttributesCommand, ListTopicsCommand, SetTopicAttributesCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import { CIS_FILTER_PATTERN, POLICY_FILTER_PATTERN } from '../../rule/events/canonical';
import type { AutomationDocument } from '../../remediation/builder';
import { remediationDocument, RESOURCE_PREFIX } from '../../remediation/document';
import { ParameterError, resolveParameters } from '../../remediation/parameters';
import { runAutomation, UnsupportedDocumentError, type StepRecord } from '../../remediation/runner';
import { InvalidDocumentError } from '../../remediation/validate';
import { capture } from '../support/cli';

const ACCOUNT = '111122223333';
const GROUP = 'CloudTrail/Default';
const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT}:${RESOURCE_PREFIX}alerts`;
const clientOptions = { region: 'us-east-1' };

const logs = mockClient(CloudWatchLogsClient);
const sns = mockClient(SNSClient);
const cloudWatch = mockClient(CloudWatchClient);
const config = mockClient(ConfigServiceClient);
const sts = mockClient(STSClient);
const kms = mockClient(KMSClient);
const mocks = [logs, sns, cloudWatch, config, sts, kms];

/** Every command sent, in order, as `service Api` with its input. */
function sent(): { api: string; input: Record<string, unknown> }[] {
  return mocks
    .flatMap((mock) => mock.calls() as { args: unknown[] }[])
    .sort((a, b) => (a as unknown as { callId: number }).callId - (b as unknown as { callId: number }).callId)
    .map((call) => {
      const command = call.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> };
      return { api: command.constructor.name.replace(/Command$/, ''), input: command.input };
    });
}

/**
 * An account as AWS keeps it: the trail's log group; filters and alarms replaced by name (PutMetricFilter and
 * PutMetricAlarm are upserts); topics that exist once created, whose email subscriptions stay pending until the
 * recipient confirms (`confirmAll`); KMS keys with a state and a key policy.
 */
function account(options: { logGroups?: string[]; topics?: Record<string, { confirmed: number; pending?: number }>; keys?: Record<string, { state: string; policy: string }> } = {}) {
  const filters = new Map<string, PutMetricFilterCommandInput>();
  const alarms = new Map<string, PutMetricAlarmCommandInput>();
  const topics = new Map<string, { confirmed: number; pending: number; attributes: Record<string, string> }>(
    Object.entries(options.topics ?? {}).map(([arn, counts]) => [arn, { confirmed: counts.confirmed, pending: counts.pending ?? 0, attributes: { Policy: '{"Statement":[]}' } }]),
  );
  const notFound = (what: string) => Object.assign(new Error(`${what} does not exist`), { name: 'NotFoundException' });
  logs.on(DescribeLogGroupsCommand).callsFake((input) => ({
    logGroups: (options.logGroups ?? [GROUP]).filter((name) => name.startsWith(input.logGroupNamePrefix ?? '')).sort().slice(0, input.limit).map((logGroupName) => ({ logGroupName })),
  }));
  logs.on(PutMetricFilterCommand).callsFake((input: PutMetricFilterCommandInput) => (filters.set(input.filterName as string, input), {}));
  logs.on(DescribeMetricFiltersCommand).callsFake((input) => ({
    metricFilters: [...filters.values()].filter((filter) => filter.filterName?.startsWith(input.filterNamePrefix)),
  }));
  sns.on(CreateTopicCommand).callsFake((input) => {
    const arn = `arn:aws:sns:us-east-1:${ACCOUNT}:${input.Name}`;
    if (!topics.has(arn)) topics.set(arn, { confirmed: 0, pending: 0, attributes: { Policy: '{"Statement":[{"Sid":"__default_statement_ID"}]}' } });
    return { TopicArn: arn };
  });
  sns.on(GetTopicAttributesCommand).callsFake((input) => {
    const topic = topics.get(input.TopicArn);
    if (!topic) throw notFound(`Topic ${input.TopicArn}`);
    return { Attributes: { TopicArn: input.TopicArn, SubscriptionsConfirmed: String(topic.confirmed), SubscriptionsPending: String(topic.pending), ...topic.attributes } };
  });
  sns.on(SetTopicAttributesCommand).callsFake((input) => {
    const topic = topics.get(input.TopicArn);
    if (!topic) throw notFound(`Topic ${input.TopicArn}`);
    topic.attributes[input.AttributeName] = input.AttributeValue;
    return {};
  });
  sns.on(SubscribeCommand).callsFake((input) => {
    (topics.get(input.TopicArn) as { pending: number }).pending += 1;
    return { SubscriptionArn: 'pending confirmation' };
  });
  cloudWatch.on(PutMetricAlarmCommand).callsFake((input: PutMetricAlarmCommandInput) => (alarms.set(input.AlarmName as string, input), {}));
  cloudWatch.on(DescribeAlarmsCommand).callsFake((input) => ({ MetricAlarms: (input.AlarmNames as string[]).flatMap((name) => alarms.get(name) ?? []) }));
  kms.on(DescribeKeyCommand).callsFake((input) => {
    const key = options.keys?.[input.KeyId];
    if (!key) throw notFound(`Key ${input.KeyId}`);
    return { KeyMetadata: { KeyId: input.KeyId, Arn: input.KeyId, KeyState: key.state } };
  });
  kms.on(GetKeyPolicyCommand).callsFake((input) => ({ Policy: options.keys?.[input.KeyId]?.policy, PolicyName: 'default' }));
  config.on(StartConfigRulesEvaluationCommand).resolves({});
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  return {
    /** The recipient clicks the link: pending subscriptions become confirmed. */
    confirmAll(): void {
      for (const topic of topics.values()) [topic.confirmed, topic.pending] = [topic.confirmed + topic.pending, 0];
    },
    alarm: (name: string) => alarms.get(name),
    subscriptions: (arn: string) => topics.get(arn),
  };
}

function parameters(given: Record<string, string> = {}) {
  return resolveParameters(remediationDocument.parameters, { LogGroupName: GROUP, AccountId: ACCOUNT, NotificationEmail: 'security@example.com', ...given }).values;
}

const ALARM = `${RESOURCE_PREFIX}bucket-policy-changes`;
const CENTRAL_TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:security-alerts`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const writes = () => sent().filter((call) => !/^(Describe|List|Get)/.test(call.api));
const ran = (result: { steps: StepRecord[] }) => result.steps.map((step) => `${step.name} ${step.status}`);

beforeEach(() => mocks.forEach((mock) => mock.reset()));

describe('running the remediation document (AWS mocked)', () => {
  test('on an account without a chain: the reads find nothing, the run builds filter, topic, one subscription and alarm, then re-evaluates', async () => {
    account();
    const result = await runAutomation(remediationDocument, parameters(), { clientOptions });
    expect(result.status).toBe('Success');
    expect(sent().map((call) => call.api)).toEqual([
      'DescribeLogGroups',
      'GetTopicAttributes', // the own topic does not exist yet: build
      'CreateTopic',
      'SetTopicAttributes',
      'GetTopicAttributes',
      'Subscribe',
      'PutMetricFilter',
      'DescribeMetricFilters',
      'PutMetricAlarm',
      'DescribeAlarms',
      'DescribeAlarms',
      'DescribeAlarms',
      'StartConfigRulesEvaluation',
    ]);
    // The read of a topic that does not exist fails without failing the automation.
    expect(result.steps[2]).toMatchObject({ name: 'ReadAlertTopic', status: 'Failed', critical: false });
    expect(result.outputs).toEqual({ 'CreateAlertTopic.TopicArn': TOPIC_ARN });

    const [put] = logs.commandCalls(PutMetricFilterCommand);
    expect(put.args[0].input).toEqual({
      logGroupName: GROUP,
      filterName: `${RESOURCE_PREFIX}bucket-policy-changes`,
      filterPattern: CIS_FILTER_PATTERN,
      metricTransformations: [{ metricNamespace: 'CloudTrailMetrics', metricName: 'S3BucketPolicyChanges', metricValue: '1' }],
    });
    const policy = JSON.parse(sns.commandCalls(SetTopicAttributesCommand)[0].args[0].input.AttributeValue as string);
    // The topic's ARN is named from Automation's global:AWS_PARTITION and global:REGION before the topic exists.
    expect(policy.Statement[0]).toMatchObject({ Resource: TOPIC_ARN, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } });
    expect(sns.commandCalls(SubscribeCommand).map((call) => call.args[0].input)).toEqual([{ TopicArn: TOPIC_ARN, Protocol: 'email', Endpoint: 'security@example.com' }]);
    // The Integer parameter reaches the API as a number.
    expect(cloudWatch.commandCalls(PutMetricAlarmCommand)[0].args[0].input).toMatchObject({ Period: 300, AlarmActions: [TOPIC_ARN], Threshold: 1, TreatMissingData: 'notBreaching', DatapointsToAlarm: 1 });
  });

  test('while the email waits for confirmation a re-run changes nothing, sends no second confirmation and does not re-evaluate', async () => {
    account();
    await runAutomation(remediationDocument, parameters(), { clientOptions });
    mocks.forEach((mock) => mock.resetHistory());
    const again = await runAutomation(remediationDocument, parameters(), { clientOptions });

    expect(again.status).toBe('Success');
    expect(writes()).toEqual([]);
    expect(sent().map((call) => call.api)).toEqual(['DescribeLogGroups', 'GetTopicAttributes', 'GetTopicAttributes']);
    expect(again.steps.at(-1)).toMatchObject({ name: 'EndWhileConfirmationPending', status: 'Success' });
  });

  test('once confirmed, a re-run finds the chain in place and ends without writing or re-evaluating (no loop)', async () => {
    const aws = account();
    await runAutomation(remediationDocument, parameters(), { clientOptions });
    aws.confirmAll();
    mocks.forEach((mock) => mock.resetHistory());
    const again = await runAutomation(remediationDocument, parameters(), { clientOptions });
    expect(again.status).toBe('Success');
    expect(writes()).toEqual([]);
    expect(again.steps.every((step) => step.status === 'Success')).toBe(true);
    expect(again.steps.at(-1)?.name).toBe('EndChainInPlace');
  });

  test.each([
    ['a threshold that cannot be met', { Threshold: 5 }],
    ['missing data treated as breaching', { TreatMissingData: 'breaching' }],
    ['actions disabled', { ActionsEnabled: false }],
    ['a 10-second period', { Period: 10 }],
  ])('an alarm tampered with (%s) is rewritten and the rule re-evaluated; nobody is subscribed twice', async (_what, tampered) => {
    const aws = account();
    await runAutomation(remediationDocument, parameters(), { clientOptions });
    aws.confirmAll();
    Object.assign(aws.alarm(ALARM) as object, tampered);
    mocks.forEach((mock) => mock.resetHistory());
    const again = await runAutomation(remediationDocument, parameters(), { clientOptions });
    expect(again.status).toBe('Success');
    expect(writes().map((call) => call.api)).toEqual(['CreateTopic', 'SetTopicAttributes', 'PutMetricFilter', 'PutMetricAlarm', 'StartConfigRulesEvaluation']);
    expect(aws.alarm(ALARM)).toMatchObject({ Threshold: 1, TreatMissingData: 'notBreaching', ActionsEnabled: true, Period: 300 });
  });

  test('a topic whose subscriber left (or whose pending subscription expired) gets the address subscribed again, once', async () => {
    const aws = account();
    await runAutomation(remediationDocument, parameters(), { clientOptions });
    Object.assign(aws.subscriptions(TOPIC_ARN) as object, { pending: 0, confirmed: 0 });
    mocks.forEach((mock) => mock.resetHistory());
    await runAutomation(remediationDocument, parameters(), { clientOptions });
    expect(writes().map((call) => call.api)).toEqual(['CreateTopic', 'SetTopicAttributes', 'Subscribe', 'PutMetricFilter', 'PutMetricAlarm', 'StartConfigRulesEvaluation']);
  });

  test('NotificationTopicArn: the existing topic is never written to; the alarm notifies it; a re-run ends in place', async () => {
    account({ topics: { [CENTRAL_TOPIC]: { confirmed: 2 } } });
    const given = { NotificationEmail: 'none', NotificationTopicArn: CENTRAL_TOPIC };
    const result = await runAutomation(remediationDocument, parameters(given), { clientOptions });
    expect(result.status).toBe('Success');
    expect(writes().map((call) => call.api)).toEqual(['PutMetricFilter', 'PutMetricAlarm', 'StartConfigRulesEvaluation']);
    expect(cloudWatch.commandCalls(PutMetricAlarmCommand)[0].args[0].input.AlarmActions).toEqual([CENTRAL_TOPIC]);
    mocks.forEach((mock) => mock.resetHistory());
    const again = await runAutomation(remediationDocument, parameters(given), { clientOptions });
    expect([again.steps.at(-1)?.name, writes()]).toEqual(['EndChainInPlace', []]);
  });

  test('NotificationTopicArn without a confirmed subscriber is refused before anything is written', async () => {
    account({ topics: { [CENTRAL_TOPIC]: { confirmed: 0, pending: 1 } } });
    const result = await runAutomation(remediationDocument, parameters({ NotificationEmail: 'none', NotificationTopicArn: CENTRAL_TOPIC }), { clientOptions });
    expect(result.status).toBe('Failed');
    expect(result.steps.at(-1)).toMatchObject({ name: 'RefuseNotificationTopicWithoutSubscriber', status: 'Failed' });
    expect(result.steps.at(-1)?.error).toContain('refused: NotificationTopicArn has no confirmed subscription');
    expect(writes()).toEqual([]);
  });

  test.each([
    ['neither', { NotificationEmail: 'none' }],
    ['both', { NotificationTopicArn: CENTRAL_TOPIC }],
  ])('%s of NotificationEmail and NotificationTopicArn: refused, naming both, nothing written', async (_what, given) => {
    account({ topics: { [CENTRAL_TOPIC]: { confirmed: 1 } } });
    const result = await runAutomation(remediationDocument, parameters(given), { clientOptions });
    expect(result.status).toBe('Failed');
    expect(ran(result)).toEqual(['CheckLogGroupExists Success', 'ChooseNotificationTarget Success', 'RefuseWithoutNotificationTarget Failed']);
    expect(result.steps.at(-1)?.error).toContain('set exactly one of NotificationEmail and NotificationTopicArn');
    expect(writes()).toEqual([]);
  });

  test('a KMS key that is enabled and names CloudWatch in its policy encrypts the topic; the POLICY profile writes the two-event pattern', async () => {
    account({ keys: { [KEY]: { state: 'Enabled', policy: JSON.stringify({ Statement: [{ Principal: { Service: 'cloudwatch.amazonaws.com' } }] }) } } });
    const result = await runAutomation(remediationDocument, parameters({ KmsKeyArn: KEY, PatternProfile: 'POLICY' }), { clientOptions });
    expect(result.status).toBe('Success');
    expect(sns.commandCalls(SetTopicAttributesCommand).map((call) => call.args[0].input)).toContainEqual({ TopicArn: TOPIC_ARN, AttributeName: 'KmsMasterKeyId', AttributeValue: KEY });
    expect(logs.commandCalls(PutMetricFilterCommand)[0].args[0].input.filterPattern).toBe(POLICY_FILTER_PATTERN);
  });

  test.each([
    ['a disabled key', { state: 'Disabled', policy: '{"Statement":[{"Principal":{"Service":"cloudwatch.amazonaws.com"}}]}' }, 'CheckTopicKeyEnabled', '$.KeyMetadata.KeyState is "Disabled"; expected "Enabled"'],
    ['a key pending deletion', { state: 'PendingDeletion', policy: '{}' }, 'CheckTopicKeyEnabled', '$.KeyMetadata.KeyState is "PendingDeletion"'],
    ['a key CloudWatch may not use', { state: 'Enabled', policy: '{"Statement":[{"Principal":{"AWS":"arn:aws:iam::111122223333:root"}}]}' }, 'RefuseTopicKey', 'does not name cloudwatch.amazonaws.com'],
  ])('%s fails the run before the topic is encrypted or the alarm written', async (_what, key, step, error) => {
    account({ keys: { [KEY]: key } });
    const result = await runAutomation(remediationDocument, parameters({ KmsKeyArn: KEY }), { clientOptions });
    expect(result.status).toBe('Failed');
    expect(result.steps.at(-1)).toMatchObject({ name: step, status: 'Failed' });
    expect(result.steps.at(-1)?.error).toContain(error);
    expect(writes().map((call) => call.api)).not.toContain('PutMetricAlarm');
    expect(sns.commandCalls(SetTopicAttributesCommand).map((call) => call.args[0].input.AttributeName)).not.toContain('KmsMasterKeyId');
  });

  test('a missing log group stops the run at step 1 with nothing written, even when a longer name shares the prefix', async () => {
    account({ logGroups: [`${GROUP}-archive`, 'other'] });
    const result = await runAutomation(remediationDocument, parameters(), { clientOptions });
    expect(result.status).toBe('Failed');
    expect(result.steps).toEqual([
      expect.objectContaining({ name: 'CheckLogGroupExists', status: 'Failed', error: `$.logGroups[0].logGroupName is "${GROUP}-archive"; expected "${GROUP}"` }),
    ]);
    expect(sent().map((call) => call.api)).toEqual(['DescribeLogGroups']);
  });

  test('a failed Config re-evaluation is reported but does not fail the remediation', async () => {
    account();
    config.on(StartConfigRulesEvaluationCommand).rejects(Object.assign(new Error('The rule s3-policy-watch is not found.'), { name: 'NoSuchConfigRuleException' }));
    const result = await runAutomation(remediationDocument, parameters(), { clientOptions });
    expect(result.status).toBe('Success');
    expect(result.steps.at(-1)).toMatchObject({
      name: 'StartConfigRuleEvaluation',
      status: 'Failed',
      critical: false,
      error: 'config StartConfigRulesEvaluation failed: NoSuchConfigRuleException: The rule s3-policy-watch is not found.',
    });
  });

  test('an alarm that does not read back as written fails the verification and stops', async () => {
    account();
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ MetricName: 'SomethingElse', AlarmActions: [TOPIC_ARN] }] });
    const result = await runAutomation(remediationDocument, parameters(), { clientOptions });
    expect(result.status).toBe('Failed');
    expect(result.steps.at(-1)).toMatchObject({ name: 'VerifyAlarmMetricName', error: '$.MetricAlarms[0].MetricName is "SomethingElse"; expected "S3BucketPolicyChanges"' });
    expect(config.commandCalls(StartConfigRulesEvaluationCommand)).toHaveLength(0);
  });

  test('an API error fails the step with the service, API and AWS message', async () => {
    account();
    sns.on(CreateTopicCommand).rejects(Object.assign(new Error('User is not authorized to perform: SNS:CreateTopic'), { name: 'AuthorizationErrorException' }));
    const result = await runAutomation(remediationDocument, parameters(), { clientOptions });
    expect(result.status).toBe('Failed');
    expect(result.steps.at(-1)?.error).toBe('sns CreateTopic failed: AuthorizationErrorException: User is not authorized to perform: SNS:CreateTopic');
    expect(cloudWatch.commandCalls(PutMetricAlarmCommand)).toHaveLength(0);
  });

  test('a missing parameter stops the run before any call', async () => {
    account();
    const { AccountId: _accountId, ...withoutAccount } = parameters();
    await expect(runAutomation(remediationDocument, withoutAccount, { clientOptions })).rejects.toThrow(ParameterError);
    await expect(runAutomation(remediationDocument, withoutAccount, { clientOptions })).rejects.toThrow('missing parameter AccountId: The account being remediated');
    expect(sent()).toEqual([]);
  });

  test('a dry run calls nothing and shows resolved inputs, keeping run-time values as references', async () => {
    const result = await runAutomation(remediationDocument, parameters(), { clientOptions, dryRun: true });
    expect(sent()).toEqual([]);
    expect(result.apiCalls).toBe(0);
    expect(result.steps.find((step) => step.name === 'ReadAlertTopic')).toMatchObject({ status: 'Planned', call: { service: 'sns', api: 'GetTopicAttributes', input: { TopicArn: TOPIC_ARN } } });
    expect(result.steps.find((step) => step.name === 'ChooseConfirmationState')?.note).toBe(
      'decided at run time from {{ ReadAlertTopic.SubscriptionsPending }}; the plan follows Default (CheckAlertTopicPolicy)',
    );
  });
});

/** A small document to exercise the runner's own rules, independent of the remediation. */
function document(mainSteps: unknown[], extra: Partial<AutomationDocument> = {}): AutomationDocument {
  return {
    schemaVersion: '0.3',
    description: 'runner semantics',
    assumeRole: '',
    parameters: {},
    mainSteps,
    ...extra,
  } as AutomationDocument;
}
const describeGroups = (name: string, more: object = {}) => ({ name, action: 'aws:executeAwsApi', inputs: { Service: 'logs', Api: 'DescribeLogGroups' }, ...more });
const names = (steps: StepRecord[]) => steps.map((step) => `${step.name}:${step.status}`);

describe('runner semantics', () => {
  test('onFailure step:Name jumps; Continue goes on; a critical failure still fails the automation', async () => {
    logs.on(DescribeLogGroupsCommand).rejects(new Error('boom'));
    sns.on(ListTopicsCommand).resolves({ Topics: [] });
    const result = await runAutomation(
      document([
        describeGroups('First', { onFailure: 'step:Recover' }),
        describeGroups('Skipped'),
        describeGroups('Recover', { onFailure: 'Continue', isCritical: false }),
        { ...describeGroups('Last', { isEnd: true }), inputs: { Service: 'sns', Api: 'ListTopics' } },
      ]),
      {},
      { clientOptions },
    );
    expect(names(result.steps)).toEqual(['First:Failed', 'Recover:Failed', 'Last:Success']);
    expect(result.status).toBe('Failed');
    expect(result.notRun).toEqual(['Skipped']);
  });

  test('non-critical failures alone leave the automation successful; Abort stops it', async () => {
    logs.on(DescribeLogGroupsCommand).rejects(new Error('boom'));
    sns.on(ListTopicsCommand).resolves({ Topics: [] });
    const tolerant = await runAutomation(document([describeGroups('A', { isCritical: false, onFailure: 'Continue' }), { ...describeGroups('B'), inputs: { Service: 'sns', Api: 'ListTopics' } }]), {}, { clientOptions });
    expect([tolerant.status, names(tolerant.steps)]).toEqual(['Success', ['A:Failed', 'B:Success']]);
    const aborting = await runAutomation(document([describeGroups('A', { isCritical: false }), describeGroups('B')]), {}, { clientOptions });
    expect([aborting.status, names(aborting.steps)]).toEqual(['Failed', ['A:Failed']]);
  });

  test('maxAttempts retries a failing step', async () => {
    logs.on(DescribeLogGroupsCommand).rejectsOnce(new Error('throttled')).resolves({ logGroups: [] });
    const result = await runAutomation(document([describeGroups('A', { maxAttempts: 2 })]), {}, { clientOptions });
    expect(result.steps).toEqual([expect.objectContaining({ name: 'A', status: 'Success', attempts: 2 })]);
    expect(result.apiCalls).toBe(2);
  });

  test('nextStep jumps over steps; isEnd stops', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    const result = await runAutomation(
      document([describeGroups('A', { nextStep: 'C', onFailure: 'step:B' }), describeGroups('B', { nextStep: 'D' }), describeGroups('C', { isEnd: true }), describeGroups('D')]),
      {},
      { clientOptions },
    );
    expect(names(result.steps)).toEqual(['A:Success', 'C:Success']);
  });

  test('an output the response lacks fails the step that uses it, naming the reference', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    const result = await runAutomation(
      document([
        describeGroups('Read', { outputs: [{ Name: 'First', Selector: '$.logGroups[0].logGroupName', Type: 'String' }] }),
        { name: 'Use', action: 'aws:executeAwsApi', inputs: { Service: 'logs', Api: 'DescribeMetricFilters', logGroupName: '{{ Read.First }}' } },
      ]),
      {},
      { clientOptions },
    );
    expect(result.steps.at(-1)).toMatchObject({ name: 'Use', status: 'Failed', error: 'UnresolvedReferenceError: {{ Read.First }} has no value' });
    expect(logs.commandCalls(DescribeMetricFiltersCommand)).toHaveLength(0);
  });

  test('an output of the wrong type fails the step', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: 'a', retentionInDays: 30 }] });
    const result = await runAutomation(document([describeGroups('Read', { outputs: [{ Name: 'Days', Selector: '$.logGroups[0].retentionInDays', Type: 'Boolean' }] })]), {}, { clientOptions });
    expect(result.steps[0].error).toBe('output Days: $.logGroups[0].retentionInDays selected 30, which is not a Boolean');
  });

  test('assumes the role the document names before the first step', async () => {
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'AKIA', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date() } });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    const role = `arn:aws:iam::${ACCOUNT}:role/remediation`;
    const result = await runAutomation(
      document([describeGroups('A')], { assumeRole: '{{ Role }}', parameters: { Role: { type: 'String', description: 'role' } } }),
      { Role: role },
      { clientOptions },
    );
    expect(sts.commandCalls(AssumeRoleCommand)[0].args[0].input).toEqual({ RoleArn: role, RoleSessionName: 's3-policy-watch-remediate' });
    expect(result.apiCalls).toBe(2);
  });

  test('refuses, before any call, a document with an action, service or API it cannot run', async () => {
    await expect(runAutomation(document([{ name: 'A', action: 'aws:sleep', inputs: { Duration: 'PT1S' } }]), {}, { clientOptions })).rejects.toThrow(InvalidDocumentError);
    await expect(runAutomation(document([{ name: 'A', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeInstances' } }]), {}, { clientOptions })).rejects.toThrow(
      new UnsupportedDocumentError('the runner cannot execute this document:\n  A: service ec2 is not one the runner can call (logs, sns, cloudwatch, config, kms)'),
    );
    await expect(runAutomation(document([{ name: 'A', action: 'aws:executeAwsApi', inputs: { Service: 'logs', Api: 'DescribeLogGroup' } }]), {}, { clientOptions })).rejects.toThrow(
      'A: logs has no API DescribeLogGroup',
    );
    expect(sent()).toEqual([]);
  });
});


describe('s3-policy-watch remediate (AWS mocked)', () => {
  test('prints a progress line per step and a summary of the changes', async () => {
    account();
    const io = capture();
    expect(await main(['remediate', '--log-group-name', GROUP, '--notification-email', 'security@example.com', '--region', 'us-east-1'], io)).toBe(0);
    const lines = io.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\[1\/51\] CheckLogGroupExists \.\.\. ok \(\d+ ms\)$/);
    expect(lines[1]).toMatch(/^\[2\/51\] ChooseNotificationTarget \.\.\. -> ReadAlertTopic \(\d+ ms\)$/);
    // The own topic does not exist yet: that read fails, and the run builds.
    expect(lines[2]).toMatch(/^\[8\/51\] ReadAlertTopic \.\.\. FAILED \(not critical\) \(\d+ ms\): sns GetTopicAttributes failed: NotFoundException/);
    expect(io.stdout).toMatch(/remediation succeeded: 19 steps run, 32 skipped, 1 failed, 14 API calls, \d+ ms/);
    expect(io.stdout).toContain(`  PutCisMetricFilter: logs PutMetricFilter logGroupName=${GROUP} filterName=${RESOURCE_PREFIX}bucket-policy-changes`);
    expect(io.stdout).toContain(`  SubscribeNotificationEmail: sns Subscribe TopicArn=${TOPIC_ARN} Endpoint=security@example.com`);
    expect(io.stdout).toContain(`CreateAlertTopic.TopicArn = ${TOPIC_ARN}`);
    expect(io.stdout).toContain('next: confirm the subscription from the email AWS sent to security@example.com');
    // AccountId came from the caller's identity.
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  test('a failure reports what was done and what was not, exit 2', async () => {
    account({ logGroups: [] });
    const io = capture();
    expect(await main(['remediate', '--log-group-name', GROUP, '--region', 'us-east-1'], io)).toBe(2);
    expect(io.stdout).toMatch(/\[1\/51\] CheckLogGroupExists \.\.\. FAILED \(\d+ ms\): \$\.logGroups\[0\]\.logGroupName is nothing; expected "CloudTrail\/Default"/);
    expect(io.stderr).toContain('remediation FAILED: 1 steps run, 50 skipped, 1 failed');
    expect(io.stderr).toContain('changes made: none, the account is as it was');
    expect(io.stderr).toContain('failed: CheckLogGroupExists: $.logGroups[0].logGroupName is nothing; expected "CloudTrail/Default"\n  The log group the trail delivers to must exist.');
    expect(io.stderr).toContain('not run: ChooseNotificationTarget, RefuseWithoutNotificationTarget,');
  });

  test.each([
    [['--notification-email', 'security@'], 'NotificationEmail "security@" is not allowed'],
    [['--parameter', 'TopicName=alerts'], 'TopicName "alerts" is not allowed'],
    [['--parameter', 'AlarmPeriodSeconds=30'], 'AlarmPeriodSeconds "30" is not allowed'],
    [['--parameter', 'AlarmPeriodSeconds=90'], 'AlarmPeriodSeconds "90" is not allowed: Alarm period in seconds: a multiple of 60 up to 3600'],
    [['--parameter', 'LogGroupName=other'], 'parameter LogGroupName is given twice (--parameter LogGroupName=other)'],
    [['--parameter', 'TopicName'], '--parameter takes Name=Value, got "TopicName"'],
  ])('rejects %j before any call', async (extra, message) => {
    account();
    const io = capture();
    expect(await main(['remediate', '--log-group-name', GROUP, '--region', 'us-east-1', ...extra], io)).toBe(2);
    expect(io.stderr).toContain(message);
    expect(sent()).toEqual([]);
  });

  test('--dry-run prints the planned calls and calls nothing, not even for the account id', async () => {
    const io = capture();
    expect(await main(['remediate', '--log-group-name', GROUP, '--notification-email', 'security@example.com', '--dry-run', '--region', 'us-east-1'], io)).toBe(0);
    expect(sent()).toEqual([]);
    expect(io.stdout).toContain('[1/51] CheckLogGroupExists: logs DescribeLogGroups {"logGroupNamePrefix":"CloudTrail/Default","limit":1}');
    expect(io.stdout).toContain('"aws:SourceAccount\\":\\"{{ AccountId }}\\"');
    expect(io.stdout).toMatch(/dry run: \d+ API calls planned, none made; AccountId: the caller's account, looked up at run time/);
  });
});

test('remediate: when the account id cannot be looked up, the error says so and how to give it', async () => {
  account();
  sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('The security token included in the request is invalid.'), { name: 'InvalidClientTokenId' }));
  const io = capture();
  expect(await main(['remediate', '--log-group-name', GROUP, '--region', 'us-east-1'], io)).toBe(2);
  expect(io.stderr).toContain(
    'cannot look up the account id (sts GetCallerIdentity in us-east-1): InvalidClientTokenId: The security token included in the request is invalid.; pass --parameter AccountId=<12 digits>',
  );
  expect(sent().map((call) => call.api)).toEqual(['GetCallerIdentity']);
});
