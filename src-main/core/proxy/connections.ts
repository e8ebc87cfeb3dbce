import type { Dispatcher } from 'undici';
import { buildConnector, Client } from 'undici';

/** Idle keep-alive connections kept per origin; more are closed once their answer is done. */
const MAX_IDLE_CONNECTIONS = 64;

/** One connection lent to one request: taken back once the answer is done, or dropped. */
export class LentConnection {
  private returned = false;

  constructor(
    private readonly client: Client,
    /** It carried an earlier exchange and was still open when lent. */
    readonly reused: boolean,
    private readonly lender: OriginConnections,
  ) {}

  dispatch(request: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    this.client.dispatch(request, handler);
  }

  /** The answer is done (or failed): the connection may carry the next request. */
  release(): void {
    if (this.settle()) this.lender.takeBack(this.client);
  }

  /** Closes the connection with the request on it; `reason` reaches the request's handler. */
  drop(reason: Error): void {
    if (this.settle()) this.lender.discard(this.client, reason);
  }

  private settle(): boolean {
    const first = !this.returned;
    this.returned = true;
    return first;
  }
}

/**
 * Keep-alive connections to one origin, an undici Client each, one request at a time. There is no
 * cap on those in use: an SSE answer holds its connection for as long as it streams, and a cap
 * would leave the next request waiting behind the open streams. undici's Pool is not used because
 * it cannot tell whether a request went out on a reused connection, and because aborting a request
 * in flight makes it open a connection that nothing uses (nodejs/undici#5845).
 */
export class OriginConnections {
  /** Most recently used last. */
  private readonly idle: Client[] = [];
  private readonly clients = new Set<Client>();
  private readonly options: Client.Options;

  /** `connectTimeoutMs` covers TCP and TLS; undici's default is 10 s. */
  constructor(
    private readonly origin: string,
    connectTimeoutMs?: number,
  ) {
    this.options = {
      pipelining: 1,
      // The exchange keeps its own deadline to the headers, and an event stream may stay quiet for
      // as long as it likes, as it may direct.
      headersTimeout: 0,
      bodyTimeout: 0,
      // One connector for all: its TLS sessions are resumed across the connections.
      connect: buildConnector({ timeout: connectTimeoutMs }),
    };
  }

  lend(): LentConnection {
    const idle = this.idle.pop();
    if (idle !== undefined) return new LentConnection(idle, idle.stats.connected, this);
    const client = new Client(this.origin, this.options);
    this.clients.add(client);
    return new LentConnection(client, false, this);
  }

  takeBack(client: Client): void {
    if (client.destroyed) return;
    if (this.idle.length < MAX_IDLE_CONNECTIONS) {
      this.idle.push(client);
      return;
    }
    this.clients.delete(client);
    void client.close();
  }

  discard(client: Client, reason: Error): void {
    this.clients.delete(client);
    void client.destroy(reason);
  }

  /** Closes every connection, idle or carrying a request. */
  destroy(): void {
    for (const client of this.clients) void client.destroy();
    this.clients.clear();
    this.idle.length = 0;
  }
}
