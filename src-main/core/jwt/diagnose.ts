import {
  audienceOf,
  clientClaimOf,
  compareIdentifiers,
  hasScopeClaim,
  isNumericDate,
  stringClaim,
  timeInfo,
} from './claims.js';
import type { Claims, TimeClaim } from './claims.js';
import type {
  Diagnostic,
  InspectionContext,
  InspectionReport,
  ScopeReport,
  Severity,
} from './types.js';
import { printable } from '../printable.js';
import { describeDuration } from '../time.js';

export interface Clock {
  nowSeconds: number;
  skewSeconds: number;
}

export function clockOf(context: InspectionContext): Clock {
  return {
    nowSeconds: (context.now ?? Date.now()) / 1000,
    skewSeconds: context.clockSkewSeconds ?? 60,
  };
}

/** Every claim-level problem of a decoded JWT, in no particular order. */
export function diagnoseClaims(
  header: Claims,
  claims: Claims,
  context: InspectionContext,
  clock: Clock,
): Diagnostic[] {
  return [
    ...diagnoseTokenKind(header, claims, context),
    ...diagnoseMissingExpiry(claims),
    ...diagnoseTimes(claims, clock),
    ...diagnoseIssuer(claims, context.issuer),
    ...(context.tokenKind === 'access_token'
      ? [
          ...diagnoseAccessAudience(claims, context.expectedAudience, context.requestedAudience),
          ...diagnoseClient(claims, context.clientId),
        ]
      : diagnoseIdTokenAudience(claims, context.clientId)),
  ];
}

type TokenKind = InspectionContext['tokenKind'];

/** What the claims say this token is, with the reasons; undefined when they do not say. */
function kindOf(
  header: Claims,
  claims: Claims,
  clientId?: string,
): { kind: TokenKind; signals: string[] } | undefined {
  const tokenUse = stringClaim(claims, 'token_use');
  if (tokenUse === 'id' || tokenUse === 'access') {
    return {
      kind: tokenUse === 'id' ? 'id_token' : 'access_token',
      signals: [`token_use is "${tokenUse}"`],
    };
  }
  const idSignals = [
    ...('nonce' in claims ? ['it carries a nonce'] : []),
    ...('at_hash' in claims ? ['it carries at_hash'] : []),
  ];
  if (idSignals.length > 0) return { kind: 'id_token', signals: idSignals };
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
  const accessSignals = [
    ...(typ === 'at+jwt' || typ === 'application/at+jwt'
      ? [`typ is "${String(header.typ)}" (RFC 9068)`]
      : []),
    ...(hasScopeClaim(claims) ? ['it carries scopes'] : []),
  ];
  if (accessSignals.length > 0) return { kind: 'access_token', signals: accessSignals };
  if (clientId !== undefined && audienceOf(claims).includes(clientId)) {
    return { kind: 'id_token', signals: [`its aud is the client ID "${clientId}"`] };
  }
  return undefined;
}

function diagnoseTokenKind(
  header: Claims,
  claims: Claims,
  context: InspectionContext,
): Diagnostic[] {
  const found = kindOf(header, claims, context.clientId);
  if (!found || found.kind === context.tokenKind) return [];
  const evidence = { expected: context.tokenKind, signals: found.signals };
  if (found.kind === 'id_token') {
    return [
      {
        id: 'id_token_as_access_token',
        severity: 'error',
        title: 'This is an ID token, not an access token',
        detail: `An access token was expected, but ${found.signals.join(' and ')}. An ID token tells the client who signed in; gateways expect an access token.`,
        fix: 'Send the access token (`tokenToSend: access_token`, `gatekey add --send access_token`); only a gateway built to accept ID tokens wants `--send id_token`.',
        evidence,
      },
    ];
  }
  return [
    {
      id: 'access_token_as_id_token',
      severity: 'error',
      title: 'This is an access token, not an ID token',
      detail: `An ID token was expected, but ${found.signals.join(' and ')}.`,
      fix: 'If the gateway accepts access tokens, send the access token (`--send access_token`); otherwise request the `openid` scope so the IdP issues an ID token.',
      evidence,
    },
  ];
}

