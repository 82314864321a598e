import type { ClientOptions } from '../../rule/clients';
import { evaluateAccount } from '../../rule/evaluate';
import { regionalClients } from '../../rule/clients';
import { assumedRoleClients, gatherSnapshot } from '../../rule/gather';
import { parseRuleParameters, type RuleParameters } from '../../rule/parameters';
import { AWS_OPTIONS, awsConnection, choice, parseOptions } from '../args';
import { EXIT, type Io } from '../io';
import { usageOf } from '../usage';
import { checkResult, renderCheckReport, type CheckResult } from '../report';

/**
 * `check`: evaluates the account now with the rule's own gather and evaluator, writing nothing.
 * `connection` adds client settings the command line has no option for (tests: a local emulator's account).
 */
export async function run(argv: string[], io: Io, connection: Partial<ClientOptions> = {}): Promise<number> {
  const usage = usageOf('check');
  const { values } = parseOptions(argv, { ...AWS_OPTIONS, parameters: { type: 'string' }, format: { type: 'string' } }, usage);
  const format = choice(values.format, 'format', ['text', 'json'] as const, 'text');
  const result = await checkAccount(awsConnection(values, usage, connection), parseRuleParameters(values.parameters));
  io.out(format === 'json' ? JSON.stringify(result, null, 2) : renderCheckReport(result));
  return result.compliance === 'NON_COMPLIANT' ? EXIT.nonCompliant : EXIT.ok;
}

/** What `check` decides, for the commands that act on it (drill): the rule's own gather and evaluator. */
export async function checkAccount(options: ClientOptions, parameters: RuleParameters): Promise<CheckResult> {
  const { snapshot, apiCalls } = await gatherSnapshot(regionalClients(options), options.region, parameters, assumedRoleClients(options));
  return checkResult(evaluateAccount(snapshot, parameters), snapshot.accountId, options.region, parameters, apiCalls);
}

