import { errors, type IssuedAccessToken, type OidcContext } from 'oidc-provider';

export type IdpProfile = 'generic' | 'cognito' | 'okta' | 'auth0';

/** What a profile makes of one resource indicator: the scopes it knows and the token audience. */
interface ProfileResourceServer {
  scope: string;
  audience?: string;
}

/**
 * How one real IdP differs from the others, as far as a client like Gatekey can tell: where its
 * metadata lives, which scopes it lists, when it issues refresh tokens, and the claims of its JWT
 * access tokens.
 */
export interface ProfileSpec {
  /** The issuer's path under the origin, '' for none; Auth0 ends its issuer with '/'. */
  issuerPath: string;
  /** oidc-provider route overrides, so endpoints sit where the real IdP puts them. */
  routes: Record<string, string>;
  registration: boolean;
  /** Also serves the metadata at `<issuer>/.well-known/oauth-authorization-server` (RFC 8414). */
  authorizationServerMetadata: boolean;
  /** The OpenID scopes the provider handles itself. */
  oidcScopes: string[];
  /** The API's own scopes, granted for its resource. */
  apiScopes: string[];
  /** `scopes_supported` of the metadata document. */
  scopesSupported: string[];
  /** The API identifier: Auth0's `audience`, Okta's `aud`, Cognito's resource server. */
  apiAudience: string;
  /** Which claims each scope releases into ID tokens and userinfo. */
  claims: Record<string, string[]>;
  /** Claims only the ID token carries. */
  idTokenClaims(username: string): Record<string, string>;
  /** Refresh tokens only for `offline_access`; otherwise for every authorization code. */
  refreshTokensNeedOfflineAccess: boolean;
  /**
   * OpenID Connect drops `offline_access` unless the request also says `prompt=consent`; Okta
   * and Auth0 do not insist, so for them the IdP adds that prompt itself.
   */
  offlineAccessWithoutConsentPrompt: boolean;
  /** Clients accept one exact redirect URI; otherwise any loopback port (RFC 8252 §7.3). */
  requiresExactRedirectUri: boolean;
  /** Authorization parameters beyond the standard ones (Auth0's `audience`). */
  extraAuthorizationParams: string[];
  /** The resource used when the client names none; undefined = an opaque token. */
  defaultResource(ctx: OidcContext): string | undefined;
  /** Validates a resource indicator (and the requested scopes) and describes its server. */
  resourceServer(ctx: OidcContext, resource: string): ProfileResourceServer;
  /** Reshapes the claims of a JWT access token to look like the real IdP's. */
  shapeAccessToken(
    payload: Record<string, unknown>,
    token: IssuedAccessToken,
    issuer: string,
  ): void;
}

const STANDARD_CLAIMS: Record<string, string[]> = {
  openid: ['sub'],
  profile: ['name', 'preferred_username'],
  email: ['email', 'email_verified'],
};
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const MCP_SCOPES = ['mcp:read', 'mcp:tools', 'mcp:admin'];

const generic: ProfileSpec = {
  issuerPath: '',
  routes: {},
  registration: true,
  authorizationServerMetadata: true,
  oidcScopes: OIDC_SCOPES,
  apiScopes: MCP_SCOPES,
  scopesSupported: [...OIDC_SCOPES, ...MCP_SCOPES],
  apiAudience: 'https://api.gatekey.test',
  claims: STANDARD_CLAIMS,
  idTokenClaims: () => ({}),
  refreshTokensNeedOfflineAccess: true,
  offlineAccessWithoutConsentPrompt: false,
  requiresExactRedirectUri: false,
  extraAuthorizationParams: [],
  defaultResource: () => generic.apiAudience,
  resourceServer(_ctx, resource) {
    // RFC 8707: any web resource (an MCP server URL) becomes the audience of its token.
    if (resource !== generic.apiAudience && !/^https?:/.test(resource)) {
      throw new errors.InvalidTarget(`unknown resource ${resource}`);
    }
    return { scope: MCP_SCOPES.join(' '), audience: resource };
  },
  shapeAccessToken: () => undefined,
};

const COGNITO_SCOPES = ['gateway/read', 'gateway/tools', 'gateway/admin'];
const COGNITO_OIDC_SCOPES = ['openid', 'email', 'phone', 'profile'];
/** Cognito has no resource indicators; this one stands for its resource server internally. */
const COGNITO_RESOURCE = 'urn:gatekey:cognito:gateway';