/** exp, nbf and iat, from a JWT or from an introspection response. */
export function diagnoseTimes(claims: Claims, clock: Clock): Diagnostic[] {
  const invalid = (['exp', 'nbf', 'iat'] as const)
    .filter((claim) => claim in claims && !isNumericDate(claims[claim]))
    .map((claim) => invalidTimeClaim(claim, claims[claim]));
  return [
    ...invalid,
    ...diagnoseExpiry(claims.exp, clock),
    ...futureTimeProblem('nbf', claims.nbf, clock),
    ...futureTimeProblem('iat', claims.iat, clock),
  ];
}

function invalidTimeClaim(claim: TimeClaim, value: unknown): Diagnostic {
  return {
    id: 'invalid_time_claim',
    severity: 'error',
    title: `"${claim}" is not a date`,
    detail: `"${claim}" must be a NumericDate (seconds since 1970, RFC 7519), but it is ${JSON.stringify(value)}; gateways refuse the token.`,
    fix: 'The issuer writes malformed tokens: fix its token customisation.',
    evidence: { claim, value: JSON.stringify(value) },
  };
}

/** Only for JWTs: an introspection response may leave out "exp" without meaning anything by it. */
function diagnoseMissingExpiry(claims: Claims): Diagnostic[] {
  if ('exp' in claims) return [];
  return [
    {
      id: 'no_expiry',
      severity: 'warning',
      title: 'Token never expires',
      detail: 'The token has no "exp": many gateways refuse tokens without an expiry.',
      fix: 'Configure the issuer to set a token lifetime.',
    },
  ];
}

function diagnoseExpiry(exp: unknown, clock: Clock): Diagnostic[] {
  if (!isNumericDate(exp) || exp > clock.nowSeconds) return [];
  const expiry = timeInfo('exp', exp, clock.nowSeconds);
  const evidence = {
    exp,
    expiredAt: expiry.iso,
    secondsAgo: Math.floor(clock.nowSeconds - exp),
    clockSkewSeconds: clock.skewSeconds,
  };
  if (exp + clock.skewSeconds > clock.nowSeconds) {
    return [
      {
        id: 'expired_within_skew',
        severity: 'warning',
        title: 'Token just expired',
        detail: `The token expired at ${expiry.iso} (${describeDuration(clock.nowSeconds - exp)} ago), within the ${clock.skewSeconds} s clock-skew allowance; gateways with less allowance already refuse it.`,
        fix: 'Get a fresh token (refresh or sign in again); Gatekey refreshes before expiry when it owns the token.',
        evidence,
      },
    ];
  }
  return [
    {
      id: 'expired',
      severity: 'error',
      title: 'Token expired',
      detail: `The token expired at ${expiry.iso}, ${describeDuration(clock.nowSeconds - exp)} ago.`,
      fix: 'Get a fresh token: refresh it, or sign in again (`gatekey login <name>`).',
      evidence,
    },
  ];
}

const FUTURE_TIME_TEXT = {
  nbf: { id: 'not_yet_valid', title: 'Token not yet valid', what: 'The token is not valid before' },
  iat: {
    id: 'issued_in_future',
    title: 'Token issued in the future',
    what: 'The token says it was issued at',
  },
} as const;

/** nbf or iat later than now plus the allowance: the clocks of this machine and the issuer disagree. */
function futureTimeProblem(claim: 'nbf' | 'iat', value: unknown, clock: Clock): Diagnostic[] {
  if (!isNumericDate(value) || value <= clock.nowSeconds + clock.skewSeconds) return [];
  const ahead = Math.ceil(value - clock.nowSeconds);
  const text = FUTURE_TIME_TEXT[claim];
  return [
    {
      id: text.id,
      severity: 'error',
      title: text.title,
      detail: `${text.what} ${timeInfo(claim, value, clock.nowSeconds).iso}, ${describeDuration(ahead)} from now: the clocks of this machine and the issuer are ${ahead} s apart, more than the ${clock.skewSeconds} s allowance.`,
      fix: `Synchronise this machine's clock (e.g. \`timedatectl set-ntp true\`), or wait ${describeDuration(ahead)}.`,
      evidence: { [claim]: value, secondsAhead: ahead, clockSkewSeconds: clock.skewSeconds },
    },
  ];
}

