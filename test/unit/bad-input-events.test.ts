import { ConfigEventError, createHandler } from '../../rule/handler';
import { ParameterError } from '../../rule/parameters';
import { MOCK_ACCOUNT, MOCK_REGION, offlineClients, useSeedChainMocks } from '../support/mock-aws';

/**
 * Config events the handler must refuse: each gets an error that names the problem, before anything is read, and
 * nothing is published. (test/unit/handler.test.ts covers the first cases: an event that is not an object, an
 * invokingEvent that is missing or not JSON, a wrong messageType, a missing time, result token or account id.)
 */

const OTHER_ACCOUNT = '999988887777';

function event(overrides: Record<string, unknown> = {}, invoking: Record<string, unknown> = {}) {
  return {
    version: '1.0',
    invokingEvent: JSON.stringify({ awsAccountId: MOCK_ACCOUNT, notificationCreationTime: '2026-03-01T06:00:00.000Z', messageType: 'ScheduledNotification', recordVersion: '1.0', ...invoking }),
    ruleParameters: '{}',
    resultToken: 'eyJyZXN1bHQiOiJ0b2tlbiJ9',
    eventLeftScope: false,
    configRuleName: 's3-policy-watch',
    accountId: MOCK_ACCOUNT,
    ...overrides,
  };
}

/** What Config sends when the changed configuration item is too large for the event: a summary and an S3 location. */
function oversizedEvent(summaryAccount: string) {
  return event(
    {},
    {
      awsAccountId: undefined,
      messageType: 'OversizedConfigurationItemChangeNotification',
      configurationItemSummary: {
        changeType: 'UPDATE',
        configurationItemVersion: '1.3',
        configurationItemCaptureTime: '2026-03-01T05:59:00.000Z',
        configurationStateId: 1772344740000,
        awsAccountId: summaryAccount,
        configurationItemStatus: 'OK',
        resourceType: 'AWS::S3::Bucket',
        resourceId: 'example-bucket',
        resourceName: 'example-bucket',
        ARN: 'arn:aws:s3:::example-bucket',
        awsRegion: MOCK_REGION,
      },
      s3DeliverySummary: { s3BucketLocation: 'config-bucket/AWSLogs/oversized.json.gz', errorCode: null, errorMessage: null },
    },
  );
}

const mocks = useSeedChainMocks();

const handler = () => createHandler({ region: MOCK_REGION, clients: offlineClients() });

describe('Config events the handler refuses', () => {
  test.each([
    ['the event as JSON text (encoded twice)', JSON.stringify(event()), ConfigEventError, 'the event is not a JSON object'],
    ['invokingEvent as an object, not JSON text', event({ invokingEvent: { messageType: 'ScheduledNotification' } }), ConfigEventError, 'the event has no invokingEvent (a JSON string)'],
    ['invokingEvent a JSON array', event({ invokingEvent: '[]' }), ConfigEventError, 'invokingEvent is not a JSON object'],
    ['invokingEvent JSON null', event({ invokingEvent: 'null' }), ConfigEventError, 'invokingEvent is not a JSON object'],
    ['no messageType', event({}, { messageType: undefined }), ConfigEventError, 'invokingEvent.messageType is undefined; expected one of ScheduledNotification, ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotification'],
    ['a messageType that is not text', event({}, { messageType: 7 }), ConfigEventError, 'invokingEvent.messageType is 7; expected one of'],
    ['a notification time that is not a time', event({}, { notificationCreationTime: 'yesterday' }), ConfigEventError, 'invokingEvent.notificationCreationTime is "yesterday", not a timestamp'],
    ['an empty result token', event({ resultToken: '' }), ConfigEventError, 'the event has no resultToken'],
    ['a result token that is not text', event({ resultToken: 42 }), ConfigEventError, 'the event has no resultToken'],
    ['no accountId', event({ accountId: undefined }), ConfigEventError, "the event's accountId is undefined, not a 12-digit account id"],
    ['an accountId given as a number', event({ accountId: 111122223333 }), ConfigEventError, "the event's accountId is 111122223333, not a 12-digit account id"],
    [
      'a change notification about another account',
      event({}, { awsAccountId: undefined, messageType: 'ConfigurationItemChangeNotification', configurationItem: { awsAccountId: OTHER_ACCOUNT, resourceType: 'AWS::S3::Bucket' } }),
      ConfigEventError,
      `invokingEvent.configurationItem.awsAccountId "${OTHER_ACCOUNT}" differs from the event's accountId ${MOCK_ACCOUNT}`,
    ],
    [
      'an oversized notification about another account',
      oversizedEvent(OTHER_ACCOUNT),
      ConfigEventError,
      `invokingEvent.configurationItemSummary.awsAccountId "${OTHER_ACCOUNT}" differs from the event's accountId ${MOCK_ACCOUNT}`,
    ],
    ['ruleParameters as an object, not JSON text', event({ ruleParameters: { RequiredEvents: 'CIS' } }), ConfigEventError, 'ruleParameters must be a JSON string, as Config sends it'],
    ['ruleParameters that are not JSON', event({ ruleParameters: '{RequiredEvents: CIS}' }), ParameterError, 'rule parameters are not valid JSON'],
    ['ruleParameters that are a JSON string', event({ ruleParameters: '"CIS"' }), ParameterError, 'rule parameters must be a JSON object of strings such as {"RequiredEvents":"CIS"}, got "CIS"'],
    ['a parameter that is a number', event({ ruleParameters: '{"RequireMultiRegionTrail":1}' }), ParameterError, 'rule parameter RequireMultiRegionTrail must be "true" or "false", got 1'],
    [
      'an event name the catalog does not know',
      event({ ruleParameters: '{"RequiredEvents":"PutBucketPolicy,DeleteBucketPolicies"}' }),
      ParameterError,
      'rule parameter RequiredEvents: "DeleteBucketPolicies" is not an S3 change event this rule knows. Use POLICY, CIS or a comma list of:',
    ],
    ['a parameter name in the wrong case', event({ ruleParameters: '{"requiredEvents":"CIS"}' }), ParameterError, 'unknown rule parameter "requiredEvents" (did you mean RequiredEvents? names are case-sensitive)'],
  ])('%s: a clear error, nothing read, nothing published', async (_what, input, type, message) => {
    const invocation = handler()(input);
    await expect(invocation).rejects.toThrow(type);
    await expect(invocation).rejects.toThrow(message);
    expect(mocks.sts.calls()).toHaveLength(0);
    expect(mocks.config.calls()).toHaveLength(0);
  });

  test('an oversized notification about this account evaluates the account, not the summarized resource', async () => {
    const result = await handler()(oversizedEvent(MOCK_ACCOUNT));
    expect(result.compliance).toBe('COMPLIANT');
    const published = mocks.config.calls().map((call) => (call.args[0].input as { Evaluations: unknown[] }).Evaluations);
    expect(published).toEqual([[expect.objectContaining({ ComplianceResourceType: 'AWS::::Account', ComplianceResourceId: MOCK_ACCOUNT, ComplianceType: 'COMPLIANT' })]]);
  });
});
