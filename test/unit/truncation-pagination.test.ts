import { DescribeAlarmsCommand, DescribeAlarmsForMetricCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import type { MetadataBearer } from '@smithy/types';
import type { AwsStub } from 'aws-sdk-client-mock';
import {
  awsError,
  MOCK_ACCOUNT,
  MOCK_TOPIC_ARN,
  MOCK_REGION,
  SEED_ALARM,
  SEED_FILTER,
  type RuleClientMocks,
  judgeMockedAccount,
  useSeedChainMocks,
} from '../support/mock-aws';

/**
 * Paginated reads that arrive in odd pages (AWS mocked): empty pages that still carry a token, tokens that loop
 * back, a listing that stops with an error half-way. Reading on gives the verdict of the whole listing; a loop or
 * an error is an error naming API, region and resource, never COMPLIANT or NON_COMPLIANT from the pages read so far.
 */

const mocks = useSeedChainMocks();

async function verdict() {
  return (await judgeMockedAccount()).verdict;
}

const MATH_ALARM: MetricAlarm = {
  ...SEED_ALARM,
  AlarmName: 'math',
  AlarmArn: `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT}:alarm:math`,
  Namespace: undefined,
  MetricName: undefined,
  Statistic: undefined,
  Metrics: [{ Id: 'm1', ReturnData: true, MetricStat: { Metric: { Namespace: 'CloudTrailMetrics', MetricName: 'S3BucketPolicyChangeCount' }, Period: 300, Stat: 'Sum' } }],
};

/** A page: asked with token `asked`, it answers `items` and `next`, or fails. */
type Page = { asked?: string; items?: unknown[]; next?: string } | { asked: string; error: Error };

interface Listing {
  api: string;
  resource: string;
  /** What makes the account COMPLIANT once every page is read. */
  items: unknown[];
  /** Answers the listing's calls page by page, matching each call by the token it sends. */
  answer(mocks: RuleClientMocks, pages: Page[]): void;
}

function paged(stub: AwsStub<object, MetadataBearer, unknown>, command: never, tokenIn: string, tokenOut: string, itemsKey: string, pages: Page[]): void {
  for (const page of pages) {
    const behaviour = stub.on(command, { [tokenIn]: page.asked } as never);
    if ('error' in page) behaviour.rejects(page.error);
    else behaviour.resolves({ [itemsKey]: page.items ?? [], ...(page.next ? { [tokenOut]: page.next } : {}) } as never);
  }
}

const LISTINGS: Listing[] = [
  {
    api: 'DescribeMetricFilters',
    resource: 'log group CloudTrail/Default',
    items: [SEED_FILTER],
    answer: (m, pages) => paged(m.logs as never, DescribeMetricFiltersCommand as never, 'nextToken', 'nextToken', 'metricFilters', pages),
  },
  {
    api: 'ListSubscriptionsByTopic',
    resource: `topic ${MOCK_TOPIC_ARN}`,
    items: [{ Protocol: 'email', Endpoint: 'security@example.com', SubscriptionArn: `${MOCK_TOPIC_ARN}:0b6e1a2c`, TopicArn: MOCK_TOPIC_ARN }],
    answer: (m, pages) => paged(m.sns as never, ListSubscriptionsByTopicCommand as never, 'NextToken', 'NextToken', 'Subscriptions', pages),
  },
  {
    api: 'DescribeAlarms',
    resource: 'all metric alarms (looking for metric-math alarms)',
    items: [MATH_ALARM],
    answer: (m, pages) => {
      // Only a metric-math alarm completes the chain, so the listing of every alarm is what decides.
      m.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [] });
      paged(m.cloudWatch as never, DescribeAlarmsCommand as never, 'NextToken', 'NextToken', 'MetricAlarms', pages);
    },
  },
];

describe.each(LISTINGS)('$api in odd pages', ({ api, resource, items, answer }) => {
  const failure = (why: string) => `${api} failed in ${MOCK_REGION} for ${resource}: ${why}`;

  test('empty pages that carry a token are read on, up to the page with the content', async () => {
    answer(mocks, [
      { asked: undefined, next: 't1' },
      { asked: 't1', next: 't2' },
      { asked: 't2', items },
    ]);
    expect((await verdict()).compliance).toBe('COMPLIANT');
  });

  test('a token that loops back (A, B, A) is an error, not an endless listing or a verdict', async () => {
    answer(mocks, [
      { asked: undefined, next: 'A' },
      { asked: 'A', next: 'B' },
      { asked: 'B', items, next: 'A' },
    ]);
    await expect(verdict()).rejects.toThrow(failure('Error: the service returned nextToken "A" a second time; stopping instead of looping'));
  });

  test('a listing that stops with an error after a page that already completes the chain: an error, not COMPLIANT', async () => {
    answer(mocks, [
      { asked: undefined, items, next: 't1' },
      { asked: 't1', error: awsError('ThrottlingException', 'Rate exceeded') },
    ]);
    await expect(verdict()).rejects.toThrow(failure('ThrottlingException: Rate exceeded'));
  });

  test('a listing that stops with an error after an empty page: an error, not NON_COMPLIANT', async () => {
    answer(mocks, [
      { asked: undefined, next: 't1' },
      { asked: 't1', error: Object.assign(awsError('InternalFailure', 'We encountered an internal error'), { $fault: 'server', $metadata: { httpStatusCode: 500 } }) },
    ]);
    await expect(verdict()).rejects.toThrow(failure('InternalFailure: We encountered an internal error'));
  });
});
