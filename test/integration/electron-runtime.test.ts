import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { temporaryDirectory } from '../support/temporary.js';

const script = path.resolve(import.meta.dirname, '../../scripts/electron-runtime.mjs');

function runScript(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function electronInstalled(): boolean {
  try {
    // In plain Node, `electron` is the binary's path; it throws when the runtime is not there.
    return typeof createRequire(import.meta.url)('electron') === 'string';
  } catch {
    return false;
  }
}

describe('fetching the Electron runtime (npm start, npm run dist)', () => {
  it('says why it could not fetch and the exact command that fixes it, even with the skip switch set', async (context) => {
    if (electronInstalled()) return context.skip('the Electron runtime is installed here');
    // A mirror on a loopback port nobody listens on: the download fails as it would offline.
    const mirror = `http://127.0.0.1:${await freePort()}/`;
    const { code, stderr } = await runScript({
      ...process.env,
      ELECTRON_MIRROR: mirror,
      ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
      electron_config_cache: await temporaryDirectory('electron-cache'),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/The tray app needs the Electron \d+\.\d+\.\d+ runtime/);
    expect(stderr).toContain('ECONNREFUSED');
    expect(stderr).toContain('npm run electron:install');
    expect(stderr).toContain('ELECTRON_MIRROR=');
    expect(stderr).toContain('npm run demo');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
