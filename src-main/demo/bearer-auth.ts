import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ADMIN_SCOPE, type CallerIdentity } from './mcp-tools.js';

export interface BearerAuthOptions {
  issuer: string;
  /** Default: the `jwks_uri` of the issuer's OpenID metadata. */
  jwksUri?: string;
  /** If set, `aud` must contain it. */
  audience?: string;
  /** If set, `client_id` / `cid` / `azp` must be one of them (Cognito style). */
  allowedClients?: string[];
  /** Every request needs these scopes. */
  requiredScopes?: string[];
  /** Listed in the protected resource metadata; default the demo's `mcp:*` scopes. */
  scopesSupported?: string[];
}

export interface Rejection {
  kind: 'rejected';
  status: 401 | 403 | 503;
  wwwAuthenticate?: string;
  error: OAuthError;
}

export type AuthOutcome = { kind: 'authorized'; authInfo: AuthInfo } | Rejection;

export interface OAuthError {
  error: string;
  error_description: string;
}

/** RFC 9728 protected resource metadata. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: string[];
  resource_name: string;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

const DEMO_SCOPES = ['mcp:read', 'mcp:tools', ADMIN_SCOPE];
const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * Guards one MCP endpoint the way the MCP authorization spec asks: JWT access tokens verified
 * against the issuer's keys, and 401/403 answers whose WWW-Authenticate header leads a client to
 * the RFC 9728 metadata and the scopes it needs.
 */
export class BearerAuthenticator {
  /** Path of the RFC 9728 document: the well-known prefix inserted before the resource path. */
  readonly metadataPath: string;
  readonly #metadataUrl: string;
  readonly #scopesSupported: string[];
  #keys: Promise<KeySet> | undefined;

  constructor(
    private readonly options: BearerAuthOptions,
    private readonly resourceUrl: string,
  ) {
    const resource = new URL(resourceUrl);
    this.metadataPath = PROTECTED_RESOURCE_WELL_KNOWN + resource.pathname;
    this.#metadataUrl = resource.origin + this.metadataPath;
    this.#scopesSupported = options.scopesSupported ?? [
      ...new Set([...(options.requiredScopes ?? []), ...DEMO_SCOPES]),
    ];
  }

  metadataDocument(): ProtectedResourceMetadata {
    return {
      resource: this.resourceUrl,
      authorization_servers: [this.options.issuer],
      scopes_supported: this.#scopesSupported,
      bearer_methods_supported: ['header'],
      resource_name: 'Gatekey demo MCP server',
    };
  }

  async authenticate(authorization: string | undefined): Promise<AuthOutcome> {
    const token = /^Bearer +(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) {
      return this.#unauthorized(
        { error: 'invalid_request', error_description: 'No bearer token.' },
        false,
      );
    }
    let payload: JWTPayload;
    try {
      payload = await this.#verify(token);
    } catch (error) {
      if (isTokenError(error)) {
        return this.#unauthorized(
          { error: 'invalid_token', error_description: describeTokenError(error) },
          true,
        );
      }
      this.#keys = undefined;
      return {
        kind: 'rejected',
        status: 503,
        error: {
          error: 'temporarily_unavailable',
          error_description: `Could not fetch the signing keys of ${this.options.issuer}.`,
        },
      };
    }
    return this.#authorize(token, payload);
  }

  /** The 403 of RFC 6750 §3.1 for a request that needs more scope than the token has. */
  insufficientScope(scopes: string[]): Rejection {
    const error = {
      error: 'insufficient_scope',
      error_description: `This request needs the scope ${scopes.join(' ')}.`,
    };
    return {
      kind: 'rejected',
      status: 403,
      wwwAuthenticate: bearerChallenge([
        ['error', error.error],
        ['scope', scopes.join(' ')],
        ['resource_metadata', this.#metadataUrl],
        ['error_description', error.error_description],
      ]),
      error,
    };
  }

  #authorize(token: string, payload: JWTPayload): AuthOutcome {
    const clientId = firstString(payload.client_id, payload.cid, payload.azp) ?? '';
    const { allowedClients, requiredScopes = [] } = this.options;
    if (allowedClients && !allowedClients.includes(clientId)) {
      const description = `The token was issued to client ${clientId || '(none)'}, which this server does not accept.`;
      return this.#unauthorized({ error: 'invalid_token', error_description: description }, true);
    }
    const scopes = scopesOf(payload);
    const missing = requiredScopes.filter((scope) => !scopes.includes(scope));
    if (missing.length > 0) return this.insufficientScope(requiredScopes);
    const identity: CallerIdentity = {
      subject: payload.sub ?? '',
      audience: payload.aud === undefined ? [] : [payload.aud].flat(),
    };
    return {
      kind: 'authorized',
      authInfo: { token, clientId, scopes, expiresAt: payload.exp, extra: { ...identity } },
    };
  }

  #unauthorized(error: OAuthError, tokenPresented: boolean): Rejection {
    const challengeScopes =
      this.options.requiredScopes ?? this.#scopesSupported.filter((scope) => scope !== ADMIN_SCOPE);
    const parameters: [string, string][] = [['resource_metadata', this.#metadataUrl]];
    if (challengeScopes.length > 0) parameters.push(['scope', challengeScopes.join(' ')]);
    if (tokenPresented) {
      parameters.push(['error', error.error], ['error_description', error.error_description]);
    }
    return { kind: 'rejected', status: 401, wwwAuthenticate: bearerChallenge(parameters), error };
  }

  async #verify(token: string): Promise<JWTPayload> {
    this.#keys ??= this.#loadKeys();
    const { payload } = await jwtVerify(token, await this.#keys, {
      issuer: this.options.issuer,
      audience: this.options.audience,
    });
    return payload;
  }

  async #loadKeys(): Promise<KeySet> {
    const jwksUri = this.options.jwksUri ?? (await discoverJwksUri(this.options.issuer));
    return createRemoteJWKSet(new URL(jwksUri));
  }
}

async function discoverJwksUri(issuer: string): Promise<string> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`The issuer's metadata answered HTTP ${response.status}.`);
  const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: unknown };
  if (typeof jwksUri !== 'string') throw new Error("The issuer's metadata has no jwks_uri.");
  return jwksUri;
}

/** A fault of the token itself, as opposed to trouble fetching the issuer's keys. */
function isTokenError(error: unknown): error is joseErrors.JOSEError {
  return error instanceof joseErrors.JOSEError && !(error instanceof joseErrors.JWKSTimeout);
}

function describeTokenError(error: joseErrors.JOSEError): string {
  if (error instanceof joseErrors.JWTExpired) return 'The access token has expired.';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
    return 'The access token is not a valid JWT.';
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return 'The access token signature does not verify.';
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const problem = error.reason === 'missing' ? 'missing' : 'not accepted here';
    return `The access token's ${error.claim} claim is ${problem}.`;
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return "The access token was not signed by one of the issuer's keys.";
  }
  return `The access token was rejected: ${error.message}`;
}

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((scope) => typeof scope === 'string');
  return [];
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string');
}

function bearerChallenge(parameters: [string, string][]): string {
  const quoted = parameters.map(([name, value]) => `${name}="${value.replace(/["\\]/g, "'")}"`);
  return `Bearer ${quoted.join(', ')}`;
}
