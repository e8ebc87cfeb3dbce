/**
 * `gatekey dashboard`: a new one-time link from the running `gatekey serve --ui`, without a
 * restart, opened with the command's own $BROWSER. The real CLI, a real serve, real Chromium.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runGatekey, temporaryHome } from '../support/cli.js';
import { plainRequest } from '../support/proxy-fixtures.js';
import { startServe, type ServeProcess } from '../support/reliability-process.js';
import { temporaryDirectory } from '../support/temporary.js';
import { hasChromium, launchChromium, NO_CHROMIUM_MESSAGE } from './support/chromium.js';
import { ensureUiBuilt } from './support/ui-build.js';

if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

const LOCK = 'Lock: end this dashboard session';
const SESSION_KEY = 'gatekey.session';

/** A `$BROWSER` that only notes each URL it is given, one a line. */
async function recordingBrowser(): Promise<{ command: string; urls: () => Promise<string[]> }> {
  const folder = await temporaryDirectory('gatekey-dashboard-browser');
  const log = path.join(folder, 'opened.log');
  const command = path.join(folder, 'browser.sh');
  await writeFile(command, `#!/bin/sh\necho "$1" >> '${log}'\n`);
  await chmod(command, 0o755);
  const urls = () =>
    readFile(log, 'utf8').then(
      (text) => text.split('\n').filter(Boolean),
      () => [],
    );
  return { command, urls };
}

describe.skipIf(!hasChromium)('gatekey dashboard', () => {
  let browser: Browser;
  let serve: ServeProcess | undefined;

  beforeAll(async () => {
    await ensureUiBuilt();
    browser = await launchChromium();
  }, 120_000);
  afterEach(async () => {
    await serve?.stop();
    serve = undefined;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('opens a new one-time link of the running serve --ui in its $BROWSER; the link works once', async () => {
    const home = await temporaryHome();
    serve = await startServe({ home, args: ['--ui', '--insecure-file-store'] });
    expect(serve.output()).toContain('gatekey dashboard');
    const opener = await recordingBrowser();

    const command = await runGatekey(['dashboard'], { home, env: { BROWSER: opener.command } });
    expect(command.code, command.stderr).toBe(0);
    const link = command.stdout.trim();
    expect(link).toMatch(new RegExp(`^${serve.origin}/\\?ticket=[\\w-]{40,}$`));
    expect(await opener.urls()).toEqual([link]);
    expect(command.stderr).toContain('once, within 60 s');

    // The link opens the dashboard in a browser.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole('button', { name: LOCK }).waitFor();
    const session = await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY);
    expect(session).toMatch(/^[\w-]{20,}$/);

    // A dashboard session cannot mint links for itself: it would outlive its 8 hours and Lock.
    const minted = await plainRequest(`${serve.origin}/api/dashboard.link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gatekey-session': session! },
      body: '{}',
    });
    expect(minted.status).toBe(403);
    expect(minted.body).toContain('gatekey dashboard');

    // A second use of the same link, in another browser profile, is refused.
    const other = await browser.newContext();
    const replay = await other.newPage();
    await replay.goto(link);
    await replay.getByText('This dashboard link has expired or was already used.').waitFor();
    expect(await replay.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY)).toBeNull();
    await other.close();

    // After Lock, `gatekey dashboard` (here --no-open) gives the way back, without a restart.
    await page.getByRole('button', { name: LOCK }).click();
    await page.getByRole('button', { name: 'End session' }).click();
    await page.getByRole('heading', { name: 'Dashboard session ended' }).waitFor();
    expect(await page.locator('main').innerText()).toContain('gatekey dashboard');
    const again = await runGatekey(['dashboard', '--no-open'], {
      home,
      env: { BROWSER: opener.command },
    });
    expect(again.code, again.stderr).toBe(0);
    const second = again.stdout.trim();
    expect(second).toMatch(/\?ticket=/);
    expect(second).not.toBe(link);
    expect(await opener.urls()).toEqual([link]);
    await page.goto(second);
    await page.getByRole('button', { name: LOCK }).waitFor();
    expect(serve.alive()).toBe(true);
    await context.close();
  }, 120_000);

  it('says how to start the dashboard when Gatekey runs without --ui, or not at all', async () => {
    const home = await temporaryHome();
    const opener = await recordingBrowser();
    const env = { BROWSER: opener.command };

    const none = await runGatekey(['dashboard'], { home, env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`No Gatekey is running for ${home}`);
    expect(none.stderr).toContain('gatekey serve --ui');

    serve = await startServe({ home, args: ['--insecure-file-store'] });
    const headless = await runGatekey(['dashboard'], { home, env });
    expect(headless.code).toBe(1);
    expect(headless.stderr).toContain('serves no dashboard: it was started without --ui');
    expect(headless.stderr).toContain(`gatekey serve --ui --port ${serve.port}`);
    expect(await opener.urls()).toEqual([]);
  }, 60_000);
});
