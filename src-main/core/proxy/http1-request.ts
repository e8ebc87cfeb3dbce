/**
 * The request heads the fast path takes (http1-server): plain HTTP/1.1 requests in origin form,
 * framed by one Content-Length or by chunked coding. Anything else, from an HTTP/1.0 client or an
 * `Expect` to a syntax error, is left to node:http, which has answers for all of it.
 */
import { LOOP_MARKER_HEADER } from './header-text.js';
import type { BodyFraming } from './http1-syntax.js';
import { DECIMAL, lists, NO_BODY, readHeaderLine } from './http1-syntax.js';
import type { LocalRequestHeaders } from './local-http.js';

export interface RequestHead {
  readonly method: string;
  /** The request target, e.g. `/mcp/github?x=1`. */
  readonly url: string;
  readonly rawHeaders: string[];
  readonly headers: LocalRequestHeaders;
  readonly framing: BodyFraming;
  /** Whether the client keeps the connection for another request (no `Connection: close`). */
  readonly keepAlive: boolean;
}

/** Method, a target that starts with `/` and holds only visible ASCII, and version 1.1. */
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\/[\x21-\x7e]*) HTTP\/1\.1$/;
const CHUNKED: BodyFraming = { kind: 'chunked' };

/** Headers the proxy reads by name: a second copy of one goes to node:http, which joins them. */
const NAMED = new Set<string>([
  'host',
  'origin',
  'content-length',
  'transfer-encoding',
  'sec-fetch-site',
  'sec-fetch-mode',
  'sec-fetch-dest',
  'accept',
  'access-control-request-headers',
  LOOP_MARKER_HEADER,
]);
/** Headers whose handling node:http owns: 100-continue, 417, protocol upgrades. */
const LEFT_TO_NODE = new Set(['expect', 'upgrade']);

function framingOf(headers: LocalRequestHeaders): BodyFraming | undefined {
  const length = headers['content-length'];
  const coding = headers['transfer-encoding'];
  if (coding !== undefined)
    return length === undefined && coding.toLowerCase() === 'chunked' ? CHUNKED : undefined;
  if (length === undefined) return NO_BODY;
  return DECIMAL.test(length) ? { kind: 'length', length: Number(length) } : undefined;
}

/**
 * The head in `text` (up to and including its empty line), or undefined when the fast path
 * leaves the request to node:http.
 */
export function parseRequestHead(text: string): RequestHead | undefined {
  // Split on CRLF, a line that ends in a bare LF keeps it, and the checks below refuse it.
  if (!text.endsWith('\r\n\r\n')) return undefined;
  const lines = text.split('\r\n');
  const requestLine = REQUEST_LINE.exec(lines[0]!);
  if (requestLine === null) return undefined;
  const rawHeaders: string[] = [];
  const headers: Record<string, string> = {};
  const connection: string[] = [];
  // The last two lines are the empty line that ends the head and what follows it.
  for (let i = 1; i < lines.length - 2; i++) {
    const header = readHeaderLine(lines[i]!);
    if (header === undefined) return undefined;
    const { name, value } = header;
    rawHeaders.push(name, value);
    const lowerName = name.toLowerCase();
    if (NAMED.has(lowerName)) {
      if (headers[lowerName] !== undefined) return undefined;
      headers[lowerName] = value;
    } else if (lowerName === 'connection') connection.push(value);
    else if (LEFT_TO_NODE.has(lowerName)) return undefined;
  }
  if (headers.host === undefined) return undefined;
  const framing = framingOf(headers);
  if (framing === undefined) return undefined;
  return {
    method: requestLine[1]!,
    url: requestLine[2]!,
    rawHeaders,
    headers,
    framing,
    keepAlive: !lists(connection, 'close'),
  };
}
