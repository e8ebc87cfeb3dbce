import { randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import { exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';
import Provider, {
  type Account,
  type ClientMetadata,
  type Configuration,
  type Middleware,
} from 'oidc-provider';
import { interactionPages, type DemoUser } from './idp-interactions.js';
import { errorPage } from './idp-pages.js';
import { PROFILES, type IdpProfile, type ProfileSpec } from './idp-profiles.js';
import { IdpStore } from './idp-store.js';
import { startLoopbackListener } from './loopback-listener.js';

export type { IdpProfile } from './idp-profiles.js';

export interface IdpOptions {
  /** Default 'generic'. */
  profile?: IdpProfile;
  /** Default 0 (any free port); stop() and start() keep the port. */
  port?: number;
  /** Default 3600; tests use a few seconds. Also the lifetime of ID tokens. */
  accessTokenTtlSeconds?: number;
  /** Default true: each refresh answers with a new refresh token and retires the old one. */
  rotateRefreshTokens?: boolean;
  /** Default true; false: no RFC 7009 revocation endpoint, like IdPs that offer none. */
  revocation?: boolean;
  /** Cognito only: the one exact redirect URI its clients accept. Default http://localhost:8080/callback. */
  exactRedirectUri?: string;
  /**
   * The token endpoint authentication methods it accepts and lists, for registration too;
   * clients of other methods are left out. Default: oidc-provider's (`none` among them).
   */
  clientAuthMethods?: IdpClient['tokenEndpointAuthMethod'][];
}

export interface IdpClient {
  clientId: string;
  clientSecret?: string;
  tokenEndpointAuthMethod:
    'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** Loopback URIs registered without a port accept any port (RFC 8252 §7.3). */
  redirectUris: string[];
  grantTypes: string[];
  /** PKCS#8 PEM of the RS256 key, for private_key_jwt. */
  privateKeyPem?: string;
}

export interface RunningIdp {
  readonly issuer: string;
  readonly profile: IdpProfile;
  readonly port: number;
  readonly clients: {
    publicPkce: IdpClient;
    confidentialBasic: IdpClient;
    confidentialPost: IdpClient;
    privateKeyJwt: IdpClient;
  };
  readonly user: { username: string; password: string };
  /** The API identifier (auth0 `audience`, okta `aud`, cognito resource server). */
  readonly apiAudience: string;
  /** The API's own scopes (generic, okta, auth0: `mcp:*`; cognito: `gateway/*`). */
  readonly apiScopes: readonly string[];
  /** Token-endpoint hits since start or resetCounters(), optionally only those of one grant_type. */
  tokenRequests(grantType?: string): number;
  resetCounters(): void;
  /** Every refresh token issued so far now fails with invalid_grant. */
  revokeRefreshTokens(): Promise<void>;
  /** The IdP goes down: its listener closes, its state (keys, clients, grants, tokens) stays. */
  stop(): Promise<void>;
  /** Back up on the same port with the same state: existing refresh tokens still work. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const DEMO_USER: DemoUser = { username: 'alice', password: 'correct horse' };
const DISCOVERY_PATH = '/.well-known/openid-configuration';
const AUTHORIZATION_SERVER_METADATA_PATH = '/.well-known/oauth-authorization-server';
const LOOPBACK_REDIRECT_URIS = ['http://127.0.0.1/callback', 'http://localhost/callback'];
const DEFAULT_EXACT_REDIRECT_URI = 'http://localhost:8080/callback';
const DAY_SECONDS = 24 * 60 * 60;

/**
 * Starts an OpenID provider (oidc-provider) on 127.0.0.1 that behaves like the chosen real IdP,
 * with one user, four pre-registered clients and its own sign-in and consent pages.
 */
export async function startIdp(options: IdpOptions = {}): Promise<RunningIdp> {
  const profile = options.profile ?? 'generic';
  const spec = PROFILES[profile];
  const [signingKey, clientKey] = await Promise.all([
    generateRsaKey('idp'),
    generateRsaKey('client'),
  ]);
  const clients = demoClients(spec, options.exactRedirectUri, clientKey.privateKeyPem);
  const store = new IdpStore();
  const counter = new TokenRequestCounter();

  const listener = await startLoopbackListener(options.port ?? 0, (origin) =>
    providerHandler({
      spec,
      issuer: origin + spec.issuerPath,
      mountPath: spec.issuerPath.replace(/\/$/, ''),
      store,
      counter,
      signingKey: signingKey.privateJwk,
      clients: Object.values(clients)
        .filter(
          (client) => options.clientAuthMethods?.includes(client.tokenEndpointAuthMethod) ?? true,
        )
        .map((client) => clientMetadata(client, spec, clientKey.publicJwk)),
      clientAuthMethods: options.clientAuthMethods,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
      rotateRefreshTokens: options.rotateRefreshTokens ?? true,
      revocation: options.revocation ?? true,
    }),
  );

  return {
    issuer: listener.origin + spec.issuerPath,
    profile,
    port: listener.port,
    clients,
    user: { ...DEMO_USER },
    apiAudience: spec.apiAudience,
    apiScopes: spec.apiScopes,
    tokenRequests: (grantType) => counter.count(grantType),
    resetCounters: () => counter.reset(),
    revokeRefreshTokens: async () => store.clear('RefreshToken'),
    stop: () => listener.stop(),
    start: () => listener.start(),
    close: () => listener.stop(),
  };
}

interface ProviderSetup {
  spec: ProfileSpec;
  issuer: string;
  /** The issuer's path without a trailing slash: where the provider is mounted. */
  mountPath: string;
  store: IdpStore;
  counter: TokenRequestCounter;
  signingKey: JWK;
  clients: ClientMetadata[];
  accessTokenTtlSeconds: number;
  rotateRefreshTokens: boolean;
  revocation: boolean;
  clientAuthMethods?: string[];
}

function providerHandler(setup: ProviderSetup): RequestListener {
  const provider = new Provider(setup.issuer, providerConfiguration(setup));
  provider.on('server_error', (_ctx, error) => console.error(`demo IdP: ${error.message}`));
  provider.use(countTokenRequests(setup.counter));
  provider.use(patchDiscovery(setup.spec));
  provider.use(interactionPages(provider, setup.mountPath, DEMO_USER));
  return mountedAt(setup.mountPath, setup.spec, provider.callback());
}

function providerConfiguration(setup: ProviderSetup): Configuration {
  const { spec, accessTokenTtlSeconds } = setup;
  return {
    adapter: (model) => setup.store.adapterFor(model),
    clients: setup.clients,
    clientDefaults: { application_type: 'native' },
    ...(setup.clientAuthMethods ? { clientAuthMethods: setup.clientAuthMethods } : {}),
    jwks: { keys: [setup.signingKey] },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // Lax, not None: browsers drop SameSite=None cookies that are not Secure, and this is http.
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    claims: spec.claims,
    scopes: spec.oidcScopes,
    extraParams: spec.extraAuthorizationParams,
    routes: spec.routes,
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: (_ctx, client) => client.clientAuthMethod === 'none' },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Public clients may only introspect their own tokens (oidc-provider's default policy).
        allowedPolicy: async (_ctx, client, token) =>
          client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      revocation: { enabled: setup.revocation },
      registration: { enabled: spec.registration },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, _client, oneOf) => oneOf ?? spec.defaultResource(ctx),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resource) => ({
          ...spec.resourceServer(ctx, resource),
          accessTokenFormat: 'jwt',
          accessTokenTTL: accessTokenTtlSeconds,
        }),
      },
    },
    formats: {
      customizers: {
        jwt: async (_ctx, token, jwt) => spec.shapeAccessToken(jwt.payload, token, setup.issuer),
      },
    },
    findAccount: async (_ctx, sub) =>
      sub === DEMO_USER.username ? demoAccount(spec, sub) : undefined,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (!spec.refreshTokensNeedOfflineAccess || code.scopes.has('offline_access')),
    rotateRefreshToken: setup.rotateRefreshTokens,
    interactions: {
      url: async (_ctx, interaction) => `${setup.mountPath}/interaction/${interaction.uid}`,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(out.error, out.error_description);
    },
    ttl: {
      AccessToken: accessTokenTtlSeconds,
      ClientCredentials: accessTokenTtlSeconds,
      IdToken: accessTokenTtlSeconds,
      AuthorizationCode: 60,
      Interaction: 60 * 60,
      RefreshToken: 14 * DAY_SECONDS,
      Grant: 14 * DAY_SECONDS,
      Session: 14 * DAY_SECONDS,
    },
  };
}

