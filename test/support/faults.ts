import type { SandboxAccount } from '../../cli/sandbox-account';
import { runCli } from './cli';
import type { FaultCounts } from './fault-proxy';

/**
 * What the fault and bad-input tests share with the fault benchmark (bench/faults.ts): the accounts `check` runs
 * on, how a run under injected faults is judged, and the hostile content of an account the rule does not control.
 */

/** Every API the rule reads with (rule/gather.ts), without TrailOwnerReadRoleName. */
export const RULE_APIS = [
  'GetCallerIdentity',
  'DescribeTrails',
  'GetTrailStatus',
  'GetEventSelectors',
  'DescribeMetricFilters',
  'DescribeAlarmsForMetric',
  'DescribeAlarms',
  'ListSubscriptionsByTopic',
  'GetTopicAttributes',
] as const;

/** The two accounts faults are injected on; the non-compliant one breaks at the last link, so every API is read. */
export const FAULT_SCENARIOS = {
  compliant: { exitCode: 0, build: (account: SandboxAccount) => account.chain() },
  nonCompliant: { exitCode: 1, build: (account: SandboxAccount) => account.chain({ topic: { emails: [] } }) },
} as const;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * right: the verdict and report of the fault-free run. error: exit 2 naming an API that was faulted in the run,
 * and the region. unclear: exit 2 with any other message. wrong: a verdict (or report) that differs.
 */
export type RunOutcome = 'right' | 'error' | 'unclear' | 'wrong';

/** `s3-policy-watch check: DescribeTrails failed in us-east-1 for all trails ...` */
const API_FAILURE = /^s3-policy-watch check: (\w+) failed in ([a-z0-9-]+) for /;

/** `s3-policy-watch check --format json` as a user runs it (default retries), through the fault proxy. */
export function checkThrough(endpoint: string, region: string): Promise<CliRun> {
  return runCli(['check', '--region', region, '--endpoint-url', endpoint, '--format', 'json']);
}

/** The APIs the proxy injected an error (not merely a slow answer) into. */
export function faultedApis(counts: FaultCounts): string[] {
  return Object.entries(counts.injected)
    .filter(([, byKind]) => Object.entries(byKind).some(([kind, n]) => kind !== 'slow' && (n ?? 0) > 0))
    .map(([api]) => api);
}

/**
 * Judges one `check --format json` run made under faults against the fault-free run of the same account.
 * `faulted`: the APIs the proxy injected an error into during the run.
 */
export function judgeRun(baseline: CliRun, run: CliRun, faulted: readonly string[], region: string): { outcome: RunOutcome; detail: string } {
  if (run.code === 2) {
    const failure = API_FAILURE.exec(run.stderr);
    if (failure && faulted.includes(failure[1]!) && failure[2] === region) return { outcome: 'error', detail: failure[1]! };
    return { outcome: 'unclear', detail: run.stderr.trim() };
  }
  if (run.code === baseline.code && run.stdout === baseline.stdout) return { outcome: 'right', detail: '' };
  return { outcome: 'wrong', detail: `exit ${run.code} (fault-free: ${baseline.code}): ${run.stdout.slice(0, 300)}` };
}

/** Tallies of many judged runs. */
export class RunTally {
  readonly counts: Record<RunOutcome, number> = { right: 0, error: 0, unclear: 0, wrong: 0 };
  /** Errors by the API the message named. */
  readonly failedApis: Record<string, number> = {};
  readonly problems: string[] = [];

  add({ outcome, detail }: { outcome: RunOutcome; detail: string }): void {
    this.counts[outcome] += 1;
    if (outcome === 'error') this.failedApis[detail] = (this.failedApis[detail] ?? 0) + 1;
    if (outcome === 'wrong' || outcome === 'unclear') this.problems.push(`${outcome}: ${detail}`);
  }

