import type { ChainReport } from '../../rule/evaluate';
import { parseArn, parseLogGroupArn, parseTopicArn, parseTrailArn } from '../../rule/arn';
import type { DrillAws } from './aws';
import { firstAlarmTransition, parseAlarmNotification, parseTrailRecord, trailRecordPattern } from './messages';
import {
  clockTime,
  DRILL_LINKS,
  DRILL_PREFIX,
  drillBucketPolicy,
  drillQueuePolicy,
  duration,
  linkResults,
  secondsBetween,
  type DrillLinkName,
  type DrillNames,
  type DrillResult,
  type DrillTarget,
  type Leftover,
  type LinkObservation,
} from './plan';

/**
 * Runs a drill against the DrillAws edge: creates the queue, subscription and bucket, makes the change, watches
 * each link until the notification arrives or the timeout passes, and always cleans up and verifies. Time comes
 * from the injected clock, so tests run a fifteen-minute drill in milliseconds.
 */

export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    }),
};

export interface DrillOptions {
  timeoutSeconds: number;
  /** Between two rounds of watching; default 15 s. */
  pollSeconds?: number;
  /** How long deleted resources may still be listed before they count as left over; default 70 s (SQS: up to 60 s). */
  settleSeconds?: number;
}

export interface DrillDeps {
  aws: DrillAws;
  clock: Clock;
  /** One progress line, already time-stamped. */
  progress: (line: string) => void;
  /** Aborted on Ctrl-C: the drill stops watching and cleans up. */
  signal?: AbortSignal;
}

/** The shape of an alarm the drill needs (DescribeAlarms' MetricAlarm, as plain data). */
export interface AlarmFacts {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name?: string; Value?: string }[];
  Period?: number;
  Metrics?: { MetricStat?: { Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] }; Period?: number } }[];
  StateValue?: string;
  StateUpdatedTimestamp?: Date;
  OKActions?: string[];
}

/** An alarm's region and name, from its ARN (`arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME`). */
export function alarmOf(alarmArn: string): { region: string; name: string } {
  const arn = parseArn(alarmArn, 'cloudwatch', 'CloudWatch alarm ARN', 'arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME');
  return { region: arn.region, name: arn.resource.replace(/^alarm:/, '') };
}

/** The drill's target from `check`'s complete chain and the alarm it names; an error says what does not fit. */
export function drillTarget(chain: ChainReport, accountId: string, alarm: AlarmFacts): DrillTarget {
  if (!chain.logGroupArn || !chain.filterName || !chain.alarmArn || !chain.topicArn) {
    throw new Error(`the complete chain from trail ${chain.trailArn} does not name its log group, filter, alarm and topic`);
  }
  const logGroup = parseLogGroupArn(chain.logGroupArn);
  const topic = parseTopicArn(chain.topicArn);
  const dims = (dimensions?: { Name?: string; Value?: string }[]) => Object.fromEntries((dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));
  const metrics = alarm.MetricName
    ? [{ namespace: alarm.Namespace ?? '', name: alarm.MetricName, dimensions: dims(alarm.Dimensions) }]
    : (alarm.Metrics ?? []).flatMap((query) =>
        query.MetricStat?.Metric?.MetricName
          ? [{ namespace: query.MetricStat.Metric.Namespace ?? '', name: query.MetricStat.Metric.MetricName, dimensions: dims(query.MetricStat.Metric.Dimensions) }]
          : [],
      );
  if (metrics.length === 0) {
    throw new Error(`alarm ${alarmOf(chain.alarmArn).name} watches no metric the drill can read with GetMetricData (a query without a MetricStat)`);
  }
  return {
    accountId,
    partition: logGroup.partition,
    trailArn: chain.trailArn,
    region: logGroup.region,
    logGroupName: logGroup.name,
    filterName: chain.filterName,
    alarmName: alarmOf(chain.alarmArn).name,
    topicArn: topic.arn,
    topicRegion: topic.region,
    metrics,
    alarmPeriod: alarm.Period ?? alarm.Metrics?.find((q) => q.MetricStat?.Period)?.MetricStat?.Period ?? 300,
    alarmState: alarm.StateValue ?? 'unknown',
    ...(alarm.StateUpdatedTimestamp ? { alarmStateSince: alarm.StateUpdatedTimestamp } : {}),
    notifiesOnOk: (alarm.OKActions ?? []).includes(topic.arn),
  };
}

export function trailNameOf(target: DrillTarget): string {
  return parseTrailArn(target.trailArn).name;
}

