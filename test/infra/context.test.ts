import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { defineApp } from '../../infra/app';
import { ContextError, readDeployContext, type DeployContext } from '../../infra/context';

const ROOT = path.join(__dirname, '..', '..');

function read(context: Record<string, unknown>): DeployContext {
  return readDeployContext((key) => context[key], Object.keys(context));
}

/** The problems a context is refused with. */
function problems(context: Record<string, unknown>): string[] {
  try {
    read(context);
  } catch (error) {
    if (error instanceof ContextError) return error.problems;
    throw error;
  }
  throw new Error(`context was accepted: ${JSON.stringify(context)}`);
}

/** The smallest context that deploys: the trail's log group and someone to receive the alarms. */
const LOG_GROUP = { trailLogGroupName: 'CloudTrail/DefaultLogGroup', notificationEmail: 'secops@example.com' };
const CENTRAL_TOPIC = 'arn:aws:sns:us-east-1:111122223333:security-alerts';

test('defaults: everything but the log group and the notification target; the remediation defaults come from the document', () => {
  expect(read(LOG_GROUP)).toEqual({
    trailLogGroupName: 'CloudTrail/DefaultLogGroup',
    createTrail: false,
    notificationEmail: 'secops@example.com',
    notificationTopicArn: 'none',
    ruleInputParameters: { RequiredEvents: 'POLICY', SecurityHubParity: 'false' },
    patternProfile: 'CIS',
    evaluationFrequency: 'TwentyFour_Hours',
    alarmPeriodSeconds: 300,
    logLevel: 'INFO',
    ruleRoleName: 's3-policy-watch-rule',
    securityHubFindings: false,
    remediation: true,
  });
});

test('securityHubFindings=true becomes the rule parameter SecurityHubFindings; anything but true or false is refused', () => {
  expect(read({ ...LOG_GROUP, securityHubFindings: 'true' })).toMatchObject({
    securityHubFindings: true,
    ruleInputParameters: { RequiredEvents: 'POLICY', SecurityHubParity: 'false', SecurityHubFindings: 'true' },
  });
  expect(read({ ...LOG_GROUP, securityHubFindings: false }).ruleInputParameters).toEqual({ RequiredEvents: 'POLICY', SecurityHubParity: 'false' });
  expect(problems({ ...LOG_GROUP, securityHubFindings: 'yes' })).toEqual(['securityHubFindings "yes" is not allowed: expected true or false']);
  expect(problems({ ...LOG_GROUP, SecurityHubFindings: 'true' })).toContain('SecurityHubFindings: unknown key; did you mean securityHubFindings? (keys are case-sensitive)');
});

test('trailOwnerReadRoleName becomes the rule parameter TrailOwnerReadRoleName; none leaves it out', () => {
  expect(read({ ...LOG_GROUP, trailOwnerReadRoleName: 'S3PolicyWatchTrailOwnerRead' })).toMatchObject({
    trailOwnerReadRoleName: 'S3PolicyWatchTrailOwnerRead',
    ruleInputParameters: { RequiredEvents: 'POLICY', SecurityHubParity: 'false', TrailOwnerReadRoleName: 'S3PolicyWatchTrailOwnerRead' },
  });
  expect(read({ ...LOG_GROUP, trailOwnerReadRoleName: 'none' }).ruleInputParameters).toEqual({ RequiredEvents: 'POLICY', SecurityHubParity: 'false' });
  expect(read({ ...LOG_GROUP, subscriberProtocols: 'email,sqs' }).ruleInputParameters).toEqual({ RequiredEvents: 'POLICY', SecurityHubParity: 'false', SubscriberProtocols: 'email,sqs' });
});

test('cdk.json alone names no notification target: a fresh clone synthesizes once one is given on the command line', () => {
  const { context } = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  expect(problems(context)).toEqual([expect.stringMatching(/^remediation=true needs someone to receive the alarm: set notificationEmail .* or notificationTopicArn/)]);
  expect(() => read({ ...context, notificationEmail: 'secops@example.com' })).not.toThrow();
});

