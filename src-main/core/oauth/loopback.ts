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
  const server = createServer();
  await listen(server, configured, options.idp.gatewayName);
  const redirect = new URL(configured);
  redirect.port = String((server.address() as AddressInfo).port);
  return new AuthorizationCallbackListener(server, redirect, options);
}

export class AuthorizationCallbackListener {
  /** The redirect URI to send: the configured one, with the port actually listened on. */
  readonly redirectUri: string;
  private outcome?: CallbackOutcome;
  private onOutcome?: (outcome: CallbackOutcome) => void;

  constructor(
    private readonly server: Server,
    private readonly redirect: URL,
    private readonly options: CallbackListenerOptions,
  ) {
    this.redirectUri = redirect.href;
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
    const cutLingering = setTimeout(() => this.server.closeAllConnections(), CLOSE_GRACE_MS);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    clearTimeout(cutLingering);
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

async function listen(server: Server, redirect: URL, gatewayName: string): Promise<void> {
  // `localhost` is bound as 127.0.0.1 so nothing but loopback is ever bound.
  const host =
    redirect.hostname === 'localhost' ? '127.0.0.1' : redirect.hostname.replace(/^\[|\]$/g, '');
  const port = Number(redirect.port || 80);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    throw listenFailure(error, host, port, gatewayName);
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
  if (code === 'EADDRINUSE') {
    return new GatekeyError(
      'port_in_use',
      `Port ${port} on ${host} is already in use, so Gatekey cannot receive the sign-in callback there.`,
      `Stop the program that uses port ${port}, or change the redirect URI: ${change}`,
      { cause: error },
    );
  }
  return new GatekeyError(
    'config_invalid',
    `Gatekey cannot listen on ${host}:${port} for the sign-in callback: ${code ?? String(error)}.`,
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
