import { DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, type Trail } from '@aws-sdk/client-cloudtrail';
import { DescribeAlarmsForMetricCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { assumedRoleClients } from '../../rule/gather';
import { createHandler } from '../../rule/handler';
import { parseRuleParameters } from '../../rule/parameters';
import {
  awsError,
  MOCK_ACCOUNT,
  MOCK_REGION,
  offlineClients,
  SEED_ALARM,
  SEED_FILTER,
  judgeMockedAccount,
  useSeedChainMocks,
} from '../support/mock-aws';

/**
 * Reading an organization trail's chain in its owner's account, against mocked AWS: what moto cannot show. moto's
 * STS hands out credentials for any role ARN, even one that does not exist, and never denies AssumeRole; real STS
 * answers AccessDenied for a missing role, a trust policy that does not let the caller in, and a caller without
 * sts:AssumeRole alike.
 */

const OWNER = '999988887777';
const ROLE_NAME = 'S3PolicyWatchTrailOwnerRead';
const ROLE_ARN = `arn:aws:iam::${OWNER}:role/${ROLE_NAME}`;
const OWNER_LOG_GROUP = 'aws-controltower/CloudTrailLogs';
const OWNER_TOPIC_ARN = `arn:aws:sns:${MOCK_REGION}:${OWNER}:org-alerts`;
const ROLE_CREDENTIALS = { AccessKeyId: 'ASIAOWNERREAD', SecretAccessKey: 'owner-secret', SessionToken: 'owner-token', Expiration: new Date('2030-01-01T00:00:00Z') };
const WITH_ROLE = parseRuleParameters({ TrailOwnerReadRoleName: ROLE_NAME });

function orgTrail(partition = 'aws', region = MOCK_REGION): Trail {
  return {
    Name: 'org-trail',
    TrailARN: `arn:${partition}:cloudtrail:${region}:${OWNER}:trail/org-trail`,
    HomeRegion: region,
    IsMultiRegionTrail: true,
    IsOrganizationTrail: true,
    CloudWatchLogsLogGroupArn: `arn:${partition}:logs:${region}:${OWNER}:log-group:${OWNER_LOG_GROUP}:*`,
    CloudWatchLogsRoleArn: `arn:${partition}:iam::${OWNER}:role/CloudTrailRoleForCloudWatchLogs`,
  };
}

const mocks = useSeedChainMocks((mocks) => {
  // The member sees only the organization trail; the owner's log group, alarm and topic answer as a complete chain.
  mocks.cloudTrail.on(DescribeTrailsCommand).resolves({ trailList: [orgTrail()] });
  mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [{ ...SEED_FILTER, logGroupName: OWNER_LOG_GROUP }] });
  mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({
    MetricAlarms: [{ ...SEED_ALARM, AlarmArn: `arn:aws:cloudwatch:${MOCK_REGION}:${OWNER}:alarm:s3-policy-alarm`, AlarmActions: [OWNER_TOPIC_ARN] }],
  });
  mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [{ Protocol: 'email', Endpoint: 'security@example.com', SubscriptionArn: `${OWNER_TOPIC_ARN}:5f1d`, TopicArn: OWNER_TOPIC_ARN }],
  });
  mocks.sts.on(AssumeRoleCommand).resolves({ Credentials: ROLE_CREDENTIALS });
});

const clientsFor = assumedRoleClients({ region: MOCK_REGION, maxAttempts: 1 });

const gather = (parameters = WITH_ROLE) => judgeMockedAccount(parameters, clientsFor);

/** The credentials the client that sent a mocked call signs with. */
async function credentialsOf(call: { thisValue: unknown }): Promise<AwsCredentialIdentity> {
  return (call.thisValue as { config: { credentials: () => Promise<AwsCredentialIdentity> } }).config.credentials();
}

const ACCESS_DENIED = `User: arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/s3-policy-watch-rule-us-east-1/S3PolicyWatch-RuleFunction is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`;

