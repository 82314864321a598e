import { DescribeAlarmHistoryCommand, DescribeAlarmsCommand, GetMetricDataCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueUrlCommand, ListQueuesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run as drill, type DrillCommandDeps } from '../../cli/commands/drill';
import { DRILL_IAM_ACTIONS } from '../../cli/drill/aws';
import type { Clock } from '../../cli/drill/run';
import { capture, runCli } from '../support/cli';
import { alarmNotificationBody } from '../support/drill';
import { awsError, MOCK_ACCOUNT, MOCK_REGION, MOCK_TOPIC_ARN, SEED_ALARM, useSeedChainMocks } from '../support/mock-aws';

/**
 * `drill` against aws-sdk-client-mock, for what moto cannot do: CloudTrail delivering the record to the log group,
 * the filter publishing a datapoint, the alarm going to ALARM and SNS delivering to the queue. The account is the
 * seed chain's; AWS answers as it would a few minutes after the change (CloudTrail typically within about 5
 * minutes), with AWS's own timestamps; the injected clock makes fifteen minutes pass at once.
 */

const START = Date.parse('2026-11-30T12:00:00Z');
const SUFFIX = 'a1b2c3d4e5f6';
const BUCKET = `s3-policy-watch-drill-${SUFFIX}`;
const QUEUE_URL = `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT}/${BUCKET}`;
const QUEUE_ARN = `arn:aws:sqs:${MOCK_REGION}:${MOCK_ACCOUNT}:${BUCKET}`;
const SUBSCRIPTION = `${MOCK_TOPIC_ARN}:5f2c8a3e-7d41-4b9a-9c1e-2a7d3f6b8e01`;
const at = (seconds: number) => new Date(START + seconds * 1000);

/** When each link happens in this account, in seconds after the change. */
interface Timings {
  ingested?: number;
  datapoint?: number;
  alarm?: number;
  sent?: number;
}
const REALISTIC: Timings = { ingested: 242, datapoint: 270, alarm: 305, sent: 312 };

const mocks = useSeedChainMocks();
const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);
afterAll(() => {
  s3.restore();
  sqs.restore();
});

function instantClock(): Clock & { time: number } {
  const clock = { time: START, now: () => new Date(clock.time), sleep: async (ms: number) => void (clock.time += ms) };
  return clock;
}

