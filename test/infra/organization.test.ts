import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { defineApp, ORGANIZATION_STACK_NAME, STACK_NAME, RULE_CODE_STACK_NAME, TRAIL_OWNER_READ_STACK_NAME } from '../../infra/app';
import { MAX_TEMPLATE_BODY_BYTES, type OrganizationStack } from '../../infra/organization';
import { rulePackage, zipFiles } from '../../infra/rule-package';
import {
  auditNag,
  cfnLint,
  grantsByAction,
  logicalIdOf,
  removeOutdir,
  render,
  resourcePolicyStatements,
  roleStatements,
  ruleSdkCalls,
  stackTemplate,
  synthesize,
  templateFile,
  type CfnTemplate,
  type Synthesized,
  type SynthesizedTemplate,
} from './synth';

/**
 * The organization deployment (issue 8): the trail owner's read-only role, the rule role that assumes it, the
 * StackSet that puts the rule into every account and region of the OUs, its code buckets and the code package.
 * Synthesized as for an organization with an organization trail: members verify the owner's chain, and have no
 * remediation of their own (the owner's chain is remediated by the single-account stack in the owner account).
 */

const READ_ROLE = 'S3PolicyWatchTrailOwnerRead';
const CONTEXT = { trailLogGroupName: 'aws-controltower/CloudTrailLogs', trailOwnerReadRoleName: READ_ROLE, remediation: 'false' };

let synthesized: Synthesized;
let owner: SynthesizedTemplate;
let organization: SynthesizedTemplate;
let codeBucket: SynthesizedTemplate;
let member: SynthesizedTemplate;
let organizationStack: OrganizationStack;

beforeAll(() => {
  synthesized = synthesize(CONTEXT);
  owner = stackTemplate(synthesized, TRAIL_OWNER_READ_STACK_NAME);
  organization = stackTemplate(synthesized, ORGANIZATION_STACK_NAME);
  codeBucket = stackTemplate(synthesized, RULE_CODE_STACK_NAME);
  organizationStack = synthesized.app.node.findChild(ORGANIZATION_STACK_NAME) as OrganizationStack;
  member = templateFile(JSON.parse(stackSetProperties().TemplateBody), synthesized.outdir, 'StackSetMember');
});
afterAll(() => removeOutdir(synthesized));

