/** What the inspector knows about where a token is going; every field but tokenKind is optional. */
export interface InspectionContext {
  /** What this token is supposed to be. */
  tokenKind: 'access_token' | 'id_token';
  /** The configured or discovered issuer. */
  issuer?: string;
  /** From discovery; absent means the signature is not checked (and the report says so). */
  jwksUri?: string;
  /**
   * Without a `jwksUri`: the person allowed fetching the keys from the token's own `iss` (its
   * OIDC / RFC 8414 metadata). A pasted token chooses that URL, so only on explicit consent.
   */
  fetchIssuerKeys?: boolean;
  /** What Gatekey sent to the IdP to name the gateway; absent when it sent neither. */
  requestedAudience?: { parameter: 'resource' | 'audience'; value: string };
  /** The gateway's resource (RFC 8707) or audience. */
  expectedAudience?: string;
  clientId?: string;
  requestedScopes?: string[];
  /** Scopes the gateway's last 403 `insufficient_scope` asked for. */
  stepUpScopes?: string[];
  /** E.g. `id_token_signing_alg_values_supported`; absent means any asymmetric alg. */
  algorithmsSupported?: string[];
  /** RFC 7662 introspection, offered when the authorization server has an endpoint. */
  introspect?: (token: string) => Promise<Record<string, unknown>>;
  /** Epoch milliseconds; default Date.now(). */
  now?: number;
  /** Default 60. */
  clockSkewSeconds?: number;
}

export type Severity = 'error' | 'warning' | 'info' | 'ok';

export interface Diagnostic {
  /** Stable, e.g. `expired`, `aud_mismatch`: UIs and tests key on it. */
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  fix?: string;
  evidence?: Record<string, string | number | boolean | string[]>;
}

export interface TimeInfo {
  epochSeconds: number;
  iso: string;
  /** E.g. "expires in 42 min", "expired 3 min ago", "issued 5 s ago". */
  relative: string;
}

export interface SignatureReport {
  status: 'valid' | 'invalid' | 'not-checked' | 'unsigned';
  reason: string;
  alg?: string;
  kid?: string;
  /** Not checked, but the keys could be fetched from this `iss` if the person allows it. */
  canFetchKeysFrom?: string;
}

export interface ScopeReport {
  granted: string[];
  requested: string[];
  /** Requested but not granted (identity scopes such as `openid` are not expected in tokens). */
  missing: string[];
  /** Asked for by the gateway's last 403 and not granted. */
  stepUpMissing: string[];
}

export interface InspectionReport {
  format: 'jwt' | 'opaque';
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  signature: SignatureReport;
  times: { issuedAt?: TimeInfo; notBefore?: TimeInfo; expiresAt?: TimeInfo };
  scopes: ScopeReport;
  /** Most severe first; a single `ok` entry leads when nothing is wrong. */
  diagnostics: Diagnostic[];
  introspection?: Record<string, unknown>;
}