function diagnoseIssuer(claims: Claims, issuer: string | undefined): Diagnostic[] {
  if (issuer === undefined) return [];
  const iss = stringClaim(claims, 'iss');
  if (iss === undefined) {
    return [
      {
        id: 'no_issuer',
        severity: 'warning',
        title: 'Token names no issuer',
        detail: `The token has no "iss"; a gateway that checks for ${issuer} refuses it.`,
        fix: 'Check that this token comes from the configured identity provider.',
        evidence: { expected: issuer },
      },
    ];
  }
  const comparison = compareIdentifiers(iss, issuer);
  if (comparison === 'same') return [];
  const evidence = { iss, expected: issuer };
  if (comparison === 'trailing-slash') {
    return [
      {
        id: 'issuer_trailing_slash',
        severity: 'warning',
        title: 'Issuer differs by a trailing slash',
        detail: `The token's iss is "${iss}" and the configured issuer is "${issuer}". Gateways compare issuers exactly, so this one slash makes a 401 (Auth0's issuer ends with "/").`,
        fix: `Configure the issuer exactly as the token has it: "${iss}", in Gatekey and in the gateway.`,
        evidence,
      },
    ];
  }
  return [
    {
      id: 'issuer_mismatch',
      severity: 'error',
      title: 'Issuer mismatch',
      detail: `The token was issued by "${iss}", but the configured issuer is "${issuer}".`,
      fix: 'Sign in with the identity provider the gateway trusts, or correct the issuer in the gateway definition.',
      evidence,
    },
  ];
}

/** Cognito marks its tokens with `token_use`, and its issuers are the user pools' URLs. */
function looksLikeCognito(claims: Claims): boolean {
  const iss = stringClaim(claims, 'iss') ?? '';
  return 'token_use' in claims || /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\//.test(iss);
}

type RequestedAudience = InspectionContext['requestedAudience'];

function diagnoseAccessAudience(
  claims: Claims,
  expected: string | undefined,
  requested: RequestedAudience,
): Diagnostic[] {
  const audiences = audienceOf(claims);
  if (audiences.length === 0) return missingAudience(claims, expected, requested);
  if (expected === undefined) return [];
  const found = quoted(audiences);
  if (requested?.parameter === 'resource') {
    return audienceProblem(audiences, expected, resourceIgnored(requested.value, found));
  }
  const issued = requested
    ? `Gatekey asked for audience "${requested.value}", but the token is for ${found}`
    : `The token is for ${found}`;
  return audienceProblem(audiences, expected, {
    id: 'aud_mismatch',
    severity: 'error',
    title: "Audience is not the gateway's",
    detail: `${issued}, and the gateway expects "${expected}".`,
    fix: requested
      ? `The IdP did not issue the token for "${requested.value}": check at the IdP that "${requested.value}" is the identifier of an API this client may use (Auth0: the API's identifier, and the application authorised for it).`
      : sendResourceFix(expected),
  });
}

/** Only when Gatekey sent neither `resource` nor `audience`. */
const sendResourceFix = (expected: string) =>
  `Ask for the gateway as audience: gatekey edit NAME --resource "${expected}" (RFC 8707), or --audience on Auth0; on Okta, use an authorization server whose audience is "${expected}".`;

