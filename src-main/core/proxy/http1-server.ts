/**
 * The loopback server's front: a small HTTP/1.1 server for the requests the proxy answers, at a
 * fraction of node:http's cost per request, with node:http behind it for everything else.
 *
 * Each request head is read here. A plain HTTP/1.1 request for a proxy path is answered on the
 * fast path; any other (the control API, the dashboard, an HTTP/1.0 client, an `Expect`, a
 * malformed head) hands its connection, from that request on, to the node:http server.
 */
import type { Server as HttpServer } from 'node:http';
import net from 'node:net';
import { Duplex } from 'node:stream';
import type { RequestHead } from './http1-request.js';
import { parseRequestHead } from './http1-request.js';
import type { FlowControl } from './http1-server-messages.js';
import { FastRequest, FastResponse } from './http1-server-messages.js';
import { BodyDecoder, headEnd, MAX_HEAD_BYTES } from './http1-syntax.js';
import type { LocalRequest, LocalResponse } from './local-http.js';

export interface LoopbackServerOptions {
  /** Whether the fast path answers a request for this target. */
  takes(url: string): boolean;
  handle(req: LocalRequest, res: LocalResponse): void;
  /** A node:http server that does not listen itself: it gets the connections the fast path leaves. */
  fallback: HttpServer;
  /**
   * Decides, once per connection and before any of it is read, whether it is served at all:
   * calls `serve` if so, and answers and closes the connection itself if not.
   */
  admit?(socket: net.Socket, serve: () => void): void;
  /** Idle time allowed between requests on a connection; node:http's default, 5 s. */
  keepAliveTimeoutMs?: number;
  /** Time allowed for a request head to arrive; node:http's default, 60 s. */
  headersTimeoutMs?: number;
  /** Time allowed for a whole request, body included; node:http's default, 300 s. */
  requestTimeoutMs?: number;
}

export interface LoopbackServer {
  readonly server: net.Server;
  /** Closes every connection, idle or busy, on the fast path or handed to node:http. */
  closeAllConnections(): void;
}

const BAD_REQUEST = Buffer.from(
  'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
  'latin1',
);
const MAX_SWEEP_INTERVAL_MS = 1000;

interface Limits {
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/** One connection on the fast path: one request at a time, pipelined ones wait their turn. */
class FastConnection implements FlowControl {
  /** Bytes read but not parsed yet: part of a head, or the requests after the current one. */
  private pending: Buffer | undefined;
  private request: FastRequest | undefined;
  private response: FastResponse | undefined;
  private readingBody = false;
  private keepAlive = true;
  /** Between requests, waiting for the client's next one. */
  private idle = false;
  /** A request broke HTTP: nothing more is read, and the connection closes once written out. */
  private refused = false;
  /** When the connection is closed if the client has not moved on (`Date.now()` time). */
  private deadline: number;
  private readonly body = new BodyDecoder({
    onBody: (chunk) => this.request?.push(chunk),
    onEnd: () => this.onBodyEnd(),
  });

  constructor(
    readonly socket: net.Socket,
    private readonly front: Front,
  ) {
    this.deadline = Date.now() + front.limits.headersTimeoutMs;
    socket.on('data', this.onData);
    socket.on('end', this.onClientEnd);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onClose);
  }

  /** Whether the client kept the connection past its deadline. */
  expired(now: number): boolean {
    return now > this.deadline;
  }

  pauseBody(): void {
    if (this.readingBody) this.socket.pause();
  }

  resumeBody(): void {
    if (this.readingBody) this.socket.resume();
  }

  private readonly onData = (data: Buffer): void => {
    if (this.readingBody) return this.readBody(data);
    if (this.response !== undefined) return this.keepForLater(data);
    this.readHead(this.pending === undefined ? data : Buffer.concat([this.pending, data]));
  };

  private readHead(bytes: Buffer): void {
    this.pending = undefined;
    const end = headEnd(bytes);
    if (end === -1) {
      if (bytes.length > MAX_HEAD_BYTES) return this.handOff(bytes);
      this.pending = bytes;
      // The first bytes of the next head: it must now arrive in time. (A slow one is not let
      // off by trickling in bytes.)
      if (this.idle) this.extendDeadline(this.front.limits.headersTimeoutMs);
      this.idle = false;
      return;
    }
    const head =
      end <= MAX_HEAD_BYTES ? parseRequestHead(bytes.toString('latin1', 0, end)) : undefined;
    if (head === undefined || !this.front.options.takes(head.url)) return this.handOff(bytes);
    const { request, response } = this.start(head);
    // The body that came with the head is read first: most requests are then whole at once.
    if (end < bytes.length) this.onData(bytes.subarray(end));
    if (!this.refused) this.front.options.handle(request, response);
  }

  private start(head: RequestHead): { request: FastRequest; response: FastResponse } {
    const request = new FastRequest(head, this);
    const response = new FastResponse({
      socket: this.socket,
      method: head.method,
      keepAlive: head.keepAlive,
      onFinished: () => this.onResponseFinished(),
    });
    this.request = request;
    this.response = response;
    this.keepAlive = head.keepAlive;
    this.idle = false;
    this.readingBody = true;
    this.extendDeadline(this.front.limits.requestTimeoutMs);
    // A request without a body is complete at once; its reader is told when it starts reading.
    this.body.start(head.framing);
    return { request, response };
  }

  private readBody(data: Buffer): void {
    let offset: number;
    try {
      offset = this.body.decode(data, 0);
    } catch {
      return this.refuseMalformedBody();
    }
    // The next request: it waits for this one's answer, unless that has gone out already.
    if (offset < data.length) this.onData(data.subarray(offset));
  }

