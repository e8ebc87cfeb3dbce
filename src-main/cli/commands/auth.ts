import type { SignInProgress } from '../../core/oauth/types.js';
import { describeRelative } from '../../core/time.js';
import { describeRevocation } from '../../core/api/revocation.js';
import type { Command } from '../command.js';
import { requireName } from '../command.js';
import { openBrowser } from '../browser.js';
import { withSession } from '../context.js';
import { info, print, printJson } from '../output.js';

export const login: Command = {
  name: 'login',
  summary: 'sign in now (browser PKCE or client credentials)',
  usage: 'gatekey login <name>',
  help: 'Opens $BROWSER or the system browser and prints the sign-in URL too, in case it does not open. With Gatekey running, this command still opens the browser itself, with its own $BROWSER.',
  async run({ positionals, globals }) {
    const name = requireName(positionals, this.usage);
    const status = await withSession(globals, async ({ api, listen }) => {
      const unsubscribe = await listen((event) => {
        if (event.type === 'progress' && event.gateway === name) reportProgress(event.progress);
      });
      const cancel = () => void api.call('auth.cancelSignIn', { name });
      process.once('SIGINT', cancel);
      try {
        // This process opens the browser: its $BROWSER, not that of a running instance.
        return await api.call('auth.signIn', { name, openBrowser: false });
      } finally {
        process.off('SIGINT', cancel);
        unsubscribe();
      }
    });
    if (globals.json) return printJson(status);
    const expiry = status.expiresAt ? `, token expires ${describeRelative(status.expiresAt)}` : '';
    const scopes = status.grantedScopes.join(' ') || '(none reported)';
    print(`Signed in to ${name}${expiry}. Scopes: ${scopes}`);
  },
};

function reportProgress(progress: SignInProgress): void {
  if (progress.step === 'browser' && progress.authorizationUrl) {
    info(`${progress.message}\nIf no browser opens, visit:\n  ${progress.authorizationUrl}`);
    void openBrowser(progress.authorizationUrl);
  } else if (progress.step !== 'done') {
    info(progress.message);
  }
}

export const logout: Command = {
  name: 'logout',
  summary: 'forget the tokens of a gateway (keeps the gateway)',
  usage: 'gatekey logout <name>',
  async run({ positionals, globals }) {
    const name = requireName(positionals, this.usage);
    const { revocation, status } = await withSession(globals, ({ api }) =>
      api.call('auth.signOut', { name }),
    );
    if (globals.json) return printJson({ status, revocation });
    const [headline = '', ...details] = describeRevocation(name, revocation);
    print(headline);
    // What is left valid at the IdP is a warning: stderr, like the other status lines.
    for (const line of details) info(line);
  },
};

export const token: Command = {
  name: 'token',
  summary: 'print a fresh token, for scripts and curl',
  usage: 'gatekey token <name> [--id-token] [--json]',
  options: { 'id-token': { type: 'boolean' } },
  async run({ positionals, values, globals }) {
    const name = requireName(positionals, this.usage);
    const kind = values['id-token'] ? ('id_token' as const) : undefined;
    const result = await withSession(globals, ({ api }) => api.call('tokens.get', { name, kind }));
    if (globals.json) return printJson(result);
    print(result.token);
  },
};
