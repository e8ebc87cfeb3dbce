import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGatekeyError } from '../../src-main/core/errors.js';
import { createOAuthSession, openSystemBrowser } from '../../src-main/core/oauth/index.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { HEADLESS_BROWSER_COMMAND } from '../support/headless-browser.js';
import { gatewayOf, MemorySecretStore } from './oauth-fixtures.js';

/** Waits for a detached process to leave its mark; it runs on after openSystemBrowser resolves. */
async function appears(path: string): Promise<void> {
  for (let attempt = 0; attempt < 100 && !existsSync(path); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('openSystemBrowser', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatekey-browser-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('tries each $BROWSER command in turn and appends the URL when there is no %s', async () => {
    const target = join(directory, 'appended');

    await openSystemBrowser(target, { BROWSER: '/nonexistent/browser:touch' });

    await appears(target);
    expect(existsSync(target)).toBe(true);
  });

  it('puts the URL in place of %s', async () => {
    const source = join(directory, 'source');
    const target = join(directory, 'substituted');
    await writeFile(source, 'opened');

    await openSystemBrowser(source, { BROWSER: `cp %s ${target}` });

    await appears(target);
    expect(await readFile(target, 'utf8')).toBe('opened');
  });

  it('says so when no browser starts', async () => {
    const error = await openSystemBrowser('https://idp.example.com/', {
      BROWSER: '/nonexistent/one:/nonexistent/two %s',
    }).catch((caught: unknown) => caught);

    expect(isGatekeyError(error, 'browser_unavailable')).toBe(true);
    expect((error as Error).message).toContain('/nonexistent/two');
  });
});

describe('a sign-in through $BROWSER', () => {
  let idp: RunningIdp;
  beforeAll(async () => {
    idp = await startIdp({ profile: 'okta' });
  });
  afterAll(() => idp?.close());

  it('completes when the browser is a separate process', async () => {
    const gateway = gatewayOf({
      url: 'https://gateway.example.com/mcp',
      issuer: idp.issuer,
      clientId: idp.clients.publicPkce.clientId,
      scopes: ['openid'],
    });

    const tokens = await createOAuthSession(gateway, new MemorySecretStore()).signInWithBrowser({
      openBrowser: (url) => openSystemBrowser(url, { BROWSER: HEADLESS_BROWSER_COMMAND }),
      timeoutMs: 20_000,
    });

    expect(tokens.accessToken.split('.')).toHaveLength(3);
  });
});
