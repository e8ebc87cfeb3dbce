import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GATEKEY_BIN, runGatekey, temporaryHome } from '../support/cli.js';

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

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
