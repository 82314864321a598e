import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, GetMetricDataCommand, type AlarmHistoryItem, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
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
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand, SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueUrlCommand, ListQueuesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseTopicArn } from '../../rule/arn';
import { makeClient, perRegion, type ClientOptions } from '../../rule/clients';
import { DRILL_PREFIX, DRILL_TAG, type AlarmMetric } from './plan';

/**
 * The drill's edge: every AWS call `drill` makes, one method per call, each counted and each failure turned into
 * an error that names the API, the resource and the IAM action to grant. Nothing here decides anything.
 */

/** The IAM action behind each call (README, "Prove it": the drill's permissions). */
export const DRILL_IAM_ACTIONS = {
  DescribeAlarms: 'cloudwatch:DescribeAlarms',
  ListBuckets: 's3:ListAllMyBuckets',
  ListQueues: 'sqs:ListQueues',
  CreateQueue: 'sqs:CreateQueue and sqs:TagQueue',
  Subscribe: 'sns:Subscribe',
  CreateBucket: 's3:CreateBucket',
  PutPublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  PutBucketTagging: 's3:PutBucketTagging',
  PutBucketPolicy: 's3:PutBucketPolicy',
  DeleteBucketPolicy: 's3:DeleteBucketPolicy',
  DeleteBucket: 's3:DeleteBucket',
  FilterLogEvents: 'logs:FilterLogEvents',
  GetMetricData: 'cloudwatch:GetMetricData',
  DescribeAlarmHistory: 'cloudwatch:DescribeAlarmHistory',
  ReceiveMessage: 'sqs:ReceiveMessage',
  ListSubscriptionsByTopic: 'sns:ListSubscriptionsByTopic',
  Unsubscribe: 'sns:Unsubscribe',
  GetQueueUrl: 'sqs:GetQueueUrl',
  DeleteQueue: 'sqs:DeleteQueue',
  HeadBucket: 's3:ListBucket',
} as const;

export type DrillApi = keyof typeof DRILL_IAM_ACTIONS;

export class DrillCallError extends Error {
  override name = 'DrillCallError';

  constructor(
    readonly api: DrillApi,
    readonly resource: string,
    cause: unknown,
  ) {
    const code = cause instanceof Error ? cause.name : 'Error';
    const text = cause instanceof Error ? cause.message : String(cause);
    const hint = /AccessDenied|AuthorizationError|Forbidden/.test(code) ? ` (your credentials need ${DRILL_IAM_ACTIONS[api]})` : '';
    super(`${api} failed for ${resource}: ${code}: ${text}${hint}`, { cause });
  }
}

/** A message on the drill's queue, with SQS's SentTimestamp when SQS gives it. */
export interface QueueMessage {
  body: string;
  sentAt?: Date;
}

/** The calls a drill makes; tests stand in for it to fail any step. */
export interface DrillAws {
  readonly apiCalls: number;
  alarm(region: string, name: string): Promise<MetricAlarm | undefined>;
  drillBuckets(): Promise<string[]>;
  drillQueues(region: string): Promise<string[]>;
  createQueue(region: string, name: string, policy: string): Promise<string>;
  subscribe(topicArn: string, queueArn: string): Promise<string>;
  createBucket(region: string, name: string): Promise<void>;
  blockPublicAccess(region: string, name: string): Promise<void>;
  tagBucket(region: string, name: string): Promise<void>;
  putBucketPolicy(region: string, name: string, policy: string): Promise<void>;
  deleteBucketPolicy(region: string, name: string): Promise<void>;
  deleteBucket(region: string, name: string): Promise<void>;
  trailRecords(region: string, logGroupName: string, pattern: string, since: Date): Promise<FilteredLogEvent[]>;
  metricSampleCounts(region: string, metrics: readonly AlarmMetric[], since: Date, until: Date): Promise<{ at: Date; count: number }[]>;
  alarmHistory(region: string, name: string, since: Date): Promise<AlarmHistoryItem[]>;
  receive(region: string, queueUrl: string): Promise<QueueMessage[]>;
  topicSubscriptions(topicArn: string): Promise<{ arn: string; endpoint: string }[]>;
  unsubscribe(topicArn: string, subscriptionArn: string): Promise<void>;
  queueUrl(region: string, name: string): Promise<string | undefined>;
  deleteQueue(region: string, queueUrl: string): Promise<void>;
  bucketExists(region: string, name: string): Promise<boolean>;
}

