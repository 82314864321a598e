import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, type Trail } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, DescribeAlarmsCommand, DescribeAlarmsForMetricCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeMetricFiltersCommand, type MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import { ConfigServiceClient, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { BatchImportFindingsCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { POLICY_FILTER_PATTERN } from '../../rule/events/canonical';
import { regionalClients, type RegionalClients } from '../../rule/clients';
import { evaluateAccount } from '../../rule/evaluate';
import { gatherSnapshot, type AssumedRoleClients } from '../../rule/gather';
import { DEFAULT_PARAMETERS, type RuleParameters } from '../../rule/parameters';

/**
 * aws-sdk-client-mock stubs for every client the rule uses, and the responses of the seed chain
 * (trail main -> CloudTrail/Default -> seed filter -> Sum >= 1 alarm -> topic with a confirmed subscriber).
 * For what moto cannot do: pagination tokens, throttling, access errors, PutEvaluations in real mode, Security Hub's
 * FailedFindings.
 */

export const MOCK_ACCOUNT = '111122223333';
export const MOCK_REGION = 'us-east-1';
export const MOCK_LOG_GROUP_ARN = `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:CloudTrail/Default:*`;
export const MOCK_TOPIC_ARN = `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:alerts`;

export function mockRuleClients() {
  return {
    cloudTrail: mockClient(CloudTrailClient),
    logs: mockClient(CloudWatchLogsClient),
    cloudWatch: mockClient(CloudWatchClient),
    sns: mockClient(SNSClient),
    kms: mockClient(KMSClient),
    config: mockClient(ConfigServiceClient),
    sts: mockClient(STSClient),
    securityHub: mockClient(SecurityHubClient),
  };
}

export type RuleClientMocks = ReturnType<typeof mockRuleClients>;

export function restoreMocks(mocks: RuleClientMocks): void {
  Object.values(mocks).forEach((mock) => mock.restore());
}

/**
 * Fresh mocks for every test of the calling file, answering as the seed chain's compliant account (then
 * `extra` adjusts them), restored after each test. The returned object is refilled before each test.
 */
export function useSeedChainMocks(extra: (mocks: RuleClientMocks) => void = () => {}): RuleClientMocks {
  const mocks = {} as RuleClientMocks;
  beforeEach(() => {
    Object.assign(mocks, mockRuleClients());
    answerSeedChain(mocks);
    extra(mocks);
  });
  afterEach(() => restoreMocks(mocks));
  return mocks;
}

/** Real SDK clients (their `send` is stubbed by the mocks) with static credentials: nothing leaves the process. */
export function offlineClients(): RegionalClients {
  return regionalClients({ region: MOCK_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

/** Gathers the mocked account as the rule does (clients stubbed by the mocks), and judges it. */
export async function judgeMockedAccount(parameters: RuleParameters = DEFAULT_PARAMETERS, clientsFor?: AssumedRoleClients) {
  const gathered = await gatherSnapshot(offlineClients(), MOCK_REGION, parameters, clientsFor);
  return { ...gathered, verdict: evaluateAccount(gathered.snapshot, parameters) };
}

/** The organization trail of the management account 999988887777, as a member account's DescribeTrails lists it. */
export const FOREIGN_ORGANIZATION_TRAIL: Trail = {
  Name: 'org-trail',
  TrailARN: 'arn:aws:cloudtrail:us-east-1:999988887777:trail/org-trail',
  HomeRegion: 'us-east-1',
  IsMultiRegionTrail: true,
  IsOrganizationTrail: true,
  CloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:999988887777:log-group:aws-controltower/CloudTrailLogs:*',
  CloudWatchLogsRoleArn: 'arn:aws:iam::999988887777:role/r',
};

export const SEED_FILTER: MetricFilter = {
  filterName: 's3-policy',
  filterPattern: POLICY_FILTER_PATTERN,
  logGroupName: 'CloudTrail/Default',
  metricTransformations: [{ metricNamespace: 'CloudTrailMetrics', metricName: 'S3BucketPolicyChangeCount', metricValue: '1' }],
};

export const SEED_ALARM: MetricAlarm = {
  AlarmName: 's3-policy-alarm',
  AlarmArn: `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT}:alarm:s3-policy-alarm`,
  ActionsEnabled: true,
  AlarmActions: [MOCK_TOPIC_ARN],
  Namespace: 'CloudTrailMetrics',
  MetricName: 'S3BucketPolicyChangeCount',
  Dimensions: [],
  Statistic: 'Sum',
  Period: 300,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
};

/** Every read of the seed chain answers as a compliant account would; PutEvaluations succeeds. */
export function answerSeedChain(mocks: RuleClientMocks): void {
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: MOCK_ACCOUNT, Arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/rule` });
  mocks.cloudTrail.on(DescribeTrailsCommand).resolves({
    trailList: [
      {
        Name: 'main',
        TrailARN: `arn:aws:cloudtrail:${MOCK_REGION}:${MOCK_ACCOUNT}:trail/main`,
        HomeRegion: MOCK_REGION,
        IsMultiRegionTrail: true,
        IsOrganizationTrail: false,
        CloudWatchLogsLogGroupArn: MOCK_LOG_GROUP_ARN,
        CloudWatchLogsRoleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/CloudTrail_CloudWatchLogs_Role`,
      },
    ],
  });
  mocks.cloudTrail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
  mocks.cloudTrail.on(GetEventSelectorsCommand).resolves({ EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] });
  mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [SEED_FILTER] });
  mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [SEED_ALARM] });
  mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [SEED_ALARM] });
  mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [{ Protocol: 'email', Endpoint: 'security@example.com', SubscriptionArn: `${MOCK_TOPIC_ARN}:0b6e1a2c`, TopicArn: MOCK_TOPIC_ARN }],
  });
  mocks.sns.on(GetTopicAttributesCommand).callsFake(({ TopicArn }: { TopicArn: string }) => ({ Attributes: { TopicArn, Policy: defaultTopicPolicy(TopicArn) } }));
  mocks.sns.on(GetSubscriptionAttributesCommand).resolves({ Attributes: {} });
  mocks.kms.on(DescribeKeyCommand).rejects(awsError('NotFoundException', 'the seed topic is not encrypted'));
  mocks.kms.on(GetKeyPolicyCommand).rejects(awsError('NotFoundException', 'the seed topic is not encrypted'));
  mocks.config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
  mocks.securityHub.on(GetFindingsCommand).resolves({ Findings: [] });
  mocks.securityHub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
}

/** The policy SNS gives a new topic: principals of the owner account may publish (AWS:SourceOwner). */
export function defaultTopicPolicy(topicArn: string): string {
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['SNS:GetTopicAttributes', 'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
        Resource: topicArn,
        Condition: { StringEquals: { 'AWS:SourceOwner': topicArn.split(':')[4] } },
      },
    ],
  });
}

/** An AWS service error as the SDK throws it. */
export function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}
