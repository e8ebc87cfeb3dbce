import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayView } from '../../src-main/core/api/contract.js';
import { createCore } from '../../src-main/core/core.js';
import { KeychainSecretStore } from '../../src-main/core/secrets/index.js';
import type { GatewayStatus } from '../../src-main/core/tokens/types.js';
import {
  addMachineGatewayArgs,
  filesContaining,
  runGatekey,
  temporaryHome,
  type CliResult,
} from '../support/cli.js';
import { UNREACHABLE_BUS } from '../support/reliability-keyring.js';
import { startServe } from '../support/reliability-process.js';
import {
  EXPIRING_TOKEN_TTL_SECONDS,
  EXPIRY_MARGIN_MS,
  keepCalling,
  proxyError,
  RECOVERY_TIMEOUT_MS,
  report,
  startRig,
  timeToRecover,
  type Rig,
} from '../support/reliability-rig.js';

const NO_KEYCHAIN = { DBUS_SESSION_BUS_ADDRESS: UNREACHABLE_BUS };
const KEYCHAIN_MESSAGE =
  /^gatekey: (Adding gateway "other" stopped: nothing was saved\. )?Gatekey could not use the Secret Service \(gnome-keyring or KWallet over D-Bus\): .*Failed to connect to socket \/nonexistent/;

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ tokenTtlSeconds: EXPIRING_TOKEN_TTL_SECONDS });
});

afterAll(async () => {
  await rig?.close();
});

/** `gatekey add` for a client-credentials gateway to the demo server, secret on stdin. */
function addMachineGateway(name: string, clientId: string): string[] {
  return addMachineGatewayArgs(name, { url: rig.mcp.url, issuer: rig.idp.issuer, clientId });
}

/** What an earlier session left in `home` and the keychain: a gateway, its secret, a token. */
async function earlierSession(home: string, clientId: string, clientSecret: string) {
  const core = createCore({
    home,
    version: 'reliability',
    port: () => 0,
    stdioCommand: { command: 'gatekey', args: ['stdio'] },
  });
  const gateway = {
    name: 'robot',
    url: rig.mcp.url,
    auth: 'client_credentials',
    issuer: rig.idp.issuer,
    clientId,
  };
  await core.api.invoke('gateways.add', { gateway, clientSecret });
  const { token } = await core.api.invoke('tokens.get', { name: 'robot' });
  await core.tokens.stop();
  return token;
}

describe('the keychain is unavailable when Gatekey starts', () => {
  it('says so clearly, serves clear errors, writes no secret in plaintext, and loses nothing', async () => {
    const home = await temporaryHome();
    const client = rig.idp.clients.confidentialBasic;
    const token = await earlierSession(home, client.clientId, client.clientSecret!);

    const otherSecret = 'other-client-secret-never-stored';
    const listed = await runGatekey(['list', '--json'], { home, env: NO_KEYCHAIN });
    expect(listed.code, listed.stderr).toBe(0);
    const [robot] = JSON.parse(listed.stdout) as GatewayView[];
    expect(robot?.status).toMatchObject({
      state: 'error',
      lastError: { code: 'keychain_unavailable' },
    });
    expect(listed.stdout).not.toContain(token);

    const refused: CliResult[] = await Promise.all([
      runGatekey(['token', 'robot', '--json'], { home, env: NO_KEYCHAIN }),
      runGatekey(addMachineGateway('other', 'x'), { home, env: NO_KEYCHAIN, stdin: otherSecret }),
    ]);
    for (const result of refused) {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(KEYCHAIN_MESSAGE);
      expect(result.stderr).toContain(
        'Or opt in to an unencrypted file with --insecure-file-store',
      );
      expect(result.stdout).toBe('');
    }

    const serve = await startServe({ home, env: NO_KEYCHAIN });
    const answer = await proxyError(`${serve.origin}/mcp/robot`).finally(() => serve.stop());
    expect(answer).toMatchObject({ status: 200, code: 'keychain_unavailable' });
    expect(answer.message).toContain('Failed to connect to socket /nonexistent');

    const secrets = [client.clientSecret!, otherSecret, token];
    const outputs = refused.map((result) => result.stdout + result.stderr + answer.message);
    expect(await filesContaining(home, secrets)).toEqual([]);
    expect(outputs.filter((text) => secrets.some((secret) => text.includes(secret)))).toEqual([]);

    const kept = await new KeychainSecretStore(home).read('robot');
    expect(kept?.clientSecret).toBe(client.clientSecret);
    expect(kept?.tokens?.accessToken).toBe(token);
    report('keychain-unavailable-at-start', {
      listedWithError: robot?.status.state === 'error' ? 'yes' : 'no',
      commandsRefused: refused.length,
      exitCode: 1,
      ideErrorCode: answer.code!,
      plaintextLeaks: 0,
      tokenKeptForLater: 'yes',
    });
  });

  it('leaves no half-added gateway behind when the keychain refuses its secret', async () => {
    const home = await temporaryHome();
    const add = addMachineGateway('other', 'x');
    const stdin = 'a-client-secret';
    const refused = await runGatekey(add, { home, env: NO_KEYCHAIN, stdin });
    expect(refused.stderr).toMatch(KEYCHAIN_MESSAGE);
    const retried = await runGatekey(add, { home, env: rig.keyring.env, stdin });
    expect(retried.stderr).not.toContain('already exists');
    expect(retried.code).toBe(0);
    report('keychain-refused-add', { halfAddedGateway: 'no' });
  });
});

