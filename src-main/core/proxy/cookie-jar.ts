/**
 * One gateway's cookies, kept by Gatekey in memory (never logged, never written). A gateway's
 * `Set-Cookie` never reaches the IDE, whose HTTP client has one jar for all of 127.0.0.1, and the
 * IDE's `Cookie` never reaches a gateway; what a gateway sets goes back to that gateway alone, so
 * load-balancer stickiness (AWS ALB's `AWSALB`) and session affinity keep working.
 *
 * RFC 6265bis §5.6–5.8 for a user agent that talks to one origin: Max-Age (which wins) and
 * Expires, deletion by a past date, Path, Secure, the `__Secure-` and `__Host-` prefixes, and a
 * Domain that does not cover the gateway's host refuses the cookie. SameSite and HttpOnly
 * concern browsers only.
 */
import { isSendableHeaderValue } from './header-text.js';

/** The gateway a jar belongs to. */
export interface CookieOrigin {
  /** Lower-case, without IPv6 brackets. */
  readonly hostname: string;
  /** https: only then are Secure cookies kept and sent. */
  readonly secure: boolean;
  /** A Cookie the gateway's settings send (extraHeaders), first in the one Cookie header. */
  readonly configured?: string;
}

/** RFC 6265bis §6.1's minimums, which browsers use as their limits. */
export const COOKIE_LIMITS = { maxCookies: 50, maxCookieBytes: 4096 } as const;

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
  readonly secure: boolean;
  /** `Date.now()` time; Infinity for a cookie that lasts as long as Gatekey runs. */
  readonly expiresAt: number;
  /** Order of first creation: a replaced cookie keeps its place (§5.7 step 23). */
  readonly created: number;
}

interface Attributes {
  expiresAt: number;
  path?: string;
  secure: boolean;
  domain?: string;
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** The largest time a Date can hold, for a Max-Age beyond it. */
const LATEST_TIME = 8.64e15;

/** §5.1.4: the directory of the request path, the Path of a cookie that names none. */
export function defaultCookiePath(requestPath: string): string {
  const lastSlash = requestPath.lastIndexOf('/');
  return requestPath.startsWith('/') && lastSlash > 0 ? requestPath.slice(0, lastSlash) : '/';
}

/** §5.1.4: whether a request for `requestPath` carries a cookie with `cookiePath`. */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (!requestPath.startsWith(cookiePath)) return false;
  return (
    requestPath.length === cookiePath.length ||
    cookiePath.endsWith('/') ||
    requestPath[cookiePath.length] === '/'
  );
}

/** §5.1.3: whether a Domain attribute covers the gateway's host. */
function domainCovers(domain: string, hostname: string): boolean {
  if (hostname === domain) return true;
  return hostname.endsWith(`.${domain}`) && !IPV4.test(hostname) && !hostname.includes(':');
}

function parseAttributes(parts: readonly string[], now: number): Attributes {
  const attributes: Attributes = { expiresAt: Infinity, secure: false };
  let maxAgeSeen = false;
  for (const part of parts) {
    const equals = part.indexOf('=');
    const key = (equals === -1 ? part : part.slice(0, equals)).trim().toLowerCase();
    const value = equals === -1 ? '' : part.slice(equals + 1).trim();
    if (key === 'max-age' && /^-?\d+$/.test(value)) {
      maxAgeSeen = true;
      const seconds = Number(value);
      attributes.expiresAt = seconds <= 0 ? -Infinity : Math.min(now + seconds * 1000, LATEST_TIME);
    } else if (key === 'expires' && !maxAgeSeen) {
      const time = Date.parse(value);
      if (!Number.isNaN(time)) attributes.expiresAt = time;
    } else if (key === 'path') {
      if (value.startsWith('/')) attributes.path = value;
      else delete attributes.path;
    } else if (key === 'domain' && value !== '') {
      attributes.domain = value.replace(/^\./, '').toLowerCase();
    } else if (key === 'secure') attributes.secure = true;
  }
  return attributes;
}

