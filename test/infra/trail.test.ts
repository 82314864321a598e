import { Match } from 'aws-cdk-lib/assertions';
import { UNSCOPED_ACTIONS } from '../../infra/iam';
import {
  actionsOnAnyResource,
  auditNag,
  cfnLint,
  grantsByAction,
  KEY_ADMIN_BY_ACCOUNT,
  logicalIdOf,
  removeOutdir,
  resourcePolicyStatements,
  roleStatements,
  synthesize,
  type NagAudit,
  type Synthesized,
  wildcardActionGrants,
} from './synth';

// createTrail=true: the account lacks CloudTrail -> CloudWatch Logs; the stack builds it, and the remediation uses it.
// The alarms go to the organization's central topic (notificationTopicArn).
const CENTRAL_TOPIC = 'arn:aws:sns:us-east-1:111122223333:security-alerts';
const remediationParameters = () =>
  Object.values(synthesized.json.Resources).find((resource) => resource.Type === 'AWS::Config::RemediationConfiguration')!.Properties!.Parameters;
let synthesized: Synthesized;
let nag: NagAudit;

beforeAll(() => {
  synthesized = synthesize({ trailLogGroupName: 's3-policy-watch/trail', createTrail: true, patternProfile: 'POLICY', notificationTopicArn: CENTRAL_TOPIC });
  nag = auditNag(synthesized.app);
});
afterAll(() => removeOutdir(synthesized));

const ids = () => {
  const trail = synthesized.stack.trail!;
  return {
    trail: logicalIdOf(trail.trail),
    logGroup: logicalIdOf(trail.logGroup),
    bucket: logicalIdOf(trail.bucket),
    key: logicalIdOf(synthesized.stack.key),
    automationRole: logicalIdOf(synthesized.stack.automationRole!),
  };
};

test('a logging, multi-region trail of management write events, with log file validation and KMS, delivering to the log group', () => {
  synthesized.template.resourceCountIs('AWS::CloudTrail::Trail', 1);
  synthesized.template.hasResourceProperties('AWS::CloudTrail::Trail', {
    IsLogging: true,
    IsMultiRegionTrail: true,
    IncludeGlobalServiceEvents: true,
    EnableLogFileValidation: true,
    KMSKeyId: { 'Fn::GetAtt': [ids().key, 'Arn'] },
    EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'WriteOnly' }],
    S3BucketName: { Ref: ids().bucket },
    CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [ids().logGroup, 'Arn'] },
    CloudWatchLogsRoleArn: Match.anyValue(),
  });
});

test('the log group has the context name, a year of retention, and outlives the stack', () => {
  synthesized.template.hasResource('AWS::Logs::LogGroup', {
    Properties: { LogGroupName: 's3-policy-watch/trail', RetentionInDays: 365 },
    DeletionPolicy: 'Retain',
  });
});

test('the bucket is encrypted, versioned, private, TLS-only, and outlives the stack', () => {
  synthesized.template.hasResource('AWS::S3::Bucket', {
    Properties: {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    },
    DeletionPolicy: 'Retain',
  });
  const bucketPolicy = resourcePolicyStatements(synthesized.json).filter((statement) => statement.holderType === 'AWS::S3::BucketPolicy');
  expect(bucketPolicy).toContainEqual(
    expect.objectContaining({ Effect: 'Deny', principal: { AWS: '*' }, actions: ['s3:*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
  );
  const cloudTrailWrites = bucketPolicy.filter((statement) => statement.Effect === 'Allow' && statement.actions.includes('s3:PutObject'));
  expect(cloudTrailWrites).toEqual([expect.objectContaining({ principal: { Service: 'cloudtrail.amazonaws.com' } })]);
});

test('the key lets CloudTrail encrypt log files of this account\'s trails only', () => {
  const cloudTrail = resourcePolicyStatements(synthesized.json).filter(
    (statement) => statement.holderType === 'AWS::KMS::Key' && JSON.stringify(statement.principal) === '{"Service":"cloudtrail.amazonaws.com"}',
  );
  expect(cloudTrail.map(({ actions, Condition }) => ({ actions, Condition }))).toEqual([
    {
      actions: ['kms:GenerateDataKey'],
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        StringLike: {
          'kms:EncryptionContext:aws:cloudtrail:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:*:', { Ref: 'AWS::AccountId' }, ':trail/*']] },
        },
      },
    },
    { actions: ['kms:DescribeKey'], Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
  ]);
});

test('the remediation builds on the new log group, with the POLICY filter, and may write filters there only', () => {
  const remediation = Object.values(synthesized.json.Resources).find((resource) => resource.Type === 'AWS::Config::RemediationConfiguration')!.Properties!;
  expect(remediation.Parameters.LogGroupName).toEqual({ StaticValue: { Values: [{ Ref: ids().logGroup }] } });
  expect(remediation.Parameters.PatternProfile).toEqual({ StaticValue: { Values: ['POLICY'] } });
  expect(remediation.Parameters.NotificationEmail).toEqual({ StaticValue: { Values: ['none'] } });
  const grants = grantsByAction(roleStatements(synthesized.json, ids().automationRole));
  expect(grants.get('logs:PutMetricFilter')).toEqual([`\${${ids().logGroup}.Arn}`]);
});

test('with an existing topic (notificationTopicArn) nobody is subscribed to the alert topic; every alarm of the stack also notifies that topic', () => {
  synthesized.template.resourceCountIs('AWS::SNS::Subscription', 0);
  const alarms = Object.values(synthesized.json.Resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
  expect(alarms.length).toBeGreaterThanOrEqual(3);
  for (const alarm of alarms) expect(alarm.Properties!.AlarmActions).toContain(CENTRAL_TOPIC);
  expect(remediationParameters().NotificationTopicArn).toEqual({ StaticValue: { Values: [CENTRAL_TOPIC] } });
  // The automation role may read that topic's attributes, and do nothing else to it.
  const grants = grantsByAction(roleStatements(synthesized.json, ids().automationRole));
  expect([...grants].filter(([, resources]) => resources.includes(CENTRAL_TOPIC)).map(([action]) => action)).toEqual(['sns:GetTopicAttributes']);
});

test('the trail adds no wildcard action and nothing on Resource \'*\' beyond the listed actions', () => {
  expect(wildcardActionGrants(synthesized.json)).toEqual([KEY_ADMIN_BY_ACCOUNT]);
  expect(actionsOnAnyResource(synthesized.json).filter((action) => !(action in UNSCOPED_ACTIONS))).toEqual([]);
});

test('cfn-lint passes on the template', () => {
  expect(cfnLint(synthesized.templatePath)).toEqual({ status: 0, output: '' });
});

test('cdk-nag AwsSolutions: the trail adds findings only where acknowledged with a reason, and no acknowledgment is stale', () => {
  expect(nag.unused).toEqual([]);
  expect(nag.acknowledgments.filter((acknowledgment) => acknowledgment.path.includes('ManagementTrail'))).toEqual([
    expect.objectContaining({ id: 'AwsSolutions-S1', reason: expect.stringMatching(/CloudTrail log files/) }),
  ]);
});
