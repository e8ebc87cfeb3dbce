/**
 * Which headers cross the proxy. Hop-by-hop headers belong to one connection, and the IDE's
 * credentials and forwarding claims must never reach the gateway.
 */
import { HOP_BY_HOP } from './header-text.js';

const NOT_FORWARDED_UPSTREAM = new Set([
  ...HOP_BY_HOP,
  'authorization',
  'cookie',
  'forwarded',
  // The proxy frames the body itself, and has already answered any 100-continue.
  'content-length',
  'expect',
]);
/** Set-Cookie goes to the gateway's own jar (cookie-jar.ts), never to the IDE's jar for 127.0.0.1. */
const NOT_FORWARDED_DOWNSTREAM = new Set([...HOP_BY_HOP, 'set-cookie']);

function isProxyOrForwardingHeader(lowerName: string): boolean {
  return lowerName.startsWith('proxy-') || lowerName.startsWith('x-forwarded-');
}

/** The connection options that name no header (Keep-Alive is hop-by-hop already). */
const PLAIN_CONNECTION_OPTIONS = new Set(['close', 'keep-alive']);

/** Adds the extra hop-by-hop names a `Connection` value lists, e.g. `close, X-Trace`. */
function addConnectionOptions(
  options: Set<string> | undefined,
  value: string,
): Set<string> | undefined {
  const lowerValue = value.toLowerCase();
  if (PLAIN_CONNECTION_OPTIONS.has(lowerValue)) return options;
  let listed = options;
  for (const option of lowerValue.split(',')) (listed ??= new Set()).add(option.trim());
  return listed;
}

/** `headers` without those whose names `listed` has. */
function withoutListed(headers: string[], listed: ReadonlySet<string>): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2)
    if (!listed.has(headers[i]!.toLowerCase())) kept.push(headers[i]!, headers[i + 1]!);
  return kept;
}

/** `setCookies` receives the Set-Cookie values, read in the same pass. */
function copyHeaders(
  rawHeaders: readonly string[],
  dropped: ReadonlySet<string>,
  alsoDropped: ReadonlySet<string> | undefined,
  setCookies?: string[],
): string[] {
  const into: string[] = [];
  // Connection is itself dropped; the names it lists may come before it, so go once more then.
  let listed: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lowerName = name.toLowerCase();
    if (lowerName === 'connection') listed = addConnectionOptions(listed, rawHeaders[i + 1]!);
    else if (dropped.has(lowerName)) {
      if (lowerName === 'set-cookie') setCookies?.push(rawHeaders[i + 1]!);
    } else if (!isProxyOrForwardingHeader(lowerName) && !alsoDropped?.has(lowerName))
      into.push(name, rawHeaders[i + 1]!);
  }
  return listed === undefined ? into : withoutListed(into, listed);
}

/**
 * The IDE's end-to-end headers (Accept, Content-Type, Mcp-Session-Id, MCP-Protocol-Version,
 * Last-Event-ID, …) as alternating names and values, without the ones the proxy sets itself.
 */
export function headersForUpstream(
  rawHeaders: readonly string[],
  ownHeaderNames: ReadonlySet<string>,
): string[] {
  return copyHeaders(rawHeaders, NOT_FORWARDED_UPSTREAM, ownHeaderNames);
}

/**
 * The upstream's end-to-end response headers, for the IDE; its Set-Cookie values go to
 * `setCookies` instead.
 */
export function headersForClient(rawHeaders: readonly string[], setCookies: string[]): string[] {
  return copyHeaders(rawHeaders, NOT_FORWARDED_DOWNSTREAM, undefined, setCookies);
}

/** Every value of one header, in order; `lowerName` is lower-case. */
export function headerValues(rawHeaders: readonly string[], lowerName: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.toLowerCase() === lowerName) values.push(rawHeaders[i + 1]!);
  return values;
}
