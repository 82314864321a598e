import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CIS_FILTER_PATTERN } from '../../rule/events/canonical';
import { runCli } from '../support/cli';

describe('test-metric-filter', () => {
  test('prints what `aws logs test-metric-filter` prints', async () => {
    const { code, stdout } = await runCli([
      'test-metric-filter',
      '--filter-pattern',
      '{ $.eventName = "PutBucketPolicy" }',
      '--log-event-messages',
      '{"eventName":"PutBucketPolicy"}',
      '{"eventName":"GetBucketPolicy"}',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ matches: [{ eventNumber: 1, eventMessage: '{"eventName":"PutBucketPolicy"}', extractedValues: {} }] });
  });

  test('an invalid pattern exits 2 with the position on stderr', async () => {
    const { code, stdout, stderr } = await runCli(['test-metric-filter', '--filter-pattern', '{ $.eventName = %(Put|Delete)Bucket% }', '--log-event-messages', 'x']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('position 18 ("(")');
  });

  test('a pattern that starts with a dash (an exclusion term) is the value of --filter-pattern, as users type it', async () => {
    // A term preceded by - excludes the events that contain it (FilterAndPatternSyntax: "Matching terms in unstructured log events").
    const { code, stdout } = await runCli(['test-metric-filter', '--filter-pattern', '-Exiting ERROR', '--log-event-messages', 'ERROR Exiting now', 'ERROR disk full']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).matches.map((match: { eventMessage: string }) => match.eventMessage)).toEqual(['ERROR disk full']);
    const messages = await runCli(['test-metric-filter', '--filter-pattern', 'ERROR', '--log-event-messages', '-1 retries left ERROR']);
    expect(JSON.parse(messages.stdout).matches).toHaveLength(1);
  });

  test('an option name after --filter-pattern is not taken for the pattern', async () => {
    const { code, stderr } = await runCli(['test-metric-filter', '--filter-pattern', '--log-event-messages', 'x']);
    expect(code).toBe(2);
    expect(stderr).toContain("Option '--filter-pattern' argument is ambiguous");
  });

  test.each([
    [['test-metric-filter', '--log-event-messages', 'x'], 'missing --filter-pattern'],
    [['test-metric-filter', '--filter-pattern', 'ERROR'], 'missing --log-event-messages'],
    [['test-metric-filter', '--filter-pattern', 'ERROR', '--log-event-messages'], 'argument missing'],
    [['test-metric-filter', '--filter-pattern', 'ERROR', '--bogus', 'x'], "Unknown option '--bogus'"],
  ])('%j is a usage error', async (argv, message) => {
    const { code, stderr } = await runCli(argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});

describe('analyze-filter', () => {
  test('the CIS text covers the CIS events and satisfies Security Hub: exit 0', async () => {
    const { code, stdout } = await runCli(['analyze-filter', '--filter-pattern', CIS_FILTER_PATTERN, '--required-events', 'CIS']);
    expect(code).toBe(0);
    const analysis = JSON.parse(stdout);
    expect(analysis).toMatchObject({ valid: true, coversRequiredEvents: true, missedEvents: [], overBroad: false, benignMatched: [], matchesFailedAttempts: true, securityHubExact: true });
    expect(typeof analysis.summary).toBe('string');
  });

  test('AND-ed event names (the peers pass it) cover nothing: exit 1', async () => {
    const { code, stdout } = await runCli(['analyze-filter', '--filter-pattern', '{ ($.eventName = PutBucketPolicy) && ($.eventName = DeleteBucketPolicy) }']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ coversRequiredEvents: false, missedEvents: ['PutBucketPolicy', 'DeleteBucketPolicy'] });
  });

  test('an invalid pattern: the JSON position and the message count characters the same way, from 1', async () => {
    // "}" is the 17th character of `{ $.eventName = }`
    const { code, stdout, stderr } = await runCli(['analyze-filter', '--filter-pattern', '{ $.eventName = }']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout).error).toEqual({ message: 'Invalid filter pattern at position 17 ("}"): a value is missing here', position: 17, token: '}' });
    expect(stderr).toContain('at position 17 ("}")');
  });

  test('a typo in --required-events is an error naming it', async () => {
    const { code, stderr } = await runCli(['analyze-filter', '--filter-pattern', '{ $.a = 1 }', '--required-events', 'PutBucketPolicies']);
    expect(code).toBe(2);
    expect(stderr).toContain('"PutBucketPolicies" is not an S3 change event');
  });
});

describe('the s3-policy-watch command', () => {
  test('runs from a fresh checkout through its bin script, with help and exit codes', () => {
    const bin = join(__dirname, '../../bin/s3-policy-watch.js');
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('analyze-filter');
    const unknown = spawnSync(process.execPath, [bin, 'frobnicate'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});

describe('a mistyped command', () => {
  test.each([
    ['chek', 'check'],
    ['analyse-filter', 'analyze-filter'],
    ['remediat', 'remediate'],
    ['Document', 'document'],
  ])('"%s" is answered with the closest command and its usage, not the whole help', async (typed, meant) => {
    const { code, stderr } = await runCli([typed]);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(`s3-policy-watch: unknown command "${typed}". Did you mean "${meant}"?`);
    expect(stderr).toContain(`usage: s3-policy-watch ${meant} `);
    expect(stderr).not.toContain('commands:');
  });

  test('a word close to no command gets the whole help', async () => {
    const { code, stderr } = await runCli(['xyzzy']);
    expect(code).toBe(2);
    expect(stderr).not.toContain('Did you mean');
    expect(stderr).toContain('commands:');
  });
});
