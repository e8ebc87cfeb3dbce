import type { Locator, Page } from 'playwright-core';

/** A form control by its exact label. */
export const field = (page: Page, label: string): Locator =>
  page.getByLabel(label, { exact: true });

/** The error a field shows (its aria-describedby target that is an error), or undefined. */
export async function fieldError(page: Page, label: string): Promise<string | undefined> {
  const control = field(page, label);
  if ((await control.getAttribute('aria-invalid')) !== 'true') return undefined;
  const ids = (await control.getAttribute('aria-describedby'))?.split(' ') ?? [];
  const errorId = ids.find((id) => id.endsWith('-error'));
  return errorId ? page.locator(`[id="${errorId}"]`).innerText() : undefined;
}

/** Navigates inside the single-page app, as a link click would. */
export async function goToHash(page: Page, hash: string): Promise<void> {
  await page.evaluate((target) => {
    window.location.hash = target;
  }, hash);
}
