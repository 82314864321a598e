import { EXIT, processIo, type Io } from './io';
import { COMMAND_USAGE, type CommandName } from './usage';

/** A CLI command: parses its own options and returns the exit code. */
export interface Command {
  run(argv: string[], io: Io): Promise<number>;
}

// Loaded on demand so that `analyze-filter` does not pay for the AWS SDK.
/* eslint-disable @typescript-eslint/no-require-imports */
const LOADERS: Record<CommandName, () => Command> = {
  check: () => require('./commands/check'),
  'test-metric-filter': () => require('./commands/test-metric-filter'),
  'analyze-filter': () => require('./commands/analyze-filter'),
  invoke: () => require('./commands/invoke'),
  document: () => require('./commands/document'),
  remediate: () => require('./commands/remediate'),
  drill: () => require('./commands/drill'),
  conformance: () => require('./commands/conformance'),
  demo: () => require('./commands/demo'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_USAGE, name);
}

/** Edit distance, for "did you mean": a typo of a command is one or two edits away. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The command the user most likely meant, when one is close enough to be a typo (or a prefix of it). */
export function closestCommand(name: string): CommandName | undefined {
  const lower = name.toLowerCase();
  let best: { name: CommandName; distance: number } | undefined;
  for (const candidate of Object.keys(COMMAND_USAGE) as CommandName[]) {
    const distance = candidate.startsWith(lower) && lower.length >= 3 ? 0 : editDistance(lower, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

export function helpText(): string {
  const width = Math.max(...Object.keys(COMMAND_USAGE).map((name) => name.length));
  const lines = Object.entries(COMMAND_USAGE).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
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
  if (!isCommandName(name)) {
    const guess = closestCommand(name);
    io.err(
      guess
        ? `s3-policy-watch: unknown command "${name}". Did you mean "${guess}"?\nusage: ${COMMAND_USAGE[guess].usage}\nRun \`s3-policy-watch --help\` for every command.`
        : `s3-policy-watch: unknown command "${name}"\n\n${helpText()}`,
    );
    return EXIT.error;
  }
  const entry = COMMAND_USAGE[name];
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${entry.usage}\n\n${entry.summary}`);
    return EXIT.ok;
  }
  try {
    return await LOADERS[name]().run(rest, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`s3-policy-watch ${name}: ${message}`);
    return EXIT.error;
  }
}
