/**
 * Each command's usage line and one-line summary: plain data, imported by the commands (for their usage errors)
 * and by main.ts (for help), so neither imports the other.
 */
export const COMMAND_USAGE = {
  check: {
    usage: 's3-policy-watch check [--region R] [--endpoint-url U] [--parameters JSON] [--format text|json|asff]',
    summary: 'evaluate the account now, without writing anything (exit 0 COMPLIANT, 1 NON_COMPLIANT, 2 error); asff: the Security Hub finding',
  },
  'test-metric-filter': {
    usage: 's3-policy-watch test-metric-filter --filter-pattern P --log-event-messages M [M ...]',
    summary: 'offline twin of `aws logs test-metric-filter`',
  },
  'analyze-filter': {
    usage: 's3-policy-watch analyze-filter --filter-pattern P [--required-events POLICY|CIS|Name,Name...]',
    summary: 'does a metric filter pattern catch every required S3 change event, and nothing benign?',
  },
  invoke: {
    usage: 's3-policy-watch invoke --event FILE [--test-mode] [--region R] [--endpoint-url U]',
    summary: 'run the Lambda handler locally on a Config event, as Config would',
  },
  document: {
    usage: 's3-policy-watch document [--format json|yaml]',
    summary: 'print the SSM Automation remediation document',
  },
  remediate: {
    usage:
      's3-policy-watch remediate --log-group-name L (--notification-email E | --notification-topic-arn T) [--parameter Name=Value ...] [--dry-run] [--region R] [--endpoint-url U]',
    summary: "execute the remediation document's steps with local credentials",
  },
  drill: {
    usage: 's3-policy-watch drill [--timeout SECONDS] [--format text|json] [--yes] [--region R] [--endpoint-url U]',
    summary:
      'fire drill: change a temporary bucket\'s policy, time each link up to the notification, remove everything (exit 0 delivered, 1 not, 2 error)',
  },
  conformance: {
    usage: 's3-policy-watch conformance --live [--format text|json] [--region R] [--endpoint-url U]',
    summary: "the filter-pattern conformance cases through the account's real TestMetricFilter API (read-only): where AWS and the engine disagree",
  },
  demo: {
    usage: 's3-policy-watch demo [--keep]',
    summary: 'the whole loop on a local AWS emulator (moto): non-compliant -> remediate -> compliant',
  },
} as const satisfies Record<string, { usage: string; summary: string }>;

export type CommandName = keyof typeof COMMAND_USAGE;

export function usageOf(name: CommandName): string {
  return COMMAND_USAGE[name].usage;
}
