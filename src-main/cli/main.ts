import { parseArgs } from 'node:util';
import type { Command, ParsedValues } from './command.js';
import { GLOBAL_OPTIONS } from './command.js';
import { add, edit, list, remove } from './commands/gateways.js';
import { login, logout, token } from './commands/auth.js';
import { inspect } from './commands/inspect.js';
import { serve, stdio } from './commands/serve.js';
import { log } from './commands/log.js';
import { config } from './commands/config.js';
import { demo } from './commands/demo.js';
import { GatekeyError } from '../core/errors.js';
import { print, printError, usageError } from './output.js';
import { version } from './package-root.js';

const COMMANDS: Command[] = [
  serve,
  add,
  edit,
  list,
  login,
  logout,
  remove,
  token,
  inspect,
  log,
  stdio,
  config,
  demo,
];

const GLOBAL_HELP = `Global options:
  --home DIR              config and runtime files (default: $GATEKEY_HOME or the OS config folder)
  --insecure-file-store   keep secrets in a 0600 file instead of the OS keychain (not recommended)
  --json                  machine-readable output
  -h, --help              help for a command`;

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    `gatekey ${version}: your IDE's key to OAuth-protected MCP gateways`,
    '',
    'Usage: gatekey <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    GLOBAL_HELP,
    '',
    'gatekey <command> --help shows the options of a command.',
  ].join('\n');
}

function commandHelp(command: Command): string {
  const details = command.help ? `\n${command.help}\n` : '';
  return `Usage: ${command.usage}\n\n${command.summary}\n${details}\n${GLOBAL_HELP}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    print(overview());
    return name ? 0 : 1;
  }
  if (name === '--version' || name === '-v') {
    print(version);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    printError(
      new GatekeyError('invalid_input', `Unknown command "${name}".`, 'gatekey --help lists them.'),
    );
    return 1;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      print(commandHelp(command));
      return 0;
    }
    const globals = {
      home: values.home as string | undefined,
      insecureFileStore: values['insecure-file-store'] as boolean | undefined,
      json: values.json as boolean | undefined,
    };
    return (await command.run({ positionals, values: values as ParsedValues, globals })) ?? 0;
  } catch (error) {
    printError(isParseError(error) ? usageError(error.message, command.usage) : error);
    return 1;
  }
}

function isParseError(error: unknown): error is Error {
  return (
    error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')
  );
}

process.exitCode = await main(process.argv.slice(2));
