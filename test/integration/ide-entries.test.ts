import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStore } from '../../src-main/core/gateways/store.js';
import { GATEKEY_BIN, runGatekey, temporaryHome } from '../support/cli.js';
import { initializeRequest } from '../support/mcp-initialize.js';

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

interface StdioEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * Runs a Claude Desktop entry the way a desktop app does, with nothing but the entry's own
 * environment (like `env -i`). Sends `messages` in order, each request after the answer to the
 * one before (as a client does), and resolves to the answers.
 */
function runEntry(entry: StdioEntry, messages: object[]): Promise<Record<string, unknown>[]> {
  const child = spawn(entry.command, entry.args, {
    env: entry.env ?? {},
    cwd: '/',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.push(child);
  const answers: Record<string, unknown>[] = [];
  const pending = [...messages];
  const sendUntilRequest = () => {
    for (let message = pending.shift(); message; message = pending.shift()) {
      child.stdin.write(`${JSON.stringify(message)}\n`);
      if ('id' in message) return true;
    }
    return false;
  };
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      answers.push(JSON.parse(line) as Record<string, unknown>);
      if (sendUntilRequest()) return;
      child.stdin.end();
      resolve(answers);
    });
    child.on('close', (code) =>
      reject(new Error(`the entry exited (${code}) after ${answers.length} answers: ${stderr}`)),
    );
    sendUntilRequest();
  });
}

const initialize = initializeRequest('desktop-app');

/** `gatekey serve` started from `folder`, as the tray app starts from `/` or the home folder. */
async function serveFrom(folder: string, home: string): Promise<void> {
  const child = spawn(process.execPath, [GATEKEY_BIN, 'serve', '--port', '0', '--home', home], {
    cwd: folder,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await expect.poll(() => output, { timeout: 30_000, interval: 100 }).toContain('serving MCP at');
}

describe('gatekey config --workspace while an instance runs', () => {
  it('writes into the folder the command was typed in, and the plan names it', async () => {
    const root = await temporaryHome();
    const home = path.join(root, 'home');
    const serverFolder = path.join(root, 'server-folder');
    const project = path.join(root, 'proj1');
    await Promise.all([mkdir(serverFolder), mkdir(project)]);
    const gatekey = (args: string[]) =>
      runGatekey(['--home', home, ...args], { home, cwd: project });

    const added = await gatekey([
      'add',
      'probe',
      '--url',
      'http://127.0.0.1:9/mcp',
      '--auth',
      'none',
    ]);
    expect(added.code, added.stderr).toBe(0);
    await serveFrom(serverFolder, home);

    const plan = await gatekey(['--json', 'config', 'probe', '--client', 'vscode']);
    expect(plan.code, plan.stderr).toBe(0);
    const files = (JSON.parse(plan.stdout) as { files: { scope: string; path: string }[] }).files;
    expect(files.find((file) => file.scope === 'workspace')?.path).toBe(
      path.join(project, '.vscode', 'mcp.json'),
    );

    const written = await gatekey([
      'config',
      'probe',
      '--client',
      'claude-code',
      '--write',
      '--workspace',
    ]);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toContain(path.join(project, '.mcp.json'));
    const entry = JSON.parse(await readFile(path.join(project, '.mcp.json'), 'utf8')) as {
      mcpServers: Record<string, { url: string }>;
    };
    expect(entry.mcpServers.probe?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp\/probe$/);
    expect(existsSync(path.join(serverFolder, '.mcp.json'))).toBe(false);
  }, 120_000);
});

describe("Claude Desktop's entry", () => {
  it('runs from a bare environment: absolute command, the home carried, a JSON-RPC error without the keychain', async () => {
    const root = await temporaryHome();
    const home = path.join(root, 'profile');
    const desktopUser = path.join(root, 'desktop-user');
    const userEnv = { HOME: desktopUser, XDG_CONFIG_HOME: path.join(desktopUser, '.config') };
    const demo = spawn(process.execPath, [GATEKEY_BIN, 'demo', '--port', '0', '--home', home], {
      env: { ...process.env, ...userEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(demo);
    let output = '';
    demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const demoExited = new Promise((resolve) => demo.on('close', resolve));
    await expect.poll(() => output, { timeout: 30_000, interval: 100 }).toContain('Press Ctrl-C');

    const written = await runGatekey(
      ['--home', home, 'config', 'demo', '--client', 'claude-desktop', '--write'],
      { home, env: userEnv },
    );
    expect(written.code, written.stderr).toBe(0);
    const file = path.join(desktopUser, '.config', 'Claude', 'claude_desktop_config.json');
    const entry = (JSON.parse(await readFile(file, 'utf8')) as { mcpServers: { demo: StdioEntry } })
      .mcpServers.demo;
    expect(path.isAbsolute(entry.command)).toBe(true);
    // The runtime folder too: the instance's record is there, not in the home.
    const runtimeDir = process.env.XDG_RUNTIME_DIR;
    expect(entry.env).toEqual({
      GATEKEY_HOME: home,
      ...(runtimeDir && { XDG_RUNTIME_DIR: runtimeDir }),
    });

    // With the demo running: the entry finds it through what it carries and calls a tool through it.
    const [, called] = await runEntry(entry, [
      initialize,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    ]);
    expect(JSON.stringify(called)).toMatch(/"result".*sub/);

    // Nothing running and no D-Bus session in a bare environment: a JSON-RPC error says why.
    demo.kill('SIGINT');
    await demoExited;
    const [refused] = await runEntry(entry, [initialize]);
    const error = refused?.error as { message: string; data: { code: string } } | undefined;
    expect(error?.data.code).toBe('keychain_unavailable');
    expect(error?.message).toMatch(/D-Bus/);
  }, 120_000);

  it('finds the session bus at $XDG_RUNTIME_DIR/bus when the desktop app gives no DBUS_SESSION_BUS_ADDRESS', async () => {
    const home = await temporaryHome();
    new GatewayStore(home).add({ name: 'probe', url: 'http://127.0.0.1:9/mcp' });
    const entry: StdioEntry = {
      command: process.execPath,
      args: [GATEKEY_BIN, 'stdio', 'probe'],
      env: { GATEKEY_HOME: home },
    };
    const [withoutBus] = await runEntry(entry, [initialize]);
    expect((withoutBus?.error as { data?: { code?: string } }).data?.code).toBe(
      'keychain_unavailable',
    );

    const busSocket = /^unix:path=([^,]+)/.exec(process.env.DBUS_SESSION_BUS_ADDRESS ?? '')?.[1];
    if (!busSocket) throw new Error('scripts/test.sh runs this test in a D-Bus session at a path.');
    const runtimeDir = path.join(home, 'runtime');
    await mkdir(runtimeDir, { recursive: true });
    await symlink(busSocket, path.join(runtimeDir, 'bus'));
    const [withBus] = await runEntry(
      { ...entry, env: { ...entry.env, XDG_RUNTIME_DIR: runtimeDir } },
      [initialize],
    );
    // The keychain answered (no tokens yet): what stops the request now is the missing sign-in.
    const error = withBus?.error as { message: string; data?: { code?: string } } | undefined;
    expect(error?.data?.code).not.toBe('keychain_unavailable');
    expect(error?.message).not.toMatch(/D-Bus/);
  }, 120_000);
});
