import { CloudWatchLogsClient, TestMetricFilterCommand, type TestMetricFilterCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { run as conformance } from '../../cli/commands/conformance';
import { readReferenceData, type ConformanceCase } from '../../cli/reference-data';
import { DEFAULT_READINGS, parseFilterPattern, testMetricFilter, type Readings } from '../../rule/filter-pattern';
import { capture, runCli } from '../support/cli';
import { awsError } from '../support/mock-aws';

/**
 * `conformance --live` against recorded TestMetricFilter answers (aws-sdk-client-mock). No answers from a real
 * account are recorded yet, so the recordings are built from what the reference data says AWS answers (each
 * case cites its AWS page), and from an AWS that took the other side of ambiguity A4 (`!=` on an absent key).
 */

const cases = readReferenceData<ConformanceCase[]>('filter-pattern-cases.json');
const logs = mockClient(CloudWatchLogsClient);
afterEach(() => logs.reset());
afterAll(() => logs.restore());

/** TestMetricFilter as the reference data documents it: valid: false is an InvalidParameterException. */
function answerAsDocumented(input: TestMetricFilterCommandInput) {
  const mine = cases.filter((c) => c.pattern === input.filterPattern);
  if (mine.some((c) => c.valid === false)) throw awsError('InvalidParameterException', 'Invalid metric filter pattern');
  return {
    matches: input.logEventMessages!.flatMap((message, index) => {
      const c = mine.find((candidate) => candidate.event === message)!;
      return c.matches ? [{ eventNumber: index + 1, eventMessage: message, extractedValues: c.extractedValues ?? {} }] : [];
    }),
  };
}

/** TestMetricFilter as an engine with other readings would answer. */
function answerWithReadings(readings: Readings) {
  return (input: TestMetricFilterCommandInput) => {
    try {
      parseFilterPattern(input.filterPattern!);
    } catch {
      throw awsError('InvalidParameterException', 'Invalid metric filter pattern');
    }
    return testMetricFilter(input.filterPattern!, input.logEventMessages!, readings);
  };
}

async function live(argv: string[] = []) {
  const io = capture();
  const code = await conformance(['--live', '--region', 'eu-west-1', ...argv], io, { credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const distinctPatterns = new Set(cases.map((c) => c.pattern)).size;

describe('conformance --live', () => {
  test('an AWS that answers as documented: every case agrees, one call per pattern, at most 50 events each; exit 0', async () => {
    logs.on(TestMetricFilterCommand).callsFake(answerAsDocumented);
    const { code, stdout } = await live(['--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ region: 'eu-west-1', cases: cases.length, calls: distinctPatterns, agreed: cases.length, disagreements: [] });
    const calls = logs.commandCalls(TestMetricFilterCommand);
    expect(calls).toHaveLength(distinctPatterns);
    for (const call of calls) expect(call.args[0].input.logEventMessages!.length).toBeLessThanOrEqual(50);
    // A4 is decided by the corpus (the cases say AWS leaves an absent key unmatched by !=): confirmed.
    expect(report.readings.find((r: { flag: string }) => r.flag === 'notEqualsOnAbsentKey')).toMatchObject({ ambiguity: 'A4', reading: false, verdict: 'confirmed' });
    // Every Readings flag has a case that depends on it, so a live run settles each one.
    for (const reading of report.readings) expect(reading).toMatchObject({ verdict: 'confirmed', cases: expect.arrayContaining([expect.any(String)]) });
  });

  test('an AWS that takes the other side of A4: the cases that depend on it disagree, and the flag is reported overturned; exit 1', async () => {
    logs.on(TestMetricFilterCommand).callsFake(answerWithReadings({ ...DEFAULT_READINGS, notEqualsOnAbsentKey: true }));
    const { code, stdout } = await live();
    expect(code).toBe(1);
    const dependent = cases.filter(
      (c) => c.valid !== false && testMetricFilter(c.pattern, [c.event]).matches.length !== testMetricFilter(c.pattern, [c.event], { ...DEFAULT_READINGS, notEqualsOnAbsentKey: true }).matches.length,
    );
    expect(dependent.length).toBeGreaterThan(0);
    expect(stdout).toContain(`AWS and the engine agree on ${cases.length - dependent.length} of ${cases.length} cases.`);
    for (const c of dependent) expect(stdout).toContain(`  ${c.id}: AWS: match, engine: no match (reference data: no match)`);
    expect(stdout).toContain(`A4 notEqualsOnAbsentKey = false: AWS answers as the OTHER reading: set it to true (${dependent.length} case`);
    expect(stdout).toContain('Report the result: open an issue with the output of `s3-policy-watch conformance --live --format json`');
  });

  test('a pattern AWS accepts but the engine rejects is a disagreement', async () => {
    const invalid = cases.find((c) => c.valid === false)!;
    logs.on(TestMetricFilterCommand).callsFake((input: TestMetricFilterCommandInput) =>
      input.filterPattern === invalid.pattern ? { matches: [] } : answerAsDocumented(input),
    );
    const { code, stdout } = await live(['--format', 'json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).disagreements).toEqual([
      { id: invalid.id, pattern: invalid.pattern, event: invalid.event, aws: 'no match', engine: 'rejected', expected: 'rejected' },
    ]);
  });

  test('AccessDenied: exit 2 naming TestMetricFilter and the IAM action', async () => {
    logs.on(TestMetricFilterCommand).rejects(awsError('AccessDeniedException', 'User is not authorized to perform: logs:TestMetricFilter'));
    const { code, stderr } = await runCli(['conformance', '--live', '--region', 'eu-west-1']);
    expect(code).toBe(2);
    expect(stderr).toContain('TestMetricFilter failed in eu-west-1 for pattern');
    expect(stderr).toContain('(your credentials need logs:TestMetricFilter)');
  });

  test('without --live it says what --live does; exit 2', async () => {
    const { code, stderr } = await runCli(['conformance', '--region', 'eu-west-1']);
    expect(code).toBe(2);
    expect(stderr).toContain('conformance runs the cases against AWS: pass --live');
    expect(logs.commandCalls(TestMetricFilterCommand)).toHaveLength(0);
  });
});
