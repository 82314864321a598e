import { run } from '../../cli/commands/check';
import type { CheckResult } from '../../cli/report';
import { capture } from './cli';
import type { TestAccount } from './moto';

/**
 * Runs `s3-policy-watch check` in-process against a moto account (the account header is what the command
 * line cannot pass), and returns the exit code with the parsed JSON, or the text, it printed.
 */
export async function checkAccount(account: TestAccount, args: string[] = [], region = account.region): Promise<{ code: number; result: CheckResult }> {
  const { code, stdout } = await checkAccountText(account, [...args, '--format', 'json'], region);
  return { code, result: JSON.parse(stdout) as CheckResult };
}

export async function checkAccountText(account: TestAccount, args: string[] = [], region = account.region): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = capture();
  const code = await run(['--region', region, ...args], io, account.options(region));
  return { code, stdout: io.stdout, stderr: io.stderr };
}
