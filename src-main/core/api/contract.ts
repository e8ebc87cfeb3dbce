/**
 * The one contract between any UI and the core: commands in, events out. Shared by the Electron
 * preload, the loopback HTTP transport, the CLI and the renderer, so this file must stay
 * browser-safe: zod and type-only imports.
 */
import * as z from 'zod';
import type { Gateway } from '../gateways/schema.js';
import type { DiscoveryResult, SignInProgress } from '../oauth/types.js';
import type { GatewayStatus } from '../tokens/types.js';
import type { SignOutResult } from './revocation.js';
import type { InspectionReport } from '../jwt/types.js';
import type { RequestLogEntry } from '../proxy/log-types.js';
import { CLIENT_IDS, type ClientConfigPlan, type WriteResult } from '../clients/types.js';

const gatewayName = z.object({ name: z.string().min(1) });
const tokenKind = z.enum(['access_token', 'id_token']);
const secretFields = {
  /** Goes to the keychain, never to the config file. Empty string removes it. */
  clientSecret: z.string().optional(),
  privateKeyPem: z.string().optional(),
  /** Cross-app access: the enterprise IdP's ID token. */
  idToken: z.string().optional(),
};
const clientId = z.enum(CLIENT_IDS);
/** The folder the user typed the command in: workspace files go there, not where the instance runs. */
const workspaceFolder = z
  .string()
  .regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'expected an absolute path')
  .optional();

export const commandInputs = {
  'app.info': z.object({}),
  'gateways.list': z.object({}),
  'gateways.get': gatewayName,
  'gateways.add': z.object({ gateway: z.unknown(), ...secretFields }),
  'gateways.update': gatewayName.extend({ patch: z.unknown(), ...secretFields }),
  'gateways.remove': gatewayName,
  'gateways.discover': z.object({ gateway: z.unknown() }),
  'gateways.test': gatewayName,
  'auth.signIn': gatewayName.extend({
    /**
     * false: the caller opens the authorization URL of the `browser` progress event itself, in
     * its own environment (the CLI and its $BROWSER); the instance opens none.
     */
    openBrowser: z.boolean().default(true),
  }),
  'auth.cancelSignIn': gatewayName,
  'auth.signOut': gatewayName,
  'auth.refresh': gatewayName,
  'tokens.get': gatewayName.extend({ kind: tokenKind.optional() }),
  'tokens.inspect': gatewayName.extend({ kind: tokenKind.default('access_token') }),
  /**
   * A pasted token; checked against the named gateway, or the one whose issuer it names.
   * `fetchKeys`: the person allowed fetching the keys from the token's own `iss` otherwise.
   */
  'tokens.inspectRaw': z.object({
    token: z.string(),
    kind: tokenKind.default('access_token'),
    name: z.string().optional(),
    fetchKeys: z.boolean().default(false),
  }),
  'log.recent': z.object({
    gateway: z.string().optional(),
    status: z.enum(['ok', 'error']).optional(),
  }),
  'clients.list': gatewayName.extend({ workspace: workspaceFolder }),
  'clients.write': gatewayName.extend({
    client: clientId,
    scope: z.enum(['user', 'workspace']).optional(),
    profile: z.string().min(1).optional(),
    workspace: workspaceFolder,
  }),
  'settings.get': z.object({}),
  'settings.update': z.object({
    port: z.number().int().min(1).max(65535).optional(),
    allowedOrigins: z.array(z.string()).optional(),
  }),
  'demo.start': z.object({}),
  /**
   * A new one-time link to the browser dashboard (60 s, single use): `gatekey dashboard`. Over
   * HTTP only the instance secret may ask, not a dashboard session.
   */
  'dashboard.link': z.object({}),
} as const;

export interface GatewayView {
  gateway: Gateway;
  localUrl: string;
  status: GatewayStatus;
  hasClientSecret: boolean;
}

export interface AppInfo {
  version: string;
  proxyOrigin: string;
  home: string;
  secretStore: 'keychain' | 'insecure-file' | 'memory';
  platform: string;
}

export interface Settings {
  port: number;
  allowedOrigins: string[];
}

export interface ConnectionTest {
  ok: boolean;
  durationMs: number;
  serverName?: string;
  serverVersion?: string;
  tools: { name: string; description?: string }[];
  error?: ApiError;
}

export interface CommandOutputs {
  'app.info': AppInfo;
  'gateways.list': GatewayView[];
  'gateways.get': GatewayView;
  'gateways.add': GatewayView;
  'gateways.update': GatewayView;
  'gateways.remove': { name: string };
  'gateways.discover': DiscoveryResult;
  'gateways.test': ConnectionTest;
  'auth.signIn': GatewayStatus;
  'auth.cancelSignIn': { cancelled: boolean };
  'auth.signOut': SignOutResult;
  'auth.refresh': GatewayStatus;
  'tokens.get': { token: string; kind: 'access_token' | 'id_token'; expiresAt?: number };
  'tokens.inspect': InspectionReport;
  'tokens.inspectRaw': InspectionReport;
  'log.recent': RequestLogEntry[];
  'clients.list': ClientConfigPlan[];
  'clients.write': WriteResult;
  'settings.get': Settings;
  'settings.update': Settings;
  'demo.start': GatewayView;
  'dashboard.link': DashboardLink;
}

export interface DashboardLink {
  url: string;
  /** Epoch ms after which the link no longer opens a session. */
  expiresAt: number;
}

export type CommandName = keyof typeof commandInputs;
export type CommandInput<C extends CommandName> = z.input<(typeof commandInputs)[C]>;
export type CommandOutput<C extends CommandName> = CommandOutputs[C];

export type ApiEvent =
  | { type: 'status'; status: GatewayStatus }
  | { type: 'progress'; gateway: string; progress: SignInProgress }
  | { type: 'log'; entry: RequestLogEntry }
  | { type: 'gateways'; names: string[] };

export interface ApiError {
  code: string;
  message: string;
  hint?: string;
  /** The input field at fault, e.g. `url` or `clientId`. */
  field?: string;
}

/** What every transport gives the renderer and the CLI. */
export interface ApiClient {
  call<C extends CommandName>(command: C, input: CommandInput<C>): Promise<CommandOutput<C>>;
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

export const COMMAND_NAMES = Object.keys(commandInputs) as CommandName[];

/** What a transport carries back: a result or an error, never a thrown exception. */
export type Envelope<T> = { result: T } | { error: ApiError };

/**
 * What the Electron preload exposes on `window.gatekey` (contextBridge). The renderer turns it
 * into an ApiClient; over HTTP the same envelope comes from `POST /api/<command>` and events from
 * `GET /api/events` (text/event-stream, one ApiEvent JSON per `data:` line).
 */
export interface GatekeyBridge {
  invoke(command: CommandName, input: unknown): Promise<Envelope<unknown>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

/** The dashboard's session: in this header, or in this query parameter of the event stream. */
export const SESSION_HEADER = 'x-gatekey-session';
export const SESSION_QUERY = 'session';
/** The one-time login link is the dashboard with `?ticket=…`, which the page trades for a session. */
export const DASHBOARD_LOGIN_PATH = '/';
/** POST `{ ticket }` from a one-time login link: `{ session, expiresAt }`. */
export const DASHBOARD_SESSION_PATH = '/ui/session';
/** POST with the session header: ends that session. */
export const DASHBOARD_LOGOUT_PATH = '/ui/logout';
