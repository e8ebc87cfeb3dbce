/**
 * The packaged shape of the app, end to end: Electron starts the core on a free loopback port
 * with a throwaway GATEKEY_HOME, opens the window (no gateway yet: first run), exposes only the
 * bridge, and shuts the proxy down on quit. Needs the Electron runtime and `npm run build`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStore } from '../../src-main/core/gateways/store.js';
import { freePort } from '../support/ports.js';

const SKIP_REASON =
  'Electron runtime not installed (npm ci fetches none) — on a desktop, `npm run electron:install` fetches it';
const repoRoot = path.resolve(import.meta.dirname, '../..');
const BUILT_FILES = [
  'dist/src-main/app/main.js',
  'dist/src-main/app/preload.cjs',
  'dist/renderer/index.html',
];

/** `require('electron')` is the binary's path in plain Node; it throws when the download was skipped. */
function electronRuntime(): string | undefined {
  try {
    const binary: unknown = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

type Envelope = { result: Record<string, unknown> } | { error: { code: string; message: string } };

const runtime = electronRuntime();

describe('the tray app in Electron', () => {
  let home: string;
  let port: number;
  let app: ElectronApplication | undefined;
  let window: Page;

  beforeAll(async () => {
    if (!runtime) {
      console.warn(`test/e2e/electron.test.ts skipped: ${SKIP_REASON}`);
      return;
    }
    const missing = BUILT_FILES.filter((file) => !existsSync(path.join(repoRoot, file)));
    if (missing.length > 0)
      throw new Error(`Build first (npm run build); missing: ${missing.join(', ')}`);
    home = await mkdtemp(path.join(os.tmpdir(), 'gatekey-e2e-'));
    port = await freePort();
    new GatewayStore(home).updateSettings({ port });
    app = await _electron.launch({
      args: ['.'],
      cwd: repoRoot,
      env: { ...process.env, GATEKEY_HOME: home },
      timeout: 30_000,
    });
    window = await app.firstWindow();
    await window.waitForLoadState('domcontentloaded');
  });

  afterAll(async () => {
    await app?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('opens the Gatekey window on first run, on the app page', async (context) => {
    if (!runtime) return context.skip(SKIP_REASON);
    expect(await window.title()).toMatch(/Gatekey/);
    expect(window.url()).toMatch(/^app:\/\/gatekey\/index\.html#\/gateways/);
  });

  it('gives the page the bridge and nothing of Node', async (context) => {
    if (!runtime) return context.skip(SKIP_REASON);
    expect(await window.evaluate('typeof window.gatekey')).toBe('object');
    expect(await window.evaluate('typeof require')).toBe('undefined');
    expect(await window.evaluate('typeof process')).toBe('undefined');
    const refused = (await window.evaluate("window.gatekey.invoke('tokens.dump', {})")) as Envelope;
    expect('error' in refused && refused.error.code).toBe('invalid_input');
  });

  it('runs the proxy on the configured loopback port, and closes it on quit', async (context) => {
    if (!runtime || !app) return context.skip(SKIP_REASON);
    const info = (await window.evaluate("window.gatekey.invoke('app.info', {})")) as Envelope;
    expect('result' in info && info.result.proxyOrigin).toBe(`http://127.0.0.1:${port}`);
    const answer = await fetch(`http://127.0.0.1:${port}/mcp/no-such-gateway`);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    await app.close();
    app = undefined;
    await expect(fetch(`http://127.0.0.1:${port}/mcp/no-such-gateway`)).rejects.toThrow();
  });
});
