import { DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, type Trail } from '@aws-sdk/client-cloudtrail';
import { DescribeAlarmsCommand, DescribeAlarmsForMetricCommand, type Dimension, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeMetricFiltersCommand, type MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeKeyCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { GetFindingsCommand } from '@aws-sdk/client-securityhub';
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ArnError, isSnsTopicArn, parseArn, parseLogGroupArn, parseTopicArn, parseTrailArn, type LogGroupRef, type NamedResourceRef } from './arn';
import { regionalClients, type ClientOptions, type RegionalClients, type RuleClients } from './clients';
import { catchesRequiredEvent, evaluateAccount, metricText, type ChainReport } from './evaluate';
import { resolveDimensions } from './links/alarm';
import { DEFAULT_PARAMETERS, type RuleParameters } from './parameters';
import type {
  AccountParts,
  AccountSnapshot,
  AlarmSearch,
  AlarmSnapshot,
  CompositeAlarmSnapshot,
  KeySnapshot,
  LogGroupSnapshot,
  MetricPublishers,
  MetricFilterSnapshot,
  MetricId,
  TopicSnapshot,
  TrailOwnerSnapshot,
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
 *
 * A trail of another account (an organization trail, seen from a member) is followed only when this account's own
 * trails give no complete chain and the rule parameter TrailOwnerReadRoleName is set: the rule assumes that role in
 * the trail's owner account and reads the trail's status and selectors, its log group's filters, alarms and topics
 * there, with the same calls as for its own trails (one AssumeRole more per owner account).
 */

export interface Gathered {
  snapshot: AccountSnapshot;
  /** The partition of the rule's credentials (from GetCallerIdentity's Arn), for ARNs the rule writes. */
  partition?: string;
  /** Requests sent, one per page (SDK retries of a request not counted). */
  apiCalls: number;
}

/** The IAM action behind each read, so that an AccessDenied says what to grant. */
const IAM_ACTIONS = {
  GetCallerIdentity: 'sts:GetCallerIdentity',
  AssumeRole: 'sts:AssumeRole',
  DescribeTrails: 'cloudtrail:DescribeTrails',
  GetTrailStatus: 'cloudtrail:GetTrailStatus',
  GetEventSelectors: 'cloudtrail:GetEventSelectors',
  DescribeMetricFilters: 'logs:DescribeMetricFilters',
  DescribeAlarmsForMetric: 'cloudwatch:DescribeAlarmsForMetric',
  DescribeAlarms: 'cloudwatch:DescribeAlarms',
  ListSubscriptionsByTopic: 'sns:ListSubscriptionsByTopic',
  GetTopicAttributes: 'sns:GetTopicAttributes',
  GetSubscriptionAttributes: 'sns:GetSubscriptionAttributes',
  DescribeKey: 'kms:DescribeKey',
  GetKeyPolicy: 'kms:GetKeyPolicy',
  PutEvaluations: 'config:PutEvaluations',
  GetFindings: 'securityhub:GetFindings',
  BatchImportFindings: 'securityhub:BatchImportFindings',
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
    /** Who made the call: the rule's own role, or the role it assumed in a trail owner's account. */
    principal = "the rule's role",
  ) {
    const code = cause instanceof Error ? cause.name : 'Error';
    const text = cause instanceof Error ? cause.message : String(cause);
    const hint = isAccessDenied(code) && api in IAM_ACTIONS ? ` (${principal} needs ${IAM_ACTIONS[api as Api]})` : '';
    super(`${api} failed in ${region} for ${resource}: ${code}: ${text}${hint}`, { cause });
    this.code = code;
  }
}

function isAccessDenied(code: string): boolean {
  return /AccessDenied|AuthorizationError|UnauthorizedOperation/.test(code);
}

/** Sends requests, counts them, pages through results and turns failures into AwsCallErrors. */
class Reader {
  constructor(
    private readonly clients: RegionalClients,
    /** Who calls, for an AccessDenied's hint. */
    private readonly principal = "the rule's role",
    /** Shared by the readers of one evaluation (the rule's own and the assumed roles'). */
    private readonly counter = { apiCalls: 0 },
  ) {}

  get apiCalls(): number {
    return this.counter.apiCalls;
  }

  /** A reader with an assumed role's clients, counting into the same total. */
  as(clients: RegionalClients, roleArn: string): Reader {
    return new Reader(clients, `role ${roleArn}`, this.counter);
  }

