/** The demo IdP's HTML: a sign-in form, a consent form and an error page. */

export interface LoginPage {
  actionBase: string;
  clientName: string;
  /** Tells a person which demo account to use. */
  hint: string;
  username?: string;
  error?: string;
}

export interface ConsentPage {
  actionBase: string;
  clientName: string;
  scopes: string[];
  resources: string[];
}

const STYLE = `body{font:15px system-ui,sans-serif;background:#f4f5f7;margin:0;padding:48px 16px}
main{max-width:360px;margin:auto;background:#fff;border-radius:10px;padding:24px 28px;box-shadow:0 1px 4px #0002}
h1{font-size:20px;margin:0 0 4px}label{display:block;margin:14px 0 4px}
input{width:100%;box-sizing:border-box;padding:8px;font:inherit;border:1px solid #bbb;border-radius:6px}
button{margin-top:16px;padding:8px 14px;font:inherit;border-radius:6px;border:1px solid #2457c5;background:#2f6fed;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#333;border-color:#bbb}.row{display:flex;gap:8px}
.error{color:#b00020}.hint{color:#666;font-size:13px}ul{padding-left:20px}`;

export function loginPage(page: LoginPage): string {
  const error = page.error ? `<p class="error" role="alert">${escapeHtml(page.error)}</p>` : '';
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(page.clientName)}</strong></p>${error}
<form method="post" action="${page.actionBase}/login">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required autofocus value="${escapeHtml(page.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" name="action" value="login">Sign in</button>
</form>
<form method="post" action="${page.actionBase}/abort">
<button class="secondary" type="submit" name="action" value="cancel">Cancel</button>
</form>
<p class="hint">${escapeHtml(page.hint)}</p>`,
  );
}

export function consentPage(page: ConsentPage): string {
  const scopes = page.scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('');
  const resources = page.resources.map((resource) => `<li>${escapeHtml(resource)}</li>`).join('');
  return layout(
    'Authorize access',
    `<h1>Authorize access</h1>
<p><strong>${escapeHtml(page.clientName)}</strong> asks for:</p>
<ul>${scopes || '<li>the access you granted before</li>'}</ul>
${resources ? `<p>for</p><ul>${resources}</ul>` : ''}
<div class="row">
<form method="post" action="${page.actionBase}/confirm">
<button type="submit" name="action" value="allow">Allow</button>
</form>
<form method="post" action="${page.actionBase}/abort">
<button class="secondary" type="submit" name="action" value="deny">Deny</button>
</form>
</div>`,
  );
}

export function errorPage(error: string, description: string | undefined): string {
  const detail = description ? `: ${description}` : '';
  return layout(
    'Sign-in error',
    `<h1>Something went wrong</h1>
<p class="error" role="alert">${escapeHtml(error + detail)}</p>`,
  );
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Gatekey demo IdP</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