const resourcesOf = (json: CfnTemplate, type: string) => Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
const onlyResource = (json: CfnTemplate, type: string) => {
  const found = resourcesOf(json, type);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const stackSetProperties = () => onlyResource(organization.json, 'AWS::CloudFormation::StackSet')[1].Properties!;
/** An IAM ArnLike pattern as a regular expression (`*` any run of characters, `?` one). */
const arnLike = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
const ruleRoleId = (json: CfnTemplate) =>
  onlyResource(json, 'AWS::Lambda::Function')[1].Properties!.Role['Fn::GetAtt'][0] as string;

describe("the trail owner's read-only role", () => {
  const role = () => onlyResource(owner.json, 'AWS::IAM::Role');

  test('is named as the rule parameter says, and trusts only the rule role, by path and name, of accounts in the member OUs of the organization', () => {
    const [, resource] = role();
    expect(resource.Properties!.RoleName).toBe(READ_ROLE);
    expect(resource.Properties!.ManagedPolicyArns).toBeUndefined();
    const [trust, ...others] = resource.Properties!.AssumeRolePolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(trust).toEqual({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: '*' },
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
        'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': { Ref: 'MemberOrganizationPaths' } },
        ArnLike: { 'aws:PrincipalArn': expect.anything() },
      },
    });
    expect(render(trust.Condition.ArnLike['aws:PrincipalArn'])).toBe('arn:${AWS::Partition}:iam::*:role/s3-policy-watch/s3-policy-watch-rule-*');
    expect(owner.json.Parameters!.OrganizationId).toMatchObject({ Type: 'String', AllowedPattern: '^o-[a-z0-9]{10,32}$' });
    expect(owner.json.Parameters!.MemberOrganizationPaths).toMatchObject({ Type: 'CommaDelimitedList' });
  });

  test("the trust matches the member rule role's name in every region, and nothing else of the stack", () => {
    const trustPattern = arnLike(
      render(role()[1].Properties!.AssumeRolePolicyDocument.Statement[0].Condition.ArnLike['aws:PrincipalArn']).replace('${AWS::Partition}', 'aws'),
    );
    const memberRole = member.json.Resources[ruleRoleId(member.json)]!.Properties!;
    expect(memberRole.Path).toBe('/s3-policy-watch/');
    const memberRoleName = render(memberRole.RoleName);
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      expect(`arn:aws:iam::111122223333:role/s3-policy-watch/${memberRoleName.replace('${AWS::Region}', region)}`).toMatch(trustPattern);
    }
    // A role of the same name that an account administrator creates outside the reserved path does not match.
    expect(`arn:aws:iam::111122223333:role/${memberRoleName.replace('${AWS::Region}', 'us-east-1')}`).not.toMatch(trustPattern);
    expect('arn:aws:iam::111122223333:role/OrganizationAccountAccessRole').not.toMatch(trustPattern);
    expect(`arn:aws:iam::111122223333:role/${READ_ROLE}`).not.toMatch(trustPattern);
  });

  test('may make exactly the reads rule/gather.ts makes through it, all of them reads', () => {
    // The member's own calls: who it is, which trails it sees, its own Security Hub finding.
    const memberOnly = ['sts:GetCallerIdentity', 'sts:AssumeRole', 'cloudtrail:DescribeTrails', 'securityhub:GetFindings'];
    const throughRole = [...new Set(ruleSdkCalls('gather.ts'))].filter((action) => !memberOnly.includes(action));
    const grants = grantsByAction(roleStatements(owner.json, role()[0]));
    expect([...grants.keys()].sort()).toEqual(throughRole.sort());
    for (const action of grants.keys()) expect(action).toMatch(/^\w+:(Get|Describe|List)\w+$/);
  });

  test("reaches log groups, trails, alarms and keys of its own account and region, and the topics its alarms notify", () => {
    const grants = grantsByAction(roleStatements(owner.json, role()[0]));
    // every filter writing into the alarmed metric is asked for by metric name, on no log group in particular
    expect(grants.get('logs:DescribeMetricFilters')).toEqual(['arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*']);
    expect(grants.get('sns:GetTopicAttributes')).toEqual(['arn:${AWS::Partition}:sns:${AWS::Region}:*:*']);
    expect(grants.get('sns:GetSubscriptionAttributes')).toEqual(['arn:${AWS::Partition}:sns:${AWS::Region}:*:*']);
    expect(grants.get('kms:DescribeKey')).toEqual(['arn:${AWS::Partition}:kms:${AWS::Region}:*:key/*']);
    expect(grants.get('kms:GetKeyPolicy')).toEqual(['arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*']);
    expect(grants.get('cloudtrail:GetTrailStatus')).toEqual(['arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*']);
    expect(grants.get('cloudtrail:GetEventSelectors')).toEqual(['arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*']);
    expect(grants.get('cloudwatch:DescribeAlarms')).toEqual(['arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*']);
    expect(grants.get('cloudwatch:DescribeAlarmsForMetric')).toEqual(['*']);
    expect(grants.get('sns:ListSubscriptionsByTopic')).toEqual(['arn:${AWS::Partition}:sns:${AWS::Region}:*:*']);
  });
});