/** The AWS CLI command that removes a resource the drill left. */
export function removalCommand(resource: Leftover['resource'], id: string, region: string): string {
  switch (resource) {
    case 'bucket':
      return `aws s3api delete-bucket --bucket ${id} --region ${region}`;
    case 'queue':
      return `aws sqs delete-queue --queue-url ${id} --region ${region}`;
    case 'subscription':
      return `aws sns unsubscribe --subscription-arn ${id} --region ${region}`;
  }
}

/** Resources earlier drills left in the account: listed in the plan, never touched. */
export async function earlierLeftovers(aws: DrillAws, target: DrillTarget): Promise<Leftover[]> {
  const reason = 'left by an earlier drill';
  const queueArnPrefix = `arn:${target.partition}:sqs:${target.topicRegion}:${target.accountId}:${DRILL_PREFIX}`;
  const [buckets, queues, subscriptions] = await Promise.all([aws.drillBuckets(), aws.drillQueues(target.topicRegion), aws.topicSubscriptions(target.topicArn)]);
  return [
    ...buckets.map((id) => ({ resource: 'bucket' as const, id, reason, command: `aws s3 rb s3://${id}` })),
    ...queues.map((id) => ({ resource: 'queue' as const, id, reason, command: removalCommand('queue', id, target.topicRegion) })),
    ...subscriptions
      .filter((s) => s.endpoint.startsWith(queueArnPrefix))
      .map((s) => ({ resource: 'subscription' as const, id: s.arn, reason, command: removalCommand('subscription', s.arn, target.topicRegion) })),
  ];
}

class Interrupted extends Error {}

/** What the drill attempted to create: cleanup looks for these by name, whether or not the call answered. */
interface Ledger {
  queue: boolean;
  queueUrl?: string;
  subscription: boolean;
  bucket: boolean;
}

const RECORD_LOOKBACK_MS = 5 * 60_000;
const SETTLE_STEP_MS = 5_000;

export async function runDrill(target: DrillTarget, names: DrillNames, options: DrillOptions, deps: DrillDeps): Promise<DrillResult> {
  const { aws, clock, signal } = deps;
  const say = (text: string) => deps.progress(`[${clockTime(clock.now())}] ${text}`);
  const checkpoint = () => {
    if (signal?.aborted) throw new Interrupted();
  };
  const started = clock.now();
  const ledger: Ledger = { queue: false, subscription: false, bucket: false };
  const observations: Partial<Record<DrillLinkName, LinkObservation>> = {};
  let changeAt: Date | undefined;
  let ended: DrillResult['ended'] = 'timeout';
  let error: string | null = null;

  try {
    ledger.queue = true;
    ledger.queueUrl = await aws.createQueue(target.topicRegion, names.queue, drillQueuePolicy(names.queueArn, target.topicArn));
    say(`created queue ${names.queue} (only ${target.topicArn} may send to it)`);
    checkpoint();
    ledger.subscription = true;
    const subscriptionArn = await aws.subscribe(target.topicArn, names.queueArn);
    if (!subscriptionArn.startsWith('arn:')) {
      throw new Error(`the queue's subscription to ${target.topicArn} is "${subscriptionArn}": the queue could not be subscribed without a confirmation`);
    }
    say(`subscribed it to the alarm's topic (${subscriptionArn})`);
    checkpoint();
    ledger.bucket = true;
    await aws.createBucket(target.region, names.bucket);
    await aws.blockPublicAccess(target.region, names.bucket);
    await aws.tagBucket(target.region, names.bucket);
    say(`created bucket ${names.bucket}: private, Block Public Access on, tagged`);
    checkpoint();
    changeAt = clock.now();
    await aws.putBucketPolicy(target.region, names.bucket, drillBucketPolicy(names.bucket, target.partition));
    say(`THE CHANGE: PutBucketPolicy on ${names.bucket} (Deny-only); watching for ${duration(options.timeoutSeconds)}`);
    await aws.deleteBucketPolicy(target.region, names.bucket);
    await aws.deleteBucket(target.region, names.bucket);
    say(`deleted the policy and the bucket (DeleteBucketPolicy is a second change the filter sees)`);
    ended = await watch(target, names, options, deps, ledger.queueUrl, changeAt, started, observations, say);
  } catch (caught) {
    if (caught instanceof Interrupted) {
      ended = 'interrupted';
    } else {
      ended = 'error';
      error = caught instanceof Error ? caught.message : String(caught);
      say(`ERROR: ${error}`);
    }
  }

  say('cleaning up');
  const leftovers = await cleanUp(target, names, ledger, options.settleSeconds ?? 70, deps, say);
  const links = linkResults(observations, changeAt);
  const delivered = ended === 'delivered';
  return {
    result: delivered ? 'delivered' : 'not-delivered',
    links,
    leftovers,
    firstMissing: delivered || !changeAt ? null : (links.find((link) => link.status === 'not-fired')?.link ?? null),
    ended,
    error,
    accountId: target.accountId,
    region: target.region,
    bucket: names.bucket,
    queue: names.queue,
    alarmName: target.alarmName,
    topicArn: target.topicArn,
    changeAt: changeAt?.toISOString() ?? null,
    timeoutSeconds: options.timeoutSeconds,
    apiCalls: aws.apiCalls,
  };
}

