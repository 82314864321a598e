import { DescribeTrailsCommand, type Trail } from '@aws-sdk/client-cloudtrail';
import { DescribeAlarmsCommand, DescribeAlarmsForMetricCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeMetricFiltersCommand, type MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { MAX_ANNOTATION_LENGTH, type Verdict } from '../../rule/evaluate';
import { createHandler } from '../../rule/handler';
import { FOREIGN_TOPIC_ARN, HOSTILE_ALARMS, HOSTILE_FILTERS, HOSTILE_NAMESPACE, hostileExplanations, hostileTrails } from '../support/faults';
import {
  awsError,
  MOCK_ACCOUNT,
  MOCK_LOG_GROUP_ARN,
  MOCK_REGION,
  MOCK_TOPIC_ARN,
  offlineClients,
  SEED_ALARM,
  SEED_FILTER,
  judgeMockedAccount,
  useSeedChainMocks,
} from '../support/mock-aws';

/**
 * Account content the rule does not control (AWS mocked): patterns AWS would reject, 1024-character patterns, deep
 * nesting, pathological regexes, non-ASCII, log groups of other partitions and malformed ARNs, alarms with odd
 * units or metric math, topics of other accounts. The rule stays correct, finishes in bounded time, and the
 * report says what it skipped and why.
 */

const mocks = useSeedChainMocks();

async function evaluate(): Promise<Verdict & { ms: number }> {
  const started = performance.now();
  const { verdict } = await judgeMockedAccount();
  return { ...verdict, ms: performance.now() - started };
}

/** Every link of every chain, as the text report prints it. */
function sentences(verdict: Verdict): string[] {
  return verdict.chains.flatMap((chain) => chain.links.map((link) => (link.subject ? `${link.subject} ${link.detail}` : link.detail)));
}

async function regionOf(call: { thisValue: unknown }): Promise<string> {
  return (call.thisValue as { config: { region: () => Promise<string> } }).config.region();
}

const seedTrail = (): Trail => ({
  Name: 'main',
  TrailARN: `arn:aws:cloudtrail:${MOCK_REGION}:${MOCK_ACCOUNT}:trail/main`,
  HomeRegion: MOCK_REGION,
  IsMultiRegionTrail: true,
  CloudWatchLogsLogGroupArn: MOCK_LOG_GROUP_ARN,
  CloudWatchLogsRoleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/CloudTrail_CloudWatchLogs_Role`,
});

const hostileFilter = (filter: (typeof HOSTILE_FILTERS)[number]): MetricFilter => ({
  filterName: filter.name,
  filterPattern: filter.pattern,
  logGroupName: 'CloudTrail/Default',
  metricTransformations: [{ metricNamespace: HOSTILE_NAMESPACE, metricName: filter.metricName, metricValue: '1' }],
});

const hostileAlarm = (name: string, overrides: Partial<MetricAlarm>): MetricAlarm => ({
  ...SEED_ALARM,
  AlarmName: name,
  AlarmArn: `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT}:alarm:${name}`,
  AlarmActions: [],
  Namespace: HOSTILE_NAMESPACE,
  MetricName: 'Long',
  ...overrides,
});

/** The hostile account of test/support/faults.ts, as AWS would answer for it. */
function answerHostileAccount(): void {
  mocks.cloudTrail.on(DescribeTrailsCommand).resolves({
    trailList: [
      seedTrail(),
      ...hostileTrails(MOCK_ACCOUNT).map((trail) => ({ ...seedTrail(), Name: trail.name, TrailARN: `arn:aws:cloudtrail:${MOCK_REGION}:${MOCK_ACCOUNT}:trail/${trail.name}`, CloudWatchLogsLogGroupArn: trail.logGroupArn })),
    ],
  });
  mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: HOSTILE_FILTERS.map(hostileFilter) });
  const oddUnit = hostileAlarm(HOSTILE_ALARMS.oddUnit.name, { Unit: 'Bytes/Second' });
  const foreignTopic = hostileAlarm('foreign-topic', { MetricName: 'OverBroad', AlarmActions: [FOREIGN_TOPIC_ARN] });
  const metricMath = hostileAlarm(HOSTILE_ALARMS.metricMath.name, {
    Namespace: undefined,
    MetricName: undefined,
    Statistic: undefined,
    Metrics: [
      { Id: 'm1', ReturnData: false, MetricStat: { Metric: { Namespace: HOSTILE_NAMESPACE, MetricName: 'Long' }, Period: 300, Stat: 'Sum' } },
      { Id: 'e1', ReturnData: true, Expression: 'RATE(m1)' },
    ],
  });
  mocks.cloudWatch
    .on(DescribeAlarmsForMetricCommand)
    .resolves({ MetricAlarms: [] })
    .on(DescribeAlarmsForMetricCommand, { MetricName: 'Long' })
    .resolves({ MetricAlarms: [oddUnit] })
    .on(DescribeAlarmsForMetricCommand, { MetricName: 'OverBroad' })
    .resolves({ MetricAlarms: [foreignTopic] });
  mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [oddUnit, foreignTopic, metricMath] });
  mocks.sns.on(ListSubscriptionsByTopicCommand, { TopicArn: FOREIGN_TOPIC_ARN }).rejects(awsError('AuthorizationErrorException', 'not authorized'));
}

describe('an account full of content the rule does not control', () => {
  test('NON_COMPLIANT, every hostile item explained, other partitions not read, in bounded time', async () => {
    answerHostileAccount();
    const verdict = await evaluate();
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toBe(
      'Trail main → log group CloudTrail/Default → filter "long-1024": alarm "bytes-per-second" asks for unit Bytes/Second, but the filter publishes None, so the alarm sees no data (and 1 more broken link further on)',
    );
    const report = sentences(verdict);
    for (const explained of hostileExplanations(MOCK_ACCOUNT)) expect(report).toContainEqual(expect.stringMatching(explained));
    expect(report).toContainEqual(expect.stringMatching(/topic central-alerts \(account 999999999999\) belongs to account 999999999999, whose subscriptions cannot be listed or attributes read from here/));
    // The log groups of aws-cn and aws-us-gov were not asked for: only the trail main's, in its own region.
    const filterReads = mocks.logs.commandCalls(DescribeMetricFiltersCommand).filter((call) => call.args[0].input.logGroupName !== undefined);
    expect(filterReads).toHaveLength(1);
    expect(await regionOf(filterReads[0]!)).toBe(MOCK_REGION);
    // Bounded: the measured worst case is in bench/results.md; this only catches a runaway analysis.
    expect(verdict.ms).toBeLessThan(5000);
  });

  test('the same content next to one complete chain: COMPLIANT through that chain', async () => {
    answerHostileAccount();
    mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [...HOSTILE_FILTERS.map(hostileFilter), SEED_FILTER] });
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand, { MetricName: SEED_FILTER.metricTransformations![0]!.metricName }).resolves({ MetricAlarms: [SEED_ALARM] });
    const verdict = await evaluate();
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.annotation).toBe(
      'Trail main → log group CloudTrail/Default → filter "s3-policy" → alarm "s3-policy-alarm" → topic alerts: PutBucketPolicy and DeleteBucketPolicy changes raise this alarm, which reaches a subscriber',
    );
  });

  test.each([
    ['1025 characters', `{ $.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy${' '.repeat(956)} }`, /at most 1024 characters \(this one has 1025\)/],
    ['600 nested parentheses (beyond the length limit)', `{${'('.repeat(600)}$.eventName = PutBucketPolicy${')'.repeat(600)}}`, /at most 1024 characters/],
    ['an unclosed parenthesis', '{ ($.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy }', /Invalid filter pattern at position/],
    ['three regular expressions', '{ $.eventName = %PutBucketPolicy% || $.eventName = %DeleteBucketPolicy% || $.eventName = %PutBucketPolicy% }', /at most 2 regular expressions/],
    ['a regex group', '{ $.eventName = %(PutBucketPolicy|DeleteBucketPolicy)% }', /Invalid filter pattern at position 18 \("\("\)/],
    ['a non-ASCII character in a regex', '{ $.eventName = %PutBucketPolicyé% }', /Invalid filter pattern at position/],
  ])('a pattern AWS would reject (%s) is reported invalid, not analysed', async (_what, pattern, reason) => {
    mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [{ ...SEED_FILTER, filterName: 'rejected', filterPattern: pattern }] });
    const verdict = await evaluate();
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toMatch(/^Trail main → log group CloudTrail\/Default: filter "rejected" has an invalid pattern \(/);
    expect(sentences(verdict)).toContainEqual(expect.stringMatching(reason));
    // Nothing downstream of an invalid filter is read.
    expect(mocks.cloudWatch.calls()).toHaveLength(0);
  });

  test.each([
    ['a unit the filter does not publish', { Unit: 'Percent' }, /alarm "s3-policy-alarm" asks for unit Percent, but the filter publishes None/],
    ['a trimmed-count statistic', { Statistic: undefined, ExtendedStatistic: 'TC(10%:90%)' }, /uses statistic TC\(10%:90%\), for which whether one change fires the alarm cannot be told/],
    [
      'metric math with two results',
      {
        MetricName: undefined,
        Statistic: undefined,
        Metrics: [
          { Id: 'm1', ReturnData: true, MetricStat: { Metric: { Namespace: 'CloudTrailMetrics', MetricName: 'S3BucketPolicyChangeCount' }, Period: 300, Stat: 'Sum' } },
          { Id: 'm2', ReturnData: true, MetricStat: { Metric: { Namespace: 'CloudTrailMetrics', MetricName: 'S3BucketPolicyChangeCount' }, Period: 60, Stat: 'Sum' } },
        ],
      },
      /is a metric-math alarm without a single query that returns data/,
    ],
    [
      'metric math naming a query that does not exist',
      {
        MetricName: undefined,
        Statistic: undefined,
        Metrics: [
          { Id: 'm1', ReturnData: false, MetricStat: { Metric: { Namespace: 'CloudTrailMetrics', MetricName: 'S3BucketPolicyChangeCount' }, Period: 300, Stat: 'Sum' } },
          { Id: 'e1', ReturnData: true, Expression: 'm9' },
        ],
      },
      /evaluates the expression "m9", not the filter's metric itself/,
    ],
  ] as [string, Partial<MetricAlarm>, RegExp][])('an alarm with %s: that chain is broken and says why', async (_what, overrides, reason) => {
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [{ ...SEED_ALARM, ...overrides }] });
    mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    const verdict = await evaluate();
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toMatch(reason);
  });

  test('a malformed topic ARN among the alarm actions is explained and not read; a good topic still counts', async () => {
    const malformed = `arn:aws:sns:${MOCK_REGION}:12345:alerts`;
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [{ ...SEED_ALARM, AlarmActions: [malformed] }] });
    mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    const broken = await evaluate();
    expect(broken.compliance).toBe('NON_COMPLIANT');
    expect(broken.annotation).toMatch(/notifies a destination this rule cannot follow: SNS topic ARN "arn:aws:sns:us-east-1:12345:alerts" is not a valid ARN \("12345" is not a 12-digit account id\)/);
    expect(mocks.sns.calls()).toHaveLength(0);

    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [{ ...SEED_ALARM, AlarmActions: [malformed, MOCK_TOPIC_ARN] }] });
    expect((await evaluate()).compliance).toBe('COMPLIANT');
  });

  test("another account's topic that throttles is an error, not an unreadable topic", async () => {
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [{ ...SEED_ALARM, AlarmActions: [FOREIGN_TOPIC_ARN] }] });
    mocks.sns.on(ListSubscriptionsByTopicCommand).rejects(awsError('Throttled', 'Rate exceeded'));
    await expect(evaluate()).rejects.toThrow(`ListSubscriptionsByTopic failed in us-east-1 for topic ${FOREIGN_TOPIC_ARN}: Throttled: Rate exceeded`);
  });

  test('emoji names longer than the annotation: cut to 256 characters, never half an emoji', async () => {
    const name = '🪣'.repeat(200);
    mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [{ ...SEED_FILTER, filterName: name, filterPattern: '{ $.eventName = PutBucketPolicy }' }] });
    const verdict = await evaluate();
    expect(verdict.annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    expect(verdict.annotation).toMatch(/^filter "🪣+…$/u);
    expect(verdict.annotation).not.toMatch(/\p{Cs}/u); // no lone half of a surrogate pair
  });

  test("subscribers' e-mail addresses and phone numbers reach no log line, annotation or evaluation", async () => {
    mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [
        { Protocol: 'email', Endpoint: 'jane.doe@example.com', SubscriptionArn: `${MOCK_TOPIC_ARN}:0b6e1a2c` },
        { Protocol: 'sms', Endpoint: '+15555550123', SubscriptionArn: 'PendingConfirmation' },
      ],
    });
    const logger = new Logger({ serviceName: 's3-policy-watch', logLevel: 'DEBUG' });
    const logged: unknown[] = [];
    for (const level of ['debug', 'info', 'warn', 'error'] as const) jest.spyOn(logger, level).mockImplementation((...line: unknown[]) => void logged.push(line));
    const event = {
      invokingEvent: JSON.stringify({ awsAccountId: MOCK_ACCOUNT, notificationCreationTime: '2026-03-01T06:00:00.000Z', messageType: 'ScheduledNotification' }),
      resultToken: 'token',
      accountId: MOCK_ACCOUNT,
    };
    const result = await createHandler({ region: MOCK_REGION, clients: offlineClients(), logger })(event);
    expect(result.compliance).toBe('COMPLIANT');
    expect(logged.length).toBeGreaterThan(0);
    const written = JSON.stringify([logged, result, mocks.config.calls().map((call) => call.args[0].input)]);
    expect(written).toContain('has 1 confirmed subscription (email)');
    expect(written).not.toMatch(/jane\.doe|5555550123/);
  });
});
