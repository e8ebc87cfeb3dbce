import type { CustomFetch } from 'openid-client';
import { GatekeyError } from '../errors.js';
import type { Gateway } from '../gateways/schema.js';

/** What every request of the engine needs: the fetch to use and the caller's signal. */
export interface HttpContext {
  fetch: typeof fetch;
  signal?: AbortSignal;
}

const REQUEST_TIMEOUT_MS = 10_000;

export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** Plain http is for loopback, or for a gateway whose owner allowed it (`allowHttp`). */
export function assertTransportAllowed(url: string, gateway: Gateway, role: string): void {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'https:') return;
  if (protocol === 'http:' && (gateway.allowHttp || isLoopbackHostname(hostname))) return;
  throw new GatekeyError(
    'discovery_failed',
    `Expected an https URL for the ${role}, got ${url}.`,
    `Plain http is allowed only on loopback. If the ${role} really is plain http, allow it: gatekey edit ${gateway.name} --allow-http`,
  );
}

export function usesPlainHttp(urls: (string | undefined)[]): boolean {
  return urls.some((url) => url !== undefined && new URL(url).protocol === 'http:');
}

/** The caller's signal combined with a per-request timeout. */
export function requestSignal(http: HttpContext): AbortSignal {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return anySignal(http.signal, timeout) ?? timeout;
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((signal) => signal !== undefined);
  return present.length > 1 ? AbortSignal.any(present) : present[0];
}

export const IDP_UNREACHABLE_HINT =
  'Check that the identity provider is up and reachable from this machine (VPN, proxy), then try again.';

/** Why a request never got an answer, e.g. "connect ECONNREFUSED 127.0.0.1:4000". */
export function describeNetworkFailure(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'no answer in time';
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The caller cancelled: pass its reason on untouched instead of reporting a network failure. */
export function throwIfCancelled(http: HttpContext): void {
  http.signal?.throwIfAborted();
}

function idpUnreachable(url: string, error: unknown): GatekeyError {
  const { origin, pathname } = new URL(url);
  return new GatekeyError(
    'idp_unreachable',
    `Could not reach the identity provider at ${origin}${pathname}: ${describeNetworkFailure(error)}.`,
    IDP_UNREACHABLE_HINT,
    { cause: error },
  );
}

/**
 * The fetch handed to openid-client: it honours the caller's signal and turns a network
 * failure into `idp_unreachable` naming the endpoint.
 */
export function fetchForOpenidClient(http: HttpContext): CustomFetch {
  return async (url, init) => {
    try {
      // openid-client's FetchBody is a BodyInit under Node's types but not the DOM's.
      const request = { ...init, signal: anySignal(http.signal, init.signal) } as RequestInit;
      return await http.fetch(url, request);
    } catch (error) {
      throwIfCancelled(http);
      throw idpUnreachable(url, error);
    }
  };
}
