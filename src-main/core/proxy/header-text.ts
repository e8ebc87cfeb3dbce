/**
 * What a header value may hold (RFC 9110 §5.5): tab, visible ASCII, space and obs-text, never a
 * CR, LF or other control character. Plain TypeScript, so the gateway schema (which the window
 * bundles too) and the wire code check with the same rule.
 */
const INVALID_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** Whether `value` can travel in a header as it is. */
export function isSendableHeaderValue(value: string): boolean {
  return !INVALID_VALUE_CHAR.test(value);
}
