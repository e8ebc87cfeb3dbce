/**
 * An incremental parser of HTTP/1.1 responses (RFC 9112), one at a time on one connection: the
 * status line, the header section as raw pairs, and the body by Content-Length, chunked transfer
 * coding or the end of the connection. Body bytes are handed on as they arrive, never gathered.
 */

/** What a response says before its body. */
export interface ResponseHead {
  readonly status: number;
  readonly statusMessage: string;
  /** Names and values alternating, as received, duplicates included. */
  readonly rawHeaders: string[];
  /** Whether the connection may carry another request once this response is complete. */
  readonly keepAlive: boolean;
}

export interface ResponseSink {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  onEnd(): void;
}

/** A response that breaks HTTP/1.1; the connection it came on cannot be used again. */
export class ResponseParseError extends Error {
  readonly code = 'HPE_INVALID_RESPONSE';

  constructor(detail: string) {
    super(`Parse Error: ${detail}`);
  }
}

/** Node's default --max-http-header-size. */
export const MAX_HEAD_BYTES = 16 * 1024;
const MAX_CHUNK_LINE_BYTES = 1024;
const LF = 0x0a;
const CR = 0x0d;

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
/** Size, then extensions (not interpreted). 12 hex digits stay a safe integer. */
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]{1,12})[\t ]*(?:;[\t\x20-\x7e\x80-\xff]*)?$/;
const DECIMAL = /^\d{1,15}$/;

type State =
  | 'idle'
  | 'head'
  | 'fixed-body'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-data-end'
  | 'trailers'
  | 'until-close';

interface Framing {
  state: State;
  length: number;
}

const NO_BODY: Framing = { state: 'idle', length: 0 };
const UNTIL_CLOSE: Framing = { state: 'until-close', length: 0 };

/** The index just past the first empty line, or -1 when the head is not complete yet. */
function headEnd(bytes: Buffer): number {
  for (let lf = bytes.indexOf(LF); lf !== -1; lf = bytes.indexOf(LF, lf + 1)) {
    const next = bytes[lf + 1];
    if (next === LF) return lf + 2;
    if (next === CR && bytes[lf + 2] === LF) return lf + 3;
  }
  return -1;
}

function commaList(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(',')).map((item) => item.trim().toLowerCase());
}

/** Whether a comma-separated header lists `token`; most headers lack it, cheaply told. */
function lists(values: readonly string[], token: string): boolean {
  return (
    values.some((value) => value.toLowerCase().includes(token)) && commaList(values).includes(token)
  );
}