/**
 * Watches until the notification arrives, the timeout passes or Ctrl-C. Each round asks for the next link in
 * order (a metric datapoint before the record is seen would mean nothing) and always for the notification, the
 * proof that matters; once it is there, the links not yet seen are asked for once more.
 */
async function watch(
  target: DrillTarget,
  names: DrillNames,
  options: DrillOptions,
  deps: DrillDeps,
  queueUrl: string,
  changeAt: Date,
  started: Date,
  observations: Partial<Record<DrillLinkName, LinkObservation>>,
  say: (text: string) => void,
): Promise<DrillResult['ended']> {
  const { aws, clock, signal } = deps;
  const deadline = changeAt.getTime() + options.timeoutSeconds * 1000;
  const pollMs = (options.pollSeconds ?? 15) * 1000;
  const ignored = new Set<string>();
  let lastWaitNote = changeAt.getTime();

  const look: Record<DrillLinkName, () => Promise<LinkObservation | undefined>> = {
    'trail-record': async () => {
      const events = await aws.trailRecords(target.region, target.logGroupName, trailRecordPattern(names.bucket), new Date(changeAt.getTime() - RECORD_LOOKBACK_MS));
      const record = events.map((event) => parseTrailRecord(event, names.bucket)).find((r) => r !== undefined);
      return record && { at: record.ingestedAt, clock: 'aws', detail: `record ${record.eventId} ingested at ${clockTime(record.ingestedAt)}` };
    },
    'metric-datapoint': async () => {
      const minute = Math.floor(changeAt.getTime() / 60_000) * 60_000;
      const now = clock.now();
      const points = await aws.metricSampleCounts(target.region, target.metrics, new Date(minute - 60_000), new Date(now.getTime() + 60_000));
      const point = points.filter((p) => p.count > 0).sort((a, b) => a.at.getTime() - b.at.getTime())[0];
      return point && { at: now, clock: 'seen', detail: `datapoint for the minute of ${clockTime(point.at)} (first seen at ${clockTime(now)})` };
    },
    'alarm-state': async () => {
      const since = new Date(started.getTime() - 60_000);
      const transition = firstAlarmTransition(await aws.alarmHistory(target.region, target.alarmName, since), since);
      return transition && { at: transition.at, clock: 'aws', detail: `${transition.from} -> ALARM at ${clockTime(transition.at)}` };
    },
    notification: async () => {
      for (const message of await aws.receive(target.topicRegion, queueUrl)) {
        const notification = parseAlarmNotification(message.body, target.topicArn);
        if ('ignored' in notification) {
          if (!ignored.has(notification.ignored)) say(`(ignored a message on the queue: ${notification.ignored})`);
          ignored.add(notification.ignored);
          continue;
        }
        if (notification.alarmName !== target.alarmName || notification.newState !== 'ALARM') {
          const note = `${notification.alarmName} ${notification.oldState} -> ${notification.newState}`;
          if (!ignored.has(note)) say(`(the topic also carried: ${note})`);
          ignored.add(note);
          continue;
        }
        const at = message.sentAt ?? notification.publishedAt ?? clock.now();
        return { at, clock: message.sentAt || notification.publishedAt ? 'aws' : 'seen', detail: `"${notification.subject}" sent at ${clockTime(at)}` };
      }
      return undefined;
    },
  };

  const observe = async (link: DrillLinkName) => {
    if (observations[link]) return true;
    const seen = await look[link]();
    if (!seen) return false;
    observations[link] = seen;
    say(`${link} fired, ${duration(secondsBetween(changeAt, seen.at))} after the change: ${seen.detail}`);
    return true;
  };

  for (;;) {
    for (const { link } of DRILL_LINKS.slice(0, -1)) {
      if (!(await observe(link))) break;
    }
    if (await observe('notification')) {
      for (const { link } of DRILL_LINKS) await observe(link);
      return 'delivered';
    }
    if (signal?.aborted) return 'interrupted';
    const now = clock.now().getTime();
    if (now >= deadline) return 'timeout';
    if (now - lastWaitNote >= 60_000) {
      const next = DRILL_LINKS.find(({ link }) => !observations[link])!.link;
      say(`waiting for ${next} (${duration((now - changeAt.getTime()) / 1000)} of ${duration(options.timeoutSeconds)})`);
      lastWaitNote = now;
    }
    await clock.sleep(Math.min(pollMs, deadline - now), signal);
  }
}

