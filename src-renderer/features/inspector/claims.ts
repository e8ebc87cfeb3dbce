import type { Diagnostic } from '../../api/types.js';
import { formatDateTime } from '../../common/time.js';

/** Claims that hold NumericDate values (seconds since the epoch). */
const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at']);

/** What well-known claims mean, for a person debugging a 401. */
const CLAIM_MEANINGS: Readonly<Record<string, string>> = {
  iss: 'issuer',
  sub: 'subject',
  aud: 'audience',
  exp: 'expires',
  iat: 'issued at',
  nbf: 'not before',
  jti: 'token ID',
  azp: 'authorized party',
  client_id: 'client',
  cid: 'client (Okta)',
  scope: 'scopes',
  scp: 'scopes',
  roles: 'roles',
  groups: 'groups',
  token_use: 'token use (Cognito)',
  auth_time: 'signed in at',
  tid: 'tenant (Entra)',
  oid: 'object ID (Entra)',
  ver: 'token version',
  nonce: 'nonce',
  email: 'email',
  name: 'name',
  preferred_username: 'user name',
};

export interface ClaimRow {
  name: string;
  meaning?: string;
  /** The value as text: a string as is, anything else as JSON. */
  value: string;
  /** For time claims: epoch ms, so that the UI can show it relative to now. */
  epochMs?: number;
}

function claimText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ');
}

/** The claims a 401 usually turns on come first; the rest keep the token's order. */
const LEADING_CLAIMS = [
  'iss',
  'sub',
  'aud',
  'azp',
  'client_id',
  'cid',
  'scope',
  'scp',
  'exp',
  'nbf',
  'iat',
];

const leadingRank = (name: string) => {
  const rank = LEADING_CLAIMS.indexOf(name);
  return rank === -1 ? LEADING_CLAIMS.length : rank;
};

export function claimRows(claims: Readonly<Record<string, unknown>>): ClaimRow[] {
  const ordered = Object.entries(claims).sort(([a], [b]) => leadingRank(a) - leadingRank(b));
  return ordered.map(([name, value]) => {
    const row: ClaimRow = { name, meaning: CLAIM_MEANINGS[name], value: claimText(value) };
    if (TIME_CLAIMS.has(name) && typeof value === 'number') {
      return { ...row, epochMs: value * 1_000, value: formatDateTime(value * 1_000) };
    }
    return row;
  });
}

const SEVERITY_ORDER: Record<Diagnostic['severity'], number> = {
  error: 0,
  warning: 1,
  info: 2,
  ok: 3,
};

/** Errors first: they are why the gateway said 401. */
export function byUrgency(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

export type ScopeMark = 'granted' | 'missing' | 'step-up';

/** Every scope worth showing, once, with what it means for this token. */
export function scopeMarks(scopes: {
  granted: readonly string[];
  missing: readonly string[];
  stepUpMissing: readonly string[];
}): { scope: string; mark: ScopeMark }[] {
  const marks = new Map<string, ScopeMark>();
  for (const scope of scopes.granted) marks.set(scope, 'granted');
  for (const scope of scopes.missing) marks.set(scope, 'missing');
  for (const scope of scopes.stepUpMissing) marks.set(scope, 'step-up');
  return [...marks].map(([scope, mark]) => ({ scope, mark }));
}

/** A diagnostic's evidence as `key: value` lines. */
export function evidenceLines(evidence: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(evidence).map(
    ([key, value]) => `${key}: ${Array.isArray(value) ? value.join(' ') : String(value)}`,
  );
}
