import type { MotoServer } from '../../cli/moto-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __motoServer?: MotoServer }).__motoServer;
  if (server) await server.stop();
}
