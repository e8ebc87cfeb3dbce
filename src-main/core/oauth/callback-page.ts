import { isGatekeyError } from '../errors.js';

/** Headers for the pages the browser sees after the IdP sends it back; nothing loads from outside. */
export const CALLBACK_PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  connection: 'close',
};

export function successPage(gatewayName: string): string {
  return page(
    'Signed in',
    `Gatekey is signed in to <strong>${escapeHtml(gatewayName)}</strong>.`,
    'You can close this tab and go back to your editor.',
    'success',
  );
}

export function failurePage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const hint = isGatekeyError(error) && error.hint ? error.hint : 'Try signing in again.';
  return page(
    'Sign-in failed',
    escapeHtml(message),
    `${escapeHtml(hint)} You can close this tab.`,
    'failure',
  );
}

/** For requests that are not the sign-in callback (a favicon, a reload, a foreign Host). */
export function noticePage(message: string): string {
  return page('Gatekey', escapeHtml(message), 'You can close this tab.', 'notice');
}

function page(
  title: string,
  lead: string,
  next: string,
  tone: 'success' | 'failure' | 'notice',
): string {
  const accent = { success: '#1a7f37', failure: '#cf222e', notice: '#57606a' }[tone];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatekey: ${escapeHtml(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f6f8fa; color: #1f2328; }
  main { max-width: 32rem; padding: 2rem; background: #fff; border-radius: 12px; border-top: 6px solid ${accent}; box-shadow: 0 1px 3px rgb(0 0 0 / 12%); }
  h1 { margin: 0 0 .5rem; font-size: 1.4rem; color: ${accent}; }
  p { margin: .5rem 0 0; overflow-wrap: anywhere; }
  @media (prefers-color-scheme: dark) { body { background: #0d1117; color: #e6edf3; } main { background: #161b22; } }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p>${lead}</p>
<p>${next}</p>
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
