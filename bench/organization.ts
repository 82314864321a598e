import { startMotoServer } from '../cli/moto-server';
import { inBatches, type SandboxAccount } from '../cli/sandbox-account';
import { evaluateAccount } from '../rule/evaluate';
import { gatherSnapshot } from '../rule/gather';
import { parseRuleParameters } from '../rule/parameters';
import { OrganizationSandbox } from '../test/support/organization';
import { ms, stats, table, timeMsAsync, type Section } from './measure';

/**
 * A member account's evaluation through the trail owner's read-only role (issue 8), on moto with real STS
 * AssumeRole, as the owner account grows: API calls and time must not follow the owner's size. Each size gets a
 * fresh owner and member (ids 3161803398xx) with the organization trail's chain, complete or without its filter,
 * plus N unrelated alarms and N unrelated metric filters (100 per log group, the CloudWatch Logs limit).
 */

const SIZES = [10, 1000, 3000];
const RUNS = 5;
/** Evaluations before the timed ones: the first ones also compile the filter-pattern engine and open connections. */
const WARM_UPS = 3;
const PARAMETERS = parseRuleParameters({ TrailOwnerReadRoleName: 'S3PolicyWatchTrailOwnerRead' });

/** Unrelated metric filters, 100 per log group, created in parallel batches of 50. */
function unrelatedFilters(account: SandboxAccount, count: number): Promise<void> {
  return inBatches(0, count, async (n) => {
    const logGroup = `/aws/lambda/service-${Math.floor(n / 100)}`;
    if (n % 100 === 0) await account.logGroup(logGroup);
    await account.metricFilter({ name: `errors-${n}`, logGroup, pattern: 'ERROR', namespace: 'Services', metricName: `Errors-${n}` });
  });
}

export async function benchOrganization(): Promise<Section> {
  const server = await startMotoServer();
  try {
    const rows: (string | number)[][] = [];
    let id = 0;
    for (const [scenario, chain] of [
      ['complete chain', {}],
      ['no metric filter', { filter: false as const }],
    ] as const) {
      for (const size of SIZES) {
        const owner = `3161803398${String(id++).padStart(2, '0')}`;
        const member = `3161803398${String(id++).padStart(2, '0')}`;
        const org = new OrganizationSandbox(owner, member, server.endpoint);
        await org.readRole('S3PolicyWatchTrailOwnerRead');
        await org.orgChain(chain);
        // The filters are created before the alarms: log groups first, then the noise CloudWatch holds.
        await unrelatedFilters(org.owner, size);
        await org.owner.unrelatedAlarms(size);
        const { clients, clientsFor } = await org.memberConnection();
        const evaluate = async () => {
          const { snapshot, apiCalls } = await gatherSnapshot(clients, 'us-east-1', PARAMETERS, clientsFor);
          return { apiCalls, compliance: evaluateAccount(snapshot, PARAMETERS).compliance };
        };
        const first = await evaluate();
        for (let run = 1; run < WARM_UPS; run += 1) await evaluate();
        const times: number[] = [];
        const calls = new Set<number>();
        for (let run = 0; run < RUNS; run += 1) {
          let result = first;
          times.push(await timeMsAsync(async () => (result = await evaluate())));
          calls.add(result.apiCalls);
          if (result.compliance !== first.compliance) throw new Error(`the verdict changed between runs: ${first.compliance}, then ${result.compliance}`);
        }
        const timing = stats(times);
        rows.push([scenario, size.toLocaleString('en-US'), first.compliance, [...calls].join(', '), ms(timing.median), ms(timing.p95)]);
      }
    }
    return {
      title: 'Organization trail: a member evaluated through the owner account',
      body: [
        `A member account whose only trail is another account's organization trail, with rule parameter TrailOwnerReadRoleName: the rule assumes the read-only role in the owner account and follows the chain there (on moto, with real STS AssumeRole; ${RUNS} timed runs per row after ${WARM_UPS} warm-ups). The owner account also holds N unrelated alarms and N unrelated metric filters on other log groups.`,
        '',
        table(['owner chain', 'N (unrelated alarms, and filters)', 'verdict', 'API calls', 'median', 'p95'], rows),
        '',
        'API calls: GetCallerIdentity and DescribeTrails in the member, AssumeRole, then GetTrailStatus, GetEventSelectors, DescribeMetricFilters on the trail\'s log group only, DescribeAlarmsForMetric on the filter\'s metric only, and ListSubscriptionsByTopic; without a matching filter the chain stops after DescribeMetricFilters. No call lists the owner\'s alarms or log groups, so the count does not move with N. (The one listing the rule makes anywhere, DescribeAlarms for metric-math alarms when a chain has a working filter but no working alarm, is not exercised here.)',
      ].join('\n'),
    };
  } finally {
    await server.stop();
  }
}

if (require.main === module) {
  benchOrganization().then(
    (section) => process.stdout.write(`## ${section.title}\n\n${section.body}\n`),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