function demoAccount(spec: ProfileSpec, username: string): Account {
  return {
    accountId: username,
    claims: async (use) => ({
      sub: username,
      name: 'Alice Liddell',
      preferred_username: username,
      email: `${username}@gatekey.test`,
      email_verified: true,
      phone_number: '+15555550100',
      ...(use === 'id_token' ? spec.idTokenClaims(username) : {}),
    }),
  };
}

function demoClients(
  spec: ProfileSpec,
  exactRedirectUri: string | undefined,
  privateKeyPem: string,
): RunningIdp['clients'] {
  const redirectUris = spec.requiresExactRedirectUri
    ? [exactRedirectUri ?? DEFAULT_EXACT_REDIRECT_URI]
    : LOOPBACK_REDIRECT_URIS;
  const userGrants = ['authorization_code', 'refresh_token'];
  const serviceGrants = [...userGrants, 'client_credentials'];
  return {
    publicPkce: {
      clientId: 'gatekey-public',
      tokenEndpointAuthMethod: 'none',
      redirectUris,
      grantTypes: userGrants,
    },
    confidentialBasic: {
      clientId: 'gatekey-basic',
      clientSecret: randomSecret(),
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris,
      grantTypes: serviceGrants,
    },
    confidentialPost: {
      clientId: 'gatekey-post',
      clientSecret: randomSecret(),
      tokenEndpointAuthMethod: 'client_secret_post',
      redirectUris,
      grantTypes: serviceGrants,
    },
    privateKeyJwt: {
      clientId: 'gatekey-jwt',
      tokenEndpointAuthMethod: 'private_key_jwt',
      redirectUris,
      grantTypes: serviceGrants,
      privateKeyPem,
    },
  };
}