  async call<T>(api: Api, region: string, resource: string, send: (clients: RuleClients) => Promise<T>): Promise<T> {
    this.counter.apiCalls += 1;
    try {
      return await send(this.clients(region));
    } catch (error) {
      throw new AwsCallError(api, region, resource, error, this.principal);
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

/**
 * Clients that act with other credentials (a role assumed in a trail owner's account), with the same endpoint,
 * headers and adaptive retries as the rule's own. `spread` waits a random moment before the role is assumed: many
 * members read one owner account, whose read quotas (docs/organization.md) they share.
 */
export type AssumedRoleClients = ((credentials: AwsCredentialIdentity) => RegionalClients) & { spread?: () => Promise<void> };

/** `spreadMs`: the longest wait before assuming the role (0: none, as in tests and the CLI). */
export function assumedRoleClients(options: ClientOptions, spreadMs = 0): AssumedRoleClients {
  const clientsFor: AssumedRoleClients = (credentials) => regionalClients({ ...options, credentials });
  if (spreadMs > 0) clientsFor.spread = () => new Promise((resolve) => setTimeout(resolve, Math.random() * spreadMs));
  return clientsFor;
}

export async function gatherSnapshot(
  clients: RegionalClients,
  region: string,
  parameters: RuleParameters = DEFAULT_PARAMETERS,
  /** Needed only with TrailOwnerReadRoleName: how to build clients with the credentials of the role assumed. */
  clientsFor?: AssumedRoleClients,
): Promise<Gathered> {
  const reader = new Reader(clients);
  const readAt = new Date().toISOString();
  const [{ accountId, partition }, trails] = await Promise.all([callerIdentity(reader, region), describeTrails(reader, region)]);
  const own = new AccountReader(reader, accountId, parameters);
  await own.readChains(trails);
  const owners: { roleArn: string; account: AccountReader }[] = [];
  const snapshotNow = (): AccountSnapshot => ({
    ...own.parts(),
    region,
    trails,
    readAt,
    ...(owners.length > 0 ? { trailOwners: owners.map(({ roleArn, account }): TrailOwnerSnapshot => ({ roleArn, ...account.parts() })) } : {}),
  });

  const roleName = parameters.trailOwnerReadRoleName;
  if (roleName !== undefined && evaluateAccount(snapshotNow(), parameters).compliance !== 'COMPLIANT') {
    const ownerTrails = trails.map((trail) => parseTrailArn(trail.arn)).filter((trail) => trail.accountId !== accountId);
    for (const trail of uniqueBy(ownerTrails, (ref) => ref.accountId)) {
      if (!clientsFor) throw new Error('TrailOwnerReadRoleName is set, but the rule was given no way to build clients for the role it assumes');
      const roleArn = `arn:${trail.partition}:iam::${trail.accountId}:role/${roleName}`;
      await clientsFor.spread?.();
      const credentials = await assumeTrailOwnerRole(reader, region, roleArn, trail.accountId, accountId);
      owners.push({ roleArn, account: new AccountReader(reader.as(clientsFor(credentials), roleArn), trail.accountId, parameters) });
    }
    await Promise.all(owners.map(({ account }) => account.readChains(trails)));
  }

  // DescribeAlarmsForMetric does not return metric-math or Metrics Insights alarms, nor composite alarms. Only when no
  // chain is complete: a region whose working filter has no working alarm and topic gets its alarms listed, and an
  // alarm that works but notifies nobody gets its composite parents asked for, in the account the chain was followed in.
  const first = snapshotNow();
  const verdict = evaluateAccount(first, parameters);
  const caller = partition ? { partition } : {};
  if (verdict.compliance === 'COMPLIANT') return { snapshot: first, apiCalls: reader.apiCalls, ...caller };
  const searches = uniqueBy(
    verdict.chains.filter(endsBehindWorkingFilter).map((chain) => parseLogGroupArn(chain.logGroupArn!)),
    (ref) => `${ref.accountId} ${ref.region}`,
  );
  const silentAlarms = uniqueBy(verdict.chains.filter(endsBehindWorkingAlarm), (chain) => chain.alarmArn!);
  if (searches.length === 0 && silentAlarms.length === 0) return { snapshot: first, apiCalls: reader.apiCalls, ...caller };
  const accounts = [own, ...owners.map(({ account }) => account)];
  const accountOf = (id: string) => accounts.find((account) => account.accountId === id)!;
  await Promise.all(searches.map((ref) => accountOf(ref.accountId).readMetricMathAlarms(ref.region)));
  await Promise.all(
    silentAlarms.map((chain) => {
      const arn = parseArn(chain.alarmArn!, 'cloudwatch', 'CloudWatch alarm ARN', 'arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME');
      return accountOf(arn.accountId).readCompositeParents(arn.region, chain.alarmArn!, arn.resource.replace(/^alarm:/, ''));
    }),
  );
  await Promise.all(accounts.map((account) => account.readTopics()));
  return { snapshot: snapshotNow(), apiCalls: reader.apiCalls, ...caller };
}

/**
 * Assumes TrailOwnerReadRoleName in the trail owner's account. The session is named after the rule and the member
 * account, so the owner's CloudTrail shows which member's evaluation read its chain. No external id: the role trusts
 * only principals of the organization (aws:PrincipalOrgID) whose ARN is the rule's Lambda role name
 * (aws:PrincipalArn), and that is the only caller, with no third party between (see infra/trail-owner-read.ts).
 */
async function assumeTrailOwnerRole(
  reader: Reader,
  region: string,
  roleArn: string,
  ownerAccountId: string,
  memberAccountId: string,
): Promise<AwsCredentialIdentity> {
  const resource = `role ${roleArn} (TrailOwnerReadRoleName) in trail owner account ${ownerAccountId}, which must exist and trust this rule's role`;
  const response = await reader.call('AssumeRole', region, resource, (clients) =>
    clients.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `s3-policy-watch-${memberAccountId}`, DurationSeconds: 900 })),
  );
  const credentials = response.Credentials;
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
    throw new AwsCallError('AssumeRole', region, resource, new Error('the response holds no credentials'));
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
    ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
  };
}

