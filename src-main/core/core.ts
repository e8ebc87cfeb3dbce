import { GatewayStore } from './gateways/store.js';
import { openSecretStore } from './secrets/index.js';
import type { SecretStore } from './secrets/types.js';
import { TokenManager } from './tokens/manager.js';
import { RequestLog } from './proxy/index.js';
import { openSystemBrowser } from './oauth/index.js';
import type { Api, ApiDependencies } from './api/commands.js';
import { createApi } from './api/commands.js';
import type { ClientTarget } from './clients/index.js';

export interface CoreOptions {
  home: string;
  version: string;
  /** The port the proxy answers on, for local URLs. */
  port: () => number;
  insecureFileStore?: boolean;
  /** Overrides the keychain (the demo's throwaway tokens where no keychain is reachable). */
  secrets?: SecretStore;
  openBrowser?: (url: string) => Promise<void>;
  onWarning?: (message: string) => void;
  stdioCommand: ClientTarget['stdioCommand'];
  startDemo?: ApiDependencies['startDemo'];
  clientEnvironment?: ApiDependencies['clientEnvironment'];
  dashboardLink?: ApiDependencies['dashboardLink'];
}

export interface Core {
  readonly api: Api;
  readonly store: GatewayStore;
  readonly secrets: SecretStore;
  readonly tokens: TokenManager;
  readonly log: RequestLog;
  proxyOrigin(): string;
}

/** Everything but the server: what `gatekey` uses in-process when no instance is running. */
export function createCore(options: CoreOptions): Core {
  const store = new GatewayStore(options.home);
  const secrets =
    options.secrets ??
    openSecretStore({
      home: options.home,
      insecureFileStore: options.insecureFileStore,
      onWarning: options.onWarning,
    });
  const tokens = new TokenManager({ gateways: store, secrets });
  const log = new RequestLog();
  const proxyOrigin = () => `http://127.0.0.1:${options.port()}`;
  const api = createApi({
    home: options.home,
    version: options.version,
    proxyOrigin,
    store,
    secrets,
    tokens,
    log,
    openBrowser: options.openBrowser ?? openSystemBrowser,
    stdioCommand: options.stdioCommand,
    startDemo: options.startDemo,
    clientEnvironment: options.clientEnvironment,
    dashboardLink: options.dashboardLink,
  });
  return { api, store, secrets, tokens, log, proxyOrigin };
}
