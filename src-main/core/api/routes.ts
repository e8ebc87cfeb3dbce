/**
 * The window's screens as hash routes, the one definition for the renderer (which shows them) and
 * the Electron shell (which opens the window at one from the tray, a notification or a link).
 * Browser-safe like the contract: no Node imports.
 */
import { GatewaySchema, type Gateway } from '../gateways/schema.js';

export const GATEWAY_TABS = ['overview', 'token', 'connect', 'activity'] as const;
export type GatewayTab = (typeof GATEWAY_TABS)[number];

/** A gateway definition someone published as a `gatekey://add` link: never a secret. */
export interface GatewayDraft {
  url: string;
  name?: string;
  auth?: Gateway['auth'];
  issuer?: string;
  clientId?: string;
  scopes?: string[];
  audience?: string;
}

/** Query parameter → draft field, as links and routes spell them; `scope` is space-separated. */
export const DRAFT_PARAMS = {
  url: 'url',
  name: 'name',
  auth: 'auth',
  issuer: 'issuer',
  clientId: 'clientId',
  scope: 'scopes',
  audience: 'audience',
} as const satisfies Record<string, keyof GatewayDraft>;

export type DraftParam = keyof typeof DRAFT_PARAMS;

/** A parameter's value as its draft field holds it. */
export const draftValue = (param: DraftParam, value: string): string | string[] =>
  param === 'scope' ? value.split(' ').filter(Boolean) : value;

export type Route =
  | { screen: 'gateways' }
  | { screen: 'new-gateway' }
  /** The add form prefilled from a link; nothing is saved until the person adds it. */
  | { screen: 'add-from-link'; draft: GatewayDraft }
  | { screen: 'gateway'; name: string; tab: GatewayTab }
  /** The gateway's overview asking "Sign in?": the person decides, nothing opens by itself. */
  | { screen: 'sign-in-prompt'; name: string }
  | { screen: 'edit-gateway'; name: string }
  | { screen: 'activity' }
  | { screen: 'inspect' };

const SIGN_IN_QUERY = 'ask=sign-in';
const GATEWAYS: Route = { screen: 'gateways' };

const isGatewayTab = (value: string | undefined): value is GatewayTab =>
  GATEWAY_TABS.some((tab) => tab === value);
const isDraftParam = (key: string): key is DraftParam => Object.hasOwn(DRAFT_PARAMS, key);
const isAuthKind = (value: string): value is Gateway['auth'] =>
  GatewaySchema.shape.auth.unwrap().options.some((kind) => kind === value);

/** The draft as query parameters, named as in `gatekey://add` links. */
export function draftQuery(draft: GatewayDraft): URLSearchParams {
  const query = new URLSearchParams();
  for (const [param, field] of Object.entries(DRAFT_PARAMS)) {
    const value = draft[field];
    if (value !== undefined) query.set(param, Array.isArray(value) ? value.join(' ') : value);
  }
  return query;
}

/** The draft a query describes; undefined without a url, or with an unknown or repeated parameter. */
export function draftFromQuery(query: URLSearchParams): GatewayDraft | undefined {
  const draft: Partial<Record<keyof GatewayDraft, unknown>> = {};
  for (const [param, value] of query) {
    if (!isDraftParam(param)) return undefined;
    const field = DRAFT_PARAMS[param];
    if (field in draft) return undefined;
    draft[field] = draftValue(param, value);
  }
  if (typeof draft.url !== 'string') return undefined;
  if (typeof draft.auth === 'string' && !isAuthKind(draft.auth)) return undefined;
  return draft as GatewayDraft;
}

/** `%E0` is no text: such a part makes the whole hash unreadable, not the app. */
function decodePart(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/**
 * `#/gateways/acme/token`, `#/gateways/acme?ask=sign-in`, `#/add`, `#/add?url=…` → the route;
 * anything else is the gateways list.
 */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#?\/?/, '').split(/\?(.*)/s);
  const parts = path.split('/').map(decodePart);
  if (!parts.every((part) => part !== undefined)) return GATEWAYS;
  const [section, ...rest] = parts;
  if (section === 'add') return rest.length === 0 ? addRoute(query) : GATEWAYS;
  if (section === 'gateways' && query) return signInPromptRoute(rest, query);
  if (query) return GATEWAYS;
  if (section === 'gateways') return gatewayRoute(rest);
  if (rest.length > 0) return GATEWAYS;
  if (section === 'activity' || section === 'inspect') return { screen: section };
  return GATEWAYS;
}

/** The add form lives under `add`, not `gateways/new`: "new" is a valid gateway name. */
function addRoute(query: string): Route {
  if (!query) return { screen: 'new-gateway' };
  const draft = draftFromQuery(new URLSearchParams(query));
  return draft ? { screen: 'add-from-link', draft } : GATEWAYS;
}

function signInPromptRoute([name, ...rest]: string[], query: string): Route {
  return name && rest.length === 0 && query === SIGN_IN_QUERY
    ? { screen: 'sign-in-prompt', name }
    : GATEWAYS;
}

function gatewayRoute([name, tab, ...rest]: string[]): Route {
  if (!name || rest.length > 0) return GATEWAYS;
  if (tab === 'edit') return { screen: 'edit-gateway', name };
  if (tab === undefined || isGatewayTab(tab))
    return { screen: 'gateway', name, tab: tab ?? 'overview' };
  return GATEWAYS;
}

const gatewayPath = (name: string) => `#/gateways/${encodeURIComponent(name)}`;

export function routeHref(route: Route): string {
  switch (route.screen) {
    case 'gateways':
      return '#/gateways';
    case 'new-gateway':
      return '#/add';
    case 'add-from-link':
      return `#/add?${draftQuery(route.draft).toString()}`;
    case 'gateway':
      return route.tab === 'overview'
        ? gatewayPath(route.name)
        : `${gatewayPath(route.name)}/${route.tab}`;
    case 'sign-in-prompt':
      return `${gatewayPath(route.name)}?${SIGN_IN_QUERY}`;
    case 'edit-gateway':
      return `${gatewayPath(route.name)}/edit`;
    case 'activity':
      return '#/activity';
    case 'inspect':
      return '#/inspect';
  }
}

/** The gateway a route is about, if any: the list highlights it. */
export function routeGateway(route: Route): string | undefined {
  switch (route.screen) {
    case 'gateway':
    case 'sign-in-prompt':
    case 'edit-gateway':
      return route.name;
    default:
      return undefined;
  }
}
