import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';

/**
 * Every command with missing, malformed or conflicting options: exit 2, and a message that names the problem and
 * says what to do (the usage line, the allowed values, or the fix). Nothing here reaches AWS: the endpoint is one
 * nothing listens on, and every case fails before the first request. (Cases covered next to each command's own
 * tests are not repeated here: --format xml, bad parameter values of remediate, test-metric-filter's missing options.)
 */

const OFFLINE = ['--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9'];
const directory = mkdtempSync(join(tmpdir(), 's3pw-bad-cli-'));
const arrayEvent = join(directory, 'array.json');
writeFileSync(arrayEvent, '[]');

type Case = [what: string, argv: string[], message: RegExp];

const CASES: Record<string, Case[]> = {
  check: [
    ['--region without a value', ['check', '--region'], /Option '--region <value>' argument missing\nusage: s3-policy-watch check /],
    ['an unknown option', ['check', ...OFFLINE, '--profile', 'prod'], /Unknown option '--profile'\nusage: s3-policy-watch check /],
    ['a stray argument', ['check', ...OFFLINE, 'now'], /Unexpected argument 'now'.*\nusage: s3-policy-watch check /],
    ['--parameters that are not JSON', ['check', ...OFFLINE, '--parameters', 'RequiredEvents=CIS'], /rule parameters are not valid JSON .*: RequiredEvents=CIS; write a JSON object of strings such as \{"RequiredEvents":"CIS"\}/],
    ['--parameters that are a JSON array', ['check', ...OFFLINE, '--parameters', '["CIS"]'], /rule parameters must be a JSON object of strings such as \{"RequiredEvents":"CIS"\}, got \["CIS"\]/],
    ['an event name the catalog does not know', ['check', ...OFFLINE, '--parameters', '{"RequiredEvents":"S3"}'], /RequiredEvents: "S3" is not an S3 change event this rule knows\. Use POLICY, CIS or a comma list of: PutBucketPolicy, /],
    ['an endpoint without a scheme', ['check', '--region', 'us-east-1', '--endpoint-url', 'localhost:5000'], /--endpoint-url must be an http\(s\) URL such as http:\/\/127\.0\.0\.1:5000 \(got "localhost:5000"\)/],
    ['a region that is not a region name', ['check', '--region', 'US East'], /"US East" is not an AWS region name such as us-east-1 or eu-west-1 \(from --region\)/],
    ['--format given twice', ['check', ...OFFLINE, '--format', 'json', '--format', 'text'], /--format is given more than once; give it once\nusage: s3-policy-watch check /],
  ],
  invoke: [
    ['no --event', ['invoke', ...OFFLINE, '--test-mode'], /missing --event\nusage: s3-policy-watch invoke --event FILE/],
    ['an event file that does not exist', ['invoke', ...OFFLINE, '--event', join(directory, 'missing.json')], /cannot read the Config event from .*missing\.json: ENOENT/],
    ['a directory for an event file', ['invoke', ...OFFLINE, '--event', directory], /cannot read the Config event from .*: EISDIR/],
    ['an event file holding an array', ['invoke', ...OFFLINE, '--event', arrayEvent], /s3-policy-watch invoke: the event is not a JSON object/],
    ['a value for the --test-mode flag', ['invoke', ...OFFLINE, '--event', arrayEvent, '--test-mode=yes'], /Option '--test-mode' does not take an argument\nusage: s3-policy-watch invoke /],
  ],
  document: [
    ['a stray argument', ['document', 'yaml'], /Unexpected argument 'yaml'.*\nusage: s3-policy-watch document \[--format json\|yaml\]/],
    ['an AWS option it does not take', ['document', '--region', 'us-east-1'], /Unknown option '--region'\nusage: s3-policy-watch document /],
  ],
  remediate: [
    ['no --log-group-name', ['remediate', ...OFFLINE, '--notification-email', 'security@example.com'], /missing --log-group-name\nusage: s3-policy-watch remediate --log-group-name L/],
    ['a log group name CloudWatch Logs would refuse', ['remediate', ...OFFLINE, '--log-group-name', 'CloudTrail Default'], /LogGroupName "CloudTrail Default" is not allowed: The CloudWatch Logs log group the CloudTrail trail delivers to.*\(pattern /],
    ['a parameter the document does not declare', ['remediate', ...OFFLINE, '--log-group-name', 'g', '--parameter', 'Email=a@example.com'], /unknown parameter Email; the document declares AutomationAssumeRole, AccountId, LogGroupName/],
    ['a value for the --dry-run flag', ['remediate', ...OFFLINE, '--log-group-name', 'g', '--dry-run=true'], /Option '--dry-run' does not take an argument\nusage: s3-policy-watch remediate /],
    [
      '--notification-email and --parameter NotificationEmail together',
      ['remediate', ...OFFLINE, '--log-group-name', 'g', '--notification-email', 'a@example.com', '--parameter', 'NotificationEmail=b@example.com'],
      /parameter NotificationEmail is given twice \(--parameter NotificationEmail=b@example\.com\)\nusage: s3-policy-watch remediate /,
    ],
  ],
  'test-metric-filter': [
    ['51 log event messages', ['test-metric-filter', '--filter-pattern', 'ERROR', '--log-event-messages', ...Array.from({ length: 51 }, (_, i) => `ERROR ${i}`)], /at most 50 log event messages, as with TestMetricFilter \(got 51\)/],
  ],
  'analyze-filter': [
    ['no --filter-pattern', ['analyze-filter', '--required-events', 'CIS'], /missing --filter-pattern\nusage: s3-policy-watch analyze-filter --filter-pattern P/],
    ['an invalid pattern', ['analyze-filter', '--filter-pattern', '{ $.eventName = }'], /Invalid filter pattern at position 17 \("}"\): a value is missing here/],
    ['an empty --required-events', ['analyze-filter', '--filter-pattern', 'x', '--required-events', ''], /RequiredEvents "" has an empty name; use POLICY, CIS or a comma list of event names/],
    ['a stray argument', ['analyze-filter', '--filter-pattern', 'x', 'y'], /Unexpected argument 'y'.*\nusage: s3-policy-watch analyze-filter /],
  ],
  // The demo starts its own emulator: it takes no AWS options, and refuses them before starting anything.
  ...(existsSync(join(__dirname, '../../cli/commands/demo.ts'))
    ? {
        demo: [
          ['an AWS option', ['demo', '--region', 'us-east-1'], /Unknown option '--region'\nusage: s3-policy-watch demo/],
          ['a stray argument', ['demo', 'now'], /Unexpected argument 'now'.*\nusage: s3-policy-watch demo/],
          ['a value for the --keep flag', ['demo', '--keep=yes'], /Option '--keep' does not take an argument\nusage: s3-policy-watch demo/],
        ] as Case[],
      }
    : {}),
};

describe.each(Object.keys(CASES))('s3-policy-watch %s with bad options', (command) => {
  test.each(CASES[command]!)('%s: exit 2, saying what to do', async (_what, argv, message) => {
    const { code, stdout, stderr } = await runCli(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    // Nothing on stdout that a script could take for a result (analyze-filter prints its analysis of an invalid pattern).
    if (command !== 'analyze-filter' || !/Invalid filter pattern/.test(stderr)) expect(stdout).toBe('');
  });
});

describe('commands that talk to AWS, without a region', () => {
  const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
  beforeAll(() => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  });

  test.each([
    ['check', []],
    ['invoke', ['--event', arrayEvent]],
    ['remediate', ['--log-group-name', 'CloudTrail/Default', '--parameter', 'AccountId=111122223333']],
  ])('%s: exit 2, naming both ways to give one', async (command, argv) => {
    const { code, stderr } = await runCli([command, '--endpoint-url', 'http://127.0.0.1:9', ...argv]);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^s3-policy-watch ${command}: no region: pass --region or set AWS_REGION\\nusage: s3-policy-watch ${command} `));
  });
});

test('no command at all: exit 2 with the list of commands', async () => {
  const { code, stdout } = await runCli([]);
  expect(code).toBe(2);
  expect(stdout).toMatch(/usage: s3-policy-watch <command> \[options\]/);
  expect(stdout).toMatch(/^ {2}remediate +execute the remediation document's steps/m);
});
