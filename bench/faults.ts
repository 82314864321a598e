import { run as check } from '../cli/commands/check';
import { startMotoServer } from '../cli/moto-server';
import { SandboxAccount } from '../cli/sandbox-account';
import { regionalClients } from '../rule/clients';
import { evaluateAccount } from '../rule/evaluate';
import { gatherSnapshot } from '../rule/gather';
import { DEFAULT_PARAMETERS } from '../rule/parameters';
import { capture } from '../test/support/cli';
import { FAULT_KINDS, startFaultProxy, type FaultCounts, type FaultKind } from '../test/support/fault-proxy';
import { buildHostileAccount, checkThrough, FAULT_SCENARIOS, faultedApis, hostileExplanations, judgeRun, RunTally } from '../test/support/faults';
import { ms, stats, table, timeMs, timeMsAsync, type Section } from './measure';

/**
 * Faults and hostile accounts (issue 7): `check` as a user runs it (the CLI, default retries) on a compliant and a
 * non-compliant moto account through the fault proxy at 20% injected faults, each run judged against the
 * fault-free run; then the worst-case time of evaluating an account full of hostile content.
 */

const REGION = 'us-east-1';
const HOSTILE_RUNS = 10;
const HOSTILE_ACCOUNT_ID = '471100000001';
/** The issue's 100 runs per account at 20%, and a harsher set where the retries give out, to show how `check` fails. */
const RUN_SETS: { scenario: keyof typeof FAULT_SCENARIOS; rate: number; runs: number }[] = [
  { scenario: 'compliant', rate: 0.2, runs: 100 },
  { scenario: 'nonCompliant', rate: 0.2, runs: 100 },
  { scenario: 'nonCompliant', rate: 0.5, runs: 30 },
];
const LABELS = { compliant: 'compliant (exit 0)', nonCompliant: 'non-compliant (exit 1)' } as const;

/** Faults injected and requests made over a run set. */
class InjectionTally {
  requests = 0;
  readonly byKind: Partial<Record<FaultKind, number>> = {};

  add(counts: FaultCounts): void {
    this.requests += Object.values(counts.requests).reduce((a, b) => a + b, 0);
    for (const byKind of Object.values(counts.injected)) {
      for (const [kind, n] of Object.entries(byKind)) this.byKind[kind as FaultKind] = (this.byKind[kind as FaultKind] ?? 0) + (n ?? 0);
    }
  }

  get total(): number {
    return Object.values(this.byKind).reduce((a, b) => a + (b ?? 0), 0);
  }

  text(): string {
    return `${this.total} of ${this.requests} requests (${((100 * this.total) / this.requests).toFixed(1)}%): ${FAULT_KINDS.map((kind) => `${kind} ${this.byKind[kind] ?? 0}`).join(', ')}`;
  }
}

/** Runs `check` through the fault proxy `runs` times at `rate`; one table row. */
async function runSet(endpoint: string, accountId: string, { scenario, rate, runs }: (typeof RUN_SETS)[number]) {
  const account = new SandboxAccount(accountId, endpoint, REGION);
  await FAULT_SCENARIOS[scenario].build(account);
  const proxy = await startFaultProxy(endpoint, { headers: account.options().headers });
  try {
    const baseline = await checkThrough(proxy.endpoint, REGION);
    if (baseline.code !== FAULT_SCENARIOS[scenario].exitCode) throw new Error(`the ${scenario} account gave exit ${baseline.code} without faults: ${baseline.stderr}`);
    const tally = new RunTally();
    const injections = new InjectionTally();
    const times: number[] = [];
    for (let run = 1; run <= runs; run++) {
      proxy.plan({ rate, seed: run });
      const started = process.hrtime.bigint();
      const result = await checkThrough(proxy.endpoint, REGION);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      injections.add(proxy.counts());
      tally.add(judgeRun(baseline, result, faultedApis(proxy.counts()), REGION));
    }
    const time = stats(times);
    const { right, wrong, error, unclear } = tally.counts;
    const named = Object.entries(tally.failedApis).map(([api, n]) => `${api} ${n}`).join(', ');
    return {
      row: [LABELS[scenario], `${rate * 100}%`, runs, right, `**${wrong}**`, error, unclear, `${((100 * right) / runs).toFixed(0)}%`, ms(time.median), ms(time.max)],
      notes: `${LABELS[scenario]} at ${rate * 100}%: faults injected into ${injections.text()}${named ? `; errors named ${named}` : ''}.`,
      problems: tally.problems,
    };
  } finally {
    await proxy.stop();
  }
}

