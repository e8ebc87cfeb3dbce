import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  applyEdits,
  format,
  modify,
  parse,
  printParseErrorCode,
  type FormattingOptions,
  type JSONPath,
  type ParseError,
} from 'jsonc-parser';
import { GatekeyError } from '../errors.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../paths.js';
import type { WriteResult } from './types.js';

type JsonObject = Record<string, unknown>;

/** Where the entry goes: `<container>.<key>`, e.g. `servers.my-gateway`. */
export interface EntryLocation {
  container: string;
  key: string;
}

interface ExistingFile {
  bytes: Buffer;
  mode: number;
}

const BOM = '\uFEFF';

/**
 * Merges one entry into a JSON/JSONC file, keeping every other entry, comment and the file's
 * formatting. Refuses a file that does not parse, leaving it untouched; backs the file up and
 * replaces it atomically (same mode) only when the entry actually changes.
 */
export async function mergeJsonEntry(
  file: string,
  location: EntryLocation,
  entry: JsonObject,
): Promise<WriteResult> {
  const realFile = await followSymlink(file);
  const existing = await readExisting(realFile);
  const original = existing?.bytes.toString('utf8') ?? '';
  const bom = original.startsWith(BOM) ? BOM : '';
  const text = original.slice(bom.length);

  const root = parseRootObject(text, file);
  const container = objectAt(root, location.container, file, `"${location.container}"`);
  const previous = objectAt(
    container,
    location.key,
    file,
    `"${location.container}.${location.key}"`,
  );
  if (previous && isDeepStrictEqual(previous, entry)) return { path: file, change: 'unchanged' };

  const merged = bom + insertEntry(text, root, container, location, entry);
  // The file may hold a command line its IDE runs: a new one, and any folder made for it, is
  // private whatever the umask.
  await mkdir(path.dirname(realFile), { recursive: true, mode: PRIVATE_DIR_MODE });
  if (!existing) {
    await writeAtomically(realFile, merged, PRIVATE_FILE_MODE);
    return { path: file, change: 'created' };
  }
  // One backup per file, refreshed on each change: it always holds the file as it was just before Gatekey's last edit.
  const backupPath = `${realFile}.gatekey-backup`;
  await writeAtomically(backupPath, existing.bytes, existing.mode);
  await writeAtomically(realFile, merged, existing.mode);
  return previous
    ? { path: file, backupPath, change: 'updated', previous }
    : { path: file, backupPath, change: 'added' };
}

function parseRootObject(text: string, file: string): JsonObject {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, allowEmptyContent: true });
  const [error] = errors;
  if (error) {
    const { line, column } = positionOf(text, error.offset);
    throw invalidFile(
      `${file} is not valid JSON: ${describeParseError(error)} at line ${line}, column ${column}.`,
    );
  }
  if (value === undefined) return {};
  if (!isJsonObject(value))
    throw invalidFile(
      `${file} should hold a JSON object at the top level, found ${kindOf(value)}.`,
    );
  return value;
}

function objectAt(
  parent: JsonObject | undefined,
  key: string,
  file: string,
  label: string,
): JsonObject | undefined {
  const value = parent?.[key];
  if (value === undefined || isJsonObject(value)) return value;
  throw invalidFile(`${file}: expected ${label} to be a JSON object, found ${kindOf(value)}.`);
}

/**
 * jsonc-parser computes the edit; only the inserted text is then formatted, in the file's own
 * style, so neighbouring entries keep their layout (modify's own formatting would reflow the
 * line it inserts on).
 */
function insertEntry(
  text: string,
  root: JsonObject,
  container: JsonObject | undefined,
  { container: containerKey, key }: EntryLocation,
  entry: JsonObject,
): string {
  const [jsonPath, value]: [JSONPath, unknown] = isEmpty(container)
    ? [[containerKey], { [key]: entry }]
    : [[containerKey, key], entry];
  const edits = modify(text, jsonPath, value, {});
  const edited = applyEdits(text, edits);
  const formatting = detectFormatting(text);
  const [edit] = edits;
  const range =
    isEmpty(root) || !edit
      ? { offset: 0, length: edited.length }
      : { offset: edit.offset, length: edit.content.length };
  const formatted = applyEdits(edited, format(edited, range, formatting));
  return text === '' ? formatted + formatting.eol : formatted;
}

/** Tabs or the narrowest indentation of a property line (default 2 spaces), and CRLF or LF. */
function detectFormatting(text: string): FormattingOptions & { eol: string } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indents = [...text.matchAll(/^([ \t]+)"/gm)].map((match) => match[1] ?? '');
  if (indents.some((indent) => indent.includes('\t'))) return { insertSpaces: false, eol };
  const tabSize = indents.length > 0 ? Math.min(...indents.map((indent) => indent.length)) : 2;
  return { insertSpaces: true, tabSize, eol };
}

async function followSymlink(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (error) {
    if (isMissing(error)) return file;
    throw error;
  }
}

async function readExisting(file: string): Promise<ExistingFile | undefined> {
  try {
    const [bytes, stats] = await Promise.all([readFile(file), stat(file)]);
    return { bytes, mode: stats.mode & 0o7777 };
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** Temp file in the same folder, flushed, then renamed over the target: readers see old or new, never half. */
async function writeAtomically(
  file: string,
  content: string | Buffer,
  mode: number,
): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(content);
      // The umask applied at creation; chmod sets the mode exactly.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const lines = text.slice(0, offset).split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/** "CommaExpected" → "comma expected". */
function describeParseError({ error }: ParseError): string {
  return printParseErrorCode(error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

function invalidFile(message: string): GatekeyError {
  return new GatekeyError(
    'config_invalid',
    message,
    'Fix the file by hand (or move it aside) and try again; Gatekey left it unchanged.',
  );
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmpty(object: JsonObject | undefined): boolean {
  return object === undefined || Object.keys(object).length === 0;
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