describe('an organization trail read through TrailOwnerReadRoleName', () => {
  test("assumes the role in the owner's account, named after the rule and the member, and reads the chain there with its credentials", async () => {
    const { verdict, apiCalls, snapshot } = await gather();
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.annotation).toMatch(/^In trail owner account 999988887777: Trail org-trail → log group aws-controltower\/CloudTrailLogs → .* → topic org-alerts: /);
    expect(mocks.sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([
      { RoleArn: ROLE_ARN, RoleSessionName: `s3-policy-watch-${MOCK_ACCOUNT}`, DurationSeconds: 900 },
    ]);
    expect(snapshot.trailOwners?.map(({ accountId, roleArn }) => ({ accountId, roleArn }))).toEqual([{ accountId: OWNER, roleArn: ROLE_ARN }]);
    // Everything about the owner's chain is asked with the role's credentials, nothing with the rule's own.
    const ownerCalls = [
      ...mocks.cloudTrail.commandCalls(GetTrailStatusCommand),
      ...mocks.cloudTrail.commandCalls(GetEventSelectorsCommand),
      ...mocks.logs.commandCalls(DescribeMetricFiltersCommand),
      ...mocks.cloudWatch.commandCalls(DescribeAlarmsForMetricCommand),
      ...mocks.sns.commandCalls(ListSubscriptionsByTopicCommand),
      ...mocks.sns.commandCalls(GetTopicAttributesCommand),
      ...mocks.sns.commandCalls(GetSubscriptionAttributesCommand),
    ];
    // the chain's reads, with the metric's writers (a second DescribeMetricFilters) and the topic's attributes
    expect(ownerCalls).toHaveLength(8);
    for (const call of ownerCalls) expect((await credentialsOf(call)).accessKeyId).toBe(ROLE_CREDENTIALS.AccessKeyId);
    expect(mocks.logs.commandCalls(DescribeMetricFiltersCommand)[0]!.args[0].input).toEqual({ logGroupName: OWNER_LOG_GROUP, nextToken: undefined });
    expect(mocks.cloudTrail.commandCalls(GetTrailStatusCommand)[0]!.args[0].input).toEqual({ Name: orgTrail().TrailARN });
    // GetCallerIdentity, DescribeTrails, AssumeRole, then the eight reads of the chain.
    expect(apiCalls).toBe(11);
  });

  test('members spread their reads: a random wait, at most spreadMs, before the role is assumed, and none without spreadMs', async () => {
    expect(clientsFor.spread).toBeUndefined();
    const spreading = assumedRoleClients({ region: MOCK_REGION, maxAttempts: 1 }, 50);
    const order: string[] = [];
    const wait = spreading.spread!;
    spreading.spread = async () => {
      const started = Date.now();
      await wait();
      order.push(`spread ${Date.now() - started < 200 ? 'bounded' : 'too long'}`);
    };
    mocks.sts.on(AssumeRoleCommand).callsFake(() => (order.push('AssumeRole'), { Credentials: ROLE_CREDENTIALS }));
    const { verdict } = await judgeMockedAccount(WITH_ROLE, spreading);
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(order).toEqual(['spread bounded', 'AssumeRole']);
  });

  test('without the parameter nothing is assumed: NOT_APPLICABLE after DescribeTrails, as before', async () => {
    const { verdict, apiCalls } = await gather(parseRuleParameters({}));
    expect(verdict.compliance).toBe('NOT_APPLICABLE');
    expect(verdict.annotation).toMatch(/TrailOwnerReadRoleName/);
    expect(apiCalls).toBe(2);
    expect(mocks.sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  test("a complete chain of the member's own: the owner's account is not read", async () => {
    mocks.cloudTrail.on(DescribeTrailsCommand).resolves({
      trailList: [
        orgTrail(),
        {
          Name: 'main',
          TrailARN: `arn:aws:cloudtrail:${MOCK_REGION}:${MOCK_ACCOUNT}:trail/main`,
          HomeRegion: MOCK_REGION,
          IsMultiRegionTrail: true,
          CloudWatchLogsLogGroupArn: `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:${OWNER_LOG_GROUP}:*`,
          CloudWatchLogsRoleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/CloudTrail_CloudWatchLogs_Role`,
        },
      ],
    });
    const { verdict } = await gather();
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.chains.map((chain) => chain.status)).toEqual(['not-applicable', 'complete']);
    expect(mocks.sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  test("the role ARN is in the trail's partition", async () => {
    mocks.cloudTrail.on(DescribeTrailsCommand).resolves({ trailList: [orgTrail('aws-us-gov', 'us-gov-west-1')] });
    await gather().catch(() => undefined);
    expect(mocks.sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input.RoleArn).toBe(`arn:aws-us-gov:iam::${OWNER}:role/${ROLE_NAME}`);
  });

  test('AccessDenied on AssumeRole (a missing role, a trust policy that does not let the rule in) is an error naming the role and the account', async () => {
    mocks.sts.on(AssumeRoleCommand).rejects(awsError('AccessDenied', ACCESS_DENIED));
    const failure = gather();
    await expect(failure).rejects.toThrow(
      `AssumeRole failed in us-east-1 for role ${ROLE_ARN} (TrailOwnerReadRoleName) in trail owner account ${OWNER}, which must exist and trust this rule's role: AccessDenied: ${ACCESS_DENIED} (the rule's role needs sts:AssumeRole)`,
    );
    expect(mocks.logs.calls()).toHaveLength(0);
    expect(mocks.cloudTrail.commandCalls(GetTrailStatusCommand)).toHaveLength(0);
  });

  test('the Lambda handler publishes nothing when the role cannot be assumed', async () => {
    mocks.sts.on(AssumeRoleCommand).rejects(awsError('AccessDenied', ACCESS_DENIED));
    const handler = createHandler({ region: MOCK_REGION, clients: offlineClients(), clientsFor });
    const event = {
      invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification', notificationCreationTime: '2025-01-01T00:00:00.000Z', awsAccountId: MOCK_ACCOUNT }),
      ruleParameters: JSON.stringify({ TrailOwnerReadRoleName: ROLE_NAME }),
      resultToken: 'token',
      accountId: MOCK_ACCOUNT,
    };
    await expect(handler(event)).rejects.toThrow(`role ${ROLE_ARN} (TrailOwnerReadRoleName) in trail owner account ${OWNER}`);
    expect(mocks.config.commandCalls(PutEvaluationsCommand)).toHaveLength(0);
  });

  test("a read the role may not make names the role, not the rule's own", async () => {
    mocks.logs.on(DescribeMetricFiltersCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: logs:DescribeMetricFilters'));
    await expect(gather()).rejects.toThrow(
      `DescribeMetricFilters failed in us-east-1 for log group ${OWNER_LOG_GROUP}: AccessDeniedException: not authorized to perform: logs:DescribeMetricFilters (role ${ROLE_ARN} needs logs:DescribeMetricFilters)`,
    );
  });

  test('an AssumeRole answer without credentials is an error, not a read with the wrong ones', async () => {
    mocks.sts.on(AssumeRoleCommand).resolves({});
    await expect(gather()).rejects.toThrow(`AssumeRole failed in us-east-1 for role ${ROLE_ARN} (TrailOwnerReadRoleName) in trail owner account ${OWNER}, which must exist and trust this rule's role: Error: the response holds no credentials`);
    expect(mocks.logs.calls()).toHaveLength(0);
  });

  test('the member account is the one STS names, whatever the role reads', async () => {
    const { snapshot } = await gather();
    expect(snapshot.accountId).toBe(MOCK_ACCOUNT);
    expect(mocks.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect((await credentialsOf(mocks.sts.commandCalls(GetCallerIdentityCommand)[0]!)).accessKeyId).toBe('test');
  });
});
