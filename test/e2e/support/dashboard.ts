import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startInstance, type RunningInstance } from '../../../src-main/core/instance.js';
import { startDemoServers, type DemoServers } from '../../../src-main/demo/demo.js';
import { startIdp, type RunningIdp } from '../../../src-main/demo/idp.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../../src-main/demo/mcp-server.js';
import { completeBrowserLogin } from '../../support/headless-browser.js';

/**
 * What the person at the browser does when a sign-in opens it: sign in, or leave the page
 * open without acting (so the window waits in its browser step).
 */
export type BrowserBehaviour = 'sign-in' | 'leave-open';

/** A real instance serving the built UI, a real IdP and a real MCP server, all on loopback. */
export interface Dashboard {
  readonly instance: RunningInstance;
  readonly idp: RunningIdp;
  readonly mcp: RunningMcpServer;
  /** The home and working directory IDE config files are written under: never the real ones. */
  readonly clientHome: string;
  browser: BrowserBehaviour;
  close(): Promise<void>;
}

/**
 * Sign-ins open the headless browser, which fills in the IdP's real forms. Secrets go to the
 * instance's file store: these tests are about the window, not the keychain.
 */
export async function startDashboard(uiDir: string): Promise<Dashboard> {
  const home = await mkdtemp(path.join(tmpdir(), 'gatekey-ui-'));
  const clientHome = path.join(home, 'person');
  await mkdir(clientHome);
  // Ten minutes: below an hour, the window's countdown ticks every second.
  const idp = await startIdp({ profile: 'generic', accessTokenTtlSeconds: 600 });
  const mcp = await startDemoMcpServer({ issuer: idp.issuer });
  let demo: DemoServers | undefined;
  const instance = await startInstance({
    home,
    version: 'e2e',
    port: 0,
    uiDir,
    insecureFileStore: true,
    onWarning: () => undefined,
    openBrowser: async (url) => {
      if (dashboard.browser === 'sign-in') await completeBrowserLogin(url);
    },
    startDemo: async () => {
      demo ??= await startDemoServers();
      return demo.machineGateway();
    },
    // No variables: XDG_CONFIG_HOME and the like would lead back to the real home.
    clientEnvironment: {
      platform: process.platform,
      homedir: clientHome,
      env: {},
    },
  });
  const dashboard: Dashboard = {
    instance,
    idp,
    mcp,
    clientHome,
    browser: 'sign-in',
    async close() {
      await instance.close();
      await Promise.allSettled([mcp.close(), idp.close(), demo?.close()]);
      await rm(home, { recursive: true, force: true });
    },
  };
  return dashboard;
}
