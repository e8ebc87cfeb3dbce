import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayStore, type GatewayInput } from '../../src-main/core/gateways/index.js';
import { openSecretStore, type SecretStore } from '../../src-main/core/secrets/index.js';
import { TokenManager } from '../../src-main/core/tokens/manager.js';
import type { GatewayState, GatewayStatus } from '../../src-main/core/tokens/types.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { completeBrowserLogin } from '../support/headless-browser.js';
import { rejection } from '../support/gatekey-rejection.js';

/**
 * Short enough to watch several lifetimes in a test; long enough for a sign-in to finish, and for
 * the background refresh (started a fifth of a lifetime early) to finish in time on a loaded
 * machine, where a refresh with its keychain write can take most of a second.
 */
const TOKEN_TTL_SECONDS = 5;
const TTL_MS = TOKEN_TTL_SECONDS * 1000;
const FAST_RETRY = { initialMs: 200, maxMs: 800 };

let idp: RunningIdp;
const homes: string[] = [];
const managers: TokenManager[] = [];

beforeAll(async () => {
  idp = await startIdp({ accessTokenTtlSeconds: TOKEN_TTL_SECONDS });
});
afterAll(async () => {
  await idp.close();
  homes.forEach((home) => fs.rmSync(home, { recursive: true, force: true }));
});
beforeEach(() => idp.resetCounters());
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
  await idp.start(); // a test that stopped the IdP leaves it running for the next
});

/** One Gatekey profile: its config, its keychain entries, and a manager over both. */
class Profile {
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), 'gatekey-tokens-'));
  readonly store = new GatewayStore(this.home);
  readonly secrets: SecretStore = openSecretStore({ home: this.home });
  browserOpens = 0;

  constructor() {
    homes.push(this.home);
  }

  manager(retry = FAST_RETRY, now?: () => number): TokenManager {
    const manager = new TokenManager({
      gateways: this.store,
      secrets: this.secrets,
      retry,
      ...(now ? { now } : {}),
    });
    managers.push(manager);
    return manager;
  }

  signInOptions() {
    return {
      openBrowser: async (url: string) => {
        this.browserOpens += 1;
        await completeBrowserLogin(url);
      },
    };
  }

  async keychainTokens(name: string) {
    return (await this.secrets.read(name))?.tokens;
  }
}

const pkceGateway = (overrides: Partial<GatewayInput> = {}): GatewayInput => ({
  name: 'work',
  url: 'http://127.0.0.1:9/mcp',
  issuer: idp.issuer,
  clientId: idp.clients.publicPkce.clientId,
  tokenEndpointAuthMethod: 'none',
  scopes: ['openid', 'mcp:read'],
  ...overrides,
});

/** A profile with one client-credentials gateway, `service`, holding `clientSecret`. */
async function machineProfile(clientSecret: string | undefined): Promise<Profile> {
  const profile = new Profile();
  profile.store.add({
    name: 'service',
    url: 'http://127.0.0.1:9/mcp',
    auth: 'client_credentials',
    issuer: idp.issuer,
    clientId: idp.clients.confidentialBasic.clientId,
    tokenEndpointAuthMethod: 'client_secret_basic',
  });
  await profile.secrets.write('service', { clientSecret });
  return profile;
}

async function signedInProfile(overrides: Partial<GatewayInput> = {}, retry = FAST_RETRY) {
  const profile = new Profile();
  profile.store.add(pkceGateway(overrides));
  const manager = profile.manager(retry);
  await manager.start();
  await manager.signIn('work', profile.signInOptions());
  idp.resetCounters();
  return { profile, manager };
}

