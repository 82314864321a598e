import { PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { Logger } from '@aws-lambda-powertools/logger';
import { createHandler } from '../../rule/handler';
import {
  awsError,
  MOCK_ACCOUNT,
  MOCK_REGION,
  offlineClients,
  useSeedChainMocks,
} from '../support/mock-aws';

const NOTIFICATION_TIME = '2026-03-01T06:00:00.000Z';

function scheduledEvent(overrides: Record<string, unknown> = {}, invoking: Record<string, unknown> = {}) {
  return {
    version: '1.0',
    invokingEvent: JSON.stringify({ awsAccountId: MOCK_ACCOUNT, notificationCreationTime: NOTIFICATION_TIME, messageType: 'ScheduledNotification', recordVersion: '1.0', ...invoking }),
    ruleParameters: '{}',
    resultToken: 'eyJyZXN1bHQiOiJ0b2tlbiJ9',
    eventLeftScope: false,
    executionRoleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/config-role`,
    configRuleArn: `arn:aws:config:${MOCK_REGION}:${MOCK_ACCOUNT}:config-rule/config-rule-abc`,
    configRuleName: 's3-policy-watch',
    configRuleId: 'config-rule-abc',
    accountId: MOCK_ACCOUNT,
    ...overrides,
  };
}

const mocks = useSeedChainMocks();

const handler = (options: { testMode?: boolean; logger?: Logger } = {}) => createHandler({ region: MOCK_REGION, clients: offlineClients(), ...options });

function publishedEvaluation() {
  const calls = mocks.config.commandCalls(PutEvaluationsCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input;
}

describe('handler', () => {
  test('evaluates the account and publishes one evaluation of AWS::::Account in real mode', async () => {
    const result = await handler()(scheduledEvent());
    expect(result).toEqual({
      compliance: 'COMPLIANT',
      annotation: expect.stringMatching(/^Trail main → log group CloudTrail\/Default → filter "s3-policy"/),
      accountId: MOCK_ACCOUNT,
      region: MOCK_REGION,
      orderingTimestamp: NOTIFICATION_TIME,
      testMode: false,
      apiCalls: 10,
    });
    expect(publishedEvaluation()).toEqual({
      Evaluations: [
        {
          ComplianceResourceType: 'AWS::::Account',
          ComplianceResourceId: MOCK_ACCOUNT,
          ComplianceType: 'COMPLIANT',
          Annotation: result.annotation,
          OrderingTimestamp: new Date(NOTIFICATION_TIME),
        },
      ],
      ResultToken: 'eyJyZXN1bHQiOiJ0b2tlbiJ9',
      TestMode: false,
    });
  });

  test.each([
    ['the TESTMODE result token', scheduledEvent({ resultToken: 'TESTMODE' }), {}],
    ['test mode asked by the caller', scheduledEvent(), { testMode: true }],
  ])('%s publishes with TestMode', async (_what, event, options) => {
    await handler(options)(event);
    expect(publishedEvaluation().TestMode).toBe(true);
  });

  test.each(['ConfigurationItemChangeNotification', 'OversizedConfigurationItemChangeNotification'])('a %s also evaluates the account', async (messageType) => {
    const result = await handler()(scheduledEvent({}, { messageType, awsAccountId: undefined }));
    expect(result.compliance).toBe('COMPLIANT');
    expect(publishedEvaluation().Evaluations![0]!.ComplianceType).toBe('COMPLIANT');
  });

  test('a NON_COMPLIANT verdict is published with its annotation', async () => {
    mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [] });
    const result = await handler()(scheduledEvent());
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(publishedEvaluation().Evaluations![0]).toMatchObject({
      ComplianceType: 'NON_COMPLIANT',
      Annotation: 'Trail main → log group CloudTrail/Default: has no metric filter: add one that matches PutBucketPolicy or DeleteBucketPolicy',
    });
  });

  test('rule parameters from the event change the verdict', async () => {
    const result = await handler()(scheduledEvent({ ruleParameters: JSON.stringify({ RequiredEvents: 'CIS' }) }));
    expect(result.compliance).toBe('NON_COMPLIANT');
    expect(result.annotation).toMatch(/covers PutBucketPolicy, DeleteBucketPolicy but not PutBucketAcl/);
  });

  test('eventLeftScope publishes NOT_APPLICABLE without reading the account', async () => {
    const result = await handler()(scheduledEvent({ eventLeftScope: true }));
    expect(result).toMatchObject({ compliance: 'NOT_APPLICABLE', apiCalls: 0 });
    expect(publishedEvaluation().Evaluations![0]).toMatchObject({ ComplianceType: 'NOT_APPLICABLE', Annotation: expect.stringMatching(/left the scope/) });
    expect(mocks.sts.calls()).toHaveLength(0);
  });

  test.each([
    ['not an object', 'ScheduledNotification', /the event is not a JSON object/],
    ['invokingEvent is not JSON', scheduledEvent({ invokingEvent: '{"messageType":' }), /invokingEvent is not valid JSON/],
    ['no invokingEvent', scheduledEvent({ invokingEvent: undefined }), /the event has no invokingEvent/],
    ['a wrong messageType', scheduledEvent({}, { messageType: 'ConfigurationSnapshotDeliveryCompleted' }), /messageType is "ConfigurationSnapshotDeliveryCompleted"; expected one of ScheduledNotification/],
    ['no notification time', scheduledEvent({}, { notificationCreationTime: undefined }), /notificationCreationTime is undefined, not a timestamp/],
    ['no resultToken', scheduledEvent({ resultToken: undefined }), /the event has no resultToken/],
    ['a malformed accountId', scheduledEvent({ accountId: '1234' }), /accountId is "1234", not a 12-digit account id/],
    ['two different accounts', scheduledEvent({}, { awsAccountId: '999988887777' }), /awsAccountId "999988887777" differs from the event's accountId 111122223333/],
    ['eventLeftScope not a boolean', scheduledEvent({ eventLeftScope: 'true' }), /eventLeftScope is "true", not true or false/],
    ['an unknown rule parameter', scheduledEvent({ ruleParameters: '{"RequiredEvent":"CIS"}' }), /unknown rule parameter "RequiredEvent"/],
    ['a bad boolean parameter', scheduledEvent({ ruleParameters: '{"SecurityHubParity":"yes"}' }), /SecurityHubParity must be "true" or "false", got "yes"/],
  ])('%s: a clear error, nothing read, nothing published', async (_what, event, message) => {
    await expect(handler()(event)).rejects.toThrow(message);
    expect(mocks.sts.calls()).toHaveLength(0);
    expect(mocks.config.calls()).toHaveLength(0);
  });

  test('a read that fails fails the invocation, naming API, region and resource, and publishes nothing', async () => {
    mocks.logs.on(DescribeMetricFiltersCommand).rejects(awsError('AccessDeniedException', 'User is not authorized to perform logs:DescribeMetricFilters'));
    await expect(handler()(scheduledEvent())).rejects.toThrow(
      "DescribeMetricFilters failed in us-east-1 for log group CloudTrail/Default: AccessDeniedException: User is not authorized to perform logs:DescribeMetricFilters (the rule's role needs logs:DescribeMetricFilters)",
    );
    expect(mocks.config.calls()).toHaveLength(0);
  });

  test('credentials of another account than the event: an error, nothing published', async () => {
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: '999988887777' });
    await expect(handler()(scheduledEvent())).rejects.toThrow(/the event is for account 111122223333, but the rule's credentials read account 999988887777/);
    expect(mocks.config.calls()).toHaveLength(0);
  });

  test('an evaluation Config rejects fails the invocation', async () => {
    mocks.config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [{ ComplianceResourceType: 'AWS::::Account', ComplianceResourceId: MOCK_ACCOUNT, ComplianceType: 'COMPLIANT', OrderingTimestamp: new Date() }] });
    await expect(handler()(scheduledEvent())).rejects.toThrow(/PutEvaluations failed in us-east-1 for account 111122223333: Error: Config rejected the evaluation/);
  });

  test('PutEvaluations refused (an expired result token): the error names it', async () => {
    mocks.config.on(PutEvaluationsCommand).rejects(awsError('InvalidResultTokenException', 'The result token is invalid'));
    await expect(handler()(scheduledEvent())).rejects.toThrow('PutEvaluations failed in us-east-1 for account 111122223333: InvalidResultTokenException: The result token is invalid');
  });

  test('the verdict log line carries the chain report and the API-call count', async () => {
    const logger = new Logger({ serviceName: 's3-policy-watch', logLevel: 'INFO' });
    const info = jest.spyOn(logger, 'info').mockImplementation(() => {});
    await handler({ logger })(scheduledEvent());
    const verdictLog = info.mock.calls.find(([message]) => message === 'verdict');
    expect(verdictLog?.[1]).toMatchObject({
      compliance: 'COMPLIANT',
      accountId: MOCK_ACCOUNT,
      apiCalls: 10,
      chains: [expect.objectContaining({ status: 'complete', filterName: 's3-policy' })],
    });
  });
});
