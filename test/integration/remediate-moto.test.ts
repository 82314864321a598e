import { DescribeAlarmsCommand, PutMetricAlarmCommand, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTopicCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { makeClient } from '../../rule/clients';
import { remediationDocument } from '../../remediation/document';
import { resolveParameters } from '../../remediation/parameters';
import { runAutomation, type AutomationResult, type ClientFactory } from '../../remediation/runner';
import { run as check } from '../../cli/commands/check';
import { run as remediate } from '../../cli/commands/remediate';
import { CIS_FILTER_PATTERN } from '../../rule/events/canonical';
import { RESOURCE_PREFIX } from '../../remediation/document';
import { DEFAULT_LOG_GROUP } from '../../cli/sandbox-account';
import { TestAccount } from '../support/moto';
import { capture } from '../support/cli';

const EMAIL = 'security@example.com';
const FILTER = `${RESOURCE_PREFIX}bucket-policy-changes`;
const ALARM = `${RESOURCE_PREFIX}bucket-policy-changes`;
const TOPIC = `${RESOURCE_PREFIX}alerts`;


/** The CLI commands, pointed at this test file's accounts in moto (the account travels as a header). */
async function cli(account: TestAccount, command: typeof check, argv: string[]) {
  const io = capture();
  const code = await command([...argv, '--region', account.region, '--endpoint-url', process.env.MOTO_ENDPOINT as string], io, { headers: account.options().headers, maxAttempts: 2 });
  return { code, ...io };
}

async function compliance(account: TestAccount): Promise<{ code: number; compliance: string; annotation: string }> {
  const result = await cli(account, check, ['--format', 'json']);
  const report = JSON.parse(result.stdout) as { compliance: string; annotation: string };
  return { code: result.code, compliance: report.compliance, annotation: report.annotation };
}

/** What the account holds that the remediation may have written. */
async function remediationResources(account: TestAccount) {
  const { logs, cloudWatch, sns } = account.clients();
  const filters = (await logs.send(new DescribeMetricFiltersCommand({ logGroupName: DEFAULT_LOG_GROUP }))).metricFilters ?? [];
  const alarms = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: RESOURCE_PREFIX }))).MetricAlarms ?? [];
  const topics = ((await sns.send(new ListTopicsCommand({}))).Topics ?? []).map((topic) => topic.TopicArn as string).filter((arn) => arn.endsWith(`:${TOPIC}`));
  const subscriptions = topics.length
    ? ((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topics[0] }))).Subscriptions ?? [])
    : [];
  return { filters: filters.filter((filter) => filter.filterName?.startsWith(RESOURCE_PREFIX)), alarms, topics, subscriptions };
}

/**
 * moto keeps SubscriptionsConfirmed / SubscriptionsPending at 0 whatever the topic holds, and confirms email
 * subscriptions at once. At the edge, GetTopicAttributes answers the counts as AWS keeps them: from the
 * subscriptions moto lists, an email subscription counting as pending until the test says its recipient confirmed.
 */
function snsAsAws(confirmedEndpoints: Set<string>): ClientFactory {
  return (Client, options) => {
    const client = makeClient(Client, options);
    if (!(client instanceof SNSClient)) return client;
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    (client as unknown as { send: typeof send }).send = async (command: unknown) => {
      const answer = await send(command);
      if (!(command instanceof GetTopicAttributesCommand)) return answer;
      const listed = (await send(new ListSubscriptionsByTopicCommand({ TopicArn: command.input.TopicArn }))) as { Subscriptions?: { Endpoint?: string; Protocol?: string }[] };
      const subscriptions = listed.Subscriptions ?? [];
      const confirmed = subscriptions.filter((subscription) => subscription.Protocol !== 'email' || confirmedEndpoints.has(subscription.Endpoint as string)).length;
      const attributes = (answer as { Attributes: Record<string, string> }).Attributes;
      return { ...(answer as object), Attributes: { ...attributes, SubscriptionsConfirmed: String(confirmed), SubscriptionsPending: String(subscriptions.length - confirmed) } };
    };
    return client;
  };
}

