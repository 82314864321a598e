import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { evaluateAccount } from '../../rule/evaluate';
import { gatherSnapshot } from '../../rule/gather';
import { createHandler, TEST_MODE_TOKEN } from '../../rule/handler';
import { parseRuleParameters } from '../../rule/parameters';
import { motoEndpoint } from '../support/moto';
import { OrganizationSandbox } from '../support/organization';

/**
 * A member account whose only trail is the organization trail of account B, on moto with real STS AssumeRole:
 * with TrailOwnerReadRoleName the rule reads B's log group, filter, alarm and topic with the role's credentials
 * (ids 3271828182xx: an even id owns the trail, the next odd one is the member).
 */

const ROLE_NAME = 'S3PolicyWatchTrailOwnerRead';
const WITH_ROLE = parseRuleParameters({ TrailOwnerReadRoleName: ROLE_NAME });

async function organization(ownerAccountId: string, memberAccountId: string) {
  const org = new OrganizationSandbox(ownerAccountId, memberAccountId, motoEndpoint());
  await org.readRole(ROLE_NAME);
  // A log group of the same name in the member, without a filter: a rule that read the member instead of the
  // owner would find it and answer NON_COMPLIANT ("has no metric filter").
  await org.member.clients().logs.send(new CreateLogGroupCommand({ logGroupName: 'CloudTrail/Default' }));
  return { org, connection: await org.memberConnection() };
}

async function check(connection: Awaited<ReturnType<typeof organization>>['connection'], parameters = WITH_ROLE) {
  const gathered = await gatherSnapshot(connection.clients, 'us-east-1', parameters, connection.clientsFor);
  return { ...gathered, verdict: evaluateAccount(gathered.snapshot, parameters) };
}

describe("an organization trail's chain, read in the owner account through the role", () => {
  test('a complete chain in the owner account: COMPLIANT, naming the owner account, in 8 calls', async () => {
    const { org, connection } = await organization('327182818200', '327182818201');
    await org.orgChain();
    const { verdict, snapshot, apiCalls } = await check(connection);
    expect(snapshot.accountId).toBe('327182818201');
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.annotation).toBe(
      'In trail owner account 327182818200: Trail org-trail → log group CloudTrail/Default → filter "s3-bucket-policy-changes" → alarm "s3-bucket-policy-changes" → topic s3-policy-alerts: every required change raises this alarm, which reaches a subscriber',
    );
    expect(verdict.annotation.length).toBeLessThanOrEqual(256);
    expect(verdict.chains[0]).toMatchObject({
      readInAccount: '327182818200',
      logGroupArn: 'arn:aws:logs:us-east-1:327182818200:log-group:CloudTrail/Default',
      topicArn: 'arn:aws:sns:us-east-1:327182818200:s3-policy-alerts',
    });
    expect(snapshot.trailOwners?.[0]?.roleArn).toBe(`arn:aws:iam::327182818200:role/${ROLE_NAME}`);
    expect(apiCalls).toBe(11);
  });

  test("a broken chain in the owner account: NON_COMPLIANT, naming the owner account and what breaks there", async () => {
    const { org, connection } = await organization('327182818202', '327182818203');
    await org.orgChain({ topic: { emails: [] } });
    const { verdict } = await check(connection);
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toBe(
      'In trail owner account 327182818202: Trail org-trail → log group CloudTrail/Default → filter "s3-bucket-policy-changes" → alarm "s3-bucket-policy-changes": topic s3-policy-alerts has no subscribers, so the alarm reaches nobody',
    );
  });

  test("a trail owner without the filter: NON_COMPLIANT on the owner's log group", async () => {
    const { org, connection } = await organization('327182818204', '327182818205');
    await org.orgChain({ filter: false });
    const { verdict } = await check(connection);
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toBe(
      'In trail owner account 327182818204: Trail org-trail → log group CloudTrail/Default: has no metric filter: add one that matches PutBucketPolicy or DeleteBucketPolicy',
    );
  });

  test('without TrailOwnerReadRoleName: NOT_APPLICABLE, naming owner and trail, and nothing is assumed', async () => {
    const { org, connection } = await organization('327182818206', '327182818207');
    await org.orgChain();
    const { verdict, apiCalls, snapshot } = await check(connection, parseRuleParameters({}));
    expect(verdict.compliance).toBe('NOT_APPLICABLE');
    expect(verdict.annotation).toMatch(/^Trail org-trail is an organization trail of account 327182818206: .* not in 327182818207$/);
    expect(snapshot.trailOwners).toBeUndefined();
    expect(apiCalls).toBe(2);
  });

  test('the Lambda handler publishes the verdict read through the role (TestMode, the only PutEvaluations moto has)', async () => {
    const { org, connection } = await organization('327182818208', '327182818209');
    await org.orgChain();
    const handler = createHandler({ region: 'us-east-1', clients: connection.clients, clientsFor: connection.clientsFor });
    const result = await handler({
      invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification', notificationCreationTime: '2025-01-01T00:00:00.000Z', awsAccountId: '327182818209' }),
      ruleParameters: JSON.stringify({ TrailOwnerReadRoleName: ROLE_NAME }),
      resultToken: TEST_MODE_TOKEN,
      accountId: '327182818209',
    });
    expect(result).toMatchObject({ compliance: 'COMPLIANT', accountId: '327182818209', testMode: true, apiCalls: 11 });
    expect(result.annotation).toMatch(/^In trail owner account 327182818208: /);
  });

  test('the calls stay the same as the owner account fills with unrelated log groups, filters and alarms', async () => {
    const { org, connection } = await organization('327182818210', '327182818211');
    await org.orgChain();
    const quiet = await check(connection);
    for (let n = 0; n < 20; n += 1) {
      await org.owner.logGroup(`/aws/lambda/service-${n}`);
      await org.owner.metricFilter({ name: `errors-${n}`, logGroup: `/aws/lambda/service-${n}`, pattern: 'ERROR', namespace: 'Services', metricName: `Errors-${n}` });
    }
    await org.owner.unrelatedAlarms(300);
    const busy = await check(connection);
    expect(busy.verdict.compliance).toBe('COMPLIANT');
    expect(busy.apiCalls).toBe(quiet.apiCalls);
  });
});