  /** Bytes of the next request, kept (and reading paused) until the current one is answered. */
  private keepForLater(bytes: Buffer): void {
    this.pending = this.pending === undefined ? bytes : Buffer.concat([this.pending, bytes]);
    this.socket.pause();
  }

  private onBodyEnd(): void {
    this.readingBody = false;
    this.deadline = Number.POSITIVE_INFINITY;
    this.request?.endBody();
    if (this.response === undefined) this.nextRequest();
  }

  private onResponseFinished(): void {
    this.response = undefined;
    if (!this.keepAlive) {
      this.socket.end();
      return;
    }
    // Answered before its body was read: the rest of the body is read and dropped.
    if (this.readingBody) return this.request?.dump();
    this.nextRequest();
  }

  private nextRequest(): void {
    this.request = undefined;
    this.idle = true;
    this.extendDeadline(this.front.limits.keepAliveTimeoutMs);
    const pending = this.pending;
    if (pending === undefined) {
      this.socket.resume();
      return;
    }
    this.pending = undefined;
    // Not from inside the answer that just finished: its code is still on the stack.
    process.nextTick(() => {
      if (this.socket.destroyed) return;
      this.readHead(pending);
      // Unless the rest waits for an answer, reading goes on (and shows if the client leaves):
      // a head that is not whole yet needs the bytes still to come.
      if (this.pending === undefined || this.response === undefined) this.socket.resume();
    });
  }

  private extendDeadline(ms: number): void {
    this.deadline = Date.now() + ms;
  }

  /** Chunked framing broken mid-body: nothing more can be read on this connection. */
  private refuseMalformedBody(): void {
    this.refused = true;
    this.socket.off('data', this.onData);
    if (this.response?.headersSent === false) this.socket.write(BAD_REQUEST);
    this.socket.destroySoon();
  }

  /** node:http takes the connection over, from the request that starts with `bytes`. */
  private handOff(bytes: Buffer): void {
    this.front.forget(this);
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onClientEnd);
    this.socket.off('error', this.onSocketError);
    this.socket.off('close', this.onClose);
    this.front.handOver(this.socket, bytes);
  }

  /** As for node:http (without httpAllowHalfOpen), a client that stops sending has left. */
  private readonly onClientEnd = (): void => {
    if (this.response === undefined && !this.readingBody) this.socket.end();
    else this.socket.destroy();
  };

  private readonly onSocketError = (): void => {
    // A reset or a broken pipe: `close` follows, and tells the request and response.
  };

  private readonly onClose = (): void => {
    this.front.forget(this);
    if (this.readingBody) this.request?.abort();
    this.response?.abandon();
  };
}

/**
 * A socket whose first bytes were already read, rewound: node:http reads it from the start of
 * the request it takes over. (A Duplex, so node:http reads it through JavaScript like any other
 * stream instead of from the socket's handle, and nothing arrives out of order.)
 */
class RewoundSocket extends Duplex {
  constructor(
    private readonly socket: net.Socket,
    unread: Buffer,
  ) {
    super({ allowHalfOpen: true });
    this.push(unread);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    if (socket.readableEnded) this.push(null);
    else socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
    socket.on('timeout', () => this.emit('timeout'));
    socket.resume();
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(
    chunk: Buffer,
    encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.socket.write(chunk, encoding, callback);
  }

  override _final(callback: () => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.socket.destroy(error ?? undefined);
    callback(error);
  }
}

/** The connections on the fast path, and their timeouts. */
class Front {
  private readonly connections = new Set<FastConnection>();

  constructor(
    readonly options: LoopbackServerOptions,
    readonly limits: Limits,
  ) {}

  accept(socket: net.Socket): void {
    this.connections.add(new FastConnection(socket, this));
  }

  forget(connection: FastConnection): void {
    this.connections.delete(connection);
  }

  handOver(socket: net.Socket, unread: Buffer): void {
    this.options.fallback.emit('connection', new RewoundSocket(socket, unread));
  }

  /** Closes the connections whose client did not go on in time. */
  sweep(): void {
    const now = Date.now();
    for (const connection of this.connections)
      if (connection.expired(now)) connection.socket.destroy();
  }

  closeAll(): void {
    for (const connection of this.connections) connection.socket.destroy();
  }
}

export function createLoopbackServer(options: LoopbackServerOptions): LoopbackServer {
  const limits: Limits = {
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 5000,
    headersTimeoutMs: options.headersTimeoutMs ?? 60_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 300_000,
  };
  const front = new Front(options, limits);
  const admit = options.admit;
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    if (admit === undefined) return front.accept(socket);
    admit(socket, () => {
      if (!socket.destroyed) front.accept(socket);
    });
  });
  const sweepEveryMs = Math.min(
    MAX_SWEEP_INTERVAL_MS,
    ...Object.values(limits).map((ms) => ms / 4),
  );
  let sweeper: NodeJS.Timeout | undefined;
  server.on('listening', () => {
    sweeper = setInterval(() => front.sweep(), sweepEveryMs).unref();
    // node:http starts tracking its connections (for closeAllConnections and its header and
    // request timeouts) when it listens; the fallback listens through this server.
    options.fallback.emit('listening');
  });
  server.on('close', () => {
    clearInterval(sweeper);
    options.fallback.close();
  });
  return {
    server,
    closeAllConnections() {
      front.closeAll();
      options.fallback.closeAllConnections();
    },
  };
}
