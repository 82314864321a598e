/**
 * Every account and region of an organization's OUs, with AWS's own machinery: a service-managed CloudFormation
 * StackSet puts the whole per-account stack (rule Lambda, Config rule, remediation, tamper watch, alerting) into each
 * account and region of the OUs, and into every account that joins them later (automatic deployment). An organization
 * Config aggregator gives the central view. Deploy this stack in the management account, or in a delegated
 * administrator account for StackSets (CallAs=DELEGATED_ADMIN). docs/organization.md says why StackSets and not an
 * organization Config rule, and how to deploy.
 *
 * A StackSet cannot publish CDK assets, so the member template takes the rule's code from S3: infra/rule-package.ts
 * uploads it to one bucket per region (`<RuleCodeBucketPrefix>-<region>`, readable by the organization), under a key
 * that names the code's hash, the key this template is synthesized with.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, BootstraplessSynthesizer, CfnOutput, CfnParameter, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { DeployContext } from './context';
import { PRIVATE_RETAINED_BUCKET } from './buckets';
import { organizationIdParameter } from './trail-owner-read';
import { codeBucketName, RULE_CODE_KEY_PREFIX, rulePackage } from './rule-package';
import { S3PolicyWatchStack } from './stack';

export const STACK_SET_NAME = 's3-policy-watch';

/** CloudFormation's limit for a StackSet's TemplateBody. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/** Lower-case letters, digits, dots and hyphens; the region (at most 14 characters) and a hyphen are appended. */
const BUCKET_PREFIX_PATTERN = '^[a-z0-9][a-z0-9.-]{1,40}$';

export interface MemberTemplate {
  /** The per-account stack, in an app of its own (its tree is what cdk-nag checked). */
  stack: S3PolicyWatchStack;
  /** The synthesized template: no assets, no CDK bootstrap version check (member accounts are not bootstrapped). */
  template: Record<string, unknown>;
}

/**
 * The StackSet's template: the per-account stack with the rule's code from the code buckets. Synthesized in an app
 * of its own with the same cdk-nag checks, since it is deployed as a template, not as a stack of this app.
 */
