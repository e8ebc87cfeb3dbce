import fs from 'node:fs';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import * as z from 'zod';
import { GatekeyError } from '../errors.js';
import { readTextIfExists, runtimeFile, writePrivateFile } from '../paths.js';
import { describeIssues, invalidInput } from '../validation.js';
import { leadsToOwnPort } from './own-port.js';
import {
  GatewaySchema,
  SettingsSchema,
  type Gateway,
  type GatewayInput,
  type Settings,
  type SettingsInput,
} from './schema.js';

export const CONFIG_FILE_NAME = 'config.json';
const CONFIG_VERSION = 1;

const uniqueGatewayNames = (gateways: Gateway[], context: z.RefinementCtx): void => {
  const firstIndexByName = new Map<string, number>();
  gateways.forEach((gateway, index) => {
    const first = firstIndexByName.get(gateway.name);
    if (first === undefined) firstIndexByName.set(gateway.name, index);
    else
      context.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `duplicate name "${gateway.name}" (already used by gateways[${first}])`,
      });
  });
};

/** The whole config file: what `<home>/config.json` holds. */
export const ConfigFileSchema = z
  .object({
    version: z.literal(CONFIG_VERSION),
    gateways: z.array(GatewaySchema).default([]).superRefine(uniqueGatewayNames),
    settings: SettingsSchema.prefault({}),
  })
  .strict();

