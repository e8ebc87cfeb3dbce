import { formatInspection } from '../../core/jwt/format.js';
import type { Command } from '../command.js';
import { withSession } from '../context.js';
import { print, printJson, readStdin, usageError } from '../output.js';

export const inspect: Command = {
  name: 'inspect',
  summary: 'decoded claims, signature check and diagnostics',
  usage:
    'gatekey inspect <name> [--id-token] [--json] [--show-token] | gatekey inspect --token <jwt|->',
  options: {
    token: { type: 'string' },
    'id-token': { type: 'boolean' },
    'show-token': { type: 'boolean' },
  },
  async run(context) {
    const name = context.positionals[0];
    const pasted = context.values.token as string | undefined;
    if (!name && pasted === undefined)
      throw usageError('Name a gateway or pass --token.', this.usage);
    const kind = context.values['id-token'] ? 'id_token' : 'access_token';
    const raw = pasted === '-' ? await readStdin() : pasted;
    return withSession(context.globals, async ({ api }) => {
      const report =
        raw !== undefined
          ? await api.call('tokens.inspectRaw', { token: raw, kind, name })
          : await api.call('tokens.inspect', { name: name as string, kind });
      if (context.globals.json) return printJson(report);
      const shown =
        context.values['show-token'] &&
        (raw ?? (await api.call('tokens.get', { name: name as string, kind })).token);
      print(
        formatInspection(report, { color: process.stdout.isTTY, showToken: shown || undefined }),
      );
      return report.diagnostics.some((diagnostic) => diagnostic.severity === 'error') ? 2 : 0;
    });
  },
};
