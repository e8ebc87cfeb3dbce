import type { TokenEndpointResponse } from 'openid-client';
import type { TokenSet } from '../secrets/types.js';

export interface TokenRequest {
  /** Taken before the request, so that `expiresAt` errs on the early side. */
  requestedAt: number;
  requestedScopes: string[];
  /** Kept when the IdP does not rotate refresh tokens. */
  previousRefreshToken?: string;
}

export function toTokenSet(response: TokenEndpointResponse, request: TokenRequest): TokenSet {
  const { requestedAt, requestedScopes, previousRefreshToken } = request;
  const after = (seconds: unknown) =>
    typeof seconds === 'number' && seconds > 0 ? requestedAt + seconds * 1000 : undefined;
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    refreshToken: response.refresh_token ?? previousRefreshToken,
    idToken: response.id_token,
    expiresAt:
      response.expires_in === undefined ? undefined : requestedAt + response.expires_in * 1000,
    // Keycloak says refresh_expires_in; Entra and GitHub refresh_token_expires_in.
    refreshExpiresAt: response.refresh_token
      ? after(response.refresh_expires_in ?? response.refresh_token_expires_in)
      : undefined,
    scope: response.scope ?? joinScopes(requestedScopes),
    obtainedAt: Date.now(),
  };
}

export function joinScopes(scopes: string[]): string | undefined {
  return scopes.length ? scopes.join(' ') : undefined;
}

/** Request parameters without the absent ones (URLSearchParams would send "undefined"). */
export function presentParameters(
  parameters: Record<string, string | undefined>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(parameters).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