describe('the remediation document on moto: first run, re-runs, and the rule judging what it built', () => {
  const account = new TestAccount('318726405913');
  const confirmed = new Set<string>();
  const run = (given: Record<string, string> = {}) =>
    runAutomation(
      remediationDocument,
      resolveParameters(remediationDocument.parameters, { LogGroupName: DEFAULT_LOG_GROUP, AccountId: account.accountId, NotificationEmail: EMAIL, ...given }).values,
      { clientOptions: { ...account.options(), maxAttempts: 2 }, clientFactory: snsAsAws(confirmed) },
    );
  const writesOf = (result: AutomationResult) => result.steps.filter((step) => step.call && !/^(Describe|List|Get)/.test(step.call.api) && step.status === 'Success').map((step) => step.name);
  let topicArn: string;

  beforeAll(async () => {
    await account.chain({ filter: false });
  });

  test('starts NON_COMPLIANT', async () => {
    expect(await compliance(account)).toMatchObject({ code: 1, compliance: 'NON_COMPLIANT' });
  });

  test('the first run builds filter, topic, one email subscription and alarm; the rule then judges the chain complete', async () => {
    const result = await run();
    expect(result.status).toBe('Success');
    expect(writesOf(result)).toEqual(['CreateAlertTopic', 'SetAlertTopicPolicy', 'SubscribeNotificationEmail', 'PutCisMetricFilter', 'PutAlertAlarm']);
    // moto has no Config rules: the non-critical re-evaluation fails and the remediation still succeeds.
    expect(result.steps.at(-1)).toMatchObject({ name: 'StartConfigRuleEvaluation', status: 'Failed', critical: false });

    const { filters, alarms, topics, subscriptions } = await remediationResources(account);
    expect(filters).toEqual([
      expect.objectContaining({
        filterName: FILTER,
        filterPattern: CIS_FILTER_PATTERN,
        metricTransformations: [expect.objectContaining({ metricNamespace: 'CloudTrailMetrics', metricName: 'S3BucketPolicyChanges', metricValue: '1' })],
      }),
    ]);
    expect(topics).toHaveLength(1);
    [topicArn] = topics;
    // The topic's ARN the document named from global:AWS_PARTITION / global:REGION is the one CreateTopic made.
    expect(result.outputs).toEqual({ 'CreateAlertTopic.TopicArn': topicArn });
    expect(subscriptions).toEqual([expect.objectContaining({ Protocol: 'email', Endpoint: EMAIL })]);
    expect(alarms).toEqual([
      expect.objectContaining({
        AlarmName: ALARM,
        Namespace: 'CloudTrailMetrics',
        MetricName: 'S3BucketPolicyChanges',
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        ActionsEnabled: true,
        AlarmActions: [topicArn],
      }),
    ]);
    const { Attributes: attributes } = await account.clients().sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    const policy = JSON.parse(attributes?.Policy as string);
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: topicArn, Condition: { StringEquals: { 'aws:SourceAccount': account.accountId } } }),
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);

    // moto confirms e-mail subscriptions at once, so the rule (evaluate, through `check`) sees a complete chain.
    expect(await compliance(account)).toMatchObject({ code: 0, compliance: 'COMPLIANT' });
  });

  test('re-run while the recipient has not confirmed: no write, no second subscription or confirmation email, no re-evaluation', async () => {
    const result = await run();
    expect(result.status).toBe('Success');
    expect(writesOf(result)).toEqual([]);
    expect(result.steps.at(-1)?.name).toBe('EndWhileConfirmationPending');
    expect(result.steps.some((step) => step.name === 'StartConfigRuleEvaluation')).toBe(false);
    const { subscriptions, alarms, topics } = await remediationResources(account);
    expect([subscriptions.length, alarms.length, topics]).toEqual([1, 1, [topicArn]]);
  });

  test('re-run once confirmed: everything is in place, nothing is written and the rule is not re-evaluated', async () => {
    confirmed.add(EMAIL);
    const result = await run();
    expect(result.status).toBe('Success');
    expect(writesOf(result)).toEqual([]);
    expect(result.steps.at(-1)?.name).toBe('EndChainInPlace');
    expect((await remediationResources(account)).subscriptions).toHaveLength(1);
    expect(await compliance(account)).toMatchObject({ code: 0, compliance: 'COMPLIANT' });
  });

  test('an alarm someone rewrote so it cannot fire is rebuilt on the next run, without a second subscription', async () => {
    // moto has no DisableAlarmActions; the same effect through PutMetricAlarm, as a tamperer might do it.
    const [alarm] = (await remediationResources(account)).alarms;
    await account.clients().cloudWatch.send(new PutMetricAlarmCommand({ ...(alarm as PutMetricAlarmCommandInput), ActionsEnabled: false }));
    expect(await compliance(account)).toMatchObject({ compliance: 'NON_COMPLIANT' });
    const result = await run();
    expect(writesOf(result)).toEqual(['CreateAlertTopic', 'SetAlertTopicPolicy', 'PutCisMetricFilter', 'PutAlertAlarm']);
    const { subscriptions, alarms } = await remediationResources(account);
    expect([subscriptions.length, alarms[0]?.ActionsEnabled]).toEqual([1, true]);
    expect(await compliance(account)).toMatchObject({ code: 0, compliance: 'COMPLIANT' });
  });
});

