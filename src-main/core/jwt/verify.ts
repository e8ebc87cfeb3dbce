// jose by its subpaths: the whole package is 47 modules, and start-up loads what is imported.
import * as errors from 'jose/errors';
import { createRemoteJWKSet } from 'jose/jwks/remote';
import { compactVerify } from 'jose/jws/compact/verify';
import type { Diagnostic, InspectionContext, SignatureReport } from './types.js';

type RemoteJwks = ReturnType<typeof createRemoteJWKSet>;

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
}

/** Checks the signature only; claims are diagnosed separately so that every problem is reported. */
export async function checkSignature(
  token: string,
  header: Record<string, unknown>,
  context: InspectionContext,
): Promise<SignatureCheck> {
  const alg = String(header.alg);
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const keyEvidence = { alg, ...(kid === undefined ? {} : { kid }) };
  const { status, reason, diagnostic } = await signatureOutcome(token, alg, context);
  return {
    signature: { status, reason, ...keyEvidence },
    diagnostics: diagnostic
      ? [{ ...diagnostic, evidence: { ...keyEvidence, ...diagnostic.evidence } }]
      : [],
  };
}

async function signatureOutcome(
  token: string,
  alg: string,
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
  if (!context.jwksUri) {
    return {
      status: 'not-checked',
      reason: 'No JWKS URI is known for the issuer, so the signature was not checked.',
      diagnostic: {
        id: 'signature_not_checked',
        severity: 'info',
        title: 'Signature not checked',
        detail:
          'No JWKS URI is known for this issuer (discovery gave none), so the signature was not checked.',
        fix: 'Set the gateway\'s issuer so that Gatekey can discover its "jwks_uri".',
      },
    };
  }
  return verifyAgainstJwks(token, context.jwksUri, advertised);
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
    return verificationFailure(error, jwksUri);
  }
}

function verificationFailure(error: unknown, jwksUri: string): Outcome {
  const evidence = { jwksUri };
  if (error instanceof errors.JWKSNoMatchingKey) {
    return {
      status: 'invalid',
      reason: `No key in ${jwksUri} matches the token's kid and alg.`,
      diagnostic: {
        id: 'kid_not_in_jwks',
        severity: 'error',
        title: "Signing key not in the issuer's JWKS",
        detail: `No key at ${jwksUri} matches the token's kid and alg, even after fetching the key set again.`,
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
async function verifyWithKeySet(token: string, jwks: RemoteJwks, algorithms?: string[]) {
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
