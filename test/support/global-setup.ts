import { startMotoServer } from '../../cli/moto-server';

/**
 * Starts one moto server for the run (installing moto into .venv-moto/ on first use), unless MOTO_ENDPOINT
 * names a server the developer runs on purpose.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.MOTO_ENDPOINT) return;
  const server = await startMotoServer();
  process.env.MOTO_ENDPOINT = server.endpoint;
  (globalThis as { __motoServer?: typeof server }).__motoServer = server;
}
