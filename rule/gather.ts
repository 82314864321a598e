import { DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, type Trail } from '@aws-sdk/client-cloudtrail';
import { DescribeAlarmsCommand, DescribeAlarmsForMetricCommand, type Dimension, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeMetricFiltersCommand, type MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ArnError, isSnsTopicArn, parseLogGroupArn, parseTopicArn, parseTrailArn, type LogGroupRef } from './arn';
import type { RegionalClients, RuleClients } from './clients';
import { catchesRequiredEvent, evaluateAccount, metricText, type ChainReport } from './evaluate';
import { DEFAULT_PARAMETERS, type RuleParameters } from './parameters';
import type {
  AccountSnapshot,
  AlarmSearch,
  AlarmSnapshot,
  LogGroupSnapshot,
  MetricFilterSnapshot,
  MetricId,
  TopicSnapshot,
  TrailSnapshot,
} from './snapshot';

/**
 * The rule's only AWS reads: account -> snapshot (plain data). It reads what the verdict needs and no more:
 * the trails visible from the region, then per trail of this account its status, event selectors and the
 * metric filters of its own log group (in the log group's region, from the ARN), the alarms on the metrics
 * of filters that catch a required event (DescribeAlarmsForMetric), and the subscriptions of those alarms'
 * topics. The cost grows with the chains, not with the number of unrelated log groups, filters or alarms.
 * One exception, only when no chain is complete: DescribeAlarmsForMetric does not return metric-math alarms,
 * so a region whose working filter has no working alarm gets its alarms listed to find them.
 */

export interface Gathered {
  snapshot: AccountSnapshot;
  /** Requests sent, one per page (SDK retries of a request not counted). */
  apiCalls: number;
}

/** The IAM action behind each read, so that an AccessDenied says what to grant. */
const IAM_ACTIONS = {
  GetCallerIdentity: 'sts:GetCallerIdentity',
  DescribeTrails: 'cloudtrail:DescribeTrails',
  GetTrailStatus: 'cloudtrail:GetTrailStatus',
  GetEventSelectors: 'cloudtrail:GetEventSelectors',
  DescribeMetricFilters: 'logs:DescribeMetricFilters',
  DescribeAlarmsForMetric: 'cloudwatch:DescribeAlarmsForMetric',
  DescribeAlarms: 'cloudwatch:DescribeAlarms',
  ListSubscriptionsByTopic: 'sns:ListSubscriptionsByTopic',
  PutEvaluations: 'config:PutEvaluations',
} as const;

type Api = keyof typeof IAM_ACTIONS;

/** A call that failed: names the API, the region and the resource, so Config shows what to fix. */
export class AwsCallError extends Error {
  override name = 'AwsCallError';
  /** The AWS error code (`AccessDeniedException`, `ThrottlingException`, ...). */
  readonly code: string;

  constructor(
    readonly api: string,
    readonly region: string,
    readonly resource: string,
    cause: unknown,
  ) {
    const code = cause instanceof Error ? cause.name : 'Error';
    const text = cause instanceof Error ? cause.message : String(cause);
    const hint = isAccessDenied(code) && api in IAM_ACTIONS ? ` (the rule's role needs ${IAM_ACTIONS[api as Api]})` : '';
    super(`${api} failed in ${region} for ${resource}: ${code}: ${text}${hint}`, { cause });
    this.code = code;
  }
}

function isAccessDenied(code: string): boolean {
  return /AccessDenied|AuthorizationError|UnauthorizedOperation/.test(code);
}

/** Sends requests, counts them, pages through results and turns failures into AwsCallErrors. */
class Reader {
  apiCalls = 0;

  constructor(private readonly clients: RegionalClients) {}

  async call<T>(api: Api, region: string, resource: string, send: (clients: RuleClients) => Promise<T>): Promise<T> {
    this.apiCalls += 1;
    try {
      return await send(this.clients(region));
    } catch (error) {
      throw new AwsCallError(api, region, resource, error);
    }
  }

  /** Every page; a nextToken seen before would loop forever, so it is an error rather than a silent stop. */
  async paginate<P, T>(
    api: Api,
    region: string,
    resource: string,
    page: (clients: RuleClients, token: string | undefined) => Promise<P>,
    items: (response: P) => T[] | undefined,
    nextToken: (response: P) => string | undefined,
  ): Promise<T[]> {
    const all: T[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const response = await this.call(api, region, resource, (clients) => page(clients, token));
      all.push(...(items(response) ?? []));
      token = nextToken(response) || undefined;
      if (token !== undefined) {
        if (seen.has(token)) {
          throw new AwsCallError(api, region, resource, new Error(`the service returned nextToken "${token}" a second time; stopping instead of looping`));
        }
        seen.add(token);
      }
    } while (token !== undefined);
    return all;
  }
}

