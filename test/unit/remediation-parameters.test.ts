import { remediationDocument, RESOURCE_PREFIX } from '../../remediation/document';
import { ParameterError, resolveParameters } from '../../remediation/parameters';

const declared = remediationDocument.parameters;
const required = { LogGroupName: 'CloudTrail/Default', AccountId: '111122223333' };

function accepts(name: string, value: string): boolean {
  try {
    resolveParameters(declared, { ...required, [name]: value });
    return true;
  } catch (error) {
    if (!(error instanceof ParameterError)) throw error;
    return false;
  }
}

describe('remediation parameter patterns', () => {
  test.each<[string, string[], string[]]>([
    [
      'LogGroupName',
      ['CloudTrail/Default', 'aws-controltower/CloudTrailLogs', 'org.trail_logs#1', 'a'.repeat(512)],
      ['', 'CloudTrail Default', 'logs:group', 'a'.repeat(513), 'group*'],
    ],
    [
      'NotificationEmail',
      ['none', 'security@example.com', 'first.last+s3@mail.example.co.uk'],
      ['', 'None', 'security@', '@example.com', 'security@example', 'a b@example.com', 'security@example.com,other@example.com'],
    ],
    // Metric-filter metrics are standard resolution: 10 and 30 s are high-resolution periods only.
    ['AlarmPeriodSeconds', ['60', '300', '3600'], ['10', '30', '0', '20', '45', '90', '3660', '-60', '300s', '']],
    [
      'NotificationTopicArn',
      ['none', 'arn:aws:sns:us-east-1:111122223333:security-alerts', 'arn:aws-us-gov:sns:us-gov-west-1:111122223333:central_Alerts-1'],
      ['', 'security-alerts', 'arn:aws:sns:us-east-1:111122223333:alerts.fifo', 'arn:aws:sqs:us-east-1:111122223333:alerts', 'arn:aws:sns:us-east-1:1111:alerts'],
    ],
    [
      'KmsKeyArn',
      [
        '',
        'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
      ],
      [
        // GetKeyPolicy takes a key id or key ARN, never an alias.
        'arn:aws-cn:kms:cn-north-1:111122223333:alias/security-alerts',
        '1234abcd-12ab-34cd-56ef-1234567890ab',
        'alias/security-alerts',
        'arn:aws:kms:us-east-1:111122223333:alias/aws/sns',
        'arn:aws:sns:us-east-1:111122223333:key/1234',
        'arn:aws:kms:us-east-1:1111:key/1234',
      ],
    ],
    ['ConfigRuleName', ['s3-policy-watch', 'my_rule.v2'], ['', '-leading-dash', 'rule with spaces', 'a'.repeat(129)]],
    ['AccountId', ['111122223333'], ['11112222333', '1111222233334', 'abcdefabcdef']],
    ['PatternProfile', ['CIS', 'POLICY'], ['cis', 'ALL', '']],
    ['MetricNamespace', ['CloudTrailMetrics', 'Security/S3'], ['CloudTrail:Metrics', 'Metrics*', '$Metrics', '']],
    ['MetricName', ['S3BucketPolicyChanges'], ['S3:Changes', 'S3*', 'Cost$']],
    ['FilterName', [`${RESOURCE_PREFIX}x`, `${RESOURCE_PREFIX}bucket-policy.v2`], ['bucket-policy-changes', RESOURCE_PREFIX, `x${RESOURCE_PREFIX}filter`, `${RESOURCE_PREFIX}a:b`]],
    ['AlarmName', [`${RESOURCE_PREFIX}alarm`], ['S3BucketPolicyChangeAlarm', RESOURCE_PREFIX, `${RESOURCE_PREFIX}${'a'.repeat(240)}`]],
    ['TopicName', [`${RESOURCE_PREFIX}alerts`], ['alerts', `${RESOURCE_PREFIX}alerts.fifo`, `${RESOURCE_PREFIX}a b`]],
    [
      'AutomationAssumeRole',
      ['', 'arn:aws:iam::111122223333:role/s3-policy-watch-remediation', 'arn:aws-cn:iam::111122223333:role/path/to/role'],
      ['arn:aws:iam::111122223333:user/alice', 's3-policy-watch-remediation'],
    ],
  ])('%s', (name, good, bad) => {
    for (const value of good) expect([value, accepts(name, value)]).toEqual([value, true]);
    for (const value of bad) expect([value, accepts(name, value)]).toEqual([value, false]);
  });
});

describe('resolveParameters', () => {
  test('defaults fill what is not given; types are converted', () => {
    const { values, missing } = resolveParameters(declared, { ...required, AlarmPeriodSeconds: '600' });
    expect(missing).toEqual([]);
    expect(values).toMatchObject({ LogGroupName: 'CloudTrail/Default', AlarmPeriodSeconds: 600, PatternProfile: 'CIS', NotificationEmail: 'none', KmsKeyArn: '' });
  });

  test('a required parameter not given is reported as missing, not as an error', () => {
    expect(resolveParameters(declared, { LogGroupName: 'CloudTrail/Default' }).missing).toEqual(['AccountId']);
  });

  test('every problem is listed at once, each naming the parameter and what it expects', () => {
    let error: unknown;
    try {
      resolveParameters(declared, { ...required, NotificationEmail: 'bob@', TopicName: 'alerts', Topic: 'x' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ParameterError);
    expect((error as ParameterError).problems).toEqual([
      expect.stringMatching(/^unknown parameter Topic; the document declares AutomationAssumeRole, AccountId, LogGroupName, /),
      expect.stringMatching(/^NotificationEmail "bob@" is not allowed: Email address subscribed to the document's own topic/),
      expect.stringMatching(/^TopicName "alerts" is not allowed: .*name of the document's own SNS topic .* must start with s3-policy-watch-\. \(pattern \^s3-policy-watch-/),
    ]);
  });

  test('an Integer that is not a number says so', () => {
    expect(() => resolveParameters(declared, { ...required, AlarmPeriodSeconds: 'five minutes' })).toThrow('AlarmPeriodSeconds must be a whole number, got "five minutes"');
  });
});
