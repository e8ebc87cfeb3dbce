import type { TokenSet } from '../secrets/types.js';

/** The parsed `WWW-Authenticate: Bearer …` challenge of a gateway's 401 (or 403). */
export interface BearerChallenge {
  error?: string;
  errorDescription?: string;
  scope?: string[];
  resourceMetadataUrl?: string;
}

/** The subset of RFC 8414 / OpenID metadata that Gatekey uses. */
export interface AuthorizationServerInfo {
  issuer: string;
  authorizationEndpoint?: string;
  tokenEndpoint: string;
  registrationEndpoint?: string;
  jwksUri?: string;
  introspectionEndpoint?: string;
  revocationEndpoint?: string;
  scopesSupported?: string[];
  codeChallengeMethodsSupported?: string[];
  tokenEndpointAuthMethodsSupported?: string[];
  grantTypesSupported?: string[];
  clientIdMetadataDocumentSupported?: boolean;
}

export interface DiscoveryResult {
  gatewayUrl: string;
  /** The challenge the gateway answered an unauthenticated request with, if any. */
  challenge?: BearerChallenge;
  /** RFC 9728 document, when the gateway publishes one. */
  protectedResource?: {
    url: string;
    resource: string;
    authorizationServers: string[];
    scopesSupported?: string[];
  };
  authorizationServer: AuthorizationServerInfo;
  /** What to send as RFC 8707 `resource`, or undefined when switched off. */
  resource?: string;
  /** Scopes a sign-in will ask for, after the selection rules (challenge, config, supported). */
  scopes: string[];
  supports: {
    pkceS256: boolean;
    dynamicRegistration: boolean;
    offlineAccess: boolean;
    clientCredentials: boolean;
  };
  /** Each URL tried and what came of it, in order, for the UI and `--verbose`. */
  trail: { url: string; outcome: string }[];
}

export type SignInStep = 'discovery' | 'registration' | 'browser' | 'code' | 'token' | 'done';

export interface SignInProgress {
  step: SignInStep;
  message: string;
  /** Present on the `browser` step: the URL the user can open by hand. */
  authorizationUrl?: string;
}

export interface BrowserSignInOptions {
  /** Opens the URL in a browser; the engine has already reported it through onProgress. */
  openBrowser: (url: string) => Promise<void>;
  onProgress?: (progress: SignInProgress) => void;
  signal?: AbortSignal;
  /** Default 5 minutes. */
  timeoutMs?: number;
  /** Scopes to ask for beyond the discovered ones, e.g. those a 403 `insufficient_scope` named. */
  additionalScopes?: string[];
}

/**
 * The OAuth engine for one gateway. Errors are GatekeyErrors:
 * - `invalid_grant`: the refresh token is revoked or expired; a person must sign in again.
 * - `idp_unreachable`: network trouble; retry later, the current token may still be good.
 * - `idp_error`: the IdP answered with another error (its message is in `message`).
 * - `discovery_failed`, `port_in_use`, `sign_in_timeout`, `sign_in_cancelled`, `state_mismatch`.
 */
export interface OAuthSession {
  /** Walks the discovery chain again. */
  discover(signal?: AbortSignal): Promise<DiscoveryResult>;
  /** The discovery this session already did, or a first one. */
  discovered(signal?: AbortSignal): Promise<DiscoveryResult>;
  signInWithBrowser(options: BrowserSignInOptions): Promise<TokenSet>;
  clientCredentials(signal?: AbortSignal): Promise<TokenSet>;
  /** Cross-app access (SEP-990): the stored enterprise ID token → ID-JAG → access token. */
  crossAppAccess(signal?: AbortSignal): Promise<TokenSet>;
  /** Returns the new set; keeps `refreshToken` when the server did not rotate it. */
  refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenSet>;
  /** RFC 7662 introspection with the gateway's own client; `idp_error` when there is no endpoint. */
  introspect(token: string, signal?: AbortSignal): Promise<Record<string, unknown>>;
  /**
   * RFC 7009 revocation with the gateway's own client. Throws a GatekeyError that says why when
   * the token was not revoked: no revocation endpoint, refused (and how), or unreachable.
   */
  revoke(token: string, signal?: AbortSignal): Promise<void>;
  /** Where a person can end Gatekey's access at the IdP when revocation did not (no request). */
  whereToRevoke(): Promise<string>;
}
