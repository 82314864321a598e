/**
 * The pure parts of `drill`: what it creates and under which names, the policies it writes, the plan a person
 * confirms, the four links it watches, and the result it reports (text and JSON). No SDK, no I/O.
 */

/** Every resource a drill creates is named with this prefix, then a random suffix. */
export const DRILL_PREFIX = 's3-policy-watch-drill-';
/** The tag on everything a drill creates, so a person (or a tag policy) can tell what it is. */
export const DRILL_TAG = { key: 'created-by', value: 's3-policy-watch drill' } as const;

/** What the drill changes and watches, from `check`'s complete chain and the alarm it names. */
export interface DrillTarget {
  accountId: string;
  partition: string;
  trailArn: string;
  /** The log group's region: the bucket is made there and the log group, metric and alarm are read there. */
  region: string;
  logGroupName: string;
  filterName: string;
  alarmName: string;
  topicArn: string;
  topicRegion: string;
  /** The metric the alarm watches, as GetMetricData queries (one per metric of a metric-math alarm). */
  metrics: AlarmMetric[];
  /** The alarm's period in seconds (its evaluation interval). */
  alarmPeriod: number;
  alarmState: string;
  /** When the alarm entered its current state. */
  alarmStateSince?: Date;
  /** The alarm also notifies when it returns to OK: the team gets a second message. */
  notifiesOnOk: boolean;
}

export interface AlarmMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

/** The names a drill's resources get: one random suffix for the bucket and the queue. */
export interface DrillNames {
  bucket: string;
  queue: string;
  queueArn: string;
}

export function drillNames(suffix: string, target: Pick<DrillTarget, 'partition' | 'topicRegion' | 'accountId'>): DrillNames {
  if (!/^[a-z0-9]{8,20}$/.test(suffix)) throw new Error(`drill name suffix must be 8 to 20 lower-case letters and digits, got "${suffix}"`);
  const name = `${DRILL_PREFIX}${suffix}`;
  return { bucket: name, queue: name, queueArn: `arn:${target.partition}:sqs:${target.topicRegion}:${target.accountId}:${name}` };
}

/**
 * A bucket policy that grants nothing: one Deny of plain-HTTP requests (the AWS-recommended TLS-only statement).
 * It changes nobody's access over TLS, so the drill can delete it and the bucket afterwards.
 */
export function drillBucketPolicy(bucket: string, partition: string): string {
  const arn = `arn:${partition}:s3:::${bucket}`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'S3PolicyWatchDrillDenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
}

/** The queue policy: only the alarm's topic, through the SNS service, may send to the queue. */
export function drillQueuePolicy(queueArn: string, topicArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyTheAlarmTopic',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ],
  });
}

// ---------------------------------------------------------------- links

export type DrillLinkName = 'trail-record' | 'metric-datapoint' | 'alarm-state' | 'notification';

/** The links in the order a change travels them, with what is watched and how. */
export const DRILL_LINKS: readonly { link: DrillLinkName; watches: (target: DrillTarget) => string }[] = [
  { link: 'trail-record', watches: (t) => `the CloudTrail record of the PutBucketPolicy in log group ${t.logGroupName} (FilterLogEvents)` },
  { link: 'metric-datapoint', watches: (t) => `a datapoint of ${t.metrics.map(metricName).join(', ')} from filter "${t.filterName}" (GetMetricData)` },
  { link: 'alarm-state', watches: (t) => `alarm ${t.alarmName} going to ALARM (DescribeAlarmHistory)` },
  { link: 'notification', watches: (t) => `the ALARM notification from topic ${t.topicArn} on the temporary queue (ReceiveMessage)` },
];

export function metricName(metric: AlarmMetric): string {
  const dimensions = Object.entries(metric.dimensions);
  return `${metric.namespace}/${metric.name}${dimensions.length ? `{${dimensions.map(([k, v]) => `${k}=${v}`).join(', ')}}` : ''}`;
}

/** One link's observation: when AWS says it happened (or when the drill first saw it), and what was seen. */
export interface LinkObservation {
  at: Date;
  /** `AWS` when the time is AWS's own timestamp; `seen` when it is when the drill first saw it. */
  clock: 'aws' | 'seen';
  detail: string;
}

export interface LinkResult {
  link: DrillLinkName;
  status: 'fired' | 'not-fired';
  /** From the change (the PutBucketPolicy call) to this link; null when it did not fire. */
  seconds: number | null;
  detail: string;
}

