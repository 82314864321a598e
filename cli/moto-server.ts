import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { ClientOptions } from '../rule/clients';

/** A moto server (local AWS emulator) on a loopback port, owned by this process. */
export interface MotoServer {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

export class MotoUnavailableError extends Error {
  override name = 'MotoUnavailableError';
}

const PYTHON = process.env.S3PW_PYTHON ?? 'python3';

/** Asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Fails with install instructions when Python or moto's server extra is missing. */
export function assertMotoInstalled(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import moto.server, flask; print(moto.__version__)'], { encoding: 'utf8' });
  if (probe.error) {
    throw new MotoUnavailableError(
      `${PYTHON} was not found (${probe.error.message}). Install Python 3 and then: pip install "moto[server]"`,
    );
  }
  if (probe.status !== 0) {
    throw new MotoUnavailableError(
      `moto's server is not installed for ${PYTHON}: ${probe.stderr.trim().split('\n').pop()}. Install it with: pip install "moto[server]"`,
    );
  }
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new MotoUnavailableError(`moto server exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new MotoUnavailableError(`moto server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/** Starts `python3 -m moto.server` on a free loopback port and waits until it answers. */
export async function startMotoServer(options: { timeoutMs?: number; detached?: boolean } = {}): Promise<MotoServer> {
  assertMotoInstalled();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // A detached server (demo --keep) outlives this process, so it must not write to a pipe we own.
  const child = spawn(PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', options.detached ? 'ignore' : 'pipe'],
    detached: options.detached ?? false,
    env: { ...process.env, MOTO_CALL_RESET_API: 'false' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitUntilReady(endpoint, child, options.timeoutMs ?? 30000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new MotoUnavailableError(`${(error as Error).message}\n${stderr}`);
  }
  if (options.detached) child.unref();
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    pid: child.pid ?? -1,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
      return stopped;
    },
  };
}

/**
 * Client options for one account of a moto server: moto keeps accounts apart by the x-moto-account-id header,
 * so tests, demo and benchmarks can share one server without seeing each other's resources.
 */
export function motoClientOptions(endpoint: string, accountId: string, region = 'us-east-1'): ClientOptions {
  if (!/^\d{12}$/.test(accountId)) throw new Error(`account id must be 12 digits, got ${accountId}`);
  // moto accepts any credentials; fixed ones keep a developer's real ones out of it.
  return { region, endpoint, headers: { 'x-moto-account-id': accountId }, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 2 };
}