/** `check` on the hostile account: the verdict, how many hostile items the report explains, and the times. */
async function hostileAccount(endpoint: string) {
  const account = new SandboxAccount(HOSTILE_ACCOUNT_ID, endpoint, REGION);
  await buildHostileAccount(account);
  const checkTimes: number[] = [];
  let report = '';
  for (let run = 0; run < HOSTILE_RUNS; run++) {
    const io = capture();
    checkTimes.push(await timeMsAsync(() => check(['--region', REGION], io, account.options())));
    report = io.stdout;
  }
  const { snapshot } = await gatherSnapshot(regionalClients(account.options()), REGION, DEFAULT_PARAMETERS);
  const evaluationTimes = Array.from({ length: 20 }, () => timeMs(() => evaluateAccount(snapshot, DEFAULT_PARAMETERS)));
  const explanations = hostileExplanations(account.accountId);
  return {
    compliance: report.split(':')[0],
    explained: `${explanations.filter((explanation) => explanation.test(report)).length} of ${explanations.length}`,
    check: stats(checkTimes),
    evaluation: stats(evaluationTimes),
  };
}

export async function benchFaults(): Promise<Section> {
  // The local emulator takes any credentials; the default chain must find some.
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  const moto = await startMotoServer();
  try {
    const sets = [];
    for (const [index, set] of RUN_SETS.entries()) sets.push(await runSet(moto.endpoint, `4711000001${String(index).padStart(2, '0')}`, set));
    const problems = sets.flatMap((set) => set.problems);
    const hostile = await hostileAccount(moto.endpoint);
    return {
      title: 'Faults and hostile accounts',
      body: [
        `\`s3-policy-watch check\` as a user runs it (the CLI with its default 5 attempts, adaptive retries) on moto accounts through the fault proxy of test/support/fault-proxy.ts; each request of each API is faulted at the given rate with one of ${FAULT_KINDS.join(', ')} (drawn uniformly; seed = run number). A run is right when its exit code and JSON report equal the fault-free run's; an error is exit 2 with a message naming an API that was faulted in the run, and the region; anything else is wrong or unclear.`,
        '',
        table(['account', 'faults', 'runs', 'right verdicts', 'wrong verdicts', 'errors (exit 2 naming the API)', 'unclear errors', 'success rate', 'median run', 'slowest run'], sets.map((set) => set.row)),
        '',
        ...sets.map((set) => `- ${set.notes}`),
        ...(problems.length ? ['', 'Problems:', ...problems.map((problem) => `- ${problem}`)] : []),
        '',
        `Hostile account (test/support/faults.ts: invalid, 1024-character, 490-deep, pathological-regex, non-ASCII and over-broad filters; alarms with an odd unit and with metric math; a topic of another account; log groups of aws-cn and aws-us-gov and malformed ARNs): ${hostile.compliance}, ${hostile.explained} hostile items explained in the text report. \`check\` on it: median ${ms(hostile.check.median)}, worst ${ms(hostile.check.max)} of ${HOSTILE_RUNS} runs (the first includes warm-up). Evaluation alone (snapshot to verdict): median ${ms(hostile.evaluation.median)}, worst ${ms(hostile.evaluation.max)} of ${hostile.evaluation.runs}.`,
      ].join('\n'),
    };
  } finally {
    await moto.stop();
  }
}
