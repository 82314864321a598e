import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
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

describe('remediate on moto: an account whose trail delivers to a log group with no filter', () => {
  const account = new TestAccount('318726405913');
  let topicArn: string;

  beforeAll(async () => {
    await account.chain({ filter: false });
  });

  test('starts NON_COMPLIANT', async () => {
    expect(await compliance(account)).toMatchObject({ code: 1, compliance: 'NON_COMPLIANT' });
  });

  test('remediate builds filter, topic, subscription and alarm as intended; check then says COMPLIANT', async () => {
    const result = await cli(account, remediate, ['--log-group-name', DEFAULT_LOG_GROUP, '--notification-email', EMAIL]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\[1\/19\] CheckLogGroupExists \.\.\. ok \(\d+ ms\)$/m);
    // moto has no Config rules: the non-critical re-evaluation fails and the remediation still succeeds.
    expect(result.stdout).toMatch(/^\[19\/19\] StartConfigRuleEvaluation \.\.\. FAILED \(not critical\)/m);
    expect(result.stdout).toMatch(/^remediation succeeded: 16 steps run, 3 skipped, 1 failed, 13 API calls, \d+ ms$/m);

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
    expect(subscriptions).toEqual([expect.objectContaining({ Protocol: 'email', Endpoint: EMAIL })]);
    expect(alarms).toEqual([
      expect.objectContaining({
        AlarmName: ALARM,
        Namespace: 'CloudTrailMetrics',
        MetricName: 'S3BucketPolicyChanges',
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        ActionsEnabled: true,
        AlarmActions: [topicArn],
      }),
    ]);
    const { Attributes: attributes } = await account.clients().sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    const policy = JSON.parse(attributes?.Policy as string);
    // AccountId was not given: the caller's account (sts GetCallerIdentity) scopes the topic policy.
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: topicArn, Condition: { StringEquals: { 'aws:SourceAccount': account.accountId } } }),
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);

    // moto confirms e-mail subscriptions at once; in AWS the rule waits for the person to confirm.
    expect(await compliance(account)).toMatchObject({ code: 0, compliance: 'COMPLIANT' });
  });

  test('run again: still COMPLIANT, no second subscription, alarm or topic; the filter is the same one', async () => {
    const result = await cli(account, remediate, ['--log-group-name', DEFAULT_LOG_GROUP, '--notification-email', EMAIL]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\[13\/19\] ChooseSubscription \.\.\. -> PutAlertAlarm/m);
    expect(result.stdout).not.toContain('SubscribeNotificationEmail');

    const { filters, alarms, topics, subscriptions } = await remediationResources(account);
    expect(topics).toEqual([topicArn]);
    expect(subscriptions).toHaveLength(1);
    expect(alarms.map((alarm) => alarm.AlarmName)).toEqual([ALARM]);
    // AWS replaces a metric filter of the same name (PutMetricFilter is an upsert): one filter. moto 5.2.1 does not
    // upsert and lists the same definition twice; what AWS would show is the set of distinct definitions.
    const definitions = new Set(filters.map(({ filterName, filterPattern, metricTransformations }) => JSON.stringify({ filterName, filterPattern, metricTransformations })));
    expect(definitions.size).toBe(1);
    expect(filters).toHaveLength(2); // moto's duplicate; 1 in AWS

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
    expect(result.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^\[1\/19\] CheckLogGroupExists \.\.\. FAILED \(\d+ ms\): \$\.logGroups\[0\]\.logGroupName is nothing; expected "CloudTrail\/Deleted"$/)]);
    expect(result.stderr).toContain('remediation FAILED: 1 steps run, 18 skipped, 1 failed');
    expect(result.stderr).toContain('changes made: none, the account is as it was');
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
