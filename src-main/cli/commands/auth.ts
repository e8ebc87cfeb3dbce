import type { SignInProgress } from '../../core/oauth/types.js';
import { describeRelative } from '../../core/time.js';
import type { Command } from '../command.js';
import { requireName } from '../command.js';
import { openSession } from '../context.js';
import { info, print, printJson } from '../output.js';

export const login: Command = {
  name: 'login',
  summary: 'sign in now (browser PKCE or client credentials)',
  usage: 'gatekey login <name>',
  help: 'Opens $BROWSER or the system browser and prints the sign-in URL too, in case it does not open.',
  async run(context) {
    const name = requireName(context, this.usage);
    const session = await openSession(context.globals);
    const unsubscribe = session.api.subscribe((event) => {
      if (event.type === 'progress' && event.gateway === name) reportProgress(event.progress);
    });
    const cancel = () => void session.api.call('auth.cancelSignIn', { name });
    process.once('SIGINT', cancel);
    try {
      const status = await session.api.call('auth.signIn', { name });
      if (context.globals.json) return printJson(status);
      const expiry = status.expiresAt
        ? `, token expires ${describeRelative(status.expiresAt)}`
        : '';
      print(
        `Signed in to ${name}${expiry}. Scopes: ${status.grantedScopes.join(' ') || '(none reported)'}`,
      );
    } finally {
      process.off('SIGINT', cancel);
      unsubscribe();
      await session.close();
    }
  },
};

function reportProgress(progress: SignInProgress): void {
  if (progress.step === 'browser' && progress.authorizationUrl) {
    info(`${progress.message}\nIf no browser opens, visit:\n  ${progress.authorizationUrl}`);
  } else if (progress.step !== 'done') {
    info(progress.message);
  }
}

export const logout: Command = {
  name: 'logout',
  summary: 'forget the tokens of a gateway (keeps the gateway)',
  usage: 'gatekey logout <name>',
  async run(context) {
    const name = requireName(context, this.usage);
    const session = await openSession(context.globals);
    try {
      await session.api.call('auth.signOut', { name });
      print(`Signed out of ${name}.`);
    } finally {
      await session.close();
    }
  },
};

export const token: Command = {
  name: 'token',
  summary: 'print a fresh token, for scripts and curl',
  usage: 'gatekey token <name> [--id-token] [--json]',
  options: { 'id-token': { type: 'boolean' } },
  async run(context) {
    const name = requireName(context, this.usage);
    const session = await openSession(context.globals);
    try {
      const result = await session.api.call('tokens.get', {
        name,
        kind: context.values['id-token'] ? 'id_token' : undefined,
      });
      if (context.globals.json) return printJson(result);
      print(result.token);
    } finally {
      await session.close();
    }
  },
};
