import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  type AdvancedEventSelector,
  type EventSelector,
} from '@aws-sdk/client-cloudtrail';
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  type ComparisonOperator,
  type MetricDataQuery,
  type StandardUnit,
  type Statistic,
} from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand, PutMetricFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { POLICY_FILTER_PATTERN } from '../rule/events/canonical';
import { makeClient, type ClientOptions } from '../rule/clients';
import { motoClientOptions } from './moto-server';

/**
 * Builds realistic AWS accounts in a moto server (the demo's, the benchmark's, the tests'), with the SDK, the
 * way a person (or Terraform) would: an S3 bucket with the policy CloudTrail needs, the IAM role CloudTrail
 * delivers to CloudWatch Logs with, trails, log groups, metric filters, alarms, SNS topics and subscribers.
 *
 *   const account = new SandboxAccount('345678901234', endpoint); // one account id per test file
 *   const chain = await account.chain();                         // the seed article's complete chain
 *   await account.chain({ alarm: false });                       // ...up to the filter, no alarm
 *   await account.trail({ name: 'eu', region: 'eu-west-1', multiRegion: false, logging: false });
 *   await account.alarm({ name: 'x', metricName: 'M', statistic: 'Average', threshold: 5 });
 *
 * Every method creates what it names and returns its ARN or names. Shared pieces (the trail bucket and the
 * delivery role) are created on first use. Defaults follow the seed article: log group CloudTrail/Default,
 * filter on PutBucketPolicy/DeleteBucketPolicy into CloudTrailMetrics/S3BucketPolicyChangeCount, alarm
 * Sum >= 1 over 300 s, topic with one e-mail subscriber (moto confirms e-mail subscriptions at once).
 */

export const DEFAULT_LOG_GROUP = 'CloudTrail/Default';
export const DEFAULT_NAMESPACE = 'CloudTrailMetrics';
export const DEFAULT_METRIC = 'S3BucketPolicyChangeCount';

/** What AWS gives a new trail: all management events, read and write. */
export const DEFAULT_EVENT_SELECTORS: EventSelector[] = [{ ReadWriteType: 'All', IncludeManagementEvents: true }];

export interface TrailSpec {
  name: string;
  /** Home region (default: the account's region). */
  region?: string;
  /** Default true. */
  multiRegion?: boolean;
  /** Default true; false leaves the trail stopped (StopLogging after StartLogging, as a person would). */
  logging?: boolean;
  /** The log group it delivers to (created if missing); null for a trail without CloudWatch Logs. */
  logGroup?: { name: string; region?: string } | null;
  /** Use this CloudWatchLogsLogGroupArn verbatim instead (another account's, a malformed one...). */
  logGroupArn?: string;
  /** Default: DEFAULT_EVENT_SELECTORS. */
  selectors?: { classic: EventSelector[] } | { advanced: AdvancedEventSelector[] };
  organization?: boolean;
}

export interface TrailInfo {
  name: string;
  arn: string;
  homeRegion: string;
  logGroupArn?: string;
}

export interface FilterSpec {
  name: string;
  logGroup?: string;
  region?: string;
  pattern?: string;
  namespace?: string;
  metricName?: string;
  /** Default '1'. */
  value?: string;
  defaultValue?: number;
  dimensions?: Record<string, string>;
  unit?: StandardUnit;
}

export interface AlarmSpec {
  name: string;
  region?: string;
  namespace?: string;
  metricName?: string;
  dimensions?: Record<string, string>;
  /** Default 'Sum' (ignored when extendedStatistic or metrics is given). */
  statistic?: Statistic;
  extendedStatistic?: string;
  /** Default 1. */
  threshold?: number;
  /** Default GreaterThanOrEqualToThreshold. */
  comparison?: ComparisonOperator;
  /** Default 300. */
  period?: number;
  /** Default 1. */
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  /** Default 'notBreaching'. */
  treatMissingData?: string;
  unit?: StandardUnit;
  /** SNS topic ARNs and other actions. */
  actions?: string[];
  /** Default true. */
  actionsEnabled?: boolean;
  /** A metric-math alarm: these queries instead of namespace/metric/statistic. */
  metrics?: MetricDataQuery[];
}

export interface TopicSpec {
  name: string;
  region?: string;
  /** E-mail subscribers (confirmed at once by moto). Default none. */
  emails?: string[];
}

/** `account.chain()` options: override a link's settings, or `false` to stop the chain before it. */
export interface ChainSpec {
  trail?: Partial<TrailSpec>;
  filter?: Partial<FilterSpec> | false;
  alarm?: Partial<AlarmSpec> | false;
  topic?: Partial<TopicSpec> | false;
}

export interface ChainInfo {
  trail: TrailInfo;
  logGroupName?: string;
  filterName?: string;
  alarmName?: string;
  topicArn?: string;
}

interface Clients {
  s3: S3Client;
  iam: IAMClient;
  cloudTrail: CloudTrailClient;
  logs: CloudWatchLogsClient;
  cloudWatch: CloudWatchClient;
  sns: SNSClient;
}

