import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CLIENT_IDS,
  clientConfig,
  writeClientConfig,
  type ClientId,
  type Environment,
} from '../../src-main/core/clients/index.js';
import { acmeGatewayTarget } from '../support/client-target.js';

const target = acmeGatewayTarget({ command: '/opt/gatekey/gatekey', args: ['stdio'] });

let root: string;
let environment: Environment;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gatekey-clients-'));
  environment = {
    platform: 'linux',
    homedir: path.join(root, 'home'),
    env: {},
    workspace: path.join(root, 'project'),
  };
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const isVscode = (client: ClientId) => client === 'vscode' || client === 'vscode-insiders';
const serversKey = (client: ClientId) => (isVscode(client) ? 'servers' : 'mcpServers');

/** Reads the file as the client itself does: JSONC for VS Code, strict JSON for the others. */
async function readAsClient(
  client: ClientId,
  file: string,
): Promise<Record<string, Record<string, unknown>>> {
  const text = await readFile(file, 'utf8');
  if (!isVscode(client)) return JSON.parse(text);
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, { allowTrailingComma: true });
  expect(errors).toEqual([]);
  return value;
}

function planFile(client: ClientId): string {
  return clientConfig(client, target, environment).files[0]?.path ?? '';
}

async function seed(file: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

describe.each(CLIENT_IDS)('writeClientConfig(%s)', (client) => {
  const plan = () => clientConfig(client, target, environment);

  it('creates the file and its folders, holding exactly the snippet', async () => {
    const result = await writeClientConfig(client, target, { environment });
    const file = planFile(client);
    expect(result).toEqual({ path: file, change: 'created' });
    expect(await readFile(file, 'utf8')).toBe(`${plan().snippet}\n`);
    const config = await readAsClient(client, file);
    expect(config[serversKey(client)]?.['acme-gw']).toEqual(plan().entry);
  });

  it('adds the entry next to foreign entries and settings, in the file’s 4-space style', async () => {
    const file = planFile(client);
    const foreign = { command: 'npx', args: ['-y', 'some-server'] };
    const original = JSON.stringify(
      { theme: 'dark', [serversKey(client)]: { other: foreign } },
      null,
      4,
    );
    await seed(file, `${original}\n`);

    const result = await writeClientConfig(client, target, { environment });

    expect(result).toEqual({ path: file, backupPath: `${file}.gatekey-backup`, change: 'added' });
    const config = await readAsClient(client, file);
    expect(config).toEqual({
      theme: 'dark',
      [serversKey(client)]: { other: foreign, 'acme-gw': plan().entry },
    });
    const indents = (await readFile(file, 'utf8')).match(/^[ \t]+/gm) ?? [];
    expect(indents.every((indent) => /^( {4})+$/.test(indent))).toBe(true);
  });
});

describe('merging into an existing file', () => {
  const vscodeFile = () => path.join(environment.workspace ?? '', '.vscode', 'mcp.json');

  it('keeps comments, trailing commas, tabs and CRLF of a VS Code JSONC file', async () => {
    const lines = [
      '// Team servers: ask #platform before changing',
      '{',
      '\t"servers": {',
      '\t\t/* shared */',
      '\t\t"github": { "type": "http", "url": "https://api.githubcopilot.com/mcp/" }, // PAT in keychain',
      '\t\t"memory": {',
      '\t\t\t"command": "npx",',
      '\t\t\t"args": ["-y", "@modelcontextprotocol/server-memory"],',
      '\t\t},',
      '\t},',
      '\t"inputs": [],',
      '}',
      '',
    ];
    await seed(vscodeFile(), lines.join('\r\n'));

    const result = await writeClientConfig('vscode', target, { scope: 'workspace', environment });

    expect(result.change).toBe('added');
    const text = await readFile(vscodeFile(), 'utf8');
    const outputLines = text.split('\r\n');
    for (const line of lines) expect(outputLines).toContain(line);
    expect(text.replaceAll('\r\n', '')).not.toContain('\n');
    expect(text).not.toMatch(/^ /m);
    const config = await readAsClient('vscode', vscodeFile());
    expect(Object.keys(config.servers ?? {})).toEqual(['github', 'memory', 'acme-gw']);
    expect(config.servers?.['acme-gw']).toEqual({ type: 'http', url: target.localUrl });
  });

  it('keeps the one-line layout of the entry it inserts after', async () => {
    const file = planFile('claude-desktop');
    const github = '"github": { "command": "npx", "args": ["-y", "@github/mcp"] }';
    await seed(file, `{\n  "mcpServers": {\n    ${github}\n  },\n  "globalShortcut": ""\n}\n`);

    await writeClientConfig('claude-desktop', target, { environment });

    const text = await readFile(file, 'utf8');
    expect(text.split('\n')).toContain(`    ${github},`);
    expect(JSON.parse(text)).toEqual({
      mcpServers: {
        github: { command: 'npx', args: ['-y', '@github/mcp'] },
        'acme-gw': {
          command: '/opt/gatekey/gatekey',
          args: ['stdio', 'acme-gw'],
          env: { GATEKEY_HOME: target.home },
        },
      },
      globalShortcut: '',
    });
  });

  it('keeps a UTF-8 byte order mark', async () => {
    const file = planFile('cursor');
    await seed(file, '\uFEFF{\n  "mcpServers": {}\n}\n');
    await writeClientConfig('cursor', target, { environment });
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(JSON.parse(text.slice(1))).toEqual({
      mcpServers: { 'acme-gw': { url: target.localUrl } },
    });
  });

  it('updates a stale entry, reports the previous one and backs up the original bytes and mode', async () => {
    const file = planFile('cursor');
    const original =
      '{\n  "mcpServers": {\n    "acme-gw": { "url": "http://127.0.0.1:9999/mcp/acme-gw" }\n  }\n}\n';
    await seed(file, original);
    // o+w is a bit the usual umasks (022, 002) strip from new files, so the mode must be restored explicitly.
    await chmod(file, 0o602);

    const result = await writeClientConfig('cursor', target, { environment });

    expect(result).toEqual({
      path: file,
      backupPath: `${file}.gatekey-backup`,
      change: 'updated',
      previous: { url: 'http://127.0.0.1:9999/mcp/acme-gw' },
    });
    expect(await readFile(`${file}.gatekey-backup`, 'utf8')).toBe(original);
    expect((await stat(file)).mode & 0o777).toBe(0o602);
    expect((await stat(`${file}.gatekey-backup`)).mode & 0o777).toBe(0o602);
    expect((await readAsClient('cursor', file)).mcpServers?.['acme-gw']).toEqual({
      url: target.localUrl,
    });
  });

  it('leaves an identical entry alone: no write, no backup, same mtime', async () => {
    const file = planFile('windsurf');
    await writeClientConfig('windsurf', target, { environment });
    const past = new Date('2024-01-02T03:04:05Z');
    await utimes(file, past, past);
    const before = await readFile(file);

    const result = await writeClientConfig('windsurf', target, { environment });

    expect(result).toEqual({ path: file, change: 'unchanged' });
    expect((await stat(file)).mtime).toEqual(past);
    expect(await readFile(file)).toEqual(before);
    expect(await readdir(path.dirname(file))).toEqual(['mcp_config.json']);
  });

  it('writes through a symlink, keeping the link', async () => {
    const real = path.join(root, 'dotfiles', 'cursor-mcp.json');
    await seed(real, '{ "mcpServers": {} }\n');
    const link = planFile('cursor');
    await mkdir(path.dirname(link), { recursive: true });
    await symlink(real, link);

    const result = await writeClientConfig('cursor', target, { environment });

    expect(result.backupPath).toBe(`${real}.gatekey-backup`);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(real);
    expect(JSON.parse(await readFile(real, 'utf8')).mcpServers['acme-gw']).toEqual({
      url: target.localUrl,
    });
  });

  it('writes to an explicit file', async () => {
    const file = path.join(root, 'elsewhere', 'mcp.json');
    const result = await writeClientConfig('kiro', target, { file, environment });
    expect(result).toEqual({ path: file, change: 'created' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      mcpServers: { 'acme-gw': { url: target.localUrl } },
    });
  });
});

describe('VS Code profiles other than Default', () => {
  /** What VS Code records when the user creates profiles: folder under User/profiles/ and name. */
  async function seedProfiles(product: string, profiles: { location: string; name: string }[]) {
    const storage = path.join(environment.homedir, '.config', product, 'User', 'globalStorage');
    await seed(path.join(storage, 'storage.json'), JSON.stringify({ userDataProfiles: profiles }));
  }

  it('lists each profile’s user file and writes the one named', async () => {
    await seedProfiles('Code', [
      { location: '-6b8e4a9b', name: 'Work' },
      { location: '../../escape', name: 'Hostile' },
    ]);
    const plan = clientConfig('vscode', target, environment);
    const userDir = path.join(environment.homedir, '.config', 'Code', 'User');
    expect(plan.files).toEqual([
      { scope: 'user', path: path.join(userDir, 'mcp.json') },
      {
        scope: 'user',
        path: path.join(userDir, 'profiles', '-6b8e4a9b', 'mcp.json'),
        profile: 'Work',
      },
      { scope: 'workspace', path: path.join(environment.workspace ?? '', '.vscode', 'mcp.json') },
    ]);

    const result = await writeClientConfig('vscode', target, { profile: 'Work', environment });
    expect(result.path).toBe(path.join(userDir, 'profiles', '-6b8e4a9b', 'mcp.json'));
    expect((await readAsClient('vscode', result.path)).servers).toEqual({
      [target.name]: plan.entry,
    });
    // The Default profile's file stays untouched.
    await expect(readFile(path.join(userDir, 'mcp.json'))).rejects.toThrow(/ENOENT/);
  });

  it('finds VS Code Insiders profiles in its own folder', async () => {
    await seedProfiles('Code - Insiders', [{ location: '-1f2e3d4c', name: 'Nightly' }]);
    const plan = clientConfig('vscode-insiders', target, environment);
    expect(plan.files.find((file) => file.profile === 'Nightly')?.path).toBe(
      path.join(
        environment.homedir,
        '.config',
        'Code - Insiders',
        'User',
        'profiles',
        '-1f2e3d4c',
        'mcp.json',
      ),
    );
  });

  it('names the profiles it knows when asked for another', async () => {
    await seedProfiles('Code', [{ location: '-6b8e4a9b', name: 'Work' }]);
    const error = await writeClientConfig('vscode', target, { profile: 'Play', environment }).catch(
      (caught: unknown) => caught,
    );
    expect(String((error as Error).message)).toBe(
      'VS Code has no profile named "Play": expected one of "Work".',
    );
  });
});

describe('refusing a file it cannot merge into', () => {
  it.each([
    [
      'a syntax error',
      '{\n  "mcpServers": {\n    "a": {}\n    "b": {}\n  }\n}\n',
      /mcp\.json is not valid JSON: comma expected at line 4, column 5\.$/,
    ],
    ['an array at the top', '[]', /should hold a JSON object at the top level, found an array/],
    [
      'servers that are not an object',
      '{ "mcpServers": [] }',
      /expected "mcpServers" to be a JSON object, found an array/,
    ],
    [
      'an entry that is not an object',
      '{ "mcpServers": { "acme-gw": "http://127.0.0.1:7421/mcp/acme-gw" } }',
      /expected "mcpServers\.acme-gw" to be a JSON object, found a string/,
    ],
  ])(
    'refuses %s, naming the file and leaving it byte-identical',
    async (_what, content, message) => {
      const file = planFile('cursor');
      await seed(file, content);

      const attempt = writeClientConfig('cursor', target, { environment });

      await expect(attempt).rejects.toMatchObject({
        code: 'config_invalid',
        message: expect.stringContaining(file),
      });
      await expect(attempt).rejects.toThrow(message);
      expect(await readFile(file, 'utf8')).toBe(content);
      expect(await readdir(path.dirname(file))).toEqual(['mcp.json']);
    },
  );
});
