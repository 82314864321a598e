import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { announcedPort, MotoUnavailableError, startMotoServer, type MotoServer } from '../../cli/moto-server';

/** The pid whose open files include the socket listening on 127.0.0.1:port (Linux: /proc/net/tcp and /proc/<pid>/fd). */
function listenerOwnedBy(port: number, pid: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1] === local && fields[3] === '0A') // 0A: LISTEN
    .map((fields) => `socket:[${fields[9]}]`);
  if (inodes.length === 0) return false;
  return readdirSync(`/proc/${pid}/fd`).some((fd) => {
    try {
      return inodes.includes(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      return false; // closed meanwhile
    }
  });
}

const portOf = (server: MotoServer) => Number(new URL(server.endpoint).port);

describe('the moto server a run starts is provably its own', () => {
  test('each of two servers started at once listens on a socket of its own process, and answers', async () => {
    const servers = await Promise.all([startMotoServer(), startMotoServer()]);
    try {
      expect(portOf(servers[0]!)).not.toBe(portOf(servers[1]!));
      for (const server of servers) {
        expect(listenerOwnedBy(portOf(server), server.pid)).toBe(true);
        expect((await fetch(`${server.endpoint}/moto-api/data.json`)).ok).toBe(true);
      }
      // and not on the other's: neither could have been mistaken for the other
      expect(listenerOwnedBy(portOf(servers[0]!), servers[1]!.pid)).toBe(false);
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
  });

  test('the port is the one the child itself announces: a whole line, after whatever else it prints', async () => {
    // the line arrives in two pieces, split inside the number
    const child = spawn(process.execPath, [
      '-e',
      'console.log("starting"); setTimeout(() => process.stdout.write("moto-port 432"), 50); setTimeout(() => process.stdout.write("10\\n"), 150); setTimeout(() => {}, 2000)',
    ]);
    try {
      await expect(announcedPort(child, 5000)).resolves.toBe(43210);
    } finally {
      child.kill();
    }
  });

  test('a child that exits without announcing a port is an error, not a server found elsewhere', async () => {
    const child = spawn(process.execPath, ['-e', 'console.log("ImportError: no module named moto"); process.exit(3)']);
    await expect(announcedPort(child, 5000)).rejects.toThrow(new MotoUnavailableError('moto server exited (code 3) before it announced its port'));
  });

  test('a child that announces nothing in time is an error', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)']);
    try {
      await expect(announcedPort(child, 200)).rejects.toThrow('moto server announced no port within 200 ms');
    } finally {
      child.kill();
    }
  });
});
