import type { ParseArgsConfig } from 'node:util';
import type { GlobalOptions } from './context.js';
import { usageError } from './output.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  positionals: string[];
  values: ParsedValues;
  globals: GlobalOptions;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  help?: string;
  options?: OptionSpec;
  /** Resolves to the exit code; nothing means success. */
  run(context: CommandContext): Promise<number | void>;
}

export const GLOBAL_OPTIONS = {
  home: { type: 'string' },
  'insecure-file-store': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export function requireName(positionals: string[], usage: string): string {
  const name = positionals[0];
  if (!name) throw usageError('Missing the gateway name.', usage);
  return name;
}
