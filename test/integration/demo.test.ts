import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GATEKEY_BIN, temporaryHome } from '../support/cli.js';

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('gatekey demo', () => {
  it('makes a real tool call through the proxy, then stops cleanly on Ctrl-C', async () => {
    const started = Date.now();
    const child = spawn(process.execPath, [GATEKEY_BIN, 'demo', '--port', '0'], {
      env: { ...process.env, GATEKEY_HOME: await temporaryHome() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    await expect
      .poll(() => output, { timeout: 30_000, interval: 100 })
      .toContain('Press Ctrl-C to stop.');
    const elapsed = Date.now() - started;
    expect(output).toMatch(/Tool call through the proxy succeeded/);
    expect(output).toMatch(/whoami → .*sub/);
    const ports = [...output.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((match) =>
      Number(match[1]),
    );
    expect(ports.length).toBeGreaterThanOrEqual(3);
    expect(elapsed).toBeLessThan(30_000);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('Demo stopped');
    for (const port of new Set(ports)) expect(await portAnswers(port)).toBe(false);
  }, 60_000);
});
