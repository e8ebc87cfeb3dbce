import {
  clientCredentialsGrant,
  refreshTokenGrant,
  tokenIntrospection,
  tokenRevocation,
} from 'openid-client';
import { GatekeyError, isGatekeyError } from '../errors.js';
import type { Gateway } from '../gateways/schema.js';
import type { SecretStore, TokenSet } from '../secrets/types.js';
import {
  clientForClientCredentials,
  clientForRefresh,
  dropRegistration,
  callTokenEndpoint,
  type ClientContext,
  type OAuthClient,
} from './client.js';
import { crossAppAccess } from './cross-app.js';
import { discoverServer, type Discovery } from './discovery.js';
import { signInCancelled } from './loopback.js';
import { signInWithBrowser } from './sign-in.js';
import { stringArray } from './json.js';
import { stringOrUndefined, whereToRevoke } from './revocation-advice.js';
import { joinScopes, presentParameters, toTokenSet } from './tokens.js';
import type { BrowserSignInOptions, DiscoveryResult, OAuthSession } from './types.js';

type Fetch = typeof fetch;

export function createOAuthSession(
  gateway: Gateway,
  secrets: SecretStore,
  options: { fetch?: Fetch } = {},
): OAuthSession {
  return new GatewayOAuthSession(gateway, secrets, options.fetch ?? fetch);
}

/** The OAuth engine for one gateway; discovery runs once and is reused until `discover()`. */
class GatewayOAuthSession implements OAuthSession {
  private discovery?: Discovery;

  constructor(
    private readonly gateway: Gateway,
    private readonly secrets: SecretStore,
    private readonly fetch: Fetch,
  ) {}

  async discover(signal?: AbortSignal): Promise<DiscoveryResult> {
    this.discovery = await discoverServer(this.gateway, { fetch: this.fetch, signal });
    return this.discovery.result;
  }

  async discovered(signal?: AbortSignal): Promise<DiscoveryResult> {
    return (await this.context(signal)).discovery.result;
  }

  async signInWithBrowser(options: BrowserSignInOptions): Promise<TokenSet> {
    try {
      options.onProgress?.({
        step: 'discovery',
        message: `Finding the identity provider of ${this.gateway.url}.`,
      });
      return await signInWithBrowser(await this.context(options.signal), options);
    } catch (error) {
      if (options.signal?.aborted) throw signInCancelled(this.gateway.name);
      throw error;
    }
  }

  async clientCredentials(signal?: AbortSignal): Promise<TokenSet> {
    const context = await this.context(signal);
    const client = await clientForClientCredentials(context);
    // offline_access asks for a refresh token, which client credentials never get.
    const scopes = context.discovery.result.scopes.filter((scope) => scope !== 'offline_access');
    const requestedAt = Date.now();
    const response = await callTokenEndpoint(context, client, 'token', (configuration) =>
      clientCredentialsGrant(
        configuration,
        presentParameters({
          scope: joinScopes(scopes),
          resource: context.discovery.result.resource,
          audience: this.gateway.audience,
        }),
      ),
    );
    return toTokenSet(response, { requestedAt, requestedScopes: scopes });
  }

  async crossAppAccess(signal?: AbortSignal): Promise<TokenSet> {
    return crossAppAccess(await this.context(signal));
  }

  async refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenSet> {
    const context = await this.context(signal);
    const client = await clientForRefresh(context);
    const requestedAt = Date.now();
    try {
      const response = await callTokenEndpoint(context, client, 'refresh', (configuration) =>
        refreshTokenGrant(
          configuration,
          refreshToken,
          presentParameters({ resource: context.discovery.result.resource }),
        ),
      );
      return toTokenSet(response, {
        requestedAt,
        requestedScopes: context.discovery.result.scopes,
        previousRefreshToken: refreshToken,
      });
    } catch (error) {
      if (client.source === 'configured' || !isGatekeyError(error, 'invalid_client')) throw error;
      await dropRegistration(context);
      throw registrationForgotten(context);
    }
  }

  async introspect(token: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const context = await this.context(signal);
    if (!context.discovery.metadata.introspection_endpoint) {
      throw new GatekeyError(
        'idp_error',
        `${context.discovery.metadata.issuer} publishes no introspection endpoint (RFC 7662).`,
        'Opaque tokens can only be checked by the gateway itself.',
      );
    }
    const client = await this.ownClient(context);
    const response = await callTokenEndpoint(context, client, 'introspection', (configuration) =>
      tokenIntrospection(configuration, token),
    );
    return { ...response };
  }

  async revoke(token: string, signal?: AbortSignal): Promise<void> {
    const context = await this.context(signal);
    if (!context.discovery.metadata.revocation_endpoint) {
      throw new GatekeyError(
        'idp_error',
        `The identity provider ${context.discovery.metadata.issuer} lists no revocation endpoint (RFC 7009), so Gatekey cannot revoke tokens there.`,
      );
    }
    const client = await this.ownClient(context);
    try {
      await callTokenEndpoint(context, client, 'revocation', (configuration) =>
        tokenRevocation(configuration, token),
      );
    } catch (error) {
      throw explainRevocationRefusal(error, context, client);
    }
  }

  async whereToRevoke(): Promise<string> {
    const registration = (await this.secrets.read(this.gateway.name).catch(() => undefined))
      ?.registration;
    return whereToRevoke({
      issuer: this.discovery?.metadata.issuer ?? this.gateway.issuer,
      endSessionEndpoint: stringOrUndefined(this.discovery?.metadata.end_session_endpoint),
      clientId: this.gateway.clientId ?? registration?.clientId,
      gatewayUrl: this.gateway.url,
    });
  }

  /** The client this gateway's tokens were issued to. */
  private ownClient(context: ClientContext): Promise<OAuthClient> {
    return this.gateway.auth === 'client_credentials' || this.gateway.auth === 'cross_app'
      ? clientForClientCredentials(context)
      : clientForRefresh(context);
  }

  private async context(signal?: AbortSignal): Promise<ClientContext> {
    const http = { fetch: this.fetch, signal };
    this.discovery ??= await discoverServer(this.gateway, http);
    return { gateway: this.gateway, secrets: this.secrets, discovery: this.discovery, http };
  }
}

/**
 * A refusal of a client whose authentication method the IdP does not list for revocation (a
 * public client at an IdP that revokes only for confidential ones) says so.
 */
function explainRevocationRefusal(
  error: unknown,
  { discovery }: ClientContext,
  client: OAuthClient,
): unknown {
  const listed = stringArray(discovery.metadata.revocation_endpoint_auth_methods_supported);
  const refused = isGatekeyError(error, 'invalid_client') || isGatekeyError(error, 'idp_error');
  if (!refused || !listed || listed.includes(client.method)) return error;
  return new GatekeyError(
    error.code,
    `${error.message} The IdP accepts revocation only from clients that authenticate with ${listed.join(' or ')}, and Gatekey's client ${client.clientId} uses ${client.method}.`,
    error.hint,
    { cause: error },
  );
}

function registrationForgotten({ gateway, discovery }: ClientContext): GatekeyError {
  return new GatekeyError(
    'invalid_grant',
    `The identity provider ${discovery.metadata.issuer} no longer knows the client Gatekey registered, so the refresh token cannot be used.`,
    `Sign in again; Gatekey registers anew: gatekey login ${gateway.name}`,
  );
}