describe('the keychain is locked while Gatekey runs', () => {
  const statuses: GatewayStatus[] = [];
  const status = () => rig.instance.tokens.status('work');
  let ide: Client;

  beforeAll(async () => {
    await rig.addSignedInGateway('work');
    ide = await rig.connect('work');
    rig.instance.tokens.on('status', (seen) => seen.name === 'work' && statuses.push(seen));
  });

  it('keeps serving the token it holds, spends no refresh token, then says the keyring is locked', async () => {
    await rig.instance.api.invoke('auth.refresh', { name: 'work' });
    const expiresAt = status().expiresAt!;
    const refreshesBefore = rig.idp.tokenRequests('refresh_token');
    await rig.keyring.lock();

    const { served, failures } = await keepCalling(ide, expiresAt - EXPIRY_MARGIN_MS);
    expect(failures).toBe(0);
    expect(statuses.some((seen) => seen.lastError?.code === 'keychain_unavailable')).toBe(true);

    await delay(Math.max(0, expiresAt - Date.now()));
    await expect.poll(() => status().state, { timeout: 10_000 }).toBe('error');
    expect(status().lastError?.message).toMatch(/no unlocked keyring answered/);
    const answer = await proxyError(rig.localUrl('work'));
    expect(answer).toMatchObject({ status: 200, code: 'keychain_unavailable' });
    expect(rig.idp.tokenRequests('refresh_token')).toBe(refreshesBefore);
    report('keychain-locked-mid-run', {
      requestsWhileValid: served,
      failures,
      refreshTokensSpent: rig.idp.tokenRequests('refresh_token') - refreshesBefore,
      stateAfterExpiry: status().state,
      ideErrorCode: answer.code!,
    });
  });

  it('recovers by itself once the keyring is unlocked, and stores the new tokens', async () => {
    const signInsBefore = rig.browserSignIns();
    await rig.keyring.unlock();
    const { recoveredMs } = await timeToRecover(ide, RECOVERY_TIMEOUT_MS);

    expect(status().state).toBe('signed-in');
    expect(rig.browserSignIns()).toBe(signInsBefore);
    const inMemory = await rig.instance.tokens.currentTokens('work');
    const inKeychain = (await new KeychainSecretStore(rig.home).read('work'))?.tokens;
    expect(inKeychain?.refreshToken).toBe(inMemory?.refreshToken);
    report('keychain-unlocked-recovery', {
      timeToRecoverMs: recoveredMs,
      signIns: rig.browserSignIns() - signInsBefore,
      keychainInStep: 'yes',
    });
  });
});
