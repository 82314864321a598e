import { startMotoServer } from '../../cli/moto-server';

/** Starts one moto server for the run unless one is already given (.ci/run starts its own). */
export default async function globalSetup(): Promise<void> {
  if (process.env.MOTO_ENDPOINT) return;
  const server = await startMotoServer();
  process.env.MOTO_ENDPOINT = server.endpoint;
  (globalThis as { __motoServer?: typeof server }).__motoServer = server;
}
