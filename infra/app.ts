/**
 * The CDK app (cdk.json: `npx tsx infra/app.ts`): one environment-agnostic stack, checked by cdk-nag's AwsSolutions
 * pack during synth. Synth needs no credentials and no network.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeployContext } from './context';
import { S3PolicyWatchStack } from './stack';

export const STACK_NAME = 'S3PolicyWatch';

/** Adds the stack and the checks to an app; the tests build their apps with it too. */
export function defineApp(app: App): S3PolicyWatchStack {
  const settings = readDeployContext((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
  const stack = new S3PolicyWatchStack(app, STACK_NAME, {
    settings,
    description: 's3-policy-watch: AWS Config rule (and automatic remediation) for alarmed S3 bucket policy changes',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}

if (require.main === module) {
  const app = new App();
  defineApp(app);
  app.synth();
}