/** Gatekey sent `resource` and the token is not for it: the IdP ignores RFC 8707, or this resource. */
function resourceIgnored(resource: string, found: string | undefined): Mismatch {
  const issued = found === undefined ? 'the token has no "aud"' : `the IdP issued it for ${found}`;
  const accepts =
    found === undefined
      ? 'If the gateway does not check the audience, nothing is wrong.'
      : `If the gateway accepts ${found} as audience, nothing is wrong.`;
  return {
    id: 'resource_ignored',
    severity: 'warning',
    title: 'The IdP ignored the resource indicator',
    detail: `Gatekey asked for this token with resource "${resource}" (RFC 8707), but ${issued}: the IdP ignores the resource parameter, or does not know this resource. A gateway that requires "${resource}" as audience refuses the token.`,
    fix: `${accepts} Otherwise the change is at the IdP, not in Gatekey (which already sends the resource): configure an API or audience "${resource}" for this client there, or let the gateway accept the audience the IdP issues.`,
  };
}

function missingAudience(
  claims: Claims,
  expected: string | undefined,
  requested: RequestedAudience,
): Diagnostic[] {
  const severity: Severity = expected === undefined ? 'info' : 'error';
  const evidence = expected === undefined ? undefined : { expected };
  if (looksLikeCognito(claims)) {
    return [
      {
        id: 'no_audience',
        severity,
        title: 'No "aud": Cognito names the client instead',
        detail: `Cognito access tokens carry no "aud"; they carry the client in \`client_id\`${clientSuffix(claims)}, so the gateway must check allowedClients, not allowedAudience.`,
        fix: 'Configure the gateway to check the client (allowedClients / client_id), not the audience.',
        evidence,
      },
    ];
  }
  if (requested?.parameter === 'resource') {
    return [
      { ...resourceIgnored(requested.value, undefined), evidence: { sent: requested.value } },
    ];
  }
  if (expected === undefined) return [];
  return [
    {
      id: 'no_audience',
      severity,
      title: 'Token has no audience',
      detail: `The token has no "aud", but the gateway expects "${expected}", so a gateway that checks the audience refuses it.`,
      fix: requested
        ? `Gatekey asked for audience "${requested.value}" and the IdP issued none: check at the IdP that "${requested.value}" is the identifier of an API this client may use.`
        : sendResourceFix(expected),
      evidence,
    },
  ];
}

/** Audiences come from the token: printable before they go into a sentence. */
function quoted(values: string[]): string {
  return values.map((value) => `"${printable(value)}"`).join(', ');
}

function clientSuffix(claims: Claims): string {
  const client = stringClaim(claims, 'client_id');
  return client === undefined ? '' : ` ("${client}")`;
}

function diagnoseIdTokenAudience(claims: Claims, clientId: string | undefined): Diagnostic[] {
  if (clientId === undefined) return [];
  const audiences = audienceOf(claims);
  return audienceProblem(audiences, clientId, {
    id: 'aud_mismatch',
    severity: 'error',
    title: 'ID token is for another client',
    detail: `An ID token's aud must be the client ID "${clientId}", but it is ${audiences.length ? quoted(audiences) : 'absent'}.`,
    fix: 'The token was issued to another app client: check the client ID in the gateway definition, then sign in again.',
  });
}

type Mismatch = Omit<Diagnostic, 'evidence'>;

function audienceProblem(audiences: string[], expected: string, mismatch: Mismatch): Diagnostic[] {
  const comparisons = audiences.map((aud) => compareIdentifiers(aud, expected));
  if (comparisons.includes('same')) return [];
  const evidence = { aud: audiences, expected };
  if (comparisons.includes('trailing-slash')) {
    return [
      {
        id: 'aud_trailing_slash',
        severity: 'warning',
        title: 'Audience differs by a trailing slash',
        detail: `The token's aud is ${quoted(audiences)} and the expected audience is "${expected}": gateways compare audiences exactly.`,
        fix: 'Use the same spelling of the resource in Gatekey, the identity provider and the gateway.',
        evidence,
      },
    ];
  }
  return [{ ...mismatch, evidence }];
}

