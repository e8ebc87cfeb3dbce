/** The fast path's request and response (see http1-server), shaped as local-http describes. */
import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestHead } from './http1-request.js';
import { asChunk, LAST_CHUNK } from './http1-syntax.js';
import type { LocalRequest, LocalRequestHeaders, LocalResponse } from './local-http.js';

/** What a request asks of its connection when its reader stops or starts again. */
export interface FlowControl {
  pauseBody(): void;
  resumeBody(): void;
}

/**
 * A request whose body arrives as the connection reads it. Like a paused Readable, it keeps what
 * arrives until someone reads (a `data` listener, or `resume()`), and holds back while paused.
 */
export class FastRequest extends EventEmitter implements LocalRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly headers: LocalRequestHeaders;
  /** As Readable's readableFlowing: undefined until someone reads. */
  private flowing: boolean | undefined;
  private queued: Buffer[] = [];
  private bodyComplete = false;
  private endEmitted = false;
  /** No one will read the rest: what still arrives is dropped. */
  private dumped = false;

  constructor(
    head: RequestHead,
    private readonly flow: FlowControl,
  ) {
    super();
    this.method = head.method;
    this.url = head.url;
    this.rawHeaders = head.rawHeaders;
    this.headers = head.headers;
  }

  override on(event: string | symbol, listener: Parameters<EventEmitter['on']>[1]): this {
    super.on(event, listener);
    if (event === 'data' && this.flowing !== false) this.resume();
    return this;
  }

  pause(): this {
    this.flowing = false;
    this.flow.pauseBody();
    return this;
  }

  resume(): this {
    this.flowing = true;
    this.flow.resumeBody();
    // As Readable does, what waited is delivered after the caller's turn, not inside resume().
    if (this.queued.length > 0 || (this.bodyComplete && !this.endEmitted))
      process.nextTick(() => this.deliverQueued());
    return this;
  }

  get complete(): boolean {
    return this.bodyComplete;
  }

  /** What has arrived and no one has read: all of it, as in a paused Readable. */
  read(): Buffer | null {
    if (this.queued.length === 0) return null;
    const bytes = this.queued.length === 1 ? this.queued[0]! : Buffer.concat(this.queued);
    this.queued = [];
    return bytes;
  }

  /** Body bytes from the connection. */
  push(chunk: Buffer): void {
    if (this.dumped) return;
    if (this.flowing === true && this.queued.length === 0) this.emit('data', chunk);
    else this.queued.push(chunk);
  }

  /** The whole body has arrived. */
  endBody(): void {
    this.bodyComplete = true;
    if (this.flowing === true && this.queued.length === 0) this.emitEnd();
  }

  /** The client left before the body was complete. */
  abort(): void {
    if (this.bodyComplete) return;
    this.queued = [];
    this.emit('close');
  }

  /** The answer went out before the body was read: the rest of it is read and dropped. */
  dump(): void {
    this.dumped = true;
    this.queued = [];
  }

  private deliverQueued(): void {
    while (this.flowing === true && this.queued.length > 0) this.emit('data', this.queued.shift());
    if (this.flowing === true && this.bodyComplete && !this.endEmitted) this.emitEnd();
  }

  private emitEnd(): void {
    this.endEmitted = true;
    this.emit('end');
  }
}

/** Larger writes go out as they are (writev) rather than copied into one buffer. */
const MAX_COPIED_BYTES = 16 * 1024;

let cachedDate = '';
let cachedDateSecond = -1;

/** The Date header value, formatted once per second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedDateSecond) {
    cachedDateSecond = second;
    cachedDate = new Date(now).toUTCString();
  }
  return cachedDate;
}

type ResponseFraming = 'length' | 'chunked' | 'none';

/** What a response needs to know of its request and its connection. */
export interface ResponseContext {
  readonly socket: Socket;
  readonly method: string;
  /** False when the connection closes after this response. */
  readonly keepAlive: boolean;
  /** Called once, when the whole response has been handed to the socket. */
  onFinished(): void;
}

/**
 * A response written straight to the socket: the head goes out with the first body bytes, a
 * body without Content-Length is sent chunked. Header values must come from parsed messages or
 * from the proxy itself (both are free of CR and LF): they are not checked again here.
 */