  get runs(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}

// ---------------------------------------------------------------- hostile content

/** A 1024-character pattern (CloudWatch Logs' limit) that covers both policy events. */
function longCoveringPattern(): string {
  let pattern = '{ ($.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy) && ($.eventSource = s3.amazonaws.com';
  while (pattern.length + 32 <= 1020) pattern += ' || $.eventSource = "s3.amazonaws.com"';
  return `${pattern.padEnd(1021)}) }`;
}

export interface HostileFilter {
  name: string;
  pattern: string;
  /** Each filter publishes a metric of its own, so that each alarm below watches one filter. */
  metricName: string;
  /** What the report must say about it. */
  explained: RegExp;
}

/** Filter patterns found in accounts the rule does not control, and what the report says of each. */
export const HOSTILE_FILTERS: readonly HostileFilter[] = [
  {
    name: 'invalid-pattern',
    pattern: '{ $.eventName = PutBucketPolicy && }',
    metricName: 'Invalid',
    explained: /filter "invalid-pattern" has an invalid pattern \(Invalid filter pattern at position 36 \("}"\): expected a selector/,
  },
  {
    name: 'nested-490',
    pattern: `{${'('.repeat(490)}$.eventName = PutBucketPolicy${')'.repeat(490)}}`,
    metricName: 'Nested',
    explained: /filter "nested-490" covers PutBucketPolicy but not DeleteBucketPolicy/,
  },
  {
    name: 'pathological-regex',
    pattern: `{ ($.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy) && $.userAgent != %${'a*'.repeat(20)}b% }`,
    metricName: 'Regex',
    explained: /filter "pathological-regex" misses PutBucketPolicy records whose user agent is "b"/,
  },
  {
    name: 'ÜberFilter-監視',
    // Not the bucket name: S3 bucket names are ASCII, so excluding a Unicode one excludes nothing (issue 15).
    pattern: '{ ($.eventName = "PutBucketPolicy" || $.eventName = "DeleteBucketPolicy") && $.userAgent != "ünïcödé-agent" }',
    metricName: 'Unicode',
    explained: /filter "ÜberFilter-監視" misses PutBucketPolicy records whose user agent is "ünïcödé-agent"/,
  },
  {
    name: 'over-broad',
    pattern: '{ $.eventName = *BucketPolicy }',
    metricName: 'OverBroad',
    explained: /filter "over-broad" is over-broad: it also matches a GetBucketPolicy record of s3\.amazonaws\.com/,
  },
  {
    name: 'long-1024',
    pattern: longCoveringPattern(),
    metricName: 'Long',
    // Covers both events; its alarm (below) is what breaks.
    explained: /filter "long-1024" matches every PutBucketPolicy or DeleteBucketPolicy record/,
  },
];

export const HOSTILE_NAMESPACE = 'Hostile';
/** The alarms on the long filter's metric: one asks for another unit, one evaluates an expression. */
export const HOSTILE_ALARMS = {
  oddUnit: { name: 'bytes-per-second', explained: /alarm "bytes-per-second" asks for unit Bytes\/Second, but the filter publishes None, so the alarm sees no data/ },
  metricMath: { name: 'metric-math-expression', explained: /alarm "metric-math-expression" evaluates the expression "RATE\(m1\)", not the filter's metric itself/ },
} as const;

/** Trails whose log group ARN the rule cannot follow: other partitions, malformed ARNs. */
export function hostileTrails(accountId: string): { name: string; logGroupArn: string; explained: RegExp }[] {
  return [
    {
      name: 'china',
      logGroupArn: `arn:aws-cn:logs:cn-north-1:${accountId}:log-group:CloudTrail/Default:*`,
      explained: /log group CloudTrail\/Default \(cn-north-1\) is in partition aws-cn, but the trail is in aws: CloudTrail cannot deliver across partitions/,
    },
    {
      name: 'govcloud',
      logGroupArn: `arn:aws-us-gov:logs:us-gov-west-1:${accountId}:log-group:CloudTrail/Default:*`,
      explained: /log group CloudTrail\/Default \(us-gov-west-1\) is in partition aws-us-gov, but the trail is in aws/,
    },
    {
      name: 'no-log-group-name',
      logGroupArn: `arn:aws:logs:us-east-1:${accountId}:log-group`,
      explained: /sends its events to a destination this rule cannot follow: CloudWatch Logs log group ARN "arn:aws:logs:us-east-1:\d{12}:log-group" does not name a log group/,
    },
    {
      name: 'not-an-arn',
      logGroupArn: 'CloudTrail/Default',
      explained: /sends its events to a destination this rule cannot follow: CloudWatch Logs log group ARN "CloudTrail\/Default" is not a valid ARN/,
    },
  ];
}

/** What the report must say of the hostile account's filters, alarms and trails (the foreign topic aside: see below). */
export function hostileExplanations(accountId: string): RegExp[] {
  return [...HOSTILE_FILTERS.map((filter) => filter.explained), ...Object.values(HOSTILE_ALARMS).map((alarm) => alarm.explained), ...hostileTrails(accountId).map((trail) => trail.explained)];
}

/** Another account's topic, which this account may not list (AWS) or cannot see (moto). */
export const FOREIGN_TOPIC_ARN = 'arn:aws:sns:us-east-1:999999999999:central-alerts';

/**
 * Builds the hostile account in moto: the trail `main` with every hostile filter on its log group, the two odd
 * alarms on the long filter's metric, an alarm on the over-broad filter that notifies another account's topic,
 * and the trails of other partitions and malformed ARNs. NON_COMPLIANT, with a reason for everything skipped.
 */
export async function buildHostileAccount(account: SandboxAccount): Promise<void> {
  await account.trail({ name: 'main' });
  for (const filter of HOSTILE_FILTERS) {
    await account.metricFilter({ name: filter.name, pattern: filter.pattern, namespace: HOSTILE_NAMESPACE, metricName: filter.metricName });
  }
  const long = { namespace: HOSTILE_NAMESPACE, metricName: 'Long' };
  await account.alarm({ name: HOSTILE_ALARMS.oddUnit.name, ...long, unit: 'Bytes/Second' });
  await account.alarm({
    name: HOSTILE_ALARMS.metricMath.name,
    metrics: [
      { Id: 'm1', ReturnData: false, MetricStat: { Metric: { Namespace: long.namespace, MetricName: long.metricName }, Period: 300, Stat: 'Sum' } },
      { Id: 'e1', ReturnData: true, Expression: 'RATE(m1)' },
    ],
  });
  await account.alarm({ name: 'foreign-topic', namespace: HOSTILE_NAMESPACE, metricName: 'OverBroad', actions: [FOREIGN_TOPIC_ARN] });
  for (const trail of hostileTrails(account.accountId)) await account.trail({ name: trail.name, logGroupArn: trail.logGroupArn });
}
