/**
 * The scopes a `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` challenge asks
 * for (RFC 6750 §3.1), or undefined when the header is not such a challenge.
 */
export function insufficientScopes(header: string | undefined): string[] | undefined {
  if (header === undefined || !/\berror\s*=\s*"?insufficient_scope\b/i.test(header)) return undefined;
  const scope = /(?:^|[\s,])scope\s*=\s*(?:"([^"]*)"|([^\s,]+))/i.exec(header);
  const value = scope?.[1] ?? scope?.[2] ?? '';
  return value.split(/\s+/).filter((name) => name !== '');
}