const CLIENT_CLAIM_NOTES = {
  cid: { vendor: 'Okta', title: 'Client is in "cid" (Okta)' },
  azp: { vendor: 'Auth0', title: 'Client is in "azp" (Auth0)' },
} as const;

function diagnoseClient(claims: Claims, clientId: string | undefined): Diagnostic[] {
  const client = clientClaimOf(claims);
  if (!client) return [];
  const evidence = { claim: client.claim, client: client.value };
  const diagnostics: Diagnostic[] = [];
  if (clientId !== undefined && client.value !== clientId) {
    diagnostics.push({
      id: 'client_mismatch',
      severity: 'error',
      title: 'Token was issued to another client',
      detail: `The token's ${client.claim} is "${client.value}", but Gatekey's client for this gateway is "${clientId}".`,
      fix: 'Sign out and sign in again, or correct the client ID in the gateway definition.',
      evidence: { ...evidence, expected: clientId },
    });
  }
  if (client.claim !== 'client_id') {
    const note = CLIENT_CLAIM_NOTES[client.claim];
    diagnostics.push({
      id: `client_in_${client.claim}`,
      severity: 'info',
      title: note.title,
      detail: `${note.vendor} names the client in \`${client.claim}\`, not in RFC 9068's \`client_id\`: a gateway that checks \`client_id\` finds none.`,
      fix: `If the gateway restricts clients, configure it to read \`${client.claim}\`.`,
      evidence,
    });
  }
  return diagnostics;
}

/** Scope problems; ID tokens carry no scopes, so they are only diagnosed on access tokens. */
export function diagnoseScopes(scopes: ScopeReport, tokenKind: TokenKind): Diagnostic[] {
  if (tokenKind !== 'access_token') return [];
  const diagnostics: Diagnostic[] = [];
  if (scopes.stepUpMissing.length > 0) {
    diagnostics.push({
      id: 'step_up_scope_missing',
      severity: 'error',
      title: 'Scope the gateway asked for is missing',
      detail: `The gateway's last 403 asked for ${scopes.stepUpMissing.join(' ')}, and the token does not carry ${itOrThem(scopes.stepUpMissing)}.`,
      fix: 'Sign in again (`gatekey login <name>`) so that Gatekey asks for these scopes; if they are still missing, allow them for this client in the identity provider.',
      evidence: { missing: scopes.stepUpMissing, granted: scopes.granted },
    });
  }
  const missing = scopes.missing.filter((scope) => !scopes.stepUpMissing.includes(scope));
  if (missing.length > 0) {
    diagnostics.push({
      id: 'scope_missing',
      severity: 'warning',
      title: 'Fewer scopes granted than requested',
      detail: `Requested ${missing.join(' ')}, but the token does not carry ${itOrThem(missing)}.`,
      fix: 'Allow these scopes for this client in the identity provider (Okta: access policy rule; Cognito: app client custom scopes; Auth0: API permissions for the application).',
      evidence: { missing, requested: scopes.requested, granted: scopes.granted },
    });
  }
  return diagnostics;
}

function itOrThem(items: string[]): string {
  return items.length === 1 ? 'it' : 'them';
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2, ok: 3 };

/**
 * Most severe first; one `ok` diagnostic leads only when nothing is wrong and the signature
 * verified: a token whose signature was not checked is never called good.
 */
export function finishDiagnostics(
  diagnostics: Diagnostic[],
  report: Pick<InspectionReport, 'signature' | 'times'>,
): Diagnostic[] {
  const sorted = [...diagnostics].sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity],
  );
  const troubled = sorted.some(
    (diagnostic) => diagnostic.severity === 'error' || diagnostic.severity === 'warning',
  );
  if (troubled || report.signature.status !== 'valid') return sorted;
  const expiry = report.times.expiresAt ? `; it ${report.times.expiresAt.relative}` : '';
  return [
    {
      id: 'ok',
      severity: 'ok',
      title: 'Token checks out',
      detail: `The signature verifies, and the claims match what the gateway expects${expiry}.`,
    },
    ...sorted,
  ];
}
