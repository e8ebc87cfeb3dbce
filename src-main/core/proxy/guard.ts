import type { LocalRequest } from './local-http.js';

export type GuardVerdict = { ok: true } | { ok: false; status: number; reason: string };

const ALLOWED: GuardVerdict = { ok: true };
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** The `Host` values that name this server; anything else is a DNS-rebinding attempt. */
function isOwnHost(host: string, port: number): boolean {
  const separator = host.lastIndexOf(':');
  return (
    host.slice(separator + 1) === String(port) &&
    LOOPBACK_NAMES.includes(host.slice(0, separator).toLowerCase())
  );
}

function refuse(reason: string): GuardVerdict {
  return { ok: false, status: 403, reason };
}

/**
 * Decides, before anything else happens, whether a request may use this loopback server: its
 * `Host` must be this server's loopback address and port, and a browser must be on this server's
 * own origin or an allowed one. A page elsewhere can still send requests to 127.0.0.1, so this
 * is what keeps it from borrowing the user's tokens.
 */
export function guardLocalRequest(
  req: Pick<LocalRequest, 'headers'>,
  port: number,
  allowedOrigins: readonly string[],
): GuardVerdict {
  const host = req.headers.host;
  if (host === undefined || !isOwnHost(host, port))
    return refuse(
      `Refused: Host "${host ?? ''}" is not this server (expected 127.0.0.1:${port} or localhost:${port}); ` +
        'a foreign Host means a web page reached it through DNS rebinding.',
    );
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (origin === `http://${host}` || allowedOrigins.includes(origin)) return ALLOWED;
    return refuse(
      `Refused: the web page at Origin "${origin}" may not use this server. ` +
        'To allow a browser-based client, add its origin to allowedOrigins in the Gatekey settings.',
    );
  }
  // Browsers omit Origin on some cross-site GETs but still say where the request came from.
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site')
    return refuse(`Refused: a ${fetchSite} browser request without an Origin header.`);
  return ALLOWED;
}

/** What a browser loads as a page, in a tab or a frame, where a script in it could run. */
const DOCUMENT_DESTINATIONS = new Set(['document', 'iframe', 'frame', 'embed', 'object']);
/** The media types an MCP client asks for; a page load asks for HTML and none of these. */
const MCP_MEDIA_TYPE = /application\/json|text\/event-stream/i;

/**
 * Whether the request is a browser opening a page (or a frame) rather than an MCP client: by
 * Fetch Metadata, or, from a browser that sends none, by an Accept that wants HTML and no MCP
 * media type. IDEs never navigate to the proxy.
 */
export function isBrowserNavigation(req: Pick<LocalRequest, 'headers'>): boolean {
  const { headers } = req;
  const mode = headers['sec-fetch-mode'];
  const dest = headers['sec-fetch-dest'];
  if (mode === 'navigate' || (typeof dest === 'string' && DOCUMENT_DESTINATIONS.has(dest)))
    return true;
  const accept = headers.accept;
  return accept !== undefined && accept.includes('text/html') && !MCP_MEDIA_TYPE.test(accept);
}

export const NAVIGATION_REFUSED: GuardVerdict = refuse(
  'Refused: a browser opened an MCP proxy URL as a page. IDEs and MCP clients never navigate to ' +
    '/mcp/…; the proxy answers them only, so that no answer relayed from a gateway can run as a ' +
    "page on Gatekey's origin. Configure the URL in your IDE instead of opening it in a browser.",
);
