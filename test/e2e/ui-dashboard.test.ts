import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp } from '../../src-main/demo/idp.js';
import { clientCredentialsToken } from '../support/machine-tokens.js';
import { hasChromium, launchChromium, NO_CHROMIUM_MESSAGE } from './support/chromium.js';
import { startDashboard, type Dashboard } from './support/dashboard.js';
import { field, fieldError, goToHash } from './support/page.js';
import { captureScreen, VIEWPORTS, type ViewportName } from './support/screenshots.js';
import { ensureUiBuilt } from './support/ui-build.js';

const GATEWAY = 'acme';
const UI_TIMEOUT_MS = 15_000;

if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

/**
 * The Gatekey window in real Chromium, against a real instance, IdP and MCP server on loopback.
 * The tests run in order and build on each other, like a person's first session.
 */
describe.skipIf(!hasChromium)('the Gatekey window', () => {
  let dashboard: Dashboard;
  let browser: Browser;
  let page: Page;

  /** The page's width and, when it is too wide, the elements that stick out. */
  async function measureWidth(width: number): Promise<{ pageWidth: number; sticksOut: string[] }> {
    return page.evaluate(async (limit) => {
      // The layout follows a media query: let React render the new size first.
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const pageWidth = document.documentElement.scrollWidth;
      if (pageWidth <= limit) return { pageWidth, sticksOut: [] };
      const describe = (element: Element) =>
        `${element.tagName.toLowerCase()}.${element.className} to ${Math.round(element.getBoundingClientRect().right)} px: ${element.textContent?.slice(0, 40)}`;
      const wide = [...document.body.querySelectorAll('*')].filter(
        (element) => element.getBoundingClientRect().right > limit,
      );
      return { pageWidth, sticksOut: wide.slice(0, 12).map(describe) };
    }, width);
  }

  /**
   * Both layouts, both colour schemes, ending in the wide window; nothing may scroll sideways
   * once the layout has settled (a live update may land mid-measure on a loaded machine).
   */
  async function captureBoth(screen: string, secrets: Locator[] = []): Promise<void> {
    for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
      const { width } = VIEWPORTS[viewport];
      await page.setViewportSize(VIEWPORTS[viewport]);
      let measured = await measureWidth(width);
      for (let attempt = 1; measured.pageWidth > width && attempt < 10; attempt += 1) {
        await page.waitForTimeout(200);
        measured = await measureWidth(width);
      }
      expect(
        measured.pageWidth,
        `${screen} at ${viewport} width; sticking out:\n${measured.sticksOut.join('\n')}`,
      ).toBeLessThanOrEqual(width);
      await captureScreen(page, screen, viewport, secrets);
    }
  }

  const detail = () => page.locator('.gateway-detail');
  const statusOf = (scope = detail()) => scope.locator('.status-label').first().innerText();

  beforeAll(async () => {
    const uiDir = await ensureUiBuilt();
    dashboard = await startDashboard(uiDir);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: VIEWPORTS.window });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(dashboard.instance.dashboardUrl());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  it('welcomes a first run with the demo gateway and Add gateway', async () => {
    await page.getByRole('heading', { name: 'Welcome to Gatekey' }).waitFor();
    expect(await page.getByRole('button', { name: 'Try the demo gateway' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Add gateway' }).isVisible()).toBe(true);
    await captureBoth('welcome');
  });

  it('tries the demo gateway in one click, and removing it brings the welcome back', async () => {
    await page.getByRole('button', { name: 'Try the demo gateway' }).click();
    await detail().getByRole('heading', { name: 'demo', exact: true }).waitFor();
    await detail().getByText('Signed in', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Remove gateway…' }).click();
    await page.getByRole('button', { name: 'Remove gateway', exact: true }).click();
    await page.getByRole('heading', { name: 'Welcome to Gatekey' }).waitFor();
  });

  it('shows each field’s own error for bad input', async () => {
    await page.getByRole('link', { name: 'Add gateway' }).click();
    await field(page, 'MCP URL').fill('not a url');
    await field(page, 'Name').fill('Bad Name');
    await page.getByRole('radio', { name: 'Client credentials' }).check();
    await field(page, 'Issuer').fill('ftp://idp.example.com');
    await field(page, 'Redirect URI').waitFor({ state: 'detached' });
    await page.getByText('Advanced: resource, audience, headers').click();
    await field(page, 'Resource').fill('resource');
    await field(page, 'Header template').fill('Authorization: Bearer');
    await field(page, 'Extra headers').fill('X-Tenant acme');
    await page.getByRole('button', { name: 'Add gateway' }).click();

    expect(await fieldError(page, 'MCP URL')).toMatch(/absolute http\(s\) URL/);
    expect(await fieldError(page, 'Name')).toMatch(/slug of lowercase letters/);
    expect(await fieldError(page, 'Issuer')).toMatch(/absolute http\(s\) URL/);
    expect(await fieldError(page, 'Client ID')).toMatch(/client credentials need the client ID/);
    expect(await fieldError(page, 'Client secret')).toMatch(
      /client credentials need the client secret/,
    );
    expect(await fieldError(page, 'Resource')).toMatch(/absolute http\(s\) URL/);
    expect(await fieldError(page, 'Header template')).toMatch(/\{token\}/);
    expect(await fieldError(page, 'Extra headers')).toMatch(/line 1: expected "Name: value"/);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid'))).toBe(
      'true',
    );
    await captureBoth('form-errors');

    await page.getByRole('radio', { name: 'Browser (PKCE)' }).check();
    await field(page, 'Redirect URI').fill('localhost:8080/callback');
    await field(page, 'Redirect URI').blur();
    expect(await fieldError(page, 'Redirect URI')).toMatch(/absolute http\(s\) URL/);
  });

  it('adds a gateway through the form after discovering its authorization server', async () => {
    await goToHash(page, '#/add');
    await page.reload();
    await field(page, 'MCP URL').fill(dashboard.mcp.url);
    expect(await field(page, 'Name').inputValue()).toBe(`local-${dashboard.mcp.port}`);
    await page.getByRole('button', { name: 'Discover' }).click();
    const discovery = page.getByRole('region', { name: 'Discovery result' });
    await discovery.waitFor();
    const found = await discovery.innerText();
    expect(found).toContain(dashboard.idp.issuer);
    expect(found).toMatch(/Dynamic registration\s+Yes/);
    expect(found).toMatch(/PKCE \(S256\)\s+Yes/);
    expect(found).toContain('resource_metadata=');
    await captureBoth('discovery');

    await field(page, 'Name').fill(GATEWAY);
    await page.getByRole('button', { name: 'Add gateway' }).click();
    await detail().getByRole('heading', { name: GATEWAY, exact: true }).waitFor();
    expect(await statusOf()).toBe('Signed out');
    const row = page.locator(`.gateway-row[data-gateway="${GATEWAY}"]`);
    expect(await row.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
    await captureBoth('gateway-signed-out');
  });

  it('maps a server-side error to the field it names', async () => {
    await goToHash(page, '#/add');
    await field(page, 'MCP URL').fill(dashboard.mcp.url);
    await field(page, 'Name').fill(GATEWAY);
    await page.getByRole('button', { name: 'Add gateway' }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor();
    expect(await fieldError(page, 'Name')).toMatch(/already exists/);
  });

  it('waits in the browser step with the sign-in page at hand, and cancels', async () => {
    dashboard.browser = 'leave-open';
    await goToHash(page, `#/gateways/${GATEWAY}`);
    await detail().getByRole('button', { name: 'Sign in' }).click();
    const stepper = page.getByRole('region', { name: `Sign-in to ${GATEWAY}` });
    await stepper.locator('[data-step="browser"][data-state="active"]').waitFor();
    const reopen = stepper.getByRole('link', { name: 'Open the sign-in page again' });
    expect(await reopen.getAttribute('href')).toMatch(
      new RegExp(`^${dashboard.idp.issuer}/.*code_challenge=`),
    );
    await captureBoth('sign-in-waiting');
    await stepper.getByRole('button', { name: 'Cancel' }).click();
    await stepper.getByRole('heading', { name: 'Sign-in cancelled' }).waitFor();
    expect(await stepper.locator('[data-step="browser"]').getAttribute('data-state')).toBe(
      'cancelled',
    );
    dashboard.browser = 'sign-in';
  });

  it('signs in with one click: the stepper reaches done and the list follows live', async () => {
    await detail().getByRole('button', { name: 'Sign in' }).click();
    const stepper = page.getByRole('region', { name: `Sign-in to ${GATEWAY}` });
    await stepper.getByRole('heading', { name: 'Signed in' }).waitFor();
    expect(await stepper.locator('[data-step="done"]').getAttribute('data-state')).toBe('done');
    expect(await stepper.locator('[data-step="browser"]').getAttribute('data-state')).toBe('done');
    expect(await statusOf()).toBe('Signed in');
    const row = page.locator(`.gateway-row[data-gateway="${GATEWAY}"]`);
    expect(await statusOf(row)).toBe('Signed in');
    const expiry = row.locator('.expiry');
    const countdown = await expiry.innerText();
    expect(countdown).toMatch(/expires in \d+m \d{2}s/);
    await expiry.getByText(countdown).waitFor({ state: 'detached', timeout: 2_500 });
    await captureBoth('signed-in');
    await goToHash(page, '#/gateways');
    await captureBoth('gateway-list');
    await goToHash(page, `#/gateways/${GATEWAY}`);
  });

  it('shows the token’s verified claims and its scopes, and reveals it only on purpose', async () => {
    await page.getByRole('tab', { name: 'Token', exact: true }).click();
    await page.getByText('Signature valid').waitFor();
    const claims = await page.locator('table.claims').innerText();
    expect(claims).toContain(dashboard.idp.issuer);
    expect(claims).toMatch(/exp\s+expires/);
    expect(claims).toMatch(/exp\s+expires\s+[\d-]+ [\d:]+\s+in \d+[hm] \d{2}[ms]/);
    const scopes = await page.getByRole('list', { name: 'Scopes', exact: true }).innerText();
    expect(scopes).toContain('mcp:tools');
    await captureBoth('inspector');

    await page.getByRole('button', { name: 'Reveal' }).click();
    const raw = page.getByLabel('Raw token');
    // Compared, never printed: a failing assertion must not put the token in the test output.
    expect(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(await raw.innerText())).toBe(true);
    await page.getByRole('tab', { name: 'Overview', exact: true }).click();
    await raw.waitFor({ state: 'detached' });
    await page.getByRole('tab', { name: 'Token', exact: true }).click();
    await page.getByText('Signature valid').waitFor();
    expect(await raw.count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Reveal' }).isVisible()).toBe(true);
  });

  it('tests the connection through the proxy and lists the tools', async () => {
    await page.getByRole('tab', { name: 'Overview', exact: true }).click();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connected to gatekey-demo').waitFor();
    const tools = await page.getByRole('list', { name: 'Tools' }).innerText();
    expect(tools).toContain('whoami');
    expect(tools).toContain('echo');
    await captureBoth('test-connection');
  });

  it('shows the requests in Activity, live and filterable', async () => {
    await page.getByRole('link', { name: 'Activity' }).click();
    const table = page.locator('table.log-table');
    await table.getByText('tools/list').waitFor();
    expect(await table.innerText()).toContain(GATEWAY);
    await captureBoth('activity');
    const rows = table.locator('tbody tr');
    const failedRows = table.locator('tbody tr.log-row-error');
    await page.getByRole('radio', { name: 'OK' }).check();
    await table.getByText('tools/list').waitFor();
    expect(await failedRows.count()).toBe(0);
    await page.getByRole('radio', { name: 'Errors' }).check();
    await table.getByText('tools/list').waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(await failedRows.count());
  });

  it('offers IDE snippets and install links', async () => {
    await goToHash(page, `#/gateways/${GATEWAY}/connect`);
    await page.getByRole('heading', { name: 'VS Code' }).waitFor();
    expect(
      await page.getByRole('link', { name: 'Install in VS Code' }).getAttribute('href'),
    ).toMatch(/^vscode:/);
    expect(await page.locator('.client-card').first().innerText()).toContain(`/mcp/${GATEWAY}`);
    await captureBoth('connect');
  });

  it('adds the gateway to VS Code’s config file on a click, and says what changed', async () => {
    const file = path.join(dashboard.clientHome, '.config', 'Code', 'User', 'mcp.json');
    const add = page.getByRole('button', { name: `Add to ${file}` });
    await add.click();
    await page.getByText(`Created ${file}.`).waitFor();
    await captureBoth('connect-written');
    const { localUrl } = await dashboard.instance.api.invoke('gateways.get', { name: GATEWAY });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      servers: { [GATEWAY]: { type: 'http', url: localUrl } },
    });
    await add.click();
    await page.getByText(`${file} already has this entry; nothing changed.`).waitFor();
  });

  it('inspects a pasted token', async () => {
    const { token } = await dashboard.instance.api.invoke('tokens.get', { name: GATEWAY });
    await page.getByRole('link', { name: 'Inspect' }).click();
    await field(page, 'Token').fill(token);
    await page.getByRole('button', { name: 'Inspect' }).click();
    await page.locator('table.claims').waitFor();
    expect(await page.locator('table.claims').innerText()).toContain(dashboard.idp.issuer);
    // The gateway found its issuer from its 401: its keys verify the pasted token, unasked.
    await page.getByText('Signature valid').waitFor();
    expect(await page.getByRole('region', { name: /^Fetch signing keys/ }).count()).toBe(0);
    await captureBoth('paste-token', [field(page, 'Token')]);
  });

  it('asks before fetching the keys of an issuer no gateway has, and verifies with them', async () => {
    const stranger = await startIdp({ profile: 'generic' });
    try {
      const token = await clientCredentialsToken(
        stranger.issuer,
        stranger.clients.confidentialBasic,
        { scope: 'mcp:read', resource: 'https://gateway.example.com/mcp' },
      );
      await field(page, 'Token').fill(token);
      await page.getByRole('button', { name: 'Inspect' }).click();
      await page.getByText('Signature not verified', { exact: true }).waitFor();
      const prompt = page.getByRole('region', {
        name: `Fetch signing keys from ${stranger.issuer}?`,
      });
      await prompt.waitFor();
      expect(await page.locator('.inspection').innerText()).not.toContain('Token checks out');
      expect(await page.locator('.inspection').innerText()).toContain(
        `No configured gateway has the issuer "${stranger.issuer}"`,
      );
      await captureBoth('paste-token-unverified', [field(page, 'Token')]);

      await prompt.getByRole('button', { name: 'Fetch signing keys' }).click();
      await page.getByText('Signature valid').waitFor();
      await prompt.waitFor({ state: 'detached' });
      expect(await page.locator('.signature-reason').innerText()).toContain(
        `Verified with a key from ${stranger.issuer}/jwks`,
      );
      expect(await page.locator('.inspection').innerText()).toContain('Token checks out');
    } finally {
      await stranger.close();
    }
  });

  it('edits a gateway: the change is saved and shown', async () => {
    await goToHash(page, `#/gateways/${GATEWAY}`);
    await detail().getByRole('link', { name: 'Edit' }).click();
    expect(await field(page, 'Name').getAttribute('readonly')).not.toBeNull();
    await page.getByText('Advanced: resource, audience, headers').click();
    await field(page, 'Extra headers').fill('X-Tenant: acme');
    await captureBoth('edit');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await detail().getByText('X-Tenant: acme').waitFor();
    await detail().getByRole('link', { name: 'Edit' }).click();
    expect(await field(page, 'Extra headers').inputValue()).toBe('X-Tenant: acme');
    await page.getByRole('link', { name: 'Cancel' }).click();
  });

  it('is reachable by keyboard: the sections switch with the arrow keys', async () => {
    const overview = page.getByRole('tab', { name: 'Overview', exact: true });
    await overview.focus();
    await page.keyboard.press('ArrowRight');
    await page.getByText('Signature valid').waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Token');
    const focusRing = await page.evaluate(() =>
      document.activeElement ? getComputedStyle(document.activeElement).boxShadow : 'none',
    );
    expect(focusRing).not.toBe('none');
    await page.keyboard.press('Home');
    await page.getByRole('button', { name: 'Test connection' }).waitFor();
  });

  it('refreshes on demand', async () => {
    await detail().getByRole('button', { name: 'Refresh now' }).click();
    await detail().getByText('Last refresh').waitFor();
    expect(await statusOf()).toBe('Signed in');
  });

  it('signs out', async () => {
    await detail().getByRole('button', { name: 'Sign out' }).click();
    await detail().getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await statusOf()).toBe('Signed out');
    expect(await detail().locator('.sign-out-outcome').innerText()).toContain(
      'the IdP revoked its tokens',
    );
    await captureBoth('signed-out');
  });

  it('signs out while the IdP is down: says the tokens stay valid there, why, and where to end them', async () => {
    await dashboard.instance.api.invoke('auth.signIn', { name: GATEWAY });
    await detail().getByRole('button', { name: 'Sign out' }).waitFor();
    await dashboard.idp.stop();
    try {
      await detail().getByRole('button', { name: 'Sign out' }).click();
      await detail().getByRole('button', { name: 'Sign in' }).waitFor();
    } finally {
      await dashboard.idp.start();
    }
    expect(await statusOf()).toBe('Signed out');
    const outcome = await detail().locator('.sign-out-outcome').innerText();
    expect(outcome).toContain('Gatekey removed its tokens, but the IdP did not revoke them.');
    expect(outcome).toMatch(/Why: .*revocation/);
    expect(outcome).toContain('The refresh token stays valid at the IdP');
    expect(outcome).toContain(
      `To end it now: sign in to the identity provider ${dashboard.idp.issuer}`,
    );
    await captureBoth('signed-out-not-revoked');
  });

  it('opens a gateway published as a link prefilled, and adds it only on a click', async () => {
    const linked = { url: dashboard.mcp.url, name: 'linked', issuer: dashboard.idp.issuer };
    const savedNames = async () =>
      (await dashboard.instance.api.invoke('gateways.list', {})).map(({ gateway }) => gateway.name);
    await goToHash(page, `#/add?${new URLSearchParams(linked)}`);
    await page.getByRole('heading', { name: 'Add a gateway from a link' }).waitFor();
    const banner = await page.getByRole('region', { name: 'Filled in from a link' }).innerText();
    expect(banner).toContain('Filled in from a link');
    expect(banner).toContain('Nothing is saved until you press Add gateway.');
    expect(banner).toContain('Check that the MCP URL and the issuer are ones you trust');
    expect(await field(page, 'MCP URL').inputValue()).toBe(linked.url);
    expect(await field(page, 'Name').inputValue()).toBe(linked.name);
    expect(await field(page, 'Issuer').inputValue()).toBe(linked.issuer);
    await captureBoth('add-from-link');
    expect(await savedNames()).not.toContain(linked.name);

    await page.getByRole('button', { name: 'Add gateway' }).click();
    await detail().getByRole('heading', { name: linked.name, exact: true }).waitFor();
    const { gateway } = await dashboard.instance.api.invoke('gateways.get', { name: linked.name });
    expect(gateway).toMatchObject(linked);
    await dashboard.instance.api.invoke('gateways.remove', { name: linked.name });
  });

  it('asks before signing in when a link or a notification asks for it', async () => {
    const prompt = page.getByRole('region', { name: `Sign in to ${GATEWAY}?` });
    const stepper = page.getByRole('region', { name: `Sign-in to ${GATEWAY}` });
    await goToHash(page, `#/gateways/${GATEWAY}?ask=sign-in`);
    await prompt.waitFor();
    expect(
      await detail().getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected'),
    ).toBe('true');
    expect(await stepper.count()).toBe(0);
    expect(await statusOf()).toBe('Signed out');
    await captureBoth('sign-in-prompt');

    await prompt.getByRole('button', { name: 'Not now' }).click();
    await prompt.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/gateways/${GATEWAY}`);
    expect(await stepper.count()).toBe(0);
    expect(await statusOf()).toBe('Signed out');

    dashboard.browser = 'leave-open';
    await goToHash(page, `#/gateways/${GATEWAY}?ask=sign-in`);
    await prompt.getByRole('button', { name: 'Sign in' }).click();
    await stepper.locator('[data-step="browser"][data-state="active"]').waitFor();
    expect(await prompt.count()).toBe(0);
    await stepper.getByRole('button', { name: 'Cancel' }).click();
    await stepper.getByRole('heading', { name: 'Sign-in cancelled' }).waitFor();
    dashboard.browser = 'sign-in';
  });

  it('reconnects its event stream after a drop and catches up on what it missed', async () => {
    // The stream's URL carries the session in its query.
    const eventStream = (url: URL) => url.pathname === '/api/events';
    await page.route(eventStream, (route) => route.fulfill({ status: 503, body: 'down' }));
    await page.reload();
    const notice = page.getByRole('status').filter({ hasText: 'Reconnecting…' });
    await notice.waitFor();
    await captureBoth('reconnecting');
    await dashboard.instance.api.invoke('gateways.add', {
      gateway: { name: 'beta', url: dashboard.mcp.url },
    });
    await page.unroute(eventStream);
    await notice.waitFor({ state: 'detached' });
    await page.locator('.gateway-row[data-gateway="beta"]').waitFor();
    await dashboard.instance.api.invoke('auth.signIn', { name: GATEWAY });
    await expect.poll(() => statusOf()).toBe('Signed in');
  });
});
