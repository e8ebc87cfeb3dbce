import { createServer } from 'node:http';
import type { Server } from 'node:net';
import { GatekeyError } from '../errors.js';
import type { ProxyOptions } from './handler.js';
import { createProxyHandler } from './handler.js';
import { createLoopbackServer } from './http1-server.js';
import { sameUserAdmission } from './peer-user.js';
import { isProxyPath } from './routes.js';

export interface RunningProxy {
  port: number;
  /** e.g. http://127.0.0.1:7421 */
  url: string;
  server: Server;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

export function listenOnLoopback(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new GatekeyError(
              'port_in_use',
              `Port ${port} on ${LOOPBACK} is already in use, so the Gatekey proxy cannot start.`,
              `Stop whatever uses port ${port} (another Gatekey?), or choose another port: gatekey serve --port <n>, or Port in the Gatekey settings.`,
              { cause: error },
            )
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, LOOPBACK, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** The proxy alone on its own loopback server (the app mounts the handler next to its API). */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  let url = '';
  const handler = createProxyHandler({ ...options, publicOrigin: () => url });
  const notFound = createServer((req, res) => {
    if (isProxyPath(req.url ?? '/')) return handler(req, res);
    res
      .writeHead(404, { 'Content-Type': 'text/plain' })
      .end('Not found: the Gatekey proxy serves /mcp/<gateway>.\n');
  });
  const loopback = createLoopbackServer({
    takes: isProxyPath,
    handle: handler,
    fallback: notFound,
    admit: sameUserAdmission(),
  });
  const server = loopback.server;
  const port = await listenOnLoopback(server, options.port).catch((error: unknown) => {
    handler.close();
    throw error;
  });
  url = `http://${LOOPBACK}:${port}`;
  return {
    port,
    url,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        loopback.closeAllConnections();
        handler.close();
      }),
  };
}