describe('the rule role, with trailOwnerReadRoleName', () => {
  test.each([
    ['the single-account stack', () => synthesized.json],
    ['the StackSet member template', () => member.json],
  ])('%s: a fixed name per region, sts:AssumeRole on the read role name only, and the rule parameter set', (_, json) => {
    const roleId = ruleRoleId(json());
    expect(render(json().Resources[roleId]!.Properties!.RoleName)).toBe('s3-policy-watch-rule-${AWS::Region}');
    const grants = grantsByAction(roleStatements(json(), roleId));
    expect(grants.get('sts:AssumeRole')).toEqual([`arn:\${AWS::Partition}:iam::*:role/${READ_ROLE}`]);
    const calls = new Set([...ruleSdkCalls('gather.ts'), ...ruleSdkCalls('handler.ts'), ...ruleSdkCalls('publish.ts')]);
    calls.delete('sts:GetCallerIdentity');
    // Granted only with securityHubFindings (test/infra/security-hub.test.ts).
    calls.delete('securityhub:GetFindings');
    calls.delete('securityhub:BatchImportFindings');
    const granted = [...grants.keys()].filter((action) => !['logs:CreateLogStream', 'logs:PutLogEvents'].includes(action));
    expect(granted.sort()).toEqual([...calls].sort());
    expect(onlyResource(json(), 'AWS::Config::ConfigRule')[1].Properties!.InputParameters).toEqual({
      RequiredEvents: 'POLICY',
      SecurityHubParity: 'false',
      TrailOwnerReadRoleName: READ_ROLE,
    });
  });

  test('without trailOwnerReadRoleName there is no trail owner stack, the rule may assume nothing, and members remediate', () => {
    const app = new App({ context: { trailLogGroupName: 'CloudTrail/DefaultLogGroup', notificationEmail: 'secops@example.com' } });
    defineApp(app);
    expect(app.node.tryFindChild(TRAIL_OWNER_READ_STACK_NAME)).toBeUndefined();
    const template = (app.node.findChild(ORGANIZATION_STACK_NAME) as OrganizationStack).member.template as unknown as CfnTemplate;
    expect(grantsByAction(roleStatements(template, ruleRoleId(template))).has('sts:AssumeRole')).toBe(false);
    expect(onlyResource(template, 'AWS::Config::ConfigRule')[1].Properties!.InputParameters).toEqual({ RequiredEvents: 'POLICY', SecurityHubParity: 'false' });
    expect(resourcesOf(template, 'AWS::Config::RemediationConfiguration')).toHaveLength(1);
  });

  test('remediation=false leaves out the document, its role and the remediation; the tamper watch then excludes nobody', () => {
    expect(resourcesOf(member.json, 'AWS::SSM::Document')).toEqual([]);
    expect(resourcesOf(member.json, 'AWS::Config::RemediationConfiguration')).toEqual([]);
    const roles = resourcesOf(member.json, 'AWS::IAM::Role').map(([, resource]) => JSON.stringify(resource.Properties!.AssumeRolePolicyDocument));
    expect(roles.some((trust) => trust.includes('ssm.amazonaws.com'))).toBe(false);
    const eventRule = onlyResource(member.json, 'AWS::Events::Rule')[1].Properties!;
    expect(eventRule.EventPattern.detail.$or).toBeUndefined();
    expect(eventRule.EventPattern.detail.errorCode).toEqual([{ exists: false }]);
  });
});

describe('the organization StackSet', () => {
  test('service-managed over the OUs and regions given at deploy time, deploying to accounts that join later', () => {
    const { TemplateBody, ...properties } = stackSetProperties();
    expect(typeof TemplateBody).toBe('string');
    expect(properties).toEqual({
      StackSetName: 's3-policy-watch',
      Description: expect.any(String),
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: { Ref: 'CallAs' },
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      ManagedExecution: { Active: true },
      OperationPreferences: { RegionConcurrencyType: 'PARALLEL', MaxConcurrentPercentage: 25, FailureTolerancePercentage: 10 },
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: { Ref: 'OrganizationalUnitIds' } }, Regions: { Ref: 'Regions' } }],
      Parameters: [{ ParameterKey: 'RuleCodeBucketPrefix', ParameterValue: { Ref: 'RuleCodeBucketPrefix' } }],
    });
    const parameters = organization.json.Parameters!;
    expect(parameters.OrganizationalUnitIds).toMatchObject({ Type: 'CommaDelimitedList' });
    expect(parameters.Regions).toMatchObject({ Type: 'CommaDelimitedList' });
    expect(parameters.CallAs).toMatchObject({ AllowedValues: ['SELF', 'DELEGATED_ADMIN'], Default: 'SELF' });
    expect('ou-ab12-cd34ef56').toMatch(new RegExp(parameters.OrganizationalUnitIds!.AllowedPattern));
    expect('r-ab12').toMatch(new RegExp(parameters.OrganizationalUnitIds!.AllowedPattern));
    expect('123456789012').not.toMatch(new RegExp(parameters.OrganizationalUnitIds!.AllowedPattern));
  });

  test('its template needs no CDK bootstrap and no asset: the code comes from the region\'s code bucket, at the package\'s key', () => {
    expect(member.json.Rules).toBeUndefined();
    expect(Object.keys(member.json.Parameters ?? {})).toEqual(['RuleCodeBucketPrefix']);
    const code = onlyResource(member.json, 'AWS::Lambda::Function')[1].Properties!.Code;
    expect({ bucket: render(code.S3Bucket), key: code.S3Key }).toEqual({ bucket: '${RuleCodeBucketPrefix}-${AWS::Region}', key: rulePackage().key });
    expect(JSON.stringify(member.json)).not.toMatch(/cdk-hnb659fds|AssetParameters|BootstrapVersion/);
    expect(Buffer.byteLength(stackSetProperties().TemplateBody)).toBeLessThanOrEqual(MAX_TEMPLATE_BODY_BYTES);
  });

  test('an organization Config aggregator over every region gives the central view', () => {
    const [, aggregator] = onlyResource(organization.json, 'AWS::Config::ConfigurationAggregator');
    expect(aggregator.Properties).toMatchObject({ OrganizationAggregationSource: { AllAwsRegions: true, RoleArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } } });
    const roleId = aggregator.Properties!.OrganizationAggregationSource.RoleArn['Fn::GetAtt'][0];
    const role = organization.json.Resources[roleId]!.Properties!;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'config.amazonaws.com' } }]);
    expect(role.ManagedPolicyArns.map(render)).toEqual(['arn:${AWS::Partition}:iam::aws:policy/service-role/AWSConfigRoleForOrganizations']);
  });
});

