import { access, chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instanceFile } from '../../src-main/core/instance-file.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { runGatekey, startGatekey, temporaryHome } from '../support/cli.js';
import { HEADLESS_BROWSER_COMMAND } from '../support/headless-browser.js';
import { occupyPort } from '../support/ports.js';
import { startServe, type ServeProcess } from '../support/reliability-process.js';
import { temporaryDirectory } from '../support/temporary.js';

/** `gatekey login` talking to a running `gatekey serve`, each with its own $BROWSER. */
describe('gatekey login with gatekey serve running', () => {
  let idp: RunningIdp;
  let mcp: RunningMcpServer;
  let serve: ServeProcess | undefined;

  beforeAll(async () => {
    idp = await startIdp({ profile: 'generic' });
    mcp = await startDemoMcpServer({ issuer: idp.issuer });
  });
  afterEach(async () => {
    await serve?.stop('SIGKILL');
    serve = undefined;
  });
  afterAll(async () => {
    await mcp?.close();
    await idp?.close();
  });

  /** A `$BROWSER` script that notes each URL it was given in `log`, then runs `then` on it. */
  async function browserScript(name: string, log: string, then?: string): Promise<string> {
    const script = path.join(await temporaryDirectory('gatekey-browser'), `${name}.sh`);
    const body = [`#!/bin/sh`, `echo "$1" >> '${log}'`, then ? `exec ${then} "$1"` : 'exit 0'];
    await writeFile(script, `${body.join('\n')}\n`);
    await chmod(script, 0o755);
    return script;
  }

  async function homeWithGateway(): Promise<string> {
    const home = await temporaryHome();
    const add = await runGatekey(['add', 'work', '--url', mcp.url], { home });
    expect(add.code, add.stderr).toBe(0);
    return home;
  }

  it("opens the sign-in with the login command's $BROWSER, not the serve process's", async () => {
    const home = await homeWithGateway();
    const logs = await temporaryDirectory('gatekey-browser-logs');
    const serveLog = path.join(logs, 'serve.log');
    const loginLog = path.join(logs, 'login.log');
    serve = await startServe({
      home,
      env: { BROWSER: await browserScript('serve-browser', serveLog) },
    });

    const login = await runGatekey(['login', 'work'], {
      home,
      env: { BROWSER: await browserScript('login-browser', loginLog, HEADLESS_BROWSER_COMMAND) },
      timeoutMs: 120_000,
    });

    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^Signed in to work/);
    expect(await readFile(loginLog, 'utf8')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*state=/);
    expect(await exists(serveLog)).toBe(false);
    // The sign-in really went through the instance: it holds the tokens.
    const list = await runGatekey(['list', '--json'], { home });
    expect(JSON.parse(list.stdout)[0].status.state).toBe('signed-in');
  }, 180_000);

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops on %s during a pending sign-in: exits, frees the callback port, removes its record',
    async (signal) => {
      const home = await homeWithGateway();
      // Neither browser ever comes back: the sign-in waits for its callback.
      serve = await startServe({ home, env: { BROWSER: 'true' } });
      const login = startGatekey(['login', 'work'], {
        home,
        env: { BROWSER: 'true' },
        timeoutMs: 170_000,
      });
      let printed = '';
      login.child.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      const authorizationUrl = await eventually(
        async () => /If no browser opens, visit:\s+(\S+)/.exec(printed)?.[1],
      );
      const callbackPort = Number(
        new URL(new URL(authorizationUrl).searchParams.get('redirect_uri') ?? '').port,
      );
      expect(await portIsFree(callbackPort)).toBe(false);

      serve.stop(signal).catch(() => undefined);

      // Far sooner than the sign-in's own 5-minute timeout.
      expect(await serve.exitsWithin(60_000)).toBe(true);
      expect(await portIsFree(callbackPort)).toBe(true);
      expect(await exists(instanceFile(home))).toBe(false);
      const ended = await login.result;
      expect(ended.code).not.toBe(0);
    },
    180_000,
  );
});

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function portIsFree(port: number): Promise<boolean> {
  try {
    const held = await occupyPort(port);
    await held.close();
    return true;
  } catch {
    return false;
  }
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Nothing arrived within ${timeoutMs} ms.`);
    await delay(100);
  }
}
