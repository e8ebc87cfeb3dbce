import { GatekeyError } from '../errors.js';
import { parseJsonObject } from './json.js';
import type { HttpContext } from './transport.js';
import { describeNetworkFailure, requestSignal, throwIfCancelled } from './transport.js';

/** What the registration endpoint said about the client it created (RFC 7591 §3.2.1). */
export interface RegisteredClient {
  clientId: string;
  clientSecret?: string;
  tokenEndpointAuthMethod?: string;
  redirectUris?: string[];
}

/** Who registers where, for messages and hints. */
export interface RegistrationRequest {
  endpoint: string;
  metadata: Record<string, unknown>;
  /** The fix a person can apply when registration cannot work: register a client by hand. */
  manualHint: string;
}

const MAX_ANSWER_CHARS = 300;

/**
 * RFC 7591 registration. Liberal in what it accepts where no security is at stake: any 2xx
 * (servers answer 200 as well as 201), and a `client_secret` without `client_secret_expires_at`
 * (which RFC 7591 requires but which only says how long the secret lives; Gatekey re-registers
 * when the secret stops working). Strict where it matters: a JSON object with a `client_id`.
 */
export async function postRegistration(
  http: HttpContext,
  request: RegistrationRequest,
): Promise<RegisteredClient> {
  let response: Response;
  try {
    response = await http.fetch(request.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(request.metadata),
      signal: requestSignal(http),
    });
  } catch (error) {
    throwIfCancelled(http);
    throw new GatekeyError(
      'idp_unreachable',
      `Dynamic client registration failed: could not reach ${request.endpoint}: ${describeNetworkFailure(error)}.`,
      'Check that the identity provider is up and reachable from this machine (VPN, proxy), then try again.',
      { cause: error },
    );
  }
  const text = await response.text();
  const body = parseJsonObject(text);
  if (!response.ok) {
    throw refused(request, `${response.status} ${describeAnswer(body, text)}`);
  }
  const clientId = body?.client_id;
  if (typeof clientId !== 'string' || clientId === '') {
    throw refused(
      request,
      `${response.status} without a "client_id": ${describeAnswer(body, text)}`,
    );
  }
  return {
    clientId,
    clientSecret: optionalString(body?.client_secret),
    tokenEndpointAuthMethod: optionalString(body?.token_endpoint_auth_method),
    redirectUris: Array.isArray(body?.redirect_uris)
      ? body.redirect_uris.filter((uri): uri is string => typeof uri === 'string')
      : undefined,
  };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The server's own words: its OAuth error and description, else the start of its body. */
function describeAnswer(body: Record<string, unknown> | undefined, text: string): string {
  if (typeof body?.error === 'string') {
    const description = optionalString(body.error_description);
    return description ? `${body.error} (${description})` : body.error;
  }
  const printable = text.replace(/[^\x20-\x7e]+/g, ' ').trim();
  if (!printable) return '(empty body)';
  return printable.length > MAX_ANSWER_CHARS
    ? `${printable.slice(0, MAX_ANSWER_CHARS)}…`
    : printable;
}

function refused(request: RegistrationRequest, answer: string): GatekeyError {
  return new GatekeyError(
    'idp_error',
    `Dynamic client registration at ${request.endpoint} failed: the server answered ${answer}.`,
    request.manualHint,
  );
}
