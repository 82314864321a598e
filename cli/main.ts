import { EXIT, processIo, type Io } from './io';

/** A CLI command: parses its own options and returns the exit code. */
export interface Command {
  run(argv: string[], io: Io): Promise<number>;
}

interface Entry {
  usage: string;
  summary: string;
  // Loaded on demand so that `analyze-filter` does not pay for the AWS SDK.
  load(): Command;
}

/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, Entry> = {
  check: {
    usage: 's3-policy-watch check [--region R] [--endpoint-url U] [--parameters JSON] [--format text|json]',
    summary: 'evaluate the account now, without writing anything (exit 0 COMPLIANT, 1 NON_COMPLIANT, 2 error)',
    load: () => require('./commands/check'),
  },
  'test-metric-filter': {
    usage: 's3-policy-watch test-metric-filter --filter-pattern P --log-event-messages M [M ...]',
    summary: 'offline twin of `aws logs test-metric-filter`',
    load: () => require('./commands/test-metric-filter'),
  },
  'analyze-filter': {
    usage: 's3-policy-watch analyze-filter --filter-pattern P [--required-events POLICY|CIS|Name,Name...]',
    summary: 'does a metric filter pattern catch every required S3 change event, and nothing benign?',
    load: () => require('./commands/analyze-filter'),
  },
  invoke: {
    usage: 's3-policy-watch invoke --event FILE [--test-mode] [--region R] [--endpoint-url U]',
    summary: 'run the Lambda handler locally on a Config event, as Config would',
    load: () => require('./commands/invoke'),
  },
  document: {
    usage: 's3-policy-watch document [--format json|yaml]',
    summary: 'print the SSM Automation remediation document',
    load: () => require('./commands/document'),
  },
  remediate: {
    usage:
      's3-policy-watch remediate --log-group-name L [--notification-email E] [--parameter Name=Value ...] [--dry-run] [--region R] [--endpoint-url U]',
    summary: "execute the remediation document's steps with local credentials",
    load: () => require('./commands/remediate'),
  },
  demo: {
    usage: 's3-policy-watch demo [--keep]',
    summary: 'the whole loop on a local AWS emulator (moto): non-compliant -> remediate -> compliant',
    load: () => require('./commands/demo'),
  },
};

export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return [
    's3-policy-watch: is every S3 bucket policy change alarmed, end to end?',
    '',
    'usage: s3-policy-watch <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run `s3-policy-watch <command> --help` for its options. Exit codes: 0 success/COMPLIANT, 1 NON_COMPLIANT, 2 usage, input or AWS error.',
  ].join('\n');
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name === undefined ? EXIT.error : EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.err(`s3-policy-watch: unknown command "${name}"\n\n${helpText()}`);
    return EXIT.error;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${entry.usage}\n\n${entry.summary}`);
    return EXIT.ok;
  }
  try {
    return await entry.load().run(rest, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`s3-policy-watch ${name}: ${message}`);
    return EXIT.error;
  }
}

export function usageOf(name: keyof typeof COMMANDS): string {
  return COMMANDS[name].usage;
}
