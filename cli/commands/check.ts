import type { ClientOptions } from '../../rule/clients';
import { evaluateAccount } from '../../rule/evaluate';
import { regionalClients } from '../../rule/clients';
import { assumedRoleClients, gatherSnapshot } from '../../rule/gather';
import { parseRuleParameters } from '../../rule/parameters';
import { assertValidAsff } from '../../rule/asff-validate';
import { securityHubFinding } from '../../rule/security-hub-finding';
import { AWS_OPTIONS, awsConnection, choice, parseOptions } from '../args';
import { EXIT, type Io } from '../io';
import { usageOf } from '../usage';
import { checkResult, renderCheckReport } from '../report';

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
  const region = options.region;
  const parameters = parseRuleParameters(values.parameters);
  const { snapshot, apiCalls, partition } = await gatherSnapshot(regionalClients(options), region, parameters, assumedRoleClients(options));
  const verdict = evaluateAccount(snapshot, parameters);
  if (format === 'asff') {
    if (!partition) throw new Error('GetCallerIdentity returned no Arn, so the partition of the finding\'s product ARN is unknown');
    const finding = securityHubFinding({ verdict, accountId: snapshot.accountId, region, partition, requiredEvents: parameters.requiredEvents, now: new Date() });
    assertValidAsff(finding);
    io.out(JSON.stringify(finding, null, 2));
  } else {
    const result = checkResult(verdict, snapshot.accountId, region, parameters, apiCalls);
    io.out(format === 'json' ? JSON.stringify(result, null, 2) : renderCheckReport(result));
  }
  return verdict.compliance === 'NON_COMPLIANT' ? EXIT.nonCompliant : EXIT.ok;
}

