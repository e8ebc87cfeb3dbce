import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src-main/core/core.js';
import type { Core } from '../../src-main/core/core.js';
import { createOAuthSession } from '../../src-main/core/oauth/index.js';
import { startIdp } from '../../src-main/demo/idp.js';
import type { RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer } from '../../src-main/demo/mcp-server.js';
import type { RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { completeBrowserLogin, HEADLESS_BROWSER_COMMAND } from '../support/headless-browser.js';
import { runGatekey, temporaryHome } from '../support/cli.js';
import { rejection } from '../support/gatekey-rejection.js';

async function signedInCore(mcp: RunningMcpServer): Promise<Core> {
  const core = createCore({
    home: await temporaryHome(),
    version: 'test',
    port: () => 7421,
    stdioCommand: { command: 'gatekey', args: ['stdio'] },
    openBrowser: async (url) => void (await completeBrowserLogin(url)),
  });
  await core.tokens.start();
  await core.api.invoke('gateways.add', { gateway: { name: 'work', url: mcp.url } });
  await core.api.invoke('auth.signIn', { name: 'work' });
  return core;
}

describe('signing out', () => {
  let idp: RunningIdp;
  let mcp: RunningMcpServer;
  let core: Core;

  beforeAll(async () => {
    idp = await startIdp({ profile: 'generic' });
    mcp = await startDemoMcpServer({ issuer: idp.issuer });
    core = await signedInCore(mcp);
  });

  afterAll(async () => {
    await core?.tokens.stop();
    await mcp?.close();
    await idp?.close();
  });

  it('forgets the tokens and revokes the refresh token at the IdP (RFC 7009)', async () => {
    const before = await core.tokens.currentTokens('work');
    expect(before?.refreshToken).toBeDefined();

    const { status, revocation } = await core.api.invoke('auth.signOut', { name: 'work' });
    expect(status.state).toBe('signed-out');
    expect(revocation).toEqual({ outcome: 'revoked' });
    expect(await core.tokens.currentTokens('work')).toBeUndefined();

    // A copy of the refresh token taken before sign-out no longer works anywhere.
    const session = createOAuthSession(core.store.require('work'), core.secrets);
    const error = await rejection(session.refresh(before!.refreshToken!));
    expect(error.code).toBe('invalid_grant');
  });

  it('still signs out when the IdP is down, keeps nothing, and says the tokens were not revoked', async () => {
    await core.api.invoke('auth.signIn', { name: 'work' });
    const before = await core.tokens.currentTokens('work');
    await idp.stop();
    try {
      const { status, revocation } = await core.api.invoke('auth.signOut', { name: 'work' });
      expect(status.state).toBe('signed-out');
      expect(await core.tokens.currentTokens('work')).toBeUndefined();
      expect((await core.secrets.read('work'))?.tokens).toBeUndefined();
      if (revocation.outcome !== 'not-revoked') throw new Error(`got ${revocation.outcome}`);
      expect(revocation.reason).toMatch(/revocation/i);
      expect(revocation.tokens.map((token) => token.kind)).toEqual([
        'refresh_token',
        'access_token',
      ]);
      expect(revocation.tokens[1]?.validUntil).toBe(before?.expiresAt);
      expect(revocation.whereToRevoke).toContain(idp.issuer);
    } finally {
      await idp.start();
    }
    // It was not revoked, and the report said so: the refresh token still works.
    const session = createOAuthSession(core.store.require('work'), core.secrets);
    await expect(session.refresh(before!.refreshToken!)).resolves.toBeDefined();
  });
});

describe('signing out at an IdP without a revocation endpoint', () => {
  let idp: RunningIdp;
  let mcp: RunningMcpServer;

  beforeAll(async () => {
    idp = await startIdp({ profile: 'generic', revocation: false });
    mcp = await startDemoMcpServer({ issuer: idp.issuer });
  });
  afterAll(async () => {
    await mcp?.close();
    await idp?.close();
  });

  it('says that the IdP lists none, and the refresh token really stays valid', async () => {
    const core = await signedInCore(mcp);
    try {
      const before = await core.tokens.currentTokens('work');
      const { status, revocation } = await core.api.invoke('auth.signOut', { name: 'work' });
      expect(status.state).toBe('signed-out');
      if (revocation.outcome !== 'not-revoked') throw new Error(`got ${revocation.outcome}`);
      expect(revocation.reason).toContain(`${idp.issuer} lists no revocation endpoint`);
      const session = createOAuthSession(core.store.require('work'), core.secrets);
      await expect(session.refresh(before!.refreshToken!)).resolves.toBeDefined();
    } finally {
      await core.tokens.stop();
    }
  });

  it('gatekey logout prints it: signed out, not revoked, why, how long, and where to revoke', async () => {
    const home = await temporaryHome();
    const env = { BROWSER: HEADLESS_BROWSER_COMMAND };
    expect((await runGatekey(['add', 'work', '--url', mcp.url], { home })).code).toBe(0);
    const login = await runGatekey(['login', 'work'], { home, env, timeoutMs: 60_000 });
    expect(login.code, login.stderr).toBe(0);

    const logout = await runGatekey(['logout', 'work'], { home });

    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toBe(
      'Signed out of work: Gatekey removed its tokens, but the IdP did not revoke them.\n',
    );
    expect(logout.stderr).toContain(
      `Why: The revocation request could not be made: The identity provider ${idp.issuer} lists no revocation endpoint (RFC 7009)`,
    );
    expect(logout.stderr).toMatch(
      /The refresh token stays valid at the IdP until it expires there \(the IdP did not say when\)\./,
    );
    expect(logout.stderr).toMatch(/The access token stays valid at the IdP until \d{4}-\d\d-\d\dT/);
    expect(logout.stderr).toContain(
      `To end it now: sign in to the identity provider ${idp.issuer}`,
    );
    const list = await runGatekey(['list', '--json'], { home });
    expect(JSON.parse(list.stdout)[0].status.state).toBe('signed-out');
  });
});
