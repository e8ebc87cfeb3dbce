import { info } from './output.js';

/** Opens `url` with this process's $BROWSER or the platform opener; a failure is only reported. */
export async function openBrowser(url: string): Promise<void> {
  // Loaded here: the other commands start without it.
  const { openSystemBrowser } = await import('../core/oauth/browser.js');
  await openSystemBrowser(url).catch((error: unknown) =>
    info(`${error instanceof Error ? error.message : String(error)} Open the URL above by hand.`),
  );
}
