import { PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { BatchImportFindingsCommand, GetFindingsCommand } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { Logger } from '@aws-lambda-powertools/logger';
import { createHandler } from '../../rule/handler';
import { awsError, MOCK_ACCOUNT, MOCK_REGION, offlineClients, useSeedChainMocks } from '../support/mock-aws';

/**
 * The handler with SecurityHubFindings on, Security Hub stubbed: BatchImportFindings and GetFindings as AWS answers
 * them, including the FailedFindings and access errors moto never returns. The Config verdict must stand whatever
 * Security Hub does.
 */

const mocks = useSeedChainMocks();
const NOW = new Date('2026-03-01T06:00:05.000Z');
const FINDING_ID = 'us-east-1/111122223333/s3-policy-watch/bucket-policy-changes';
const PRODUCT_ARN = 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default';

function event(parameters: Record<string, string> = { SecurityHubFindings: 'true' }, overrides: Record<string, unknown> = {}) {
  return {
    invokingEvent: JSON.stringify({ awsAccountId: MOCK_ACCOUNT, notificationCreationTime: '2026-03-01T06:00:00.000Z', messageType: 'ScheduledNotification' }),
    ruleParameters: JSON.stringify(parameters),
    resultToken: 'eyJyZXN1bHQiOiJ0b2tlbiJ9',
    accountId: MOCK_ACCOUNT,
    ...overrides,
  };
}

function run(ev = event()) {
  const logger = new Logger({ serviceName: 's3-policy-watch', logLevel: 'SILENT' });
  const error = jest.spyOn(logger, 'error');
  const handler = createHandler({ region: MOCK_REGION, clients: offlineClients(), logger, now: () => NOW });
  return { result: handler(ev), error };
}

function importedFinding() {
  const calls = mocks.securityHub.commandCalls(BatchImportFindingsCommand);
  expect(calls).toHaveLength(1);
  expect(calls[0]!.args[0].input.Findings).toHaveLength(1);
  return calls[0]!.args[0].input.Findings![0]!;
}

describe('SecurityHubFindings', () => {
  test('off (the default): Security Hub is not called', async () => {
    const result = await run(event({})).result;
    expect(result.securityHubFinding).toBeUndefined();
    expect(mocks.securityHub.calls()).toHaveLength(0);
  });

  test('on: the finding is looked up by Id and product ARN, then imported once, created now', async () => {
    const result = await run().result;
    expect(result.securityHubFinding).toEqual({ id: FINDING_ID, status: 'PASSED', imported: true });
    expect(mocks.securityHub.commandCalls(GetFindingsCommand)[0]!.args[0].input.Filters).toEqual({
      Id: [{ Value: FINDING_ID, Comparison: 'EQUALS' }],
      ProductArn: [{ Value: PRODUCT_ARN, Comparison: 'EQUALS' }],
    });
    expect(importedFinding()).toMatchObject({
      Id: FINDING_ID,
      ProductArn: PRODUCT_ARN,
      AwsAccountId: MOCK_ACCOUNT,
      CreatedAt: '2026-03-01T06:00:05.000Z',
      UpdatedAt: '2026-03-01T06:00:05.000Z',
      Compliance: { Status: 'PASSED' },
    });
  });

  test('an existing finding keeps its CreatedAt; other findings in the answer are not taken for it', async () => {
    mocks.securityHub.on(GetFindingsCommand).resolves({
      Findings: [
        { Id: 'someone-else', ProductArn: PRODUCT_ARN, CreatedAt: '2025-01-01T00:00:00.000Z', UpdatedAt: '2025-01-01T00:00:00.000Z' } as never,
        { Id: FINDING_ID, ProductArn: PRODUCT_ARN, CreatedAt: '2026-01-15T06:00:00.000Z', UpdatedAt: '2026-02-28T06:00:00.000Z' } as never,
      ],
    });
    await run().result;
    expect(importedFinding()).toMatchObject({ CreatedAt: '2026-01-15T06:00:00.000Z', UpdatedAt: '2026-03-01T06:00:05.000Z' });
  });

  test('an import that is denied: the verdict stands, the failure is logged for the rule-errors alarm and returned', async () => {
    mocks.securityHub.on(BatchImportFindingsCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform securityhub:BatchImportFindings'));
    const { result, error } = run();
    const outcome = await result;
    expect(outcome.compliance).toBe('COMPLIANT');
    expect(mocks.config.commandCalls(PutEvaluationsCommand)).toHaveLength(1);
    expect(outcome.securityHubFinding).toMatchObject({ imported: false, status: 'PASSED', error: expect.stringContaining("(the rule's role needs securityhub:BatchImportFindings)") });
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/not imported; the Config verdict stands/), expect.objectContaining({ securityHubFindingImport: 'FAILED', findingId: FINDING_ID }));
  });

  test('Security Hub not enabled (InvalidAccess in FailedFindings, not an error): reported as a failure that says what to do', async () => {
    mocks.securityHub.on(BatchImportFindingsCommand).resolves({
      FailedCount: 1,
      SuccessCount: 0,
      FailedFindings: [{ Id: FINDING_ID, ErrorCode: 'InvalidAccess', ErrorMessage: 'Account 111122223333 is not subscribed to AWS Security Hub' }],
    });
    const outcome = await run().result;
    expect(outcome.compliance).toBe('COMPLIANT');
    expect(outcome.securityHubFinding?.error).toMatch(/InvalidAccess: Account 111122223333 is not subscribed .*enable Security Hub in us-east-1, or turn the rule parameter SecurityHubFindings off/);
  });

  test('GetFindings denied: nothing is imported with a CreatedAt that would overwrite the real one', async () => {
    mocks.securityHub.on(GetFindingsCommand).rejects(awsError('AccessDeniedException', 'denied'));
    const { result, error } = run();
    const outcome = await result;
    expect(outcome.securityHubFinding?.error).toMatch(/GetFindings failed in us-east-1 .*needs securityhub:GetFindings/);
    expect(mocks.securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(0);
    expect(error).toHaveBeenCalledTimes(1);
  });

  test('Security Hub not enabled, seen by GetFindings (InvalidAccessException): the failure says what to do', async () => {
    mocks.securityHub.on(GetFindingsCommand).rejects(awsError('InvalidAccessException', 'Account 111122223333 is not subscribed to AWS Security Hub'));
    const outcome = await run().result;
    expect(outcome.securityHubFinding?.error).toMatch(/^GetFindings failed in us-east-1 .*not subscribed to AWS Security Hub; enable Security Hub in us-east-1, or turn the rule parameter SecurityHubFindings off$/);
  });

  test('an account that left the scope: its finding becomes NOT_AVAILABLE (one GetCallerIdentity for the partition)', async () => {
    const outcome = await run(event(undefined, { eventLeftScope: true })).result;
    expect(outcome).toMatchObject({ compliance: 'NOT_APPLICABLE', securityHubFinding: { status: 'NOT_AVAILABLE', imported: true } });
    expect(mocks.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    const finding = importedFinding();
    expect(finding).toMatchObject({ Compliance: { Status: 'NOT_AVAILABLE' }, Severity: { Label: 'INFORMATIONAL' } });
    expect(finding.Description).toMatch(/^The account has left the scope of this rule/);
    expect(finding.ProductFields!['s3-policy-watch/SecurityHubCloudWatch8']).toBe('NOT_PREDICTED: the account was not evaluated');
  });
});
