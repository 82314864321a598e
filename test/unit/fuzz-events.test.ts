import fc from 'fast-check';
import { CATALOG_EVENT_NAMES } from '../../rule/events/catalog';
import { ConfigEventError, createHandler, parseConfigEvent } from '../../rule/handler';
import { ParameterError, parseRuleParameters } from '../../rule/parameters';
import { answerSeedChain, MOCK_ACCOUNT, MOCK_REGION, mockRuleClients, offlineClients, restoreMocks, type RuleClientMocks } from '../support/mock-aws';

/**
 * Property tests of what the handler parses: Config events and rule parameters, from valid ones bent in every way to
 * random JSON. Either a valid invocation comes out, or one of the handler's documented errors (ConfigEventError,
 * ParameterError) with a message; never a crash, never a publish. Thousands of cases in CI; `npm run fuzz` sets
 * FUZZ_RUNS much higher.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
/** Through the whole handler (mocked AWS) the cases are slower: a quarter as many. */
const HANDLER_RUNS = Math.floor(RUNS / 4);

const MESSAGE_TYPES = ['ScheduledNotification', 'ConfigurationItemChangeNotification', 'OversizedConfigurationItemChangeNotification'];

/** Values each rule parameter accepts (some only in a way a person might not expect: any case, '' for the default). */
const VALID_PARAMETER_VALUES: Record<string, string[]> = {
  RequiredEvents: ['POLICY', 'CIS', 'cis', 'PutBucketPolicy,DeleteBucketPolicy', 'PutBucketAcl', ''],
  AllowOverBroadFilter: ['true', 'false', 'TRUE', ''],
  RequireMultiRegionTrail: ['true', 'False'],
  RequireConfirmedSubscription: ['true', 'false'],
  SecurityHubParity: ['false', 'true'],
  TrailOwnerReadRoleName: ['OrganizationTrailReader', ''],
};

/** Anything a field could be bent into: absent, empty, another account, any text, any JSON. */
const bentValue = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('', ' ', 'TESTMODE', '999988887777', '1234', 'true', 'yes', 'POLICY', 'PutBucketPolicies', 'arn:aws:iam::111122223333:role/x', '2026-13-45'),
  fc.string({ maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A name: a real parameter or field name, one in the wrong case, a prototype name, any text. */
const bentName = (names: string[]) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.constantFrom(...names.map((name) => name.toLowerCase()), '__proto__', 'constructor') }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

/** Rule parameters as Config passes them: valid ones, then up to two entries bent. */
const ruleParameters = fc
  .tuple(
    fc.uniqueArray(
      fc.constantFrom(...Object.keys(VALID_PARAMETER_VALUES)).chain((name) => fc.tuple(fc.constant(name), fc.constantFrom(...VALID_PARAMETER_VALUES[name]!))),
      { selector: ([name]) => name, maxLength: 3 },
    ),
    fc.array(fc.tuple(bentName(Object.keys(VALID_PARAMETER_VALUES)), bentValue), { maxLength: 2 }),
  )
  .map(([valid, bent]) => Object.fromEntries([...valid, ...bent]));

const EVENT_FIELDS = ['invokingEvent', 'ruleParameters', 'resultToken', 'eventLeftScope', 'accountId', 'configRuleName'];
const INVOKING_FIELDS = ['messageType', 'notificationCreationTime', 'awsAccountId', 'configurationItem', 'configurationItemSummary'];

/** One change to a valid event: a field of the event or of its invokingEvent set to a bent value (undefined: removed). */
const bend = fc.record({ inInvokingEvent: fc.boolean(), name: fc.constantFrom(...EVENT_FIELDS, ...INVOKING_FIELDS), value: bentValue });

/** Config events: valid ones (every trigger type, random parameters) with up to two fields bent, or any value at all. */
const configEvent = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom(...MESSAGE_TYPES), ruleParameters, fc.boolean(), fc.constantFrom('eyJyZXN1bHQiOiJ0b2tlbiJ9', 'TESTMODE'), fc.array(bend, { maxLength: 2 }))
      .map(([messageType, parameters, eventLeftScope, resultToken, bends]) => {
        const invoking: Record<string, unknown> = { messageType, notificationCreationTime: '2026-03-01T06:00:00.000Z', recordVersion: '1.0' };
        if (messageType === 'ScheduledNotification') invoking.awsAccountId = MOCK_ACCOUNT;
        else invoking[messageType.startsWith('Oversized') ? 'configurationItemSummary' : 'configurationItem'] = { awsAccountId: MOCK_ACCOUNT, resourceType: 'AWS::S3::Bucket' };
        const event: Record<string, unknown> = { version: '1.0', ruleParameters: JSON.stringify(parameters), resultToken, eventLeftScope, accountId: MOCK_ACCOUNT, configRuleName: 's3-policy-watch' };
        for (const { inInvokingEvent, name, value } of bends) (inInvokingEvent ? invoking : event)[name] = value;
        return { invokingEvent: JSON.stringify(invoking), ...event };
      }),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything() },
);