/**
 * What is read in one account, with that account's credentials: the state of its trails, their log groups'
 * filters, the alarms on those filters' metrics, and the alarms' topics.
 */
class AccountReader {
  private readonly logGroups: LogGroupSnapshot[] = [];
  private readonly publishers: MetricPublishers[] = [];
  private readonly composites: CompositeAlarmSnapshot[] = [];
  private readonly alarms = new AlarmCollector();
  private readonly topics: TopicCollector;

  constructor(
    private readonly reader: Reader,
    readonly accountId: string,
    private readonly parameters: RuleParameters,
  ) {
    this.topics = new TopicCollector(reader, accountId, parameters);
  }

  /** Follows this account's trails among `trails` as far as the chain goes. */
  async readChains(trails: TrailSnapshot[]): Promise<void> {
    const accountTrails = trails.filter((trail) => parseTrailArn(trail.arn).accountId === this.accountId);
    await Promise.all(accountTrails.map((trail) => readTrailState(this.reader, trail)));

    const logGroupRefs = uniqueBy(
      accountTrails.flatMap((trail) => {
        const ref = logGroupOf(trail);
        return ref && ref.accountId === this.accountId ? [ref] : [];
      }),
      (ref) => ref.arn,
    );
    this.logGroups.push(...(await Promise.all(logGroupRefs.map((ref) => readLogGroup(this.reader, ref)))));

    const catching = this.logGroups.flatMap((group) =>
      group.filters.filter((filter) => catchesRequiredEvent(filter, this.parameters)).map((filter) => ({ region: group.region, filter })),
    );
    // A dimensioned filter publishes one metric per value of its dimension fields: the alarms are on those values.
    const metrics = uniqueBy(
      catching.flatMap(({ region, filter }) => {
        const resolution = resolveDimensions(filter, this.parameters.requiredEvents);
        const dimensionSets = 'varying' in resolution ? [filter.metric.dimensions] : resolution.metrics.map((metric) => metric.dimensions);
        return dimensionSets.map((dimensions) => ({ region, metric: { namespace: filter.metric.namespace, name: filter.metric.name, dimensions } }));
      }),
      ({ region, metric }) => JSON.stringify([region, metric.namespace, metric.name, sortedEntries(metric.dimensions)]),
    );
    const named = uniqueBy(catching, ({ region, filter }) => JSON.stringify([region, filter.metric.namespace, filter.metric.name]));
    await Promise.all([
      ...metrics.map(({ region, metric }) => readAlarmsForMetric(this.reader, this.alarms, region, metric)),
      ...named.map(async ({ region, filter }) => this.publishers.push(await readMetricPublishers(this.reader, region, filter.metric))),
    ]);
    await this.readTopics();
  }

