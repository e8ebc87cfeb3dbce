import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { shellCommand } from '../../core/clients/links.js';
import { isGatekeyError } from '../../core/errors.js';
import { startInstance } from '../../core/instance.js';
import type { RunningInstance } from '../../core/instance.js';
import { resolveHome } from '../../core/paths.js';
import { openSecretStore } from '../../core/secrets/index.js';
import { MemorySecretStore } from '../../core/secrets/memory-store.js';
import type { SecretStore } from '../../core/secrets/types.js';
import { DEMO_BROWSER_GATEWAY, DEMO_GATEWAY, startDemoServers } from '../../demo/demo.js';
import type { DemoServers } from '../../demo/demo.js';
import type { CommandContext } from '../command.js';
import { stdioCommand, version } from '../package-root.js';
import { info, print, waitForSignal } from '../output.js';

const PREFERRED_PORT = 7421;

/** `gatekey demo`, loaded only when it runs: it brings the IdP and the MCP SDK along. */
export async function runDemo(context: CommandContext): Promise<number> {
  const started = performance.now();
  const step = (text: string) =>
    info(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${text}`);
  const home =
    context.globals.home === undefined
      ? await mkdtemp(path.join(tmpdir(), 'gatekey-demo-'))
      : resolveHome(context.globals.home);
  const throwaway = context.globals.home === undefined;
  let servers: DemoServers | undefined;
  let instance: RunningInstance | undefined;
  try {
    servers = await startDemoServers();
    step(`Identity provider (oidc-provider) at ${servers.idp.issuer}`);
    step(`MCP server (JWT-protected) at ${servers.mcp.url}`);
    const secrets = await reachableSecretStore(home, context.globals.insecureFileStore, step);
    const demoServers = servers;
    const requestedPort =
      context.values.port === undefined ? undefined : Number(context.values.port);
    instance = await startOnPreferredPort(requestedPort, (port) =>
      startInstance({
        home,
        version,
        port,
        secrets,
        stdioCommand,
        startDemo: async () => demoServers.machineGateway(),
      }),
    );
    step(`Gatekey proxy at ${instance.proxyOrigin}`);
    const view = await instance.api.invoke('demo.start', {});
    step(
      `Signed in to "${DEMO_GATEWAY}" with client credentials (scopes: ${view.status.grantedScopes.join(' ')})`,
    );
    const result = await callThroughProxy(view.localUrl);
    step('Tool call through the proxy succeeded:');
    print(`  whoami → ${result}`);
    await addBrowserGateway(instance, servers, Boolean(context.values.browser), step);
    await printNextSteps(instance, view.localUrl, home);
    await waitForSignal();
    return 0;
  } finally {
    await instance?.close();
    await servers?.close();
    if (throwaway) await rm(home, { recursive: true, force: true });
    info('Demo stopped; nothing is left running.');
  }
}

async function reachableSecretStore(
  home: string,
  insecureFileStore: boolean | undefined,
  step: (text: string) => void,
): Promise<SecretStore> {
  const store = openSecretStore({ home, insecureFileStore });
  try {
    await store.read('demo-probe');
    step(`Secrets in the ${store.kind === 'keychain' ? 'OS keychain' : 'insecure file store'}`);
    return store;
  } catch (error) {
    if (!isGatekeyError(error, 'keychain_unavailable')) throw error;
    step('No OS keychain reachable here: the demo keeps its throwaway tokens in memory.');
    return new MemorySecretStore();
  }
}

async function startOnPreferredPort(
  requested: number | undefined,
  start: (port: number) => Promise<RunningInstance>,
): Promise<RunningInstance> {
  if (requested !== undefined) return start(requested);
  try {
    return await start(PREFERRED_PORT);
  } catch (error) {
    if (!isGatekeyError(error, 'port_in_use')) throw error;
    return start(0);
  }
}

async function callThroughProxy(url: string): Promise<string> {
  const client = new Client({ name: 'gatekey-demo', version });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    const content = result.content as { type: string; text?: string }[];
    return oneLine(content.map((part) => part.text ?? '').join(' '));
  } finally {
    await client.close();
  }
}

/** Tool results are often pretty-printed JSON; a terminal line reads better compact. */
function oneLine(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text.replace(/\s+/g, ' ');
  }
}

async function addBrowserGateway(
  instance: RunningInstance,
  servers: DemoServers,
  signIn: boolean,
  step: (text: string) => void,
): Promise<void> {
  await instance.api.invoke('gateways.add', servers.browserGateway());
  if (!signIn) {
    step(
      `"${DEMO_BROWSER_GATEWAY}" signs in through your browser: run gatekey demo --browser, or open the tray.`,
    );
    return;
  }
  step(`Signing in to "${DEMO_BROWSER_GATEWAY}" in your browser (PKCE)…`);
  const status = await instance.api.invoke('auth.signIn', { name: DEMO_BROWSER_GATEWAY });
  step(`Signed in to "${DEMO_BROWSER_GATEWAY}" (${status.state}).`);
}

async function printNextSteps(
  instance: RunningInstance,
  localUrl: string,
  home: string,
): Promise<void> {
  const plans = await instance.api.invoke('clients.list', { name: DEMO_GATEWAY });
  const vscode = plans.find((plan) => plan.client === 'vscode');
  const claude = plans.find((plan) => plan.client === 'claude-code');
  print(`\nThe demo gateway is live at ${localUrl}`);
  if (vscode) print(`\nVS Code (${vscode.files[0]?.path ?? 'mcp.json'}):\n${vscode.snippet}`);
  if (claude?.command) print(`\nClaude Code:\n  ${claude.command}`);
  // The demo's profile is never the default one: every command must be told where it is.
  const tryCommand = (...args: string[]) => shellCommand(['gatekey', '--home', home, ...args]);
  print(`\nTry: ${tryCommand('list')}   ·   ${tryCommand('inspect', DEMO_GATEWAY)}`);
  print('Press Ctrl-C to stop.');
}