/** Content-Length, which may be repeated (or listed) only with one value (RFC 9110 §8.6). */
function contentLength(values: readonly string[]): number {
  if (values.length === 1 && DECIMAL.test(values[0]!)) return Number(values[0]);
  const lengths = new Set(values.flatMap((value) => value.split(',')).map((item) => item.trim()));
  const [length] = lengths;
  if (lengths.size !== 1 || length === undefined || !DECIMAL.test(length))
    throw new ResponseParseError(`invalid Content-Length ${JSON.stringify(values.join(', '))}`);
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

/** `name: value`, the value without the whitespace around it. */
function splitHeaderLine(line: string): { name: string; value: string } {
  const colon = line.indexOf(':');
  const name = line.slice(0, colon);
  const value = withoutOws(line, colon + 1);
  if (colon === -1 || !TOKEN.test(name) || INVALID_VALUE_CHAR.test(value))
    throw new ResponseParseError(`invalid header line ${JSON.stringify(line.slice(0, 100))}`);
  return { name, value };
}

interface ParsedHead {
  head: ResponseHead;
  framing: Framing;
}

function parseStatusLine(line: string): { http10: boolean; status: number; message: string } {
  const match = STATUS_LINE.exec(line);
  if (match === null)
    throw new ResponseParseError(`invalid status line ${JSON.stringify(line.slice(0, 100))}`);
  return { http10: match[1] === '0', status: Number(match[2]), message: match[3] ?? '' };
}

function parseHead(text: string, noBodyExpected: boolean): ParsedHead {
  const lines = text.split('\n');
  const { http10, status, message } = parseStatusLine(lines[0]!.replace(/\r$/, ''));
  const rawHeaders: string[] = [];
  const connection: string[] = [];
  const lengths: string[] = [];
  const codings: string[] = [];
  // The last two lines are the empty line that ends the head and what follows it.
  for (let i = 1; i < lines.length - 2; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (line.startsWith(' ') || line.startsWith('\t'))
      throw new ResponseParseError('obsolete line folding in a header');
    const { name, value } = splitHeaderLine(line);
    rawHeaders.push(name, value);
    const lowerName = name.toLowerCase();
    if (lowerName === 'connection') connection.push(value);
    else if (lowerName === 'content-length') lengths.push(value);
    else if (lowerName === 'transfer-encoding') codings.push(value);
  }
  const framing = bodyFraming(status, noBodyExpected, lengths, codings);
  const keepAlive =
    !http10 && status !== 101 && framing.state !== 'until-close' && !lists(connection, 'close');
  return { head: { status, statusMessage: message, rawHeaders, keepAlive }, framing };
}

/** How the body is delimited (RFC 9112 §6.3). */
function bodyFraming(
  status: number,
  noBodyExpected: boolean,
  lengths: readonly string[],
  codings: readonly string[],
): Framing {
  if (noBodyExpected || status < 200 || status === 204 || status === 304) return NO_BODY;
  if (codings.length > 0) {
    if (lengths.length > 0)
      throw new ResponseParseError('both Transfer-Encoding and Content-Length');
    return commaList(codings).at(-1) === 'chunked'
      ? { state: 'chunk-size', length: 0 }
      : UNTIL_CLOSE;
  }
  if (lengths.length > 0) {
    const length = contentLength(lengths);
    return length === 0 ? NO_BODY : { state: 'fixed-body', length };
  }
  return UNTIL_CLOSE;
}

export class ResponseParser {
  private state: State = 'idle';
  private noBodyExpected = false;
  /** Bytes of a head or a line that has not ended yet. */
  private pending: Buffer | undefined;
  /** Bytes left of a Content-Length body or of the current chunk. */
  private remaining = 0;

  constructor(private readonly sink: ResponseSink) {}

  /** Expects the response to a request with `method`: a HEAD response has no body. */
  expect(method: string): void {
    this.state = 'head';
    this.noBodyExpected = method === 'HEAD';
    this.pending = undefined;
  }

  /** Whether no response is under way: none expected, or the last one complete. */
  get idle(): boolean {
    return this.state === 'idle';
  }

  execute(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) offset = this.step(data, offset);
  }

  /** The connection ended: completes a body delimited by the close; anything else is cut short. */
  finish(): void {
    if (this.state === 'idle') return;
    if (this.state !== 'until-close')
      throw new ResponseParseError('the connection closed before the response was complete');
    this.complete();
  }

  private step(data: Buffer, offset: number): number {
    switch (this.state) {
      case 'idle':
        throw new ResponseParseError('bytes after the end of the response');
      case 'head':
        return this.readHead(data, offset);
      case 'fixed-body':
      case 'chunk-data':
        return this.readCounted(data, offset);
      case 'until-close':
        this.sink.onBody(offset === 0 ? data : data.subarray(offset));
        return data.length;
      default:
        return this.readChunkLine(data, offset);
    }
  }

  private readHead(data: Buffer, offset: number): number {
    const before = this.pending?.length ?? 0;
    const bytes = this.joinPending(data, offset);
    const end = headEnd(bytes);
    if (end === -1 ? bytes.length > MAX_HEAD_BYTES : end > MAX_HEAD_BYTES)
      throw new ResponseParseError(`response headers larger than ${MAX_HEAD_BYTES} bytes`);
    if (end === -1) {
      this.pending = bytes;
      return data.length;
    }
    this.pending = undefined;
    const { head, framing } = parseHead(bytes.toString('latin1', 0, end), this.noBodyExpected);
    const next = offset + end - before;
    // 1xx answers other than 101 are interim: the final response follows on the connection.
    if (head.status < 200 && head.status !== 101) return next;
    this.state = framing.state;
    this.remaining = framing.length;
    this.sink.onHead(head);
    if (this.state === 'idle') this.sink.onEnd();
    return next;
  }

  private readCounted(data: Buffer, offset: number): number {
    const end = Math.min(data.length, offset + this.remaining);
    this.remaining -= end - offset;
    const atEnd = this.remaining === 0;
    if (atEnd) this.state = this.state === 'fixed-body' ? 'idle' : 'chunk-data-end';
    this.sink.onBody(offset === 0 && end === data.length ? data : data.subarray(offset, end));
    if (atEnd && this.state === 'idle') this.sink.onEnd();
    return end;
  }

  /** A chunk-size line, the CRLF after chunk data, or a trailer line. */
  private readChunkLine(data: Buffer, offset: number): number {
    const lf = data.indexOf(LF, offset);
    const limit = this.state === 'trailers' ? MAX_HEAD_BYTES : MAX_CHUNK_LINE_BYTES;
    if (lf === -1) {
      this.pending = this.joinPending(data, offset);
      if (this.pending.length > limit) throw new ResponseParseError('a chunk line is too long');
      return data.length;
    }
    const line = this.joinPending(data, offset, lf).toString('latin1').replace(/\r$/, '');
    this.pending = undefined;
    if (line.length > limit) throw new ResponseParseError('a chunk line is too long');
    this.onChunkLine(line);
    return lf + 1;
  }

  private onChunkLine(line: string): void {
    if (this.state === 'chunk-data-end') {
      if (line !== '') throw new ResponseParseError('chunk data longer than its size');
      this.state = 'chunk-size';
    } else if (this.state === 'chunk-size') {
      const match = CHUNK_SIZE_LINE.exec(line);
      if (match === null)
        throw new ResponseParseError(`invalid chunk size ${JSON.stringify(line.slice(0, 40))}`);
      this.remaining = parseInt(match[1]!, 16);
      this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
    } else if (line === '') {
      this.complete();
    }
  }

  private complete(): void {
    this.state = 'idle';
    this.sink.onEnd();
  }

  private joinPending(data: Buffer, offset: number, end = data.length): Buffer {
    const fresh = data.subarray(offset, end);
    return this.pending === undefined ? fresh : Buffer.concat([this.pending, fresh]);
  }
}