export async function gatherSnapshot(
  clients: RegionalClients,
  region: string,
  parameters: RuleParameters = DEFAULT_PARAMETERS,
): Promise<Gathered> {
  const reader = new Reader(clients);
  const [accountId, trails] = await Promise.all([callerAccount(reader, region), describeTrails(reader, region)]);
  const ownTrails = trails.filter((trail) => parseTrailArn(trail.arn).accountId === accountId);
  await Promise.all(ownTrails.map((trail) => readTrailState(reader, trail)));

  const logGroupRefs = uniqueBy(
    ownTrails.flatMap((trail) => {
      const ref = logGroupOf(trail);
      return ref && ref.accountId === accountId ? [ref] : [];
    }),
    (ref) => ref.arn,
  );
  const logGroups = await Promise.all(logGroupRefs.map((ref) => readLogGroup(reader, ref)));

  const alarms = new AlarmCollector();
  const metrics = uniqueBy(
    logGroups.flatMap((group) =>
      group.filters.filter((filter) => catchesRequiredEvent(filter, parameters)).map((filter) => ({ region: group.region, metric: filter.metric })),
    ),
    ({ region: metricRegion, metric }) => JSON.stringify([metricRegion, metric.namespace, metric.name, sortedEntries(metric.dimensions)]),
  );
  await Promise.all(metrics.map(({ region: metricRegion, metric }) => readAlarmsForMetric(reader, alarms, metricRegion, metric)));
  const topics = new TopicCollector(reader, accountId);
  await topics.readFor(alarms.alarms);

  const snapshotNow = (): AccountSnapshot => ({
    accountId,
    region,
    trails,
    logGroups,
    alarms: [...alarms.alarms],
    alarmSearches: [...alarms.searches],
    topics: [...topics.topics],
  });

  // DescribeAlarmsForMetric does not return metric-math alarms. Only when no chain is complete and some chain
  // gets past a working filter without a working alarm and topic are that region's alarms listed to find them.
  const first = snapshotNow();
  const verdict = evaluateAccount(first, parameters);
  const regions = new Set(
    verdict.compliance === 'COMPLIANT'
      ? []
      : verdict.chains.filter(endsBehindWorkingFilter).map((chain) => parseLogGroupArn(chain.logGroupArn!).region),
  );
  if (regions.size === 0) return { snapshot: first, apiCalls: reader.apiCalls };
  await Promise.all([...regions].map((mathRegion) => readMetricMathAlarms(reader, alarms, mathRegion)));
  await topics.readFor(alarms.alarms);
  return { snapshot: snapshotNow(), apiCalls: reader.apiCalls };
}

function endsBehindWorkingFilter(chain: ChainReport): boolean {
  return chain.status === 'broken' && chain.links.find((link) => link.link === 'filter')?.status === 'ok';
}

async function callerAccount(reader: Reader, region: string): Promise<string> {
  const identity = await reader.call('GetCallerIdentity', region, 'the caller', (clients) => clients.sts.send(new GetCallerIdentityCommand({})));
  if (!identity.Account) throw new AwsCallError('GetCallerIdentity', region, 'the caller', new Error('no Account in the response'));
  return identity.Account;
}

async function describeTrails(reader: Reader, region: string): Promise<TrailSnapshot[]> {
  // DescribeTrails has no pagination; shadow trails are the multi-region and organization trails homed elsewhere.
  const response = await reader.call('DescribeTrails', region, 'all trails (shadow trails included)', (clients) =>
    clients.cloudTrail.send(new DescribeTrailsCommand({ includeShadowTrails: true })),
  );
  return (response.trailList ?? []).map(trailSnapshot);
}

function trailSnapshot(trail: Trail): TrailSnapshot {
  const arn = trail.TrailARN ?? '';
  return {
    name: trail.Name ?? arn,
    arn,
    homeRegion: trail.HomeRegion ?? parseTrailArn(arn).region,
    isMultiRegionTrail: trail.IsMultiRegionTrail ?? false,
    isOrganizationTrail: trail.IsOrganizationTrail ?? false,
    ...(trail.CloudWatchLogsLogGroupArn ? { cloudWatchLogsLogGroupArn: trail.CloudWatchLogsLogGroupArn } : {}),
    ...(trail.CloudWatchLogsRoleArn ? { cloudWatchLogsRoleArn: trail.CloudWatchLogsRoleArn } : {}),
  };
}

