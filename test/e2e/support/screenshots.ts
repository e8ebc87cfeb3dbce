import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';

export const SCREENSHOT_DIR = path.resolve(
  import.meta.dirname,
  '../../../test-results/screenshots',
);

export const VIEWPORTS = {
  tray: { width: 420, height: 640 },
  window: { width: 1200, height: 800 },
} as const;

export type ViewportName = keyof typeof VIEWPORTS;

const COLOR_SCHEMES = ['light', 'dark'] as const;

/**
 * Saves `<screen>-<viewport>-<scheme>.png` in both colour schemes at the page's current size;
 * `secrets` (a pasted or revealed token) are painted over, since screenshots are test output.
 */
export async function captureScreen(
  page: Page,
  screen: string,
  viewport: ViewportName,
  secrets: Locator[] = [],
): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  for (const colorScheme of COLOR_SCHEMES) {
    await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, `${screen}-${viewport}-${colorScheme}.png`),
      fullPage: true,
      animations: 'disabled',
      caret: 'hide',
      mask: secrets,
      maskColor: '#8c8c96',
    });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
