import { GetBucketPolicyCommand, GetBucketTaggingCommand, GetPublicAccessBlockCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, ListQueueTagsCommand, SQSClient } from '@aws-sdk/client-sqs';
import { run as drill, type DrillCommandDeps } from '../../cli/commands/drill';
import { run as remediate } from '../../cli/commands/remediate';
import { buildDemoAccount, DEMO_EMAIL, DEMO_LOG_GROUP } from '../../cli/demo-scenario';
import { SdkDrillAws, type DrillAws } from '../../cli/drill/aws';
import { DRILL_PREFIX } from '../../cli/drill/plan';
import type { Clock } from '../../cli/drill/run';
import { makeClient, type ClientOptions } from '../../rule/clients';
import { capture } from '../support/cli';
import { TestAccount } from '../support/moto';

/**
 * `drill` on moto, in the demo's account. moto runs the S3, SQS and SNS steps for real but never delivers
 * CloudTrail records to CloudWatch Logs nor evaluates filters or alarms, so every drill here ends without a
 * delivery: what is tested is the plan, the steps, the timeout path, and that cleanup leaves nothing behind,
 * whatever step fails. (ids 4111000000xx)
 */

const TOPIC = 's3-policy-watch-alerts';

/** The demo account after `demo`'s remediation: COMPLIANT, so the drill runs. */
async function remediatedDemoAccount(id: string): Promise<TestAccount> {
  const account = new TestAccount(id);
  await buildDemoAccount(account);
  const code = await remediate(['--region', account.region, '--log-group-name', DEMO_LOG_GROUP, '--notification-email', DEMO_EMAIL], capture(), account.options());
  expect(code).toBe(0);
  return account;
}

/** A clock that never waits: each sleep moves time on. */
function instantClock(): Clock {
  let now = Date.parse('2026-11-30T12:00:00Z');
  return { now: () => new Date(now), sleep: async (ms) => void (now += ms) };
}

async function runDrill(account: TestAccount, argv: string[], deps: DrillCommandDeps = {}) {
  const io = capture();
  const started = Date.now();
  const code = await drill(['--region', account.region, '--yes', ...argv], io, account.options(), { settleSeconds: 5, ...deps });
  return { code, stdout: io.stdout, stderr: io.stderr, ms: Date.now() - started };
}

