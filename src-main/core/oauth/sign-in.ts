import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from 'openid-client';
import { GatekeyError, isGatekeyError } from '../errors.js';
import { DEFAULT_REDIRECT_URI } from '../gateways/schema.js';
import type { TokenSet } from '../secrets/types.js';
import { checkAuthorizationRequest } from './authorization-check.js';
import {
  clientForSignIn,
  callTokenEndpoint,
  idpContext,
  openidConfiguration,
  registeredRedirectUri,
  type ClientContext,
  type OAuthClient,
} from './client.js';
import { listenForAuthorizationCallback, type AuthorizationCallbackListener } from './loopback.js';
import { withFixedRedirectAdvice } from './redirect-advice.js';
import { joinScopes, presentParameters, toTokenSet } from './tokens.js';
import type { BrowserSignInOptions, SignInProgress } from './types.js';

const SIGN_IN_TIMEOUT_MS = 5 * 60_000;

/** What this sign-in asks for, and what ties the answer to it (RFC 7636, RFC 6749 §10.12, OIDC nonce). */
interface SignInRequest {
  scopes: string[];
  state: string;
  codeVerifier: string;
  nonce?: string;
}

type Report = (progress: SignInProgress) => void;

/**
 * Authorization Code + PKCE in the user's browser with a loopback redirect (RFC 8252). The
 * listener lives only during the sign-in and is closed whatever the outcome.
 */
export async function signInWithBrowser(
  context: ClientContext,
  options: BrowserSignInOptions,
): Promise<TokenSet> {
  const report: Report = options.onProgress ?? (() => {});
  assertBrowserCapable(context);
  const scopes = [
    ...new Set([...context.discovery.result.scopes, ...(options.additionalScopes ?? [])]),
  ];
  const request: SignInRequest = {
    scopes,
    state: randomState(),
    codeVerifier: randomPKCECodeVerifier(),
    nonce: scopes.includes('openid') ? randomNonce() : undefined,
  };
  const listener = await listenForSignIn(context, request.state);
  try {
    const client = await clientForSignIn(context, listener.redirectUri);
    report({ step: 'registration', message: describeClient(client) });
    const configuration = openidConfiguration(context, client);
    const parameters = await authorizationParameters(context, listener.redirectUri, request);
    const authorizationUrl = buildAuthorizationUrl(configuration, parameters).href;
    if (client.source === 'configured') {
      report({
        step: 'browser',
        message: `Checking that the identity provider accepts the redirect URI ${listener.redirectUri}.`,
      });
      await checkAuthorizationRequest(context.http, {
        gateway: context.gateway,
        issuer: context.discovery.metadata.issuer,
        clientId: client.clientId,
        redirectUri: listener.redirectUri,
        authorizationUrl,
      });
    }
    report({ step: 'browser', message: 'Opening the browser to sign in.', authorizationUrl });
    const [tokens] = await Promise.all([
      listener
        .receive((callbackUrl) => redeemCode(context, client, callbackUrl, request, report), {
          timeoutMs: options.timeoutMs ?? SIGN_IN_TIMEOUT_MS,
          signal: options.signal,
        })
        .catch((error: unknown) => withFixedRedirectAdvice(error, context.gateway)),
      options.openBrowser(authorizationUrl),
    ]);
    report({ step: 'done', message: `Signed in to ${context.gateway.name}.` });
    return tokens;
  } finally {
    await listener.close();
  }
}

/**
 * Listens on the configured redirect URI; with any port, on the exact one a stored registration
 * has when that port is free, since some IdPs (Glewlwyd) accept only the port they registered.
 */
async function listenForSignIn(
  context: ClientContext,
  expectedState: string,
): Promise<AuthorizationCallbackListener> {
  const listen = (redirectUri: string) =>
    listenForAuthorizationCallback({
      redirectUri,
      expectedState,
      idp: idpContext(context, 'authorization'),
    });
  const registered = await registeredRedirectUri(context);
  if (registered) {
    try {
      return await listen(registered);
    } catch (error) {
      if (!isGatekeyError(error, 'port_in_use')) throw error;
    }
  }
  return listen(context.gateway.redirectUri ?? DEFAULT_REDIRECT_URI);
}

function assertBrowserCapable({ gateway, discovery }: ClientContext): void {
  if (discovery.metadata.authorization_endpoint) return;
  throw new GatekeyError(
    'discovery_failed',
    `The identity provider ${discovery.metadata.issuer} publishes no authorization_endpoint, so nobody can sign in there with a browser.`,
    `If this gateway is for machines, use client credentials: gatekey edit ${gateway.name} --auth client_credentials --client-id ID --client-secret-stdin`,
  );
}

function describeClient(client: OAuthClient): string {
  switch (client.source) {
    case 'configured':
      return `Using the configured client ${client.clientId}.`;
    case 'metadata-document':
      return `Using Gatekey's client metadata document ${client.clientId} as client ID.`;
    case 'stored-registration':
      return `Using the client ${client.clientId} registered earlier.`;
    case 'new-registration':
      return `Registered Gatekey as client ${client.clientId}.`;
  }
}

async function authorizationParameters(
  { gateway, discovery }: ClientContext,
  redirectUri: string,
  request: SignInRequest,
): Promise<Record<string, string>> {
  const { scopes } = request;
  return presentParameters({
    ...gateway.extraAuthParams,
    redirect_uri: redirectUri,
    scope: joinScopes(scopes),
    // OpenID Connect Core §11: an IdP may ignore offline_access unless the user is asked to consent.
    prompt:
      gateway.extraAuthParams?.prompt ??
      (scopes.includes('offline_access') ? 'consent' : undefined),
    state: request.state,
    nonce: request.nonce,
    code_challenge: await calculatePKCECodeChallenge(request.codeVerifier),
    code_challenge_method: 'S256',
    resource: discovery.result.resource,
    audience: gateway.audience,
  });
}

async function redeemCode(
  context: ClientContext,
  client: OAuthClient,
  callbackUrl: URL,
  request: SignInRequest,
  report: Report,
): Promise<TokenSet> {
  report({ step: 'code', message: 'The browser came back with an authorization code.' });
  report({ step: 'token', message: 'Exchanging the code for tokens.' });
  const requestedAt = Date.now();
  const response = await callTokenEndpoint(context, client, 'token', (configuration) =>
    authorizationCodeGrant(
      configuration,
      callbackUrl,
      {
        pkceCodeVerifier: request.codeVerifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      },
      presentParameters({ resource: context.discovery.result.resource }),
    ),
  );
  return toTokenSet(response, { requestedAt, requestedScopes: request.scopes });
}
