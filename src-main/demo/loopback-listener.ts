import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatekeyError } from '../core/errors.js';

/**
 * An HTTP listener on 127.0.0.1 that can go down and come back on the same port, so tests can
 * model a server that restarts while its clients keep running.
 */
export interface LoopbackListener {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Closes the listening socket and every open connection (SSE streams included). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/**
 * Binds `port` (0 = any free port) on 127.0.0.1, then asks `createHandler` for the request
 * handler: servers whose URLs embed their own port (issuers, resource URLs) know it by then.
 */
export async function startLoopbackListener(
  port: number,
  createHandler: (origin: string) => RequestListener,
): Promise<LoopbackListener> {
  const server = createServer();
  await listen(server, port);
  const boundPort = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${boundPort}`;
  server.on('request', createHandler(origin));

  return {
    port: boundPort,
    origin,
    stop: () => close(server),
    start: () => (server.listening ? Promise.resolve() : listen(server, boundPort)),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(
        error.code === 'EADDRINUSE'
          ? new GatekeyError(
              'port_in_use',
              `Port ${port} on 127.0.0.1 is already in use.`,
              'Pick another port, or stop the process that holds this one.',
              { cause: error },
            )
          : error,
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

function close(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
