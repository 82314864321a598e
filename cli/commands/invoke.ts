import { readFileSync } from 'node:fs';
import type { ClientOptions } from '../../rule/clients';
import { regionalClients } from '../../rule/clients';
import { assumedRoleClients } from '../../rule/gather';
import { createHandler } from '../../rule/handler';
import { AWS_OPTIONS, awsConnection, parseOptions, required } from '../args';
import { EXIT, UsageError, type Io } from '../io';
import { usageOf } from '../usage';

/**
 * `invoke`: runs the Lambda handler on a Config event file, as Config would, and prints what it published.
 * `--test-mode` publishes with TestMode (validated by Config, not recorded; the only mode moto accepts).
 */
export async function run(argv: string[], io: Io, connection: Partial<ClientOptions> = {}): Promise<number> {
  const usage = usageOf('invoke');
  const { values } = parseOptions(argv, { ...AWS_OPTIONS, event: { type: 'string' }, 'test-mode': { type: 'boolean' } }, usage);
  const file = required(values.event, 'event', usage);
  const options = awsConnection(values, usage, connection);
  const region = options.region;
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the Config event from ${file}: ${(error as Error).message}`);
  }
  const handler = createHandler({ region, clients: regionalClients(options), clientsFor: assumedRoleClients(options), testMode: values['test-mode'] === true });
  const result = await handler(event);
  io.out(JSON.stringify(result, null, 2));
  return result.compliance === 'NON_COMPLIANT' ? EXIT.nonCompliant : EXIT.ok;
}
