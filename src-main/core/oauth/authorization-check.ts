import { GatekeyError } from '../errors.js';
import type { Gateway } from '../gateways/schema.js';
import { printable } from '../printable.js';
import { describeAnswer, type IdpAnswer } from './idp-errors.js';
import { parseJsonObject } from './json.js';
import { redirectUriToRegister } from './redirect-advice.js';
import { requestSignal, throwIfCancelled, type HttpContext } from './transport.js';

/** What the check needs to know about the sign-in it precedes. */
export interface AuthorizationCheck {
  gateway: Gateway;
  issuer: string;
  clientId: string;
  redirectUri: string;
  authorizationUrl: string;
}

/** The statuses an authorization endpoint refuses a redirect URI or a client with. */
const REFUSAL_STATUSES = new Set([400, 401, 403]);
/** OAuth errors that, on the authorization endpoint's own page, mean "not this redirect or client". */
const REFUSAL_ERROR =
  /\b(invalid_redirect_uri|redirect_uri_mismatch|redirect_mismatch|invalid_request|invalid_client|unauthorized_client)\b/;
/** Words of an error page that name the redirect URI. */
const NAMES_REDIRECT = /redirect[ _-]?ur[il]s?|callback url/i;
const MAX_QUOTE_CHARS = 200;

/**
 * Before the browser opens, Gatekey GETs the authorization URL itself, without cookies and
 * without following redirects. An IdP that accepts the request answers with its login page or a
 * redirect to it. One that refuses the redirect URI or the client must not redirect anywhere
 * (RFC 6749 §4.1.2.1): it shows the browser an error page and never calls back, and the sign-in
 * would wait until it times out. So a clear refusal ends the sign-in at once: a 400/401/403 whose
 * body is an OAuth error, names the redirect URI, or is empty (Glewlwyd's bare 403), or a
 * redirect to the IdP's own error page that names such an error. Anything else (no answer, a
 * server error, a firewall's page) lets the browser try.
 *
 * Only for a client a person registered by hand: a registered client or a metadata document got
 * its redirect URIs from Gatekey itself, and each check is one more authorization request, which
 * servers may count against a client (the MCP conformance suite's retry limit does).
 */
export async function checkAuthorizationRequest(
  http: HttpContext,
  check: AuthorizationCheck,
): Promise<void> {
  const answer = await fetchRefusal(http, check);
  if (answer) throw await authorizationRefused(answer, check);
}

async function fetchRefusal(
  http: HttpContext,
  { authorizationUrl, redirectUri }: AuthorizationCheck,
): Promise<IdpAnswer | undefined> {
  try {
    const response = await http.fetch(authorizationUrl, {
      redirect: 'manual',
      headers: { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' },
      signal: requestSignal(http),
    });
    if (REFUSAL_STATUSES.has(response.status)) {
      return refusalIn(response.status, await response.text());
    }
    await response.body?.cancel();
    const location = response.headers.get('location');
    return location
      ? refusalInRedirect(response.status, location, authorizationUrl, redirectUri)
      : undefined;
  } catch {
    throwIfCancelled(http);
    return undefined;
  }
}

/** The refusal an error page states, or undefined when it does not clearly refuse. */
export function refusalIn(status: number, body: string): IdpAnswer | undefined {
  const json = parseJsonObject(body);
  if (typeof json?.error === 'string') {
    const description = json.error_description;
    return {
      status,
      error: json.error,
      description: typeof description === 'string' ? description : undefined,
    };
  }
  const text = pageText(body);
  if (text === '') return { status };
  const error = REFUSAL_ERROR.exec(text);
  if (error) {
    const after = text.slice(error.index + error[0].length).replace(/^[\s:,.()-]+/, '');
    return { status, error: error[1], description: quote(after) };
  }
  const named = NAMES_REDIRECT.exec(text);
  if (named) return { status, description: quote(text.slice(Math.max(0, named.index - 80))) };
  return undefined;
}

/**
 * A redirect to the IdP's own error page (Cognito: `/error?error=redirect_mismatch`): not back
 * to Gatekey, and naming a refusal of the redirect or the client. A redirect to the redirect
 * URI, even with an error, means the IdP accepted it; the browser brings that answer back.
 */
function refusalInRedirect(
  status: number,
  location: string,
  authorizationUrl: string,
  redirectUri: string,
): IdpAnswer | undefined {
  if (!URL.canParse(location, authorizationUrl)) return undefined;
  const target = new URL(location, authorizationUrl);
  if (target.href.startsWith(redirectUri)) return undefined;
  const error = target.searchParams.get('error') ?? '';
  const description = target.searchParams.get('error_description') ?? undefined;
  if (!REFUSAL_ERROR.test(error) && !NAMES_REDIRECT.test(`${error} ${description ?? ''}`)) {
    return undefined;
  }
  return { status, error: error || undefined, description };
}

/** The visible words of an HTML page (or the text itself), on one line. */
function pageText(body: string): string {
  return body
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

function quote(text: string): string | undefined {
  const clean = printable(text).trim();
  if (clean === '') return undefined;
  return clean.length > MAX_QUOTE_CHARS ? `${clean.slice(0, MAX_QUOTE_CHARS)}…` : clean;
}

async function authorizationRefused(
  answer: IdpAnswer,
  { gateway, issuer, clientId, redirectUri }: AuthorizationCheck,
): Promise<GatekeyError> {
  const said =
    answer.error || !answer.description
      ? describeAnswer(answer)
      : `HTTP ${answer.status} saying "${answer.description}"`;
  const toRegister = await redirectUriToRegister(gateway);
  const fix = answer.error?.includes('client')
    ? `Check that client ${clientId} exists at the IdP and may sign users in, or set the right one: gatekey edit ${gateway.name} --client-id ID`
    : toRegister === redirectUri
      ? `Register exactly ${redirectUri} as a callback URL of client ${clientId} at the IdP, or use the callback URL it has: gatekey edit ${gateway.name} --redirect-uri URL`
      : `Register ${toRegister} as a callback URL of client ${clientId} at the IdP and use it: gatekey edit ${gateway.name} --redirect-uri ${toRegister}`;
  return new GatekeyError(
    'idp_error',
    `The authorization request to ${issuer} was refused before the browser opened: ${said}. An IdP answers so, and never sends the browser back, when it does not accept the redirect URI ${redirectUri} or the client ${clientId}.`,
    fix,
  );
}