describe('the remediation document on moto with an existing topic (NotificationTopicArn)', () => {
  const account = new TestAccount('318726405915');

  test('the alarm notifies the central topic, which is not written to; the rule judges the chain complete', async () => {
    await account.chain({ filter: false });
    const { sns } = account.clients();
    const { TopicArn: central } = await sns.send(new CreateTopicCommand({ Name: 'central-security-alerts' }));
    await sns.send(new SubscribeCommand({ TopicArn: central, Protocol: 'https', Endpoint: 'https://pager.example.com/hook' }));
    const before = (await sns.send(new GetTopicAttributesCommand({ TopicArn: central }))).Attributes?.Policy;
    const values = resolveParameters(remediationDocument.parameters, { LogGroupName: DEFAULT_LOG_GROUP, AccountId: account.accountId, NotificationTopicArn: central as string }).values;
    const result = await runAutomation(remediationDocument, values, { clientOptions: account.options(), clientFactory: snsAsAws(new Set()) });
    expect(result.status).toBe('Success');
    const { alarms, topics } = await remediationResources(account);
    expect(topics).toEqual([]);
    expect(alarms).toEqual([expect.objectContaining({ AlarmName: ALARM, AlarmActions: [central] })]);
    expect((await sns.send(new GetTopicAttributesCommand({ TopicArn: central }))).Attributes?.Policy).toBe(before);
    expect(await compliance(account)).toMatchObject({ code: 0, compliance: 'COMPLIANT' });
  });
});

describe('remediate on moto: what it refuses', () => {
  const account = new TestAccount('318726405914');

  beforeAll(async () => {
    // A trail delivering to a log group that was deleted since, as far as the remediation can tell: the
    // trail names CloudTrail/Default, the remediation is pointed at a log group that does not exist.
    await account.chain({ filter: false });
  });

  test('a missing log group fails at step 1 with nothing created: no filter, topic or alarm', async () => {
    const result = await cli(account, remediate, ['--log-group-name', 'CloudTrail/Deleted', '--notification-email', EMAIL]);
    expect(result.code).toBe(2);
    expect(result.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^\[1\/51\] CheckLogGroupExists \.\.\. FAILED \(\d+ ms\): \$\.logGroups\[0\]\.logGroupName is nothing; expected "CloudTrail\/Deleted"$/)]);
    expect(result.stderr).toContain('remediation FAILED: 1 steps run, 50 skipped, 1 failed');
    expect(result.stderr).toContain('changes made: none, the account is as it was');
    expect(await remediationResources(account)).toEqual({ filters: [], alarms: [], topics: [], subscriptions: [] });
  });

  test('no notification target: refused at the second step, naming both parameters, nothing created', async () => {
    const result = await cli(account, remediate, ['--log-group-name', DEFAULT_LOG_GROUP]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('set exactly one of NotificationEmail and NotificationTopicArn');
    expect(await remediationResources(account)).toEqual({ filters: [], alarms: [], topics: [], subscriptions: [] });
  });

  test.each([
    [['--notification-email', 'security@example'], 'NotificationEmail "security@example" is not allowed'],
    [['--parameter', 'AlarmName=S3BucketPolicyChangeAlarm'], 'AlarmName "S3BucketPolicyChangeAlarm" is not allowed: Name of the CloudWatch alarm to create or replace; must start with s3-policy-watch-.'],
    [['--parameter', 'TopicName=security-alerts'], 'TopicName "security-alerts" is not allowed'],
  ])('%j is rejected before any call, nothing created', async (extra, message) => {
    // The command throws; cli/main turns that into its message on stderr and exit 2 (unit-tested).
    await expect(cli(account, remediate, ['--log-group-name', DEFAULT_LOG_GROUP, ...extra])).rejects.toThrow(message);
    expect(await remediationResources(account)).toEqual({ filters: [], alarms: [], topics: [], subscriptions: [] });
  });
});