/** Status and selectors, asked of the trail's home region (a shadow trail's are not everywhere). */
async function readTrailState(reader: Reader, trail: TrailSnapshot): Promise<void> {
  const resource = `trail ${trail.arn}`;
  const [status, selectors] = await Promise.all([
    reader.call('GetTrailStatus', trail.homeRegion, resource, (clients) => clients.cloudTrail.send(new GetTrailStatusCommand({ Name: trail.arn }))),
    reader.call('GetEventSelectors', trail.homeRegion, resource, (clients) =>
      clients.cloudTrail.send(new GetEventSelectorsCommand({ TrailName: trail.arn })),
    ),
  ]);
  trail.status = {
    isLogging: status.IsLogging ?? false,
    ...(status.LatestCloudWatchLogsDeliveryError ? { latestCloudWatchLogsDeliveryError: status.LatestCloudWatchLogsDeliveryError } : {}),
  };
  trail.selectors = {
    classic: (selectors.EventSelectors ?? []).map((selector) => ({
      readWriteType: selector.ReadWriteType,
      includeManagementEvents: selector.IncludeManagementEvents,
      excludeManagementEventSources: selector.ExcludeManagementEventSources,
    })),
    advanced: (selectors.AdvancedEventSelectors ?? []).map((selector) => ({
      name: selector.Name,
      fieldSelectors: (selector.FieldSelectors ?? []).map((field) => ({
        field: field.Field ?? '',
        equals: field.Equals,
        startsWith: field.StartsWith,
        endsWith: field.EndsWith,
        notEquals: field.NotEquals,
        notStartsWith: field.NotStartsWith,
        notEndsWith: field.NotEndsWith,
      })),
    })),
  };
}

/** The trail's log group, or undefined when it has none or the ARN is malformed (the evaluator says which). */
function logGroupOf(trail: TrailSnapshot): LogGroupRef | undefined {
  if (!trail.cloudWatchLogsLogGroupArn) return undefined;
  try {
    return parseLogGroupArn(trail.cloudWatchLogsLogGroupArn);
  } catch (error) {
    if (error instanceof ArnError) return undefined;
    throw error;
  }
}

async function readLogGroup(reader: Reader, ref: LogGroupRef): Promise<LogGroupSnapshot> {
  const group = { arn: ref.arn, name: ref.name, region: ref.region, accountId: ref.accountId };
  try {
    const filters = await reader.paginate(
      'DescribeMetricFilters',
      ref.region,
      `log group ${ref.name}`,
      (clients, nextToken) => clients.logs.send(new DescribeMetricFiltersCommand({ logGroupName: ref.name, nextToken })),
      (response) => response.metricFilters,
      (response) => response.nextToken,
    );
    return { ...group, exists: true, filters: filters.flatMap(filterSnapshots) };
  } catch (error) {
    if (error instanceof AwsCallError && error.code === 'ResourceNotFoundException') return { ...group, exists: false, filters: [] };
    throw error;
  }
}

/** One entry per metric transformation (CloudWatch Logs allows exactly one per filter). */
function filterSnapshots(filter: MetricFilter): MetricFilterSnapshot[] {
  return (filter.metricTransformations ?? []).map((transformation) => ({
    name: filter.filterName ?? '',
    pattern: filter.filterPattern ?? '',
    metric: {
      namespace: transformation.metricNamespace ?? '',
      name: transformation.metricName ?? '',
      dimensions: { ...transformation.dimensions },
      value: transformation.metricValue ?? '',
      ...(transformation.defaultValue !== undefined ? { defaultValue: transformation.defaultValue } : {}),
      ...(transformation.unit ? { unit: transformation.unit } : {}),
    },
  }));
}

/** Alarms read so far, each once, and the searches that found them. */
class AlarmCollector {
  readonly alarms: AlarmSnapshot[] = [];
  readonly searches: AlarmSearch[] = [];
  private readonly arns = new Set<string>();

  add(search: AlarmSearch, alarms: MetricAlarm[]): void {
    this.searches.push(search);
    for (const alarm of alarms) {
      const snapshot = alarmSnapshot(alarm, search.region);
      if (this.arns.has(snapshot.arn)) continue;
      this.arns.add(snapshot.arn);
      this.alarms.push(snapshot);
    }
  }
}

async function readAlarmsForMetric(reader: Reader, collector: AlarmCollector, region: string, metric: MetricId): Promise<void> {
  const search = async (dimensions: Record<string, string>) => {
    const asked = { ...metric, dimensions };
    const response = await reader.call('DescribeAlarmsForMetric', region, `metric ${metricText(asked)}`, (clients) =>
      clients.cloudWatch.send(
        new DescribeAlarmsForMetricCommand({
          Namespace: metric.namespace,
          MetricName: metric.name,
          ...(Object.keys(dimensions).length ? { Dimensions: dimensionList(dimensions) } : {}),
        }),
      ),
    );
    collector.add({ region, metric: asked }, response.MetricAlarms ?? []);
    return response.MetricAlarms ?? [];
  };
  const found = await search(metric.dimensions);
  // Nothing on the dimensioned metric: look at the undimensioned one, where a mismatched alarm usually sits,
  // so that the report can say why it never fires.
  if (found.length === 0 && Object.keys(metric.dimensions).length > 0) await search({});
}

