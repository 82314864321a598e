import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetFindingsCommand, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { run as invoke } from '../../cli/commands/invoke';
import { run as check } from '../../cli/commands/check';
import { regionalClients, type RegionalClients } from '../../rule/clients';
import { createHandler } from '../../rule/handler';
import { asffProblems } from '../../rule/asff-validate';
import { capture } from '../support/cli';
import { motoEndpoint, TestAccount } from '../support/moto';
import { OrganizationSandbox } from '../support/organization';

/**
 * Security Hub findings on moto, which implements BatchImportFindings and GetFindings (it stores what it is sent and
 * ignores GetFindings filters; the rule checks Id and ProductArn itself). Ids 3162277660xx.
 */

const directory = mkdtempSync(join(tmpdir(), 's3pw-securityhub-'));

function eventFile(name: string, accountId: string, parameters: Record<string, string>): string {
  const path = join(directory, name);
  const invokingEvent = JSON.stringify({ awsAccountId: accountId, notificationCreationTime: '2026-03-01T06:00:00.000Z', messageType: 'ScheduledNotification' });
  writeFileSync(path, JSON.stringify({ invokingEvent, ruleParameters: JSON.stringify(parameters), resultToken: 'TESTMODE', accountId }));
  return path;
}

async function findingsOf(clients: RegionalClients, region = 'us-east-1'): Promise<AwsSecurityFinding[]> {
  return (await clients(region).securityHub.send(new GetFindingsCommand({}))).Findings ?? [];
}

async function invokeOn(account: TestAccount, file: string, region = account.region) {
  const io = capture();
  const code = await invoke(['--region', region, '--event', file], io, account.options(region));
  return { code, result: JSON.parse(io.stdout) };
}

const ON = { SecurityHubFindings: 'true' };

describe('invoke with SecurityHubFindings on a moto account', () => {
  test('one finding per account and region, updated on each run: FAILED then PASSED, UpdatedAt advances, CreatedAt kept', async () => {
    const account = new TestAccount('316227760001');
    const clients = regionalClients(account.options());
    const chain = await account.chain({ alarm: false });
    const file = eventFile('flip.json', account.accountId, ON);

    const first = await invokeOn(account, file);
    expect(first.code).toBe(1);
    expect(first.result).toMatchObject({ compliance: 'NON_COMPLIANT', securityHubFinding: { status: 'FAILED', imported: true } });
    const [failed, ...others] = await findingsOf(clients);
    expect(others).toHaveLength(0);
    expect(failed).toMatchObject({
      Id: 'us-east-1/316227760001/s3-policy-watch/bucket-policy-changes',
      ProductArn: 'arn:aws:securityhub:us-east-1:316227760001:product/316227760001/default',
      Compliance: { Status: 'FAILED' },
      Severity: { Label: 'MEDIUM' },
    });
    expect(failed!.Description).toContain(`has no alarm in us-east-1 on its metric`);
    expect(asffProblems(failed)).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, 20));
    const topicArn = await account.topic({ name: 's3-policy-alerts', emails: ['security@example.com'] });
    await account.alarm({ name: 's3-bucket-policy-changes', actions: [topicArn] });
    const second = await invokeOn(account, file);
    expect(second.result).toMatchObject({ compliance: 'COMPLIANT', securityHubFinding: { status: 'PASSED', imported: true } });
    const [passed, ...more] = await findingsOf(clients);
    expect(more).toHaveLength(0);
    expect(passed).toMatchObject({ Id: failed!.Id, Compliance: { Status: 'PASSED' }, Severity: { Label: 'INFORMATIONAL' }, CreatedAt: failed!.CreatedAt });
    expect(Date.parse(passed!.UpdatedAt!)).toBeGreaterThan(Date.parse(failed!.UpdatedAt!));
    expect(passed!.Resources!.map((resource) => resource.Id)).toEqual(
      expect.arrayContaining([`AWS::::Account:316227760001`, chain.trail.arn, topicArn]),
    );

    // The same account evaluated from another region: a second finding there, the first one untouched.
    await invokeOn(account, file, 'eu-west-1');
    const inIreland = await findingsOf(regionalClients(account.options('eu-west-1')), 'eu-west-1');
    expect(inIreland.map((finding) => finding.Id)).toEqual(['eu-west-1/316227760001/s3-policy-watch/bucket-policy-changes']);
    expect(await findingsOf(clients)).toHaveLength(1);
  });

  test('off: nothing is sent to Security Hub', async () => {
    const account = new TestAccount('316227760002');
    await account.chain();
    const { result } = await invokeOn(account, eventFile('off.json', account.accountId, {}));
    expect(result.securityHubFinding).toBeUndefined();
    expect(await findingsOf(regionalClients(account.options()))).toHaveLength(0);
  });
});

