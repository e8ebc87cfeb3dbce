import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectToInstance } from '../../src-main/core/api/http-client.js';
import type { ApiClient } from '../../src-main/core/api/contract.js';
import { KeychainSecretStore } from '../../src-main/core/secrets/index.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { temporaryHome } from '../support/cli.js';
import { HEADLESS_BROWSER_COMMAND } from '../support/headless-browser.js';
import { startPrivateKeyring, type PrivateKeyring } from '../support/reliability-keyring.js';
import { startServe, type ServeProcess } from '../support/reliability-process.js';
import { echo, proxyError, report } from '../support/reliability-rig.js';

/** Short lifetimes so that Gatekey rotates the refresh token every couple of seconds. */
const TOKEN_TTL_SECONDS = 3;
const ROTATION_TIMEOUT_MS = 15_000;
const REQUEST_START = 'http.server.request.start';

let keyring: PrivateKeyring;
let idp: RunningIdp;
let mcp: RunningMcpServer;
let home: string;
let serve: ServeProcess;
let keychain: KeychainSecretStore;

beforeAll(async () => {
  keyring = await startPrivateKeyring();
  keyring.useInThisProcess();
  idp = await startIdp({ accessTokenTtlSeconds: TOKEN_TTL_SECONDS, rotateRefreshTokens: true });
  mcp = await startDemoMcpServer({ issuer: idp.issuer });
  home = await temporaryHome();
  keychain = new KeychainSecretStore(home);
  serve = await startGatekey();
  const api = await control();
  await api.call('gateways.add', {
    gateway: {
      name: 'work',
      url: mcp.url,
      issuer: idp.issuer,
      clientId: idp.clients.publicPkce.clientId,
      tokenEndpointAuthMethod: 'none',
      scopes: ['openid', 'offline_access', 'mcp:tools'],
    },
  });
  await api.call('auth.signIn', { name: 'work' });
});

beforeEach(() => idp.resetCounters());

afterAll(async () => {
  await serve?.stop();
  await mcp?.close();
  await idp?.close();
  await keyring?.stop();
});

/** `gatekey serve` with the private keyring, and a browser only for an explicit sign-in. */
function startGatekey(): Promise<ServeProcess> {
  return startServe({ home, env: { ...keyring.env, BROWSER: HEADLESS_BROWSER_COMMAND } });
}

async function control(): Promise<ApiClient> {
  const api = await connectToInstance(home);
  if (!api) throw new Error(`No running Gatekey answers for ${home}:\n${serve.output()}`);
  return api;
}

async function storedRefreshToken(): Promise<string | undefined> {
  return (await keychain.read('work'))?.tokens?.refreshToken;
}

/** Waits for the background refresh to rotate the refresh token and store the new one. */
async function nextStoredRotation(): Promise<string> {
  const before = await storedRefreshToken();
  const deadline = Date.now() + ROTATION_TIMEOUT_MS;
  for (;;) {
    const current = await storedRefreshToken();
    if (current && current !== before) return current;
    if (Date.now() > deadline) throw new Error(`No rotation was stored:\n${serve.output()}`);
    await delay(20);
  }
}

/** SIGKILLs `serve` the moment its next token request reaches the IdP, before the IdP answers. */
function killOnNextTokenRequest(): Promise<void> {
  return new Promise((resolve) => {
    const onRequest = (message: unknown) => {
      const { request, server } = message as { request: IncomingMessage; server: Server };
      const port = (server.address() as AddressInfo | null)?.port;
      if (port !== idp.port || request.method !== 'POST' || !request.url?.endsWith('/token'))
        return;
      diagnostics.unsubscribe(REQUEST_START, onRequest);
      process.kill(serve.pid, 'SIGKILL');
      resolve();
    };
    diagnostics.subscribe(REQUEST_START, onRequest);
  });
}

describe('gatekey serve killed with SIGKILL around a refresh-token rotation', () => {
  it('right after a rotation was stored: the next start goes on silently with the rotated token', async () => {
    const rotated = await nextStoredRotation();
    await serve.stop('SIGKILL');
    const killedAt = performance.now();
    serve = await startGatekey();
    const status = await (await control()).call('auth.refresh', { name: 'work' });
    const restoredMs = Math.round(performance.now() - killedAt);

    expect(status.state).toBe('signed-in');
    expect(idp.tokenRequests('authorization_code')).toBe(0);
    expect(idp.tokenRequests('refresh_token')).toBeGreaterThanOrEqual(1);
    expect(await storedRefreshToken()).not.toBe(rotated);
    const ide = new Client({ name: 'reliability-ide', version: '1.0.0' });
    await ide.connect(new StreamableHTTPClientTransport(new URL(`${serve.origin}/mcp/work`)));
    expect(await echo(ide, 'after the crash')).toBe('after the crash');
    await ide.close();
    report('sigkill-after-rotation-stored', {
      signIns: 0,
      restartToFreshTokenMs: restoredMs,
      rotatedRefreshTokenAccepted: 'yes',
    });
  });

  it('while the IdP rotates (the answer never arrives): the old refresh token is spent, a sign-in is asked for', async () => {
    // Right after a rotation, so that no refresh is in flight while the kill is armed.
    const stored = await nextStoredRotation();
    await killOnNextTokenRequest();
    await serve.stop('SIGKILL');
    expect(await storedRefreshToken()).toBe(stored);
    serve = await startGatekey();

    const api = await control();
    const status = async () => (await api.call('gateways.get', { name: 'work' })).status;
    await expect
      .poll(async () => (await status()).state, { timeout: 10_000 })
      .toBe('needs-sign-in');
    expect((await status()).lastError).toMatchObject({ code: 'invalid_grant' });
    const answer = await proxyError(`${serve.origin}/mcp/work`);
    expect(answer).toMatchObject({ status: 200, code: 'sign_in_required' });

    const signedIn = await api.call('auth.signIn', { name: 'work' });
    expect(signedIn.state).toBe('signed-in');
    report('sigkill-during-rotation', {
      stateAfterRestart: 'needs-sign-in',
      ideErrorCode: answer.code!,
      signInsToRecover: idp.tokenRequests('authorization_code'),
    });
  });
});
