/**
 * What HTTP/1.1 requests and responses share (RFC 9112): header lines, Content-Length, and the
 * body, read by length, chunked transfer coding or the end of the connection. Body bytes are
 * handed on as they arrive, never gathered.
 */

import { isSendableHeaderValue } from './header-text.js';

/** A message that breaks HTTP/1.1; the connection it came on cannot be used again. */
export class Http1ParseError extends Error {
  readonly code = 'HPE_INVALID_MESSAGE';

  constructor(detail: string) {
    super(`Parse Error: ${detail}`);
  }
}

/** Node's default --max-http-header-size. */
export const MAX_HEAD_BYTES = 16 * 1024;
const MAX_CHUNK_LINE_BYTES = 1024;
const LF = 0x0a;
const CR = 0x0d;

export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Size, then extensions (not interpreted). 12 hex digits stay a safe integer. */
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]{1,12})[\t ]*(?:;[\t\x20-\x7e\x80-\xff]*)?$/;
/** A Content-Length: 15 digits stay a safe integer. */
export const DECIMAL = /^\d{1,15}$/;

/** The index just past the first empty line, or -1 when the head is not complete yet. */
export function headEnd(bytes: Buffer): number {
  for (let lf = bytes.indexOf(LF); lf !== -1; lf = bytes.indexOf(LF, lf + 1)) {
    const next = bytes[lf + 1];
    if (next === LF) return lf + 2;
    if (next === CR && bytes[lf + 2] === LF) return lf + 3;
  }
  return -1;
}

export function commaList(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(',')).map((item) => item.trim().toLowerCase());
}

/** Whether a comma-separated header lists `token`; most headers lack it, cheaply told. */
export function lists(values: readonly string[], token: string): boolean {
  return (
    values.some((value) => value.toLowerCase().includes(token)) && commaList(values).includes(token)
  );
}

/** Content-Length, which may be repeated (or listed) only with one value (RFC 9110 §8.6). */
export function contentLength(values: readonly string[]): number {
  if (values.length === 1 && DECIMAL.test(values[0]!)) return Number(values[0]);
  const lengths = new Set(values.flatMap((value) => value.split(',')).map((item) => item.trim()));
  const [length] = lengths;
  if (lengths.size !== 1 || length === undefined || !DECIMAL.test(length))
    throw new Http1ParseError(`invalid Content-Length ${JSON.stringify(values.join(', '))}`);
  return Number(length);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** `text` from `start`, without spaces and tabs at either end (not String#trim's wider set). */
function withoutOws(text: string, start: number): string {
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/**
 * `name: value`, the value without the whitespace around it; undefined when the name is not a
 * token or the value holds a control character.
 */
export function readHeaderLine(line: string): { name: string; value: string } | undefined {
  const colon = line.indexOf(':');
  const name = line.slice(0, colon);
  const value = withoutOws(line, colon + 1);
  if (colon === -1 || !TOKEN.test(name) || !isSendableHeaderValue(value)) return undefined;
  return { name, value };
}

/** Chunked transfer coding (RFC 9112 §7.1): one chunk, as the pieces to write in order. */
export function asChunk(data: Buffer): Buffer[] {
  return [Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1'), data, CRLF];
}

const CRLF = Buffer.from('\r\n', 'latin1');
/** The zero-size chunk that ends a chunked body, with no trailers. */
export const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/** How a message's body is delimited (RFC 9112 §6.3). */
export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  | { kind: 'until-close' };

export const NO_BODY: BodyFraming = { kind: 'none' };

export interface BodySink {
  onBody(chunk: Buffer): void;
  onEnd(): void;
}

type BodyState =
  'done' | 'fixed' | 'chunk-size' | 'chunk-data' | 'chunk-data-end' | 'trailers' | 'until-close';

/** Reads one body after another, each as its head framed it, and reports where each ends. */
export class BodyDecoder {
  private state: BodyState = 'done';
  /** Bytes left of a Content-Length body or of the current chunk. */
  private remaining = 0;
  /** Bytes of a chunk line that has not ended yet. */
  private pending: Buffer | undefined;

  constructor(private readonly sink: BodySink) {}

  get done(): boolean {
    return this.state === 'done';
  }

  /** Starts reading a body; one that has none ends at once. */
  start(framing: BodyFraming): void {
    this.pending = undefined;
    if (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0))
      return this.complete();
    this.state =
      framing.kind === 'length'
        ? 'fixed'
        : framing.kind === 'chunked'
          ? 'chunk-size'
          : framing.kind;
    this.remaining = framing.kind === 'length' ? framing.length : 0;
  }

  /** Reads body bytes from `offset`; returns where it stopped: the body's end, or `data`'s. */
  decode(data: Buffer, offset: number): number {
    while (offset < data.length && this.state !== 'done') offset = this.step(data, offset);
    return offset;
  }

  /** The connection ended: completes a body delimited by the close; anything else is cut short. */
  finish(message: 'request' | 'response'): void {
    if (this.state === 'done') return;
    if (this.state !== 'until-close')
      throw new Http1ParseError(`the connection closed before the ${message} was complete`);
    this.complete();
  }

  private step(data: Buffer, offset: number): number {
    switch (this.state) {
      case 'fixed':
      case 'chunk-data':
        return this.readCounted(data, offset);
      case 'until-close':
        this.sink.onBody(offset === 0 ? data : data.subarray(offset));
        return data.length;
      default:
        return this.readChunkLine(data, offset);
    }
  }

  private readCounted(data: Buffer, offset: number): number {
    const end = Math.min(data.length, offset + this.remaining);
    this.remaining -= end - offset;
    const atEnd = this.remaining === 0;
    const wasFixed = this.state === 'fixed';
    if (atEnd && !wasFixed) this.state = 'chunk-data-end';
    this.sink.onBody(offset === 0 && end === data.length ? data : data.subarray(offset, end));
    if (atEnd && wasFixed) this.complete();
    return end;
  }

  /** A chunk-size line, the CRLF after chunk data, or a trailer line. */
  private readChunkLine(data: Buffer, offset: number): number {
    const lf = data.indexOf(LF, offset);
    const limit = this.state === 'trailers' ? MAX_HEAD_BYTES : MAX_CHUNK_LINE_BYTES;
    if (lf === -1) {
      this.pending = this.joinPending(data, offset, data.length);
      if (this.pending.length > limit) throw new Http1ParseError('a chunk line is too long');
      return data.length;
    }
    const line = this.joinPending(data, offset, lf).toString('latin1').replace(/\r$/, '');
    this.pending = undefined;
    if (line.length > limit) throw new Http1ParseError('a chunk line is too long');
    this.onChunkLine(line);
    return lf + 1;
  }

  private onChunkLine(line: string): void {
    if (this.state === 'chunk-data-end') {
      if (line !== '') throw new Http1ParseError('chunk data longer than its size');
      this.state = 'chunk-size';
    } else if (this.state === 'chunk-size') {
      const match = CHUNK_SIZE_LINE.exec(line);
      if (match === null)
        throw new Http1ParseError(`invalid chunk size ${JSON.stringify(line.slice(0, 40))}`);
      this.remaining = parseInt(match[1]!, 16);
      this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
    } else if (line === '') {
      this.complete();
    }
  }

  private complete(): void {
    this.state = 'done';
    this.sink.onEnd();
  }

  private joinPending(data: Buffer, offset: number, end: number): Buffer {
    const fresh = data.subarray(offset, end);
    return this.pending === undefined ? fresh : Buffer.concat([this.pending, fresh]);
  }
}