describe('the notification target, with the remediation on', () => {
  test('neither notificationEmail nor notificationTopicArn: refused, naming both keys and remediation=false', () => {
    expect(problems({ trailLogGroupName: 'CloudTrail/DefaultLogGroup' })).toEqual([
      'remediation=true needs someone to receive the alarm: set notificationEmail (an email address; the recipient confirms the subscription) or notificationTopicArn (an existing SNS topic, e.g. your central security topic with its paging or chat subscribers); or set remediation=false',
    ]);
  });

  test('both: refused, one is enough', () => {
    expect(problems({ ...LOG_GROUP, notificationTopicArn: CENTRAL_TOPIC })).toEqual([expect.stringMatching(/^notificationEmail and notificationTopicArn are both set: set one of them/)]);
  });

  test('an existing topic alone is a target; remediation=false needs none', () => {
    expect(read({ trailLogGroupName: 'CloudTrail/DefaultLogGroup', notificationTopicArn: CENTRAL_TOPIC })).toMatchObject({ notificationEmail: 'none', notificationTopicArn: CENTRAL_TOPIC });
    expect(read({ trailLogGroupName: 'CloudTrail/DefaultLogGroup', remediation: 'false' })).toMatchObject({ notificationEmail: 'none', notificationTopicArn: 'none', remediation: false });
  });
});

test('takes values as cdk.json types them and as -c passes them (text)', () => {
  const typed = read({ ...LOG_GROUP, createTrail: true, securityHubParity: true, alarmPeriodSeconds: 600, requiredEvents: 'CIS' });
  const text = read({ ...LOG_GROUP, createTrail: 'true', securityHubParity: 'true', alarmPeriodSeconds: '600', requiredEvents: 'CIS' });
  expect(text).toEqual(typed);
  expect(typed).toMatchObject({ createTrail: true, alarmPeriodSeconds: 600, ruleInputParameters: { RequiredEvents: 'CIS', SecurityHubParity: 'true' } });
});

test('a missing log group name is refused, naming the key', () => {
  expect(problems({ notificationEmail: 'secops@example.com' })).toEqual([expect.stringMatching(/^trailLogGroupName is missing; expected a log group name/)]);
});

test.each([
  ['evaluationFrequency', 'Daily', /evaluationFrequency "Daily" is not allowed: expected One_Hour, Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours/],
  ['createTrail', 'yes', /createTrail "yes" is not allowed: expected true or false/],
  ['securityHubParity', 'TRUE ', /securityHubParity "TRUE " is not allowed: expected true or false/],
  ['logLevel', 'verbose', /logLevel "verbose" is not allowed: expected TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT/],
  ['patternProfile', 'STRICT', /patternProfile "STRICT" is not allowed: expected POLICY or CIS/],
  ['notificationEmail', 'secops@', /notificationEmail "secops@" is not allowed: expected an email address or none/],
  ['alarmPeriodSeconds', '45', /alarmPeriodSeconds "45" is not allowed: expected a multiple of 60 up to 3600/],
  // A metric filter's metric is standard resolution: 10 and 30 s periods are for high-resolution metrics.
  ['alarmPeriodSeconds', '30', /alarmPeriodSeconds "30" is not allowed: expected a multiple of 60 up to 3600/],
  ['notificationTopicArn', 'security-alerts', /notificationTopicArn "security-alerts" is not allowed: expected the ARN of an existing SNS topic in the deploy region, or none/],
  ['subscriberProtocols', 'email,pager', /subscriberProtocols "email,pager" is not allowed: rule parameter SubscriberProtocols: "pager" is not an SNS protocol/],
  ['alarmPeriodSeconds', '7200', /alarmPeriodSeconds "7200" is not allowed/],
  ['trailLogGroupName', 'CloudTrail logs', /trailLogGroupName "CloudTrail logs" is not allowed: expected a log group name/],
  ['requiredEvents', { events: 'CIS' }, /requiredEvents must be POLICY, CIS or a comma list of S3 event names, got \{"events":"CIS"\}/],
  ['trailOwnerReadRoleName', 'arn:aws:iam::111122223333:role/reader', /trailOwnerReadRoleName "arn:aws:iam::111122223333:role\/reader" is not allowed: rule parameter TrailOwnerReadRoleName: .* a name, not an ARN\) \(or none\)/],
  ['ruleRoleName', 'a'.repeat(50), /ruleRoleName "a{50}" is not allowed: expected an IAM role name of 1-49 letters, digits and \+=,\.@_- \(the region is appended\)/],
  ['ruleRoleName', 'rule role', /ruleRoleName "rule role" is not allowed/],
  ['remediation', 'off', /remediation "off" is not allowed: expected true or false/],
])('%s=%j is refused with what the key accepts', (key, value, message) => {
  expect(problems({ ...LOG_GROUP, [key]: value })).toEqual([expect.stringMatching(message)]);
});