/** Whether a `__Secure-` or `__Host-` name has what its prefix requires (§4.1.3). */
function honoursPrefix(name: string, attributes: Attributes): boolean {
  const lowerName = name.toLowerCase();
  if (lowerName.startsWith('__secure-')) return attributes.secure;
  if (lowerName.startsWith('__host-'))
    return attributes.secure && attributes.domain === undefined && attributes.path === '/';
  return true;
}

export class CookieJar {
  private cookies: StoredCookie[] = [];
  private created = 0;

  constructor(
    private readonly origin: CookieOrigin,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The `Set-Cookie` values of an answer to a request for `requestTarget` (path and query). */
  store(setCookies: readonly string[], requestTarget: string): void {
    if (setCookies.length === 0) return;
    const now = this.clock();
    const requestPath = pathOf(requestTarget);
    for (const setCookie of setCookies) this.storeOne(setCookie, requestPath, now);
  }

  /**
   * The Cookie header for a request to `requestTarget` (the configured one, then the stored ones
   * that apply, longest Path first), or undefined when there is none.
   */
  headerFor(requestTarget: string): string | undefined {
    if (this.cookies.length === 0) return this.origin.configured;
    const now = this.clock();
    const requestPath = pathOf(requestTarget);
    this.dropExpired(now);
    const sent = this.cookies
      .filter(
        (cookie) => (this.origin.secure || !cookie.secure) && pathMatches(requestPath, cookie.path),
      )
      .sort((a, b) => b.path.length - a.path.length || a.created - b.created);
    const pairs = sent.map((cookie) => `${cookie.name}=${cookie.value}`);
    if (this.origin.configured !== undefined) pairs.unshift(this.origin.configured);
    return pairs.length === 0 ? undefined : pairs.join('; ');
  }

  /** Forgets every stored cookie (the configured one stays: it comes from the settings). */
  clear(): void {
    this.cookies = [];
  }

  /** How many cookies the jar holds, expired ones included until they are next looked at. */
  get size(): number {
    return this.cookies.length;
  }

  private storeOne(setCookie: string, requestPath: string, now: number): void {
    const [pair = '', ...parts] = setCookie.split(';');
    const equals = pair.indexOf('=');
    const name = pair.slice(0, Math.max(equals, 0)).trim();
    const value = pair.slice(equals + 1).trim();
    if (name === '' || name.length + value.length > COOKIE_LIMITS.maxCookieBytes) return;
    if (!isSendableHeaderValue(name) || !isSendableHeaderValue(value)) return;
    const attributes = parseAttributes(parts, now);
    if (attributes.secure && !this.origin.secure) return;
    if (attributes.domain !== undefined && !domainCovers(attributes.domain, this.origin.hostname))
      return;
    if (!honoursPrefix(name, attributes)) return;
    const path = attributes.path ?? defaultCookiePath(requestPath);
    const index = this.cookies.findIndex((cookie) => cookie.name === name && cookie.path === path);
    const replaced = index === -1 ? undefined : this.cookies.splice(index, 1)[0];
    if (attributes.expiresAt <= now) return;
    const created = replaced?.created ?? this.created++;
    const { secure, expiresAt } = attributes;
    this.cookies.push({ name, value, path, secure, expiresAt, created });
    this.evictBeyondLimit(now);
  }

  private dropExpired(now: number): void {
    if (this.cookies.some((cookie) => cookie.expiresAt <= now))
      this.cookies = this.cookies.filter((cookie) => cookie.expiresAt > now);
  }

  /** §5.7's eviction: expired cookies first, then the oldest. */
  private evictBeyondLimit(now: number): void {
    if (this.cookies.length <= COOKIE_LIMITS.maxCookies) return;
    this.dropExpired(now);
    while (this.cookies.length > COOKIE_LIMITS.maxCookies) {
      const oldest = this.cookies.reduce((a, b) => (b.created < a.created ? b : a));
      this.cookies.splice(this.cookies.indexOf(oldest), 1);
    }
  }
}

function pathOf(requestTarget: string): string {
  const query = requestTarget.indexOf('?');
  return query === -1 ? requestTarget : requestTarget.slice(0, query);
}
