import { CLIENT_IDS } from '../../core/clients/types.js';
import type { Command } from '../command.js';
import { requireName } from '../command.js';
import { withSession } from '../context.js';
import { print, printJson, usageError } from '../output.js';

export const config: Command = {
  name: 'config',
  summary: "an IDE's configuration for a gateway, printed or written",
  usage: `gatekey config <name> --client ${CLIENT_IDS.join('|')} [--write] [--workspace | --profile NAME]`,
  help: '--workspace writes into the project folder you run the command in; --profile NAME into a VS Code profile other than Default.',
  options: {
    client: { type: 'string' },
    write: { type: 'boolean' },
    workspace: { type: 'boolean' },
    profile: { type: 'string' },
  },
  async run(context) {
    const name = requireName(context.positionals, this.usage);
    const clientValue = context.values.client as string | undefined;
    if (!clientValue) throw usageError('Missing --client.', this.usage);
    const { parseClientId } = await import('../../core/clients/index.js');
    const client = parseClientId(clientValue);
    const profile = context.values.profile as string | undefined;
    // The folder the user typed the command in, not the running instance's working directory.
    const workspace = process.cwd();
    return withSession(context.globals, async (session) => {
      if (context.values.write) {
        const scope = context.values.workspace ? 'workspace' : 'user';
        const result = await session.api.call('clients.write', {
          name,
          client,
          scope,
          profile,
          workspace,
        });
        if (context.globals.json) return printJson(result);
        const backup = result.backupPath ? ` (backup: ${result.backupPath})` : '';
        print(`${result.path}: ${result.change}${backup}`);
        return;
      }
      const plans = await session.api.call('clients.list', { name, workspace });
      const plan = plans.find((candidate) => candidate.client === client);
      if (!plan) throw usageError(`No configuration for ${client}.`, this.usage);
      if (context.globals.json) return printJson(plan);
      print(plan.snippet);
      const extras = [
        plan.command && `Or run:\n  ${plan.command}`,
        plan.installLink && `Or open:\n  ${plan.installLink}`,
        `Files: ${plan.files.map((file) => `${file.path} (${file.profile === undefined ? file.scope : `profile "${file.profile}"`})`).join(', ')}`,
        ...plan.notes,
        `Write it: gatekey config ${name} --client ${client} --write`,
      ].filter(Boolean);
      process.stderr.write(`\n${extras.join('\n')}\n`);
    });
  },
};
