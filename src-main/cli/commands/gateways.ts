import type { GatewayView } from '../../core/api/contract.js';
import { describeRelative } from '../../core/time.js';
import type { Command } from '../command.js';
import { requireName } from '../command.js';
import { openSession } from '../context.js';
import { GATEWAY_FLAGS_HELP, gatewayFlagOptions, readGatewayFlags } from '../gateway-flags.js';
import { info, print, printJson, table } from '../output.js';

export const add: Command = {
  name: 'add',
  summary: 'add a gateway',
  usage: 'gatekey add <name> --url URL [options]',
  help: GATEWAY_FLAGS_HELP,
  options: gatewayFlagOptions,
  async run(context) {
    const name = requireName(context, this.usage);
    const { fields, clientSecret, privateKeyPem } = await readGatewayFlags(context.values);
    const session = await openSession(context.globals);
    try {
      const added = await session.api.call('gateways.add', {
        gateway: { name, ...fields },
        clientSecret,
        privateKeyPem,
      });
      if (context.globals.json) return printJson(added);
      print(`Added ${name}. Point your IDE at ${added.localUrl}`);
      if (added.gateway.auth !== 'none') info(`Next: gatekey login ${name}`);
    } finally {
      await session.close();
    }
  },
};

export const edit: Command = {
  name: 'edit',
  summary: 'change a gateway',
  usage: 'gatekey edit <name> [options]',
  help: GATEWAY_FLAGS_HELP,
  options: gatewayFlagOptions,
  async run(context) {
    const name = requireName(context, this.usage);
    const { fields, clientSecret, privateKeyPem } = await readGatewayFlags(context.values);
    const session = await openSession(context.globals);
    try {
      const updated = await session.api.call('gateways.update', {
        name,
        patch: fields,
        clientSecret,
        privateKeyPem,
      });
      if (context.globals.json) return printJson(updated);
      print(`Updated ${name}.`);
    } finally {
      await session.close();
    }
  },
};

export const remove: Command = {
  name: 'remove',
  summary: 'remove a gateway and its tokens',
  usage: 'gatekey remove <name>',
  async run(context) {
    const name = requireName(context, this.usage);
    const session = await openSession(context.globals);
    try {
      await session.api.call('gateways.remove', { name });
      print(`Removed ${name} and its keychain entry.`);
    } finally {
      await session.close();
    }
  },
};

export const list: Command = {
  name: 'list',
  summary: 'gateways with their state, expiry and scopes',
  usage: 'gatekey list [--json]',
  async run(context) {
    const session = await openSession(context.globals);
    try {
      const gateways = await session.api.call('gateways.list', {});
      if (context.globals.json) return printJson(gateways);
      if (gateways.length === 0) {
        print(
          'No gateways yet. Add one: gatekey add <name> --url https://…  (or try: gatekey demo)',
        );
      }
      print(table([['NAME', 'STATE', 'EXPIRES', 'SCOPES', 'LOCAL URL'], ...gateways.map(listRow)]));
    } finally {
      await session.close();
    }
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
