import type { Io } from '../../cli/io';
import { main } from '../../cli/main';

/** An Io that keeps what a command prints, line by line. */
export function capture(): Io & { stdout: string; stderr: string } {
  const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
  const io = { stdout: '', stderr: '', out: (text: string) => void (io.stdout += line(text)), err: (text: string) => void (io.stderr += line(text)) };
  return io;
}

/** Runs the CLI in-process and captures what it prints. */
export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = capture();
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}