/**
 * Removes what the drill attempted to create, found by name (a call whose answer was lost may still have created
 * it), then checks by name until nothing is listed or `settleSeconds` pass. Never touches anything else.
 */
async function cleanUp(
  target: DrillTarget,
  names: DrillNames,
  ledger: Ledger,
  settleSeconds: number,
  deps: DrillDeps,
  say: (text: string) => void,
): Promise<Leftover[]> {
  const { aws, clock } = deps;
  const failures = new Map<string, Leftover>();
  const leftover = (resource: Leftover['resource'], id: string, region: string, reason: string) =>
    failures.set(`${resource}:${id}`, { resource, id, reason, command: removalCommand(resource, id, region) });
  const attempt = async (resource: Leftover['resource'], id: string, region: string, remove: () => Promise<unknown>) => {
    try {
      await remove();
      say(`removed ${resource} ${id}`);
    } catch (caught) {
      leftover(resource, id, region, caught instanceof Error ? caught.message : String(caught));
    }
  };

  /** What of the drill's is still there, by name; a lookup that fails counts as there (unverified). */
  const present = async () => {
    const found: { resource: Leftover['resource']; id: string; region: string; reason?: string }[] = [];
    const probe = async (resource: Leftover['resource'], id: string, region: string, exists: () => Promise<string[] | boolean>) => {
      try {
        const answer = await exists();
        if (answer === true) found.push({ resource, id, region });
        if (Array.isArray(answer)) for (const arn of answer) found.push({ resource, id: arn, region });
      } catch (caught) {
        found.push({ resource, id, region, reason: `could not check: ${caught instanceof Error ? caught.message : String(caught)}` });
      }
    };
    if (ledger.subscription) {
      await probe('subscription', `on ${target.topicArn}`, target.topicRegion, async () =>
        (await aws.topicSubscriptions(target.topicArn)).filter((s) => s.endpoint === names.queueArn).map((s) => s.arn),
      );
    }
    if (ledger.queue) {
      await probe('queue', names.queue, target.topicRegion, async () => {
        const url = await aws.queueUrl(target.topicRegion, names.queue);
        return url ? [url] : false;
      });
    }
    if (ledger.bucket) await probe('bucket', names.bucket, target.region, () => aws.bucketExists(target.region, names.bucket));
    return found;
  };

  for (const item of await present()) {
    if (item.reason) {
      leftover(item.resource, item.id, item.region, item.reason);
    } else if (item.resource === 'subscription') {
      await attempt('subscription', item.id, item.region, () => aws.unsubscribe(target.topicArn, item.id));
    } else if (item.resource === 'queue') {
      await attempt('queue', item.id, item.region, () => aws.deleteQueue(target.topicRegion, item.id));
    } else {
      await attempt('bucket', item.id, item.region, async () => {
        await aws.deleteBucketPolicy(target.region, item.id);
        await aws.deleteBucket(target.region, item.id);
      });
    }
  }

  // Deletion takes effect within a minute (SQS: "up to 60 seconds"); until then a lookup may still find it. What
  // could not be deleted is not waited for; what a failed call deleted all the same is not reported.
  const key = (item: { resource: string; id: string }) => `${item.resource}:${item.id}`;
  const settleUntil = clock.now().getTime() + settleSeconds * 1000;
  let remaining = await present();
  while (remaining.some((item) => !item.reason && !failures.has(key(item))) && clock.now().getTime() < settleUntil) {
    await clock.sleep(SETTLE_STEP_MS);
    remaining = await present();
  }
  return remaining.map(
    (item) =>
      failures.get(key(item)) ?? {
        resource: item.resource,
        id: item.id,
        reason: item.reason ?? `still there ${settleSeconds} s after it was deleted`,
        command: removalCommand(item.resource, item.id, item.region),
      },
  );
}