test('a misspelt required event is refused by the rule\'s own parser, naming it', () => {
  const [problem, ...others] = problems({ ...LOG_GROUP, requiredEvents: 'PutBucketPolicy,DeleteBucketPolicyy' });
  expect(others).toEqual([]);
  expect(problem).toMatch(/^requiredEvents "PutBucketPolicy,DeleteBucketPolicyy" is not allowed: .*DeleteBucketPolicyy/);
});

test('a remediation that could never satisfy the rule is refused: POLICY filter for the CIS events', () => {
  const [problem, ...others] = problems({ ...LOG_GROUP, requiredEvents: 'CIS', patternProfile: 'POLICY' });
  expect(others).toEqual([]);
  expect(problem).toMatch(/^patternProfile POLICY does not cover requiredEvents \(misses PutBucketAcl, PutBucketCors, .*\)/);
  // The CIS filter covers both event sets, and the POLICY filter the policy events.
  expect(() => read({ ...LOG_GROUP, requiredEvents: 'CIS', patternProfile: 'CIS' })).not.toThrow();
  expect(() => read({ ...LOG_GROUP, requiredEvents: 'POLICY', patternProfile: 'POLICY' })).not.toThrow();
});

test('Security Hub parity needs the CIS filter text', () => {
  expect(problems({ ...LOG_GROUP, securityHubParity: 'true', patternProfile: 'POLICY' })).toEqual([
    expect.stringMatching(/^securityHubParity true needs the exact CIS filter text, which patternProfile POLICY does not write/),
  ]);
});

test('a key in the wrong case is refused rather than ignored', () => {
  expect(problems({ ...LOG_GROUP, NotificationEmail: 'secops@example.com' })).toEqual([
    'NotificationEmail: unknown key; did you mean notificationEmail? (keys are case-sensitive)',
  ]);
});

test('every problem is reported at once', () => {
  // The log group, the two bad values, and nobody to receive the alarms.
  expect(problems({ evaluationFrequency: 'Daily', createTrail: 'maybe' })).toHaveLength(4);
});

test('the app refuses bad context before it builds anything', () => {
  const app = new App({ context: { ...LOG_GROUP, evaluationFrequency: 'Daily' } });
  expect(() => defineApp(app)).toThrow(ContextError);
  expect(app.node.children).toHaveLength(0);
});

test('`cdk synth` with bad context fails, saying which key and what it accepts', () => {
  const outdir = fs.mkdtempSync(path.join(ROOT, 'cdk.out.context-test-'));
  try {
    const result = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'cdk'),
      ['synth', '--no-notices', '--quiet', '-o', outdir, '-c', 'evaluationFrequency=Daily'],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('evaluationFrequency "Daily" is not allowed: expected One_Hour, Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours');
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

test('`cdk synth` with notificationEmail=none and the remediation on fails, naming the keys to set', () => {
  const outdir = fs.mkdtempSync(path.join(ROOT, 'cdk.out.context-test-'));
  try {
    const result = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'cdk'),
      ['synth', '--no-notices', '--quiet', '-o', outdir, '-c', 'notificationEmail=none', '-c', 'remediation=true'],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('remediation=true needs someone to receive the alarm: set notificationEmail');
    expect(result.stderr).toContain('or notificationTopicArn');
    expect(fs.readdirSync(outdir).filter((name) => name.endsWith('.template.json'))).toEqual([]);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
