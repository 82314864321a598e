import type { ClientOptions } from '../../rule/clients';
import { evaluateAccount } from '../../rule/evaluate';
import { regionalClients } from '../../rule/clients';
import { assumedRoleClients, gatherSnapshot } from '../../rule/gather';
import { parseRuleParameters, type RuleParameters } from '../../rule/parameters';
import { assertValidAsff } from '../../rule/asff-validate';
import { securityHubFinding } from '../../rule/security-hub-finding';
import { AWS_OPTIONS, awsConnection, choice, parseOptions } from '../args';
import { EXIT, type Io } from '../io';
import { usageOf } from '../usage';
import { checkResult, renderCheckReport, type CheckResult } from '../report';

/**
 * `check`: evaluates the account now with the rule's own gather and evaluator, writing nothing. `--format asff` prints
 * the Security Hub finding the rule would send (as on its first import: CreatedAt = UpdatedAt = now), without sending it.
 * `connection` adds client settings the command line has no option for (tests: a local emulator's account).
 */
export async function run(argv: string[], io: Io, connection: Partial<ClientOptions> = {}): Promise<number> {
  const usage = usageOf('check');
  const { values } = parseOptions(argv, { ...AWS_OPTIONS, parameters: { type: 'string' }, format: { type: 'string' } }, usage);
  const format = choice(values.format, 'format', ['text', 'json', 'asff'] as const, 'text');
  const options = awsConnection(values, usage, connection);
  const parameters = parseRuleParameters(values.parameters);
  const assessment = await assessAccount(options, parameters);
  const { verdict, snapshot, partition } = assessment;
  if (format === 'asff') {
    if (!partition) throw new Error('GetCallerIdentity returned no Arn, so the partition of the finding\'s product ARN is unknown');
    const finding = securityHubFinding({ verdict, accountId: snapshot.accountId, region: options.region, partition, requiredEvents: parameters.requiredEvents, now: new Date() });
    assertValidAsff(finding);
    io.out(JSON.stringify(finding, null, 2));
  } else {
    const result = resultOf(assessment, options, parameters);
    io.out(format === 'json' ? JSON.stringify(result, null, 2) : renderCheckReport(result));
  }
  return verdict.compliance === 'NON_COMPLIANT' ? EXIT.nonCompliant : EXIT.ok;
}

/** The rule's own gather and evaluator on the account, writing nothing. */
async function assessAccount(options: ClientOptions, parameters: RuleParameters) {
  const gathered = await gatherSnapshot(regionalClients(options), options.region, parameters, assumedRoleClients(options));
  return { ...gathered, verdict: evaluateAccount(gathered.snapshot, parameters) };
}

function resultOf(assessment: Awaited<ReturnType<typeof assessAccount>>, options: ClientOptions, parameters: RuleParameters): CheckResult {
  return checkResult(assessment.verdict, assessment.snapshot.accountId, options.region, parameters, assessment.apiCalls);
}

/** What `check` decides, for the commands that act on it (drill). */
export async function checkAccount(options: ClientOptions, parameters: RuleParameters): Promise<CheckResult> {
  return resultOf(await assessAccount(options, parameters), options, parameters);
}

