import { EventEmitter } from 'node:events';
import * as z from 'zod';
import { GatekeyError, isGatekeyError } from '../errors.js';
import { GatewaySchema } from '../gateways/schema.js';
import type { Gateway, GatewayInput } from '../gateways/schema.js';
import type { GatewayStore } from '../gateways/store.js';
import type { SecretStore } from '../secrets/types.js';
import type { TokenManager } from '../tokens/manager.js';
import type { RequestLog } from '../proxy/index.js';
import { discover } from '../oauth/index.js';
import type { DiscoveryResult } from '../oauth/index.js';
import { compareIdentifiers } from '../jwt/claims.js';
import { decodeJwt, inspectToken, looksLikeJwt } from '../jwt/index.js';
import type { InspectionContext } from '../jwt/index.js';
import {
  CLIENT_IDS,
  clientConfig,
  currentEnvironment,
  writeClientConfig,
} from '../clients/index.js';
import type { ClientTarget, Environment } from '../clients/index.js';
import { parseInput } from '../validation.js';
import { commandInputs } from './contract.js';
import type {
  ApiEvent,
  CommandName,
  CommandOutputs,
  ConnectionTest,
  DashboardLink,
  Envelope,
  GatewayView,
} from './contract.js';

export interface ApiDependencies {
  home: string;
  version: string;
  /** `http://127.0.0.1:<port>`: where the proxy answers. */
  proxyOrigin: () => string;
  store: GatewayStore;
  secrets: SecretStore;
  tokens: TokenManager;
  log: RequestLog;
  openBrowser: (url: string) => Promise<void>;
  /** How a stdio client runs this very Gatekey's stdio bridge (the gateway name follows). */
  stdioCommand: ClientTarget['stdioCommand'];
  /** Starts the embedded demo IdP and MCP server; returns the gateway to register. */
  startDemo?: () => Promise<DemoGateway>;
  /** Where IDE config files live; default: this process's home and working directory. */
  clientEnvironment?: Environment;
  /** A new one-time dashboard link; absent when this process serves no dashboard. */
  dashboardLink?: () => DashboardLink;
}

export interface DemoGateway {
  gateway: GatewayInput;
  clientSecret?: string;
}

type Handlers = {
  [C in CommandName]: (input: z.output<(typeof commandInputs)[C]>) => Promise<CommandOutputs[C]>;
};