/** A resource the drill created and could not remove (or could not confirm removed). */
export interface Leftover {
  resource: 'bucket' | 'queue' | 'subscription';
  id: string;
  /** Why it is left. */
  reason: string;
  /** The AWS CLI command that removes it. */
  command: string;
}

export interface DrillResult {
  result: 'delivered' | 'not-delivered';
  links: LinkResult[];
  leftovers: Leftover[];
  /** The first link that did not fire, when not delivered. */
  firstMissing: DrillLinkName | null;
  /** Why the drill ended without a delivery: timeout, interrupted, or an AWS error (the message). */
  ended: 'delivered' | 'timeout' | 'interrupted' | 'error';
  error: string | null;
  accountId: string;
  region: string;
  bucket: string;
  queue: string;
  alarmName: string;
  topicArn: string;
  /** When the PutBucketPolicy was sent (ISO 8601); null when the drill stopped before it. */
  changeAt: string | null;
  timeoutSeconds: number;
  /** The drill's own calls, after check's. */
  apiCalls: number;
}

export function linkResults(observations: Partial<Record<DrillLinkName, LinkObservation>>, changeAt: Date | undefined): LinkResult[] {
  return DRILL_LINKS.map(({ link }) => {
    const seen = observations[link];
    if (!seen || !changeAt) return { link, status: 'not-fired', seconds: null, detail: '' };
    return { link, status: 'fired', seconds: secondsBetween(changeAt, seen.at), detail: seen.detail };
  });
}

/** Seconds from a to b, to a tenth; never negative (AWS's clock and this machine's may differ by a moment). */
export function secondsBetween(a: Date, b: Date): number {
  return Math.max(0, Math.round((b.getTime() - a.getTime()) / 100) / 10);
}

/** `4m02s`, `38s`. */
export function duration(seconds: number): string {
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return minutes > 0 ? `${minutes}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}

/** `12:03:04` in UTC: progress lines a person compares with the AWS console's times. */
export function clockTime(at: Date): string {
  return at.toISOString().slice(11, 19);
}

// ---------------------------------------------------------------- plan and report

export function planText(target: DrillTarget, names: DrillNames, timeoutSeconds: number, earlierLeftovers: Leftover[]): string {
  const expected = 300 + target.alarmPeriod * 2;
  const lines = [
    `Fire drill in account ${target.accountId}, region ${target.region}: a bucket policy change, watched link by link.`,
    '',
    'The chain `check` found complete:',
    `  trail ${target.trailArn} -> log group ${target.logGroupName} -> filter "${target.filterName}"`,
    `  -> alarm ${target.alarmName} (now ${target.alarmState}) -> topic ${target.topicArn}`,
    '',
    'It will create, and remove at the end (also on failure, timeout and Ctrl-C):',
    `  1. SQS queue ${names.queue} in ${target.topicRegion} (encrypted, tagged ${DRILL_TAG.key}=${DRILL_TAG.value}), whose policy admits only the`,
    `     topic above, subscribed to that topic: the drill sees the notification there, without touching your endpoints`,
    `  2. S3 bucket ${names.bucket} in ${target.region}: private, Block Public Access on, tagged the same`,
    '  3. a bucket policy on it that grants nothing (one Deny of non-TLS requests), then delete that policy, then the bucket',
    'It modifies nothing it did not create.',
    '',
    `Then it watches, for at most ${duration(timeoutSeconds)}:`,
    ...DRILL_LINKS.map(({ watches }, index) => `  ${index + 1}. ${watches(target)}`),
    '',
    `Your team's subscribers to the topic will receive ONE REAL ALARM notification for ${target.alarmName}` +
      (target.notifiesOnOk ? ', and an OK notification when the alarm recovers.' : '.'),
    `The alarm must be back to OK or INSUFFICIENT_DATA before a second drill can be observed (missing data after one`,
    `period of ${target.alarmPeriod} s usually brings it back). CloudTrail usually delivers to CloudWatch Logs within`,
    `about 5 minutes; a healthy chain typically notifies within ${duration(expected)}.`,
  ];
  if (timeoutSeconds < expected) {
    lines.push(`Note: --timeout ${timeoutSeconds} is shorter than that; a healthy chain may be reported as not delivered.`);
  }
  if (earlierLeftovers.length > 0) {
    lines.push('', 'Resources of earlier drills are still in the account (this drill leaves them alone; they may belong to a drill running now):');
    for (const leftover of earlierLeftovers) lines.push(`  ${leftover.resource} ${leftover.id}: remove with ${leftover.command}`);
  }
  return lines.join('\n');
}

