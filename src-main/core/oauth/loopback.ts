import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatekeyError } from '../errors.js';
import { CALLBACK_PAGE_HEADERS, failurePage, noticePage, successPage } from './callback-page.js';
import { oauthError, type IdpContext } from './idp-errors.js';
import { isLoopbackHostname } from './transport.js';

const CLOSE_GRACE_MS = 1000;

export interface CallbackListenerOptions {
  /** The configured redirect URI; port 0 listens on a free port. */
  redirectUri: string;
  expectedState: string;
  idp: IdpContext;
}

interface ReceivedCallback {
  /** The redirect URI as sent, with the query the IdP added: what openid-client must see. */
  url: URL;
  response: ServerResponse;
}

type CallbackOutcome = { callback: ReceivedCallback } | { error: GatekeyError };

/**
 * Listens on the loopback redirect URI (RFC 8252 §7.3) for the one authorization response of a
 * sign-in. Only a GET of the redirect path with the redirect's Host counts; the browser's
 * request is held until the code exchange is over, so the page it shows tells the truth.
 */
export async function listenForAuthorizationCallback(
  options: CallbackListenerOptions,
): Promise<AuthorizationCallbackListener> {
  const configured = loopbackRedirect(options.redirectUri, options.idp.gatewayName);
  const servers = await listenOnRedirect(configured, options.idp.gatewayName);
  const redirect = new URL(configured);
  redirect.port = String((servers[0]!.address() as AddressInfo).port);
  return new AuthorizationCallbackListener(servers, redirect, options);
}

export class AuthorizationCallbackListener {
  /** The redirect URI to send: the configured one, with the port actually listened on. */
  readonly redirectUri: string;
  private outcome?: CallbackOutcome;
  private onOutcome?: (outcome: CallbackOutcome) => void;

  constructor(
    /** One per address the redirect's host name reaches (two for `localhost`). */
    private readonly servers: readonly Server[],
    private readonly redirect: URL,
    private readonly options: CallbackListenerOptions,
  ) {
    this.redirectUri = redirect.href;
    for (const server of servers)
      server.on('request', (request, response) => this.handle(request, response));
  }

  /**
   * Waits for the authorization response, lets `exchange` turn it into tokens, and shows the
   * browser a page saying how that went.
   */
  async receive<T>(
    exchange: (callbackUrl: URL) => Promise<T>,
    { timeoutMs, signal }: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<T> {
    const { url, response } = await this.waitForCallback(timeoutMs, signal);
    try {
      const result = await exchange(url);
      reply(response, 200, successPage(this.options.idp.gatewayName));
      return result;
    } catch (error) {
      reply(response, 400, failurePage(error));
      throw error;
    }
  }

  /**
   * Stops listening; a wait still under way ends as cancelled. Pages already sent get a moment
   * to reach the browser before any connection left open is cut.
   */
  async close(): Promise<void> {
    this.settle({ error: signInCancelled(this.options.idp.gatewayName) });
    await Promise.all(this.servers.map(closeServer));
  }

  private waitForCallback(timeoutMs: number, signal?: AbortSignal): Promise<ReceivedCallback> {
    const { gatewayName } = this.options.idp;
    return new Promise((resolve, reject) => {
      const finish = (outcome: CallbackOutcome) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.onOutcome = undefined;
        if ('error' in outcome) reject(outcome.error);
        else resolve(outcome.callback);
      };
      const onAbort = () => finish({ error: signInCancelled(gatewayName) });
      const timer = setTimeout(
        () => finish({ error: signInTimedOut(timeoutMs, this.redirectUri, gatewayName) }),
        timeoutMs,
      );
      if (this.outcome) return finish(this.outcome);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.onOutcome = finish;
    });
  }

  private settle(outcome: CallbackOutcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    this.onOutcome?.(outcome);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET') {
      return reply(response, 405, noticePage('Only GET is served here.'));
    }
    if (request.headers.host?.toLowerCase() !== this.redirect.host) {
      return reply(response, 421, noticePage(`This page is only served as ${this.redirect.host}.`));
    }
    if (!URL.canParse(request.url ?? '/', this.redirect.href))
      return reply(response, 404, noticePage('Nothing here.'));
    const url = new URL(request.url ?? '/', this.redirect);
    if (url.pathname !== this.redirect.pathname) {
      return reply(response, 404, noticePage('Nothing here.'));
    }
    if (this.outcome) return reply(response, 410, noticePage('This sign-in is already over.'));
    const { searchParams: params } = url;
    if (!['state', 'code', 'error'].some((name) => params.has(name))) {
      return reply(response, 400, noticePage('This is not an answer from the identity provider.'));
    }
    const error = this.rejection(params);
    if (error) {
      reply(response, 400, failurePage(error));
      return this.settle({ error });
    }
    const callbackUrl = new URL(this.redirect);
    callbackUrl.search = url.search;
    this.settle({ callback: { url: callbackUrl, response } });
  }

  /** Why this authorization response ends the sign-in without a code exchange, if it does. */
  private rejection(params: URLSearchParams): GatekeyError | undefined {
    const { idp, expectedState } = this.options;
    if (params.get('state') !== expectedState) {
      return new GatekeyError(
        'state_mismatch',
        'The browser came back to Gatekey with a state that does not belong to this sign-in (an old or foreign sign-in tab, or a forged request).',
        `Start again with gatekey login ${idp.gatewayName} and finish in the tab it opens.`,
      );
    }
    const error = params.get('error');
    if (error) {
      return oauthError({ error, description: params.get('error_description') ?? undefined }, idp);
    }
    if (!params.get('code')) {
      return new GatekeyError(
        'idp_error',
        `The identity provider ${idp.issuer} sent the browser back without an authorization code.`,
        `Try again: gatekey login ${idp.gatewayName}`,
      );
    }
    return undefined;
  }
}