describe('check --format asff', () => {
  test('prints the finding the rule would send, valid ASFF, and sends nothing', async () => {
    const account = new TestAccount('316227760003');
    await account.chain({ filter: false });
    const io = capture();
    const code = await check(['--region', 'us-east-1', '--format', 'asff', '--parameters', '{"RequiredEvents":"CIS"}'], io, account.options());
    expect(code).toBe(1);
    const finding = JSON.parse(io.stdout);
    expect(asffProblems(finding)).toEqual([]);
    expect(finding).toMatchObject({
      AwsAccountId: '316227760003',
      Compliance: { Status: 'FAILED', RelatedRequirements: expect.arrayContaining(['CIS AWS Foundations Benchmark v1.4.0/4.8']) },
    });
    expect(finding.CreatedAt).toBe(finding.UpdatedAt);
    expect(await findingsOf(regionalClients(account.options()))).toHaveLength(0);
  });
});

describe("an organization trail's member", () => {
  const ROLE = 'S3PolicyWatchTrailOwnerRead';

  async function memberHandler(ownerAccountId: string, memberAccountId: string) {
    const org = new OrganizationSandbox(ownerAccountId, memberAccountId, motoEndpoint());
    await org.readRole(ROLE);
    await org.orgChain();
    const connection = await org.memberConnection();
    const handler = createHandler({ region: 'us-east-1', clients: connection.clients, clientsFor: connection.clientsFor, testMode: true });
    const invokingEvent = JSON.stringify({ awsAccountId: memberAccountId, notificationCreationTime: '2026-03-01T06:00:00.000Z', messageType: 'ScheduledNotification' });
    const event = (parameters: Record<string, string>) => ({ invokingEvent, ruleParameters: JSON.stringify(parameters), resultToken: 'TESTMODE', accountId: memberAccountId });
    return { org, connection, handler, event };
  }

  test("read through the owner's role: a PASSED finding in the member account, naming the owner's chain, CloudWatch.8 NO_DATA here", async () => {
    const { org, connection, handler, event } = await memberHandler('316227760010', '316227760011');
    const result = await handler(event({ ...ON, TrailOwnerReadRoleName: ROLE }));
    expect(result).toMatchObject({ compliance: 'COMPLIANT', securityHubFinding: { status: 'PASSED', imported: true } });
    const [finding, ...others] = await findingsOf(connection.clients);
    expect(others).toHaveLength(0);
    expect(finding).toMatchObject({ AwsAccountId: '316227760011', ProductArn: 'arn:aws:securityhub:us-east-1:316227760011:product/316227760011/default' });
    expect(finding!.Description).toMatch(/^In trail owner account 316227760010: /);
    expect(finding!.Resources!.map((resource) => resource.Id)).toContain('arn:aws:cloudtrail:us-east-1:316227760010:trail/org-trail');
    expect(finding!.ProductFields!['s3-policy-watch/SecurityHubCloudWatch8']).toMatch(/^NO_DATA: the trail belongs to account 316227760010/);
    expect(await findingsOf(regionalClients(org.owner.options()))).toHaveLength(0);
  });

  test('without the role: a NOT_AVAILABLE finding that names the owner account and what to set', async () => {
    const { connection, handler, event } = await memberHandler('316227760012', '316227760013');
    const result = await handler(event(ON));
    expect(result).toMatchObject({ compliance: 'NOT_APPLICABLE', securityHubFinding: { status: 'NOT_AVAILABLE', imported: true } });
    const [finding] = await findingsOf(connection.clients);
    expect(finding).toMatchObject({ Compliance: { Status: 'NOT_AVAILABLE' }, Severity: { Label: 'INFORMATIONAL' } });
    expect(finding!.Description).toMatch(/organization trail of account 316227760012/);
    expect(finding!.Remediation!.Recommendation!.Text).toMatch(/TrailOwnerReadRoleName/);
  });
});
