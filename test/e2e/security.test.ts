import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeServer,
  listen,
  plainRequest,
  rpcRequest,
  startRawUpstream,
  type RawUpstream,
} from '../support/proxy-fixtures.js';
import { hasChromium, launchChromium, NO_CHROMIUM_MESSAGE } from './support/chromium.js';
import { startDashboard, type Dashboard } from './support/dashboard.js';
import { captureScreen, VIEWPORTS } from './support/screenshots.js';
import { ensureUiBuilt } from './support/ui-build.js';

if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

const LIST_TOOLS = rpcRequest('tools/list', 1);
/** Cookie names a hostile site would try: the one Gatekey once used, and per-port variants. */
const SESSION_COOKIE_NAMES = ['gatekey_session', 'gatekey_session_0'];

/** What a gateway gone bad answers: a page whose script uses the proxy on Gatekey's origin. */
const HOSTILE_PAGE = `<!doctype html><title>gateway page</title><script>
document.title = 'script ran';
fetch('/mcp/victim', { method: 'POST', headers: { 'content-type': 'application/json',
  accept: 'application/json, text/event-stream' }, body: ${JSON.stringify(LIST_TOOLS)} })
  .then((r) => r.text()).then((text) => { document.title = 'read: ' + text; });
</script>`;

/** A local web server on another port of 127.0.0.1: a dev server, or a page that means harm. */
interface OtherLocalSite {
  readonly origin: string;
  /** Every Cookie header the browser sent to it. */
  readonly cookiesReceived: string[];
  close(): Promise<void>;
}

async function startOtherLocalSite(): Promise<OtherLocalSite> {
  const cookiesReceived: string[] = [];
  const server: Server = createServer((req, res) => {
    if (req.headers.cookie) cookiesReceived.push(req.headers.cookie);
    // Cookies ignore ports: this site can set Gatekey's cookie names for 127.0.0.1, everywhere.
    const overwrite = SESSION_COOKIE_NAMES.flatMap((name) =>
      ['/', '/api', '/api/'].map((path) => `${name}=locked-out; Path=${path}; HttpOnly`),
    );
    res
      .writeHead(200, {
        'content-type': 'text/html',
        ...(req.url === '/overwrite' ? { 'set-cookie': overwrite } : {}),
      })
      .end('<!doctype html><title>other</title>');
  });
  const port = await listen(server);
  return {
    origin: `http://127.0.0.1:${port}`,
    cookiesReceived,
    close: () => closeServer(server),
  };
}

