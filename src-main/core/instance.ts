import { createServer } from 'node:http';
import { GatekeyError } from './errors.js';
import {
  createLoopbackServer,
  createProxyHandler,
  guardLocalRequest,
  isProxyPath,
  listenOnLoopback,
  sameUserAdmission,
} from './proxy/index.js';
import type { Api } from './api/commands.js';
import { ControlApi, DashboardTickets, randomToken } from './api/http-transport.js';
import { createCore } from './core.js';
import type { CoreOptions } from './core.js';
import type { GatewayStore } from './gateways/store.js';
import type { TokenManager } from './tokens/manager.js';
import { serveDashboard } from './dashboard.js';
import { checkInstance } from './api/http-client.js';
import { readInstanceRecord, removeInstanceRecord, writeInstanceRecord } from './instance-file.js';

export interface InstanceOptions extends Omit<CoreOptions, 'port' | 'stdioCommand'> {
  /** Default: the port in settings (7421). 0 picks a free port (tests). */
  port?: number;
  /** The built renderer (dist/renderer): served at `/` for the headless dashboard. */
  uiDir?: string;
  /** Default: `gatekey stdio` on the PATH. */
  stdioCommand?: CoreOptions['stdioCommand'];
}

export interface RunningInstance {
  readonly api: Api;
  readonly port: number;
  readonly proxyOrigin: string;
  readonly tokens: TokenManager;
  readonly store: GatewayStore;
  /** A one-time URL that signs a browser in to the dashboard. */
  dashboardUrl(): string;
  close(): Promise<void>;
}

/**
 * Starts the one owner of tokens: TokenManager, proxy, control API and dashboard on a single
 * loopback port, and records itself so every other `gatekey` command talks to it.
 */
export async function startInstance(options: InstanceOptions): Promise<RunningInstance> {
  await refuseSecondInstance(options.home);
  const secret = randomToken();
  let port: number;
  const tickets = new DashboardTickets();
  const dashboardLink = () => {
    const { path, expiresAt } = tickets.issue();
    return { url: `${proxyOrigin()}${path}`, expiresAt };
  };
  const { api, store, tokens, log, proxyOrigin } = createCore({
    ...options,
    port: () => port,
    stdioCommand: options.stdioCommand ?? { command: 'gatekey', args: ['stdio'] },
    dashboardLink: options.uiDir === undefined ? undefined : dashboardLink,
  });
  port = options.port ?? store.settings().port;
  const control = new ControlApi(api, secret, tickets);
  const proxy = createProxyHandler({
    port,
    gateways: store.recent,
    tokens,
    log,
    allowedOrigins: () => store.recent.settings().allowedOrigins,
    publicOrigin: proxyOrigin,
  });

  const dashboardOrigins = (): string[] => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  // The fast path answers most proxy requests (and guards them itself); the rest come here.
  const fallback = createServer((req, res) => {
    if (isProxyPath(req.url ?? '/')) return proxy(req, res);
    const verdict = guardLocalRequest(req, port, dashboardOrigins());
    if (!verdict.ok) {
      res.writeHead(verdict.status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(verdict.reason);
      return;
    }
    if (control.handle(req, res)) return;
    serveDashboard(options.uiDir, req, res);
  });
  // Only the programs of the user who runs Gatekey may use the proxy and the control API.
  const loopback = createLoopbackServer({
    takes: isProxyPath,
    handle: proxy,
    fallback,
    admit: sameUserAdmission(),
  });
  const server = loopback.server;

  const stopServing = async () => {
    loopback.closeAllConnections();
    proxy.close();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    await tokens.stop();
  };
  try {
    port = await listenOnLoopback(server, port);
    // The proxy answers meanwhile: a request waits for its own gateway's restore only. Commands
    // find the instance once every gateway shows its real state.
    await tokens.start();
    writeInstanceRecord(options.home, {
      pid: process.pid,
      port,
      secret,
      version: options.version,
      startedAt: Date.now(),
    });
  } catch (error) {
    // A start that fails half-way holds nothing: no port, no timers keeping the process alive.
    await stopServing();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    api,
    tokens,
    store,
    get port() {
      return port;
    },
    get proxyOrigin() {
      return proxyOrigin();
    },
    dashboardUrl: () => dashboardLink().url,
    close() {
      closing ??= (async () => {
        await stopServing();
        await removeInstanceRecord(options.home, secret);
      })();
      return closing;
    },
  };
}

/** A record whose pid and port no longer prove to be Gatekey is stale: it is replaced. */
async function refuseSecondInstance(home: string): Promise<void> {
  const record = await readInstanceRecord(home);
  if (record && record.pid !== process.pid && (await checkInstance(record)) === 'proven') {
    throw new GatekeyError(
      'instance_running',
      `Gatekey is already running (pid ${record.pid}, port ${record.port}) for ${home}.`,
      'Use the running instance (every gatekey command talks to it), or quit it first.',
    );
  }
}
