import {
  AuthorizationResponseError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';
import { GatekeyError, isGatekeyError } from '../errors.js';

/** Who is talking to whom, for messages and hints. */
export interface IdpContext {
  gatewayName: string;
  issuer: string;
}

/** An OAuth error the IdP returned (RFC 6749 §4.1.2.1 and §5.2), as a GatekeyError. */
export function oauthError(
  code: string,
  description: string | undefined,
  { gatewayName, issuer }: IdpContext,
): GatekeyError {
  const detail = description ? `${code} (${description})` : code;
  switch (code) {
    case 'invalid_grant':
      return new GatekeyError(
        'invalid_grant',
        `The identity provider ${issuer} no longer accepts this sign-in: ${detail}.`,
        `Sign in again: gatekey login ${gatewayName}`,
      );
    case 'invalid_client':
      return new GatekeyError(
        'invalid_client',
        `The identity provider ${issuer} does not accept the client: ${detail}.`,
        `Check the client ID and secret: gatekey edit ${gatewayName} --client-id ID --client-secret-stdin`,
      );
    case 'access_denied':
      return new GatekeyError(
        'idp_error',
        `The identity provider ${issuer} denied access: ${detail}.`,
        `Run gatekey login ${gatewayName} again and approve the access, or ask the IdP's administrator to grant it.`,
      );
    default:
      return new GatekeyError(
        'idp_error',
        `The identity provider ${issuer} answered with an error: ${detail}.`,
        `Check the gateway's OAuth settings (gatekey edit ${gatewayName}) against the application registered at the IdP.`,
      );
  }
}

/**
 * Runs an openid-client call and turns what it throws into a GatekeyError. A cancellation by
 * the caller's signal passes through as the signal's reason.
 */
export async function callIdp<T>(
  context: IdpContext,
  signal: AbortSignal | undefined,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    signal?.throwIfAborted();
    throw toGatekeyError(error, context);
  }
}

function toGatekeyError(error: unknown, context: IdpContext): GatekeyError {
  const known = findInCauses(error);
  if (known) return known;
  if (error instanceof ResponseBodyError || error instanceof AuthorizationResponseError) {
    return oauthError(error.error, error.error_description, context);
  }
  // A 401 from the token endpoint (a client that failed to authenticate) carries its error in a challenge.
  const challenged =
    error instanceof WWWAuthenticateChallengeError
      ? error.cause.find((challenge) => challenge.parameters.error)?.parameters
      : undefined;
  if (challenged?.error) return oauthError(challenged.error, challenged.error_description, context);
  return new GatekeyError(
    'idp_error',
    `The identity provider ${context.issuer} gave an answer Gatekey cannot use: ${describeLibraryError(error)}.`,
    `Check that the gateway points at the right identity provider: gatekey edit ${context.gatewayName} --issuer URL (or --discovery-url URL)`,
    { cause: error },
  );
}

/** openid-client wraps errors thrown by our fetch; find ours again. */
function findInCauses(error: unknown): GatekeyError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (isGatekeyError(current)) return current;
  }
  return undefined;
}

function describeLibraryError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Response
    ? `${error.message} (HTTP ${error.cause.status})`
    : error.message;
}
