import { ConfigServiceClient, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { regionalClients } from '../../rule/clients';
import { AwsCallError } from '../../rule/gather';
import { createHandler, type HandlerResult } from '../../rule/handler';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { FAULT_SCENARIOS, faultedApis, RULE_APIS } from '../support/faults';
import { motoEndpoint, TestAccount } from '../support/moto';

/**
 * The Lambda handler reading moto through the fault proxy, with PutEvaluations mocked (moto records evaluations
 * only in test mode): when it errs it publishes nothing; when it publishes, it publishes the fault-free verdict.
 * (ids 3197000001xx)
 */

const RUNS = 12;
const REGION = 'us-east-1';
const config = mockClient(ConfigServiceClient);

function scheduledEvent(accountId: string) {
  return {
    invokingEvent: JSON.stringify({ awsAccountId: accountId, notificationCreationTime: '2026-03-01T06:00:00.000Z', messageType: 'ScheduledNotification' }),
    ruleParameters: '{}',
    resultToken: 'eyJyZXN1bHQiOiJ0b2tlbiJ9',
    accountId,
  };
}

/** A handler for the account's Config events, reading it through a fault proxy; new clients per invocation. */
async function faultedHandler(scenario: keyof typeof FAULT_SCENARIOS, accountId: string) {
  const account = new TestAccount(accountId, REGION);
  await FAULT_SCENARIOS[scenario].build(account);
  const proxy = await startFaultProxy(motoEndpoint(), { headers: account.options().headers });
  // New clients per invocation, as in a fresh Lambda container: no retry quota carried over.
  const invoke = () => createHandler({ region: REGION, clients: regionalClients({ region: REGION, endpoint: proxy.endpoint }) })(scheduledEvent(accountId));
  return { proxy, invoke };
}

/** The evaluations published since the last resetHistory. */
function published() {
  return config.commandCalls(PutEvaluationsCommand).map((call) => call.args[0].input.Evaluations![0]);
}

beforeAll(() => config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] }));
beforeEach(() => config.resetHistory());
afterAll(() => config.restore());

describe.each([
  ['compliant', '319700000101'],
  ['nonCompliant', '319700000102'],
] as const)('the handler on the %s account through injected faults', (scenario, accountId) => {
  let proxy: FaultProxy;
  let invoke: () => Promise<HandlerResult>;
  let baseline: HandlerResult;

  beforeAll(async () => {
    ({ proxy, invoke } = await faultedHandler(scenario, accountId));
    baseline = await invoke();
  });
  afterAll(() => proxy?.stop());

  test(`${RUNS} invocations at 20% faults: one evaluation with the fault-free verdict, or an error naming the API and nothing published`, async () => {
    const outcomes = { published: 0, failed: 0 };
    for (let run = 1; run <= RUNS; run++) {
      config.resetHistory();
      proxy.plan({ rate: 0.2, seed: 100 + run });
      const outcome = await invoke().then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      if ('result' in outcome) {
        expect(outcome.result).toEqual(baseline);
        expect(published()).toEqual([expect.objectContaining({ ComplianceType: baseline.compliance, Annotation: baseline.annotation })]);
        outcomes.published += 1;
      } else {
        expect(outcome.error).toBeInstanceOf(AwsCallError);
        expect(faultedApis(proxy.counts())).toContain((outcome.error as AwsCallError).api);
        expect((outcome.error as AwsCallError).region).toBe(REGION);
        expect(published()).toEqual([]);
        outcomes.failed += 1;
      }
    }
    expect(outcomes.published + outcomes.failed).toBe(RUNS);
    expect(outcomes.published).toBeGreaterThan(RUNS / 2);
  });
});

describe('the handler when one API fails on every attempt', () => {
  let proxy: FaultProxy;
  let invoke: () => Promise<HandlerResult>;

  // Broken at the last link, so that every API of the rule is called.
  beforeAll(async () => void ({ proxy, invoke } = await faultedHandler('nonCompliant', '319700000103')));
  afterAll(() => proxy?.stop());

  test.each(RULE_APIS)('%s: the invocation fails naming it, nothing is published', async (api) => {
    proxy.plan({ rate: 1, apis: [api], kinds: ['http500', 'http503', 'drop', 'lostReply'], seed: 7 });
    await expect(invoke()).rejects.toThrow(new RegExp(`^${api} failed in ${REGION} for `));
    expect(published()).toEqual([]);
  });
});
