// jose by its subpaths: the whole package is 47 modules, and start-up loads what is imported.
import * as errors from 'jose/errors';
import { createLocalJWKSet } from 'jose/jwks/local';
import { createRemoteJWKSet } from 'jose/jwks/remote';
import { compactVerify } from 'jose/jws/compact/verify';
import { printable } from '../printable.js';
import { fetchIssuerKeys, keyFetchRefusal } from './issuer-keys.js';
import type { IssuerKeysFailure } from './issuer-keys.js';
import type { Diagnostic, InspectionContext, SignatureReport } from './types.js';

type RemoteJwks = ReturnType<typeof createRemoteJWKSet>;
type KeySet = RemoteJwks | ReturnType<typeof createLocalJWKSet>;

export interface SignatureCheck {
  signature: SignatureReport;
  diagnostics: Diagnostic[];
}

const JWKS_TIMEOUT_MS = 5000;

/** One key set per URI, shared by every inspection, so keys are fetched once and then cached. */
const jwksByUri = new Map<string, RemoteJwks>();

/**
 * Inspections are on demand, and a stale key set after a rotation is exactly the 401 being
 * debugged, so an unknown kid always triggers one refetch (no cooldown between refetches).
 */
function remoteJwks(uri: string): RemoteJwks {
  let jwks = jwksByUri.get(uri);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(uri), {
      cooldownDuration: 0,
      timeoutDuration: JWKS_TIMEOUT_MS,
    });
    jwksByUri.set(uri, jwks);
  }
  return jwks;
}

interface Outcome {
  status: SignatureReport['status'];
  reason: string;
  diagnostic?: Diagnostic;
  canFetchKeysFrom?: string;
}

/** Checks the signature only; claims are diagnosed separately so that every problem is reported. */
export async function checkSignature(
  token: string,
  decoded: { header: Record<string, unknown>; payload: Record<string, unknown> },
  context: InspectionContext,
): Promise<SignatureCheck> {
  const alg = String(decoded.header.alg);
  const kid = typeof decoded.header.kid === 'string' ? decoded.header.kid : undefined;
  const keyEvidence = { alg, ...(kid === undefined ? {} : { kid }) };
  const iss = typeof decoded.payload.iss === 'string' ? decoded.payload.iss : undefined;
  const { status, reason, diagnostic, canFetchKeysFrom } = await signatureOutcome(
    token,
    alg,
    iss,
    context,
  );
  return {
    signature: { status, reason, ...keyEvidence, ...(canFetchKeysFrom && { canFetchKeysFrom }) },
    diagnostics: diagnostic
      ? [{ ...diagnostic, evidence: { ...keyEvidence, ...diagnostic.evidence } }]
      : [],
  };
}

async function signatureOutcome(
  token: string,
  alg: string,
  iss: string | undefined,
  context: InspectionContext,
): Promise<Outcome> {
  if (alg.toLowerCase() === 'none') {
    return {
      status: 'unsigned',
      reason: 'alg is "none": the token carries no signature.',
      diagnostic: {
        id: 'alg_none',
        severity: 'error',
        title: 'Unsigned token (alg "none")',
        detail:
          'The header says alg "none": anyone could have written this token, and no gateway may accept it.',
        fix: 'Configure the issuer to sign its tokens (RS256 or ES256).',
      },
    };
  }
  const advertised = context.algorithmsSupported;
  if (advertised && !advertised.includes(alg)) {
    const allowed = advertised.join(', ');
    return {
      status: 'invalid',
      reason: `alg ${alg} is not one the issuer advertises (${allowed}).`,
      diagnostic: {
        id: 'alg_not_advertised',
        severity: 'error',
        title: `Algorithm ${alg} is not advertised by the issuer`,
        detail: `The token is signed with ${alg}, but the issuer advertises only ${allowed}; a gateway that keeps to that list refuses it.`,
        fix: alg.startsWith('HS')
          ? `${alg} uses a shared secret, which a gateway cannot check with the issuer's public keys: configure the issuer to sign with ${allowed}.`
          : `Configure the issuer to sign with ${allowed}, or check that this token comes from this issuer.`,
        evidence: { advertised },
      },
    };
  }
  if (context.jwksUri) return verifyAgainstJwks(token, context.jwksUri, advertised);
  if (context.fetchIssuerKeys && iss !== undefined) {
    return verifyWithIssuerKeys(token, iss, advertised);
  }
  return notChecked(iss, context.issuer);
}

