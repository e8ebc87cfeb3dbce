/**
 * Issue 14 item 9: under `umask 000` every file and folder Gatekey creates is private (files
 * 0600, folders 0700), including the IDE config files it writes, which hold a command line the
 * IDE runs. A file that exists keeps its mode.
 */
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeClientConfig } from '../../src-main/core/clients/index.js';
import { GatewayStore } from '../../src-main/core/gateways/store.js';
import {
  instanceFile,
  removeInstanceRecord,
  writeInstanceRecord,
} from '../../src-main/core/instance-file.js';
import { resolveHome } from '../../src-main/core/paths.js';
import { InsecureFileSecretStore } from '../../src-main/core/secrets/file-store.js';
import { runGatekey } from '../support/cli.js';
import { acmeGatewayTarget } from '../support/client-target.js';
import { temporaryDirectory } from '../support/temporary.js';

const CONTROL_SECRET = 'a-control-secret-of-some-length';

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

/** Five runs of the CLI, each a fresh Node process: slow on a loaded machine. */
const CLI_TEST_TIMEOUT_MS = 120_000;

/** Every file and folder under `root` (itself excluded), with its permission bits. */
async function modesUnder(root: string): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const modes: Record<string, string> = {};
  for (const entry of entries) {
    const file = path.join(entry.parentPath, entry.name);
    modes[path.relative(root, file)] = (await modeOf(file)).toString(8);
  }
  return modes;
}

function expectPrivate(modes: Record<string, string>, folders: string[]): void {
  const expected = Object.fromEntries(
    Object.keys(modes).map((name) => [name, folders.includes(name) ? '700' : '600']),
  );
  expect(modes).toEqual(expected);
}

describe.skipIf(process.platform === 'win32')('file modes under umask 000', () => {
  it(
    'the CLI writes private IDE config files in private new folders, and keeps an existing mode',
    async () => {
      const root = await temporaryDirectory('gatekey-umask');
      const home = path.join(root, 'gatekey');
      const userHome = path.join(root, 'user');
      const workspace = path.join(root, 'workspace');
      await mkdir(workspace);
      const cursorFile = path.join(userHome, '.cursor', 'mcp.json');
      await mkdir(path.dirname(cursorFile), { recursive: true, mode: 0o755 });
      await writeFile(cursorFile, '{}\n');
      await chmod(cursorFile, 0o644);
      const cli = (args: string[], stdin?: string) =>
        runGatekey([...args, '--insecure-file-store'], {
          home,
          cwd: workspace,
          env: { HOME: userHome, XDG_CONFIG_HOME: '' },
          umask: 0,
          stdin,
        });

      const added = await cli(
        [
          'add',
          'acme',
          '--url',
          'http://127.0.0.1:9/mcp',
          '--auth',
          'client_credentials',
          '--issuer',
          'http://127.0.0.1:9/',
          '--client-id',
          'cli',
          '--client-secret-stdin',
        ],
        'a-client-secret\n',
      );
      expect(added.code, added.stderr).toBe(0);
      for (const client of ['claude-desktop', 'cursor']) {
        const written = await cli(['config', 'acme', '--client', client, '--write']);
        expect(written.code, written.stderr).toBe(0);
      }
      const workspaceWrite = await cli([
        'config',
        'acme',
        '--client',
        'vscode',
        '--write',
        '--workspace',
      ]);
      expect(workspaceWrite.code, workspaceWrite.stderr).toBe(0);

      expectPrivate(await modesUnder(home), []);
      expectPrivate(await modesUnder(workspace), ['.vscode']);
      expect(await modeOf(home)).toBe(0o700);
      const userModes = await modesUnder(userHome);
      expect(userModes).toMatchObject({
        '.config': '700',
        '.config/Claude': '700',
        '.config/Claude/claude_desktop_config.json': '600',
        '.cursor': '755',
        '.cursor/mcp.json': '644',
        '.cursor/mcp.json.gatekey-backup': '644',
      });
    },
    CLI_TEST_TIMEOUT_MS,
  );

  describe('in process', () => {
    let previousUmask: number;
    beforeAll(() => {
      previousUmask = process.umask(0);
    });
    afterAll(() => {
      process.umask(previousUmask);
    });

    it('every writer of the profile folder creates private files and folders', async () => {
      const root = await temporaryDirectory('gatekey-umask');
      const home = resolveHome(path.join(root, 'new', 'profile'));
      const store = new GatewayStore(home);
      store.add({ name: 'acme', url: 'https://mcp.example.com/mcp', auth: 'none' });
      store.add({ name: 'beta', url: 'https://beta.example.com/mcp', auth: 'none' });
      await new InsecureFileSecretStore(home, () => {}).write('acme', {
        clientSecret: 'a-client-secret',
      });
      writeInstanceRecord(home, {
        pid: process.pid,
        port: 1,
        secret: CONTROL_SECRET,
        version: 'test',
        startedAt: Date.now(),
      });
      expectPrivate(await modesUnder(root), ['new', 'new/profile']);
      // The instance record lives where a reboot clears it, outside the profile folder.
      const record = instanceFile(home);
      expect(await modeOf(record)).toBe(0o600);
      expect(await modeOf(path.dirname(record))).toBe(0o700);
      await removeInstanceRecord(home, CONTROL_SECRET);
    });

    it('an IDE config file is created private, in private new folders', async () => {
      const root = await temporaryDirectory('gatekey-umask');
      const file = path.join(root, 'a', 'b', 'mcp.json');
      await writeClientConfig(
        'cursor',
        acmeGatewayTarget({ command: 'gatekey', args: ['stdio'] }),
        {
          file,
        },
      );
      expectPrivate(await modesUnder(root), ['a', 'a/b']);
    });
  });
});
