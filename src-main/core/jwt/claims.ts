import type { InspectionContext, ScopeReport, TimeInfo } from './types.js';
import { describeDuration } from '../time.js';

export type Claims = Record<string, unknown>;

/** Where IdPs name the client an access token was issued to, in the order they are trusted. */
export const CLIENT_CLAIMS = ['client_id', 'cid', 'azp'] as const;
export type ClientClaim = (typeof CLIENT_CLAIMS)[number];

/** Identity scopes govern the ID token and userinfo; many IdPs leave them out of access tokens. */
const IDENTITY_SCOPES = new Set([
  'openid',
  'profile',
  'email',
  'address',
  'phone',
  'offline_access',
]);

/** The largest epoch Date can represent, in seconds. */
const MAX_EPOCH_SECONDS = 8.64e12;

export function stringClaim(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' ? value : undefined;
}

/** `aud` as a list: RFC 7519 allows a single string or an array. */
export function audienceOf(claims: Claims): string[] {
  const aud = claims.aud;
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((value) => typeof value === 'string') : [];
}

/** `scope` (space-separated, RFC 9068 / Cognito / Auth0) or `scp` (array: Okta; string: Entra). */
export function scopesOf(claims: Claims): string[] {
  const value = claims.scope ?? claims.scp;
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return Array.isArray(value) ? value.filter((scope) => typeof scope === 'string') : [];
}

export function hasScopeClaim(claims: Claims): boolean {
  return 'scope' in claims || 'scp' in claims;
}

export function clientClaimOf(claims: Claims): { claim: ClientClaim; value: string } | undefined {
  for (const claim of CLIENT_CLAIMS) {
    const value = stringClaim(claims, claim);
    if (value !== undefined) return { claim, value };
  }
  return undefined;
}

export function compareScopes(granted: string[], context: InspectionContext): ScopeReport {
  const requested = context.requestedScopes ?? [];
  const missing = requested.filter(
    (scope) => !granted.includes(scope) && !IDENTITY_SCOPES.has(scope),
  );
  const stepUpMissing = (context.stepUpScopes ?? []).filter((scope) => !granted.includes(scope));
  return { granted, requested, missing, stepUpMissing };
}

/** A NumericDate (RFC 7519: seconds since 1970) that a Date can hold. */
export function isNumericDate(value: unknown): value is number {
  return (
    typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_EPOCH_SECONDS
  );
}

export type TimeClaim = 'iat' | 'nbf' | 'exp';

const RELATIVE_PHRASES: Record<TimeClaim, { past: string; future: string }> = {
  exp: { past: 'expired {} ago', future: 'expires in {}' },
  nbf: { past: 'valid since {} ago', future: 'valid in {}' },
  iat: { past: 'issued {} ago', future: 'issued {} in the future' },
};

export function timeInfo(claim: TimeClaim, epochSeconds: number, nowSeconds: number): TimeInfo {
  const offset = epochSeconds - nowSeconds;
  const phrase = RELATIVE_PHRASES[claim][offset > 0 ? 'future' : 'past'];
  return {
    epochSeconds,
    iso: new Date(epochSeconds * 1000).toISOString(),
    relative: phrase.replace('{}', describeDuration(Math.abs(offset))),
  };
}

/** Issuers and resources are compared exactly by gateways; a lone trailing slash is the usual slip. */
export function compareIdentifiers(
  actual: string,
  expected: string,
): 'same' | 'trailing-slash' | 'different' {
  if (actual === expected) return 'same';
  return actual.replace(/\/+$/, '') === expected.replace(/\/+$/, '')
    ? 'trailing-slash'
    : 'different';
}
