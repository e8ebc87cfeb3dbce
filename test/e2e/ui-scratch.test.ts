import { it } from 'vitest';
import { launchChromium } from './support/chromium.js';
import { startDashboard } from './support/dashboard.js';
import { ensureUiBuilt } from './support/ui-build.js';

it('debug', async () => {
  const dashboard = await startDashboard(await ensureUiBuilt());
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('console', (m) => console.log('console', m.type(), m.text()));
  page.on('pageerror', (e) => console.log('pageerror', e.message));
  page.on('response', (r) => console.log('response', r.status(), r.url()));
  await page.goto(dashboard.instance.dashboardUrl());
  for (const attempt of [1, 2]) {
    await page.evaluate(() => (window.location.hash = '#/gateways/new'));
    await page.getByLabel('MCP URL', { exact: true }).fill(dashboard.mcp.url);
    await page.getByLabel('Name', { exact: true }).fill('acme');
    await page.getByRole('button', { name: 'Add gateway' }).click();
    await page.waitForTimeout(1000);
    console.log('url', attempt, page.url());
    await page.screenshot({ path: `test-results/scratch-${attempt}.png`, fullPage: true });
  }
  await browser.close();
  await dashboard.close();
}, 60_000);
