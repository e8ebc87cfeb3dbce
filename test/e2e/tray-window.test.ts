/**
 * The Gatekey window as the tray app shows it: the built renderer in real Chromium, served by the
 * shell's app:// handler, talking to the core only through the real preload's `window.gatekey`
 * and the shell's ipcMain routing (the Electron transport), on the Electron stand-in.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNEL } from '../../src-main/app/ipc-contract.js';
import { routes } from '../../src-main/app/routes.js';
import { GatewayStore } from '../../src-main/core/gateways/store.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { launchShell, quitAll } from '../support/electron/launch.js';
import type { ElectronProcess } from '../support/electron/process.js';
import { completeBrowserLogin } from '../support/headless-browser.js';
import { freePort } from '../support/ports.js';
import { temporaryDirectory } from '../support/temporary.js';
import { hasChromium, launchChromium, NO_CHROMIUM_MESSAGE } from './support/chromium.js';
import { APP_PAGE_ORIGIN, appUrlOf, attachRenderer } from './support/electron-renderer.js';
import { ensureUiBuilt } from './support/ui-build.js';

const UI_TIMEOUT_MS = 15_000;
const WAIT = { timeout: 20_000, interval: 50 };

if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

describe.skipIf(!hasChromium)('the tray app’s window over the preload bridge', () => {
  let idp: RunningIdp;
  let mcp: RunningMcpServer;
  let home: string;
  let electron: ElectronProcess;
  let browser: Browser;
  let page: Page;
  const locks = new Map<string, ElectronProcess>();
  const launches: ElectronProcess[] = [];
  const pageRequests: string[] = [];
  const ipcCalls: string[] = [];

  const detail = () => page.locator('.gateway-detail');
  const line = (name: string) => electron.tray.menu.item(`${name} — `).label;

  beforeAll(async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await ensureUiBuilt();
    idp = await startIdp({ accessTokenTtlSeconds: 600 });
    mcp = await startDemoMcpServer({ issuer: idp.issuer });
    home = await temporaryDirectory('gatekey-window');
    new GatewayStore(home).updateSettings({ port: await freePort() });
    electron = await launchShell({
      home,
      locks,
      browser: async (url) => {
        if (url.startsWith(idp.issuer)) await completeBrowserLogin(url);
      },
    });
    launches.push(electron);
    await vi.waitFor(() => expect(electron.openWindows()).toHaveLength(1), WAIT);
    const handler = electron.ipcHandlers.get(INVOKE_CHANNEL);
    electron.ipcHandlers.set(INVOKE_CHANNEL, (event, command, ...rest) => {
      ipcCalls.push(String(command));
      return handler?.(event, command, ...rest);
    });
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on('request', (request) => pageRequests.push(request.url()));
    const [shown] = electron.openWindows();
    if (shown) await attachRenderer(electron, shown, page);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await quitAll(launches);
    await Promise.allSettled([mcp?.close(), idp?.close()]);
    vi.restoreAllMocks();
  });

  it('shows the first-run screen, through the bridge and nothing else', async () => {
    await page.getByRole('heading', { name: 'Welcome to Gatekey' }).waitFor();
    expect(appUrlOf(page)).toBe(`app://gatekey/index.html${routes.gateways()}`);
    expect(ipcCalls).toContain('gateways.list');
    // The window has no dashboard session, so nothing to lock.
    expect(await page.getByRole('button', { name: /Lock/ }).count()).toBe(0);
    expect(pageRequests.every((url) => url.startsWith(`${APP_PAGE_ORIGIN}/`))).toBe(true);
    expect(await page.evaluate(() => typeof (window as { require?: unknown }).require)).toBe(
      'undefined',
    );
  });

  it('stops an unknown command in the preload, before IPC', async () => {
    const calls = ipcCalls.length;
    const refused = await page.evaluate(() => window.gatekey?.invoke('tokens.dump' as never, {}));
    expect(refused && 'error' in refused && refused.error.code).toBe('invalid_input');
    expect(ipcCalls).toHaveLength(calls);
  });

  it('a gatekey://add link opens the prefilled form; the gateway exists once confirmed', async () => {
    const link = `gatekey://add?url=${encodeURIComponent(mcp.url)}&name=work`;
    const second = await launchShell({ home, locks, argv: [link] });
    launches.push(second);
    expect(await second.whenExited()).toBe(0);
    const form = page.locator('form.gateway-form');
    await form.waitFor();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('work');
    expect(await page.getByLabel('MCP URL', { exact: true }).inputValue()).toBe(mcp.url);
    expect(electron.tray.menu.labels()).toContain('No gateways yet');

    await page.getByRole('button', { name: 'Add gateway' }).click();
    await detail().getByRole('heading', { name: 'work', exact: true }).waitFor();
    await vi.waitFor(() => expect(line('work')).toBe('work — signed out'), WAIT);
    expect(ipcCalls).toContain('gateways.add');
  });

  it('signs in from the window: the stepper finishes, the list and the tray follow', async () => {
    await detail().getByRole('button', { name: 'Sign in' }).click();
    const stepper = page.getByRole('region', { name: 'Sign-in to work' });
    await stepper.getByRole('heading', { name: 'Signed in' }).waitFor();
    expect(await detail().locator('.status-label').first().innerText()).toBe('Signed in');
    expect(electron.openedExternally).toHaveLength(1);
    await vi.waitFor(() => expect(line('work')).toMatch(/^work — signed in/), WAIT);
  });

  it('shows the token in the inspector', async () => {
    await page.getByRole('tab', { name: 'Token', exact: true }).click();
    await page.getByText('Signature valid').waitFor();
    expect(await page.locator('table.claims').innerText()).toContain(idp.issuer);
  });

  it('follows core events pushed over IPC, and a notification click changes the screen', async () => {
    await idp.revokeRefreshTokens();
    electron.tray.menu.click('work — ', 'Refresh');
    await page.getByRole('tab', { name: 'Overview', exact: true }).click();
    await vi.waitFor(
      async () =>
        expect(await detail().locator('.status-label').first().innerText()).toBe('Needs sign-in'),
      WAIT,
    );
    const notice = electron.notifications.find(
      (shown) => shown.options.title === 'Sign in to work',
    );
    expect(notice).toBeDefined();
    notice?.click();
    await page.getByRole('region', { name: 'Sign in to work?' }).waitFor();
    expect(appUrlOf(page)).toBe(`app://gatekey/index.html${routes.signInPrompt('work')}`);

    await page.getByRole('button', { name: 'Sign in', exact: true }).first().click();
    await vi.waitFor(() => expect(line('work')).toMatch(/^work — signed in/), WAIT);
    expect(electron.openedExternally).toHaveLength(2);
  });
});