  async readCompositeParents(region: string, childArn: string, childName: string): Promise<void> {
    this.composites.push(...(await readCompositeParents(this.reader, region, childArn, childName)));
  }

  readMetricMathAlarms(region: string): Promise<void> {
    return readMetricMathAlarms(this.reader, this.alarms, region);
  }

  /** The topics of the alarms found so far, each once. */
  readTopics(): Promise<void> {
    return this.topics.readFor([...this.alarms.alarms, ...this.composites]);
  }

  parts(): AccountParts {
    return {
      accountId: this.accountId,
      logGroups: [...this.logGroups],
      alarms: [...this.alarms.alarms],
      alarmSearches: [...this.alarms.searches],
      topics: [...this.topics.topics],
      metricPublishers: [...this.publishers],
      ...(this.composites.length ? { compositeAlarms: [...this.composites] } : {}),
    };
  }
}

function endsBehindWorkingFilter(chain: ChainReport): boolean {
  return chain.status === 'broken' && chain.links.find((link) => link.link === 'filter')?.status === 'ok';
}

/** A chain whose alarm works but whose own notification does not: a composite parent may notify instead. */
function endsBehindWorkingAlarm(chain: ChainReport): boolean {
  return chain.status === 'broken' && chain.alarmArn !== undefined && !chain.compositeAlarmArn && chain.links.find((link) => link.link === 'alarm')?.status === 'ok';
}

async function callerIdentity(reader: Reader, region: string): Promise<{ accountId: string; partition?: string }> {
  const identity = await reader.call('GetCallerIdentity', region, 'the caller', (clients) => clients.sts.send(new GetCallerIdentityCommand({})));
  if (!identity.Account) throw new AwsCallError('GetCallerIdentity', region, 'the caller', new Error('no Account in the response'));
  const partition = identity.Arn?.split(':')[1];
  return { accountId: identity.Account, ...(partition ? { partition } : {}) };
}

/** Who the rule's credentials are, where no snapshot is gathered (an account that left the rule's scope). */
export async function readCaller(clients: RegionalClients, region: string): Promise<{ accountId: string; partition?: string }> {
  return callerIdentity(new Reader(clients), region);
}

/** The timestamps of a finding Security Hub holds, which an update must keep (CreatedAt) and move past (UpdatedAt). */
export interface ExistingFinding {
  createdAt: string;
  updatedAt: string;
}

/**
 * The rule's own finding in Security Hub, if it exists: BatchImportFindings stores the CreatedAt it is sent, so the
 * first one is read back to be kept. Filtered by Id and ProductArn; the response is checked for both as well.
 */
