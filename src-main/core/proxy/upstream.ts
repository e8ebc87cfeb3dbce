import type { GatekeyError } from '../errors.js';
import { leadsToOwnPort } from '../gateways/own-port.js';
import type { Gateway } from '../gateways/schema.js';
import { CookieJar } from './cookie-jar.js';
import type { Http1Origin } from './http1-client.js';
import { Http1Client } from './http1-client.js';
import { isSendableHeaderValue, LOOP_MARKER_HEADER } from './header-text.js';
import { problems } from './problems.js';

/** How the proxy reaches one gateway, worked out once per gateway definition. */
export interface UpstreamTarget extends Http1Origin {
  /** The gateway URL, for messages. */
  readonly url: string;
  /** The gateway URL's path and query: what `/mcp/<name>` maps to. */
  readonly path: string;
  /** Host, the gateway's extraHeaders and the loop marker, as alternating names and values. */
  readonly fixedHeaders: readonly string[];
  /** Lower-case names of the headers the proxy sets, so the IDE's copies are dropped. */
  readonly ownHeaderNames: ReadonlySet<string>;
  /** The cookies this gateway set, sent back to it alone (and a Cookie its settings name). */
  readonly cookies: CookieJar;
  /** The header the token travels in, absent for `auth: 'none'`. */
  readonly credential?: { name: string; valueParts: readonly string[] };
  /** Why no request may go there: plain http off loopback without `allowHttp`, or a loop. */
  readonly refusal?: { status: number; problem: GatekeyError };
}

/** This proxy, as its upstream requests must not reach it again. */
export interface OwnListener {
  /** The value of the loop marker header on every request this proxy forwards. */
  readonly marker: string;
  /** The port the proxy listens on. */
  port(): number;
}

/** 508 Loop Detected (RFC 5842). */
export const LOOP_DETECTED = 508;

function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]' ||
    /^127(?:\.\d{1,3}){3}$/.test(hostname)
  );
}

function parseHeaderTemplate(template: string): { name: string; valueParts: string[] } {
  const colon = template.indexOf(':');
  return {
    name: template.slice(0, colon).trim(),
    valueParts: template
      .slice(colon + 1)
      .trim()
      .split('{token}'),
  };
}

function refusalFor(gateway: Gateway, url: URL, ownPort: number): UpstreamTarget['refusal'] {
  if (leadsToOwnPort(gateway.url, ownPort))
    return {
      status: LOOP_DETECTED,
      problem: problems.leadsToItself(gateway.name, gateway.url, ownPort),
    };
  if (url.protocol !== 'http:' || gateway.allowHttp || isLoopbackHost(url.hostname))
    return undefined;
  const reason = `Gateway "${gateway.name}" uses plain http to ${url.host}, which would expose its tokens on the network.`;
  return { status: 502, problem: problems.plainHttp(gateway.name, reason) };
}

interface PreparedTarget {
  gateway: Gateway;
  definition: string;
  target: UpstreamTarget;
}

/** Keep-alive connection pools to the upstreams, and each gateway's prepared target. */
export class UpstreamPool {
  readonly client = new Http1Client();

  constructor(private readonly own: OwnListener) {}

  /** By gateway name: the target, and the definition it was made from. */
  private readonly targets = new Map<string, PreparedTarget>();
  /** The last token each target's was checked with: a token is checked once, not per request. */
  private readonly checkedTokens = new WeakMap<UpstreamTarget, string>();

  /**
   * The gateway's target, made again only when its definition changes. The gateway store hands out
   * a fresh copy on every call, so a new object is compared by value.
   */
  targetFor(gateway: Gateway): UpstreamTarget {
    const known = this.targets.get(gateway.name);
    if (known?.gateway === gateway) return known.target;
    const definition = JSON.stringify(gateway);
    const target = known?.definition === definition ? known.target : this.prepare(gateway);
    this.targets.set(gateway.name, { gateway, definition, target });
    return target;
  }

  /** Whether `token` can go in the target's credential header (an IdP could issue any bytes). */
  canSend(target: UpstreamTarget, token: string): boolean {
    if (this.checkedTokens.get(target) === token) return true;
    if (!isSendableHeaderValue(token)) return false;
    this.checkedTokens.set(target, token);
    return true;
  }

  /** Empties the cookie jar of the gateway, if the proxy has prepared it. */
  forgetCookies(name: string): void {
    this.targets.get(name)?.target.cookies.clear();
  }

  destroy(): void {
    this.client.destroy();
  }

  private prepare(gateway: Gateway): UpstreamTarget {
    const url = new URL(gateway.url);
    const isHttps = url.protocol === 'https:';
    const credential = gateway.auth === 'none' ? undefined : parseHeaderTemplate(gateway.header);
    const extraHeaders = Object.entries(gateway.extraHeaders ?? {});
    const ownHeaderNames = new Set(['host', ...extraHeaders.map(([name]) => name.toLowerCase())]);
    // A configured Cookie goes out in the jar's one Cookie header: never two of them.
    const configuredCookie = extraHeaders.find(([name]) => name.toLowerCase() === 'cookie');
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (credential) ownHeaderNames.add(credential.name.toLowerCase());
    const refusal = refusalFor(gateway, url, this.own.port());
    return {
      url: gateway.url,
      secure: isHttps,
      hostname,
      port: Number(url.port) || (isHttps ? 443 : 80),
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      fixedHeaders: [
        'Host',
        url.host,
        ...extraHeaders.filter((header) => header !== configuredCookie).flat(),
        LOOP_MARKER_HEADER,
        this.own.marker,
      ],
      ownHeaderNames,
      cookies: new CookieJar({
        hostname,
        secure: isHttps,
        ...(configuredCookie ? { configured: configuredCookie[1] } : {}),
      }),
      ...(credential ? { credential } : {}),
      ...(refusal ? { refusal } : {}),
    };
  }
}

/**
 * The upstream path for a proxy path. `/mcp/<name>` is the gateway URL itself; a longer path
 * (`/mcp/<name>/messages?session=1`, as a rewritten legacy `endpoint` gives) is that path on the
 * gateway's origin.
 */
export function upstreamPath(target: UpstreamTarget, rest: string, query: string): string {
  if (rest === '') {
    if (query === '') return target.path;
    return target.path.includes('?') ? `${target.path}&${query.slice(1)}` : target.path + query;
  }
  return rest + query;
}

/**
 * The proxy path for an upstream URL (the inverse of upstreamPath), or undefined when the URL is
 * on another origin: the token is never sent anywhere but the gateway's own origin.
 */
export function proxyPathFor(
  target: UpstreamTarget,
  gatewayName: string,
  upstreamUrl: URL,
): string | undefined {
  if (upstreamUrl.origin !== target.origin) return undefined;
  const pathAndQuery = upstreamUrl.pathname + upstreamUrl.search;
  const rest = pathAndQuery === target.path ? '' : pathAndQuery;
  return `/mcp/${gatewayName}${rest}`;
}
