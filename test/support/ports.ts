import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Holds a loopback port, so that something else finds it in use. */
export async function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server) };
}

/** A port that was free a moment ago, for servers that must listen on a fixed, known port. */
export async function freePort(): Promise<number> {
  const held = await occupyPort();
  await held.close();
  return held.port;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