export type ConfigFile = z.output<typeof ConfigFileSchema>;

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** `line 3, column 2: property name expected`; JSON.parse's own words if the scanner finds no fault. */
function describeJsonSyntaxError(text: string, parseError: SyntaxError): string {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (!first) return parseError.message;
  const { line, column } = lineAndColumn(text, first.offset);
  const what = printParseErrorCode(first.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return `line ${line}, column ${column}: ${what}`;
}

function parseGateway(input: GatewayInput): Gateway {
  const result = GatewaySchema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput(input.name ? `Gateway "${input.name}"` : 'The gateway', result.error);
}

/** A gateway on Gatekey's own port would forward every request back to Gatekey. */
function refuseOwnPort(gateway: Gateway, settings: Settings): void {
  if (settings.port === 0 || !leadsToOwnPort(gateway.url, settings.port)) return;
  throw new GatekeyError(
    'invalid_input',
    `Gateway "${gateway.name}" would lead back to Gatekey itself: ${gateway.url} is on Gatekey's own port ${settings.port}.`,
    `Use the real MCP server's URL: gatekey edit ${gateway.name} --url https://<gateway>/mcp`,
    { field: 'url' },
  );
}

function parseSettings(input: SettingsInput): Settings {
  const result = SettingsSchema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput('The settings', result.error);
}

function serialize(config: ConfigFile): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Identifies one version of the file: an atomic rename changes the inode, an edit the mtime. */
function fileStamp(file: string): string | undefined {
  const stat = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  return stat && `${stat.ino}:${stat.mtimeNs}:${stat.size}`;
}

/**
 * The proxy asks for a gateway on every request: the parsed file is frozen once and shared, rather
 * than cloned on each call. Edits work on a copy.
 */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * How old the proxy's look at the config file may be. It asks on every request, thousands a
 * second, and each look is a system call (tens of µs where system calls are slow, as in some
 * VMs); an edit by hand reaches the proxy this much later at most. Commands look every time.
 */
const PROXY_LOOK_MAX_AGE_MS = 20;

interface Snapshot {
  /** When the file's stamp was last compared (`performance.now()` time). */
  checkedAt: number;
  stamp: string | undefined;
  /** The file's bytes, to back up before the next write; undefined when there is no file. */
  text: string | undefined;
  config: ConfigFile;
}

/**
 * The gateways and settings in `<home>/config.json`. Another process (the CLI, the tray) may edit
 * the file at any time, so every call checks the file's stamp and re-reads it when it changed.
 * Writes are atomic (mode 0600) and first save the previous good file as `config.json.bak`.
 * A file that does not parse or match the schema is never overwritten.
 */
export class GatewayStore {
  readonly file: string;
  readonly backupFile: string;
  #snapshot: Snapshot | undefined;

  constructor(home: string) {
    this.file = runtimeFile(home, CONFIG_FILE_NAME);
    this.backupFile = `${this.file}.bak`;
  }

  list(): Gateway[] {
    return [...this.#current().gateways];
  }

  get(name: string): Gateway | undefined {
    return this.#current().gateways.find((candidate) => candidate.name === name);
  }

  require(name: string): Gateway {
    const gateway = this.get(name);
    if (!gateway) throw this.#notFound(name);
    return gateway;
  }

  /** With `dryRun`, every check runs and nothing is written. */
  add(input: GatewayInput, { dryRun = false } = {}): Gateway {
    const gateway = parseGateway(input);
    const change = (config: ConfigFile) => {
      refuseOwnPort(gateway, config.settings);
      if (config.gateways.some((existing) => existing.name === gateway.name))
        throw new GatekeyError(
          'gateway_exists',
          `A gateway named "${gateway.name}" already exists.`,
          `Choose another name, or remove the old one first: gatekey remove ${gateway.name}`,
        );
      config.gateways.push(gateway);
      return gateway;
    };
    return this.#edit(change, { dryRun });
  }

  /**
   * Merges `patch` into the gateway; a field set to undefined returns to its default. With
   * `dryRun`, every check runs and nothing is written.
   */
  update(name: string, patch: Partial<GatewayInput>, { dryRun = false } = {}): Gateway {
    if (patch.name !== undefined && patch.name !== name)
      throw new GatekeyError(
        'invalid_input',
        `A gateway cannot be renamed ("${name}" to "${patch.name}"): its tokens are stored under its name.`,
        `Add "${patch.name}" as a new gateway and remove "${name}".`,
      );
    const change = (config: ConfigFile) => {
      const { index, gateway } = this.#locate(config, name);
      const updated = parseGateway({ ...gateway, ...patch, name });
      refuseOwnPort(updated, config.settings);
      config.gateways[index] = updated;
      return updated;
    };
    return this.#edit(change, { dryRun });
  }

  remove(name: string): Gateway {
    return this.#edit((config) => {
      const { index, gateway } = this.#locate(config, name);
      config.gateways.splice(index, 1);
      return gateway;
    });
  }

  settings(): Settings {
    return this.#current().settings;
  }

  /** `get` and `settings` for the proxy, from a look at the file at most a few ms old. */
  readonly recent = {
    get: (name: string): Gateway | undefined =>
      this.#read(PROXY_LOOK_MAX_AGE_MS).config.gateways.find((gateway) => gateway.name === name),
    settings: (): Settings => this.#read(PROXY_LOOK_MAX_AGE_MS).config.settings,
  };

  updateSettings(patch: Partial<SettingsInput>): Settings {
    return this.#edit((config) => {
      config.settings = parseSettings({ ...config.settings, ...patch });
      return config.settings;
    });
  }

  #current(): ConfigFile {
    return this.#read().config;
  }

  #read(maxAgeMs = 0): Snapshot {
    const now = performance.now();
    const snapshot = this.#snapshot;
    if (snapshot && now - snapshot.checkedAt < maxAgeMs) return snapshot;
    const stamp = fileStamp(this.file);
    if (snapshot && stamp !== undefined && snapshot.stamp === stamp) {
      snapshot.checkedAt = now;
      return snapshot;
    }
    const text = readTextIfExists(this.file);
    const config =
      text === undefined ? ConfigFileSchema.parse({ version: CONFIG_VERSION }) : this.#parse(text);
    this.#snapshot = { checkedAt: now, stamp, text, config: deepFreeze(config) };
    return this.#snapshot;
  }

  /** Applies `change` to a fresh copy of the file's config and writes it back atomically. */
  #edit<T>(change: (config: ConfigFile) => T, { dryRun = false } = {}): T {
    const { text, config } = this.#read();
    const draft = structuredClone(config);
    const result = change(draft);
    if (dryRun) return structuredClone(result);
    if (text !== undefined) writePrivateFile(this.backupFile, text);
    writePrivateFile(this.file, serialize(draft));
    // The proxy sees an edit made here at once.
    this.#snapshot = undefined;
    return structuredClone(result);
  }

  #parse(text: string): ConfigFile {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw this.#invalid(
        `is not valid JSON at ${describeJsonSyntaxError(text, error as SyntaxError)}`,
      );
    }
    const result = ConfigFileSchema.safeParse(json);
    if (!result.success)
      throw this.#invalid(`does not match the schema: ${describeIssues(result.error)}`);
    return result.data;
  }

  #invalid(problem: string): GatekeyError {
    const restore = fs.existsSync(this.backupFile)
      ? `or restore the last good copy: cp "${this.backupFile}" "${this.file}"`
      : 'or move it away to start with no gateways';
    return new GatekeyError(
      'config_invalid',
      `The config file ${this.file} ${problem}.`,
      `Gatekey will not change this file until it is fixed. Correct it by hand, ${restore}.`,
    );
  }

  #locate(config: ConfigFile, name: string): { index: number; gateway: Gateway } {
    const index = config.gateways.findIndex((gateway) => gateway.name === name);
    const gateway = config.gateways[index];
    if (!gateway) throw this.#notFound(name, config);
    return { index, gateway };
  }

  #notFound(name: string, config: ConfigFile = this.#current()): GatekeyError {
    const known = config.gateways.map((gateway) => gateway.name);
    const hint =
      known.length > 0
        ? `Known gateways: ${known.join(', ')}. Run \`gatekey list\` to see them.`
        : `No gateway is configured yet. Add one with: gatekey add ${name} --url <gateway URL>`;
    return new GatekeyError('gateway_not_found', `No gateway named "${name}".`, hint);
  }
}