export function memberTemplate(settings: DeployContext): MemberTemplate {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 's3pw-member-'));
  try {
    const app = new App({ outdir, analyticsReporting: false, context: { 'aws:cdk:enable-path-metadata': false } });
    const stack = new S3PolicyWatchStack(app, 'S3PolicyWatchMember', {
      settings,
      ruleCodeKey: rulePackage().key,
      synthesizer: new BootstraplessSynthesizer(),
      description: 's3-policy-watch (StackSet instance): AWS Config rule (and automatic remediation) for alarmed S3 bucket policy changes',
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const template = app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
    return { stack, template };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

export interface OrganizationStackProps extends StackProps {
  settings: DeployContext;
}

export class OrganizationStack extends Stack {
  readonly member: MemberTemplate;
  readonly stackSet: cloudformation.CfnStackSet;
  readonly aggregator: config.CfnConfigurationAggregator;

  constructor(scope: Construct, id: string, props: OrganizationStackProps) {
    super(scope, id, props);
    const organizationalUnitIds = new CfnParameter(this, 'OrganizationalUnitIds', {
      type: 'CommaDelimitedList',
      description: 'The OUs (or the root, r-...) whose accounts get the rule, comma-separated; accounts that join them later get it too',
      allowedPattern: '^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$',
      constraintDescription: 'OU ids (ou-xxxx-xxxxxxxx) or the root id (r-xxxx), comma-separated',
    });
    const regions = new CfnParameter(this, 'Regions', {
      type: 'CommaDelimitedList',
      description: 'The regions to evaluate in each account, comma-separated (each needs AWS Config recording and a code bucket)',
      allowedPattern: '^[a-z]{2}(-[a-z]+)+-\\d+$',
      constraintDescription: 'region names such as us-east-1,eu-west-1',
    });
    const codeBucketPrefix = new CfnParameter(this, 'RuleCodeBucketPrefix', {
      type: 'String',
      description: "The rule's code is read from the bucket PREFIX-REGION of each region (S3PolicyWatchRuleCode stack, then infra/rule-package.ts)",
      allowedPattern: BUCKET_PREFIX_PATTERN,
    });
    const callAs = new CfnParameter(this, 'CallAs', {
      type: 'String',
      description: 'SELF in the management account; DELEGATED_ADMIN in a delegated administrator account for StackSets',
      allowedValues: ['SELF', 'DELEGATED_ADMIN'],
      default: 'SELF',
    });

    this.member = memberTemplate(props.settings);
    const templateBody = JSON.stringify(this.member.template);
    if (Buffer.byteLength(templateBody) > MAX_TEMPLATE_BODY_BYTES) {
      throw new Error(`the member template has ${Buffer.byteLength(templateBody)} bytes; a StackSet's TemplateBody takes at most ${MAX_TEMPLATE_BODY_BYTES}`);
    }

    this.stackSet = new cloudformation.CfnStackSet(this, 'StackSet', {
      stackSetName: STACK_SET_NAME,
      description: 's3-policy-watch in every account and region of the OUs: the Config rule, its automatic remediation and alerting',
      permissionModel: 'SERVICE_MANAGED',
      callAs: callAs.valueAsString,
      // New accounts of the OUs get the stack; an account that leaves them loses it (its rule would otherwise keep running unmanaged).
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      // The rule's role has a fixed name, so that the trail owner's read-only role can trust it.
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: { regionConcurrencyType: 'PARALLEL', maxConcurrentPercentage: 25, failureTolerancePercentage: 10 },
      stackInstancesGroup: [{ deploymentTargets: { organizationalUnitIds: organizationalUnitIds.valueAsList }, regions: regions.valueAsList }],
      parameters: [{ parameterKey: 'RuleCodeBucketPrefix', parameterValue: codeBucketPrefix.valueAsString }],
      templateBody,
    });

    // The central view: every account's and region's verdict of the rule, in this account.
    const aggregatorRole = new iam.Role(this, 'AggregatorRole', {
      description: 's3-policy-watch: lets AWS Config read the organization to aggregate Config results of every account and region',
      assumedBy: new iam.ServicePrincipal('config.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSConfigRoleForOrganizations')],
    });
    Validations.of(aggregatorRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSConfigRoleForOrganizations]',
      reason: 'The AWS managed policy Config documents for an organization aggregator: organizations:Describe*/List* only, maintained by AWS as the Organizations API grows.',
    });
    this.aggregator = new config.CfnConfigurationAggregator(this, 'Aggregator', {
      configurationAggregatorName: STACK_SET_NAME,
      organizationAggregationSource: { roleArn: aggregatorRole.roleArn, allAwsRegions: true },
    });

    new CfnOutput(this, 'StackSetId', { value: this.stackSet.attrStackSetId, description: 'aws cloudformation list-stack-instances --stack-set-name s3-policy-watch' });
    new CfnOutput(this, 'RuleCodeKey', { value: rulePackage().key, description: 'The key infra/rule-package.ts uploads the code to in every code bucket' });
    new CfnOutput(this, 'AggregatorName', { value: this.aggregator.ref, description: 'aws configservice get-aggregate-compliance-details-by-config-rule' });
  }
}

/**
 * One region's code bucket, `<RuleCodeBucketPrefix>-<region>`: deploy in the StackSet's account in every region of
 * the StackSet. CloudFormation in a member account creates the rule's function from it with the StackSet execution
 * role, a principal of the organization.
 */
export class RuleCodeBucketStack extends Stack {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const prefix = new CfnParameter(this, 'RuleCodeBucketPrefix', {
      type: 'String',
      description: 'The bucket is named PREFIX-REGION; give every region the same prefix',
      allowedPattern: BUCKET_PREFIX_PATTERN,
    });
    const organizationId = organizationIdParameter(this, 'The organization whose accounts may read the code');
    // Stacks of the organization were created from its objects; it stays when this stack goes.
    this.bucket = new s3.Bucket(this, 'Bucket', { ...PRIVATE_RETAINED_BUCKET, bucketName: codeBucketName(prefix.valueAsString, this.region) });
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationReadsTheRuleCode',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [this.bucket.arnForObjects(`${RULE_CODE_KEY_PREFIX}*`)],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': organizationId.valueAsString } },
      }),
    );
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        "The bucket holds only the rule's code, written by the deployer (infra/rule-package.ts) and read by CloudFormation in member accounts; CloudTrail records both. Server access logs would need a second bucket for nothing the trail does not show.",
    });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: 'npx tsx infra/rule-package.ts uploads the code here' });
  }
}