describe('the code bucket of a region', () => {
  test('named PREFIX-REGION, readable by the organization only, at the code key prefix only, over TLS only', () => {
    const [, bucket] = onlyResource(codeBucket.json, 'AWS::S3::Bucket');
    expect(render(bucket.Properties!.BucketName)).toBe('${RuleCodeBucketPrefix}-${AWS::Region}');
    expect(bucket.Properties!.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const statements = resourcePolicyStatements(codeBucket.json);
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows.map(({ principal, actions, resources, Condition }) => ({ principal, actions, resources, Condition }))).toEqual([
      {
        principal: { AWS: '*' },
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [`\${${logicalIdOf(organizationStackBucket())}.Arn}/s3-policy-watch/rule-*`],
        Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
      },
    ]);
    expect(statements.filter((statement) => statement.Effect === 'Deny').map((statement) => statement.Condition)).toEqual([{ Bool: { 'aws:SecureTransport': 'false' } }]);
  });
});

/** The code bucket construct of the S3PolicyWatchRuleCode stack. */
function organizationStackBucket() {
  return (synthesized.app.node.findChild(RULE_CODE_STACK_NAME) as unknown as { bucket: import('aws-cdk-lib/aws-s3').Bucket }).bucket;
}

describe('the rule package', () => {
  test('the same files make the same zip, whose hash names the key', () => {
    const files = [{ name: 'index.js', content: Buffer.from('exports.handler = 1;') }];
    expect(zipFiles(files).equals(zipFiles(files))).toBe(true);
    const { zip, key } = rulePackage();
    expect(key).toBe(`s3-policy-watch/rule-${createHash('sha256').update(zip).digest('hex').slice(0, 16)}.zip`);
  });

  test('is a zip Lambda can run: index.handler refuses an event that is not from Config', () => {
    const dir = fs.mkdtempSync(path.join(synthesized.outdir, 'package-'));
    const zipPath = path.join(dir, 'rule.zip');
    fs.writeFileSync(zipPath, rulePackage().zip);
    const unzip = spawnSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(" ".join(sorted(z.namelist()))); z.extractall(sys.argv[2])', zipPath, dir], {
      encoding: 'utf8',
    });
    expect(unzip.stdout.trim()).toBe('index.js index.js.map');
    const script = `require(${JSON.stringify(path.join(dir, 'index.js'))}).handler({ invokingEvent: '{}' }).then(
      () => process.exit(3),
      (error) => { console.log(error.name + ': ' + error.message); });`;
    const run = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: path.join(__dirname, '..', '..', 'node_modules'), AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' },
    });
    expect(run.stdout.trim()).toMatch(/^ConfigEventError: invokingEvent\.messageType is undefined/);
  });
});

describe('lint', () => {
  test('cfn-lint passes on the trail owner, organization and code bucket templates, and on the StackSet member template', () => {
    expect(cfnLint(owner.templatePath, organization.templatePath, codeBucket.templatePath, member.templatePath)).toEqual({ status: 0, output: '' });
  });

  test('cdk-nag AwsSolutions: every finding of these stacks and of the member template is acknowledged, none stale', () => {
    const ownPaths = [STACK_NAME, TRAIL_OWNER_READ_STACK_NAME, ORGANIZATION_STACK_NAME, RULE_CODE_STACK_NAME];
    const app = auditNag(synthesized.app);
    expect(app.unused.filter((entry) => ownPaths.some((stack) => entry.path.startsWith(`${stack}/`)))).toEqual([]);
    const memberNag = auditNag(organizationStack.member.stack.node.root as App);
    expect(memberNag.findings.length).toBeGreaterThan(0);
    expect(memberNag.unused).toEqual([]);
  });
});