/** Runs `create(n)` for every n from `from` up to `to`, 50 at a time: in parallel, without flooding moto. */
export async function inBatches(from: number, to: number, create: (n: number) => Promise<unknown>): Promise<void> {
  const batch = 50;
  for (let start = from; start < to; start += batch) {
    const end = Math.min(start + batch, to);
    await Promise.all(Array.from({ length: end - start }, (_, i) => create(start + i)));
  }
}

export class SandboxAccount {
  private readonly clientsByRegion = new Map<string, Clients>();
  private readonly created = new Map<string, Promise<string>>();

  constructor(
    readonly accountId: string,
    /** The moto server's URL. */
    readonly endpoint: string,
    readonly region = 'us-east-1',
  ) {}

  /** Client options for this account in moto (what `check` and `gatherSnapshot` are pointed at). */
  options(region = this.region): ClientOptions {
    return motoClientOptions(this.endpoint, this.accountId, region);
  }

  clients(region = this.region): Clients {
    let clients = this.clientsByRegion.get(region);
    if (!clients) {
      const options = this.options(region);
      clients = {
        s3: makeClient(S3Client, options),
        iam: makeClient(IAMClient, options),
        cloudTrail: makeClient(CloudTrailClient, options),
        logs: makeClient(CloudWatchLogsClient, options),
        cloudWatch: makeClient(CloudWatchClient, options),
        sns: makeClient(SNSClient, options),
      };
      this.clientsByRegion.set(region, clients);
    }
    return clients;
  }

