import type { ClientOptions } from '../../rule/clients';
import { remediationDocument } from '../../remediation/document';
import { resolveParameters } from '../../remediation/parameters';
import { callerAccountId, runAutomation, type AutomationResult, type StepRecord } from '../../remediation/runner';
import { AWS_OPTIONS, awsConnection, parseOptions, required } from '../args';
import { EXIT, UsageError, type Io } from '../io';
import { usageOf } from '../usage';

const OPTIONS = {
  ...AWS_OPTIONS,
  'log-group-name': { type: 'string' },
  'notification-email': { type: 'string' },
  'notification-topic-arn': { type: 'string' },
  parameter: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
} as const;

/** APIs that only read: everything else a step calls is a change to the account. */
const READ_ONLY_API = /^(Describe|List|Get)/;
/** The inputs that name what a call changes (LogGroupName, TopicArn, Endpoint, ConfigRuleNames...). */
const IDENTIFYING_INPUT = /(Name|Arn|Endpoint)s?$/i;

/** `--parameter Name=Value` pairs, plus the options that are shorthands for parameters. */
function givenParameters(
  values: { 'log-group-name'?: string; 'notification-email'?: string; 'notification-topic-arn'?: string; parameter?: string[] },
  usage: string,
): Record<string, string> {
  const given: Record<string, string> = {};
  const give = (name: string, value: string, from: string) => {
    if (name in given) throw new UsageError(`parameter ${name} is given twice (${from})\nusage: ${usage}`);
    given[name] = value;
  };
  give('LogGroupName', required(values['log-group-name'], 'log-group-name', usage), '--log-group-name');
  if (values['notification-email'] !== undefined) give('NotificationEmail', values['notification-email'], '--notification-email');
  if (values['notification-topic-arn'] !== undefined) give('NotificationTopicArn', values['notification-topic-arn'], '--notification-topic-arn');
  for (const pair of values.parameter ?? []) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--parameter takes Name=Value, got "${pair}"\nusage: ${usage}`);
    give(pair.slice(0, equals), pair.slice(equals + 1), `--parameter ${pair}`);
  }
  return given;
}

function describeCall(step: StepRecord): string {
  const call = step.call;
  if (!call) return '';
  const names = Object.entries(call.input)
    .filter(([key, value]) => IDENTIFYING_INPUT.test(key) && (typeof value === 'string' || Array.isArray(value)))
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : value}`);
  return `${call.service} ${call.api}${names.length > 0 ? ` ${names.join(' ')}` : ''}`;
}

function progressLine(step: StepRecord, total: number, dryRun: boolean): string {
  const head = `[${step.index}/${total}] ${step.name}`;
  if (dryRun && step.call) return `${head}: ${step.call.service} ${step.call.api} ${JSON.stringify(step.call.input)}`;
  const timing = `(${step.ms} ms)`;
  if (step.status === 'Failed') {
    return `${head} ... FAILED${step.critical ? '' : ' (not critical)'} ${timing}: ${step.error}`;
  }
  if (step.action === 'aws:branch') return `${head} ... -> ${step.next ?? 'next step'} ${timing}${step.note ? ` (${step.note})` : ''}`;
  return `${head} ... ok ${timing}`;
}

function isWrite(step: StepRecord): boolean {
  return step.action === 'aws:executeAwsApi' && step.call !== undefined && !READ_ONLY_API.test(step.call.api);
}

function changesMade(result: AutomationResult): string[] {
  const writes = result.steps.filter((step) => step.status === 'Success' && isWrite(step));
  return writes.map((step) => `  ${step.name}: ${describeCall(step)}`);
}

/** `lookups`: calls made before the automation started (the caller's account id). */
function summary(result: AutomationResult, lookups: number): string[] {
  const failed = result.steps.filter((step) => step.status === 'Failed');
  const counts = `${result.steps.length} steps run, ${result.notRun.length} skipped, ${failed.length} failed, ${result.apiCalls + lookups} API calls, ${result.ms} ms`;
  const changes = changesMade(result);
  // A write whose answer was lost (a dropped connection, a timeout) may have changed the account all the same.
  const uncertain = failed.some(isWrite);
  const lines = [
    result.status === 'Success' ? `remediation succeeded: ${counts}` : `remediation FAILED: ${counts}`,
    changes.length > 0 ? 'changes made:' : uncertain ? 'changes made: none confirmed' : 'changes made: none, the account is as it was',
    ...changes,
  ];
  for (const step of failed) {
    lines.push(`failed: ${step.name}${step.critical ? '' : ' (not critical)'}: ${step.error}`);
    if (step.description) lines.push(`  ${step.description}`);
    if (isWrite(step)) lines.push(`  ${step.name} changes the account: its change may have been made before the failure`);
  }
  if (result.status === 'Failed') {
    lines.push(`not run: ${result.notRun.join(', ') || 'none'}`);
    lines.push('fix the cause and run the same command again: it replaces or skips what the steps before made');
  }
  for (const [name, value] of Object.entries(result.outputs)) lines.push(`${name} = ${String(value)}`);
  return lines;
}

/**
 * `remediate --log-group-name L (--notification-email E | --notification-topic-arn T) [--parameter Name=Value ...] [--dry-run]`: executes the
 * remediation document's steps with local credentials. `connection` adds client settings (tests: a moto account).
 */
export async function run(argv: string[], io: Io, connection: Partial<ClientOptions> = {}): Promise<number> {
  const usage = usageOf('remediate');
  const { values } = parseOptions(argv, OPTIONS, usage);
  const dryRun = values['dry-run'] === true;
  const given = givenParameters(values, usage);
  // Every given value is checked against the document's allowedPattern before anything is called.
  let resolved = resolveParameters(remediationDocument.parameters, given);
  const clientOptions = awsConnection(values, usage, connection);
  let lookups = 0;
  if (resolved.missing.includes('AccountId') && !dryRun) {
    lookups += 1;
    resolved = resolveParameters(remediationDocument.parameters, { ...given, AccountId: await callerAccountId(clientOptions) });
  }

  const result = await runAutomation(remediationDocument, resolved.values, {
    clientOptions,
    dryRun,
    onProgress: (step, total) => io.out(progressLine(step, total, dryRun)),
  });
  if (dryRun) {
    const calls = result.steps.filter((step) => step.call).length;
    const later = resolved.missing.includes('AccountId') ? "; AccountId: the caller's account, looked up at run time" : '';
    io.out(`dry run: ${calls} API calls planned, none made${later}`);
    return EXIT.ok;
  }
  if (result.status === 'Failed') {
    io.err(summary(result, lookups).join('\n'));
    return EXIT.error;
  }
  io.out(summary(result, lookups).join('\n'));
  const email = String(resolved.values.NotificationEmail);
  const ran = (name: string) => result.steps.some((step) => step.name === name && step.status === 'Success');
  if (ran('EndWhileConfirmationPending')) {
    io.out(`waiting: the email subscription to ${String(resolved.values.TopicName)} is pending confirmation; nothing was changed and no second confirmation email was sent. The recipient must confirm it from the email AWS sent.`);
  } else if (ran('EndChainInPlace')) {
    io.out('nothing to do: the filter, alarm and topic this document builds are in place; if the rule still says NON_COMPLIANT, its annotation names the link outside the remediation (the trail, its delivery).');
  } else if (ran('SubscribeNotificationEmail')) {
    io.out(`next: confirm the subscription from the email AWS sent to ${email}; the rule counts only confirmed subscribers.`);
  }
  return EXIT.ok;
}
