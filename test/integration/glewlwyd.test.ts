import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src-main/core/core.js';
import type { GatewayInput } from '../../src-main/core/gateways/schema.js';
import { createOAuthSession } from '../../src-main/core/oauth/index.js';
import { CHROMIUM_PATH, hasChromium, launchChromium } from '../e2e/support/chromium.js';
import { temporaryHome } from '../support/cli.js';
import { rejection } from '../support/gatekey-rejection.js';
import {
  GLEWLWYD_SCOPE,
  GLEWLWYD_USER,
  glewlwydMissing,
  startGlewlwyd,
  type RunningGlewlwyd,
} from '../support/glewlwyd.js';
import { freePort } from '../support/ports.js';
import { GATEWAY_URL, gatewayOf, MemorySecretStore } from './oauth-fixtures.js';

/** Gatekey against Glewlwyd, an OAuth 2 / OIDC server in C that no one here wrote (Debian). */
const missing = await glewlwydMissing();
if (missing) console.warn(`Glewlwyd tests skipped: ${missing}`);

describe.skipIf(missing !== undefined)('Glewlwyd (Debian package)', () => {
  let glewlwyd: RunningGlewlwyd;
  beforeAll(async () => {
    glewlwyd = await startGlewlwyd();
  });
  afterAll(() => glewlwyd?.close());

  const machineGateway = (
    clientId: string,
    method?: 'client_secret_basic' | 'client_secret_post',
  ) =>
    gatewayOf({
      name: 'm2m',
      url: GATEWAY_URL,
      auth: 'client_credentials',
      issuer: glewlwyd.issuer,
      clientId,
      tokenEndpointAuthMethod: method,
      resource: false,
      scopes: [GLEWLWYD_SCOPE],
    });

  async function secretStore(clientSecret: string) {
    const store = new MemorySecretStore();
    await store.write('m2m', { clientSecret });
    return store;
  }

  // A '-' in the id and secret: Glewlwyd does not decode a percent-encoded Basic header (issue 13).
  it.each([
    ['client_secret_basic', 'm2m-basic', 'machine-secret-2'],
    ['client_secret_post', 'm2m-post', 'machine-secret-1'],
  ] as const)('client credentials with %s (client %s)', async (method, clientId, clientSecret) => {
    await glewlwyd.addClient({
      clientId,
      clientSecret,
      grants: ['client_credentials'],
    });
    const session = createOAuthSession(
      machineGateway(clientId, method),
      await secretStore(clientSecret),
    );

    const tokens = await session.clientCredentials();

    expect(decodeJwt(tokens.accessToken)).toMatchObject({
      iss: glewlwyd.issuer,
      client_id: clientId,
      scope: GLEWLWYD_SCOPE,
    });
  });

  it('no method configured: the one the server lists first, then the next once on a 403, remembered', async () => {
    // The server lists client_secret_basic first; this client takes its secret only in the body.
    await glewlwyd.addClient({
      clientId: 'm2m-post-only',
      clientSecret: 'machine-secret-3',
      grants: ['client_credentials'],
      methods: ['client_secret_post'],
    });
    const store = await secretStore('machine-secret-3');
    const sent: string[] = [];
    const counting: typeof fetch = async (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : init?.body?.toString();
      if (body?.includes('grant_type=client_credentials')) {
        sent.push(body.includes('client_secret=') ? 'post' : 'basic');
      }
      return fetch(input, init);
    };
    const gateway = machineGateway('m2m-post-only');

    await createOAuthSession(gateway, store, { fetch: counting }).clientCredentials();
    await createOAuthSession(gateway, store, { fetch: counting }).clientCredentials();

    expect(sent).toEqual(['basic', 'post', 'post']);
    expect((await store.read('m2m'))?.clientSecretMethod).toBe('client_secret_post');
  });

  it('a wrong secret: one line naming the token step, the HTTP status, both methods and the fix', async () => {
    const client = await glewlwyd.addClient({
      clientId: 'm2m-wrong',
      clientSecret: 'machine-secret-2',
      grants: ['client_credentials'],
    });
    const session = createOAuthSession(
      machineGateway(client.clientId),
      await secretStore('not-the-secret'),
    );

    const error = await rejection(session.clientCredentials());

    expect(error.code).toBe('invalid_client');
    expect(error.message).toMatch(/token request/);
    expect(error.message).toContain('HTTP 403');
    expect(error.message).toContain('client_secret_basic, then with client_secret_post');
    expect(error.hint).toContain('gatekey edit m2m');
    expect(error.hint).toContain('--client-secret-stdin');
    expect(JSON.stringify(error)).not.toContain('not-the-secret');
  });

  it('a redirect URI the client does not have: refused before the browser opens (bare 403), not after the login timeout', async () => {
    const registered = `http://127.0.0.1:${await freePort()}/callback`;
    const unregistered = `http://127.0.0.1:${await freePort()}/callback`;
    const client = await glewlwyd.addClient({
      clientId: 'ide-exact',
      grants: ['code', 'refresh_token'],
      redirectUris: [registered],
    });
    const opened: string[] = [];
    const session = createOAuthSession(
      webGateway(glewlwyd.issuer, { clientId: client.clientId, redirectUri: unregistered }),
      new MemorySecretStore(),
    );

    const error = await rejection(
      session.signInWithBrowser({
        openBrowser: async (url) => void opened.push(url),
        timeoutMs: 30 * 60_000,
      }),
    );

    expect(error.message).toBe(
      `The authorization request to ${glewlwyd.issuer} was refused before the browser opened: HTTP 403 with no error in its body. An IdP answers so, and never sends the browser back, when it does not accept the redirect URI ${unregistered} or the client ide-exact.`,
    );
    expect(error.hint).toBe(
      `Register exactly ${unregistered} as a callback URL of client ide-exact at the IdP, or use the callback URL it has: gatekey edit web --redirect-uri URL`,
    );
    expect(opened).toEqual([]);
  });
});

