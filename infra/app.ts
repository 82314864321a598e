/**
 * The CDK app (cdk.json: `npx tsx infra/app.ts`): environment-agnostic stacks, checked by cdk-nag's AwsSolutions
 * pack during synth. Synth needs no credentials and no network.
 *
 * - S3PolicyWatch: the whole system in one account and region (docs/deploy.md).
 * - S3PolicyWatchOrganization, S3PolicyWatchRuleCode: the same in every account and region of an organization's OUs,
 *   through a service-managed StackSet, and the per-region buckets its code comes from (docs/organization.md).
 * - S3PolicyWatchTrailOwnerRead, with `-c trailOwnerReadRoleName=NAME`: the read-only role the rule assumes in the
 *   organization trail's owner account.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeployContext } from './context';
import { OrganizationStack, RuleCodeBucketStack } from './organization';
import { S3PolicyWatchStack } from './stack';
import { TrailOwnerReadStack } from './trail-owner-read';

export const STACK_NAME = 'S3PolicyWatch';
export const ORGANIZATION_STACK_NAME = 'S3PolicyWatchOrganization';
export const RULE_CODE_STACK_NAME = 'S3PolicyWatchRuleCode';
export const TRAIL_OWNER_READ_STACK_NAME = 'S3PolicyWatchTrailOwnerRead';

/** Adds the stack and the checks to an app; the tests build their apps with it too. */
export function defineApp(app: App): S3PolicyWatchStack {
  const settings = readDeployContext((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
  const stack = new S3PolicyWatchStack(app, STACK_NAME, {
    settings,
    description: 's3-policy-watch: AWS Config rule (and automatic remediation) for alarmed S3 bucket policy changes',
  });
  new OrganizationStack(app, ORGANIZATION_STACK_NAME, {
    settings,
    description: 's3-policy-watch for an organization: a service-managed StackSet over OUs and regions, and an organization Config aggregator',
  });
  new RuleCodeBucketStack(app, RULE_CODE_STACK_NAME, { description: "s3-policy-watch for an organization: this region's bucket of the rule's code" });
  const trailOwnerReadRoleName = settings.trailOwnerReadRoleName;
  if (trailOwnerReadRoleName) {
    new TrailOwnerReadStack(app, TRAIL_OWNER_READ_STACK_NAME, {
      settings: { ...settings, trailOwnerReadRoleName },
      description: "s3-policy-watch: the read-only role member accounts' rules assume to follow the organization trail's chain",
    });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}

if (require.main === module) {
  const app = new App();
  defineApp(app);
  app.synth();
}