/** Closes `server`; pages already sent get a moment to reach the browser. */
async function closeServer(server: Server): Promise<void> {
  const cutLingering = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  clearTimeout(cutLingering);
}

function reply(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, CALLBACK_PAGE_HEADERS).end(html);
}

/** The redirect must be plain http on loopback (RFC 8252 §7.3): only this machine may receive the code. */
function loopbackRedirect(redirectUri: string, gatewayName: string): URL {
  const url = new URL(redirectUri);
  if (url.protocol === 'http:' && isLoopbackHostname(url.hostname)) return url;
  throw new GatekeyError(
    'config_invalid',
    `Expected a loopback redirect URI such as http://127.0.0.1:0/callback, got ${redirectUri}.`,
    `Gatekey receives the sign-in on this machine: gatekey edit ${gatewayName} --redirect-uri http://127.0.0.1:0/callback`,
  );
}

/** Free ports tried for a `localhost:0` redirect before giving up: another program may hold ::1. */
const LOCALHOST_PORT_ATTEMPTS = 5;
/** Errors that say this machine has no IPv6 loopback, so no one can listen on [::1] either. */
const NO_IPV6_LOOPBACK = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT']);

/**
 * Listens on the redirect's address. A browser may connect to `localhost` on 127.0.0.1 or on
 * ::1, so both are held on the same port: another program (another user's) listening on the
 * other one would otherwise receive the code and the state.
 */
async function listenOnRedirect(redirect: URL, gatewayName: string): Promise<Server[]> {
  const port = Number(redirect.port || 80);
  const listenOrExplain = (host: string, onPort: number) =>
    listen(host, onPort).catch((error: unknown) => {
      throw listenFailure(error, host, onPort, gatewayName);
    });
  if (redirect.hostname !== 'localhost')
    return [await listenOrExplain(redirect.hostname.replace(/^\[|\]$/g, ''), port)];
  for (let attempt = 1; ; attempt++) {
    const ipv4 = await listenOrExplain('127.0.0.1', port);
    const heldPort = (ipv4.address() as AddressInfo).port;
    const ipv6 = await listen('::1', heldPort).catch((error: NodeJS.ErrnoException) => error);
    if (!(ipv6 instanceof Error)) return [ipv4, ipv6];
    if (NO_IPV6_LOOPBACK.has(ipv6.code ?? '')) return [ipv4];
    await closeServer(ipv4);
    if (port !== 0 || attempt === LOCALHOST_PORT_ATTEMPTS)
      throw listenFailure(ipv6, '::1', heldPort, gatewayName);
  }
}

function listen(host: string, port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function listenFailure(
  error: unknown,
  host: string,
  port: number,
  gatewayName: string,
): GatekeyError {
  const code = (error as NodeJS.ErrnoException).code;
  const change = `gatekey edit ${gatewayName} --redirect-uri http://127.0.0.1:<other port>/callback (the IdP's allowed callback URLs must list the same URI)`;
  const address = host.includes(':') ? `[${host}]` : host;
  // For `localhost` the browser may use either address: the other program could get the code.
  const why = host === '::1' ? ' (localhost also means ::1, and the browser may go there)' : '';
  if (code === 'EADDRINUSE') {
    return new GatekeyError(
      'port_in_use',
      `Port ${port} on ${address} is already in use${why}, so Gatekey cannot receive the sign-in callback there.`,
      `Stop the program that uses port ${port}, or change the redirect URI: ${change}`,
      { cause: error },
    );
  }
  return new GatekeyError(
    'config_invalid',
    `Gatekey cannot listen on ${address}:${port} for the sign-in callback: ${code ?? String(error)}.`,
    `Change the redirect URI: ${change}`,
    { cause: error },
  );
}

export function signInCancelled(gatewayName: string): GatekeyError {
  return new GatekeyError(
    'sign_in_cancelled',
    `The sign-in to ${gatewayName} was cancelled.`,
    `Start it again when ready: gatekey login ${gatewayName}`,
  );
}

function signInTimedOut(timeoutMs: number, redirectUri: string, gatewayName: string): GatekeyError {
  const waited =
    timeoutMs >= 60_000 ? `${Math.round(timeoutMs / 60_000)} minutes` : `${timeoutMs / 1000} s`;
  return new GatekeyError(
    'sign_in_timeout',
    `The browser did not come back to ${redirectUri} within ${waited}.`,
    `Run gatekey login ${gatewayName} again and finish in the browser. If the IdP showed an error page, check that its allowed callback URLs include ${redirectUri}.`,
  );
}
