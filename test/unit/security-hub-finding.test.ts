import { DescribeAlarmsForMetricCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { asffProblems } from '../../rule/asff-validate';
import { CIS_FILTER_PATTERN } from '../../rule/events/canonical';
import { parseRuleParameters, type RuleParameters } from '../../rule/parameters';
import { securityHubFinding, type AsffFinding } from '../../rule/security-hub-finding';
import { judgeMockedAccount, MOCK_ACCOUNT, MOCK_LOG_GROUP_ARN, MOCK_REGION, MOCK_TOPIC_ARN, SEED_ALARM, SEED_FILTER, useSeedChainMocks } from '../support/mock-aws';

/**
 * The ASFF finding built from the verdict of a mocked account: what a Security Hub user sees for each way the chain
 * holds or breaks. Expected values are written out from the Security Hub documentation (product ARN form, required
 * attributes, severity labels, CIS requirement names), not taken from the builder's constants.
 */

const NOW = new Date('2026-03-01T06:00:05.000Z');
const mocks = useSeedChainMocks();

async function findingFor(parameters: RuleParameters = parseRuleParameters({}), existing?: { createdAt: string; updatedAt: string }): Promise<AsffFinding> {
  const { verdict } = await judgeMockedAccount(parameters);
  return securityHubFinding({ verdict, accountId: MOCK_ACCOUNT, region: MOCK_REGION, partition: 'aws', requiredEvents: parameters.requiredEvents, now: NOW, existing });
}

const TRAIL_ARN = `arn:aws:cloudtrail:${MOCK_REGION}:${MOCK_ACCOUNT}:trail/main`;

describe('the finding of a compliant account', () => {
  test('is PASSED, INFORMATIONAL, in the account\'s own product, with the account and every link as resources', async () => {
    const finding = await findingFor();
    expect(asffProblems(finding)).toEqual([]);
    expect(finding).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default',
      AwsAccountId: '111122223333',
      CreatedAt: '2026-03-01T06:00:05.000Z',
      UpdatedAt: '2026-03-01T06:00:05.000Z',
      Severity: { Label: 'INFORMATIONAL' },
      FindingProviderFields: { Severity: { Label: 'INFORMATIONAL' } },
      Compliance: { Status: 'PASSED' },
      RecordState: 'ACTIVE',
    });
    expect(finding.Types.every((type) => type.startsWith('Software and Configuration Checks'))).toBe(true);
    expect(finding.Resources).toEqual([
      { Type: 'AwsAccount', Id: 'AWS::::Account:111122223333', Partition: 'aws', Region: 'us-east-1' },
      { Type: 'AwsCloudTrailTrail', Id: TRAIL_ARN, Partition: 'aws', Region: 'us-east-1' },
      { Type: 'Other', Id: MOCK_LOG_GROUP_ARN.replace(/:\*$/, ''), Partition: 'aws', Region: 'us-east-1' },
      { Type: 'AwsCloudWatchAlarm', Id: SEED_ALARM.AlarmArn, Partition: 'aws', Region: 'us-east-1' },
      { Type: 'AwsSnsTopic', Id: MOCK_TOPIC_ARN, Partition: 'aws', Region: 'us-east-1' },
    ]);
  });

  test('with the two-event filter and RequiredEvents=POLICY: no CIS requirement is claimed, and CloudWatch.8 will fail', async () => {
    const finding = await findingFor();
    expect(finding.Compliance.RelatedRequirements).toBeUndefined();
    expect(finding.ProductFields['s3-policy-watch/CisCoverage']).toMatch(/^partial: PutBucketAcl, PutBucketCors, .* are not required/);
    expect(finding.ProductFields['s3-policy-watch/SecurityHubCloudWatch8']).toMatch(/^FAILED: .*exact CIS filter text/);
    expect(finding.Description).toMatch(/Security Hub CloudWatch\.8: FAILED/);
  });

  test('with the CIS filter and RequiredEvents=CIS: the CIS controls of every version Security Hub offers, and CloudWatch.8 expected to pass', async () => {
    mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [{ ...SEED_FILTER, filterPattern: CIS_FILTER_PATTERN }] });
    const finding = await findingFor(parseRuleParameters({ RequiredEvents: 'CIS' }));
    expect(finding.Compliance).toEqual({
      Status: 'PASSED',
      RelatedRequirements: [
        'CIS AWS Foundations Benchmark v1.2.0/3.8',
        'CIS AWS Foundations Benchmark v1.4.0/4.8',
        'CIS AWS Foundations Benchmark v3.0.0/4.8',
        'CIS AWS Foundations Benchmark v5.0.0/4.8',
      ],
    });
    expect(finding.ProductFields['s3-policy-watch/SecurityHubCloudWatch8']).toMatch(/^PASSED: expected/);
  });
});

