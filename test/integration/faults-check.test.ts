import { startFaultProxy, FAULT_KINDS, type FaultProxy } from '../support/fault-proxy';
import { checkThrough, FAULT_SCENARIOS, faultedApis, judgeRun, RunTally, type CliRun } from '../support/faults';
import { motoEndpoint, TestAccount } from '../support/moto';

/**
 * `s3-policy-watch check`, exactly as a user runs it (default retries), against moto through a proxy that injects
 * throttling, HTTP 500/503, dropped connections, lost answers and slow answers. Every run gives the fault-free
 * verdict or exits 2 naming the API that failed and the region: never a wrong verdict. (ids 3197000000xx; the
 * 100-run numbers are bench/faults.ts's; faults-check-api.test.ts fails each API in turn.)
 */

const RUNS = 25;
const REGION = 'us-east-1';
const ACCOUNT_IDS = { compliant: '319700000001', nonCompliant: '319700000002' } as const;

const check = (proxy: FaultProxy) => checkThrough(proxy.endpoint, REGION);

describe.each(Object.keys(FAULT_SCENARIOS) as (keyof typeof FAULT_SCENARIOS)[])('check on the %s account through injected faults', (scenario) => {
  let proxy: FaultProxy;
  let baseline: CliRun;

  beforeAll(async () => {
    const account = new TestAccount(ACCOUNT_IDS[scenario], REGION);
    await FAULT_SCENARIOS[scenario].build(account);
    // The command line cannot select a moto account: the proxy adds the header to every request.
    proxy = await startFaultProxy(motoEndpoint(), { headers: account.options().headers });
    baseline = await check(proxy);
  });
  afterAll(() => proxy?.stop());

  test('without faults: the expected verdict', () => {
    expect(baseline.stderr).toBe('');
    expect(baseline.code).toBe(FAULT_SCENARIOS[scenario].exitCode);
  });

  test(`${RUNS} runs at 20% faults: the fault-free verdict or exit 2 naming the API and region, never a wrong verdict`, async () => {
    const tally = new RunTally();
    const kinds = new Set<string>();
    for (let run = 1; run <= RUNS; run++) {
      proxy.plan({ rate: 0.2, seed: run });
      const result = await check(proxy);
      const counts = proxy.counts();
      Object.values(counts.injected).forEach((byKind) => Object.keys(byKind).forEach((kind) => kinds.add(kind)));
      tally.add(judgeRun(baseline, result, faultedApis(counts), REGION));
    }
    expect(tally.problems).toEqual([]);
    expect(tally.counts.wrong).toBe(0);
    expect(tally.counts.right + tally.counts.error).toBe(RUNS);
    // The runs were really faulted, with every kind of fault, and the SDK's retries carried most of them through.
    expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
    expect(tally.counts.right).toBeGreaterThan(RUNS / 2);
    // A broken chain is read further (the metric's writers, the topic's attributes, composite parents): more calls per run.
  }, 180_000);
});
