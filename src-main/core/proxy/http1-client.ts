import net from 'node:net';
import tls from 'node:tls';
import type { ResponseHead } from './http1-parser.js';
import { ResponseParser } from './http1-parser.js';
import { asChunk, LAST_CHUNK, TOKEN } from './http1-syntax.js';
import type { BodySource } from './local-http.js';

/**
 * A minimal HTTP/1.1 client (RFC 9112) on pooled keep-alive sockets, one request at a time per
 * socket. It does only what the proxy needs, at a fraction of node:http's cost per request.
 */

/** Where requests go: one pool of idle connections per origin. */
export interface Http1Origin {
  readonly origin: string;
  readonly secure: boolean;
  /** Without IPv6 brackets, as node:net wants it. */
  readonly hostname: string;
  readonly port: number;
}

/** A body read from a stream; without a declared length it is sent chunked. */
export interface StreamedBody {
  readonly head: readonly Buffer[];
  readonly rest: BodySource;
  readonly contentLength?: string;
}

export interface OutgoingRequest {
  readonly method: string;
  readonly path: string;
  /**
   * Names and values alternating, Host included; the client adds only the body framing. They
   * are not checked here: each must be a token and a value without CR, LF or NUL (see
   * isSendableHeaderValue), as parsed messages and checked settings are.
   */
  readonly headers: readonly string[];
  readonly body?: Buffer | StreamedBody;
}

/** What becomes of one request. After onEnd or onError nothing more is reported. */
export interface ResponseHandler {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  onEnd(): void;
  onError(error: NodeJS.ErrnoException): void;
}

export interface PoolLimits {
  readonly maxIdlePerOrigin: number;
  readonly idleTimeoutMs: number;
}

const DEFAULT_LIMITS: PoolLimits = { maxIdlePerOrigin: 128, idleTimeoutMs: 4000 };
const INVALID_PATH_CHAR = /[^\x21-\xff]/;
const CRLF = '\r\n';

function isStreamed(body: OutgoingRequest['body']): body is StreamedBody {
  return body !== undefined && !Buffer.isBuffer(body);
}