describe('the finding of a broken chain', () => {
  test('a filter that can never match: FAILED, MEDIUM (the trail still records the changes), the annotation then the broken link in full', async () => {
    mocks.logs.on(DescribeMetricFiltersCommand).resolves({
      metricFilters: [{ ...SEED_FILTER, filterPattern: '{ ($.eventName = "PutBucketPolicy") && ($.eventName = "DeleteBucketPolicy") }' }],
    });
    const { verdict } = await judgeMockedAccount();
    const finding = securityHubFinding({ verdict, accountId: MOCK_ACCOUNT, region: MOCK_REGION, partition: 'aws', requiredEvents: ['PutBucketPolicy', 'DeleteBucketPolicy'], now: NOW });
    expect(asffProblems(finding)).toEqual([]);
    expect(finding.Compliance.Status).toBe('FAILED');
    expect(finding.Severity.Label).toBe('MEDIUM');
    expect(finding.FindingProviderFields.Severity.Label).toBe('MEDIUM');
    expect(finding.Title).toBe('S3 bucket policy changes in account 111122223333 notify no one: the chain breaks at the filter link');
    expect(finding.Description.startsWith(`${verdict.annotation}\n\n`)).toBe(true);
    expect(finding.Description).toContain('Chain 1 of 1 broken at the filter link: filter "s3-policy" matches no PutBucketPolicy or DeleteBucketPolicy record.');
    expect(finding.ProductFields['s3-policy-watch/ChainSummary']).toBe('1: trail ok, delivery ok, filter broken, alarm not examined, notification not examined');
    // The alarm and topic are not reached: only the links that exist on the way are resources.
    expect(finding.Resources.map((resource) => resource.Type)).toEqual(['AwsAccount', 'AwsCloudTrailTrail', 'Other']);
  });

  test('a trail that is not logging: HIGH, since the changes are not even recorded', async () => {
    mocks.cloudTrail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    const finding = await findingFor();
    expect(finding.Severity.Label).toBe('HIGH');
    expect(finding.Description).toContain('Trail main is not logging');
  });

  test('no trail at all: HIGH, the account as the only resource, CloudWatch.8 fails too', async () => {
    mocks.cloudTrail.on(DescribeTrailsCommand).resolves({ trailList: [] });
    const finding = await findingFor();
    expect(asffProblems(finding)).toEqual([]);
    expect(finding).toMatchObject({ Severity: { Label: 'HIGH' }, Compliance: { Status: 'FAILED' } });
    expect(finding.Title).toMatch(/no CloudTrail trail records them/);
    expect(finding.Resources).toEqual([{ Type: 'AwsAccount', Id: 'AWS::::Account:111122223333', Partition: 'aws', Region: 'us-east-1' }]);
    expect(finding.ProductFields['s3-policy-watch/SecurityHubCloudWatch8']).toBe('FAILED: no trail is configured');
  });

  test('an alarm that cannot fire: this rule fails while CloudWatch.8 (exact CIS text, an alarm, a subscriber) is expected to pass', async () => {
    mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [{ ...SEED_FILTER, filterPattern: CIS_FILTER_PATTERN }] });
    const silent = { ...SEED_ALARM, Threshold: 5 };
    mocks.cloudWatch.on(DescribeAlarmsForMetricCommand).resolves({ MetricAlarms: [silent] });
    mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [silent] });
    const finding = await findingFor(parseRuleParameters({ RequiredEvents: 'CIS' }));
    expect(finding.Compliance.Status).toBe('FAILED');
    expect(finding.ProductFields['s3-policy-watch/SecurityHubCloudWatch8']).toMatch(/^PASSED: expected/);
  });
});