/** What of a drill is in the account, by listing (not by the drill's own lookups). */
async function drillResources(account: TestAccount) {
  const { s3, sns } = account.clients();
  const sqs = makeClient(SQSClient, account.options());
  const buckets = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!).filter((name) => name.startsWith(DRILL_PREFIX));
  const queues = (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: DRILL_PREFIX }))).QueueUrls ?? [];
  const topicArn = ((await sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn!).find((arn) => arn.endsWith(`:${TOPIC}`))!;
  const subscriptions = ((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? []).filter((s) =>
    s.Endpoint?.includes(`:${DRILL_PREFIX}`),
  );
  return { buckets, queues, subscriptions: subscriptions.map((s) => s.SubscriptionArn!), topicArn };
}

describe('drill on the demo account before remediation', () => {
  test('stops at check with exit 1, says what is missing, and creates nothing', async () => {
    const account = new TestAccount('411100000001');
    await buildDemoAccount(account);
    const { code, stdout, stderr } = await runDrill(account, []);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('NON_COMPLIANT');
    expect(stderr).toContain('filter "s3-bucket-policy-changes" matches no PutBucketPolicy or DeleteBucketPolicy record');
    expect(stderr).toContain('no complete chain');
    const { buckets, queues } = await drillResources(account).catch(() => ({ buckets: [], queues: [] }));
    expect({ buckets, queues }).toEqual({ buckets: [], queues: [] });
  });
});

describe('drill --yes on the remediated demo account', () => {
  let account: TestAccount;
  beforeAll(async () => {
    account = await remediatedDemoAccount('411100000002');
  });

  test('ends with exit 1 within --timeout, names the first link that did not fire, and leaves nothing (checked by listing)', async () => {
    const { code, stdout, stderr, ms } = await runDrill(account, ['--timeout', '3'], { pollSeconds: 1 });
    expect(stderr).toBe('');
    expect(code).toBe(1);
    // The timeout counts from the change; check, set-up and cleanup on moto add well under 5 s.
    expect(ms).toBeLessThan(3_000 + 5_000);
    expect(stdout).toContain('NOT DELIVERED: nothing more happened within 3s; the first link that did not fire is trail-record.');
    expect(stdout).toContain('CloudTrail did not deliver the PutBucketPolicy record to CloudTrail/Default');
    expect(stdout).toMatch(/\[\d\d:\d\d:\d\d\] THE CHANGE: PutBucketPolicy on s3-policy-watch-drill-[0-9a-f]{12}/);
    expect(stdout).toContain('ONE REAL ALARM notification for s3-policy-watch-bucket-policy-changes');
    expect(stdout).toContain('Cleanup: everything the drill created is removed');
    const left = await drillResources(account);
    expect(left).toEqual({ buckets: [], queues: [], subscriptions: [], topicArn: left.topicArn });
  });

  test('--format json: result, links and leftovers on stdout, the plan and progress on stderr', async () => {
    const { code, stdout, stderr } = await runDrill(account, ['--timeout', '120', '--format', 'json'], { clock: instantClock() });
    expect(code).toBe(1);
    const result = JSON.parse(stdout);
    expect(result.result).toBe('not-delivered');
    expect(result.links).toEqual([
      { link: 'trail-record', status: 'not-fired', seconds: null, detail: '' },
      { link: 'metric-datapoint', status: 'not-fired', seconds: null, detail: '' },
      { link: 'alarm-state', status: 'not-fired', seconds: null, detail: '' },
      { link: 'notification', status: 'not-fired', seconds: null, detail: '' },
    ]);
    expect(result.leftovers).toEqual([]);
    expect(result.firstMissing).toBe('trail-record');
    expect(stderr).toContain('It modifies nothing it did not create.');
    expect(stderr).toContain('waiting for trail-record');
  });

  test('Ctrl-C while watching: the drill cleans up and exits 130', async () => {
    const interrupt = new AbortController();
    const clock = instantClock();
    // The first wait of the watch is where the person presses Ctrl-C.
    const pressCtrlC: Clock = { now: clock.now, sleep: async (ms) => (interrupt.abort(), clock.sleep(ms)) };
    const { code, stdout, stderr } = await runDrill(account, ['--timeout', '600'], { clock: pressCtrlC, signal: interrupt.signal });
    expect(code).toBe(130);
    expect(stderr).toContain('drill: interrupted; cleaning up');
    expect(stdout).toContain('NOT DELIVERED: the drill was interrupted; the first link that did not fire is trail-record.');
    expect(stdout).toContain('Cleanup: everything the drill created is removed');
    expect(await drillResources(account)).toMatchObject({ buckets: [], queues: [], subscriptions: [] });
  });

  test('the steps as moto records them: a private tagged bucket with a Deny-only policy, an encrypted queue only the topic may send to, an sqs subscription', async () => {
    const seen: Record<string, unknown> = {};
    const { s3, sns } = account.clients();
    const sqs = makeClient(SQSClient, account.options());
    const observing = (options: ClientOptions): DrillAws => {
      const real = new SdkDrillAws(options);
      return new Proxy(real, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property === 'putBucketPolicy') {
            return async (region: string, bucket: string, policy: string) => {
              await value.call(target, region, bucket, policy);
              seen.policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!);
              seen.publicAccessBlock = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration;
              seen.bucketTags = (await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet;
            };
          }
          if (property === 'subscribe') {
            return async (topicArn: string, queueArn: string) => {
              const arn = await value.call(target, topicArn, queueArn);
              const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queueArn.split(':').pop() }))).QueueUrl!;
              const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!;
              seen.queuePolicy = JSON.parse(attributes.Policy!);
              seen.queueEncrypted = attributes.SqsManagedSseEnabled;
              seen.queueTags = (await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags;
              seen.subscription = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }))).Attributes;
              seen.queueArn = queueArn;
              return arn;
            };
          }
          return value;
        },
      });
    };
    expect((await runDrill(account, ['--timeout', '30'], { clock: instantClock(), aws: observing })).code).toBe(1);
    const bucket = String(seen.queueArn).split(':').pop();
    expect(seen.policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'S3PolicyWatchDrillDenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
    expect(seen.publicAccessBlock).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect(seen.bucketTags).toEqual([{ Key: 'created-by', Value: 's3-policy-watch drill' }]);
    const topicArn = (await drillResources(account)).topicArn;
    expect(seen.queuePolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OnlyTheAlarmTopic',
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: seen.queueArn,
          Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
        },
      ],
    });
    expect(seen.queueEncrypted).toBe('true');
    expect(seen.queueTags).toEqual({ 'created-by': 's3-policy-watch drill' });
    expect(seen.subscription).toMatchObject({ Protocol: 'sqs', Endpoint: seen.queueArn, TopicArn: topicArn });
  });

  test('a second drill lists what an interrupted earlier drill left, and leaves it alone', async () => {
    const sqs = makeClient(SQSClient, account.options());
    const { CreateQueueCommand } = await import('@aws-sdk/client-sqs');
    const stray = (await sqs.send(new CreateQueueCommand({ QueueName: `${DRILL_PREFIX}0123456789ab` }))).QueueUrl!;
    const { code, stdout } = await runDrill(account, ['--timeout', '30'], { clock: instantClock() });
    expect(code).toBe(1);
    expect(stdout).toContain(`queue ${stray}: remove with aws sqs delete-queue --queue-url ${stray} --region us-east-1`);
    expect((await drillResources(account)).queues).toEqual([stray]);
    const { DeleteQueueCommand } = await import('@aws-sdk/client-sqs');
    await sqs.send(new DeleteQueueCommand({ QueueUrl: stray }));
  });
});