  /** The S3 bucket a region's trails write to, with the bucket policy CloudTrail requires. */
  trailBucket(region = this.region): Promise<string> {
    return this.once(`bucket:${region}`, async () => {
      const bucket = `cloudtrail-logs-${this.accountId}-${region}`;
      const { s3 } = this.clients(region);
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      );
      const cloudTrail = { Service: 'cloudtrail.amazonaws.com' };
      const policy = {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'AWSCloudTrailAclCheck', Effect: 'Allow', Principal: cloudTrail, Action: 's3:GetBucketAcl', Resource: `arn:aws:s3:::${bucket}` },
          {
            Sid: 'AWSCloudTrailWrite',
            Effect: 'Allow',
            Principal: cloudTrail,
            Action: 's3:PutObject',
            Resource: `arn:aws:s3:::${bucket}/AWSLogs/${this.accountId}/*`,
            Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
          },
        ],
      };
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
      return bucket;
    });
  }

  /** The role CloudTrail assumes to write to CloudWatch Logs. */
  deliveryRole(name = 'CloudTrail_CloudWatchLogs_Role'): Promise<string> {
    return this.once(`role:${name}`, async () => {
      const { iam } = this.clients();
      const trust = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      };
      const role = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
      const permissions = {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `arn:aws:logs:*:${this.accountId}:log-group:*:log-stream:*`,
          },
        ],
      };
      await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'cloudtrail-delivery', PolicyDocument: JSON.stringify(permissions) }));
      return role.Role!.Arn!;
    });
  }

  /** Creates the log group (once) and returns the ARN CloudTrail stores (`...:log-group:NAME:*`). */
  logGroup(name = DEFAULT_LOG_GROUP, region = this.region): Promise<string> {
    return this.once(`logGroup:${region}:${name}`, async () => {
      await this.clients(region).logs.send(new CreateLogGroupCommand({ logGroupName: name }));
      return `arn:aws:logs:${region}:${this.accountId}:log-group:${name}:*`;
    });
  }

  async trail(spec: TrailSpec): Promise<TrailInfo> {
    const region = spec.region ?? this.region;
    const { cloudTrail } = this.clients(region);
    const logGroupSpec = spec.logGroup === undefined ? { name: DEFAULT_LOG_GROUP } : spec.logGroup;
    const logGroupArn = spec.logGroupArn ?? (logGroupSpec ? await this.logGroup(logGroupSpec.name, logGroupSpec.region ?? region) : undefined);
    const created = await cloudTrail.send(
      new CreateTrailCommand({
        Name: spec.name,
        S3BucketName: await this.trailBucket(region),
        IsMultiRegionTrail: spec.multiRegion ?? true,
        IncludeGlobalServiceEvents: true,
        IsOrganizationTrail: spec.organization ?? false,
        ...(logGroupArn ? { CloudWatchLogsLogGroupArn: logGroupArn, CloudWatchLogsRoleArn: await this.deliveryRole() } : {}),
      }),
    );
    const selectors = spec.selectors ?? { classic: DEFAULT_EVENT_SELECTORS };
    await cloudTrail.send(
      new PutEventSelectorsCommand({
        TrailName: spec.name,
        ...('classic' in selectors ? { EventSelectors: selectors.classic } : { AdvancedEventSelectors: selectors.advanced }),
      }),
    );
    await cloudTrail.send(new StartLoggingCommand({ Name: spec.name }));
    if (spec.logging === false) await cloudTrail.send(new StopLoggingCommand({ Name: spec.name }));
    return { name: spec.name, arn: created.TrailARN!, homeRegion: region, ...(logGroupArn ? { logGroupArn } : {}) };
  }

  async metricFilter(spec: FilterSpec): Promise<void> {
    await this.clients(spec.region).logs.send(
      new PutMetricFilterCommand({
        logGroupName: spec.logGroup ?? DEFAULT_LOG_GROUP,
        filterName: spec.name,
        filterPattern: spec.pattern ?? POLICY_FILTER_PATTERN,
        metricTransformations: [
          {
            metricNamespace: spec.namespace ?? DEFAULT_NAMESPACE,
            metricName: spec.metricName ?? DEFAULT_METRIC,
            metricValue: spec.value ?? '1',
            ...(spec.defaultValue !== undefined ? { defaultValue: spec.defaultValue } : {}),
            ...(spec.dimensions ? { dimensions: spec.dimensions } : {}),
            ...(spec.unit ? { unit: spec.unit } : {}),
          },
        ],
      }),
    );
  }

  async topic(spec: TopicSpec): Promise<string> {
    const { sns } = this.clients(spec.region);
    const topic = await sns.send(new CreateTopicCommand({ Name: spec.name }));
    for (const email of spec.emails ?? []) {
      await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'email', Endpoint: email }));
    }
    return topic.TopicArn!;
  }

  async alarm(spec: AlarmSpec): Promise<void> {
    const dimensions = Object.entries(spec.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value }));
    const metric = spec.metrics
      ? { Metrics: spec.metrics }
      : {
          Namespace: spec.namespace ?? DEFAULT_NAMESPACE,
          MetricName: spec.metricName ?? DEFAULT_METRIC,
          Dimensions: dimensions,
          Period: spec.period ?? 300,
          ...(spec.extendedStatistic ? { ExtendedStatistic: spec.extendedStatistic } : { Statistic: spec.statistic ?? 'Sum' }),
          ...(spec.unit ? { Unit: spec.unit } : {}),
        };
    await this.clients(spec.region).cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: spec.name,
        ...metric,
        Threshold: spec.threshold ?? 1,
        ComparisonOperator: spec.comparison ?? 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: spec.evaluationPeriods ?? 1,
        ...(spec.datapointsToAlarm !== undefined ? { DatapointsToAlarm: spec.datapointsToAlarm } : {}),
        TreatMissingData: spec.treatMissingData ?? 'notBreaching',
        ActionsEnabled: spec.actionsEnabled ?? true,
        AlarmActions: spec.actions ?? [],
      }),
    );
  }

  /**
   * `count` alarms on metrics nothing publishes (`Unrelated/Metric-N`), created in parallel batches of 50:
   * the noise of a large account.
   */
  async unrelatedAlarms(count: number, region = this.region): Promise<void> {
    await inBatches(0, count, (n) => this.alarm({ name: `unrelated-${n}`, region, namespace: 'Unrelated', metricName: `Metric-${n}` }));
  }

  /**
   * The seed article's complete chain (trail `main` -> CloudTrail/Default -> filter -> alarm -> topic with a
   * subscriber), each link overridable, or cut with `false` (everything after a cut link is left out too).
   */
  async chain(spec: ChainSpec = {}): Promise<ChainInfo> {
    const trail = await this.trail({ name: 'main', ...spec.trail });
    const region = spec.trail?.logGroup?.region ?? trail.homeRegion;
    const logGroupName = spec.trail?.logGroup === null ? undefined : (spec.trail?.logGroup?.name ?? DEFAULT_LOG_GROUP);
    const info: ChainInfo = { trail, ...(logGroupName ? { logGroupName } : {}) };
    if (!logGroupName || spec.filter === false) return info;
    const filter = { name: 's3-bucket-policy-changes', logGroup: logGroupName, region, ...spec.filter };
    await this.metricFilter(filter);
    info.filterName = filter.name;
    if (spec.alarm === false) return info;
    const topicArn = spec.topic === false ? undefined : await this.topic({ name: 's3-policy-alerts', region, emails: ['security@example.com'], ...spec.topic });
    const alarm: AlarmSpec = {
      name: 's3-bucket-policy-changes',
      region,
      namespace: filter.namespace,
      metricName: filter.metricName,
      dimensions: filter.dimensions,
      actions: topicArn ? [topicArn] : [],
      ...spec.alarm,
    };
    await this.alarm(alarm);
    return { ...info, alarmName: alarm.name, ...(topicArn ? { topicArn } : {}) };
  }

  /** Runs `create` once per key (shared pieces: bucket, role, log groups). */
  private once(key: string, create: () => Promise<string>): Promise<string> {
    let promise = this.created.get(key);
    if (!promise) {
      promise = create();
      this.created.set(key, promise);
    }
    return promise;
  }
}
