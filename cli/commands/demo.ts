import { run as check } from './check';
import { run as remediate } from './remediate';
import { buildDemoAccount, DEMO_ACCOUNT_ID, DEMO_EMAIL, DEMO_LOG_GROUP } from '../demo-scenario';
import { parseOptions } from '../args';
import { EXIT, UsageError, type Io } from '../io';
import { usageOf } from '../usage';
import { MotoUnavailableError, startMotoServer, type MotoServer } from '../moto-server';
import { SandboxAccount } from '../sandbox-account';

/**
 * `demo` (also `npm start`): the whole loop on a local AWS emulator. A moto server, an account whose bucket
 * policy "monitoring" cannot fire, `check` (NON_COMPLIANT and why), the remediation document run step by
 * step, `check` again (COMPLIANT). Nothing here needs an AWS account.
 */
export async function run(argv: string[], io: Io): Promise<number> {
  const usage = usageOf('demo');
  const { values } = parseOptions(argv, { keep: { type: 'boolean' } }, usage);
  const keep = values.keep === true;
  const started = Date.now();
  const heading = (step: number, text: string) => io.out(`\n=== ${step}/4 ${text} ===`);

  heading(1, 'Starting a local AWS emulator (moto)');
  let server: MotoServer;
  try {
    server = await startMotoServer({ detached: keep, progress: io.out });
  } catch (error) {
    if (error instanceof MotoUnavailableError) throw new UsageError(`the demo needs a local moto server: ${error.message}`);
    throw error;
  }
  // Ctrl-C must not leave the emulator running behind the user's back.
  const interrupt = () => {
    void server.stop().then(() => process.exit(130));
  };
  if (!keep) process.once('SIGINT', interrupt);
  try {
    const account = new SandboxAccount(DEMO_ACCOUNT_ID, server.endpoint);
    io.out(`moto is listening on ${server.endpoint} (pid ${server.pid}); account ${DEMO_ACCOUNT_ID}, region ${account.region}.`);
    io.out('Building the account: a multi-region trail delivering to CloudWatch Logs, application log groups with');
    io.out('their filters and alarms, a working CIS root-usage alarm, and a bucket-policy filter with an alarm and a');
    io.out('subscriber that every text-matching checker accepts.');
    await buildDemoAccount(account);

    const connection = account.options();
    const region = ['--region', account.region];
    heading(2, 'check: is a bucket policy change alarmed end to end?');
    const before = await check([...region], io, connection);
    if (before !== EXIT.nonCompliant) throw new Error(`the demo account should be NON_COMPLIANT before remediation (check exited ${before})`);

    heading(3, 'remediate: running the SSM Automation document step by step');
    io.out('(moto has no AWS Config API: the last step, which asks Config to re-evaluate the rule, fails; it is not critical.)');
    const remediated = await remediate([...region, '--log-group-name', DEMO_LOG_GROUP, '--notification-email', DEMO_EMAIL], io, connection);
    if (remediated !== EXIT.ok) throw new Error(`the remediation failed (exit ${remediated}); see the step report above`);
    io.out('(moto confirms e-mail subscriptions at once; in AWS the recipient confirms from the e-mail.)');

    heading(4, 'check again');
    const after = await check([...region], io, connection);
    if (after !== EXIT.ok) throw new Error(`the account should be COMPLIANT after remediation (check exited ${after})`);

    io.out(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s: NON_COMPLIANT -> remediated -> COMPLIANT.`);
    if (keep) {
      io.out(`The emulator keeps running (pid ${server.pid}) at ${server.endpoint}; account ${DEMO_ACCOUNT_ID} is moto's default, so the AWS CLI sees it:`);
      io.out(`  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url ${server.endpoint} --region ${account.region} logs describe-metric-filters --log-group-name ${DEMO_LOG_GROUP}`);
      io.out(`  npx s3-policy-watch check --endpoint-url ${server.endpoint} --region ${account.region}`);
      io.out(`Stop it with: kill ${server.pid}`);
    }
    return EXIT.ok;
  } finally {
    process.removeListener('SIGINT', interrupt);
    if (!keep) await server.stop();
  }
}
