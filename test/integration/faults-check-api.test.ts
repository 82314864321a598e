import { startFaultProxy, type FaultKind, type FaultProxy } from '../support/fault-proxy';
import { checkThrough, FAULT_SCENARIOS, RULE_APIS } from '../support/faults';
import { motoEndpoint, TestAccount } from '../support/moto';

/**
 * `s3-policy-watch check` when one API of the rule fails on every attempt (moto behind the fault proxy): exit 2,
 * naming the API and the region, nothing on stdout. (id 319700000003)
 */

const REGION = 'us-east-1';

const check = (proxy: FaultProxy) => checkThrough(proxy.endpoint, REGION);

describe('check when one API fails on every attempt', () => {
  let proxy: FaultProxy;

  beforeAll(async () => {
    const account = new TestAccount('319700000003', REGION);
    // Broken at the last link, so that every API of the rule is called.
    await FAULT_SCENARIOS.nonCompliant.build(account);
    proxy = await startFaultProxy(motoEndpoint(), { headers: account.options().headers });
  });
  afterAll(() => proxy?.stop());

  // Throttling is retried the same way, only with longer back-off; bench/faults.ts covers it.
  const kinds: FaultKind[] = ['http500', 'http503', 'drop', 'lostReply'];

  test.each(RULE_APIS)('%s: exit 2 naming it and the region, after the default 5 attempts, no verdict printed', async (api) => {
    proxy.plan({ rate: 1, apis: [api], kinds, seed: 11 });
    const { code, stdout, stderr } = await check(proxy);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^s3-policy-watch check: ${api} failed in ${REGION} for .+: .*(InternalFailure|ServiceUnavailable|socket hang up)`));
    expect(proxy.counts().requests[api]).toBe(5);
  });

  test('slow answers from every API: the same verdict, later', async () => {
    proxy.plan({ rate: 0, seed: 1 });
    const fast = await check(proxy);
    proxy.plan({ rate: 1, kinds: ['slow'], slowMs: 100, seed: 1 });
    const slow = await check(proxy);
    // Every request slowed: each API once, but DescribeMetricFilters (the log group, the metric's writers) and
    // DescribeAlarms (metric-math alarms, composite parents) twice.
    expect(proxy.injectedTotal()).toBe(RULE_APIS.length + 2);
    expect(slow).toEqual(fast);
  });
});