function clientMetadata(client: IdpClient, spec: ProfileSpec, publicKey: JWK): ClientMetadata {
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    client_name: `Gatekey (${client.tokenEndpointAuthMethod})`,
    // Native clients get RFC 8252 loopback redirects on any port; Cognito wants the exact URI.
    application_type: spec.requiresExactRedirectUri ? 'web' : 'native',
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    response_types: ['code'],
    ...(client.privateKeyPem ? { jwks: { keys: [publicKey] } } : {}),
  };
}

function randomSecret(): string {
  return randomBytes(24).toString('base64url');
}

async function generateRsaKey(
  kid: string,
): Promise<{ privateJwk: JWK; publicJwk: JWK; privateKeyPem: string }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const usage = { kid, alg: 'RS256', use: 'sig' };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...usage },
    publicJwk: { ...(await exportJWK(publicKey)), ...usage },
    privateKeyPem: await exportPKCS8(privateKey),
  };
}

class TokenRequestCounter {
  readonly #byGrantType = new Map<string, number>();

  record(grantType: string): void {
    this.#byGrantType.set(grantType, (this.#byGrantType.get(grantType) ?? 0) + 1);
  }

  count(grantType?: string): number {
    if (grantType !== undefined) return this.#byGrantType.get(grantType) ?? 0;
    return [...this.#byGrantType.values()].reduce((sum, count) => sum + count, 0);
  }

  reset(): void {
    this.#byGrantType.clear();
  }
}

function countTokenRequests(counter: TokenRequestCounter): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      if (ctx.oidc?.route === 'token') counter.record(String(ctx.oidc.body?.grant_type ?? ''));
    }
  };
}

function patchDiscovery(spec: ProfileSpec): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === 'discovery' && ctx.status === 200) {
      ctx.body = { ...(ctx.body as object), scopes_supported: spec.scopesSupported };
    }
  };
}

/**
 * Serves the provider under the issuer's path, as oidc-provider expects of a mounted app:
 * `req.url` without the path, `req.originalUrl` with it.
 */
function mountedAt(
  mountPath: string,
  spec: ProfileSpec,
  providerCallback: RequestListener,
): RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    adaptRequestToProfile(url, mountPath, spec);
    if (url.pathname !== mountPath && !url.pathname.startsWith(`${mountPath}/`)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: 'not_found', error_description: `no route for ${url.pathname}` }),
      );
      return;
    }
    const pathAndQuery = url.pathname + url.search;
    setMountedUrl(req, pathAndQuery, pathAndQuery.slice(mountPath.length) || '/');
    providerCallback(req, res);
  };
}

/**
 * Where the real IdP has RFC 8414 metadata, it is the OpenID document under another name; and
 * for IdPs that grant `offline_access` without `prompt=consent`, the request gets that prompt
 * (see ProfileSpec.offlineAccessWithoutConsentPrompt).
 */
function adaptRequestToProfile(url: URL, mountPath: string, spec: ProfileSpec): void {
  if (
    spec.authorizationServerMetadata &&
    url.pathname === mountPath + AUTHORIZATION_SERVER_METADATA_PATH
  ) {
    url.pathname = mountPath + DISCOVERY_PATH;
  }
  const authorizationPath = mountPath + (spec.routes.authorization ?? '/auth');
  const scopes = url.searchParams.get('scope')?.split(' ') ?? [];
  const prompts = url.searchParams.get('prompt')?.split(' ') ?? [];
  if (
    spec.offlineAccessWithoutConsentPrompt &&
    url.pathname === authorizationPath &&
    scopes.includes('offline_access') &&
    !prompts.includes('consent')
  ) {
    url.searchParams.set('prompt', [...prompts, 'consent'].join(' '));
  }
}

function setMountedUrl(req: IncomingMessage, originalUrl: string, url: string): void {
  Object.assign(req, { originalUrl, url });
}
