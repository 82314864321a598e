import type { DrillAws } from '../../cli/drill/aws';
import { drillNames, renderReport, type DrillTarget } from '../../cli/drill/plan';
import { runDrill, type Clock } from '../../cli/drill/run';

/**
 * Cleanup's verification against a stand-in edge, on the timings AWS documents: a deleted queue may still be found
 * for up to 60 seconds (DeleteQueue), a deleted bucket may still be listed for a moment (S3 consistency model).
 * What disappears within the settle window is not a leftover; what stays is, with the command that removes it.
 */

const TARGET: DrillTarget = {
  accountId: '111122223333',
  partition: 'aws',
  trailArn: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/main',
  region: 'eu-west-1',
  logGroupName: 'CloudTrail/Default',
  filterName: 's3-policy',
  alarmName: 's3-policy-alarm',
  topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
  topicRegion: 'eu-west-1',
  metrics: [{ namespace: 'CloudTrailMetrics', name: 'S3BucketPolicyChanges', dimensions: {} }],
  alarmPeriod: 300,
  alarmState: 'OK',
  notifiesOnOk: false,
};
const NAMES = drillNames('a1b2c3d4e5f6', TARGET);
const QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/111122223333/${NAMES.queue}`;

function clock(): Clock {
  let now = Date.parse('2026-11-30T12:00:00Z');
  return { now: () => new Date(now), sleep: async (ms) => void (now += ms) };
}

/** An account where a deleted queue is still found for `queueLingers` ms after DeleteQueue. */
function account(time: Clock, queueLingers: number): DrillAws {
  let calls = 0;
  let queueDeletedAt: number | undefined;
  let bucket = false;
  let subscribed = false;
  const count = <T>(value: T) => ((calls += 1), Promise.resolve(value));
  return {
    get apiCalls() {
      return calls;
    },
    alarm: () => count(undefined),
    drillBuckets: () => count([]),
    drillQueues: () => count([]),
    createQueue: () => count(QUEUE_URL),
    subscribe: () => ((subscribed = true), count(`${TARGET.topicArn}:sub-1`)),
    createBucket: () => ((bucket = true), count(undefined)),
    blockPublicAccess: () => count(undefined),
    tagBucket: () => count(undefined),
    putBucketPolicy: () => count(undefined),
    deleteBucketPolicy: () => count(undefined),
    deleteBucket: () => ((bucket = false), count(undefined)),
    trailRecords: () => count([]),
    metricSampleCounts: () => count([]),
    alarmHistory: () => count([]),
    receive: () => count([]),
    topicSubscriptions: () => count(subscribed ? [{ arn: `${TARGET.topicArn}:sub-1`, endpoint: NAMES.queueArn }] : []),
    unsubscribe: () => ((subscribed = false), count(undefined)),
    queueUrl: () => count(queueDeletedAt === undefined || time.now().getTime() < queueDeletedAt + queueLingers ? QUEUE_URL : undefined),
    deleteQueue: () => ((queueDeletedAt ??= time.now().getTime()), count(undefined)),
    bucketExists: () => count(bucket),
  };
}

async function drill(queueLingers: number, edit: (aws: DrillAws, interrupt: AbortController) => DrillAws = (aws) => aws) {
  const time = clock();
  const lines: string[] = [];
  const interrupt = new AbortController();
  const aws = edit(account(time, queueLingers), interrupt);
  const result = await runDrill(TARGET, NAMES, { timeoutSeconds: 60 }, { aws, clock: time, progress: (line) => lines.push(line), signal: interrupt.signal });
  return { result, lines };
}

describe('cleanup verification', () => {
  test('a queue still found 45 s after DeleteQueue (AWS: up to 60 s) is waited for, not reported', async () => {
    const { result } = await drill(45_000);
    expect(result.leftovers).toEqual([]);
  });

  test('a queue still found after the 70-second window is a leftover with its delete command', async () => {
    const { result } = await drill(3_600_000);
    expect(result.leftovers).toEqual([
      { resource: 'queue', id: QUEUE_URL, reason: 'still there 70 s after it was deleted', command: `aws sqs delete-queue --queue-url ${QUEUE_URL} --region eu-west-1` },
    ]);
  });

  test('Ctrl-C during set-up: the change is never made, what was made is removed, and the report says nothing was tested', async () => {
    const { result } = await drill(0, (aws, interrupt) => ({
      ...aws,
      get apiCalls() {
        return aws.apiCalls;
      },
      createBucket: async (...args) => (interrupt.abort(), aws.createBucket(...args)),
    }));
    expect(result).toMatchObject({ ended: 'interrupted', changeAt: null, firstMissing: null, leftovers: [] });
    expect(renderReport(result, TARGET, 'main')).toContain('NOT DELIVERED: the drill was interrupted before the change; nothing was tested.');
  });

  test('the timeout path: not delivered, the first link named, the change time and timeout reported', async () => {
    const { result, lines } = await drill(0);
    expect(result).toMatchObject({ result: 'not-delivered', ended: 'timeout', firstMissing: 'trail-record', changeAt: '2026-11-30T12:00:00.000Z', timeoutSeconds: 60 });
    expect(lines.at(-1)).toMatch(/removed queue/);
  });
});
