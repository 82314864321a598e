/**
 * The read-only role in the account that owns an organization trail (the management or log-archive account): the
 * rule in every member account assumes it (rule parameter TrailOwnerReadRoleName) to follow the trail's chain there.
 *
 * Trust: a principal of the organization (aws:PrincipalOrgID), of an account in the member OUs (aws:PrincipalOrgPaths),
 * whose ARN is the rule's Lambda role, by path and name (aws:PrincipalArn
 * `arn:PARTITION:iam::*:role/s3-policy-watch/<ruleRoleName>-*`, the region being the suffix); the SCP of
 * docs/organization.md keeps everyone but the StackSet from creating a role under that path. No external
 * id: an external id protects against a confused deputy, a third party that assumes roles for many customers and
 * can be handed someone else's role ARN. Here the only caller is the organization's own rule role, named in the
 * trust policy; nobody in between chooses which role it assumes.
 *
 * Permissions: the reads rule/gather.ts makes through the role, nothing that writes, on this account's trails, log
 * groups, alarms and keys in this region and on the topics its alarms notify (infra/iam.ts trailOwnerReadGrants).
 */
import { CfnOutput, CfnParameter, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DeployContext } from './context';
import { grantStatements, trailOwnerReadGrants, unscopedAcknowledgment, wildcardAcknowledgment } from './iam';

/**
 * The IAM path of the rule's Lambda role (infra/stack.ts). The read role trusts only roles under it, and the SCP in
 * docs/organization.md reserves it to the StackSet's execution role, so an account administrator cannot create a
 * look-alike role that could read the owner's chain.
 */
export const RULE_ROLE_PATH = '/s3-policy-watch/';

export interface TrailOwnerReadRoleProps {
  roleName: string;
  /** `o-...`: only principals of this organization may assume the role. */
  organizationId: string;
  /** aws:PrincipalOrgPaths of the member OUs (`o-.../r-.../ou-.../*`): only principals of accounts in them. */
  memberOrganizationPaths: string[];
  /** The rule Lambda role's name without its region suffix (context `ruleRoleName`). */
  ruleRoleName: string;
  /** The log group the organization trail delivers to, in this stack's region. */
  logGroupName: string;
}

export class TrailOwnerReadRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TrailOwnerReadRoleProps) {
    super(scope, id);
    const { partition, account, region } = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: "s3-policy-watch: the rule in each member account reads the organization trail's chain (trail, log group filters, alarms, topics) with this role",
      assumedBy: new iam.AnyPrincipal().withConditions({
        StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
        'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': props.memberOrganizationPaths },
        ArnLike: { 'aws:PrincipalArn': `arn:${partition}:iam::*:role${RULE_ROLE_PATH}${props.ruleRoleName}-*` },
      }),
    });
    const grants = trailOwnerReadGrants({ partition, account, region, logGroupName: props.logGroupName });
    for (const statement of grantStatements(grants)) this.role.addToPrincipalPolicy(statement);

    Validations.of(this.role).acknowledge(
      unscopedAcknowledgment(grants),
      wildcardAcknowledgment(
        'arn:<AWS::Partition>:cloudtrail:<AWS::Region>:<AWS::AccountId>:trail/*',
        "Members read the status and event selectors of the organization trail they see, whatever its name; only this account's trails of this region.",
      ),
      wildcardAcknowledgment(
        'arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*',
        "The metric filters of the organization trail's log group, and every filter of this region writing into its alarmed metric (DescribeMetricFilters by metric name, which names no log group).",
      ),
      wildcardAcknowledgment(
        'arn:<AWS::Partition>:sns:<AWS::Region>:*:*',
        "Members read the subscribers, attributes and subscription filter policies of the topics the trail's alarms notify, which may be a central alerts topic of another account (whose topic policy decides); alarms notify topics of their own region only.",
      ),
      wildcardAcknowledgment(
        'arn:<AWS::Partition>:kms:<AWS::Region>:*:key/*',
        "Members describe the KMS key of an encrypted alarm topic, whichever key (and account) the topic names.",
      ),
      wildcardAcknowledgment(
        'arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*',
        "Members read the key policy of an alarm topic's key of this account, whichever key the topic names.",
      ),
      wildcardAcknowledgment(
        'arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:*',
        "When a chain lacks a working alarm, the rule lists this region's alarms to find a metric-math alarm on the filter's metric; any alarm may be one.",
      ),
    );
  }
}

export interface TrailOwnerReadStackProps extends StackProps {
  settings: DeployContext & { trailOwnerReadRoleName: string };
}

/** Deploy in the organization trail owner's account, in the trail's home region (where its log group is). */
export class TrailOwnerReadStack extends Stack {
  readonly readRole: TrailOwnerReadRole;

  constructor(scope: Construct, id: string, props: TrailOwnerReadStackProps) {
    super(scope, id, props);
    const organizationId = organizationIdParameter(this, 'The organization whose member accounts may assume the role');
    const memberPaths = new CfnParameter(this, 'MemberOrganizationPaths', {
      type: 'CommaDelimitedList',
      description:
        'The organization paths of the OUs whose members run the rule, each ending /* (o-EXAMPLE/r-ROOT/ou-PARENT/ou-CHILD/*): aws organizations list-parents, or the OU page of the console',
    });
    this.readRole = new TrailOwnerReadRole(this, 'TrailOwnerRead', {
      roleName: props.settings.trailOwnerReadRoleName,
      organizationId: organizationId.valueAsString,
      memberOrganizationPaths: memberPaths.valueAsList,
      ruleRoleName: props.settings.ruleRoleName,
      logGroupName: props.settings.trailLogGroupName,
    });
    new CfnOutput(this, 'TrailOwnerReadRoleArn', {
      value: this.readRole.role.roleArn,
      description: 'Assumed by the s3-policy-watch rule of each member account (rule parameter TrailOwnerReadRoleName)',
    });
  }
}

/** The organization id as a deploy-time parameter (synth stays offline): who may read what the stack shares. */
export function organizationIdParameter(stack: Stack, who: string): CfnParameter {
  return new CfnParameter(stack, 'OrganizationId', {
    type: 'String',
    description: `${who} (aws organizations describe-organization --query Organization.Id)`,
    allowedPattern: '^o-[a-z0-9]{10,32}$',
    constraintDescription: 'an organization id: o- followed by 10 to 32 lower-case letters or digits',
  });
}
