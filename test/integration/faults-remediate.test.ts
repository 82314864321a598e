import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
import { DEFAULT_LOG_GROUP } from '../../cli/sandbox-account';
import { RESOURCE_PREFIX } from '../../remediation/document';
import { runCli } from '../support/cli';
import { checkAccount } from '../support/check';
import { startFaultProxy, type FaultKind, type FaultProxy } from '../support/fault-proxy';
import { motoEndpoint, TestAccount } from '../support/moto';

/**
 * `s3-policy-watch remediate` (default retries) on moto through the fault proxy, with one step failing on every
 * attempt, each step in turn: the report says which changes were made, which step failed and what was not run;
 * running the same command again finishes the job and the account is COMPLIANT, with one topic, one subscriber
 * and one alarm. Writes fail with a lost answer: the change reached moto, the runner never heard back.
 * (ids 3197000002xx)
 */

const REGION = 'us-east-1';
const EMAIL = 'security@example.com';

/** The steps that call AWS, in the order a first run calls them, with the API call that is theirs. */
const STEPS: { step: string; api: string; skip?: number; write?: true }[] = [
  { step: 'CheckLogGroupExists', api: 'DescribeLogGroups' },
  // (ReadAlertTopic, the first GetTopicAttributes, fails on a first run anyway: the topic does not exist yet.)
  { step: 'CreateAlertTopic', api: 'CreateTopic', write: true },
  { step: 'SetAlertTopicPolicy', api: 'SetTopicAttributes', write: true },
  { step: 'CountAlertTopicSubscribers', api: 'GetTopicAttributes', skip: 1 },
  { step: 'SubscribeNotificationEmail', api: 'Subscribe', write: true },
  { step: 'PutCisMetricFilter', api: 'PutMetricFilter', write: true },
  { step: 'VerifyCisMetricFilter', api: 'DescribeMetricFilters' },
  { step: 'PutAlertAlarm', api: 'PutMetricAlarm', write: true },
  { step: 'VerifyAlarmNotifiesAlertTopic', api: 'DescribeAlarms' },
  { step: 'VerifyAlarmMetricName', api: 'DescribeAlarms', skip: 1 },
  { step: 'VerifyAlarmNamespace', api: 'DescribeAlarms', skip: 2 },
];
// Throttling takes the same path with the SDK's longest back-off (10 s over 5 attempts): left to the check tests.
const READ_FAULTS: FaultKind[] = ['http500', 'http503', 'drop'];

function remediate(proxy: FaultProxy) {
  return runCli(['remediate', '--log-group-name', DEFAULT_LOG_GROUP, '--notification-email', EMAIL, '--region', REGION, '--endpoint-url', proxy.endpoint]);
}

/** The indented lines under a heading of the summary (`changes made:`). */
function listedUnder(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) return [];
  const listed: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  ')) break;
    listed.push(line.trim().split(':')[0]!);
  }
  return listed;
}

describe('remediate with a fault at each step in turn', () => {
  const proxies: FaultProxy[] = [];
  afterAll(() => Promise.all(proxies.map((proxy) => proxy.stop())));

  test.each(STEPS.map((entry, index) => ({ ...entry, index })))('$step fails: a clear report, and running again finishes the job', async ({ step, api, skip, write, index }) => {
    const account = new TestAccount(`3197000002${String(index).padStart(2, '0')}`, REGION);
    await account.chain({ filter: false });
    const proxy = await startFaultProxy(motoEndpoint(), { headers: account.options().headers });
    proxies.push(proxy);

    const kind = write ? 'lostReply' : READ_FAULTS[index % READ_FAULTS.length]!;
    proxy.plan({ rate: 1, apis: [api], skip: skip ?? 0, kinds: [kind], seed: index });
    const failed = await remediate(proxy);
    expect(failed.code).toBe(2);
    expect(failed.stdout).toMatch(new RegExp(`^\\[\\d+/51\\] ${step} \\.\\.\\. FAILED \\(\\d+ ms\\): `, 'm'));
    // 1, or 2 with the read of the own topic that does not exist yet (not critical: it sends the run to build).
    expect(failed.stderr).toMatch(/^remediation FAILED: \d+ steps run, \d+ skipped, [12] failed/);
    expect(failed.stderr).toMatch(new RegExp(`^failed: ${step}: \\w+ ${api} failed: `, 'm'));
    // The changes listed are the writes that succeeded before the failing step, no more, no fewer.
    const writesBefore = STEPS.slice(0, index).filter((entry) => entry.write).map((entry) => entry.step);
    expect(listedUnder(failed.stderr, 'changes made:')).toEqual(writesBefore);
    if (writesBefore.length === 0) expect(failed.stderr).toContain(write ? 'changes made: none confirmed' : 'changes made: none, the account is as it was');
    expect(failed.stderr).toMatch(/^not run: .*StartConfigRuleEvaluation$/m);
    if (write) expect(failed.stderr).toContain(`${step} changes the account: its change may have been made before the failure`);
    expect(failed.stderr).toContain('fix the cause and run the same command again: it replaces or skips what the steps before made');

    proxy.plan({ rate: 0 });
    const again = await remediate(proxy);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect((await checkAccount(account)).result.compliance).toBe('COMPLIANT');
    const { cloudWatch, sns } = account.clients();
    const topics = ((await sns.send(new ListTopicsCommand({}))).Topics ?? []).map((topic) => topic.TopicArn!);
    expect(topics).toEqual([expect.stringMatching(new RegExp(`:${RESOURCE_PREFIX}alerts$`))]);
    expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topics[0] }))).Subscriptions).toEqual([expect.objectContaining({ Endpoint: EMAIL })]);
    expect((await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: RESOURCE_PREFIX }))).MetricAlarms).toHaveLength(1);
  });

  test('the account id lookup fails: nothing is changed, and the message says how to give it', async () => {
    const account = new TestAccount('319700000299', REGION);
    await account.chain({ filter: false });
    const proxy = await startFaultProxy(motoEndpoint(), { headers: account.options().headers });
    proxies.push(proxy);
    proxy.plan({ rate: 1, apis: ['GetCallerIdentity'], kinds: ['http503'] });
    const failed = await remediate(proxy);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/cannot look up the account id \(sts GetCallerIdentity in us-east-1\): .*; pass --parameter AccountId=<12 digits>/);
    expect(Object.keys(proxy.counts().requests)).toEqual(['GetCallerIdentity']);
  });
});