const UNVERIFIED = 'Nothing here shows who wrote it: treat its claims as unconfirmed.';

/** No keys to check with: say why, and how to get them. */
function notChecked(iss: string | undefined, knownIssuer: string | undefined): Outcome {
  const outcome = (reason: string, fix: string, canFetchKeysFrom?: string): Outcome => ({
    status: 'not-checked',
    reason,
    canFetchKeysFrom,
    diagnostic: {
      id: 'signature_not_checked',
      severity: 'warning',
      title: 'Signature not verified',
      detail: `${reason} ${UNVERIFIED}`,
      fix,
    },
  });
  if (knownIssuer !== undefined) {
    return outcome(
      `Discovery of ${printable(knownIssuer)} gave no "jwks_uri", so the signature was not verified.`,
      'The identity provider publishes no signing keys in its metadata; only the gateway can check this token.',
    );
  }
  if (iss === undefined) {
    return outcome(
      'The token names no issuer ("iss") and no gateway was given, so the signature was not verified.',
      'Inspect it against the gateway it is for: gatekey inspect NAME --token -',
    );
  }
  const issuer = printable(iss);
  const reason = `No configured gateway has the issuer "${issuer}", so the signature was not verified.`;
  const refusal = keyFetchRefusal(iss);
  if (refusal !== undefined) {
    return outcome(
      reason,
      `Its keys cannot be fetched from the token's iss (${refusal}). Add the gateway it is for (gatekey add NAME --url URL --issuer ISSUER) and inspect it against that gateway.`,
    );
  }
  return outcome(
    reason,
    `To verify it with the keys ${issuer} publishes, allow Gatekey to fetch them: gatekey inspect --fetch-keys --token - (the token on stdin), or "Fetch signing keys" in the window.`,
    iss,
  );
}

const KEY_STEPS: Record<IssuerKeysFailure['step'], string> = {
  issuer: "the token's iss",
  metadata: 'discovery (OpenID / RFC 8414 metadata)',
  jwks: 'the key set (jwks_uri)',
};

/** On the person's consent: the keys published by the token's own issuer. */
async function verifyWithIssuerKeys(
  token: string,
  iss: string,
  algorithms: string[] | undefined,
): Promise<Outcome> {
  const keys = await fetchIssuerKeys(iss);
  if ('problem' in keys) return issuerKeysFailure(iss, keys);
  const source = `${keys.jwksUri} (found through ${keys.metadataUrl}, fetched from the token's own issuer on request)`;
  try {
    await verifyWithKeySet(token, createLocalJWKSet(keys.keySet), algorithms);
    return { status: 'valid', reason: `Verified with a key from ${printable(source)}.` };
  } catch (error) {
    return verificationFailure(error, printable(keys.jwksUri), "fetched from the token's issuer");
  }
}

function issuerKeysFailure(iss: string, failure: IssuerKeysFailure): Outcome {
  const issuer = printable(iss);
  const detail = `Gatekey asked ${issuer} for its signing keys and stopped at ${KEY_STEPS[failure.step]}: ${failure.problem}.`;
  const evidence = { step: failure.step, iss: issuer };
  if (failure.refused) {
    return {
      status: 'not-checked',
      reason: `The keys of ${issuer} were refused, so the signature was not verified.`,
      diagnostic: {
        id: 'issuer_keys_refused',
        severity: 'error',
        title: "The token's issuer does not vouch for it",
        detail: `${detail} ${UNVERIFIED}`,
        fix: 'Do not trust this token: its iss does not lead to keys that belong to that issuer. Get a token from the identity provider the gateway trusts.',
        evidence,
      },
    };
  }
  return {
    status: 'not-checked',
    reason: `The keys of ${issuer} could not be fetched, so the signature was not verified.`,
    diagnostic: {
      id: 'issuer_keys_unavailable',
      severity: 'warning',
      title: "The issuer's signing keys could not be fetched",
      detail: `${detail} ${UNVERIFIED}`,
      fix: `Check that ${issuer} is reachable from this machine and publishes its metadata (with a "jwks_uri") at ${issuer.replace(/\/$/, '')}/.well-known/openid-configuration or the RFC 8414 location.`,
      evidence,
    },
  };
}