interface Clients {
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  logs: CloudWatchLogsClient;
  cloudWatch: CloudWatchClient;
}

const NOT_FOUND = /^(NotFound|NoSuchBucket|QueueDoesNotExist|AWS\.SimpleQueueService\.NonExistentQueue)$/;
const METRIC_PERIOD = 60;

export class SdkDrillAws implements DrillAws {
  private calls = 0;
  private readonly clients: (region: string) => Clients;

  constructor(private readonly options: ClientOptions) {
    this.clients = perRegion(options, (regional) => ({
      s3: makeClient(S3Client, regional),
      sqs: makeClient(SQSClient, regional),
      sns: makeClient(SNSClient, regional),
      logs: makeClient(CloudWatchLogsClient, regional),
      cloudWatch: makeClient(CloudWatchClient, regional),
    }));
  }

  get apiCalls(): number {
    return this.calls;
  }

  private async call<T>(api: DrillApi, resource: string, send: () => Promise<T>): Promise<T> {
    this.calls += 1;
    try {
      return await send();
    } catch (error) {
      throw new DrillCallError(api, resource, error);
    }
  }

  /** Like `call`, but "it does not exist" is an answer (undefined), not an error. */
  private async lookup<T>(api: DrillApi, resource: string, send: () => Promise<T>): Promise<T | undefined> {
    this.calls += 1;
    try {
      return await send();
    } catch (error) {
      if (error instanceof Error && NOT_FOUND.test(error.name)) return undefined;
      throw new DrillCallError(api, resource, error);
    }
  }

  async alarm(region: string, name: string): Promise<MetricAlarm | undefined> {
    const answer = await this.call('DescribeAlarms', `alarm ${name}`, () =>
      this.clients(region).cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm'] })),
    );
    return answer.MetricAlarms?.[0];
  }

