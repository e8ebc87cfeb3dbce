import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Holds a loopback port (any free one by default), so that something else finds it in use. */
export async function occupyPort(port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
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