describe.skipIf(missing !== undefined || !hasChromium)(
  `Glewlwyd sign-in in Chromium (${CHROMIUM_PATH})`,
  () => {
    let glewlwyd: RunningGlewlwyd;
    let browser: Browser;
    beforeAll(async () => {
      [glewlwyd, browser] = await Promise.all([startGlewlwyd(), launchChromium()]);
    });
    afterAll(async () => {
      await browser?.close();
      await glewlwyd?.close();
    });

    it('dynamic registration: Glewlwyd lists only secret methods, so Gatekey registers a confidential client, keeps its secret in the keychain, signs in, refreshes and revokes', async () => {
      const home = await temporaryHome();
      const core = createCore({
        home,
        version: 'test',
        port: () => 7421,
        stdioCommand: { command: 'gatekey', args: ['stdio'] },
        openBrowser: (url) => signInOnLoginPage(browser, url),
      });
      expect(core.secrets.kind).toBe('keychain');
      await core.api.invoke('gateways.add', {
        gateway: {
          name: 'web',
          url: GATEWAY_URL,
          issuer: glewlwyd.issuer,
          resource: false,
          scopes: ['openid', GLEWLWYD_SCOPE],
        },
      });

      await core.api.invoke('auth.signIn', { name: 'web' });

      const stored = await core.secrets.read('web');
      const registration = stored?.registration;
      expect(registration).toMatchObject({
        issuer: glewlwyd.issuer,
        tokenEndpointAuthMethod: 'client_secret_basic',
      });
      expect(registration?.clientSecret).toBeTruthy();
      const config = await readFile(path.join(home, 'config.json'), 'utf8');
      expect(config).not.toContain(registration?.clientSecret);
      expect(decodeJwt(stored?.tokens?.accessToken ?? '')).toMatchObject({
        iss: glewlwyd.issuer,
        client_id: registration?.clientId,
      });

      const session = createOAuthSession(core.store.require('web'), core.secrets);
      const refreshed = await session.refresh(stored?.tokens?.refreshToken ?? '');
      expect(decodeJwt(refreshed.accessToken).client_id).toBe(registration?.clientId);
      // Glewlwyd revokes only for a client that authenticates: the registered secret does.
      await expect(session.revoke(refreshed.refreshToken ?? '')).resolves.toBeUndefined();
      // Glewlwyd answers a revoked refresh token with a bare HTTP 400, which Gatekey takes as invalid_grant.
      const error = await rejection(session.refresh(refreshed.refreshToken ?? ''));
      expect(error.code).toBe('invalid_grant');
      expect(error.message).toMatch(
        /^The refresh request to .* was refused: HTTP 400 with no error/,
      );
    });

    it('dynamic registration at a registrar that imposes client_secret_post: Gatekey uses what it answered, and signs in again with it', async () => {
      // Gatekey asks for client_secret_basic (listed first); this Glewlwyd makes every client post.
      const postOnly = await startGlewlwyd({
        registrationDefaults: { token_endpoint_auth_method: 'client_secret_post' },
      });
      try {
        const sent: string[] = [];
        const recording: typeof fetch = async (input, init) => {
          const body = typeof init?.body === 'string' ? init.body : init?.body?.toString();
          const grant = /grant_type=(\w+)/.exec(body ?? '')?.[1];
          if (grant) sent.push(`${grant} ${body?.includes('client_secret=') ? 'post' : 'basic'}`);
          return fetch(input, init);
        };
        const store = new MemorySecretStore();
        const session = createOAuthSession(webGateway(postOnly.issuer), store, {
          fetch: recording,
        });

        const signIn = () =>
          session.signInWithBrowser({
            openBrowser: (url) => signInOnLoginPage(browser, url),
            timeoutMs: 60_000,
          });
        const tokens = await signIn();
        await session.refresh(tokens.refreshToken ?? '');
        const registration = (await store.read('web'))?.registration;
        // Glewlwyd accepts only the exact port it registered: the next sign-in listens there again.
        const again = await signIn();

        expect(registration).toMatchObject({ tokenEndpointAuthMethod: 'client_secret_post' });
        expect(decodeJwt(again.accessToken).client_id).toBe(registration?.clientId);
        expect((await store.read('web'))?.registration).toEqual(registration);
        expect(sent).toEqual([
          'authorization_code post',
          'refresh_token post',
          'refresh_token post', // the check that the stored registration is still known
          'authorization_code post',
        ]);
      } finally {
        await postOnly.close();
      }
    }, 120_000);

    it('PKCE sign-in on the real login page with a public client, then refresh', async () => {
      const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
      const client = await glewlwyd.addClient({
        clientId: 'ide-public',
        grants: ['code', 'refresh_token'],
        redirectUris: [redirectUri],
      });
      const session = createOAuthSession(
        webGateway(glewlwyd.issuer, { clientId: client.clientId, redirectUri }),
        new MemorySecretStore(),
      );

      const tokens = await session.signInWithBrowser({
        openBrowser: (url) => signInOnLoginPage(browser, url),
        timeoutMs: 60_000,
      });

      expect(decodeJwt(tokens.accessToken)).toMatchObject({
        iss: glewlwyd.issuer,
        client_id: client.clientId,
      });
      expect(tokens.refreshToken).toBeTruthy();
      const refreshed = await session.refresh(tokens.refreshToken ?? '');
      expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    });

    /** A core (the command table and TokenManager) signed in to `gateway` on the real login page. */
    async function signedInCore(gateway: GatewayInput, clientSecret?: string): Promise<Core> {
      const core = createCore({
        home: await temporaryHome(),
        version: 'test',
        port: () => 7421,
        secrets: new MemorySecretStore(),
        stdioCommand: { command: 'gatekey', args: ['stdio'] },
        openBrowser: (url) => signInOnLoginPage(browser, url),
      });
      await core.tokens.start();
      await core.api.invoke('gateways.add', { gateway, clientSecret });
      await core.api.invoke('auth.signIn', { name: gateway.name });
      return core;
    }

    async function browserGateway(clientId: string, clientSecret?: string) {
      const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
      await glewlwyd.addClient({
        clientId,
        clientSecret,
        grants: ['code', 'refresh_token'],
        redirectUris: [redirectUri],
        methods: clientSecret ? ['client_secret_basic'] : ['none'],
      });
      return {
        name: 'web',
        url: GATEWAY_URL,
        issuer: glewlwyd.issuer,
        clientId,
        redirectUri,
        resource: false as const,
        scopes: ['openid', GLEWLWYD_SCOPE],
      };
    }

    it('sign-out of a public client: Glewlwyd revokes only for client_secret_basic, and Gatekey says so', async () => {
      const core = await signedInCore(await browserGateway('ide-public-signout'));
      try {
        const before = await core.tokens.currentTokens('web');

        const { status, revocation } = await core.api.invoke('auth.signOut', { name: 'web' });

        expect(status.state).toBe('signed-out');
        expect((await core.secrets.read('web'))?.tokens).toBeUndefined();
        if (revocation.outcome !== 'not-revoked') throw new Error(`got ${revocation.outcome}`);
        expect(revocation.reason).toMatch(/^The revocation request to .* was refused: HTTP 4\d\d/);
        expect(revocation.reason).toContain(
          'accepts revocation only from clients that authenticate with client_secret_basic',
        );
        expect(revocation.reason).toContain('ide-public-signout uses none');
        expect(revocation.tokens[0]?.kind).toBe('refresh_token');
        expect(revocation.whereToRevoke).toContain(glewlwyd.issuer);
        expect(revocation.whereToRevoke).toContain('client ide-public-signout');
        // The report is true: the refresh token still works at Glewlwyd.
        const session = createOAuthSession(core.store.require('web'), core.secrets);
        await expect(session.refresh(before?.refreshToken ?? '')).resolves.toBeDefined();
      } finally {
        await core.tokens.stop();
      }
    });

    it('sign-out of a confidential client (client_secret_basic): revoked, and the refresh token fails', async () => {
      const core = await signedInCore(
        await browserGateway('ide-confidential', 'ide-secret-1'),
        'ide-secret-1',
      );
      try {
        const before = await core.tokens.currentTokens('web');
        expect(before?.refreshToken).toBeTruthy();

        const { revocation } = await core.api.invoke('auth.signOut', { name: 'web' });

        expect(revocation).toEqual({ outcome: 'revoked' });
        const session = createOAuthSession(core.store.require('web'), core.secrets);
        const error = await rejection(session.refresh(before?.refreshToken ?? ''));
        // Glewlwyd says it with a bare HTTP 400: a refresh token it no longer accepts.
        expect(error.code).toBe('invalid_grant');
        expect(error.message).toContain('HTTP 400 with no error in its body');
        expect(error.hint).toBe('Sign in again: gatekey login web');
      } finally {
        await core.tokens.stop();
      }
    });
  },
);