  async drillBuckets(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('ListBuckets', 'the account', () =>
        this.clients(this.options.region).s3.send(new ListBucketsCommand({ Prefix: DRILL_PREFIX, ContinuationToken: token })),
      );
      names.push(...(page.Buckets ?? []).map((bucket) => bucket.Name ?? '').filter((name) => name.startsWith(DRILL_PREFIX)));
      token = page.ContinuationToken || undefined;
    } while (token);
    return names;
  }

  async drillQueues(region: string): Promise<string[]> {
    const urls: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('ListQueues', `queues in ${region}`, () =>
        this.clients(region).sqs.send(new ListQueuesCommand({ QueueNamePrefix: DRILL_PREFIX, NextToken: token })),
      );
      urls.push(...(page.QueueUrls ?? []));
      token = page.NextToken || undefined;
    } while (token);
    return urls;
  }

  async createQueue(region: string, name: string, policy: string): Promise<string> {
    const answer = await this.call('CreateQueue', `queue ${name}`, () =>
      this.clients(region).sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          // One hour is ample for a drill; SSE-SQS encrypts what SNS delivers at rest.
          Attributes: { Policy: policy, SqsManagedSseEnabled: 'true', MessageRetentionPeriod: '3600' },
          tags: { [DRILL_TAG.key]: DRILL_TAG.value },
        }),
      ),
    );
    return answer.QueueUrl!;
  }

  async subscribe(topicArn: string, queueArn: string): Promise<string> {
    const answer = await this.call('Subscribe', `topic ${topicArn}`, () =>
      this.clients(parseTopicArn(topicArn).region).sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, ReturnSubscriptionArn: true })),
    );
    return answer.SubscriptionArn!;
  }

  async createBucket(region: string, name: string): Promise<void> {
    await this.call('CreateBucket', `bucket ${name}`, () =>
      this.clients(region).s3.send(
        new CreateBucketCommand({
          Bucket: name,
          ObjectOwnership: 'BucketOwnerEnforced',
          ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      ),
    );
  }

  async blockPublicAccess(region: string, name: string): Promise<void> {
    await this.call('PutPublicAccessBlock', `bucket ${name}`, () =>
      this.clients(region).s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: name,
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
        }),
      ),
    );
  }

  async tagBucket(region: string, name: string): Promise<void> {
    await this.call('PutBucketTagging', `bucket ${name}`, () =>
      this.clients(region).s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: DRILL_TAG.key, Value: DRILL_TAG.value }] } })),
    );
  }

  async putBucketPolicy(region: string, name: string, policy: string): Promise<void> {
    await this.call('PutBucketPolicy', `bucket ${name}`, () => this.clients(region).s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: policy })));
  }

  async deleteBucketPolicy(region: string, name: string): Promise<void> {
    await this.call('DeleteBucketPolicy', `bucket ${name}`, () => this.clients(region).s3.send(new DeleteBucketPolicyCommand({ Bucket: name })));
  }

  async deleteBucket(region: string, name: string): Promise<void> {
    await this.call('DeleteBucket', `bucket ${name}`, () => this.clients(region).s3.send(new DeleteBucketCommand({ Bucket: name })));
  }

  async trailRecords(region: string, logGroupName: string, pattern: string, since: Date): Promise<FilteredLogEvent[]> {
    const events: FilteredLogEvent[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('FilterLogEvents', `log group ${logGroupName}`, () =>
        this.clients(region).logs.send(new FilterLogEventsCommand({ logGroupName, filterPattern: pattern, startTime: since.getTime(), nextToken: token })),
      );
      events.push(...(page.events ?? []));
      token = page.nextToken || undefined;
    } while (token);
    return events;
  }

  async metricSampleCounts(region: string, metrics: readonly AlarmMetric[], since: Date, until: Date): Promise<{ at: Date; count: number }[]> {
    const answer = await this.call('GetMetricData', metrics.map((m) => `${m.namespace}/${m.name}`).join(', '), () =>
      this.clients(region).cloudWatch.send(
        new GetMetricDataCommand({
          StartTime: since,
          EndTime: until,
          MetricDataQueries: metrics.map((metric, index) => ({
            Id: `m${index}`,
            MetricStat: {
              Metric: {
                Namespace: metric.namespace,
                MetricName: metric.name,
                Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: METRIC_PERIOD,
              Stat: 'SampleCount',
            },
          })),
        }),
      ),
    );
    return (answer.MetricDataResults ?? []).flatMap((series) =>
      (series.Timestamps ?? []).map((at, index) => ({ at: new Date(at), count: series.Values?.[index] ?? 0 })),
    );
  }

  async alarmHistory(region: string, name: string, since: Date): Promise<AlarmHistoryItem[]> {
    const answer = await this.call('DescribeAlarmHistory', `alarm ${name}`, () =>
      this.clients(region).cloudWatch.send(
        new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: 'StateUpdate', StartDate: since, ScanBy: 'TimestampAscending' }),
      ),
    );
    return answer.AlarmHistoryItems ?? [];
  }

  async receive(region: string, queueUrl: string): Promise<QueueMessage[]> {
    const answer = await this.call('ReceiveMessage', `queue ${queueUrl}`, () =>
      this.clients(region).sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['SentTimestamp'] })),
    );
    return (answer.Messages ?? []).map((message) => {
      const sent = Number(message.Attributes?.SentTimestamp);
      return { body: message.Body ?? '', ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent) } : {}) };
    });
  }

  async topicSubscriptions(topicArn: string): Promise<{ arn: string; endpoint: string }[]> {
    const subscriptions: { arn: string; endpoint: string }[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('ListSubscriptionsByTopic', `topic ${topicArn}`, () =>
        this.clients(parseTopicArn(topicArn).region).sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token })),
      );
      subscriptions.push(...(page.Subscriptions ?? []).map((s) => ({ arn: s.SubscriptionArn ?? '', endpoint: s.Endpoint ?? '' })));
      token = page.NextToken || undefined;
    } while (token);
    return subscriptions;
  }

  async unsubscribe(topicArn: string, subscriptionArn: string): Promise<void> {
    await this.call('Unsubscribe', `subscription ${subscriptionArn}`, () => this.clients(parseTopicArn(topicArn).region).sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn })));
  }

  async queueUrl(region: string, name: string): Promise<string | undefined> {
    const answer = await this.lookup('GetQueueUrl', `queue ${name}`, () => this.clients(region).sqs.send(new GetQueueUrlCommand({ QueueName: name })));
    return answer?.QueueUrl;
  }

  async deleteQueue(region: string, queueUrl: string): Promise<void> {
    await this.call('DeleteQueue', `queue ${queueUrl}`, () => this.clients(region).sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })));
  }

  async bucketExists(region: string, name: string): Promise<boolean> {
    const answer = await this.lookup('HeadBucket', `bucket ${name}`, () => this.clients(region).s3.send(new HeadBucketCommand({ Bucket: name })));
    return answer !== undefined;
  }
}
