/**
 * Issue 14 item 4: a `localhost` redirect URI was held on 127.0.0.1 only. Another local user
 * listening on [::1] at the same port received Chromium's callback, code and state included.
 * Gatekey now holds the port on both addresses, or refuses to start the sign-in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatekeyError } from '../../src-main/core/errors.js';
import {
  listenForAuthorizationCallback,
  type AuthorizationCallbackListener,
} from '../../src-main/core/oauth/loopback.js';
import { freePort } from '../support/ports.js';
import { hasChromium, launchChromium, NO_CHROMIUM_MESSAGE } from './support/chromium.js';

if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

const STATE = 'state-of-this-sign-in-0123456789';
const idp = {
  gatewayName: 'work',
  issuer: 'https://idp.example.com',
  step: 'authorization' as const,
};

/** Runs as `nobody` when the test is root (another user, as in the review), else as the test. */
const AS_ANOTHER_USER = process.getuid?.() === 0 ? ['runuser', '-u', 'nobody', '--'] : [];

/** Listens on [::1]:port and prints the target of every request it receives. */
const IMPOSTOR_SCRIPT = `
const server = require('node:http').createServer((req, res) => {
  console.log(req.url);
  res.end('impostor');
});
server.listen(Number(process.argv[1]), '::1', () => console.log('listening'));
`;

interface Impostor {
  readonly received: string[];
  stop(): Promise<void>;
}

async function startImpostor(port: number): Promise<Impostor> {
  const [command, ...args] = [
    ...AS_ANOTHER_USER,
    process.execPath,
    '-e',
    IMPOSTOR_SCRIPT,
    String(port),
  ];
  const child: ChildProcess = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
  await expect.poll(() => lines.includes('listening'), { timeout: 10_000 }).toBe(true);
  return {
    received: lines,
    stop: async () => {
      child.kill();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** The status of GET `path` on [::1]:port, or the connection error's code. */
function statusOnIpv6(port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: '::1', port, path, headers: { host: `localhost:${port}` } });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    req.end();
  });
}

describe.skipIf(!hasChromium)('a localhost redirect URI', () => {
  let browser: Browser;
  let impostor: Impostor | undefined;
  let listener: AuthorizationCallbackListener | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await impostor?.stop();
    await listener?.close();
    impostor = undefined;
    listener = undefined;
  });

  async function openInChromium(url: string): Promise<string> {
    const page = await browser.newPage();
    try {
      await page.goto(url);
      return await page.innerText('body');
    } finally {
      await page.close();
    }
  }

  it('is refused, naming the port and the fix, when another user holds it on ::1', async () => {
    const port = await freePort();
    impostor = await startImpostor(port);
    const started = await listenForAuthorizationCallback({
      redirectUri: `http://localhost:${port}/callback`,
      expectedState: STATE,
      idp,
    }).catch((error: GatekeyError) => error);
    if (!(started instanceof GatekeyError)) {
      // Without the fix: the sign-in starts, and Chromium takes the code where the review saw it.
      listener = started;
      await openInChromium(`${started.redirectUri}?code=the-code&state=${STATE}`);
    }
    expect(impostor.received.filter((line) => line.includes('the-code'))).toEqual([]);
    expect(started).toBeInstanceOf(GatekeyError);
    const refusal = started as GatekeyError;
    expect(refusal.code).toBe('port_in_use');
    expect(refusal.message).toContain(`Port ${port} on [::1] is already in use`);
    expect(refusal.hint).toContain('--redirect-uri http://127.0.0.1:<other port>/callback');
  });

  it('holds the port on 127.0.0.1 and ::1, and Chromium reaches Gatekey by the name', async () => {
    listener = await listenForAuthorizationCallback({
      redirectUri: 'http://localhost:0/callback',
      expectedState: STATE,
      idp,
    });
    const port = Number(new URL(listener.redirectUri).port);
    expect(await statusOnIpv6(port, '/elsewhere')).toBe(404);
    const exchanged: string[] = [];
    const signedIn = listener.receive(async (url) => exchanged.push(url.href), {
      timeoutMs: 30_000,
    });
    const page = await openInChromium(`${listener.redirectUri}?code=the-code&state=${STATE}`);
    await signedIn;
    expect(exchanged).toEqual([`${listener.redirectUri}?code=the-code&state=${STATE}`]);
    expect(page).toContain('work');
  });
});
