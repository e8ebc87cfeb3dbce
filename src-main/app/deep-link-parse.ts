import { GatekeyError } from '../core/errors.js';
import type * as z from 'zod';
import { DRAFT_PARAMS, draftValue } from '../core/api/routes.js';
import { GATEWAY_NAME_PATTERN, GatewaySchema } from '../core/gateways/schema.js';
import { routes } from './routes.js';

export const DEEP_LINK_SCHEME = 'gatekey';
export const MAX_DEEP_LINK_LENGTH = 2048;

/** What a `gatekey://add` link may say, and nothing more: a link never carries a secret. */
const LinkGatewaySchema = GatewaySchema.pick({
  name: true,
  url: true,
  auth: true,
  issuer: true,
  clientId: true,
  scopes: true,
  audience: true,
});

export type LinkGateway = z.input<typeof LinkGatewaySchema>;

export type DeepLink = { action: 'add'; gateway: LinkGateway } | { action: 'login'; name: string };

export type DeepLinkRefusal =
  | 'oversized'
  | 'malformed'
  | 'wrong-scheme'
  | 'unknown-action'
  | 'secret-param'
  | 'unknown-param'
  | 'repeated-param'
  | 'missing-url'
  | 'bad-url'
  | 'bad-name'
  | 'invalid-field';

/** A link Gatekey will not act on; `reason` says which rule it broke. */
export class DeepLinkRefused extends GatekeyError {
  constructor(
    readonly reason: DeepLinkRefusal,
    message: string,
    hint = 'Ask whoever published the link for a corrected one, or add the gateway by hand in Gatekey.',
  ) {
    super('invalid_input', message, hint);
  }
}

/** Link parameter → gateway field: the names the window's `#/add` route uses too. */
const LINK_PARAMS = DRAFT_PARAMS satisfies Record<string, keyof LinkGateway>;

type LinkParam = keyof typeof LINK_PARAMS;

const SECRET_PARAM =
  /secret|token|password|passwd|private|credential|assertion|api[-_]?key|^code$|^key$/i;
/** Short words: what parameter names and actions look like, and what secrets do not (no digits). */
const WORDLIKE = /^[A-Za-z_-]{1,24}$/;
const EXAMPLE_ADD_LINK = 'gatekey://add?url=https://gateway.example.com/mcp&name=my-gateway';

const isLinkParam = (key: string): key is LinkParam => Object.hasOwn(LINK_PARAMS, key);

/** Part of a link as a message may show it: anything that looks like data is not repeated. */
const shown = (part: string, otherwise: string) => (WORDLIKE.test(part) ? `"${part}"` : otherwise);
const shownParam = (key: string) => shown(key, 'a parameter');

/**
 * Reads a `gatekey://add?…` or `gatekey://login/<name>` link. Throws DeepLinkRefused for anything
 * else; messages name the rule and the parameter, never a value (a value may be a leaked secret).
 */
export function parseDeepLink(raw: string): DeepLink {
  if (raw.length > MAX_DEEP_LINK_LENGTH)
    throw new DeepLinkRefused(
      'oversized',
      `Expected a link of at most ${MAX_DEEP_LINK_LENGTH} characters; this one has ${raw.length}.`,
    );
  if (!URL.canParse(raw))
    throw new DeepLinkRefused(
      'malformed',
      `Expected a link like ${EXAMPLE_ADD_LINK}; this is not a URL.`,
    );
  const link = new URL(raw);
  if (link.protocol !== `${DEEP_LINK_SCHEME}:`)
    throw new DeepLinkRefused(
      'wrong-scheme',
      `Expected a ${DEEP_LINK_SCHEME}:// link; this one starts with ${link.protocol}//.`,
    );
  switch (link.host) {
    case 'add':
      return { action: 'add', gateway: parseAddLink(link) };
    case 'login':
      return { action: 'login', name: parseLoginLink(link) };
    default:
      throw new DeepLinkRefused(
        'unknown-action',
        `Expected gatekey://add or gatekey://login/<name>; ${shown(link.host, 'what it asks for')} is not an action Gatekey knows.`,
      );
  }
}

