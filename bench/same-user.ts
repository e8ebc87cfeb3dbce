/**
 * What the same-user rule costs per new connection (run by hand: `npx tsx bench/same-user.ts`):
 * the proxy's loopback server with and without the check, each answering 300 connections that
 * carry one request each, one after another; and the lookup itself, timed alone.
 */
import { createServer } from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createLoopbackServer } from '../src-main/core/proxy/http1-server.js';
import { peerUid, sameUserAdmission } from '../src-main/core/proxy/peer-user.js';

const CONNECTIONS = 300;
const REQUEST = 'GET /mcp/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';

async function serve(admit: ReturnType<typeof sameUserAdmission>): Promise<net.Server> {
  const { server } = createLoopbackServer({
    takes: (url) => url.startsWith('/mcp/'),
    handle: (_req, res) => res.writeHead(204, []).end(),
    fallback: createServer(),
    ...(admit ? { admit } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function oneConnection(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(REQUEST));
    // A reset instead of a close: no TIME_WAIT entry piles up in the table being measured.
    socket.on('data', () => socket.resetAndDestroy());
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

async function microsPerConnection(admit: ReturnType<typeof sameUserAdmission>): Promise<number> {
  const server = await serve(admit);
  const { port } = server.address() as net.AddressInfo;
  for (let i = 0; i < 50; i++) await oneConnection(port);
  const start = performance.now();
  for (let i = 0; i < CONNECTIONS; i++) await oneConnection(port);
  const elapsed = performance.now() - start;
  server.close();
  return (elapsed * 1000) / CONNECTIONS;
}

/** Wall time and CPU time (user + system, the kernel's writing of the table included). */
async function microsPerLookup(): Promise<{ micros: number; cpuMicros: number; sockets: number }> {
  const server = net.createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, '127.0.0.1');
  const accepted = await new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < CONNECTIONS; i++) await peerUid(accepted);
  const micros = ((performance.now() - start) * 1000) / CONNECTIONS;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMicros = (cpu.user + cpu.system) / CONNECTIONS;
  client.destroy();
  server.close();
  const { readFile } = await import('node:fs/promises');
  const lines = async (file: string) => (await readFile(file, 'latin1')).split('\n').length - 2;
  const sockets = (await lines('/proc/net/tcp')) + (await lines('/proc/net/tcp6'));
  return { micros, cpuMicros, sockets };
}

const admission = sameUserAdmission();
for (let round = 1; round <= 3; round++) {
  const lookup = await microsPerLookup();
  const without = await microsPerConnection(undefined);
  const checked = await microsPerConnection(admission);
  console.log(
    `round ${round}: new connection + 1 request ${without.toFixed(0)} µs without the check, ` +
      `${checked.toFixed(0)} µs with it (+${(checked - without).toFixed(0)} µs); ` +
      `lookup alone ${lookup.micros.toFixed(0)} µs (CPU ${lookup.cpuMicros.toFixed(0)} µs) ` +
      `with ${lookup.sockets} sockets in the tables`,
  );
}