/** The request line and header section, with the body framing; throws on an unsendable line. */
function serializeHead({ method, path, headers, body }: OutgoingRequest): string {
  if (!TOKEN.test(method)) throw new TypeError(`Invalid method ${JSON.stringify(method)}`);
  if (INVALID_PATH_CHAR.test(path))
    throw new TypeError('Request path contains unescaped characters');
  let head = `${method} ${path} HTTP/1.1${CRLF}`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}${CRLF}`;
  if (Buffer.isBuffer(body)) head += `Content-Length: ${body.length}${CRLF}`;
  else if (body?.contentLength !== undefined)
    head += `Content-Length: ${body.contentLength}${CRLF}`;
  else if (body !== undefined) head += `Transfer-Encoding: chunked${CRLF}`;
  return head + CRLF;
}

/** Writes a piece of a streamed body, as a chunk when `chunked`; false when the socket is full. */
function writeBodyPart(socket: net.Socket, part: Buffer, chunked: boolean): boolean {
  if (!chunked) return socket.write(part);
  if (part.length === 0) return true;
  socket.cork();
  let flowing = true;
  for (const piece of asChunk(part)) flowing = socket.write(piece);
  socket.uncork();
  return flowing;
}

function hangUp(): NodeJS.ErrnoException {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

function connect({ secure, hostname, port }: Http1Origin): net.Socket {
  if (!secure) return net.connect({ host: hostname, port, noDelay: true });
  // SNI takes a host name, never an address.
  const sni = net.isIP(hostname) === 0 ? { servername: hostname } : {};
  return tls
    .connect({ host: hostname, port, ALPNProtocols: ['http/1.1'], ...sni })
    .setNoDelay(true);
}

/** One request on one connection, as the caller holds it. */
export class Http1Request {
  private settled = false;

  constructor(
    private readonly connection: Connection,
    readonly handler: ResponseHandler,
    /** Whether the connection had carried an earlier request (and so may have been closed). */
    readonly reusedSocket: boolean,
  ) {}

  /** Drops the request and its connection, unless it is over already. */
  destroy(): void {
    if (!this.settled) this.connection.destroy();
    this.settled = true;
  }

  pause(): void {
    if (!this.settled) this.connection.socket.pause();
  }

  resume(): void {
    if (!this.settled) this.connection.socket.resume();
  }

  /** Marks the request over, before its last report; false when its caller had dropped it. */
  settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    return true;
  }
}

/** A socket, its response parser and the request it carries, if any. */
class Connection {
  private readonly parser = new ResponseParser({
    onHead: (head) => {
      this.keepAlive = head.keepAlive;
      this.current?.handler.onHead(head);
    },
    onBody: (chunk) => this.current?.handler.onBody(chunk),
    onEnd: () => this.onResponseEnd(),
  });
  private current: Http1Request | undefined;
  private keepAlive = false;
  private requestSent = false;
  private receivedAny = false;
  private requests = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly pool: Http1Client,
    readonly origin: Http1Origin,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEndOfStream);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onClose);
  }

  send(head: string, request: OutgoingRequest, handler: ResponseHandler): Http1Request {
    this.stopIdleTimer();
    const sent = new Http1Request(this, handler, this.requests > 0);
    this.requests += 1;
    this.current = sent;
    this.keepAlive = false;
    this.receivedAny = false;
    this.requestSent = false;
    this.parser.expect(request.method);
    this.writeRequest(head, request.body);
    return sent;
  }

  destroy(): void {
    this.current = undefined;
    this.socket.destroy();
  }

  /** Parked in the pool: closes itself after the idle timeout. */
  park(timeoutMs: number): void {
    this.socket.resume();
    this.idleTimer = setTimeout(() => this.destroy(), timeoutMs).unref();
  }

  private writeRequest(head: string, body: OutgoingRequest['body']): void {
    const socket = this.socket;
    if (!isStreamed(body)) {
      const headBytes = Buffer.from(head, 'latin1');
      socket.write(body === undefined ? headBytes : Buffer.concat([headBytes, body]));
      this.requestSent = true;
      return;
    }
    socket.write(head, 'latin1');
    const chunked = body.contentLength === undefined;
    for (const chunk of body.head) writeBodyPart(socket, chunk, chunked);
    const { rest } = body;
    rest.on('data', (chunk: Buffer) => {
      if (socket.destroyed || writeBodyPart(socket, chunk, chunked)) return;
      rest.pause();
      socket.once('drain', () => rest.resume());
    });
    rest.once('end', () => {
      if (chunked && !socket.destroyed) socket.write(LAST_CHUNK);
      this.requestSent = true;
    });
    rest.resume();
  }

  private readonly onData = (data: Buffer): void => {
    if (this.current === undefined) return this.destroy();
    this.receivedAny = true;
    try {
      this.parser.execute(data);
    } catch (error) {
      this.fail(error as Error);
    }
  };

  private onResponseEnd(): void {
    const request = this.current;
    if (request === undefined) return;
    this.current = undefined;
    if (!request.settle()) return this.destroy();
    if (this.keepAlive && this.requestSent) this.pool.release(this);
    else this.socket.destroy();
    request.handler.onEnd();
  }

  private readonly onEndOfStream = (): void => {
    try {
      this.parser.finish();
    } catch (error) {
      this.fail(this.receivedAny ? (error as Error) : hangUp());
    }
    this.socket.destroy();
  };

  private readonly onSocketError = (error: Error): void => this.fail(error);

  private readonly onClose = (): void => {
    this.stopIdleTimer();
    this.pool.forget(this);
    this.fail(hangUp());
  };

  /** Reports the error to the request under way, if any, and drops the connection. */
  private fail(error: Error): void {
    const request = this.current;
    this.destroy();
    if (request?.settle()) request.handler.onError(error);
  }

  private stopIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** Keep-alive connections to any number of origins. */
export class Http1Client {
  private readonly idle = new Map<string, Connection[]>();
  private readonly open = new Set<Connection>();

  constructor(private readonly limits: PoolLimits = DEFAULT_LIMITS) {}

  /**
   * Sends a request on an idle connection to the origin, the most recently used first, or on a
   * new one (always, with `newConnection`: a resend after a pooled one turned out closed).
   * Throws, having sent nothing, when a header or the path cannot be sent.
   */
  request(
    origin: Http1Origin,
    request: OutgoingRequest,
    handler: ResponseHandler,
    newConnection = false,
  ): Http1Request {
    const head = serializeHead(request);
    const idle = newConnection ? undefined : this.idle.get(origin.origin)?.pop();
    return (idle ?? this.connect(origin)).send(head, request, handler);
  }

  /** Closes every connection, idle or busy. */
  destroy(): void {
    for (const connection of this.open) connection.destroy();
  }

  release(connection: Connection): void {
    const parked = this.idle.get(connection.origin.origin) ?? [];
    if (parked.length >= this.limits.maxIdlePerOrigin) return connection.destroy();
    parked.push(connection);
    this.idle.set(connection.origin.origin, parked);
    connection.park(this.limits.idleTimeoutMs);
  }

  forget(connection: Connection): void {
    this.open.delete(connection);
    const parked = this.idle.get(connection.origin.origin);
    const index = parked?.indexOf(connection) ?? -1;
    if (index !== -1) parked!.splice(index, 1);
  }

  private connect(origin: Http1Origin): Connection {
    const connection = new Connection(connect(origin), this, origin);
    this.open.add(connection);
    return connection;
  }
}
