import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as invoke } from '../../cli/commands/invoke';
import { TestAccount } from '../support/moto';
import { runCli } from '../support/cli';
import { capture } from '../support/cli';

/** `invoke` runs the real handler on a Config event file against moto, and the CLI's error paths (ids 3141592003xx). */

const directory = mkdtempSync(join(tmpdir(), 's3pw-invoke-'));

function eventFile(name: string, accountId: string, overrides: Record<string, unknown> = {}): string {
  const path = join(directory, name);
  const event = {
    version: '1.0',
    invokingEvent: JSON.stringify({ awsAccountId: accountId, notificationCreationTime: '2026-03-01T06:00:00.000Z', messageType: 'ScheduledNotification', recordVersion: '1.0' }),
    ruleParameters: '{}',
    resultToken: 'eyJyZXN1bHQiOiJ0b2tlbiJ9',
    eventLeftScope: false,
    configRuleName: 's3-policy-watch',
    accountId,
    ...overrides,
  };
  writeFileSync(path, JSON.stringify(event));
  return path;
}

async function invokeOn(account: TestAccount, args: string[]) {
  const io = capture();
  const code = await invoke(['--region', account.region, ...args], io, account.options());
  return { code, result: JSON.parse(io.stdout) };
}

describe('invoke', () => {
  test('--test-mode publishes the verdict of a compliant account (TestMode, the only mode moto accepts)', async () => {
    const account = new TestAccount('314159200301');
    await account.chain();
    const { code, result } = await invokeOn(account, ['--event', eventFile('compliant.json', account.accountId), '--test-mode']);
    expect(code).toBe(0);
    expect(result).toMatchObject({ compliance: 'COMPLIANT', accountId: '314159200301', testMode: true, apiCalls: 10, orderingTimestamp: '2026-03-01T06:00:00.000Z' });
  });

  test('the TESTMODE result token alone selects test mode; a NON_COMPLIANT verdict exits 1', async () => {
    const account = new TestAccount('314159200302');
    await account.chain({ filter: false });
    const { code, result } = await invokeOn(account, ['--event', eventFile('testmode-token.json', account.accountId, { resultToken: 'TESTMODE' })]);
    expect(code).toBe(1);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', testMode: true, annotation: expect.stringMatching(/has no metric filter/) });
  });

  test('an event file that is not JSON: exit 2, naming the file', async () => {
    const path = join(directory, 'broken.json');
    writeFileSync(path, '{"invokingEvent":');
    const { code, stderr } = await runCli(['invoke', '--event', path, '--region', 'us-east-1']);
    expect(code).toBe(2);
    expect(stderr).toContain(`cannot read the Config event from ${path}`);
  });

  test('an event with the wrong message type: exit 2 before anything is read', async () => {
    const path = eventFile('wrong-type.json', '314159200303', { invokingEvent: JSON.stringify({ messageType: 'ConfigurationSnapshotDeliveryCompleted', notificationCreationTime: '2026-03-01T06:00:00.000Z' }) });
    const { code, stderr } = await runCli(['invoke', '--event', path, '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/messageType is "ConfigurationSnapshotDeliveryCompleted"; expected one of ScheduledNotification/);
  });
});

describe('check command line errors', () => {
  // An endpoint nothing listens on: these must fail before any request.
  const offline = ['--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9'];

  test('bad --parameters: exit 2, naming the parameter and its allowed values', async () => {
    const { code, stderr } = await runCli(['check', ...offline, '--parameters', '{"AllowOverBroadFilter":"yes"}']);
    expect(code).toBe(2);
    expect(stderr).toContain('rule parameter AllowOverBroadFilter must be "true" or "false", got "yes"');
  });

  test('an unknown --format: exit 2', async () => {
    const { code, stderr } = await runCli(['check', ...offline, '--format', 'xml']);
    expect(code).toBe(2);
    expect(stderr).toContain('--format must be one of text, json, asff (got "xml")');
  });

  test('an unreachable endpoint: exit 2, naming the API and region', async () => {
    const { code, stderr } = await runCli(['check', ...offline]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/s3-policy-watch check: (GetCallerIdentity|DescribeTrails) failed in us-east-1/);
  });
});