async function verifyAgainstJwks(
  token: string,
  jwksUri: string,
  algorithms: string[] | undefined,
): Promise<Outcome> {
  try {
    await verifyWithKeySet(token, remoteJwks(jwksUri), algorithms);
    return { status: 'valid', reason: `Verified with a key from ${jwksUri}.` };
  } catch (error) {
    return verificationFailure(error, jwksUri, 'even after fetching the key set again');
  }
}

function verificationFailure(error: unknown, jwksUri: string, lookedUp: string): Outcome {
  const evidence = { jwksUri };
  if (error instanceof errors.JWKSNoMatchingKey) {
    return {
      status: 'invalid',
      reason: `No key in ${jwksUri} matches the token's kid and alg.`,
      diagnostic: {
        id: 'kid_not_in_jwks',
        severity: 'error',
        title: "Signing key not in the issuer's JWKS",
        detail: `No key at ${jwksUri} matches the token's kid and alg, ${lookedUp}.`,
        fix: 'The token was signed by another issuer, or by a key the issuer has retired: check the issuer, then sign in again for a fresh token.',
        evidence,
      },
    };
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return {
      status: 'invalid',
      reason: `The signature does not verify with the key from ${jwksUri}.`,
      diagnostic: {
        id: 'signature_invalid',
        severity: 'error',
        title: 'Signature does not verify',
        detail: `The key at ${jwksUri} that matches the token's kid does not verify its signature: the token was altered, or another issuer signed it with the same kid.`,
        fix: 'Sign in again for a fresh token; if this persists, the token does not come from the configured issuer.',
        evidence,
      },
    };
  }
  const fetchProblem = jwksFetchProblem(error);
  if (fetchProblem !== undefined) {
    return {
      status: 'not-checked',
      reason: `The JWKS at ${jwksUri} could not be fetched (${fetchProblem}).`,
      diagnostic: {
        id: 'jwks_unreachable',
        severity: 'warning',
        title: "Issuer's JWKS unreachable",
        detail: `Fetching the key set at ${jwksUri} failed (${fetchProblem}), so the signature was not checked.`,
        fix: `Check that ${jwksUri} answers with a JSON Web Key Set from this machine (proxy, VPN, firewall).`,
        evidence: { ...evidence, problem: fetchProblem },
      },
    };
  }
  const problem = error instanceof Error ? error.message : String(error);
  return {
    status: 'invalid',
    reason: `The signature could not be verified: ${problem}.`,
    diagnostic: {
      id: 'signature_invalid',
      severity: 'error',
      title: 'Signature cannot be verified',
      detail: `The token was refused before its signature could be checked: ${problem}.`,
      fix: 'Check that the token comes from the configured issuer and is copied whole.',
      evidence: { ...evidence, problem },
    },
  };
}

/** A key set without kids can offer several candidate keys: jose leaves trying them to us. */
async function verifyWithKeySet(token: string, jwks: KeySet, algorithms?: string[]) {
  try {
    await compactVerify(token, jwks, { algorithms });
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        await compactVerify(token, key, { algorithms });
        return;
      } catch (candidateError) {
        if (!(candidateError instanceof errors.JWSSignatureVerificationFailed))
          throw candidateError;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/** Why fetching the key set failed, or undefined when the failure was something else. */
function jwksFetchProblem(error: unknown): string | undefined {
  if (error instanceof errors.JWKSTimeout) return `no answer within ${JWKS_TIMEOUT_MS / 1000} s`;
  if (error instanceof errors.JWKSInvalid) return 'the answer is not a JSON Web Key Set';
  // jose throws its generic error for a non-200 answer or a body that is not JSON.
  if (error instanceof errors.JOSEError && error.code === errors.JOSEError.code)
    return error.message;
  // fetch() and new URL() throw TypeErrors: a refused connection, an unknown host, a bad URL.
  if (error instanceof TypeError) return withErrorCode(error);
  return undefined;
}

function withErrorCode(error: TypeError): string {
  const cause = error.cause;
  const code = cause instanceof Error && 'code' in cause ? cause.code : undefined;
  return typeof code === 'string' ? `${error.message}: ${code}` : error.message;
}
