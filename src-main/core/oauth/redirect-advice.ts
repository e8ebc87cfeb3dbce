import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { GatekeyError, isGatekeyError } from '../errors.js';
import { DEFAULT_REDIRECT_URI, type Gateway } from '../gateways/schema.js';

/**
 * Suggested fixed ports lie below Linux's ephemeral range (32768 and up), where the system picks
 * the ports of outgoing connections and of `port 0` listeners.
 */
const FIXED_PORT_BASE = 28_000;
const FIXED_PORT_SPAN = 2_000;
const FIXED_PORT_ATTEMPTS = 20;

/**
 * The redirect URI a person should register at the IdP by hand. The configured one when its
 * port is fixed; otherwise the same URI on a fixed port: with port 0 each sign-in listens
 * elsewhere, and an IdP that wants the exact URI refuses the next one. The port comes from the
 * gateway's name, so the advice is the same each time, and is free on this machine now.
 */
export async function redirectUriToRegister(gateway: Gateway): Promise<string> {
  const configured = new URL(gateway.redirectUri ?? DEFAULT_REDIRECT_URI);
  if (configured.port !== '0') return configured.href;
  const first = FIXED_PORT_BASE + (nameHash(gateway.name) % FIXED_PORT_SPAN);
  let port = first;
  for (let attempt = 0; attempt < FIXED_PORT_ATTEMPTS; attempt++) {
    port = first + attempt;
    if (await isFree(configured.hostname, port)) break;
  }
  configured.port = String(port);
  return configured.href;
}

/**
 * "<what to do at the IdP> with the callback URL U, then set both: gatekey edit NAME
 * --client-id ID --redirect-uri U": the client and the exact redirect it was registered with.
 */
export async function manualClientHint(gateway: Gateway, registerAtIdp: string): Promise<string> {
  const uri = await redirectUriToRegister(gateway);
  return `${registerAtIdp} with the callback URL ${uri}, then set both: gatekey edit ${gateway.name} --client-id ID --redirect-uri ${uri}`;
}

/**
 * A sign-in that timed out while listening on any free port: if the IdP showed an error page,
 * registering the port this sign-in used would not help the next one, so the advice names a
 * fixed one.
 */
export async function withFixedRedirectAdvice(error: unknown, gateway: Gateway): Promise<never> {
  const configured = new URL(gateway.redirectUri ?? DEFAULT_REDIRECT_URI);
  if (!isGatekeyError(error, 'sign_in_timeout') || configured.port !== '0') throw error;
  const uri = await redirectUriToRegister(gateway);
  throw new GatekeyError(
    'sign_in_timeout',
    error.message,
    `Run gatekey login ${gateway.name} again and finish in the browser. If the IdP showed an error page, register ${uri} as a callback URL there and use it: gatekey edit ${gateway.name} --redirect-uri ${uri}`,
  );
}

function nameHash(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0);
}

function isFree(hostname: string, port: number): Promise<boolean> {
  const host = hostname === 'localhost' ? '127.0.0.1' : hostname.replace(/^\[|\]$/g, '');
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
