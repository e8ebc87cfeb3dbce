import { existsSync } from 'node:fs';
import path from 'node:path';
import { resolveHome } from '../../core/paths.js';
import type { RunningInstance } from '../../core/instance.js';
import { connectToInstance } from '../../core/api/http-client.js';
import { adoptSessionBus } from '../../core/secrets/session-bus.js';
import type { Command } from '../command.js';
import { requireName } from '../command.js';
import type { GlobalOptions } from '../context.js';
import { stdioCommand, rendererDir, version } from '../package-root.js';
import { info, print, usageError, waitForSignal } from '../output.js';

export const serve: Command = {
  name: 'serve',
  summary: 'run the proxy and the refresher headless',
  usage: 'gatekey serve [--port 7421] [--ui]',
  help:
    '--ui also serves the dashboard and prints a one-time link to it (60 s, single use);\n' +
    '`gatekey dashboard` asks the running Gatekey for another, without a restart.',
  options: { port: { type: 'string' }, ui: { type: 'boolean' } },
  async run(context) {
    const port = parsePort(context.values.port as string | undefined, this.usage);
    const withUi = Boolean(context.values.ui);
    if (withUi && !existsSync(path.join(rendererDir, 'index.html'))) {
      throw usageError('The dashboard is not built yet.', 'npm run build, then gatekey serve --ui');
    }
    const instance = await launch(context.globals, {
      port,
      uiDir: withUi ? rendererDir : undefined,
    });
    print(`Gatekey ${version} is serving MCP at ${instance.proxyOrigin}/mcp/<gateway>`);
    if (withUi) {
      print(`Dashboard (one-time link): ${instance.dashboardUrl()}`);
      info('For a new link later (another tab, or after Lock): gatekey dashboard');
    }
    info('Press Ctrl-C to stop.');
    await waitForSignal();
    await instance.close();
  },
};

export const stdio: Command = {
  name: 'stdio',
  summary: 'stdio bridge for clients without HTTP transport',
  usage: 'gatekey stdio <name>',
  help: 'Speaks newline-delimited JSON-RPC on stdin/stdout; goes through the running Gatekey, or starts one for itself.',
  async run(context) {
    await relayStdio(context.globals, requireName(context.positionals, this.usage));
  },
};

/**
 * `gatekey stdio <name>` (and the tray app's `--stdio <name>`): relays stdin/stdout to the
 * gateway through the running Gatekey, or through one started for this relay alone.
 */
export async function relayStdio(globals: GlobalOptions, name: string): Promise<void> {
  // A desktop app starts this without the session bus in its environment.
  adoptSessionBus();
  const home = resolveHome(globals.home);
  const running = await connectToInstance(home);
  const own = running ? undefined : await launch(globals, { port: 0 });
  const origin = running ? (await running.call('app.info', {})).proxyOrigin : own!.proxyOrigin;
  const { runStdioBridge } = await import('../../core/proxy/stdio-bridge.js');
  try {
    await runStdioBridge({
      url: `${origin}/mcp/${name}`,
      input: process.stdin,
      output: process.stdout,
    });
  } finally {
    await own?.close();
  }
}

/** The core is loaded here, not at the top: the other commands start without it. */
async function launch(
  globals: GlobalOptions,
  options: { port?: number; uiDir?: string },
): Promise<RunningInstance> {
  const { startInstance } = await import('../../core/instance.js');
  return startInstance({
    home: resolveHome(globals.home),
    version,
    port: options.port,
    uiDir: options.uiDir,
    insecureFileStore: globals.insecureFileStore,
    onWarning: (message) => info(`gatekey: ${message}`),
    stdioCommand,
  });
}

function parsePort(value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw usageError(`--port expects a number from 0 to 65535, got "${value}".`, usage);
  }
  return port;
}