function trailRecord(): string {
  return JSON.stringify({
    eventVersion: '1.09',
    userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/SecurityAudit/alice` },
    eventTime: '2026-11-30T12:00:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'PutBucketPolicy',
    awsRegion: MOCK_REGION,
    requestParameters: { bucketName: BUCKET, policy: '', Host: `${BUCKET}.s3.amazonaws.com` },
    responseElements: null,
    eventID: '3e5d4c1b-9a8f-4e2d-8c7b-6a5f4e3d2c1b',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: MOCK_ACCOUNT,
    eventCategory: 'Management',
  });
}

/** The account answering as time passes on `clock`. */
function answerAsTimePasses(clock: Clock, timings: Timings, alarmState = 'OK') {
  const after = (seconds: number | undefined) => seconds !== undefined && clock.now().getTime() >= START + seconds * 1000;
  const gone = { queue: false, bucket: false, subscription: false };
  let subscribed = false;
  mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ ...SEED_ALARM, StateValue: alarmState as StateValue, StateUpdatedTimestamp: at(-3600) }] });
  s3.reset();
  s3.on(ListBucketsCommand).resolves({ Buckets: [] });
  s3.on(CreateBucketCommand).resolves({});
  s3.on(PutPublicAccessBlockCommand).resolves({});
  s3.on(PutBucketTaggingCommand).resolves({});
  s3.on(PutBucketPolicyCommand).resolves({});
  s3.on(DeleteBucketPolicyCommand).resolves({});
  s3.on(DeleteBucketCommand).callsFake(async () => void (gone.bucket = true));
  s3.on(HeadBucketCommand).callsFake(async () => {
    if (gone.bucket) throw Object.assign(awsError('NotFound', 'Not Found'), { $metadata: { httpStatusCode: 404 } });
    return {};
  });
  sqs.reset();
  sqs.on(ListQueuesCommand).resolves({});
  sqs.on(CreateQueueCommand).resolves({ QueueUrl: QUEUE_URL });
  sqs.on(DeleteQueueCommand).callsFake(async () => void (gone.queue = true));
  sqs.on(GetQueueUrlCommand).callsFake(async () => {
    if (gone.queue) throw awsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return { QueueUrl: QUEUE_URL };
  });
  sqs.on(ReceiveMessageCommand).callsFake(async () =>
    after(timings.sent !== undefined ? timings.sent + 3 : undefined)
      ? { Messages: [{ MessageId: 'm-1', Body: alarmNotificationBody(SEED_ALARM.AlarmName!, 'ALARM', MOCK_TOPIC_ARN), Attributes: { SentTimestamp: String(START + timings.sent! * 1000) } }] }
      : {},
  );
  mocks.sns.on(SubscribeCommand).callsFake(async () => ((subscribed = true), { SubscriptionArn: SUBSCRIPTION }));
  mocks.sns.on(UnsubscribeCommand).callsFake(async () => void (gone.subscription = true));
  mocks.sns.on(ListSubscriptionsByTopicCommand).callsFake(async () => ({
    Subscriptions: [
      { Protocol: 'email', Endpoint: 'security@example.com', SubscriptionArn: `${MOCK_TOPIC_ARN}:0b6e1a2c`, TopicArn: MOCK_TOPIC_ARN },
      ...(!subscribed || gone.subscription ? [] : [{ Protocol: 'sqs', Endpoint: QUEUE_ARN, SubscriptionArn: SUBSCRIPTION, TopicArn: MOCK_TOPIC_ARN }]),
    ],
  }));
  mocks.logs.on(FilterLogEventsCommand).callsFake(async () =>
    after(timings.ingested)
      ? { events: [{ logStreamName: `${MOCK_ACCOUNT}_CloudTrail_${MOCK_REGION}`, timestamp: START, ingestionTime: START + timings.ingested! * 1000, message: trailRecord(), eventId: '3791...' }] }
      : { events: [] },
  );
  mocks.cloudWatch.on(GetMetricDataCommand).callsFake(async () => ({
    MetricDataResults: [{ Id: 'm0', Label: 'S3BucketPolicyChangeCount', StatusCode: 'Complete', ...(after(timings.datapoint) ? { Timestamps: [at(0)], Values: [1] } : { Timestamps: [], Values: [] }) }],
  }));
  mocks.cloudWatch.on(DescribeAlarmHistoryCommand).callsFake(async () => ({
    AlarmHistoryItems: after(timings.alarm)
      ? [
          {
            AlarmName: SEED_ALARM.AlarmName,
            AlarmType: 'MetricAlarm',
            Timestamp: at(timings.alarm!),
            HistoryItemType: 'StateUpdate',
            HistorySummary: 'Alarm updated from OK to ALARM',
            HistoryData: JSON.stringify({ version: '1.0', oldState: { stateValue: 'OK' }, newState: { stateValue: 'ALARM', stateReason: 'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (30/11/26 12:00:00)] was greater than or equal to the threshold (1.0).' } }),
          },
        ]
      : [],
  }));
}

async function runDrill(argv: string[], timings: Timings = REALISTIC, deps: DrillCommandDeps = {}, alarmState = 'OK') {
  const clock = instantClock();
  answerAsTimePasses(clock, timings, alarmState);
  const io = capture();
  const code = await drill(['--region', MOCK_REGION, ...argv], io, { credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }, { clock, suffix: () => SUFFIX, ...deps });
  return { code, stdout: io.stdout, stderr: io.stderr, clock };
}

describe('drill against a healthy account (mocked AWS)', () => {
  test('delivered: exit 0, every link timed from the change by AWS\'s own timestamps, nothing left', async () => {
    const { code, stdout, stderr } = await runDrill(['--yes', '--format', 'json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.result).toBe('delivered');
    expect(result.links.map(({ link, status, seconds }: { link: string; status: string; seconds: number }) => ({ link, status, seconds }))).toEqual([
      { link: 'trail-record', status: 'fired', seconds: 242 }, // CloudWatch Logs' ingestionTime
      { link: 'metric-datapoint', status: 'fired', seconds: 270 }, // first poll (every 15 s) that saw it
      { link: 'alarm-state', status: 'fired', seconds: 305 }, // the alarm history item's Timestamp
      { link: 'notification', status: 'fired', seconds: 312 }, // SQS SentTimestamp
    ]);
    expect(result.leftovers).toEqual([]);
    expect(result.changeAt).toBe('2026-11-30T12:00:00.000Z');
    expect(result.links[0].detail).toBe('record 3e5d4c1b-9a8f-4e2d-8c7b-6a5f4e3d2c1b ingested at 12:04:02');
    expect(stderr).toContain('[12:04:15] trail-record fired, 4m02s after the change');
    expect(stderr).toContain('[12:05:15] notification fired, 5m12s after the change: "ALARM: "s3-policy-alarm" in US East (N. Virginia)" sent at 12:05:12');
  });

  test('the text report (the README\'s "Prove it" sample)', async () => {
    const { code, stdout } = await runDrill(['--yes']);
    expect(code).toBe(0);
    const report = stdout.slice(stdout.indexOf('DELIVERED'));
    expect(report).toBe(
      [
        `DELIVERED: the bucket policy change reached topic ${MOCK_TOPIC_ARN} in 5m12s.`,
        '',
        `Seconds from the change (PutBucketPolicy on ${BUCKET} at 2026-11-30T12:00:00.000Z):`,
        '  trail-record      fired       4m02s  record 3e5d4c1b-9a8f-4e2d-8c7b-6a5f4e3d2c1b ingested at 12:04:02',
        '  metric-datapoint  fired       4m30s  datapoint for the minute of 12:00:00 (first seen at 12:04:30)',
        '  alarm-state       fired       5m05s  OK -> ALARM at 12:05:05',
        '  notification      fired       5m12s  "ALARM: "s3-policy-alarm" in US East (N. Virginia)" sent at 12:05:12',
        '',
        'Cleanup: everything the drill created is removed (checked by name).',
        "Your team's subscribers received a real ALARM notification for s3-policy-alarm. Wait until the alarm is OK again before another drill.",
        "66 API calls besides check's.",
        '',
      ].join('\n'),
    );
  });

  test('README "Prove it" shows this run: every line of its sample is printed, in order', async () => {
    const { stdout } = await runDrill(['--yes']);
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const sample = /On a healthy account[^\n]*\n\n```\n([\s\S]*?)```/.exec(readme)![1]!.split('\n').filter((line) => line !== '' && line !== '...');
    const printed = stdout.split('\n');
    let from = 0;
    for (const line of sample) {
      const index = printed.indexOf(line, from);
      expect({ line, found: index >= 0 }).toEqual({ line, found: true });
      from = index + 1;
    }
  });

  test('README lists every IAM action the drill\'s calls need', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const permissions = readme.slice(readme.indexOf('**Permissions** of the caller'), readme.indexOf('### Live conformance'));
    for (const actions of Object.values(DRILL_IAM_ACTIONS)) {
      for (const action of actions.split(' and ')) expect(permissions).toContain(`\`${action}\``);
    }
  });

  test('the API calls of a drill: a fixed set-up and cleanup, and per 15-second round only the next link and the queue', async () => {
    const { stdout } = await runDrill(['--yes', '--format', 'json']);
    const { apiCalls } = JSON.parse(stdout);
    // Before: DescribeAlarms, and ListBuckets, ListQueues, ListSubscriptionsByTopic for earlier drills' leftovers (4).
    // Set-up and change: CreateQueue, Subscribe, CreateBucket, PutPublicAccessBlock, PutBucketTagging, PutBucketPolicy,
    // DeleteBucketPolicy, DeleteBucket (8). Watching, a round every 15 s: FilterLogEvents + ReceiveMessage until the
    // record (17 rounds, 34), then the next link and ReceiveMessage (3 + 3 + 2 + 2 + 2 = 12). Cleanup: three lookups by
    // name, Unsubscribe, DeleteQueue, three lookups to verify (8).
    expect(apiCalls).toBe(4 + 8 + 34 + 12 + 8);
    expect(mocks.sns.commandCalls(SubscribeCommand)[0]!.args[0].input).toEqual({ TopicArn: MOCK_TOPIC_ARN, Protocol: 'sqs', Endpoint: QUEUE_ARN, ReturnSubscriptionArn: true });
    expect(mocks.logs.commandCalls(FilterLogEventsCommand)[0]!.args[0].input).toMatchObject({
      logGroupName: 'CloudTrail/Default',
      filterPattern: `{ ($.eventSource = "s3.amazonaws.com") && ($.eventName = "PutBucketPolicy") && ($.requestParameters.bucketName = "${BUCKET}") }`,
    });
  });
});

