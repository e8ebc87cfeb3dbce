import { setTimeout as delay } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startInstance, type RunningInstance } from '../../src-main/core/instance.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { temporaryHome } from './cli.js';
import { completeBrowserLogin } from './headless-browser.js';
import { postMcp, rpcRequest } from './proxy-fixtures.js';
import { startPrivateKeyring, type PrivateKeyring } from './reliability-keyring.js';

/** Long enough for a sign-in, short enough to outlive a token in a few seconds. */
export const EXPIRING_TOKEN_TTL_SECONDS = 4;
/** Requests stop this long before expiry: a token sent later may expire on the way. */
export const EXPIRY_MARGIN_MS = 500;
/** The default backoff doubles from 2 s; three failures wait at most 8 s. */
export const RECOVERY_TIMEOUT_MS = 20_000;

/** One line of figures in the test output, the source of docs/RELIABILITY.md. */
export function report(scenario: string, figures: Record<string, string | number>): void {
  const fields = Object.entries(figures).map(([name, value]) => `${name}=${value}`);
  console.log(`reliability: ${scenario} ${fields.join(' ')}`);
}

/**
 * Real parts wired as on a laptop: the test IdP, the demo MCP server behind it, and a Gatekey
 * instance (keychain, TokenManager, proxy, control API) on loopback. The keychain is a
 * PrivateKeyring that this process uses from the start (see reliability-keyring.ts).
 */
export interface Rig {
  readonly keyring: PrivateKeyring;
  readonly home: string;
  readonly idp: RunningIdp;
  readonly mcp: RunningMcpServer;
  readonly instance: RunningInstance;
  /** Sign-ins the headless "person" completed in the browser. */
  browserSignIns(): number;
  /** A PKCE gateway to the demo server (rotating refresh tokens), signed in through the browser. */
  addSignedInGateway(name: string): Promise<void>;
  /** A client-credentials gateway to the demo server (secret in the keychain), with a token. */
  addMachineGateway(name: string): Promise<void>;
  /** The gateway's local URL, what an IDE is configured with. */
  localUrl(name: string): string;
  /** An IDE: an MCP SDK client connected through the proxy. */
  connect(name: string): Promise<Client>;
  /** Stops everything above, the keyring last. */
  close(): Promise<void>;
}

export async function startRig(options: { tokenTtlSeconds: number }): Promise<Rig> {
  const keyring = await startPrivateKeyring();
  keyring.useInThisProcess();
  try {
    return await startRigParts(keyring, options.tokenTtlSeconds);
  } catch (error) {
    await keyring.stop();
    throw error;
  }
}

async function startRigParts(keyring: PrivateKeyring, tokenTtlSeconds: number): Promise<Rig> {
  const idp = await startIdp({ accessTokenTtlSeconds: tokenTtlSeconds });
  const mcp = await startDemoMcpServer({ issuer: idp.issuer });
  const home = await temporaryHome();
  let signIns = 0;
  const instance = await startInstance({
    home,
    version: 'reliability',
    port: 0,
    openBrowser: async (url) => {
      await completeBrowserLogin(url);
      signIns += 1;
    },
  });
  const clients: Client[] = [];
  const localUrl = (name: string) => `${instance.proxyOrigin}/mcp/${name}`;
  return {
    keyring,
    home,
    idp,
    mcp,
    instance,
    browserSignIns: () => signIns,
    localUrl,
    async addSignedInGateway(name) {
      await instance.api.invoke('gateways.add', {
        gateway: {
          name,
          url: mcp.url,
          issuer: idp.issuer,
          clientId: idp.clients.publicPkce.clientId,
          tokenEndpointAuthMethod: 'none',
          scopes: ['openid', 'offline_access', 'mcp:tools'],
        },
      });
      await instance.api.invoke('auth.signIn', { name });
    },
    async addMachineGateway(name) {
      const client = idp.clients.confidentialBasic;
      await instance.api.invoke('gateways.add', {
        gateway: {
          name,
          url: mcp.url,
          auth: 'client_credentials',
          issuer: idp.issuer,
          clientId: client.clientId,
          scopes: ['mcp:tools'],
        },
        clientSecret: client.clientSecret,
      });
      await instance.api.invoke('auth.signIn', { name });
    },
    async connect(name) {
      const client = new Client({ name: 'reliability-ide', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(localUrl(name))));
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
      await instance.close();
      await mcp.close();
      await idp.close();
      await keyring.stop();
    },
  };
}

type ToolContent = { type: string; text?: string }[];

export async function echo(client: Client, text: string): Promise<string | undefined> {
  const result = await client.callTool({ name: 'echo', arguments: { text } });
  return (result.content as ToolContent)[0]?.text;
}

/** Whether an echo through the proxy comes back intact (any failure counts as no). */
function echoSucceeds(client: Client, text: string): Promise<boolean> {
  return echo(client, text).then(
    (answer) => answer === text,
    () => false,
  );
}

/** Calls `echo` every 50 ms until the clock passes `until` (epoch ms), counting the outcomes. */
export async function keepCalling(
  client: Client,
  until: number,
): Promise<{ served: number; failures: number }> {
  const counts = { served: 0, failures: 0 };
  while (Date.now() < until) {
    if (await echoSucceeds(client, `call ${counts.served + counts.failures}`)) counts.served += 1;
    else counts.failures += 1;
    await delay(50);
  }
  return counts;
}

/** Calls `echo` every 100 ms until one goes through: how long that took, and how many did not. */
export async function timeToRecover(
  client: Client,
  timeoutMs: number,
): Promise<{ recoveredMs: number; refused: number }> {
  const started = performance.now();
  let refused = 0;
  while (!(await echoSucceeds(client, 'back'))) {
    refused += 1;
    if (performance.now() - started > timeoutMs)
      throw new Error(`No call went through within ${timeoutMs} ms.`);
    await delay(100);
  }
  return { recoveredMs: Math.round(performance.now() - started), refused };
}

/** The `count` tool with progress: the result text and the progress steps that streamed in. */
export async function countWithProgress(
  client: Client,
  to: number,
  delayMs: number,
): Promise<{ text: string | undefined; progress: number[] }> {
  const progress: number[] = [];
  const result = await client.callTool({ name: 'count', arguments: { to, delayMs } }, undefined, {
    onprogress: (update) => progress.push(update.progress),
  });
  return { text: (result.content as ToolContent)[0]?.text, progress };
}

/** What the proxy answers in the upstream's place: `error.data.code` names the GatekeyError. */
export interface ProxyError {
  status: number;
  code?: string;
  message?: string;
  durationMs: number;
}

/** One JSON-RPC request as an IDE sends it, read back as the proxy's own error answer if any. */
export async function proxyError(
  url: string,
  headers: Record<string, string> = {},
): Promise<ProxyError> {
  const started = performance.now();
  const response = await postMcp(url, rpcRequest('tools/list', 7), headers);
  const durationMs = Math.round(performance.now() - started);
  const error = (
    JSON.parse(response.body.startsWith('{') ? response.body : '{}') as {
      error?: { message?: string; data?: { code?: string } };
    }
  ).error;
  return { status: response.status, code: error?.data?.code, message: error?.message, durationMs };
}
