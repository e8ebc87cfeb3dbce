/**
 * Which headers cross the proxy. Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection,
 * and the IDE's credentials and forwarding claims must never reach the gateway.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

const NOT_FORWARDED_UPSTREAM = new Set([
  ...HOP_BY_HOP,
  'authorization',
  'cookie',
  'forwarded',
  // The proxy frames the body itself, and has already answered any 100-continue.
  'content-length',
  'expect',
]);
const NOT_FORWARDED_DOWNSTREAM = new Set(HOP_BY_HOP);

function isProxyOrForwardingHeader(lowerName: string): boolean {
  return lowerName.startsWith('proxy-') || lowerName.startsWith('x-forwarded-');
}

/** Extra hop-by-hop names a `Connection` header lists, e.g. `Connection: close, X-Trace`. */
function connectionOptions(rawHeaders: readonly string[]): Set<string> | undefined {
  let options: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'connection') continue;
    options ??= new Set();
    for (const option of rawHeaders[i + 1]!.split(',')) options.add(option.trim().toLowerCase());
  }
  return options;
}

function copyHeaders(
  rawHeaders: readonly string[],
  dropped: ReadonlySet<string>,
  alsoDropped: ReadonlySet<string> | undefined,
  into: string[],
): string[] {
  const listed = connectionOptions(rawHeaders);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lowerName = name.toLowerCase();
    if (
      dropped.has(lowerName) ||
      isProxyOrForwardingHeader(lowerName) ||
      alsoDropped?.has(lowerName) ||
      listed?.has(lowerName)
    )
      continue;
    into.push(name, rawHeaders[i + 1]!);
  }
  return into;
}

/**
 * The IDE's end-to-end headers (Accept, Content-Type, Mcp-Session-Id, MCP-Protocol-Version,
 * Last-Event-ID, …) as alternating names and values, without the ones the proxy sets itself.
 */
export function headersForUpstream(
  rawHeaders: readonly string[],
  ownHeaderNames: ReadonlySet<string>,
): string[] {
  return copyHeaders(rawHeaders, NOT_FORWARDED_UPSTREAM, ownHeaderNames, []);
}

/** The upstream's end-to-end response headers, for the IDE. */
export function headersForClient(rawHeaders: readonly string[], into: string[] = []): string[] {
  return copyHeaders(rawHeaders, NOT_FORWARDED_DOWNSTREAM, undefined, into);
}

/** Every value of one header, in order; `lowerName` is lower-case. */
export function headerValues(rawHeaders: readonly string[], lowerName: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.toLowerCase() === lowerName) values.push(rawHeaders[i + 1]!);
  return values;
}
