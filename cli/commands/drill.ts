import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import type { ClientOptions } from '../../rule/clients';
import { parseRuleParameters } from '../../rule/parameters';
import { AWS_OPTIONS, awsConnection, choice, parseOptions } from '../args';
import { SdkDrillAws, type DrillAws } from '../drill/aws';
import { drillNames, planText, renderReport, resultJson } from '../drill/plan';
import { alarmOf, drillTarget, earlierLeftovers, runDrill, systemClock, trailNameOf, type Clock } from '../drill/run';
import { EXIT, UsageError, type Io } from '../io';
import { renderCheckReport } from '../report';
import { usageOf } from '../usage';
import { checkAccount } from './check';

const OPTIONS = { ...AWS_OPTIONS, timeout: { type: 'string' }, format: { type: 'string' }, yes: { type: 'boolean' } } as const;

const DEFAULT_TIMEOUT_SECONDS = 900;
/** Ctrl-C: the shell's convention (128 + SIGINT), as `demo` uses. */
const EXIT_INTERRUPTED = 130;

/** What tests replace: the clock, the random suffix, the confirmation, the AWS edge, Ctrl-C and the pacing. */
export interface DrillCommandDeps {
  clock?: Clock;
  suffix?: () => string;
  confirm?: (question: string) => Promise<boolean>;
  aws?: (options: ClientOptions) => DrillAws;
  signal?: AbortSignal;
  pollSeconds?: number;
  settleSeconds?: number;
}

function parseTimeout(value: string | undefined, usage: string): number {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 86_400) {
    throw new UsageError(`--timeout takes whole seconds from 1 to 86400 (got "${value}")\nusage: ${usage}`);
  }
  return Number(value);
}

async function askOnTerminal(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(`${question} [y/N] `)).trim());
  } finally {
    terminal.close();
  }
}

/**
 * `drill`: proves in the account that a bucket policy change reaches the alarm's topic, and times each link.
 * `check` first (a complete chain or nothing), the plan and a confirmation, then runDrill, which always cleans up.
 */
export async function run(argv: string[], io: Io, connection: Partial<ClientOptions> = {}, deps: DrillCommandDeps = {}): Promise<number> {
  const usage = usageOf('drill');
  const { values } = parseOptions(argv, OPTIONS, usage);
  const timeoutSeconds = parseTimeout(values.timeout, usage);
  const format = choice(values.format, 'format', ['text', 'json'] as const, 'text');
  const options = awsConnection(values, usage, connection);
  // With JSON on stdout, the plan and the progress go to stderr.
  const say = format === 'json' ? io.err : io.out;

  const check = await checkAccount(options, parseRuleParameters(undefined));
  const chain = check.chains.find((candidate) => candidate.status === 'complete');
  if (check.compliance !== 'COMPLIANT' || !chain) {
    io.err(`${renderCheckReport(check)}\n\ndrill: no complete chain, so nothing would reach a person; nothing was created. Fix what check reports above, then drill again.`);
    return EXIT.nonCompliant;
  }
  if (chain.readInAccount) {
    throw new UsageError(
      `the complete chain is in trail owner account ${chain.readInAccount}: run the drill there, with that account's credentials (its log group, alarm and topic are read and subscribed to there)`,
    );
  }
  const aws = deps.aws?.(options) ?? new SdkDrillAws(options);
  const { region: alarmRegion, name: alarmName } = alarmOf(chain.alarmArn!);
  const alarm = await aws.alarm(alarmRegion, alarmName);
  if (!alarm) throw new Error(`alarm ${alarmName} in ${alarmRegion}, which check just found, no longer exists (DescribeAlarms)`);
  const target = drillTarget(chain, check.accountId, alarm);
  if (target.alarmState === 'ALARM') {
    const since = target.alarmStateSince ? ` since ${target.alarmStateSince.toISOString()}` : '';
    io.err(
      `drill: alarm ${alarmName} is already in ALARM${since}, so a change now would notify nobody: an alarm notifies on a state change. ` +
        'Wait until it is OK or INSUFFICIENT_DATA again (after a period without matching events), then drill. Nothing was created.',
    );
    return EXIT.nonCompliant;
  }
  const names = drillNames(deps.suffix?.() ?? randomBytes(6).toString('hex'), target);
  say(planText(target, names, timeoutSeconds, await earlierLeftovers(aws, target)));

  if (values.yes !== true) {
    if (!deps.confirm && !process.stdin.isTTY) {
      throw new UsageError(`drill changes the account and notifies your team: pass --yes to run it without a terminal\nusage: ${usage}`);
    }
    if (!(await (deps.confirm ?? askOnTerminal)('Run the drill?'))) {
      io.err('drill cancelled: nothing was created.');
      return EXIT.error;
    }
  }

  const interrupt = new AbortController();
  const onInterrupt = () => {
    io.err(interrupt.signal.aborted ? 'drill: still cleaning up; the leftovers, if any, are listed at the end' : 'drill: interrupted; cleaning up');
    interrupt.abort();
  };
  process.on('SIGINT', onInterrupt);
  deps.signal?.addEventListener('abort', onInterrupt, { once: true });
  try {
    const result = await runDrill(
      target,
      names,
      { timeoutSeconds, pollSeconds: deps.pollSeconds, settleSeconds: deps.settleSeconds },
      { aws, clock: deps.clock ?? systemClock, progress: say, signal: interrupt.signal },
    );
    io.out(format === 'json' ? resultJson(result) : renderReport(result, target, trailNameOf(target)));
    if (result.ended === 'error') {
      io.err(`s3-policy-watch drill: ${result.error}`);
      return EXIT.error;
    }
    if (result.ended === 'interrupted') return EXIT_INTERRUPTED;
    return result.result === 'delivered' ? EXIT.ok : EXIT.nonCompliant;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}
