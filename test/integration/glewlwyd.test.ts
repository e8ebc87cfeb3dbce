import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthSession } from '../../src-main/core/oauth/index.js';
import { CHROMIUM_PATH, hasChromium, launchChromium } from '../e2e/support/chromium.js';
import { rejection } from '../support/gatekey-rejection.js';
import {
  GLEWLWYD_SCOPE,
  GLEWLWYD_USER,
  glewlwydMissing,
  startGlewlwyd,
  type RunningGlewlwyd,
} from '../support/glewlwyd.js';
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

  const machineGateway = (clientId: string, method?: 'client_secret_basic' | 'client_secret_post') =>
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

  it.each([undefined, 'client_secret_basic', 'client_secret_post'] as const)(
    'client credentials with the method %s (undefined: Gatekey chooses) and a client id with a -',
    async (method) => {
      const client = await glewlwyd.addClient({
        clientId: `m2m-${method ?? 'default'}`,
        clientSecret: 'machine-secret-1',
        grants: ['client_credentials'],
      });
      const session = createOAuthSession(
        machineGateway(client.clientId, method),
        await secretStore('machine-secret-1'),
      );

      const tokens = await session.clientCredentials();

      expect(decodeJwt(tokens.accessToken)).toMatchObject({
        iss: glewlwyd.issuer,
        client_id: client.clientId,
        scope: GLEWLWYD_SCOPE,
      });
    },
  );

  it('a wrong secret: one line naming the token step, the HTTP status and the fix', async () => {
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
    expect(error.hint).toContain('gatekey edit m2m');
    expect(error.hint).toContain('--client-secret-stdin');
    expect(JSON.stringify(error)).not.toContain('not-the-secret');
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

    it('registers dynamically, signs in with PKCE on the real login page, refreshes, revokes', async () => {
      const store = new MemorySecretStore();
      const session = createOAuthSession(
        gatewayOf({
          name: 'web',
          url: GATEWAY_URL,
          issuer: glewlwyd.issuer,
          resource: false,
          scopes: ['openid', GLEWLWYD_SCOPE],
        }),
        store,
      );

      const tokens = await session.signInWithBrowser({
        openBrowser: (url) => signInOnLoginPage(browser, url),
        timeoutMs: 60_000,
      });

      const registration = (await store.read('web'))?.registration;
      expect(registration?.clientId).toBeTruthy();
      expect(registration?.clientSecret).toBeTruthy();
      expect(decodeJwt(tokens.accessToken)).toMatchObject({ iss: glewlwyd.issuer });
      expect(tokens.refreshToken).toBeTruthy();

      const refreshed = await session.refresh(tokens.refreshToken ?? '');
      expect(refreshed.accessToken).not.toBe(tokens.accessToken);

      expect(await session.revoke(refreshed.refreshToken ?? '')).toBe(true);
      const afterRevocation = await rejection(session.refresh(refreshed.refreshToken ?? ''));
      expect(afterRevocation.code).toBe('invalid_grant');
    });
  },
);

/** Glewlwyd's login page is a React app: type the password and grant the scopes like a person. */
async function signInOnLoginPage(browser: Browser, url: string): Promise<void> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await page.locator('input#username').fill(GLEWLWYD_USER.username);
    await page.locator('input#password').fill(GLEWLWYD_USER.password);
    await page.locator('button[type=submit]').first().click();
    await page.waitForURL(/127\.0\.0\.1:\d+\/callback/, { timeout: 30_000 }).catch(async () => {
      throw new Error(`sign-in stopped at ${page.url()}: ${(await page.content()).slice(0, 500)}`);
    });
  } finally {
    await page.close();
  }
}
