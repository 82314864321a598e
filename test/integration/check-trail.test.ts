import { ruleClients } from '../../rule/clients';
import { evaluateAccount } from '../../rule/evaluate';
import { gatherSnapshot } from '../../rule/gather';
import { DEFAULT_PARAMETERS } from '../../rule/parameters';
import { TestAccount } from '../support/moto';
import { checkAccount } from '../support/check';

/**
 * `check` against real accounts in moto: the trail and delivery links. One moto account per scenario
 * (ids 3141592000xx belong to this file).
 */

describe('check: trails and delivery', () => {
  test('no trail: NON_COMPLIANT, exit 1', async () => {
    const { code, result } = await checkAccount(new TestAccount('314159200001'));
    expect(code).toBe(1);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', accountId: '314159200001', region: 'us-east-1', chains: [] });
    expect(result.annotation).toMatch(/^No CloudTrail trail is visible from us-east-1, so S3 bucket policy changes are not recorded/);
  });

  test('a trail without CloudWatch Logs', async () => {
    const account = new TestAccount('314159200002');
    await account.trail({ name: 'main', logGroup: null });
    const { code, result } = await checkAccount(account);
    expect(code).toBe(1);
    expect(result.annotation).toBe('Trail main: sends no events to CloudWatch Logs (the trail has no CloudWatchLogsLogGroupArn)');
  });

  test('a stopped trail with an otherwise complete chain', async () => {
    const account = new TestAccount('314159200003');
    await account.chain({ trail: { logging: false } });
    const { result } = await checkAccount(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toBe('Trail main is not logging (run StartLogging) (the rest of the chain works)');
  });

  test('a single-region trail: NON_COMPLIANT by default, COMPLIANT when RequireMultiRegionTrail=false', async () => {
    const account = new TestAccount('314159200004');
    await account.chain({ trail: { multiRegion: false } });
    const strict = await checkAccount(account);
    expect(strict.result.annotation).toMatch(/^Trail main is a single-region trail \(us-east-1\): bucket policy changes in other regions are not recorded/);
    const relaxed = await checkAccount(account, ['--parameters', '{"RequireMultiRegionTrail":"false"}']);
    expect(relaxed.code).toBe(0);
    expect(relaxed.result.compliance).toBe('COMPLIANT');
  });

  test('advanced event selectors that exclude S3', async () => {
    const account = new TestAccount('314159200005');
    await account.chain({
      trail: {
        selectors: {
          advanced: [
            {
              Name: 'Management events without S3',
              FieldSelectors: [
                { Field: 'eventCategory', Equals: ['Management'] },
                { Field: 'eventSource', NotEquals: ['s3.amazonaws.com'] },
              ],
            },
          ],
        },
      },
    });
    const { result } = await checkAccount(account);
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(
      /^Trail main does not record PutBucketPolicy, DeleteBucketPolicy \(advanced event selector "Management events without S3" keeps only eventSource NotEquals s3.amazonaws.com\)/,
    );
  });

  test('advanced event selectors that keep management write events', async () => {
    const account = new TestAccount('314159200006');
    await account.chain({
      trail: {
        selectors: {
          advanced: [
            {
              Name: 'Management writes',
              FieldSelectors: [
                { Field: 'eventCategory', Equals: ['Management'] },
                { Field: 'readOnly', Equals: ['false'] },
              ],
            },
          ],
        },
      },
    });
    const { result } = await checkAccount(account);
    expect(result.compliance).toBe('COMPLIANT');
  });

  test('two trails where only the second is complete: COMPLIANT through the second', async () => {
    const account = new TestAccount('314159200007');
    await account.trail({ name: 'audit', logGroup: null });
    await account.chain({ trail: { name: 'security', logGroup: { name: 'security-trail' } } });
    const { code, result } = await checkAccount(account);
    expect(code).toBe(0);
    expect(result.annotation).toMatch(/^Trail security → log group security-trail → filter "s3-bucket-policy-changes" → alarm "s3-bucket-policy-changes" → topic s3-policy-alerts:/);
    expect(result.chains.map((chain) => [chain.trailArn.split('/').pop(), chain.status])).toEqual([
      ['audit', 'broken'],
      ['security', 'complete'],
    ]);
  });

  test("a same-named log group in another region is not the trail's", async () => {
    const account = new TestAccount('314159200008');
    // The trail (home us-east-1) delivers to us-east-1's CloudTrail/Default, which has no filter; eu-west-1 has a
    // CloudTrail/Default with the whole chain. Evaluated from eu-west-1, where the trail is a shadow trail.
    await account.trail({ name: 'main' });
    await account.logGroup('CloudTrail/Default', 'eu-west-1');
    await account.metricFilter({ name: 's3-policy', region: 'eu-west-1' });
    const topicArn = await account.topic({ name: 'alerts', region: 'eu-west-1', emails: ['security@example.com'] });
    await account.alarm({ name: 's3-policy', region: 'eu-west-1', actions: [topicArn] });
    const { result } = await checkAccount(account, [], 'eu-west-1');
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toBe('Trail main → log group CloudTrail/Default (us-east-1): has no metric filter: add one that matches PutBucketPolicy or DeleteBucketPolicy');
    expect(result.chains[0]!.logGroupArn).toBe('arn:aws:logs:us-east-1:314159200008:log-group:CloudTrail/Default');
  });

  test("an organization trail of another account: NOT_APPLICABLE, naming owner and trail, without reading its log group", async () => {
    // moto does not show an organization trail to member accounts. The member's view is reproduced by reading
    // CloudTrail where the owner's trail lives while STS answers as the member (the owner's log group and alarm
    // are complete, so a rule that read them would say COMPLIANT; a rule that judged the member would say NON_COMPLIANT).
    const owner = new TestAccount('314159200009');
    const member = new TestAccount('314159200010');
    await owner.chain({ trail: { name: 'org-trail', organization: true } });
    const memberView = (region: string) => ({ ...ruleClients(owner.options(region)), sts: ruleClients(member.options(region)).sts });
    const { snapshot, apiCalls } = await gatherSnapshot(memberView, 'us-east-1', DEFAULT_PARAMETERS);
    const verdict = evaluateAccount(snapshot, DEFAULT_PARAMETERS);
    expect(verdict.compliance).toBe('NOT_APPLICABLE');
    expect(verdict.annotation).toMatch(/^Trail org-trail is an organization trail of account 314159200009: .* not in 314159200010$/);
    expect(apiCalls).toBe(2);
  });
});