/** The handler's documented errors for bad input, each with a message that says something. */
function expectDocumentedError(error: unknown): void {
  expect([ConfigEventError, ParameterError].some((type) => error instanceof type)).toBe(true);
  expect((error as Error).message.length).toBeGreaterThan(10);
}

describe('parsing what Config sends', () => {
  test('a Config event gives a valid invocation or a ConfigEventError / ParameterError, nothing else', () => {
    fc.assert(
      fc.property(configEvent, (event) => {
        let invocation;
        try {
          invocation = parseConfigEvent(event);
        } catch (error) {
          expectDocumentedError(error);
          return;
        }
        expect(invocation.accountId).toMatch(/^\d{12}$/);
        expect(MESSAGE_TYPES).toContain(invocation.messageType);
        expect(Number.isNaN(invocation.notificationTime.getTime())).toBe(false);
        expect(invocation.resultToken).not.toBe('');
        expect(invocation.parameters.requiredEvents.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  test('rule parameters give parameters the rule can use, or a ParameterError, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(ruleParameters, ruleParameters.map((value) => JSON.stringify(value)), fc.string()), (input) => {
        let parameters;
        try {
          parameters = parseRuleParameters(input);
        } catch (error) {
          expect(error).toBeInstanceOf(ParameterError);
          return;
        }
        expect(parameters.requiredEvents.length).toBeGreaterThan(0);
        for (const name of parameters.requiredEvents) expect(CATALOG_EVENT_NAMES).toContain(name);
        for (const flag of [parameters.allowOverBroadFilter, parameters.requireMultiRegionTrail, parameters.requireConfirmedSubscription, parameters.securityHubParity]) {
          expect(typeof flag).toBe('boolean');
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the handler on fuzzed events (AWS mocked)', () => {
  let mocks: RuleClientMocks;
  beforeAll(() => {
    mocks = mockRuleClients();
    answerSeedChain(mocks);
  });
  afterAll(() => restoreMocks(mocks));

  test('it publishes one evaluation of a valid event, and for a bad one throws a documented error having read and published nothing', async () => {
    const handler = createHandler({ region: MOCK_REGION, clients: offlineClients() });
    await fc.assert(
      fc.asyncProperty(configEvent, async (event) => {
        Object.values(mocks).forEach((mock) => mock.resetHistory());
        const outcome = await handler(event).then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        if ('error' in outcome) {
          expectDocumentedError(outcome.error);
          expect(mocks.sts.calls()).toHaveLength(0);
          expect(mocks.config.calls()).toHaveLength(0);
          return;
        }
        expect(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE']).toContain(outcome.result.compliance);
        expect(mocks.config.calls()).toHaveLength(1);
      }),
      { numRuns: HANDLER_RUNS },
    );
  });
});
