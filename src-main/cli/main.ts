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
import { dashboard } from './commands/dashboard.js';
import { GatekeyError } from '../core/errors.js';
import { print, printError, usageError } from './output.js';
import { version } from './package-root.js';

const COMMANDS: Command[] = [
  serve,
  dashboard,
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
    'Usage: gatekey [global options] <command> [options]',
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
  const { name, rest } = splitCommandName(argv);
  if (name === undefined || name === 'help') {
    if (rest.includes('--version') || rest.includes('-v')) {
      print(version);
      return 0;
    }
    print(overview());
    return name || rest.includes('--help') || rest.includes('-h') ? 0 : 1;
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

const GLOBAL_OPTIONS_WITH_VALUE = new Set(
  Object.entries(GLOBAL_OPTIONS)
    .filter(([, spec]) => spec.type === 'string')
    .map(([option]) => `--${option}`),
);

/**
 * The command is the first word that is neither an option nor a global option's value, so global
 * options go anywhere: `gatekey --home X --json list` and `gatekey list --home X --json` alike.
 */
function splitCommandName(argv: string[]): { name?: string; rest: string[] } {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--') break;
    if (!arg.startsWith('-')) {
      return { name: arg, rest: [...argv.slice(0, index), ...argv.slice(index + 1)] };
    }
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) index++;
  }
  return { rest: argv };
}

function isParseError(error: unknown): error is Error {
  return (
    error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')
  );
}

process.exitCode = await main(process.argv.slice(2));
