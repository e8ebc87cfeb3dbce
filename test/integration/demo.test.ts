import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { instanceFile } from '../../src-main/core/instance-file.js';
import { GATEKEY_BIN, temporaryHome } from '../support/cli.js';
import { freePort } from '../support/ports.js';

const demos: ChildProcess[] = [];
afterEach(() => {
  for (const child of demos.splice(0)) child.kill('SIGKILL');
});

function startDemo(args: string[]) {
  const child = spawn(process.execPath, [GATEKEY_BIN, 'demo', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demos.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, exited, output: () => output };
}

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

  it('creates a --home folder that does not exist yet', async () => {
    const home = path.join(await temporaryHome(), 'not', 'there', 'yet');
    const demo = startDemo(['--port', '0', '--home', home]);
    await expect
      .poll(demo.output, { timeout: 30_000, interval: 100 })
      .toContain('Press Ctrl-C to stop.');
    expect(demo.output()).toMatch(/Tool call through the proxy succeeded/);
    expect(existsSync(instanceFile(home))).toBe(true);
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(existsSync(home)).toBe(true);
  }, 60_000);

  it('a start that fails after taking the port lets go of it and exits', async () => {
    const home = await temporaryHome();
    // Nothing can be written where the instance record goes: the start fails after listening.
    await mkdir(instanceFile(home), { recursive: true });
    const port = await freePort();
    const demo = startDemo(['--port', String(port), '--home', home]);
    expect(await demo.exited).toBe(1);
    expect(demo.output()).toContain(path.basename(instanceFile(home)));
    expect(demo.output()).not.toContain('Tool call through the proxy succeeded');
    expect(await portAnswers(port)).toBe(false);
  }, 60_000);
});
