import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '../../bin/s3-policy-watch.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const pidIn = (output: string) => Number(/\(pid (\d+)\)/.exec(output)?.[1]);

describe('npm start (s3-policy-watch demo)', () => {
  test('runs the whole loop on its own moto server: NON_COMPLIANT, remediation, COMPLIANT; then stops the server', () => {
    const result = spawnSync(process.execPath, [BIN, 'demo'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = result.stdout;
    const before = out.indexOf('NON_COMPLIANT: account 123456789012');
    const after = out.indexOf('COMPLIANT: account 123456789012', before + 20);
    expect(before).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(before);
    // The near-miss is explained, not just failed.
    expect(out).toContain('filter "s3-bucket-policy-changes" matches no PutBucketPolicy or DeleteBucketPolicy record');
    expect(out).toMatch(/\[\d+\/\d+\] PutCisMetricFilter \.\.\. ok \(\d+ ms\)/);
    expect(out).toContain('NON_COMPLIANT -> remediated -> COMPLIANT');
    // The final report shows what now protects the account first: the remediated chain, then the near-miss.
    expect(out.slice(after)).toMatch(/Chain 1 of 2: complete[\s\S]*filter "s3-policy-watch-bucket-policy-changes"[\s\S]*Chain 2 of 2: broken/);
    expect(alive(pidIn(out))).toBe(false);
  });

  test('Ctrl-C stops the emulator too', async () => {
    const child = spawn(process.execPath, [BIN, 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const listening = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/\(pid \d+\)/.test(output)) resolve();
      });
    });
    await listening;
    const pid = pidIn(output);
    expect(alive(pid)).toBe(true);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    await new Promise((r) => setTimeout(r, 500));
    expect(alive(pid)).toBe(false);
  });

  test('--keep leaves the emulator running with the remediated account, and says how to reach and stop it', () => {
    const result = spawnSync(process.execPath, [BIN, 'demo', '--keep'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(0);
    const pid = Number(/Stop it with: kill (\d+)/.exec(result.stdout)?.[1]);
    const endpoint = /at (http:\/\/127\.0\.0\.1:\d+);/.exec(result.stdout)?.[1];
    try {
      expect(alive(pid)).toBe(true);
      expect(result.stdout).toContain(`npx s3-policy-watch check --endpoint-url ${endpoint} --region us-east-1`);
      const check = spawnSync(process.execPath, [BIN, 'check', '--endpoint-url', endpoint!, '--region', 'us-east-1', '--format', 'json'], {
        encoding: 'utf8',
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
      });
      expect(JSON.parse(check.stdout).compliance).toBe('COMPLIANT');
    } finally {
      if (alive(pid)) process.kill(pid);
    }
  });

  test('with an interpreter that cannot run moto it names the exact install command and exits 2', () => {
    const result = spawnSync(process.execPath, [BIN, 'demo'], { encoding: 'utf8', env: { ...process.env, S3PW_PYTHON: '/nonexistent/python3' } });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('S3PW_PYTHON=/nonexistent/python3 could not be run. Run: /nonexistent/python3 -m pip install "moto[server]==5.2.1"');
  });
});