const cognito: ProfileSpec = {
  issuerPath: '/us-east-1_GatekeyTest',
  routes: {
    authorization: '/oauth2/authorize',
    token: '/oauth2/token',
    revocation: '/oauth2/revoke',
    introspection: '/oauth2/introspect',
    userinfo: '/oauth2/userInfo',
    jwks: '/.well-known/jwks.json',
  },
  registration: false,
  authorizationServerMetadata: false,
  oidcScopes: COGNITO_OIDC_SCOPES,
  apiScopes: COGNITO_SCOPES,
  scopesSupported: COGNITO_OIDC_SCOPES,
  apiAudience: 'gateway',
  claims: {
    ...STANDARD_CLAIMS,
    openid: ['sub', 'token_use', 'cognito:username'],
    phone: ['phone_number'],
  },
  idTokenClaims: (username) => ({ token_use: 'id', 'cognito:username': username }),
  refreshTokensNeedOfflineAccess: false,
  offlineAccessWithoutConsentPrompt: false,
  requiresExactRedirectUri: true,
  extraAuthorizationParams: [],
  defaultResource: () => COGNITO_RESOURCE,
  resourceServer(ctx) {
    const known = [...COGNITO_OIDC_SCOPES, ...COGNITO_SCOPES];
    rejectUnknownScopes(ctx, known);
    return { scope: known.join(' ') };
  },
  shapeAccessToken(payload, token) {
    hideAudience(payload);
    Object.assign(payload, { token_use: 'access', version: 2 });
    if (token.accountId) payload.username = token.accountId;
  },
};

const OKTA_AUDIENCE = 'api://default';

const okta: ProfileSpec = {
  issuerPath: '/oauth2/default',
  routes: {
    authorization: '/v1/authorize',
    token: '/v1/token',
    jwks: '/v1/keys',
    introspection: '/v1/introspect',
    revocation: '/v1/revoke',
    userinfo: '/v1/userinfo',
    registration: '/v1/clients',
  },
  registration: true,
  authorizationServerMetadata: true,
  oidcScopes: OIDC_SCOPES,
  apiScopes: MCP_SCOPES,
  scopesSupported: [...OIDC_SCOPES, ...MCP_SCOPES],
  apiAudience: OKTA_AUDIENCE,
  claims: STANDARD_CLAIMS,
  idTokenClaims: () => ({}),
  refreshTokensNeedOfflineAccess: true,
  offlineAccessWithoutConsentPrompt: true,
  requiresExactRedirectUri: false,
  extraAuthorizationParams: [],
  // Okta's authorization server has one audience, whatever resource a client names.
  defaultResource: () => OKTA_AUDIENCE,
  resourceServer(ctx) {
    const known = [...OIDC_SCOPES, ...MCP_SCOPES];
    rejectUnknownScopes(ctx, known);
    return { scope: known.join(' '), audience: OKTA_AUDIENCE };
  },
  shapeAccessToken(payload, token) {
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    delete payload.scope;
    delete payload.client_id;
    Object.assign(payload, { ver: 1, cid: token.clientId, scp: scopes });
    if (token.accountId) payload.uid = `00u-${token.accountId}`;
  },
};

const AUTH0_AUDIENCE = 'https://api.gatekey.test';

const auth0: ProfileSpec = {
  issuerPath: '/',
  routes: {
    authorization: '/authorize',
    token: '/oauth/token',
    jwks: '/.well-known/jwks.json',
    revocation: '/oauth/revoke',
    introspection: '/oauth/introspect',
    userinfo: '/userinfo',
  },
  registration: false,
  authorizationServerMetadata: false,
  oidcScopes: OIDC_SCOPES,
  apiScopes: MCP_SCOPES,
  scopesSupported: OIDC_SCOPES,
  apiAudience: AUTH0_AUDIENCE,
  claims: STANDARD_CLAIMS,
  idTokenClaims: () => ({}),
  refreshTokensNeedOfflineAccess: true,
  offlineAccessWithoutConsentPrompt: true,
  requiresExactRedirectUri: false,
  extraAuthorizationParams: ['audience'],
  // Auth0 issues a JWT only for an API named by `audience`; without one the token is opaque.
  defaultResource(ctx) {
    const audience = ctx.oidc.params?.audience ?? ctx.oidc.body?.audience;
    return typeof audience === 'string' ? audience : undefined;
  },
  resourceServer(_ctx, resource) {
    if (resource !== AUTH0_AUDIENCE)
      throw new errors.InvalidTarget(`Service not found: ${resource}`);
    return { scope: [...OIDC_SCOPES, ...MCP_SCOPES].join(' ') };
  },
  shapeAccessToken(payload, token, issuer) {
    delete payload.client_id;
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (token.kind === 'ClientCredentials') {
      Object.assign(payload, { sub: `${token.clientId}@clients`, gty: 'client-credentials' });
    } else if (scopes.includes('openid')) {
      payload.aud = [AUTH0_AUDIENCE, `${issuer}userinfo`];
    }
    payload.azp = token.clientId;
  },
};

export const PROFILES: Record<IdpProfile, ProfileSpec> = { generic, cognito, okta, auth0 };

/**
 * Cognito access tokens carry no `aud`, but oidc-provider refuses to sign a JWT access token
 * without one. Keeping `aud` as a non-enumerable property passes that check and leaves it out
 * of the serialized token.
 */
function hideAudience(payload: Record<string, unknown>): void {
  Object.defineProperty(payload, 'aud', { value: payload.aud, enumerable: false, writable: true });
}

function rejectUnknownScopes(ctx: OidcContext, known: string[]): void {
  const requested = ctx.oidc.params?.scope;
  if (typeof requested !== 'string') return;
  const unknown = requested.split(' ').find((scope) => scope && !known.includes(scope));
  if (unknown) throw new errors.InvalidScope('requested scope is not allowed', unknown);
}
