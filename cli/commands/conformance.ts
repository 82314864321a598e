import type { ClientOptions } from '../../rule/clients';
import { AWS_OPTIONS, awsConnection, choice, parseOptions } from '../args';
import { liveTestMetricFilter } from '../conformance/aws';
import { judgeLive, liveRequests, renderLiveReport, type LiveAnswer } from '../conformance/live';
import { EXIT, UsageError, type Io } from '../io';
import { readReferenceData, type ConformanceCase } from '../reference-data';
import { usageOf } from '../usage';

/**
 * `conformance --live`: the conformance cases through the caller's real TestMetricFilter, one call per pattern,
 * one after the other (the API is rate-limited; the SDK retries throttling). Exit 0 when AWS and the engine
 * agree on every case, 1 when they do not.
 */
export async function run(argv: string[], io: Io, connection: Partial<ClientOptions> = {}): Promise<number> {
  const usage = usageOf('conformance');
  const { values } = parseOptions(argv, { ...AWS_OPTIONS, live: { type: 'boolean' }, format: { type: 'string' } }, usage);
  if (values.live !== true) {
    throw new UsageError(`conformance runs the cases against AWS: pass --live (offline, npm test runs them against the engine)\nusage: ${usage}`);
  }
  const format = choice(values.format, 'format', ['text', 'json'] as const, 'text');
  const options = awsConnection(values, usage, connection);
  const requests = liveRequests(readReferenceData<ConformanceCase[]>('filter-pattern-cases.json'));
  const test = liveTestMetricFilter(options);
  const answers: LiveAnswer[] = [];
  for (const request of requests) answers.push(await test(request.pattern, request.cases.map((c) => c.event)));
  const report = judgeLive(requests, answers, options.region);
  io.out(format === 'json' ? JSON.stringify(report, null, 2) : renderLiveReport(report));
  return report.disagreements.length === 0 ? EXIT.ok : EXIT.nonCompliant;
}