/** What a person checks when a link did not fire, in the order a change travels. */
export function missingLinkAdvice(link: DrillLinkName, target: DrillTarget, trailName: string): string {
  switch (link) {
    case 'trail-record':
      return (
        `CloudTrail did not deliver the PutBucketPolicy record to ${target.logGroupName}. Check the trail's CloudWatch Logs delivery ` +
        `(aws cloudtrail get-trail-status --name ${trailName}: LatestCloudWatchLogsDeliveryError) and the role it delivers with.`
      );
    case 'metric-datapoint':
      return (
        `The record reached the log group but filter "${target.filterName}" published no datapoint: its pattern does not match the ` +
        `record as CloudWatch Logs sees it. Try the pattern on that record (its event id is above) with aws logs test-metric-filter.`
      );
    case 'alarm-state':
      return (
        `The metric rose but ${target.alarmName} did not go to ALARM: check its statistic, threshold, period (${target.alarmPeriod} s) ` +
        `and datapoints to alarm; an alarm evaluates at the end of each period.`
      );
    case 'notification':
      return (
        `${target.alarmName} went to ALARM but no notification reached the queue: check that the topic's policy lets ` +
        `cloudwatch.amazonaws.com publish, that its KMS key (if any) lets CloudWatch use it, and the alarm's action history ` +
        `(aws cloudwatch describe-alarm-history --alarm-name ${target.alarmName} --history-item-type Action).`
      );
  }
}

export function renderReport(result: DrillResult, target: DrillTarget, trailName: string): string {
  const lines: string[] = [];
  const notification = result.links.find((link) => link.link === 'notification');
  if (result.result === 'delivered') {
    lines.push(`DELIVERED: the bucket policy change reached topic ${result.topicArn} in ${duration(notification!.seconds!)}.`);
  } else if (result.ended === 'error') {
    lines.push(`NOT DELIVERED: the drill stopped on an error: ${result.error}`);
  } else if (!result.firstMissing) {
    lines.push('NOT DELIVERED: the drill was interrupted before the change; nothing was tested.');
  } else {
    const why = result.ended === 'interrupted' ? 'the drill was interrupted' : `nothing more happened within ${duration(result.timeoutSeconds)}`;
    lines.push(`NOT DELIVERED: ${why}; the first link that did not fire is ${result.firstMissing}.`);
  }
  if (result.changeAt) {
    lines.push('', `Seconds from the change (PutBucketPolicy on ${result.bucket} at ${result.changeAt}):`);
    for (const link of result.links) {
      const time = link.seconds === null ? '-' : duration(link.seconds);
      lines.push(`  ${link.link.padEnd(17)} ${link.status.padEnd(10)} ${time.padStart(6)}  ${link.detail}`.trimEnd());
    }
  }
  if (result.firstMissing && result.ended === 'timeout') lines.push('', missingLinkAdvice(result.firstMissing, target, trailName));
  lines.push('');
  if (result.leftovers.length === 0) {
    lines.push('Cleanup: everything the drill created is removed (checked by name).');
  } else {
    lines.push('Cleanup INCOMPLETE: these resources of the drill are still in the account:');
    for (const leftover of result.leftovers) lines.push(`  ${leftover.resource} ${leftover.id} (${leftover.reason}): ${leftover.command}`);
  }
  if (result.links.some((link) => link.link === 'alarm-state' && link.status === 'fired') || result.result === 'delivered') {
    lines.push(
      `Your team's subscribers received a real ALARM notification for ${result.alarmName}. Wait until the alarm is OK again ` +
        'before another drill.',
    );
  }
  lines.push(`${result.apiCalls} API calls besides check's.`);
  return lines.join('\n');
}

/** The JSON the command prints: the contract fields first (`result`, `links`, `leftovers`), then the context. */
export function resultJson(result: DrillResult): string {
  const { result: outcome, links, leftovers, ...rest } = result;
  return JSON.stringify({ result: outcome, links, leftovers, ...rest }, null, 2);
}
