import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src-main/core/core.js';
import type { Core } from '../../src-main/core/core.js';
import { createOAuthSession } from '../../src-main/core/oauth/index.js';
import { startIdp } from '../../src-main/demo/idp.js';
import type { RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer } from '../../src-main/demo/mcp-server.js';
import type { RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { completeBrowserLogin } from '../support/headless-browser.js';
import { temporaryHome } from '../support/cli.js';
import { rejection } from '../support/gatekey-rejection.js';

describe('signing out', () => {
  let idp: RunningIdp;
  let mcp: RunningMcpServer;
  let core: Core;

  beforeAll(async () => {
    idp = await startIdp({ profile: 'generic' });
    mcp = await startDemoMcpServer({ issuer: idp.issuer });
    core = createCore({
      home: await temporaryHome(),
      version: 'test',
      port: () => 7421,
      stdioCommand: { command: 'gatekey', args: ['stdio'] },
      openBrowser: async (url) => void (await completeBrowserLogin(url)),
    });
    await core.tokens.start();
  });

  afterAll(async () => {
    await core?.tokens.stop();
    await mcp?.close();
    await idp?.close();
  });

  it('forgets the tokens and revokes the refresh token at the IdP (RFC 7009)', async () => {
    await core.api.invoke('gateways.add', { gateway: { name: 'work', url: mcp.url } });
    await core.api.invoke('auth.signIn', { name: 'work' });
    const before = await core.tokens.currentTokens('work');
    expect(before?.refreshToken).toBeDefined();

    const status = await core.api.invoke('auth.signOut', { name: 'work' });
    expect(status.state).toBe('signed-out');
    expect(await core.tokens.currentTokens('work')).toBeUndefined();

    // A copy of the refresh token taken before sign-out no longer works anywhere.
    const session = createOAuthSession(core.store.require('work'), core.secrets);
    const error = await rejection(session.refresh(before!.refreshToken!));
    expect(error.code).toBe('invalid_grant');
  });

  it('still signs out when the IdP is down, and keeps nothing', async () => {
    await core.api.invoke('auth.signIn', { name: 'work' });
    await idp.stop();
    try {
      const status = await core.api.invoke('auth.signOut', { name: 'work' });
      expect(status.state).toBe('signed-out');
      expect(await core.tokens.currentTokens('work')).toBeUndefined();
    } finally {
      await idp.start();
    }
  });
});
