import { CIS_FILTER_PATTERN } from '../../rule/events/canonical';
import { DEFAULT_METRIC, DEFAULT_NAMESPACE } from '../../cli/sandbox-account';
import { TestAccount } from '../support/moto';
import { checkAccount, checkAccountText } from '../support/check';

/**
 * `check` against real accounts in moto: the filter, alarm and notification links. One moto account per
 * scenario (ids 3141592001xx belong to this file).
 */

describe('check: filters, alarms, topics', () => {
  test('the seed chain: COMPLIANT, exit 0, 10 API calls, and the Security Hub caveat', async () => {
    const account = new TestAccount('314159200101');
    await account.chain();
    const { code, result } = await checkAccount(account);
    expect(code).toBe(0);
    expect(result).toMatchObject({
      compliance: 'COMPLIANT',
      accountId: '314159200101',
      region: 'us-east-1',
      apiCalls: 10,
      annotation:
        'Trail main → log group CloudTrail/Default → filter "s3-bucket-policy-changes" → alarm "s3-bucket-policy-changes" → topic s3-policy-alerts: PutBucketPolicy and DeleteBucketPolicy changes raise this alarm, which reaches a subscriber',
      securityHubNote: expect.stringMatching(/Security Hub CloudWatch.8 will still fail/),
    });
    // The same account judged against the nine CIS events: the seed filter is not enough.
    const cis = await checkAccount(account, ['--parameters', '{"RequiredEvents":"CIS"}']);
    expect(cis.code).toBe(1);
    expect(cis.result.annotation).toMatch(/filter "s3-bucket-policy-changes" covers PutBucketPolicy, DeleteBucketPolicy but not PutBucketAcl, PutBucketCors/);
  });

  test('the text report walks every link of the chain', async () => {
    const account = new TestAccount('314159200102');
    await account.chain({ topic: { emails: [] } });
    const { code, stdout } = await checkAccountText(account);
    expect(code).toBe(1);
    expect(stdout).toContain('NON_COMPLIANT: account 314159200102, evaluated from us-east-1 (');
    expect(stdout).toContain('[ok]      trail        Trail main is multi-region, logging, and records management write events');
    expect(stdout).toContain('[ok]      alarm        alarm "s3-bucket-policy-changes" goes to ALARM on one change (Sum >= 1 per 300 s)');
    expect(stdout).toContain('[BROKEN]  notification topic s3-policy-alerts has no subscribers, so the alarm reaches nobody');
  });

  test('the CIS chain under SecurityHubParity: COMPLIANT without the caveat', async () => {
    const account = new TestAccount('314159200103');
    await account.chain({ filter: { pattern: CIS_FILTER_PATTERN } });
    const { code, result } = await checkAccount(account, ['--parameters', '{"RequiredEvents":"CIS","SecurityHubParity":"true"}']);
    expect(code).toBe(0);
    expect(result.securityHubNote).toBeNull();
    expect(result.annotation).toMatch(/changes of all 9 required events raise this alarm/);
  });

  test('no metric filter', async () => {
    const account = new TestAccount('314159200104');
    await account.chain({ filter: false });
    const { result } = await checkAccount(account);
    expect(result.annotation).toBe('Trail main → log group CloudTrail/Default: has no metric filter: add one that matches PutBucketPolicy or DeleteBucketPolicy');
  });

  test('the seed filter without an alarm', async () => {
    const account = new TestAccount('314159200105');
    await account.chain({ alarm: false });
    const { result } = await checkAccount(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toBe(
      'Trail main → log group CloudTrail/Default → filter "s3-bucket-policy-changes": has no alarm in us-east-1 on its metric CloudTrailMetrics/S3BucketPolicyChangeCount (standard, metric-math or Metrics Insights): alarms must be in the log group\'s region',
    );
  });

  test('AND-ed event names can never match', async () => {
    const account = new TestAccount('314159200106');
    await account.chain({ filter: { pattern: '{ ($.eventName = PutBucketPolicy) && ($.eventName = DeleteBucketPolicy) }' } });
    const { result } = await checkAccount(account);
    expect(result.annotation).toMatch(/filter "s3-bucket-policy-changes" matches no PutBucketPolicy or DeleteBucketPolicy record/);
    expect(result.chains[0]!.links.map((link) => link.link)).toEqual(['trail', 'delivery', 'filter']);
  });

  test('a topic without a subscriber', async () => {
    const account = new TestAccount('314159200107');
    await account.chain({ topic: { emails: [] } });
    const { result } = await checkAccount(account);
    expect(result.annotation).toMatch(/alarm "s3-bucket-policy-changes": topic s3-policy-alerts has no subscribers, so the alarm reaches nobody$/);
  });

  test("an alarm (and its topic) in another region than the log group's", async () => {
    const account = new TestAccount('314159200108');
    await account.chain({ alarm: { region: 'eu-west-1' }, topic: { region: 'eu-west-1' } });
    const { result } = await checkAccount(account);
    expect(result.annotation).toMatch(/has no alarm in us-east-1 on its metric CloudTrailMetrics\/S3BucketPolicyChangeCount/);
  });

  test('an alarm in another namespace', async () => {
    const account = new TestAccount('314159200109');
    await account.chain({ alarm: { namespace: 'LogMetrics' } });
    const { result } = await checkAccount(account);
    expect(result.annotation).toMatch(/has no alarm in us-east-1 on its metric CloudTrailMetrics\/S3BucketPolicyChangeCount/);
  });

  test('an alarm with its actions disabled', async () => {
    const account = new TestAccount('314159200110');
    await account.chain({ alarm: { actionsEnabled: false } });
    const { result } = await checkAccount(account);
    expect(result.annotation).toMatch(/alarm "s3-bucket-policy-changes" has its actions disabled \(ActionsEnabled=false\)/);
  });

  test('an alarm that cannot fire on one event', async () => {
    const account = new TestAccount('314159200111');
    await account.chain({ alarm: { threshold: 5, evaluationPeriods: 3 } });
    const { result } = await checkAccount(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    // The alarm model names the first thing that keeps a change from notifying: one change is Sum 1, not 5.
    expect(result.annotation).toMatch(/alarm "s3-bucket-policy-changes" cannot go to ALARM on every change: a period with changes has Sum 1 or more, and the alarm needs Sum >= 5/);
  });

  test('a dimensioned filter with an undimensioned alarm', async () => {
    const account = new TestAccount('314159200112');
    await account.chain({ filter: { dimensions: { Bucket: '$.requestParameters.bucketName' } }, alarm: { dimensions: {} } });
    const { result } = await checkAccount(account);
    expect(result.annotation).toMatch(
      /alarm "s3-bucket-policy-changes" watches CloudTrailMetrics\/S3BucketPolicyChangeCount, but the filter's dimension Bucket takes the value of \$.requestParameters.bucketName, which differs from call to call/,
    );
  });

  test('a metric-math alarm on the filter metric completes the chain', async () => {
    const account = new TestAccount('314159200113');
    await account.chain({
      alarm: {
        metrics: [
          { Id: 'changes', ReturnData: false, MetricStat: { Metric: { Namespace: DEFAULT_NAMESPACE, MetricName: DEFAULT_METRIC }, Period: 300, Stat: 'Sum' } },
          { Id: 'alarmed', ReturnData: true, Expression: 'changes', Label: 'S3 bucket policy changes' },
        ],
      },
    });
    const { code, result } = await checkAccount(account);
    expect(code).toBe(0);
    expect(result.annotation).toMatch(/alarm "s3-bucket-policy-changes" → topic s3-policy-alerts:/);
    // 7 reads reach an empty DescribeAlarmsForMetric; the region's alarms are then listed (1 page) and the topic read
    // (subscriptions, attributes, the subscription's filter policy).
    expect(result.apiCalls).toBe(11);
  });
});