export async function readExistingFinding(clients: RegionalClients, region: string, productArn: string, id: string): Promise<ExistingFinding | undefined> {
  const response = await new Reader(clients).call('GetFindings', region, `finding ${id}`, (regional) =>
    regional.securityHub.send(
      new GetFindingsCommand({
        Filters: { Id: [{ Value: id, Comparison: 'EQUALS' }], ProductArn: [{ Value: productArn, Comparison: 'EQUALS' }] },
      }),
    ),
  );
  const finding = (response.Findings ?? []).find((candidate) => candidate.Id === id && candidate.ProductArn === productArn);
  if (!finding) return undefined;
  if (!finding.CreatedAt || !finding.UpdatedAt) {
    throw new AwsCallError('GetFindings', region, `finding ${id}`, new Error('the finding has no CreatedAt or UpdatedAt'));
  }
  return { createdAt: finding.CreatedAt, updatedAt: finding.UpdatedAt };
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
    ...(status.LatestCloudWatchLogsDeliveryTime ? { latestCloudWatchLogsDeliveryTime: new Date(status.LatestCloudWatchLogsDeliveryTime).toISOString() } : {}),
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

/**
 * The trail's log group, or undefined when it has none, the ARN is malformed, or it is in another partition than
 * the trail (CloudTrail cannot deliver there, and this partition's credentials cannot read it): the evaluator says which.
 */
function logGroupOf(trail: TrailSnapshot): LogGroupRef | undefined {
  if (!trail.cloudWatchLogsLogGroupArn) return undefined;
  try {
    const ref = parseLogGroupArn(trail.cloudWatchLogsLogGroupArn);
    return ref.partition === parseTrailArn(trail.arn).partition ? ref : undefined;
  } catch (error) {
    if (error instanceof ArnError) return undefined;
    throw error;
  }
}

/** The topic an alarm action names, or undefined when its ARN is malformed (the evaluator says why). */
function topicOf(arn: string): NamedResourceRef | undefined {
  try {
    return parseTopicArn(arn);
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
            ...(query.Period !== undefined ? { period: query.Period } : {}),
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
    ...(alarm.StateValue ? { stateValue: alarm.StateValue } : {}),
    ...(alarm.StateUpdatedTimestamp ? { stateUpdatedTimestamp: new Date(alarm.StateUpdatedTimestamp).toISOString() } : {}),
  };
}

/**
 * Every metric filter of the region that writes into this metric name and namespace, whatever its log group and
 * dimensions (DescribeMetricFilters by metricName and metricNamespace): their values add up in the alarm's metric.
 */
async function readMetricPublishers(reader: Reader, region: string, metric: MetricId): Promise<MetricPublishers> {
  const filters = await reader.paginate(
    'DescribeMetricFilters',
    region,
    `metric ${metric.namespace}/${metric.name} (every log group)`,
    (clients, nextToken) => clients.logs.send(new DescribeMetricFiltersCommand({ metricName: metric.name, metricNamespace: metric.namespace, nextToken })),
    (response) => response.metricFilters,
    (response) => response.nextToken,
  );
  return {
    region,
    namespace: metric.namespace,
    name: metric.name,
    filters: filters.flatMap((filter) =>
      filterSnapshots(filter)
        .filter((snapshot) => snapshot.metric.namespace === metric.namespace && snapshot.metric.name === metric.name)
        .map((snapshot) => ({ ...snapshot, logGroupName: filter.logGroupName ?? '' })),
    ),
  };
}

async function readCompositeParents(reader: Reader, region: string, childArn: string, childName: string): Promise<CompositeAlarmSnapshot[]> {
  const composites = await reader.paginate(
    'DescribeAlarms',
    region,
    `composite alarms over alarm ${childName}`,
    (clients, NextToken) => clients.cloudWatch.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'], ParentsOfAlarmName: childName, NextToken })),
    (response) => response.CompositeAlarms,
    (response) => response.NextToken,
  );
  return composites.map((composite) => ({
    name: composite.AlarmName ?? '',
    arn: composite.AlarmArn ?? '',
    region,
    actionsEnabled: composite.ActionsEnabled ?? true,
    alarmActions: composite.AlarmActions ?? [],
    alarmRule: composite.AlarmRule ?? '',
    childArn,
  }));
}

/**
 * Topics of the alarms' actions, each read once, in its own region: the subscriptions, the topic's attributes
 * (policy, KMS key), the key (DescribeKey, GetKeyPolicy) unless it is alias/aws/sns, and the filter policy of
 * each confirmed subscription over a counted protocol (GetSubscriptionAttributes).
 */
class TopicCollector {
  readonly topics: TopicSnapshot[] = [];
  private readonly requested = new Set<string>();

  constructor(
    private readonly reader: Reader,
    private readonly accountId: string,
    private readonly parameters: RuleParameters,
  ) {}

  async readFor(alarms: { alarmActions: string[] }[]): Promise<void> {
    const arns = [...new Set(alarms.flatMap((alarm) => alarm.alarmActions.filter(isSnsTopicArn)))].filter((arn) => !this.requested.has(arn));
    arns.forEach((arn) => this.requested.add(arn));
    const refs = arns.flatMap((arn) => topicOf(arn) ?? []);
    this.topics.push(...(await Promise.all(refs.map((ref) => this.read(ref)))));
  }

  private async read(ref: NamedResourceRef): Promise<TopicSnapshot> {
    const arn = ref.arn;
    try {
      const [listed, attributes] = await Promise.all([
        this.reader.paginate(
          'ListSubscriptionsByTopic',
          ref.region,
          `topic ${arn}`,
          (clients, NextToken) => clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn, NextToken })),
          (response) => response.Subscriptions,
          (response) => response.NextToken,
        ),
        this.reader.call('GetTopicAttributes', ref.region, `topic ${arn}`, (clients) => clients.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))),
      ]);
      const policy = attributes.Attributes?.Policy;
      const kmsMasterKeyId = attributes.Attributes?.KmsMasterKeyId;
      const subscriptions = await Promise.all(
        listed.map(async (subscription) => {
          const entry = { protocol: subscription.Protocol ?? '', endpoint: subscription.Endpoint ?? '', subscriptionArn: subscription.SubscriptionArn ?? '' };
          if (!entry.subscriptionArn.startsWith('arn:') || !this.parameters.subscriberProtocols.includes(entry.protocol)) return entry;
          return { ...entry, filter: await this.subscriptionFilter(ref.region, entry.subscriptionArn) };
        }),
      );
      const key = kmsMasterKeyId && !/(^|:)alias\/aws\/sns$/.test(kmsMasterKeyId) ? await this.readKey(ref, kmsMasterKeyId) : undefined;
      return {
        arn,
        exists: true,
        subscriptions,
        attributes: { ...(policy !== undefined ? { policy } : {}), ...(kmsMasterKeyId ? { kmsMasterKeyId } : {}) },
        ...(key ? { key } : {}),
      };
    } catch (error) {
      if (!(error instanceof AwsCallError)) throw error;
      if (error.code === 'NotFoundException' || error.code === 'NotFound') return { arn, exists: false, subscriptions: [] };
      // Another account's topic may not let this one read it: that chain is unproven, the evaluation goes on.
      if (ref.accountId !== this.accountId && isAccessDenied(error.code)) return { arn, exists: true, unreadable: `${error.api}: ${error.code}`, subscriptions: [] };
      throw error;
    }
  }

  private async subscriptionFilter(region: string, subscriptionArn: string): Promise<{ policy?: string; scope?: string }> {
    const response = await this.reader.call('GetSubscriptionAttributes', region, `subscription ${subscriptionArn}`, (clients) =>
      clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn })),
    );
    const attributes = response.Attributes ?? {};
    return { ...(attributes.FilterPolicy ? { policy: attributes.FilterPolicy } : {}), ...(attributes.FilterPolicyScope ? { scope: attributes.FilterPolicyScope } : {}) };
  }

  /**
   * The topic's key, asked in the topic's region (an alias name resolves in the caller's account). GetKeyPolicy
   * works only in the key's own account: another account's key is reported as unreadable, not guessed.
   */
  private async readKey(topic: NamedResourceRef, keyId: string): Promise<KeySnapshot> {
    let described;
    try {
      described = await this.reader.call('DescribeKey', topic.region, `KMS key ${keyId} of topic ${topic.arn}`, (clients) =>
        clients.kms.send(new DescribeKeyCommand({ KeyId: keyId })),
      );
    } catch (error) {
      if (!(error instanceof AwsCallError)) throw error;
      // A key of this account's topic that does not exist: SNS cannot encrypt with it.
      if (error.code === 'NotFoundException' && topic.accountId === this.accountId) return { arn: keyId, keyManager: 'CUSTOMER', keyState: 'deleted (DescribeKey: NotFoundException)' };
      // Another account's topic: its key (or its alias, which resolves in that account) may not be readable from here.
      if (topic.accountId !== this.accountId && (isAccessDenied(error.code) || error.code === 'NotFoundException')) {
        return { arn: keyId, keyManager: 'CUSTOMER', keyState: 'unknown', unreadable: `DescribeKey: ${error.code}` };
      }
      throw error;
    }
    const metadata = described.KeyMetadata;
    if (!metadata?.Arn) throw new AwsCallError('DescribeKey', topic.region, `KMS key ${keyId}`, new Error('the response holds no KeyMetadata'));
    const key = { arn: metadata.Arn, keyManager: metadata.KeyManager ?? 'CUSTOMER', keyState: metadata.KeyState ?? (metadata.Enabled ? 'Enabled' : 'Disabled') };
    const keyAccount = metadata.Arn.split(':')[4];
    if (key.keyManager === 'AWS' || key.keyState !== 'Enabled') return key;
    if (keyAccount !== this.accountId) return { ...key, unreadable: `GetKeyPolicy works only in the key's account, ${keyAccount}` };
    const policy = await this.reader.call('GetKeyPolicy', topic.region, `KMS key ${metadata.Arn}`, (clients) =>
      clients.kms.send(new GetKeyPolicyCommand({ KeyId: metadata.Arn, PolicyName: 'default' })),
    );
    if (policy.Policy === undefined) throw new AwsCallError('GetKeyPolicy', topic.region, `KMS key ${metadata.Arn}`, new Error('the response holds no Policy'));
    return { ...key, policy: policy.Policy };
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
