import { describeError, isGatekeyError } from '../errors.js';
import type { GatekeyError } from '../errors.js';
import { compareScopes, isNumericDate, scopesOf, timeInfo } from './claims.js';
import type { Claims, TimeClaim } from './claims.js';
import { decodeJwt, MAX_TOKEN_LENGTH } from './decode.js';
import type { DecodedJwt } from './decode.js';
import {
  clockOf,
  diagnoseClaims,
  diagnoseScopes,
  diagnoseTimes,
  finishDiagnostics,
} from './diagnose.js';
import type { Clock } from './diagnose.js';
import type { Diagnostic, InspectionContext, InspectionReport } from './types.js';
import { checkSignature } from './verify.js';

/**
 * Decodes, verifies and explains a token. Never rejects: whatever goes wrong, including a
 * token that is not a JWT or an introspection endpoint that fails, becomes a diagnostic.
 */
export async function inspectToken(
  token: string,
  context: InspectionContext,
): Promise<InspectionReport> {
  const clock = clockOf(context);
  let decoded: DecodedJwt;
  try {
    decoded = decodeJwt(token);
  } catch (error) {
    if (!isGatekeyError(error, 'not_a_jwt')) throw error;
    return inspectOpaque(token, error, context, clock);
  }
  const { signature, diagnostics: signatureDiagnostics } = await checkSignature(
    token,
    decoded,
    context,
  );
  const times = timesOf(decoded.payload, clock);
  const scopes = compareScopes(scopesOf(decoded.payload), context);
  const diagnostics = [
    ...signatureDiagnostics,
    ...diagnoseClaims(decoded.header, decoded.payload, context, clock),
    ...diagnoseScopes(scopes, context.tokenKind),
  ];
  return {
    format: 'jwt',
    header: decoded.header,
    claims: decoded.payload,
    signature,
    times,
    scopes,
    diagnostics: finishDiagnostics(diagnostics, { signature, times }),
  };
}

function timesOf(claims: Claims, clock: Clock): InspectionReport['times'] {
  const time = (claim: TimeClaim) => {
    const value = claims[claim];
    return isNumericDate(value) ? timeInfo(claim, value, clock.nowSeconds) : undefined;
  };
  return { issuedAt: time('iat'), notBefore: time('nbf'), expiresAt: time('exp') };
}

/** Not a JWT: say why, and ask the authorization server about it when it offers introspection. */
async function inspectOpaque(
  token: string,
  reason: GatekeyError,
  context: InspectionContext,
  clock: Clock,
): Promise<InspectionReport> {
  const signature = {
    status: 'not-checked' as const,
    reason: 'Not a JWT, so there is no signature to check.',
  };
  const notJwt = notAJwtDiagnostic(token, reason, context.introspect !== undefined);
  // Nothing is known about the scopes of a token nobody could read: none are reported missing.
  const unknownScopes = {
    granted: [],
    requested: context.requestedScopes ?? [],
    missing: [],
    stepUpMissing: [],
  };
  const opaque = { format: 'opaque' as const, signature, times: {}, scopes: unknownScopes };
  if (!context.introspect) return { ...opaque, diagnostics: [notJwt] };

  let introspection: Record<string, unknown>;
  try {
    introspection = await context.introspect(token);
  } catch (error) {
    return { ...opaque, diagnostics: [introspectionFailed(error), notJwt] };
  }
  if (introspection.active !== true) {
    return { ...opaque, introspection, diagnostics: [inactiveToken(), notJwt] };
  }
  const times = timesOf(introspection, clock);
  const scopes = compareScopes(scopesOf(introspection), context);
  const diagnostics = [
    notJwt,
    activeToken(introspection),
    ...diagnoseTimes(introspection, clock),
    ...diagnoseScopes(scopes, context.tokenKind),
  ];
  return {
    ...opaque,
    times,
    scopes,
    introspection,
    diagnostics: finishDiagnostics(diagnostics, { signature, times }),
  };
}

function notAJwtDiagnostic(token: string, reason: GatekeyError, introspected: boolean): Diagnostic {
  const opaque =
    typeof token === 'string' &&
    token.length > 0 &&
    token.length <= MAX_TOKEN_LENGTH &&
    !token.includes('.');
  if (!opaque) {
    // An encrypted JWT (five segments) is sound, only unreadable here; anything else with dots
    // was meant to be a JWT and is broken, so no gateway will take it.
    const encrypted = token.split('.').length === 5;
    return {
      id: 'not_a_jwt',
      severity: encrypted ? 'warning' : 'error',
      title: 'Not a readable JWT',
      detail: reason.message,
      fix: reason.hint,
    };
  }
  return {
    id: 'opaque_token',
    severity: 'warning',
    title: 'Opaque token: not a JWT',
    detail: `This token is opaque, not a JWT: only the authorization server that issued it can read it${introspected ? ', so Gatekey asked it (introspection)' : ''}. A gateway that validates JWTs itself refuses it.`,
    fix: 'If the gateway expects a JWT: on Auth0, set `audience` to the API identifier (without it, Auth0 issues opaque access tokens); elsewhere, ask for the gateway as `resource`.',
  };
}

function introspectionFailed(error: unknown): Diagnostic {
  const problem = describeError(error);
  return {
    id: 'introspection_failed',
    severity: 'warning',
    title: 'Introspection failed',
    detail: `The authorization server's introspection endpoint could not tell whether the token is active: ${problem}`,
    fix: 'Check that this client may call the introspection endpoint, and that the authorization server is reachable.',
    evidence: { problem },
  };
}

function inactiveToken(): Diagnostic {
  return {
    id: 'token_inactive',
    severity: 'error',
    title: 'Token is not active',
    detail:
      'The authorization server says this token is not active: it has expired, was revoked, or was not issued by this server.',
    fix: 'Get a fresh token: refresh it, or sign in again (`gatekey login <name>`).',
    evidence: { active: false },
  };
}

const INTROSPECTION_EVIDENCE = ['client_id', 'scope', 'exp', 'aud', 'sub', 'token_type'] as const;

function activeToken(introspection: Record<string, unknown>): Diagnostic {
  const evidence: NonNullable<Diagnostic['evidence']> = { active: true };
  for (const field of INTROSPECTION_EVIDENCE) {
    const value = introspection[field];
    if (typeof value === 'string' || typeof value === 'number') evidence[field] = value;
  }
  return {
    id: 'introspection_active',
    severity: 'info',
    title: 'Token is active (introspection)',
    detail:
      'The authorization server says this token is active; its scope and expiry below come from introspection.',
    evidence,
  };
}
