import { documentActions, grantStatements, remediationGrants, UNSCOPED_ACTIONS } from '../../infra/iam';
import type { AutomationDocument } from '../../remediation/builder';
import { remediationDocument } from '../../remediation/document';

const RESOURCES = { logGroupArn: 'LOG_GROUP', topicArns: 'TOPICS', alarmArns: 'ALARMS', configRuleArn: 'RULE', keyArn: 'KEY' };

/** The remediation document with one more step calling `Service`/`Api`. */
function documentCalling(Service: string, Api: string): AutomationDocument {
  return {
    ...remediationDocument,
    mainSteps: [...remediationDocument.mainSteps, { name: 'Extra', action: 'aws:executeAwsApi', inputs: { Service, Api } }],
  };
}

test('statements group actions by resource; unscoped actions go together on *', () => {
  const statements = grantStatements([
    { action: 'cloudtrail:DescribeTrails' },
    { action: 'cloudtrail:GetTrailStatus', resources: ['TRAILS'] },
    { action: 'config:PutEvaluations' },
    { action: 'cloudtrail:GetEventSelectors', resources: ['TRAILS'] },
  ]);
  expect(statements.map((statement) => statement.toStatementJson())).toEqual([
    { Effect: 'Allow', Action: ['cloudtrail:DescribeTrails', 'config:PutEvaluations'], Resource: '*' },
    { Effect: 'Allow', Action: ['cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'], Resource: 'TRAILS' },
  ]);
});

test('a wildcard action is refused', () => {
  expect(() => grantStatements([{ action: 'sns:*', resources: ['TOPICS'] }])).toThrow('IAM action sns:*: wildcards are not granted; name the action');
});

test("an action off the list is refused on '*', and an action on the list is refused a scope IAM would not honour", () => {
  expect(() => grantStatements([{ action: 'sns:Publish' }])).toThrow(/IAM action sns:Publish needs resources: only .* are granted on '\*'/);
  expect(() => grantStatements([{ action: 'logs:DescribeLogGroups', resources: ['LOG_GROUP'] }])).toThrow(
    "IAM action logs:DescribeLogGroups has no resource type; grant it without resources (on '*')",
  );
});

test("the document's calls become IAM actions, each once, scoped by service", () => {
  expect(documentActions(documentCalling('logs', 'PutMetricFilter')).filter((action) => action === 'logs:PutMetricFilter')).toHaveLength(1);
  const scopes: Record<string, string[]> = { logs: ['LOG_GROUP'], sns: ['TOPICS'], cloudwatch: ['ALARMS'], config: ['RULE'], kms: ['KEY'] };
  for (const { action, resources } of remediationGrants(remediationDocument, RESOURCES)) {
    const expected = action in UNSCOPED_ACTIONS ? undefined : scopes[action.split(':')[0]!];
    expect({ action, resources }).toEqual({ action, resources: expected });
  }
});

test('an existing notification topic may only be read: GetTopicAttributes, never a write', () => {
  const grants = remediationGrants(remediationDocument, { ...RESOURCES, notificationTopicArn: 'CENTRAL' });
  expect(grants.filter((grant) => grant.resources?.includes('CENTRAL')).map((grant) => grant.action)).toEqual(['sns:GetTopicAttributes']);
  expect(grants.find((grant) => grant.action === 'sns:Subscribe')?.resources).toEqual(['TOPICS']);
});

test('a document step on a service the policy does not know fails synth, naming the step and the service', () => {
  expect(() => remediationGrants(documentCalling('ec2', 'DescribeInstances'), RESOURCES)).toThrow(
    'step Extra calls service "ec2", which has no IAM mapping in infra/iam.ts',
  );
});