describe('drill when a link does not fire (mocked AWS)', () => {
  test('the alarm fires but nothing reaches the queue: exit 1 naming notification, with what to check', async () => {
    const { code, stdout } = await runDrill(['--yes'], { ingested: 242, datapoint: 270, alarm: 305 });
    expect(code).toBe(1);
    expect(stdout).toContain('NOT DELIVERED: nothing more happened within 15m00s; the first link that did not fire is notification.');
    expect(stdout).toContain("check that the topic's policy lets cloudwatch.amazonaws.com publish");
    expect(stdout).toContain('  notification      not-fired       -');
  });

  test('the record arrives but the filter publishes nothing: exit 1 naming metric-datapoint', async () => {
    const { code, stdout } = await runDrill(['--yes', '--timeout', '600'], { ingested: 242 });
    expect(code).toBe(1);
    expect(stdout).toContain('the first link that did not fire is metric-datapoint');
    expect(stdout).toContain('aws logs test-metric-filter');
  });

  test('an alarm already in ALARM would notify nobody: exit 1 before anything is created', async () => {
    const { code, stderr } = await runDrill(['--yes'], REALISTIC, {}, 'ALARM');
    expect(code).toBe(1);
    expect(stderr).toContain('alarm s3-policy-alarm is already in ALARM since 2026-11-30T11:00:00.000Z, so a change now would notify nobody');
    expect(sqs.commandCalls(CreateQueueCommand)).toHaveLength(0);
    expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });

  test('AccessDenied on a watch call: exit 2 naming the API and the IAM action, and cleanup still runs', async () => {
    const clock = instantClock();
    answerAsTimePasses(clock, REALISTIC);
    mocks.cloudWatch.on(GetMetricDataCommand).rejects(awsError('AccessDenied', 'User is not authorized to perform: cloudwatch:GetMetricData'));
    const io = capture();
    const code = await drill(['--region', MOCK_REGION, '--yes'], io, { credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }, { clock, suffix: () => SUFFIX });
    expect(code).toBe(2);
    expect(io.stderr).toContain('GetMetricData failed for CloudTrailMetrics/S3BucketPolicyChangeCount: AccessDenied');
    expect(io.stderr).toContain('(your credentials need cloudwatch:GetMetricData)');
    expect(sqs.commandCalls(DeleteQueueCommand)).toHaveLength(1);
    expect(mocks.sns.commandCalls(UnsubscribeCommand)).toHaveLength(1);
    expect(io.stdout).toContain('Cleanup: everything the drill created is removed');
  });
});

