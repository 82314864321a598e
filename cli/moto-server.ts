import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ClientOptions } from '../rule/clients';
import { findMotoPython, MotoUnavailableError, processEnvironment } from './moto-python';

/** A moto server (local AWS emulator) on a loopback port, owned by this process. */
export interface MotoServer {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

export { MotoUnavailableError };

/** moto served from the port its own process bound (cli/moto-listen.py), not from one picked beforehand. */
const LISTEN_SCRIPT = join(__dirname, 'moto-listen.py');

/**
 * The port the child announces on its stdout ("moto-port N"). Only our child writes to that pipe, so a server
 * found there is the one we started, whatever else listens on this machine.
 */
export function announcedPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const fail = (why: string) => {
      cleanup();
      reject(new MotoUnavailableError(why));
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /^moto-port (\d+)\r?\n/m.exec(seen); // a whole line: a chunk may end inside the number
      if (!match) return;
      cleanup();
      resolve(Number(match[1]));
    };
    const onExit = (code: number | null, signal: string | null) => fail(`moto server exited (${signal ?? `code ${code}`}) before it announced its port`);
    const timer = setTimeout(() => fail(`moto server announced no port within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new MotoUnavailableError(`moto server exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // bound, not yet serving
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new MotoUnavailableError(`moto server did not answer on ${endpoint} in time`);
}

export interface StartOptions {
  timeoutMs?: number;
  /** The server outlives this process (demo --keep). */
  detached?: boolean;
  /** Progress lines of a first-run install of moto (default: stderr). */
  progress?: (line: string) => void;
}

/** Starts moto's server (installing it into the project on first use) on a port its own process binds, and waits until it answers. */
export async function startMotoServer(options: StartOptions = {}): Promise<MotoServer> {
  const python = findMotoPython(processEnvironment(options.progress));
  const deadline = Date.now() + (options.timeoutMs ?? 30000);
  // A detached server (demo --keep) outlives this process, so after its port line it must not write to a pipe we own.
  const child = spawn(python, [LISTEN_SCRIPT], {
    stdio: ['ignore', 'pipe', options.detached ? 'ignore' : 'pipe'],
    detached: options.detached ?? false,
    env: { ...process.env, MOTO_CALL_RESET_API: 'false' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let endpoint: string;
  try {
    endpoint = `http://127.0.0.1:${await announcedPort(child, deadline - Date.now())}`;
    await waitUntilReady(endpoint, child, deadline);
  } catch (error) {
    child.kill('SIGKILL');
    throw new MotoUnavailableError(`${(error as Error).message} (${python} ${LISTEN_SCRIPT})\n${stderr}`);
  }
  if (options.detached) {
    child.stdout?.destroy();
    child.unref();
  }
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    pid: child.pid ?? -1,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
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
