import { analyzeFilterPattern, resolveRequiredEvents, RequiredEventsError } from '../../rule/filter-pattern';
import { parseOptions } from '../args';
import { EXIT, UsageError, type Io } from '../io';
import { usageOf } from '../usage';

/** Judges one filter pattern semantically: JSON on stdout; exit 0 when it covers the events, 1 when not, 2 when invalid. */
export async function run(argv: string[], io: Io): Promise<number> {
  const usage = usageOf('analyze-filter');
  const { values } = parseOptions(argv, { 'filter-pattern': { type: 'string' }, 'required-events': { type: 'string' } }, usage);
  const pattern = values['filter-pattern'];
  if (pattern === undefined) throw new UsageError(`missing --filter-pattern\nusage: ${usage}`);
  let requiredEvents: string[];
  try {
    requiredEvents = resolveRequiredEvents(values['required-events'] ?? 'POLICY');
  } catch (error) {
    if (error instanceof RequiredEventsError) throw new UsageError(error.message);
    throw error;
  }
  const analysis = analyzeFilterPattern(pattern, requiredEvents);
  io.out(JSON.stringify(analysis, null, 2));
  if (!analysis.valid) {
    io.err(analysis.error!.message);
    return EXIT.error;
  }
  return analysis.coversRequiredEvents && !analysis.overBroad ? EXIT.ok : EXIT.nonCompliant;
}