describe('drill confirmation', () => {
  test('without --yes and without a terminal: exit 2, nothing created', async () => {
    answerAsTimePasses(instantClock(), REALISTIC);
    const { code, stderr } = await runCli(['drill', '--region', MOCK_REGION]);
    expect(code).toBe(2);
    expect(stderr).toContain('pass --yes to run it without a terminal');
    expect(sqs.commandCalls(CreateQueueCommand)).toHaveLength(0);
  });

  test('the plan says the team gets a real notification, and a "no" creates nothing', async () => {
    let asked = '';
    const { code, stdout, stderr } = await runDrill([], REALISTIC, { confirm: async (question) => ((asked = question), false) });
    expect(asked).toBe('Run the drill?');
    expect(code).toBe(2);
    expect(stdout).toContain("Your team's subscribers to the topic will receive ONE REAL ALARM notification for s3-policy-alarm.");
    expect(stdout).toContain('The alarm must be back to OK or INSUFFICIENT_DATA before a second drill can be observed');
    expect(stderr).toContain('drill cancelled: nothing was created.');
    expect(sqs.commandCalls(CreateQueueCommand)).toHaveLength(0);
  });

  test('--timeout must be whole seconds', async () => {
    const { code, stderr } = await runCli(['drill', '--region', MOCK_REGION, '--yes', '--timeout', '5m']);
    expect(code).toBe(2);
    expect(stderr).toContain('--timeout takes whole seconds from 1 to 86400 (got "5m")');
  });
});