export class FastResponse extends EventEmitter implements LocalResponse {
  statusCode = 200;
  writableEnded = false;
  writableFinished = false;
  private head: Buffer | undefined;
  private headWritten = false;
  private framing: ResponseFraming = 'chunked';
  private waitingForDrain = false;
  private closed = false;

  constructor(private readonly context: ResponseContext) {
    super();
  }

  get headersSent(): boolean {
    return this.head !== undefined;
  }

  writeHead(status: number, messageOrHeaders: string | string[], maybeHeaders?: string[]): this {
    if (this.head !== undefined) throw new Error('The response head was already written');
    const message = typeof messageOrHeaders === 'string' ? messageOrHeaders : '';
    const headers = typeof messageOrHeaders === 'string' ? (maybeHeaders ?? []) : messageOrHeaders;
    this.statusCode = status;
    let text = `HTTP/1.1 ${status} ${message || STATUS_CODES[status] || 'Unknown'}\r\n`;
    let hasLength = false;
    let hasDate = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const lowerName = name.toLowerCase();
      if (lowerName === 'content-length') hasLength = true;
      else if (lowerName === 'date') hasDate = true;
      text += `${name}: ${headers[i + 1]}\r\n`;
    }
    const bodyless =
      this.context.method === 'HEAD' || status < 200 || status === 204 || status === 304;
    this.framing = bodyless ? 'none' : hasLength ? 'length' : 'chunked';
    if (this.framing === 'chunked') text += 'Transfer-Encoding: chunked\r\n';
    if (!hasDate) text += `Date: ${httpDate()}\r\n`;
    if (!this.context.keepAlive) text += 'Connection: close\r\n';
    this.head = Buffer.from(`${text}\r\n`, 'latin1');
    return this;
  }

  write(chunk: Buffer): boolean {
    if (this.writableEnded) throw new Error('write after the response ended');
    const parts = this.pendingHead();
    this.frame(chunk, parts);
    return parts.length === 0 || this.send(parts);
  }

  end(chunk?: Buffer | string): this {
    if (this.writableEnded) return this;
    this.writableEnded = true;
    const parts = this.pendingHead();
    if (chunk !== undefined)
      this.frame(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, parts);
    if (this.framing === 'chunked') parts.push(LAST_CHUNK);
    if (parts.length > 0) this.send(parts);
    this.writableFinished = true;
    this.context.onFinished();
    this.emitClose();
    return this;
  }

  flushHeaders(): void {
    const parts = this.pendingHead();
    if (parts.length > 0) this.send(parts);
  }

  destroy(): void {
    this.context.socket.destroy();
  }

  /** The connection closed: a response not finished by then is abandoned. */
  abandon(): void {
    this.emitClose();
  }

  private emitClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }

  /** The head, when it has not gone out yet (written first if need be), to send with what follows. */
  private pendingHead(): Buffer[] {
    if (this.head === undefined) this.writeHead(this.statusCode, []);
    if (this.headWritten) return [];
    this.headWritten = true;
    return [this.head!];
  }

  private frame(chunk: Buffer, into: Buffer[]): void {
    if (chunk.length === 0 || this.framing === 'none') return;
    if (this.framing === 'length') into.push(chunk);
    else into.push(...asChunk(chunk));
  }

  /** One write for small responses; false when the client is not reading. */
  private send(parts: Buffer[]): boolean {
    const socket = this.context.socket;
    if (socket.destroyed) return false;
    let flowing = true;
    const size = parts.reduce((sum, part) => sum + part.length, 0);
    if (parts.length === 1) flowing = socket.write(parts[0]!);
    else if (size <= MAX_COPIED_BYTES) flowing = socket.write(Buffer.concat(parts, size));
    else {
      socket.cork();
      for (const part of parts) flowing = socket.write(part);
      socket.uncork();
    }
    if (!flowing && !this.waitingForDrain) {
      this.waitingForDrain = true;
      socket.once('drain', () => {
        this.waitingForDrain = false;
        this.emit('drain');
      });
    }
    return flowing;
  }
}
