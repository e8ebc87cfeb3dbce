/**
 * What a header value may hold (RFC 9110 §5.5): tab, visible ASCII, space and obs-text, never a
 * CR, LF or other control character. Plain TypeScript, so the gateway schema (which the window
 * bundles too) and the wire code check with the same rule.
 */
/** Hop-by-hop headers (RFC 9110 §7.6.1): they belong to one connection, never to a request. */
export const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/**
 * Marks each request Gatekey forwards with the instance's own value, so that a request that
 * comes back to it (a gateway URL that leads to the proxy) is recognised and refused.
 */
export const LOOP_MARKER_HEADER = 'gatekey-via';

/** Headers Gatekey frames or sets per request, which a gateway's settings cannot add. */
const SET_BY_GATEKEY = new Set([
  ...HOP_BY_HOP,
  'host',
  'content-length',
  'expect',
  LOOP_MARKER_HEADER,
]);

/** Whether a gateway's settings may not name header `name` (Proxy-* included). */
export function isReservedHeaderName(name: string): boolean {
  const lowerName = name.toLowerCase();
  return SET_BY_GATEKEY.has(lowerName) || lowerName.startsWith('proxy-');
}

const INVALID_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** Whether `value` can travel in a header as it is. */
export function isSendableHeaderValue(value: string): boolean {
  return !INVALID_VALUE_CHAR.test(value);
}