describe('updates of the same finding', () => {
  test('keep CreatedAt and Id, and move UpdatedAt to this run', async () => {
    const first = await findingFor();
    const later = await findingFor(parseRuleParameters({}), { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-02-28T06:00:00.000Z' });
    expect(later.Id).toBe(first.Id);
    expect(later.CreatedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(later.UpdatedAt).toBe('2026-03-01T06:00:05.000Z');
  });

  test('move UpdatedAt past the stored one even when the clock says otherwise (Security Hub ignores an older UpdatedAt)', async () => {
    const later = await findingFor(parseRuleParameters({}), { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-03-01T06:00:05.000Z' });
    expect(later.UpdatedAt).toBe('2026-03-01T06:00:05.001Z');
  });

  test('one Id per account and region', async () => {
    const { verdict } = await judgeMockedAccount();
    const build = (accountId: string, region: string) =>
      securityHubFinding({ verdict, accountId, region, partition: 'aws', requiredEvents: [], now: NOW }).Id;
    expect(new Set([build(MOCK_ACCOUNT, 'us-east-1'), build(MOCK_ACCOUNT, 'eu-west-1'), build('444455556666', 'us-east-1')]).size).toBe(3);
    expect(build(MOCK_ACCOUNT, 'us-east-1')).toBe(build(MOCK_ACCOUNT, 'us-east-1'));
  });
});

describe('a description that would be too long', () => {
  test('is cut to Security Hub\'s 1024 characters, visibly', async () => {
    const filters = Array.from({ length: 12 }, (_, n) => ({ ...SEED_FILTER, filterName: `never-${'x'.repeat(60)}-${n}`, filterPattern: '{ ($.eventName = "PutBucketPolicy") && ($.eventName = "DeleteBucketPolicy") }' }));
    mocks.logs.on(DescribeMetricFiltersCommand).resolves({ metricFilters: filters });
    const finding = await findingFor();
    expect(finding.Description.length).toBeLessThanOrEqual(1024);
    expect(finding.Description.endsWith('…')).toBe(true);
    expect(asffProblems(finding)).toEqual([]);
  });
});

describe('asffProblems, from the ASFF syntax pages', () => {
  let valid: AsffFinding;
  beforeEach(async () => {
    valid = await findingFor();
  });

  test.each([
    'AwsAccountId',
    'CreatedAt',
    'Description',
    'GeneratorId',
    'Id',
    'ProductArn',
    'Resources',
    'SchemaVersion',
    'Severity',
    'Title',
    'Types',
    'UpdatedAt',
  ])('a finding without %s is invalid', (key) => {
    const broken: Record<string, unknown> = { ...valid };
    delete broken[key];
    expect(asffProblems(broken)).toContain(`${key} is required`);
  });

  test.each([
    ['Title', 'x'.repeat(257), /Title must have 1 to 256 characters, has 257/],
    ['Description', 'x'.repeat(1025), /Description must have 1 to 1024 characters/],
    ['CreatedAt', '2026-03-01 06:00:05', /CreatedAt "2026-03-01 06:00:05" is not a timestamp/],
    ['UpdatedAt', '2026-02-01T00:00:00Z', /UpdatedAt is earlier than CreatedAt/],
    ['AwsAccountId', '11112222333', /AwsAccountId must have 12 characters/],
    ['ProductArn', 'arn:aws:securityhub:us-east-1:111122223333:default', /ProductArn .* is not arn:partition:securityhub/],
    ['SchemaVersion', '2020-01-01', /SchemaVersion "2020-01-01" is not one of 2018-10-08/],
    ['Severity', { Original: 'bad' }, /Severity must have a Label/],
    ['Severity', { Label: 'SEVERE' }, /Severity.Label "SEVERE" is not one of/],
    ['Types', ['Configuration Checks/CIS'], /is not namespace\[\/category\[\/classifier\]\]/],
    ['Resources', [], /Resources must be a list of 1 to 32 resources/],
    ['Resources', [{ Type: 'AwsAccount', Id: 'x', Partition: 'azure', Region: 'us-east-1' }], /Resources\[0\].Partition "azure" is not one of aws, aws-cn, aws-us-gov/],
    ['ProductFields', Object.fromEntries(Array.from({ length: 51 }, (_, n) => [`k${n}`, 'v'])), /ProductFields has 51 entries; at most 50/],
    ['Compliance', { Status: 'OK' }, /Compliance.Status "OK" is not one of PASSED, WARNING, FAILED, NOT_AVAILABLE/],
    ['Remediation', { Recommendation: { Text: 'x'.repeat(513), Url: 'https://example.com' } }, /Remediation.Recommendation.Text must have 1 to 512 characters/],
  ] as [string, unknown, RegExp][])('%s with a value outside the documented form is invalid (case %#)', (key, value, message) => {
    expect(asffProblems({ ...valid, [key]: value }).join('\n')).toMatch(message);
  });

  test('timestamps with nine fractional digits or an offset are valid, as the API reference lists them', () => {
    expect(asffProblems({ ...valid, CreatedAt: '2019-01-31T23:00:00.123456789Z', UpdatedAt: '2024-01-04T15:25:10+17:59' })).toEqual([]);
  });
});
