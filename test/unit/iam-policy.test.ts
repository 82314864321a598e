import { evaluatePolicy, PolicyDocumentError, type PolicyRequest } from '../../rule/iam-policy';

/**
 * The resource-policy evaluator against IAM's documented evaluation logic (IAM User Guide, "Policy evaluation
 * logic" and "IAM JSON policy elements: Condition operators"): explicit Deny wins, then Allow, else implicit deny;
 * a key missing from the request fails a condition, except negated operators, ...IfExists and Null.
 */

const ACCOUNT = '111122223333';
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`;
const ALARM = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:s3-policy`;

const publish: PolicyRequest = {
  principal: { service: 'cloudwatch.amazonaws.com' },
  action: 'sns:Publish',
  resource: TOPIC,
  context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': ALARM, 'AWS:SourceOwner': ACCOUNT },
};

const allowCloudWatch = { Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: TOPIC };

function policy(...Statement: object[]) {
  return JSON.stringify({ Version: '2012-10-17', Statement });
}

type Row = [string, string, PolicyRequest, 'allow' | 'explicit-deny' | 'implicit-deny'];

const rows: Row[] = [
  ['a service principal allowed by name', policy(allowCloudWatch), publish, 'allow'],
  ['service names compare case-insensitively', policy({ ...allowCloudWatch, Principal: { Service: ['CloudWatch.amazonaws.com'] } }), publish, 'allow'],
  ['another service only', policy({ ...allowCloudWatch, Principal: { Service: 'events.amazonaws.com' } }), publish, 'implicit-deny'],
  ['Principal "*"', policy({ ...allowCloudWatch, Principal: '*' }), publish, 'allow'],
  ['Principal {"AWS": "*"} includes service principals', policy({ ...allowCloudWatch, Principal: { AWS: '*' } }), publish, 'allow'],
  ['an account root does not name a service principal', policy({ ...allowCloudWatch, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }), publish, 'implicit-deny'],
  ['an account root names a role of that account', policy({ ...allowCloudWatch, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }), { ...publish, principal: { aws: `arn:aws:iam::${ACCOUNT}:role/x` } }, 'allow'],
  ['NotPrincipal excluding someone else applies to CloudWatch', policy({ Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sns:Publish', Resource: TOPIC }, allowCloudWatch), publish, 'explicit-deny'],
  ['NotPrincipal excluding CloudWatch', policy({ Effect: 'Deny', NotPrincipal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:*', Resource: TOPIC }, allowCloudWatch), publish, 'allow'],
  ['Deny to everyone wins over the Allow', policy(allowCloudWatch, { Effect: 'Deny', Principal: '*', Action: 'SNS:Publish', Resource: TOPIC }), publish, 'explicit-deny'],
  ['action wildcard', policy({ ...allowCloudWatch, Action: 'sns:Pub*' }), publish, 'allow'],
  ['actions compare case-insensitively', policy({ ...allowCloudWatch, Action: ['SNS:PUBLISH'] }), publish, 'allow'],
  ['NotAction naming Publish', policy({ ...allowCloudWatch, Action: undefined, NotAction: 'sns:Publish' }), publish, 'implicit-deny'],
  ['NotAction naming something else', policy({ ...allowCloudWatch, Action: undefined, NotAction: 'sns:Subscribe' }), publish, 'allow'],
  ['Resource of another topic', policy({ ...allowCloudWatch, Resource: `arn:aws:sns:us-east-1:${ACCOUNT}:other` }), publish, 'implicit-deny'],
  ['Resource "*"', policy({ ...allowCloudWatch, Resource: '*' }), publish, 'allow'],
  ['NotResource naming this topic', policy({ ...allowCloudWatch, Resource: undefined, NotResource: TOPIC }), publish, 'implicit-deny'],
  ['StringEquals aws:SourceAccount of this account', policy({ ...allowCloudWatch, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }), publish, 'allow'],
  ['StringEquals aws:SourceAccount of another account', policy({ ...allowCloudWatch, Condition: { StringEquals: { 'aws:SourceAccount': '999988887777' } } }), publish, 'implicit-deny'],
  ['condition key names are case-insensitive', policy({ ...allowCloudWatch, Condition: { StringEquals: { 'AWS:SOURCEACCOUNT': ACCOUNT } } }), publish, 'allow'],
  ['ArnLike aws:SourceArn on this account\'s alarms', policy({ ...allowCloudWatch, Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:*` } } }), publish, 'allow'],
  ['ArnLike aws:SourceArn on other alarms', policy({ ...allowCloudWatch, Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:prod-*` } } }), publish, 'implicit-deny'],
  ['ArnEquals with one of several values', policy({ ...allowCloudWatch, Condition: { ArnEquals: { 'aws:SourceArn': ['arn:aws:cloudwatch:us-east-1:1:alarm:x', ALARM] } } }), publish, 'allow'],
  ['StringLike', policy({ ...allowCloudWatch, Condition: { StringLike: { 'aws:SourceArn': '*:alarm:s3-*' } } }), publish, 'allow'],
  ['a key the request lacks fails StringEquals', policy({ ...allowCloudWatch, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } } }), publish, 'implicit-deny'],
  ['...IfExists passes on a key the request lacks', policy({ ...allowCloudWatch, Condition: { StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abc' } } }), { ...publish, absentKeys: ['aws:PrincipalOrgID'] }, 'allow'],
  // A key the rule cannot know for CloudWatch's request (IAM: each global key's availability differs by request).
  ['an Allow on a key whose value is unknown is not proven', policy({ ...allowCloudWatch, Condition: { StringLike: { 'aws:SourceOrgID': 'o-*' } } }), publish, 'implicit-deny'],
  ['a Deny on a key whose value is unknown may apply', policy(allowCloudWatch, { Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: TOPIC, Condition: { StringLike: { 'aws:SourceOrgID': 'o-*' } } }), publish, 'explicit-deny'],
  ['a Deny whose known condition fails does not apply, whatever its unknown one', policy(allowCloudWatch, { Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: TOPIC, Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abc' }, Bool: { 'aws:PrincipalIsAWSService': 'false' } } }), { ...publish, context: { ...publish.context, 'aws:PrincipalIsAWSService': 'true' } }, 'allow'],
  ['a negated operator passes on a key the request lacks', policy({ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: TOPIC, Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abc' } } }, allowCloudWatch), publish, 'explicit-deny'],
  ['Deny unless from this account: CloudWatch of this account passes', policy(allowCloudWatch, { Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: TOPIC, Condition: { StringNotEquals: { 'aws:SourceAccount': ACCOUNT } } }), publish, 'allow'],
  ['Deny over plain HTTP does not touch CloudWatch', policy(allowCloudWatch, { Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: TOPIC, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }), { ...publish, context: { ...publish.context, 'aws:SecureTransport': 'true' } }, 'allow'],
  ['Null: true requires the key to be absent', policy({ ...allowCloudWatch, Condition: { Null: { 'aws:PrincipalOrgID': 'true' } } }), { ...publish, absentKeys: ['aws:PrincipalOrgID'] }, 'allow'],
  ['ForAnyValue:StringEquals', policy({ ...allowCloudWatch, Condition: { 'ForAnyValue:StringEquals': { 'aws:SourceAccount': ['1', ACCOUNT] } } }), publish, 'allow'],
  ['the default topic policy (AWS:SourceOwner)', policy({ Sid: '__default_statement_ID', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['SNS:GetTopicAttributes', 'SNS:Publish'], Resource: TOPIC, Condition: { StringEquals: { 'AWS:SourceOwner': ACCOUNT } } }), publish, 'allow'],
  ['a key policy granting only the account root', policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }), { ...publish, action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:111122223333:key/k' }, 'implicit-deny'],
  ['a key policy granting CloudWatch GenerateDataKey*', policy({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*' }), { ...publish, action: 'kms:GenerateDataKey', resource: 'arn:aws:kms:us-east-1:111122223333:key/k' }, 'allow'],
  ['no statement', policy(), publish, 'implicit-deny'],
];

describe('evaluatePolicy', () => {
  test.each(rows)('%s', (_name, document, request, decision) => {
    expect(evaluatePolicy(document, request).decision).toBe(decision);
  });

  test('an unknown condition operator: an Allow is not proven, and the decision says why', () => {
    const result = evaluatePolicy(policy({ Sid: 'Odd', ...allowCloudWatch, Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } }), publish);
    expect(result).toEqual({ decision: 'implicit-deny', unsupported: ['statement "Odd": condition operator DateGreaterThan'] });
  });

  test('an unknown condition operator: a Deny is taken to apply', () => {
    const result = evaluatePolicy(policy(allowCloudWatch, { Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: TOPIC, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }), publish);
    expect(result.decision).toBe('explicit-deny');
    expect(result.unsupported).toEqual(['statement 2: condition operator IpAddress']);
  });

  test('the deciding statement is named', () => {
    expect(evaluatePolicy(policy({ Sid: 'AlarmsPublish', ...allowCloudWatch }), publish).statement).toBe('statement "AlarmsPublish"');
  });

  test('a malformed policy is an error, not a decision', () => {
    expect(() => evaluatePolicy('{"Statement": ', publish)).toThrow(PolicyDocumentError);
    expect(() => evaluatePolicy('{}', publish)).toThrow(/no Statement/);
    expect(() => evaluatePolicy(policy({ ...allowCloudWatch, Effect: 'Permit' }), publish)).toThrow(/Effect "Permit"/);
  });
});
