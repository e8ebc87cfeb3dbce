import { GatekeyError } from '../errors.js';

/** Real tokens are a few KiB; anything longer is refused before any work is done on it. */
export const MAX_TOKEN_LENGTH = 64 * 1024;

/** Real claims nest two or three levels; deeper JSON would overflow JSON.stringify downstream. */
const MAX_JSON_DEPTH = 32;

const NOT_BASE64URL = /[^A-Za-z0-9_-]/;
const SEGMENT_NAMES = ['header', 'payload', 'signature'] as const;
type SegmentName = (typeof SEGMENT_NAMES)[number];

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signatureBytes: number;
}

/**
 * Decodes a compact JWS without trusting it: nothing is verified here. Throws
 * GatekeyError('not_a_jwt') saying exactly which part is wrong, and never anything else.
 */
export function decodeJwt(token: string): DecodedJwt {
  const segments = splitCompactJws(token);
  const header = parseJsonObject(decodeSegment(segments, 'header'), 'header');
  if (typeof header.alg !== 'string') {
    throw notAJwt(
      `Expected the JWT header to name its algorithm in "alg", but it has ${describeMissing(header.alg)}.`,
      'A JWS header always carries "alg" (RFC 7515): this token is not a JWT, or it was altered.',
    );
  }
  const payload = parseJsonObject(decodeSegment(segments, 'payload'), 'payload');
  return { header, payload, signatureBytes: decodeSegment(segments, 'signature').length };
}

export function looksLikeJwt(token: string): boolean {
  try {
    decodeJwt(token);
    return true;
  } catch {
    return false;
  }
}

function splitCompactJws(token: unknown): string[] {
  if (typeof token !== 'string') {
    throw notAJwt(
      `Expected a JWT as text, but got ${typeof token}.`,
      'Pass the token as a string.',
    );
  }
  if (token.length === 0) {
    throw notAJwt(
      'Expected a JWT (header.payload.signature), but the token is empty.',
      'Copy the whole token value; nothing was pasted or sent.',
    );
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw notAJwt(
      `Expected a JWT of at most ${MAX_TOKEN_LENGTH} characters, but got ${token.length}.`,
      'That is not a single token: paste only the token value.',
    );
  }
  const segments = token.split('.');
  if (segments.length !== 3) {
    throw notAJwt(
      `Expected a JWT of 3 dot-separated segments (header.payload.signature), but got ${plural(segments.length, 'segment')}.`,
      segmentCountHint(segments.length),
    );
  }
  return segments;
}

function segmentCountHint(count: number): string {
  if (count === 1) {
    return (
      'This is an opaque token: only its issuer can read it, through introspection. ' +
      'Auth0 issues opaque access tokens when no `audience` is sent: set `audience` to your API identifier.'
    );
  }
  if (count === 5) {
    return 'Five segments make an encrypted JWT (JWE): only the holder of its decryption key can read it.';
  }
  return 'Copy the token exactly as issued, without surrounding text or a cut-off end.';
}

function decodeSegment(segments: string[], name: SegmentName): Buffer {
  const index = SEGMENT_NAMES.indexOf(name);
  const text = segments[index] ?? '';
  const where = `The JWT ${name} (segment ${index + 1})`;
  if (text.length === 0 && name !== 'signature') {
    throw notAJwt(`${where} is empty.`, 'Copy the token exactly as issued: part of it is missing.');
  }
  const invalid = NOT_BASE64URL.exec(text);
  if (invalid) {
    const character = invalid[0];
    throw notAJwt(
      `${where} is not base64url: ${JSON.stringify(character)} at offset ${invalid.index} is outside A-Z a-z 0-9 - _.`,
      invalidCharacterHint(character, segments[0] ?? ''),
    );
  }
  if (text.length % 4 === 1) {
    throw notAJwt(
      `${where} is not base64url: ${text.length} characters is a length no base64url text can have.`,
      'The token was cut short or has a character too many: copy it again.',
    );
  }
  return Buffer.from(text, 'base64url');
}

function invalidCharacterHint(character: string, firstSegment: string): string {
  if (/^bearer\s/i.test(firstSegment)) return 'Paste the token without the "Bearer " prefix.';
  if (/\s/.test(character)) return 'Remove the spaces or line breaks that came in with the copy.';
  if (character === '=') return 'JWT segments carry no "=" padding: remove it.';
  if (character === '+' || character === '/') {
    return 'This is standard base64, not base64url: JWTs use "-" and "_" instead of "+" and "/".';
  }
  return 'Copy the token exactly as issued, without surrounding quotes or text.';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJsonObject(bytes: Buffer, name: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw notAJwt(
      `Expected the JWT ${name} to decode to a JSON object, but its ${plural(bytes.length, 'byte')} are not JSON text.`,
      'Copy the token exactly as issued: it was altered, or it is not a JWT.',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw notAJwt(
      `Expected the JWT ${name} to be a JSON object, but it is ${describeJsonType(value)}.`,
      'A JWT carries an object in its header and its payload: this token is not a JWT.',
    );
  }
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
    throw notAJwt(
      `Expected the JWT ${name} to nest at most ${MAX_JSON_DEPTH} levels deep, but it nests deeper.`,
      'No issuer writes claims like these: this token is not a JWT from an identity provider.',
    );
  }
  return value as Record<string, unknown>;
}

function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  return Object.values(value).some((child) => nestsDeeperThan(child, levels - 1));
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function describeMissing(value: unknown): string {
  return value === undefined ? 'none' : describeJsonType(value);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function notAJwt(message: string, hint: string): GatekeyError {
  return new GatekeyError('not_a_jwt', message, hint);
}
