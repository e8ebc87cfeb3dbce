import { GatekeyError, isGatekeyError } from '../errors.js';
import type { BearerChallenge } from '../oauth/types.js';
import { printable } from '../printable.js';

/** ", invalid_token (The access token has expired.)": what a 401's challenge says, sanitised. */
function challengeText(challenge: BearerChallenge | undefined): string {
  if (!challenge?.error) return '';
  const { error, errorDescription } = challenge;
  return `, ${printable(error)}${errorDescription ? ` (${printable(errorDescription)})` : ''}`;
}

/** What the proxy tells the IDE (and the log) when it answers in the upstream's place. */
export const problems = {
  signInRequired: (gateway: string, cause?: unknown) =>
    new GatekeyError(
      'sign_in_required',
      `Gatekey has no valid token for "${gateway}".`,
      `Sign in to ${gateway} from the Gatekey tray, or run: gatekey login ${gateway}`,
      { cause },
    ),
  /** Signing in again would bring a token just like it: the person is sent to the claim instead. */
  tokenRejectedTwice: (gateway: string, challenge: BearerChallenge | undefined) =>
    new GatekeyError(
      'token_rejected',
      `Gateway "${gateway}" rejected two tokens in a row, the second one new: HTTP 401${challengeText(challenge)}.`,
      `Run gatekey inspect ${gateway} to compare its audience, scopes and expiry with what the gateway expects; if they look right, sign in again: gatekey login ${gateway}`,
    ),
  tokenUnavailable: (gateway: string, cause: unknown) =>
    isGatekeyError(cause, 'sign_in_required')
      ? problems.signInRequired(gateway, cause)
      : isGatekeyError(cause)
        ? cause
        : new GatekeyError(
            'idp_error',
            `Gatekey could not get a token for "${gateway}": ${cause instanceof Error ? cause.message : String(cause)}.`,
            `Open ${gateway} in the Gatekey window to see its state, or run: gatekey login ${gateway}`,
            { cause },
          ),
  rejectedWithoutAuth: (gateway: string) =>
    new GatekeyError(
      'unauthorized',
      `Gateway "${gateway}" answered 401 but is set up without sign-in (auth "none").`,
      `Choose a sign-in method (pkce or client_credentials) for ${gateway} in the Gatekey window.`,
    ),
  rejectedTooLargeToResend: (gateway: string) =>
    new GatekeyError(
      'unauthorized',
      `Gateway "${gateway}" rejected the token on a request too large to send twice; Gatekey has asked for a new token.`,
      'Send the request again.',
    ),
  unreachable: (gateway: string, url: string, cause: Error) =>
    new GatekeyError(
      'upstream_unreachable',
      `Gateway "${gateway}" is unreachable: ${cause.message}.`,
      `Check that the gateway is running and that its URL (${url}) is right.`,
      { cause },
    ),
  switchedProtocols: (gateway: string, url: string) =>
    new GatekeyError(
      'upstream_unreachable',
      `Gateway "${gateway}" answered 101 Switching Protocols to an MCP request, which asks for no protocol switch.`,
      `Check that its URL (${url}) is the MCP endpoint, not a WebSocket one.`,
    ),
  brokeOff: (gateway: string, cause: Error) =>
    new GatekeyError(
      'upstream_unreachable',
      `Gateway "${gateway}" broke off its answer: ${cause.message}.`,
    ),
  timedOut: (gateway: string, timeoutMs: number) =>
    new GatekeyError(
      'upstream_timeout',
      `Gateway "${gateway}" did not start answering within ${timeoutMs / 1000} s.`,
      'The gateway or the network to it is stuck; try again, or check the gateway.',
    ),
  plainHttp: (gateway: string, reason: string) =>
    new GatekeyError(
      'config_invalid',
      reason,
      `Use an https URL for ${gateway}, or allow plain http for it (--allow-http) if the network is trusted.`,
    ),
  unsendableToken: (gateway: string) =>
    new GatekeyError(
      'idp_error',
      `The token Gatekey holds for "${gateway}" contains characters no HTTP header can carry (control characters or line breaks), so it was not sent.`,
      `The identity provider issued a malformed token; check its token settings, or run: gatekey inspect ${gateway}`,
    ),
  unknownGateway: (gateway: string) =>
    new GatekeyError(
      'gateway_not_found',
      `No gateway named "${gateway}".`,
      `Add it from the Gatekey tray, or run: gatekey add ${gateway} --url https://<gateway>/mcp`,
    ),
  noGatewayInPath: (port: number) =>
    new GatekeyError(
      'gateway_not_found',
      'The request names no gateway.',
      `Point the client at http://127.0.0.1:${port}/mcp/<gateway>; run gatekey list to see the names.`,
    ),
  leadsToItself: (gateway: string, url: string, port: number) =>
    new GatekeyError(
      'config_invalid',
      `Gateway "${gateway}" leads back to this Gatekey: its URL ${url} is the proxy's own port ${port}, so each request would be forwarded to itself.`,
      `Point it at the real MCP server: gatekey edit ${gateway} --url https://<gateway>/mcp`,
    ),
  cameBack: (gateway: string) =>
    new GatekeyError(
      'config_invalid',
      `The request for "${gateway}" already passed through this Gatekey, which forwarded it: a gateway URL leads back to the proxy through another name, port or a server that forwards to it.`,
      'Run gatekey list and point that gateway at the real MCP server: gatekey edit <name> --url https://<gateway>/mcp',
    ),
  refused: (reason: string) => new GatekeyError('unauthorized', reason),
  clientLeft: 'The client closed the connection before the answer was complete.',
};
