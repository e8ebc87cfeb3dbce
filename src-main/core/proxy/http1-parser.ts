/**
 * An incremental parser of HTTP/1.1 responses (RFC 9112), one at a time on one connection: the
 * status line, the header section as raw pairs, and the body as it arrives.
 */
import type { BodyFraming, BodySink } from './http1-syntax.js';
import {
  BodyDecoder,
  commaList,
  contentLength,
  headEnd,
  Http1ParseError,
  lists,
  MAX_HEAD_BYTES,
  NO_BODY,
  readHeaderLine,
} from './http1-syntax.js';

/** What a response says before its body. */
export interface ResponseHead {
  readonly status: number;
  readonly statusMessage: string;
  /** Names and values alternating, as received, duplicates included. */
  readonly rawHeaders: string[];
  /** Whether the connection may carry another request once this response is complete. */
  readonly keepAlive: boolean;
}

export interface ResponseSink extends BodySink {
  onHead(head: ResponseHead): void;
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const UNTIL_CLOSE: BodyFraming = { kind: 'until-close' };

interface ParsedHead {
  head: ResponseHead;
  framing: BodyFraming;
}

function parseStatusLine(line: string): { http10: boolean; status: number; message: string } {
  const match = STATUS_LINE.exec(line);
  if (match === null)
    throw new Http1ParseError(`invalid status line ${JSON.stringify(line.slice(0, 100))}`);
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
      throw new Http1ParseError('obsolete line folding in a header');
    const header = readHeaderLine(line);
    if (header === undefined)
      throw new Http1ParseError(`invalid header line ${JSON.stringify(line.slice(0, 100))}`);
    const { name, value } = header;
    rawHeaders.push(name, value);
    const lowerName = name.toLowerCase();
    if (lowerName === 'connection') connection.push(value);
    else if (lowerName === 'content-length') lengths.push(value);
    else if (lowerName === 'transfer-encoding') codings.push(value);
  }
  const framing = bodyFraming(status, noBodyExpected, lengths, codings);
  const keepAlive =
    !http10 && status !== 101 && framing.kind !== 'until-close' && !lists(connection, 'close');
  return { head: { status, statusMessage: message, rawHeaders, keepAlive }, framing };
}

/** How the body is delimited (RFC 9112 §6.3). */
function bodyFraming(
  status: number,
  noBodyExpected: boolean,
  lengths: readonly string[],
  codings: readonly string[],
): BodyFraming {
  if (noBodyExpected || status < 200 || status === 204 || status === 304) return NO_BODY;
  if (codings.length > 0) {
    if (lengths.length > 0) throw new Http1ParseError('both Transfer-Encoding and Content-Length');
    return commaList(codings).at(-1) === 'chunked' ? { kind: 'chunked' } : UNTIL_CLOSE;
  }
  if (lengths.length > 0) return { kind: 'length', length: contentLength(lengths) };
  return UNTIL_CLOSE;
}

export class ResponseParser {
  private state: 'idle' | 'head' | 'body' = 'idle';
  private noBodyExpected = false;
  /** Bytes of a head that has not ended yet. */
  private pending: Buffer | undefined;
  private readonly body: BodyDecoder;

  constructor(private readonly sink: ResponseSink) {
    this.body = new BodyDecoder({
      onBody: (chunk) => sink.onBody(chunk),
      onEnd: () => {
        this.state = 'idle';
        sink.onEnd();
      },
    });
  }

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
    while (offset < data.length) {
      if (this.state === 'idle') throw new Http1ParseError('bytes after the end of the response');
      offset = this.state === 'head' ? this.readHead(data, offset) : this.body.decode(data, offset);
    }
  }

  /** The connection ended: completes a body delimited by the close; anything else is cut short. */
  finish(): void {
    if (this.state === 'head')
      throw new Http1ParseError('the connection closed before the response was complete');
    if (this.state === 'body') this.body.finish('response');
  }

  private readHead(data: Buffer, offset: number): number {
    const before = this.pending?.length ?? 0;
    const fresh = data.subarray(offset);
    const bytes = this.pending === undefined ? fresh : Buffer.concat([this.pending, fresh]);
    const end = headEnd(bytes);
    if (end === -1 ? bytes.length > MAX_HEAD_BYTES : end > MAX_HEAD_BYTES)
      throw new Http1ParseError(`response headers larger than ${MAX_HEAD_BYTES} bytes`);
    if (end === -1) {
      this.pending = bytes;
      return data.length;
    }
    this.pending = undefined;
    const { head, framing } = parseHead(bytes.toString('latin1', 0, end), this.noBodyExpected);
    const next = offset + end - before;
    // 1xx answers other than 101 are interim: the final response follows on the connection.
    if (head.status < 200 && head.status !== 101) return next;
    this.state = 'body';
    this.sink.onHead(head);
    this.body.start(framing);
    return next;
  }
}