/** Resolves with the first status of `name` (current or emitted) that `matches`, or fails. */
function statusWhere(
  manager: TokenManager,
  name: string,
  matches: (status: GatewayStatus) => boolean,
  timeoutMs = 4 * TTL_MS,
): Promise<GatewayStatus> {
  const current = manager.status(name);
  if (matches(current)) return Promise.resolve(current);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      manager.off('status', listener);
      reject(new Error(`no matching status of ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (status: GatewayStatus) => {
      if (status.name !== name || !matches(status)) return;
      clearTimeout(timer);
      manager.off('status', listener);
      resolve(status);
    };
    manager.on('status', listener);
  });
}

const inState = (state: GatewayState) => (status: GatewayStatus) => status.state === state;

function recordStatuses(manager: TokenManager): GatewayStatus[] {
  const seen: GatewayStatus[] = [];
  manager.on('status', (status) => seen.push(status));
  return seen;
}

/** Every emitted status differs from the one before it. */
function expectNoRepeats(statuses: GatewayStatus[]): void {
  const views = statuses.map((status) => JSON.stringify(status));
  expect(views.filter((view, index) => view === views[index - 1])).toEqual([]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The JWT's own expiry, which the resource server checks. */
const jwtExpiresAt = (token: string) => (decodeJwt(token).exp ?? 0) * 1000;

describe('TokenManager with the real IdP, OAuth engine and keychain', () => {
  it('signs in through the browser, reports progress, and keeps every token out of config.json', async () => {
    const profile = new Profile();
    profile.store.add(pkceGateway());
    const manager = profile.manager();
    const statuses = recordStatuses(manager);
    const steps: string[] = [];
    manager.on('progress', (_name, progress) => steps.push(progress.step));
    await manager.start();
    expect(manager.status('work').state).toBe('signed-out');
    await expect(manager.tokenFor('work')).rejects.toMatchObject({
      code: 'sign_in_required',
      message: 'work needs sign-in.',
      hint: 'Sign in to work from the Gatekey tray, or run: gatekey login work',
    });

    const status = await manager.signIn('work', profile.signInOptions());

    expect(status).toMatchObject({ state: 'signed-in', name: 'work' });
    expect(status.grantedScopes).toContain('mcp:read');
    expect(steps).toContain('browser');
    expect(statuses.map((seen) => seen.state)).toEqual(['signed-out', 'signing-in', 'signed-in']);
    const tokens = await profile.keychainTokens('work');
    expect(tokens?.refreshToken).toBeTruthy();
    expect(await manager.tokenFor('work')).toBe(tokens?.accessToken);
    const config = fs.readFileSync(profile.store.file, 'utf8');
    for (const secret of [tokens?.accessToken, tokens?.refreshToken, tokens?.idToken])
      expect(config).not.toContain(secret);
  });

  it('refreshes in the background, about once per lifetime, with nobody asking', async () => {
    const { manager } = await signedInProfile();
    const lifetimes = 2;
    const deadline = Date.now() + lifetimes * TTL_MS;
    while (Date.now() < deadline) {
      // currentTokens never requests a token: only the background refresh keeps this fresh.
      const tokens = await manager.currentTokens('work');
      expect(jwtExpiresAt(tokens?.accessToken ?? '')).toBeGreaterThan(Date.now());
      await sleep(100);
    }
    const refreshes = idp.tokenRequests('refresh_token');
    expect(refreshes).toBeGreaterThanOrEqual(lifetimes);
    expect(refreshes).toBeLessThanOrEqual(2 * lifetimes);
    expect(jwtExpiresAt(await manager.tokenFor('work'))).toBeGreaterThan(Date.now());
    expect(idp.tokenRequests('refresh_token')).toBe(refreshes);
  });

  it('sends exactly one refresh request for 200 concurrent callers at expiry', async () => {
    const { manager } = await signedInProfile();
    await manager.stop(); // no background refresh: the callers find the token expired
    const { expiresAt } = manager.status('work');
    await sleep(Math.max(0, (expiresAt ?? 0) - Date.now()));

    const tokens = await Promise.all(Array.from({ length: 200 }, () => manager.tokenFor('work')));

    expect(idp.tokenRequests('refresh_token')).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(jwtExpiresAt(tokens[0]!)).toBeGreaterThan(Date.now());
  });

  it('persists a rotated refresh token in the keychain before using it', async () => {
    const { profile, manager } = await signedInProfile();
    const before = await profile.keychainTokens('work');

    await manager.refreshNow('work');

    const after = await profile.keychainTokens('work');
    expect(after?.refreshToken).toBeTruthy();
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    expect(after).toEqual(await manager.currentTokens('work'));
    expect(await manager.tokenFor('work')).toBe(after?.accessToken);
  });

  it('asks for sign-in, without a browser, when the refresh token is revoked', async () => {
    const { profile, manager } = await signedInProfile();
    await idp.revokeRefreshTokens();

    const needsSignIn = await statusWhere(manager, 'work', inState('needs-sign-in'));

    expect(needsSignIn.lastError?.code).toBe('invalid_grant');
    expect(profile.browserOpens).toBe(1);
    const error = await rejection(manager.tokenFor('work'));
    expect(error.toJSON()).toEqual({
      code: 'sign_in_required',
      message: 'work needs sign-in.',
      hint: 'Sign in to work from the Gatekey tray, or run: gatekey login work',
    });
    expect(await profile.keychainTokens('work')).toBeUndefined();
    expect(idp.tokenRequests('refresh_token')).toBe(1);
  });

  it('rides out an IdP outage: the valid token keeps working, then error, then it recovers by itself', async () => {
    const { manager } = await signedInProfile();
    const statuses = recordStatuses(manager);
    const signedInToken = await manager.tokenFor('work');
    await idp.stop();

    while (!manager.status('work').lastError) {
      expect(manager.status('work').state).toMatch(/signed-in|refreshing/);
      expect(await manager.tokenFor('work')).toBe(signedInToken);
      await sleep(50);
    }
    const failed = await statusWhere(manager, 'work', inState('error'));
    expect(failed.lastError).toMatchObject({ code: 'idp_unreachable' });
    expect((await rejection(manager.tokenFor('work'))).code).toBe('idp_unreachable');

    await idp.start();
    const recovered = await statusWhere(manager, 'work', inState('signed-in'));

    expect(recovered.lastError).toBeUndefined();
    const token = await manager.tokenFor('work');
    expect(token).not.toBe(signedInToken);
    expect(jwtExpiresAt(token)).toBeGreaterThan(Date.now());
    expect(statuses.map((status) => status.state)).toContain('refreshing');
    expectNoRepeats(statuses);
  });

  it('revalidate retries a failing gateway at once instead of waiting out the backoff', async () => {
    const { manager } = await signedInProfile({}, { initialMs: 60_000, maxMs: 60_000 });
    const signedInToken = await manager.tokenFor('work');
    await idp.stop();
    expect((await rejection(manager.refreshNow('work'))).code).toBe('idp_unreachable');
    expect(manager.status('work')).toMatchObject({
      state: 'signed-in',
      lastError: { code: 'idp_unreachable' },
    });
    expect(await manager.tokenFor('work')).toBe(signedInToken);

    await idp.start();
    await manager.revalidate();

    const status = manager.status('work');
    expect(status.state).toBe('signed-in');
    expect(status.lastError).toBeUndefined();
    expect(status.lastRefreshAt).toBeDefined();
    expect(await manager.tokenFor('work')).not.toBe(signedInToken);
    expect(idp.tokenRequests('refresh_token')).toBe(1);
  });

  it('after a 401, refreshes once unless a newer token already exists; records step-up scopes', async () => {
    const { manager } = await signedInProfile();
    const rejected = await manager.tokenFor('work');

    const [renewed, again] = await Promise.all([
      manager.tokenAfterRejection('work', rejected),
      manager.tokenAfterRejection('work', rejected),
    ]);
    expect(renewed).not.toBe(rejected);
    expect(again).toBe(renewed);
    expect(await manager.tokenAfterRejection('work', rejected)).toBe(renewed);
    expect(idp.tokenRequests('refresh_token')).toBe(1);

    manager.recordStepUp('work', ['mcp:read', 'mcp:admin']);
    expect(manager.status('work').stepUpScopes).toEqual(['mcp:admin']);
  });

  it('after a 401, renews rather than hand out a newer token that is about to expire as well', async () => {
    // On a loaded machine a request can take long enough for the newer token to expire in
    // transit too; the clock is moved rather than waited for.
    let ahead = 0;
    const profile = new Profile();
    profile.store.add(pkceGateway());
    const manager = profile.manager(FAST_RETRY, () => Date.now() + ahead);
    await manager.start();
    await manager.signIn('work', profile.signInOptions());
    const rejected = await manager.tokenFor('work');
    const newer = await manager.tokenAfterRejection('work', rejected);
    idp.resetCounters();

    ahead = manager.status('work').expiresAt! - Date.now() - 100;
    const renewed = await manager.tokenAfterRejection('work', rejected);
    ahead = 0;
    expect(renewed).not.toBe(newer);
    expect(idp.tokenRequests('refresh_token')).toBe(1);
  });

  it('restores from the keychain after a restart and refreshes silently', async () => {
    const { profile, manager } = await signedInProfile();
    await manager.stop();
    const stored = await profile.keychainTokens('work');
    await sleep(TTL_MS); // the access token expires while Gatekey is not running

    const restarted = profile.manager();
    await restarted.start();
    const signedIn = await statusWhere(restarted, 'work', (status) =>
      Boolean(status.state === 'signed-in' && status.lastRefreshAt),
    );

    expect(signedIn.expiresAt).toBeGreaterThan(Date.now());
    expect(await restarted.tokenFor('work')).not.toBe(stored?.accessToken);
    expect(idp.tokenRequests('refresh_token')).toBe(1);
    expect(profile.browserOpens).toBe(1);
  });

  it('sends the ID token when the gateway asks for it', async () => {
    const { manager } = await signedInProfile({ tokenToSend: 'id_token' });
    const token = await manager.tokenFor('work');
    expect(decodeJwt(token)).toMatchObject({ sub: 'alice', aud: idp.clients.publicPkce.clientId });
    expect(manager.status('work').expiresAt).toBe(jwtExpiresAt(token));
  });

  it('signs out: tokens gone, keychain entry kept for the client secret', async () => {
    const { profile, manager } = await signedInProfile();
    await profile.secrets.write('work', {
      ...(await profile.secrets.read('work')),
      clientSecret: 'kept-secret',
    });
    await manager.signOut('work');
    expect(manager.status('work').state).toBe('signed-out');
    expect(await profile.secrets.read('work')).toEqual({ clientSecret: 'kept-secret' });
    await manager.forget('work');
    expect(await profile.secrets.read('work')).toBeUndefined();
  });
});

describe('TokenManager for gateways without a person', () => {
  it('client credentials: fetches a token at start and a new one when due', async () => {
    const profile = await machineProfile(idp.clients.confidentialBasic.clientSecret);
    const manager = profile.manager();
    await manager.start();

    const first = await statusWhere(manager, 'service', inState('signed-in'));
    const firstToken = await manager.tokenFor('service');
    const renewed = await statusWhere(
      manager,
      'service',
      (status) => status.state === 'signed-in' && status.expiresAt !== first.expiresAt,
    );

    expect(renewed.expiresAt).toBeGreaterThan(first.expiresAt ?? 0);
    expect(await manager.tokenFor('service')).not.toBe(firstToken);
    expect(idp.tokenRequests('client_credentials')).toBe(2);
    expect(profile.browserOpens).toBe(0);
  });

  it('a refused client (invalid_client) is not retried in the background, only when asked or reconfigured', async () => {
    const client = idp.clients.confidentialBasic;
    const profile = await machineProfile('not-the-secret');
    idp.resetCounters();
    const manager = profile.manager();
    await manager.start();

    const refused = await statusWhere(manager, 'service', inState('error'));
    expect(refused.lastError).toMatchObject({ code: 'invalid_client' });
    expect((await rejection(manager.tokenFor('service'))).code).toBe('invalid_client');
    // FAST_RETRY would have tried about ten times by now.
    await sleep(FAST_RETRY.maxMs * 10);
    expect(idp.tokenRequests('client_credentials')).toBe(1);
    expect(manager.status('service').state).toBe('error');

    expect((await rejection(manager.refreshNow('service'))).code).toBe('invalid_client');
    expect(idp.tokenRequests('client_credentials')).toBe(2);

    await profile.secrets.write('service', { clientSecret: client.clientSecret });
    await manager.reload('service');
    await statusWhere(manager, 'service', inState('signed-in'));
    expect(idp.tokenRequests('client_credentials')).toBe(3);
  });

  it("auth 'none': always signed in, with no token", async () => {
    const profile = new Profile();
    profile.store.add({ name: 'open', url: 'http://127.0.0.1:9/mcp', auth: 'none' });
    const manager = profile.manager();
    await manager.start();
    expect(manager.status('open')).toEqual({ name: 'open', state: 'signed-in', grantedScopes: [] });
    expect((await rejection(manager.tokenFor('open'))).code).toBe('invalid_input');
    expect(idp.tokenRequests()).toBe(0);
  });
});
