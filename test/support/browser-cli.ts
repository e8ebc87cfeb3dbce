/**
 * A `$BROWSER` for sign-in tests: `node --import tsx test/support/browser-cli.ts <url>` signs in
 * headlessly and exits 0 when the client's callback answered with success, 1 otherwise.
 * HEADLESS_BROWSER_USERNAME, HEADLESS_BROWSER_PASSWORD and HEADLESS_BROWSER_APPROVE=false
 * change what the "person" does.
 */
import { completeBrowserLogin } from './headless-browser.js';

const url = process.argv[2];
if (!url) {
  console.error('usage: browser-cli.ts <authorization-url>');
  process.exit(2);
}

try {
  const { callbackStatus } = await completeBrowserLogin(url, {
    username: process.env.HEADLESS_BROWSER_USERNAME,
    password: process.env.HEADLESS_BROWSER_PASSWORD,
    approve: process.env.HEADLESS_BROWSER_APPROVE !== 'false',
  });
  console.error(`headless browser: the callback answered HTTP ${callbackStatus}`);
  process.exit(callbackStatus < 400 ? 0 : 1);
} catch (error) {
  console.error(`headless browser: ${(error as Error).message}`);
  process.exit(1);
}