function parseLoginLink(link: URL): string {
  refuseSecrets(link.searchParams);
  const [param] = link.searchParams.keys();
  if (param !== undefined)
    throw new DeepLinkRefused(
      'unknown-param',
      `Expected gatekey://login/<name> with no parameters; it has ${shownParam(param)}.`,
    );
  // Not decoded: a gateway name has no character that needs escaping, so an escape is an error.
  return checkedName(link.pathname.replace(/^\/|\/$/g, ''), 'gatekey://login/my-gateway');
}

function parseAddLink(link: URL): LinkGateway {
  if (link.pathname !== '' && link.pathname !== '/')
    throw new DeepLinkRefused(
      'malformed',
      `Expected ${EXAMPLE_ADD_LINK}; the link has a path after "add".`,
    );
  const values = readLinkParams(link.searchParams);
  const url = values.get('url');
  if (url === undefined)
    throw new DeepLinkRefused('missing-url', `Expected a url parameter, e.g. ${EXAMPLE_ADD_LINK}.`);
  checkHttpUrl('url', url);
  const issuer = values.get('issuer');
  if (issuer !== undefined) checkHttpUrl('issuer', issuer);
  checkedName(values.get('name'), EXAMPLE_ADD_LINK);
  const fields = linkFields(values);
  const parsed = LinkGatewaySchema.safeParse(fields);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new DeepLinkRefused(
      'invalid-field',
      `The link's ${issue?.path.join('.') || 'gateway'} is not valid: ${issue?.message ?? 'rejected'}.`,
    );
  }
  // The fields as the link gave them, without the schema's defaults: the form shows what was said.
  return fields as LinkGateway;
}

/** The allowed parameters, each at most once; a secret-looking one is refused before anything else. */
function readLinkParams(params: URLSearchParams): Map<LinkParam, string> {
  refuseSecrets(params);
  const values = new Map<LinkParam, string>();
  for (const [key, value] of params) {
    if (!isLinkParam(key))
      throw new DeepLinkRefused(
        'unknown-param',
        `Expected only ${Object.keys(LINK_PARAMS).join(', ')}; the link also has ${shownParam(key)}.`,
      );
    if (values.has(key))
      throw new DeepLinkRefused('repeated-param', `Expected "${key}" once; the link repeats it.`);
    values.set(key, value);
  }
  return values;
}

function refuseSecrets(params: URLSearchParams): void {
  for (const key of params.keys()) {
    if (SECRET_PARAM.test(key)) throw secretRefusal(`it has a ${shownParam(key)} parameter`);
  }
}

function secretRefusal(what: string): DeepLinkRefused {
  return new DeepLinkRefused(
    'secret-param',
    `A Gatekey link must never carry a client secret, password or token; ${what}.`,
    'Treat the secret as leaked and rotate it. Publish the link without it; each person enters secrets in Gatekey, which keeps them in the OS keychain.',
  );
}

function checkHttpUrl(param: 'url' | 'issuer', value: string): void {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new DeepLinkRefused(
      'bad-url',
      `Expected ${param} to be an http(s) URL like https://gateway.example.com/mcp; it is ${url ? `a ${url.protocol} URL` : 'not a URL'}.`,
    );
  if (url.username || url.password)
    throw secretRefusal(`its ${param} has a user name or password in it`);
  refuseSecrets(url.searchParams);
}

function checkedName(name: string | undefined, example: string): string {
  if (name === undefined)
    throw new DeepLinkRefused(
      'bad-name',
      `Expected a gateway name, e.g. ${example}; the link has none.`,
    );
  if (!GATEWAY_NAME_PATTERN.test(name))
    throw new DeepLinkRefused(
      'bad-name',
      `Expected the gateway name to be lowercase letters, digits and dashes (e.g. "my-gateway"); it is ${shown(name, 'something else')}.`,
    );
  return name;
}

function linkFields(values: Map<LinkParam, string>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [param, value] of values) fields[LINK_PARAMS[param]] = draftValue(param, value);
  return fields;
}

/** Where the window opens for a link: a confirmation screen or a sign-in prompt, never an action. */
export function deepLinkRoute(link: DeepLink): string {
  return link.action === 'add' ? routes.addGateway(link.gateway) : routes.signInPrompt(link.name);
}

/** The link a launch carries on Windows and Linux, where the OS passes it as an argument. */
export function findDeepLinkInArgv(argv: readonly string[]): string | undefined {
  return argv.find((arg) => arg.toLowerCase().startsWith(`${DEEP_LINK_SCHEME}:`));
}