describe.skipIf(!hasChromium)('web pages and gateways against Gatekey, in Chromium', () => {
  let dashboard: Dashboard;
  let browser: Browser;
  let context: BrowserContext;
  let hostileGateway: RawUpstream;
  let victim: RawUpstream;
  let otherSite: OtherLocalSite;

  beforeAll(async () => {
    const uiDir = await ensureUiBuilt();
    dashboard = await startDashboard(uiDir);
    hostileGateway = await startRawUpstream((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(HOSTILE_PAGE);
    });
    victim = await startRawUpstream((_request, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"secret-tool"}]}}');
    });
    otherSite = await startOtherLocalSite();
    const { api } = dashboard.instance;
    await api.invoke('gateways.add', {
      gateway: { name: 'hostile', url: `${hostileGateway.url}/mcp`, auth: 'none' },
    });
    await api.invoke('gateways.add', {
      gateway: { name: 'victim', url: `${victim.url}/mcp`, auth: 'none' },
    });
    browser = await launchChromium();
    context = await browser.newContext();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.allSettled([hostileGateway?.close(), victim?.close(), otherSite?.close()]);
    await dashboard?.close();
  });

  it('keeps the dashboard session to its own origin: another local port can neither use nor break it', async () => {
    const gatekey = dashboard.instance.proxyOrigin;
    const page = await context.newPage();
    await page.goto(dashboard.instance.dashboardUrl());
    await page.getByText('victim').first().waitFor();
    expect(new URL(page.url()).search).toBe('');

    // The user then visits another local web server in the same browser.
    const other = await context.newPage();
    await other.goto(otherSite.origin);
    await other.goto(`${otherSite.origin}/overwrite`);
    await other.evaluate((names) => {
      for (const name of names) document.cookie = `${name}=locked-out; path=/`;
    }, SESSION_COOKIE_NAMES);
    await other.goto(otherSite.origin);
    // Whatever it received, replayed from outside the browser, opens nothing.
    const replays = await Promise.all(
      otherSite.cookiesReceived.map((cookie) =>
        plainRequest(`${gatekey}/api/gateways.list`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie },
          body: '{}',
        }),
      ),
    );
    expect(replays.map((replay) => replay.status).filter((status) => status !== 401)).toEqual([]);
    expect(otherSite.cookiesReceived.join(';')).not.toMatch(/gatekey_session=(?!locked-out)/);
    // Nor can its script read the session from Gatekey's origin.
    const fromOtherPort = await other.evaluate(() => sessionStorage.getItem('gatekey.session'));
    expect(fromOtherPort).toBeNull();

    // The dashboard, reloaded after all that, still works.
    await page.reload();
    await page.getByText('victim').first().waitFor();
    const call = await page.evaluate(async () => {
      const session = sessionStorage.getItem('gatekey.session') ?? '';
      const response = await fetch('/api/gateways.list', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-gatekey-session': session },
        body: '{}',
      });
      return response.status;
    });
    expect(call).toBe(200);
    await Promise.all([page.close(), other.close()]);
  });

  it('ends the dashboard session from the page: Lock, and the old session opens nothing', async () => {
    const gatekey = dashboard.instance.proxyOrigin;
    const page = await context.newPage();
    await page.setViewportSize(VIEWPORTS.tray);
    await page.goto(dashboard.instance.dashboardUrl());
    await page.getByText('victim').first().waitFor();
    const session = await page.evaluate(() => sessionStorage.getItem('gatekey.session'));
    expect(session).toMatch(/^[\w-]{20,}$/);
    const withSession = (path: string, method = 'POST') =>
      plainRequest(`${gatekey}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-gatekey-session': session! },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
    expect((await withSession('/api/gateways.list')).status).toBe(200);

    await page.getByRole('button', { name: 'Lock: end this dashboard session' }).click();
    await captureScreen(page, 'lock-question', 'tray');
    await page.getByRole('button', { name: 'End session' }).click();
    await page.getByRole('heading', { name: 'Dashboard session ended' }).waitFor();

    const text = await page.locator('main').innerText();
    expect(text).toContain('gatekey dashboard');
    expect(await page.evaluate(() => sessionStorage.getItem('gatekey.session'))).toBeNull();
    expect((await withSession('/api/gateways.list')).status).toBe(401);
    expect((await withSession('/api/tokens.get')).status).toBe(401);
    const events = await plainRequest(
      `${gatekey}/api/events?session=${encodeURIComponent(session!)}`,
      { method: 'GET' },
    );
    expect(events.status).toBe(401);
    // It fits the tray's width, and a reload shows the same page, not errors.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(VIEWPORTS.tray.width);
    await captureScreen(page, 'session-ended', 'tray');
    await page.reload();
    await page.getByRole('heading', { name: 'Dashboard session ended' }).waitFor();
    await page.close();
  });

  it("refuses to show a relayed answer as a page, so a gateway's script never runs on Gatekey's origin", async () => {
    const page = await context.newPage();
    const response = await page.goto(`${dashboard.instance.proxyOrigin}/mcp/hostile/page`);
    // Give a script that did run the time to call the other gateway.
    await page.waitForTimeout(500);
    expect(response?.status()).toBe(403);
    expect(await page.title()).not.toMatch(/script ran|read:/);
    expect(await page.content()).toMatch(/opened an MCP proxy URL as a page/);
    expect(hostileGateway.received).toHaveLength(0);
    expect(victim.received).toHaveLength(0);
    await page.close();
  });

  it('sandboxes every relayed answer and forbids type sniffing, for whatever reaches a browser', async () => {
    const response = await plainRequest(`${dashboard.instance.proxyOrigin}/mcp/hostile/page`, {
      method: 'GET',
      headers: { accept: 'application/json, text/event-stream' },
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-security-policy']).toMatch(/^sandbox;/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('grants no CORS on a refusal, so a page elsewhere cannot even learn that Gatekey runs', async () => {
    const page = await context.newPage();
    await page.goto(otherSite.origin);
    const reachedBefore = victim.received.length;
    // A simple request (text/plain, no preflight): the browser sends it, the guard refuses it.
    const outcome = await page.evaluate(
      async ({ url, body }) => {
        try {
          const response = await fetch(url, { method: 'POST', body });
          return `read HTTP ${response.status}: ${await response.text()}`;
        } catch (error) {
          return `blocked: ${String(error)}`;
        }
      },
      { url: `${dashboard.instance.proxyOrigin}/mcp/victim`, body: LIST_TOOLS },
    );
    expect(outcome).toMatch(/^blocked: TypeError/);
    expect(victim.received).toHaveLength(reachedBefore);
    await page.close();
  });
});