async function readMetricMathAlarms(reader: Reader, collector: AlarmCollector, region: string): Promise<void> {
  const alarms = await reader.paginate(
    'DescribeAlarms',
    region,
    'all metric alarms (looking for metric-math alarms)',
    (clients, NextToken) => clients.cloudWatch.send(new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], NextToken })),
    (response) => response.MetricAlarms,
    (response) => response.NextToken,
  );
  collector.add({ region, metricMath: true }, alarms.filter((alarm) => (alarm.Metrics ?? []).length > 0));
}

function alarmSnapshot(alarm: MetricAlarm, region: string): AlarmSnapshot {
  return {
    name: alarm.AlarmName ?? '',
    arn: alarm.AlarmArn ?? '',
    region,
    actionsEnabled: alarm.ActionsEnabled ?? true,
    alarmActions: alarm.AlarmActions ?? [],
    ...(alarm.MetricName
      ? { metric: { namespace: alarm.Namespace ?? '', name: alarm.MetricName, dimensions: dimensionRecord(alarm.Dimensions) } }
      : {}),
    ...(alarm.Metrics?.length
      ? {
          metrics: alarm.Metrics.map((query) => ({
            id: query.Id ?? '',
            expression: query.Expression,
            returnData: query.ReturnData,
            metricStat: query.MetricStat && {
              metric: {
                namespace: query.MetricStat.Metric?.Namespace ?? '',
                name: query.MetricStat.Metric?.MetricName ?? '',
                dimensions: dimensionRecord(query.MetricStat.Metric?.Dimensions),
              },
              stat: query.MetricStat.Stat ?? '',
              period: query.MetricStat.Period,
              unit: query.MetricStat.Unit,
            },
          })),
        }
      : {}),
    statistic: alarm.Statistic,
    extendedStatistic: alarm.ExtendedStatistic,
    period: alarm.Period,
    unit: alarm.Unit,
    evaluationPeriods: alarm.EvaluationPeriods ?? 1,
    datapointsToAlarm: alarm.DatapointsToAlarm,
    threshold: alarm.Threshold,
    comparisonOperator: alarm.ComparisonOperator ?? '',
    treatMissingData: alarm.TreatMissingData,
    thresholdMetricId: alarm.ThresholdMetricId,
    evaluateLowSampleCountPercentile: alarm.EvaluateLowSampleCountPercentile,
  };
}

/** Topics of the alarms' actions, each listed once, in its own region. */
class TopicCollector {
  readonly topics: TopicSnapshot[] = [];
  private readonly requested = new Set<string>();

  constructor(
    private readonly reader: Reader,
    private readonly accountId: string,
  ) {}

  async readFor(alarms: AlarmSnapshot[]): Promise<void> {
    const arns = [...new Set(alarms.flatMap((alarm) => alarm.alarmActions.filter(isSnsTopicArn)))].filter((arn) => !this.requested.has(arn));
    arns.forEach((arn) => this.requested.add(arn));
    this.topics.push(...(await Promise.all(arns.map((arn) => this.read(arn)))));
  }

  private async read(arn: string): Promise<TopicSnapshot> {
    const ref = parseTopicArn(arn);
    try {
      const subscriptions = await this.reader.paginate(
        'ListSubscriptionsByTopic',
        ref.region,
        `topic ${arn}`,
        (clients, NextToken) => clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn, NextToken })),
        (response) => response.Subscriptions,
        (response) => response.NextToken,
      );
      return {
        arn,
        exists: true,
        subscriptions: subscriptions.map((subscription) => ({
          protocol: subscription.Protocol ?? '',
          endpoint: subscription.Endpoint ?? '',
          subscriptionArn: subscription.SubscriptionArn ?? '',
        })),
      };
    } catch (error) {
      if (!(error instanceof AwsCallError)) throw error;
      if (error.code === 'NotFoundException' || error.code === 'NotFound') return { arn, exists: false, subscriptions: [] };
      // Another account's topic may not let this one list it: that chain is unproven, the evaluation goes on.
      if (ref.accountId !== this.accountId && isAccessDenied(error.code)) return { arn, exists: true, unreadable: error.code, subscriptions: [] };
      throw error;
    }
  }
}

function dimensionList(dimensions: Record<string, string>): Dimension[] {
  return sortedEntries(dimensions).map(([Name, Value]) => ({ Name, Value }));
}

function dimensionRecord(dimensions: Dimension[] | undefined): Record<string, string> {
  return Object.fromEntries((dimensions ?? []).map((dimension) => [dimension.Name ?? '', dimension.Value ?? '']));
}

function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