export interface Api {
  /** Validates the input, runs the command, and wraps the outcome; never throws. */
  call(command: string, input: unknown): Promise<Envelope<unknown>>;
  /** The typed, throwing form, for in-process callers. */
  invoke<C extends CommandName>(command: C, input: unknown): Promise<CommandOutputs[C]>;
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

const CONNECTION_TEST_TIMEOUT_MS = 15_000;

/** What Gatekey sends to name the gateway at the IdP: Auth0's `audience`, else RFC 8707 `resource`. */
function requestedAudience(
  gateway: Gateway,
  discovery: DiscoveryResult | undefined,
): InspectionContext['requestedAudience'] {
  if (gateway.audience) return { parameter: 'audience', value: gateway.audience };
  return discovery?.resource ? { parameter: 'resource', value: discovery.resource } : undefined;
}

/** Gateway secrets a UI may set; they go to the keychain, never to the config file. */
const SECRET_FIELDS = ['clientSecret', 'privateKeyPem', 'idToken'] as const;
type SecretInput = Partial<Record<(typeof SECRET_FIELDS)[number], string | undefined>>;

/** A keychain refusal, prefixed with the step it stopped: `Adding gateway "x" stopped: …`. */
function stoppedBeforeSaving(step: string, error: unknown): unknown {
  if (!isGatekeyError(error)) return error;
  return new GatekeyError(
    error.code,
    `${step} stopped: nothing was saved. ${error.message}`,
    error.hint,
    { cause: error, field: error.field },
  );
}

export function createApi(deps: ApiDependencies): Api {
  const events = new EventEmitter<{ event: [ApiEvent] }>();
  events.setMaxListeners(0);
  const emit = (event: ApiEvent) => events.emit('event', event);
  deps.tokens.on('status', (status) => emit({ type: 'status', status }));
  deps.tokens.on('progress', (gateway, progress) => emit({ type: 'progress', gateway, progress }));
  deps.log.on('entry', (entry) => emit({ type: 'log', entry }));

  const signIns = new Map<string, AbortController>();

  const localUrl = (name: string) => `${deps.proxyOrigin()}/mcp/${name}`;
  const clientTarget = (name: string): ClientTarget => ({
    name,
    localUrl: localUrl(name),
    stdioCommand: deps.stdioCommand,
    home: deps.home,
    runtimeDir: process.env.XDG_RUNTIME_DIR,
  });
  /** Workspace files go under the caller's folder; without one, none are offered. */
  const clientEnvironment = (workspace: string | undefined): Environment => {
    const base = deps.clientEnvironment ?? currentEnvironment();
    return { ...base, workspace: workspace ?? base.workspace };
  };

  async function view(gateway: Gateway): Promise<GatewayView> {
    // Listing must work with the keychain locked; the gateway's status says what is wrong.
    const secrets = await deps.secrets.read(gateway.name).catch(() => undefined);
    return {
      gateway,
      localUrl: localUrl(gateway.name),
      status: deps.tokens.status(gateway.name),
      hasClientSecret: Boolean(secrets?.clientSecret || secrets?.privateKeyPem),
    };
  }

  /** Sets the given secret fields; returns a way to put the previous entry back, if it wrote. */
  async function saveSecrets(
    name: string,
    input: SecretInput,
  ): Promise<(() => Promise<void>) | undefined> {
    const fields = SECRET_FIELDS.filter((field) => input[field] !== undefined);
    if (fields.length === 0) return undefined;
    const previous = await deps.secrets.read(name);
    const next = { ...previous };
    for (const field of fields) next[field] = input[field] || undefined;
    await deps.secrets.write(name, next);
    return () => (previous ? deps.secrets.write(name, previous) : deps.secrets.delete(name));
  }

  /**
   * Secrets first, then the config file: a keychain that refuses (locked, unreachable), or a
   * process stopped while the keyring's unlock prompt is up, leaves the gateway as it was.
   * `writeConfig` has passed a dry run; should it still fail, the previous secrets go back.
   */
  async function saveGateway(
    step: string,
    name: string,
    secrets: SecretInput,
    writeConfig: () => Gateway,
  ): Promise<GatewayView> {
    const restoreSecrets = await saveSecrets(name, secrets).catch((error: unknown) => {
      throw stoppedBeforeSaving(step, error);
    });
    let gateway: Gateway;
    try {
      gateway = writeConfig();
    } catch (error) {
      await restoreSecrets?.().catch(() => undefined);
      throw error;
    }
    // The gateway is saved: tokens the keychain cannot give now show in its status instead.
    await deps.tokens.reload(name).catch(() => undefined);
    gatewaysChanged();
    return view(gateway);
  }

  const gatewaysChanged = () =>
    emit({ type: 'gateways', names: deps.store.list().map((g) => g.name) });

  async function currentToken(name: string, kind: 'access_token' | 'id_token'): Promise<string> {
    await deps.tokens.tokenFor(name);
    const tokens = await deps.tokens.currentTokens(name);
    const token = kind === 'id_token' ? tokens?.idToken : tokens?.accessToken;
    if (!token) {
      throw new GatekeyError(
        'invalid_input',
        `${name} has no ${kind === 'id_token' ? 'ID token' : 'access token'}.`,
        kind === 'id_token'
          ? 'ID tokens come only from a browser sign-in with the `openid` scope.'
          : `Sign in first: gatekey login ${name}`,
      );
    }
    return token;
  }

  async function inspectionContext(
    gateway: Gateway,
    kind: 'access_token' | 'id_token',
  ): Promise<InspectionContext> {
    const discovery = await deps.tokens.discovery(gateway.name).catch(() => undefined);
    const secrets = await deps.secrets.read(gateway.name);
    return {
      tokenKind: kind,
      issuer: discovery?.authorizationServer.issuer ?? gateway.issuer,
      jwksUri: discovery?.authorizationServer.jwksUri,
      expectedAudience:
        gateway.audience ?? (gateway.resource === false ? undefined : discovery?.resource),
      requestedAudience: requestedAudience(gateway, discovery),
      clientId: gateway.clientId ?? secrets?.registration?.clientId,
      requestedScopes: discovery?.scopes ?? gateway.scopes,
      stepUpScopes: deps.tokens.status(gateway.name).stepUpScopes,
      introspect: discovery?.authorizationServer.introspectionEndpoint
        ? (token) => deps.tokens.introspect(gateway.name, token)
        : undefined,
    };
  }

  /**
   * The configured gateway whose issuer a pasted JWT names, if any (the token is not trusted).
   * A gateway added without `--issuer` found its issuer from its 401, so that one is asked of
   * discovery (done once per gateway, and only when no configured issuer matches).
   */
  async function gatewayIssuing(token: string): Promise<Gateway | undefined> {
    if (!looksLikeJwt(token)) return undefined;
    const issuer = decodeJwt(token).payload.iss;
    if (typeof issuer !== 'string') return undefined;
    const matches = (candidate: string | undefined) =>
      candidate !== undefined && compareIdentifiers(candidate, issuer) !== 'different';
    const gateways = deps.store.list().filter((gateway) => gateway.auth !== 'none');
    const configured = gateways.find((gateway) => matches(gateway.issuer));
    if (configured) return configured;
    const discovered = await Promise.all(
      gateways
        .filter((gateway) => gateway.issuer === undefined)
        .map(async (gateway) => {
          const discovery = await deps.tokens.discovery(gateway.name).catch(() => undefined);
          return matches(discovery?.authorizationServer.issuer) ? gateway : undefined;
        }),
    );
    return discovered.find((gateway) => gateway !== undefined);
  }

  const handlers: Handlers = {
    'app.info': async () => ({
      version: deps.version,
      proxyOrigin: deps.proxyOrigin(),
      home: deps.home,
      secretStore: deps.secrets.kind,
      platform: process.platform,
    }),
    'gateways.list': async () => Promise.all(deps.store.list().map(view)),
    'gateways.get': async ({ name }) => view(deps.store.require(name)),
    'gateways.add': async (input) => {
      const gateway = parseInput(GatewaySchema, input.gateway, 'The gateway');
      deps.store.add(gateway, { dryRun: true });
      return saveGateway(`Adding gateway "${gateway.name}"`, gateway.name, input, () =>
        deps.store.add(gateway),
      );
    },
    'gateways.update': async (input) => {
      // The store validates the merged gateway; a schema here would fill in defaults and reset
      // fields. JSON has no undefined, so null sends a field back to its default.
      const patch = parseInput(z.record(z.string(), z.unknown()), input.patch, 'The gateway patch');
      const fields = Object.entries(patch).map(([key, value]) => [key, value ?? undefined]);
      const changes = Object.fromEntries(fields) as Partial<GatewayInput>;
      deps.store.update(input.name, changes, { dryRun: true });
      return saveGateway(`Changing gateway "${input.name}"`, input.name, input, () =>
        deps.store.update(input.name, changes),
      );
    },
    'gateways.remove': async ({ name }) => {
      signIns.get(name)?.abort();
      await deps.tokens.forget(name);
      deps.store.remove(name);
      gatewaysChanged();
      return { name };
    },
    'gateways.discover': async ({ gateway }) => {
      const draft = parseInput(
        GatewaySchema,
        { name: 'discovery', ...(gateway as object) },
        'The gateway',
      );
      return discover(draft);
    },
    'gateways.test': async ({ name }) => testConnection(localUrl(deps.store.require(name).name)),
    'auth.signIn': async ({ name, openBrowser }) => {
      deps.store.require(name);
      signIns.get(name)?.abort();
      const controller = new AbortController();
      signIns.set(name, controller);
      try {
        return await deps.tokens.signIn(name, {
          openBrowser: openBrowser ? deps.openBrowser : async () => undefined,
          signal: controller.signal,
        });
      } finally {
        if (signIns.get(name) === controller) signIns.delete(name);
      }
    },
    'auth.cancelSignIn': async ({ name }) => {
      const controller = signIns.get(name);
      controller?.abort();
      return { cancelled: Boolean(controller) };
    },
    'auth.signOut': async ({ name }) => {
      const revocation = await deps.tokens.signOut(name);
      return { status: deps.tokens.status(name), revocation };
    },
    'auth.refresh': async ({ name }) => deps.tokens.refreshNow(name),
    'tokens.get': async ({ name, kind }) => {
      const gateway = deps.store.require(name);
      const tokenKind = kind ?? gateway.tokenToSend;
      const token = await currentToken(name, tokenKind);
      return { token, kind: tokenKind, expiresAt: deps.tokens.status(name).expiresAt };
    },
    'tokens.inspect': async ({ name, kind }) => {
      const gateway = deps.store.require(name);
      const token = await currentToken(name, kind);
      return inspectToken(token, await inspectionContext(gateway, kind));
    },
    'tokens.inspectRaw': async ({ token, kind, name, fetchKeys }) => {
      const trimmed = token.trim();
      const gateway = name ? deps.store.require(name) : await gatewayIssuing(trimmed);
      const context = gateway ? await inspectionContext(gateway, kind) : { tokenKind: kind };
      return inspectToken(trimmed, { ...context, fetchIssuerKeys: fetchKeys });
    },
    'log.recent': async (filter) => deps.log.recent(filter),
    'clients.list': async ({ name, workspace }) =>
      CLIENT_IDS.map((client) =>
        clientConfig(
          client,
          clientTarget(deps.store.require(name).name),
          clientEnvironment(workspace),
        ),
      ),
    'clients.write': async ({ name, client, scope, profile, workspace }) =>
      writeClientConfig(client, clientTarget(deps.store.require(name).name), {
        scope,
        profile,
        environment: clientEnvironment(workspace),
      }),
    'settings.get': async () => deps.store.settings(),
    'settings.update': async (patch) => deps.store.updateSettings(patch),
    'demo.start': async () => {
      if (!deps.startDemo) {
        throw new GatekeyError(
          'invalid_input',
          'The demo gateway is not available here.',
          'Run: gatekey demo',
        );
      }
      const demo = await deps.startDemo();
      const input = parseInput(GatewaySchema, demo.gateway, 'The demo gateway');
      if (deps.store.get(input.name)) deps.store.remove(input.name);
      const { gateway } = await saveGateway('Adding the demo gateway', input.name, demo, () =>
        deps.store.add(input),
      );
      if (gateway.auth !== 'client_credentials') return view(gateway);
      await deps.tokens.signIn(gateway.name, { openBrowser: deps.openBrowser });
      gatewaysChanged();
      return view(gateway);
    },
    'dashboard.link': async () => {
      if (deps.dashboardLink) return deps.dashboardLink();
      const port = new URL(deps.proxyOrigin()).port;
      throw new GatekeyError(
        'no_dashboard',
        `The running Gatekey (port ${port}) serves no dashboard: it was started without --ui.`,
        `Stop it (Ctrl-C where it runs) and start it with the dashboard: gatekey serve --ui --port ${port}`,
      );
    },
  };

  async function invoke<C extends CommandName>(
    command: C,
    input: unknown,
  ): Promise<CommandOutputs[C]> {
    const schema = commandInputs[command];
    if (!schema) {
      throw new GatekeyError('invalid_input', `Unknown command "${String(command)}".`);
    }
    const parsed = parseInput(schema, input ?? {}, `The input of ${command}`);
    const handler = handlers[command] as (input: unknown) => Promise<CommandOutputs[C]>;
    return handler(parsed);
  }

  return {
    invoke,
    async call(command, input) {
      try {
        if (!Object.hasOwn(commandInputs, command)) {
          throw new GatekeyError('invalid_input', `Unknown command "${command}".`);
        }
        return { result: await invoke(command as CommandName, input) };
      } catch (error) {
        return { error: toApiError(error) };
      }
    },
    subscribe(listener) {
      events.on('event', listener);
      return () => events.off('event', listener);
    },
  };
}

export function toApiError(error: unknown): {
  code: string;
  message: string;
  hint?: string;
  field?: string;
} {
  if (error instanceof GatekeyError) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}

async function testConnection(url: string): Promise<ConnectionTest> {
  const started = performance.now();
  // Loaded on first use: the MCP SDK is a large part of start-up time and memory otherwise.
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const client = new Client({ name: 'gatekey-connection-test', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const timeout = AbortSignal.timeout(CONNECTION_TEST_TIMEOUT_MS);
  try {
    await client.connect(transport, { signal: timeout, timeout: CONNECTION_TEST_TIMEOUT_MS });
    const { tools } = await client.listTools(undefined, { signal: timeout });
    const server = client.getServerVersion();
    return {
      ok: true,
      durationMs: Math.round(performance.now() - started),
      serverName: server?.name,
      serverVersion: server?.version,
      tools: tools.map((tool) => ({ name: tool.name, description: tool.description })),
    };
  } catch (error) {
    return {
      ok: false,
      durationMs: Math.round(performance.now() - started),
      tools: [],
      error: toApiError(error),
    };
  } finally {
    await client.close().catch(() => undefined);
  }
}