/** The drill's edge on moto, failing one call: before it reaches AWS, or after (the change made, the answer lost). */
function failing(options: ClientOptions, method: keyof DrillAws, occurrences: number[], when: 'before' | 'after'): DrillAws {
  const real = new SdkDrillAws(options);
  let calls = 0;
  return new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== method || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls += 1;
        if (!occurrences.includes(calls)) return value.apply(target, args);
        const failure = Object.assign(new Error(`injected failure of ${String(method)}`), { name: 'InternalFailure' });
        if (when === 'after') await value.apply(target, args);
        throw failure;
      };
    },
  });
}

describe('cleanup with a failure at each step', () => {
  let account: TestAccount;
  beforeAll(async () => {
    account = await remediatedDemoAccount('411100000003');
  });

  // Set-up and the change: the drill stops with exit 2 naming the failure, and removes what it made.
  const SETUP: [keyof DrillAws, 'before' | 'after'][] = [
    ['createQueue', 'before'],
    ['createQueue', 'after'],
    ['subscribe', 'before'],
    ['subscribe', 'after'],
    ['createBucket', 'before'],
    ['createBucket', 'after'],
    ['blockPublicAccess', 'before'],
    ['tagBucket', 'before'],
    ['putBucketPolicy', 'before'],
    ['putBucketPolicy', 'after'],
    ['deleteBucketPolicy', 'before'],
    ['deleteBucket', 'before'],
    ['trailRecords', 'before'],
    ['receive', 'before'],
  ];
  test.each(SETUP)('%s fails (%s the call): exit 2 naming it, nothing left', async (method, when) => {
    const { code, stdout, stderr } = await runDrill(account, ['--timeout', '60'], { clock: instantClock(), aws: (options) => failing(options, method, [1], when) });
    expect(code).toBe(2);
    expect(stderr).toContain(`s3-policy-watch drill: injected failure of ${method}`);
    expect(stdout).toContain('Cleanup: everything the drill created is removed');
    expect(await drillResources(account)).toMatchObject({ buckets: [], queues: [], subscriptions: [] });
  });

  // Cleanup itself: what it cannot remove is reported with the command that removes it, and nothing else is left.
  test('Unsubscribe fails: the subscription is a leftover with its aws sns unsubscribe command', async () => {
    const { code, stdout } = await runDrill(account, ['--timeout', '60', '--format', 'json'], { clock: instantClock(), aws: (options) => failing(options, 'unsubscribe', [1], 'before') });
    expect(code).toBe(1);
    const { leftovers } = JSON.parse(stdout);
    const left = await drillResources(account);
    expect(left.buckets).toEqual([]);
    expect(left.queues).toEqual([]);
    expect(leftovers).toEqual([
      { resource: 'subscription', id: left.subscriptions[0], reason: expect.stringContaining('injected failure of unsubscribe'), command: `aws sns unsubscribe --subscription-arn ${left.subscriptions[0]} --region us-east-1` },
    ]);
    await account.clients().sns.send(new UnsubscribeCommand({ SubscriptionArn: left.subscriptions[0] }));
    expect((await drillResources(account)).subscriptions).toEqual([]);
  });

  test('DeleteQueue fails: the queue is a leftover with its aws sqs delete-queue command', async () => {
    const { code, stdout } = await runDrill(account, ['--timeout', '60'], { clock: instantClock(), aws: (options) => failing(options, 'deleteQueue', [1], 'before') });
    expect(code).toBe(1);
    const left = await drillResources(account);
    expect(left.queues).toHaveLength(1);
    expect(left.buckets).toEqual([]);
    expect(left.subscriptions).toEqual([]);
    expect(stdout).toContain('Cleanup INCOMPLETE');
    expect(stdout).toContain(`aws sqs delete-queue --queue-url ${left.queues[0]} --region us-east-1`);
    const { DeleteQueueCommand } = await import('@aws-sdk/client-sqs');
    await makeClient(SQSClient, account.options()).send(new DeleteQueueCommand({ QueueUrl: left.queues[0] }));
  });

  test('the bucket survives its deletion during the change and cleanup cannot delete it either: reported with aws s3api delete-bucket', async () => {
    // The first DeleteBucket is the drill's own (after the change), the second cleanup's.
    const aws = (options: ClientOptions) => failing(options, 'deleteBucket', [1, 2], 'before');
    const { code, stdout, stderr } = await runDrill(account, ['--timeout', '60'], { clock: instantClock(), aws });
    expect(code).toBe(2);
    expect(stderr).toContain('injected failure of deleteBucket');
    const left = await drillResources(account);
    expect(left.buckets).toHaveLength(1);
    expect(stdout).toContain(`bucket ${left.buckets[0]} (`);
    expect(stdout).toContain(`aws s3api delete-bucket --bucket ${left.buckets[0]} --region us-east-1`);
    await account.clients().s3.send(new (await import('@aws-sdk/client-s3')).DeleteBucketCommand({ Bucket: left.buckets[0] }));
  });
});
