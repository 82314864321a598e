import { testMetricFilter } from '../../rule/filter-pattern';
import { parseOptions } from '../args';
import { EXIT, UsageError, type Io } from '../io';
import { usageOf } from '../usage';

/** Offline twin of `aws logs test-metric-filter`: same options, same JSON output. */
export async function run(argv: string[], io: Io): Promise<number> {
  const usage = usageOf('test-metric-filter');
  const { values, positionals } = parseOptions(
    argv,
    { 'filter-pattern': { type: 'string' }, 'log-event-messages': { type: 'string', multiple: true } },
    usage,
    true,
  );
  const pattern = values['filter-pattern'];
  if (pattern === undefined) throw new UsageError(`missing --filter-pattern (use "" for a pattern that matches everything)\nusage: ${usage}`);
  // Like the AWS CLI, the messages follow --log-event-messages as separate words.
  const messages = [...(values['log-event-messages'] ?? []), ...positionals];
  if (values['log-event-messages'] === undefined) throw new UsageError(`missing --log-event-messages\nusage: ${usage}`);
  if (messages.length > 50) throw new UsageError(`at most 50 log event messages, as with TestMetricFilter (got ${messages.length})`);
  io.out(JSON.stringify(testMetricFilter(pattern, messages), null, 4));
  return EXIT.ok;
}