/** Glewlwyd's login page is a React app: sign in, grant the scope and continue, like a person. */
async function signInOnLoginPage(browser: Browser, url: string): Promise<void> {
  // A fresh context each time: no session cookie from an earlier sign-in skips the login.
  const context = await browser.newContext();
  const page = await context.newPage();
  const callback = /^http:\/\/127\.0\.0\.1:\d+\/callback/;
  try {
    await page.goto(url);
    await page.locator('#username').fill(GLEWLWYD_USER.username);
    await page.locator('#password').fill(GLEWLWYD_USER.password);
    await page.locator('#loginbut').click();
    const grant = page.locator(`#grant-${GLEWLWYD_SCOPE}`);
    const proceed = page.getByRole('button', { name: 'Continue' });
    // Glewlwyd asks for the grant once per user and client; later it only offers Continue.
    const granting = await Promise.race([
      grant.waitFor().then(() => true),
      proceed.waitFor().then(() => false),
    ]);
    if (granting) {
      await grant.check();
      await page.getByRole('button', { name: 'Grant access' }).click();
    }
    await proceed.click();
    await page.waitForURL(callback);
  } finally {
    await context.close();
  }
}

/** A gateway whose users sign in at `issuer` (Glewlwyd sends no resource indicator through). */
function webGateway(issuer: string, client: { clientId?: string; redirectUri?: string } = {}) {
  return gatewayOf({
    name: 'web',
    url: GATEWAY_URL,
    issuer,
    resource: false,
    scopes: ['openid', GLEWLWYD_SCOPE],
    ...client,
  });
}
