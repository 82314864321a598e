/** Where a command writes. Tests pass their own to capture output; the CLI uses the process streams. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** A mistake in how the command was called: exit 2 with a message that says what to do. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit codes of the command-line contract (design.md). */
export const EXIT = { ok: 0, nonCompliant: 1, error: 2 } as const;
