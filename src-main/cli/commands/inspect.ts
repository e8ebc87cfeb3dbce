import { formatInspection } from '../../core/jwt/format.js';
import type { InspectionReport } from '../../core/jwt/types.js';
import type { Command } from '../command.js';
import { withSession } from '../context.js';
import { print, printJson, readStdin, usageError } from '../output.js';

/** 0: the token checks out; 2: something is wrong with it; 3: nothing wrong seen, but unverified. */
function exitCode(report: InspectionReport): number {
  if (report.diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return 2;
  return report.format === 'jwt' && report.signature.status !== 'valid' ? 3 : 0;
}

export const inspect: Command = {
  name: 'inspect',
  summary: 'decoded claims, signature check and diagnostics',
  usage:
    'gatekey inspect <name> [--id-token] [--json] [--show-token] | gatekey inspect --token <jwt|-> [--fetch-keys]',
  help: [
    'A pasted token is checked with the keys of the gateway whose issuer it names. With',
    '--fetch-keys, a token from no configured gateway is checked with the keys its own iss',
    'publishes (its OpenID / RFC 8414 metadata): a request to a URL the token chose, so only',
    'when you ask. Exit status (without --json): 0 the token checks out, 2 something is wrong',
    'with it, 3 nothing wrong was seen but its signature was not verified.',
  ].join('\n'),
  options: {
    token: { type: 'string' },
    'id-token': { type: 'boolean' },
    'show-token': { type: 'boolean' },
    'fetch-keys': { type: 'boolean' },
  },
  async run(context) {
    const name = context.positionals[0];
    const pasted = context.values.token as string | undefined;
    if (!name && pasted === undefined)
      throw usageError('Name a gateway or pass --token.', this.usage);
    const fetchKeys = Boolean(context.values['fetch-keys']);
    if (fetchKeys && pasted === undefined)
      throw usageError('--fetch-keys is for a pasted token: add --token <jwt|->.', this.usage);
    const kind = context.values['id-token'] ? 'id_token' : 'access_token';
    const raw = pasted === '-' ? await readStdin() : pasted;
    return withSession(context.globals, async ({ api }) => {
      const report =
        raw !== undefined
          ? await api.call('tokens.inspectRaw', { token: raw, kind, name, fetchKeys })
          : await api.call('tokens.inspect', { name: name as string, kind });
      if (context.globals.json) return printJson(report);
      const shown =
        context.values['show-token'] &&
        (raw ?? (await api.call('tokens.get', { name: name as string, kind })).token);
      print(
        formatInspection(report, { color: process.stdout.isTTY, showToken: shown || undefined }),
      );
      return exitCode(report);
    });
  },
};
