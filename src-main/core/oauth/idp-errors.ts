import {
  AuthorizationResponseError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';
import { GatekeyError, isGatekeyError } from '../errors.js';
import { printable } from '../printable.js';

/** The exchange with the IdP that failed, named in every message. */
export type IdpStep =
  'registration' | 'authorization' | 'token' | 'refresh' | 'revocation' | 'introspection';

/** Who is talking to whom, for messages and hints. */
export interface IdpContext {
  gatewayName: string;
  issuer: string;
  step: IdpStep;
  /** The RFC 8707 resource Gatekey sent, for the invalid_target advice. */
  resource?: string;
  /** How to get a grant the IdP takes again, when it refuses one; default: sign in again. */
  renewGrant?: string;
}

/** What the IdP answered: each part as far as it said it. */
export interface IdpAnswer {
  status?: number;
  error?: string;
  description?: string;
}

/** An OAuth error the IdP returned (RFC 6749 §4.1.2.1 and §5.2), as a GatekeyError. */
export function oauthError(answer: IdpAnswer, context: IdpContext): GatekeyError {
  const { gatewayName: name } = context;
  const refused = `The ${context.step} request to ${context.issuer} was refused: ${describeAnswer(answer)}.`;
  switch (answer.error) {
    case 'invalid_grant':
      return new GatekeyError(
        'invalid_grant',
        refused,
        context.renewGrant ?? `Sign in again: gatekey login ${name}`,
      );
    case 'invalid_client':
      return new GatekeyError('invalid_client', refused, clientFix(name));
    case 'invalid_target':
      return new GatekeyError(
        'idp_error',
        refused,
        `The IdP does not know the resource Gatekey sent${context.resource ? ` (${context.resource})` : ''}: leave it out with gatekey edit ${name} --no-resource, or name one the IdP knows with gatekey edit ${name} --resource URL`,
      );
    case 'unauthorized_client':
      return new GatekeyError(
        'idp_error',
        refused,
        `Allow this grant for the client at the IdP, or use another client: gatekey edit ${name} --client-id ID`,
      );
    case 'access_denied':
      return new GatekeyError(
        'idp_error',
        refused,
        `Run gatekey login ${name} again and approve the access, or ask the IdP's administrator to grant it.`,
      );
    default:
      return new GatekeyError(
        'idp_error',
        refused,
        `Check the gateway's OAuth settings (gatekey edit ${name}) against the application registered at the IdP.`,
      );
  }
}

function clientFix(name: string): string {
  return `Check the client ID and secret, and how the IdP wants them sent: gatekey edit ${name} --client-id ID --client-secret-stdin --token-endpoint-auth client_secret_post (or client_secret_basic)`;
}

/** "HTTP 403, invalid_client (Bad secret)" or "HTTP 403 with no error in its body"; sanitised. */
export function describeAnswer({ status, error, description }: IdpAnswer): string {
  const parts = [
    status === undefined ? undefined : `HTTP ${status}`,
    error ? printable(error) : undefined,
  ].filter(Boolean);
  const said = parts.join(', ') || 'an error';
  if (!error) return `${said} with no error in its body`;
  return description ? `${said} (${printable(description)})` : said;
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
  const answer = idpAnswer(error);
  if (answer.error) return oauthError(answer, context);
  // A client the token endpoint did not recognise, said with a bare 401/403 (Glewlwyd does this).
  if (isTokenStep(context.step) && (answer.status === 401 || answer.status === 403)) {
    return new GatekeyError(
      'invalid_client',
      `The ${context.step} request to ${context.issuer} was refused: ${describeAnswer(answer)}, which means the client was not accepted.`,
      clientFix(context.gatewayName),
      { cause: error },
    );
  }
  // A refresh token the server no longer accepts, said with a bare 400 (Glewlwyd, once revoked).
  if (context.step === 'refresh' && answer.status === 400) {
    return new GatekeyError(
      'invalid_grant',
      `The refresh request to ${context.issuer} was refused: ${describeAnswer(answer)}, so the refresh token is no longer accepted.`,
      `Sign in again: gatekey login ${context.gatewayName}`,
      { cause: error },
    );
  }
  return new GatekeyError(
    'idp_error',
    `The ${context.step} request to ${context.issuer} got an answer Gatekey cannot use: ${describeLibraryError(error)}.`,
    `Check that the gateway points at the right identity provider: gatekey edit ${context.gatewayName} --issuer URL (or --discovery-url URL)`,
    { cause: error },
  );
}

function isTokenStep(step: IdpStep): boolean {
  return (
    step === 'token' || step === 'refresh' || step === 'revocation' || step === 'introspection'
  );
}

function idpAnswer(error: unknown): IdpAnswer {
  if (error instanceof ResponseBodyError) {
    return { status: error.status, error: error.error, description: error.error_description };
  }
  if (error instanceof AuthorizationResponseError) {
    return { error: error.error, description: error.error_description };
  }
  // A 401 from the token endpoint (a client that failed to authenticate) carries its error in a challenge.
  if (error instanceof WWWAuthenticateChallengeError) {
    const challenged = error.cause.find((challenge) => challenge.parameters.error)?.parameters;
    return {
      status: error.status,
      error: challenged?.error,
      description: challenged?.error_description,
    };
  }
  const response =
    error instanceof Error && error.cause instanceof Response ? error.cause : undefined;
  return { status: response?.status };
}

/** openid-client wraps errors thrown by our fetch; find ours again. */
function findInCauses(error: unknown): GatekeyError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (isGatekeyError(current)) return current;
  }
  return undefined;
}

function describeLibraryError(error: unknown): string {
  if (!(error instanceof Error)) return printable(String(error));
  return error.cause instanceof Response
    ? `${printable(error.message)} (HTTP ${error.cause.status})`
    : printable(error.message);
}
