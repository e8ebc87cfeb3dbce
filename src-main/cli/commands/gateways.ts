import type { GatewayView } from '../../core/api/contract.js';
import { describeRelative } from '../../core/time.js';
import type { Command } from '../command.js';
import { requireName } from '../command.js';
import { withSession } from '../context.js';
import { GATEWAY_FLAGS_HELP, gatewayFlagOptions, readGatewayFlags } from '../gateway-flags.js';
import { info, print, printJson, table } from '../output.js';

export const add: Command = {
  name: 'add',
  summary: 'add a gateway',
  usage: 'gatekey add <name> --url URL [options]',
  help: GATEWAY_FLAGS_HELP,
  options: gatewayFlagOptions,
  async run({ positionals, values, globals }) {
    const name = requireName(positionals, this.usage);
    const { fields, ...secrets } = await readGatewayFlags(values);
    const added = await withSession(globals, ({ api }) =>
      api.call('gateways.add', { gateway: { name, ...fields }, ...secrets }),
    );
    if (globals.json) return printJson(added);
    print(`Added ${name}. Point your IDE at ${added.localUrl}`);
    const keychain = added.status.lastError;
    if (keychain?.code === 'keychain_unavailable')
      info(`Signing in will need the keychain. ${keychain.message} ${keychain.hint ?? ''}`);
    if (added.gateway.auth !== 'none') info(`Next: gatekey login ${name}`);
  },
};

export const edit: Command = {
  name: 'edit',
  summary: 'change a gateway',
  usage: 'gatekey edit <name> [options]',
  help: GATEWAY_FLAGS_HELP,
  options: gatewayFlagOptions,
  async run({ positionals, values, globals }) {
    const name = requireName(positionals, this.usage);
    const { fields, ...secrets } = await readGatewayFlags(values);
    const updated = await withSession(globals, ({ api }) =>
      api.call('gateways.update', { name, patch: fields, ...secrets }),
    );
    if (globals.json) return printJson(updated);
    print(`Updated ${name}.`);
  },
};

export const remove: Command = {
  name: 'remove',
  summary: 'remove a gateway and its tokens',
  usage: 'gatekey remove <name>',
  async run({ positionals, globals }) {
    const name = requireName(positionals, this.usage);
    await withSession(globals, ({ api }) => api.call('gateways.remove', { name }));
    print(`Removed ${name} and its keychain entry.`);
  },
};

export const list: Command = {
  name: 'list',
  summary: 'gateways with their state, expiry and scopes',
  usage: 'gatekey list [--json]',
  async run({ globals }) {
    const gateways = await withSession(globals, ({ api }) => api.call('gateways.list', {}));
    if (globals.json) return printJson(gateways);
    if (gateways.length === 0) {
      print('No gateways yet. Add one: gatekey add <name> --url https://…  (or try: gatekey demo)');
      return;
    }
    print(table([['NAME', 'STATE', 'EXPIRES', 'SCOPES', 'LOCAL URL'], ...gateways.map(listRow)]));
  },
};

function listRow({ gateway, status, localUrl }: GatewayView): string[] {
  return [
    gateway.name,
    status.state,
    status.expiresAt ? describeRelative(status.expiresAt) : '-',
    status.grantedScopes.join(' ') || '-',
    localUrl,
  ];
}
