/**
 * The real tray shell (src-main/app/main.ts and everything it wires) on the Electron stand-in,
 * with a real core on the real keychain, the demo IdP and MCP server on loopback, and the
 * headless browser for sign-ins. The tests run in order, like one person's session.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { Envelope } from '../../src-main/core/api/contract.js';
import type { GatewayStatus } from '../../src-main/core/tokens/types.js';
import type { WriteResult } from '../../src-main/core/clients/types.js';
import { RENDERER_CSP } from '../../src-main/core/renderer-policy.js';
import { GatewayStore } from '../../src-main/core/gateways/store.js';
import { readInstanceRecord } from '../../src-main/core/instance-file.js';
import { openSecretStore } from '../../src-main/core/secrets/index.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { COMMANDS_ARGUMENT, INVOKE_CHANNEL } from '../../src-main/app/ipc-contract.js';
import { routes } from '../../src-main/app/routes.js';
import {
  NETWORK_CHECK_INTERVAL_MS,
  REVALIDATE_DELAY_MS,
} from '../../src-main/app/system-events.js';
import { APP_ENTRY_URL } from '../../src-main/app/window-security.js';
import { launchShell, quitAll, replaceStdio } from '../support/electron/launch.js';
import type { ElectronProcess } from '../support/electron/process.js';
import { completeBrowserLogin } from '../support/headless-browser.js';
import { freePort } from '../support/ports.js';
import { temporaryDirectory } from '../support/temporary.js';
import { ensureUiBuilt } from './support/ui-build.js';
import { initializeRequest } from '../support/mcp-initialize.js';

const WAIT = { timeout: 20_000, interval: 50 };
const INITIALIZE = initializeRequest('claude-desktop-stand-in');
const WHOAMI = {
  jsonrpc: '2.0',
  id: 2,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {} },
};

describe('the tray shell on the Electron stand-in', () => {
  let idp: RunningIdp;
  let mcp: RunningMcpServer;
  let home: string;
  let port: number;
  const locks = new Map<string, ElectronProcess>();
  let electron: ElectronProcess;
  const launches: ElectronProcess[] = [];
  const consoleErrors: string[] = [];

  /** The system browser: signs in at the demo IdP; any other URL is only recorded. */
  const browser = async (url: string) => {
    if (url.startsWith(idp.issuer)) await completeBrowserLogin(url);
  };

  async function launch(argv: string[] = [], packaged = false): Promise<ElectronProcess> {
    const launched = await launchShell({ home, locks, argv, browser, packaged });
    launches.push(launched);
    return launched;
  }

  async function invoke<T>(command: string, input: unknown, frame = APP_ENTRY_URL): Promise<T> {
    const envelope = (await electron.invoke(INVOKE_CHANNEL, frame, command, input)) as Envelope<T>;
    if ('error' in envelope) throw new Error(`${command}: ${envelope.error.message}`);
    return envelope.result;
  }

  const menu = () => electron.tray.menu;
  const line = (name: string) => menu().item(`${name} — `).label;
  const window = () => {
    const [open] = electron.openWindows();
    if (!open) throw new Error('Expected an open Gatekey window.');
    return open;
  };
  const coreEvents = () => electron.windows.flatMap((shown) => shown.webContents.sent);
  const notice = (title: RegExp) => {
    const found = electron.notifications.find((shown) => title.test(shown.options.title ?? ''));
    if (!found) throw new Error(`Expected a notification titled ${title}.`);
    return found;
  };

  beforeAll(async () => {
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      consoleErrors.push(args.map(String).join(' '));
    });
    await ensureUiBuilt();
    idp = await startIdp({ accessTokenTtlSeconds: 600 });
    mcp = await startDemoMcpServer({ issuer: idp.issuer });
    home = await temporaryDirectory('gatekey-shell');
    port = await freePort();
    new GatewayStore(home).updateSettings({ port });
    electron = await launch();
  }, 60_000);

  afterAll(async () => {
    await quitAll(launches);
    await Promise.allSettled([mcp?.close(), idp?.close()]);
    vi.restoreAllMocks();
  });

  it('starts the core and, on a first run, the tray says so and the window opens', async () => {
    await vi.waitFor(() => expect(menu().labels()).toContain('No gateways yet'), WAIT);
    expect(electron.privilegedSchemes.map((scheme) => scheme.scheme)).toEqual(['app']);
    expect(electron.tray.image).toMatch(/resources\/tray\/ok\.png$/);
    expect(electron.tray.tooltip).toBe('Gatekey — no gateways');
    await vi.waitFor(() => expect(window().visible).toBe(true), WAIT);
    expect(window().url).toBe(`${APP_ENTRY_URL}${routes.gateways()}`);
    expect(window().focused).toBe(true);
    expect(await readInstanceRecord(home)).toMatchObject({ port, pid: process.pid });
  });

  it('shows one line per gateway, following the core’s events', async () => {
    await invoke('gateways.add', { gateway: { name: 'work', url: mcp.url } });
    await invoke('gateways.add', { gateway: { name: 'team', url: mcp.url } });
    await vi.waitFor(() => expect(line('team')).toBe('team — signed out'), WAIT);
    expect(line('work')).toBe('work — signed out');
    expect(menu().item('work — ', 'Refresh').enabled).toBe(false);
    expect(electron.tray.tooltip).toBe('Gatekey — 2 gateways, all fine');
  });

  it('signs in from the tray: the browser opens once with an http(s) URL, the tray follows', async () => {
    const redrawsBefore = electron.tray.menuSetAt.length;
    const eventsBefore = coreEvents().length;
    menu().click('work — ', 'Sign in');
    await vi.waitFor(() => expect(line('work')).toMatch(/^work — signed in · \d+ min$/), WAIT);
    expect(electron.openedExternally).toHaveLength(1);
    const [opened = ''] = electron.openedExternally;
    expect(opened.startsWith(`${idp.issuer}/`)).toBe(true);
    expect(new URL(opened).searchParams.get('code_challenge_method')).toBe('S256');
    expect(new URL(opened).searchParams.get('state')).toBeTruthy();

    // Redrawn from events only (each redraw has an event since the one before), and fewer
    // times than events arrived: bursts are folded.
    const redrawTimes = electron.tray.menuSetAt;
    const events = coreEvents();
    expect(redrawTimes.length - redrawsBefore).toBeGreaterThan(0);
    expect(redrawTimes.length - redrawsBefore).toBeLessThan(events.length - eventsBefore);
    for (let index = redrawsBefore; index < redrawTimes.length; index += 1) {
      const since = redrawTimes[index - 1] ?? 0;
      const at = redrawTimes[index] ?? 0;
      expect(events.some((event) => event.at >= since && event.at <= at)).toBe(true);
    }
    expect(menu().item('work — ', 'Sign in again').enabled).toBe(true);
  });

  it('does not poll: with nothing happening, the tray is not redrawn', async () => {
    const redraws = electron.tray.menuSetAt.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(electron.tray.menuSetAt.length).toBe(redraws);
  });

  it('revalidates once after a wake-up burst, without opening a browser', async () => {
    const { TokenManager } = await import('../../src-main/core/tokens/manager.js');
    const revalidate = vi.spyOn(TokenManager.prototype, 'revalidate');
    const opened = electron.openedExternally.length;
    electron.powerMonitor.emit('resume');
    electron.powerMonitor.emit('unlock-screen');
    electron.powerMonitor.emit('resume');
    await vi.waitFor(() => expect(revalidate).toHaveBeenCalled(), WAIT);
    await revalidate.mock.results[0]?.value;
    expect(revalidate).toHaveBeenCalledTimes(1);
    expect(electron.openedExternally).toHaveLength(opened);
    expect(line('work')).toMatch(/^work — signed in/);
    revalidate.mockRestore();
  });

  describe('network changes', () => {
    /** Long enough for a few network samples and a debounced revalidation on a loaded machine. */
    const NETWORK_WAIT = { timeout: NETWORK_CHECK_INTERVAL_MS * 4, interval: 50 };
    const realInterfaces = os.networkInterfaces.bind(os);
    /** The OS's interfaces, plus a VPN interface the test adds or removes (nothing is sent to it). */
    let vpnUp = false;
    let samples: MockInstance<typeof os.networkInterfaces>;
    /** Resolves after the shell's network watcher has taken `count` more samples. */
    async function nextSamples(count = 1): Promise<void> {
      const target = samples.mock.calls.length + count;
      await vi.waitFor(
        () => expect(samples.mock.calls.length).toBeGreaterThanOrEqual(target),
        NETWORK_WAIT,
      );
    }
    let revalidate: MockInstance<() => Promise<void>>;
    let opened: number;

    beforeAll(async () => {
      samples = vi.spyOn(os, 'networkInterfaces').mockImplementation(() => {
        const interfaces = realInterfaces();
        if (!vpnUp) return interfaces;
        return {
          ...interfaces,
          'gatekey-vpn0': [
            {
              address: '10.99.0.2',
              netmask: '255.255.255.0',
              family: 'IPv4',
              mac: '00:00:00:00:00:00',
              internal: false,
              cidr: '10.99.0.2/24',
            },
          ],
        };
      });
      const { TokenManager } = await import('../../src-main/core/tokens/manager.js');
      revalidate = vi.spyOn(TokenManager.prototype, 'revalidate');
      opened = electron.openedExternally.length;
    });
    afterAll(() => {
      revalidate.mockRestore();
      samples.mockRestore();
    });

    it(
      'a new address revalidates once, without opening a browser',
      async () => {
        vpnUp = true;
        await vi.waitFor(() => expect(revalidate).toHaveBeenCalled(), NETWORK_WAIT);
        await revalidate.mock.results[0]?.value;
        expect(revalidate).toHaveBeenCalledTimes(1);
        expect(electron.openedExternally).toHaveLength(opened);
        expect(line('work')).toMatch(/^work — signed in/);
      },
      NETWORK_WAIT.timeout * 2,
    );

    it(
      'back online during a wake-up burst: one revalidation for all of it, no browser',
      async () => {
        revalidate.mockClear();
        electron.online = false;
        vpnUp = false;
        await nextSamples();
        electron.online = true;
        await nextSamples();
        electron.powerMonitor.emit('resume');
        electron.powerMonitor.emit('unlock-screen');
        await vi.waitFor(() => expect(revalidate).toHaveBeenCalled(), NETWORK_WAIT);
        await revalidate.mock.results[0]?.value;
        expect(revalidate).toHaveBeenCalledTimes(1);
        expect(electron.openedExternally).toHaveLength(opened);
      },
      NETWORK_WAIT.timeout * 3,
    );

    it(
      'does not revalidate when the network has not changed',
      async () => {
        revalidate.mockClear();
        await nextSamples();
        await sleep(REVALIDATE_DELAY_MS + 1_000);
        expect(revalidate).not.toHaveBeenCalled();
      },
      NETWORK_WAIT.timeout * 3,
    );
  });

  /** Clicks Refresh for `name` and waits for the core to record its outcome. */
  async function refreshFromTray(name: string): Promise<GatewayStatus> {
    const before = await statusOf(name);
    menu().click(`${name} — `, 'Refresh');
    let after = before;
    await vi.waitFor(async () => {
      after = await statusOf(name);
      expect(
        after.lastRefreshAt !== before.lastRefreshAt ||
          after.lastError?.at !== before.lastError?.at,
      ).toBe(true);
    }, WAIT);
    return after;
  }
  const statusOf = async (name: string) =>
    (await invoke<{ status: GatewayStatus }>('gateways.get', { name })).status;

  it('tells the person when refreshing keeps failing, and the tray recovers with the IdP', async () => {
    await idp.stop();
    try {
      expect((await refreshFromTray('work')).lastError?.code).toBe('idp_unreachable');
      // The core retries on its own backoff; the third failure in a row is news.
      await vi.waitFor(() => notice(/token refresh keeps failing/), { ...WAIT, timeout: 40_000 });
      // The token still works: the tray says signed in, the notification says what is wrong.
      expect(notice(/token refresh keeps failing/).options.body).toMatch(
        /attempts in a row failed/,
      );
    } finally {
      await idp.start();
    }
    const recovered = await refreshFromTray('work');
    expect(recovered.state).toBe('signed-in');
    await vi.waitFor(() => expect(line('work')).toMatch(/^work — signed in/), WAIT);
    expect(electron.tray.image).toMatch(/ok\.png$/);
    expect(electron.openedExternally).toHaveLength(1);

    notice(/token refresh keeps failing/).click();
    expect(window().url).toBe(`${APP_ENTRY_URL}${routes.gateway('work')}`);
    expect(window().visible && window().focused).toBe(true);
  }, 60_000);

  it('asks for a sign-in when the session ends; the notification opens the sign-in prompt', async () => {
    await idp.revokeRefreshTokens();
    const opened = electron.openedExternally.length;
    menu().click('work — ', 'Refresh');
    await vi.waitFor(() => expect(line('work')).toBe('work — sign-in needed'), WAIT);
    expect(electron.tray.image).toMatch(/attention\.png$/);
    window().requestClose();
    expect(window().visible).toBe(false);

    notice(/^Sign in to work$/).click();
    expect(window().url).toBe(`${APP_ENTRY_URL}${routes.signInPrompt('work')}`);
    expect(window().visible && window().focused).toBe(true);
    expect(electron.openedExternally).toHaveLength(opened);
  });

  it('tells the person about a step-up, and the notification opens the sign-in prompt', async () => {
    menu().click('work — ', 'Sign in');
    await vi.waitFor(() => expect(line('work')).toMatch(/^work — signed in/), WAIT);
    const client = new Client({ name: 'ide', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${mcpOrigin()}/mcp/work`)));
    await expect(client.callTool({ name: 'admin_action', arguments: {} })).rejects.toThrow();
    await client.close();
    await vi.waitFor(() => expect(line('work')).toMatch(/more scopes asked$/), WAIT);
    expect(electron.tray.image).toMatch(/attention\.png$/);

    window().requestClose();
    notice(/work asks for more access/).click();
    expect(window().url).toBe(`${APP_ENTRY_URL}${routes.signInPrompt('work')}`);
    expect(window().visible).toBe(true);
  });

  const mcpOrigin = () => `http://127.0.0.1:${port}`;

  it('copies a local URL and opens the inspector from the tray', async () => {
    menu().click('team — ', 'Copy local URL');
    expect(electron.clipboardText).toBe(`${mcpOrigin()}/mcp/team`);
    menu().click('team — ', 'Open inspector');
    expect(window().url).toBe(`${APP_ENTRY_URL}${routes.inspector('team')}`);
  });

  /** Writes Claude Desktop's entry for `work` from the running app and reads it back. */
  async function claudeDesktopEntry() {
    const written = await invoke<WriteResult>('clients.write', {
      name: 'work',
      client: 'claude-desktop',
    });
    const config = JSON.parse(await readFile(written.path, 'utf8')) as {
      mcpServers: Record<string, { command: string; args: string[]; env: object }>;
    };
    const runtimeDir = process.env.XDG_RUNTIME_DIR;
    expect(config.mcpServers.work?.env).toEqual({
      GATEKEY_HOME: home,
      ...(runtimeDir && { XDG_RUNTIME_DIR: runtimeDir }),
    });
    return config.mcpServers.work!;
  }

  /** Starts the app as Claude Desktop would from `args`, calls whoami through it, and ends it. */
  async function relayThrough(args: string[], packaged: boolean): Promise<void> {
    // The launch's stdin and stdout are the process's: the stand-in runs in this one.
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const answers = createInterface({ input: stdout })[Symbol.asyncIterator]();
    const nextAnswer = async () => JSON.parse((await answers.next()).value as string) as object;
    const restore = replaceStdio(stdin, stdout);
    try {
      const relay = await launch(args, packaged);
      stdin.write(`${JSON.stringify(INITIALIZE)}\n`);
      expect(await nextAnswer()).toMatchObject({
        id: 1,
        result: { protocolVersion: '2025-06-18' },
      });
      stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
      stdin.write(`${JSON.stringify(WHOAMI)}\n`);
      expect(JSON.stringify(await nextAnswer())).toMatch(/"id":2,"result".*sub/);
      stdin.end();
      expect(await relay.whenExited()).toBe(0);
      expect(relay.trays).toHaveLength(0);
      expect(relay.windows).toHaveLength(0);
    } finally {
      restore();
    }
  }

  it("writes Claude Desktop's entry as Electron with the app folder in --stdio mode, which relays without a tray", async () => {
    // A development run (`electron .`): the executable is Electron, which needs the app folder.
    const entry = await claudeDesktopEntry();
    expect(entry.command).toBe(process.execPath);
    expect(entry.args).toEqual([electron.app.getAppPath(), '--stdio', 'work']);
    await relayThrough(entry.args, false);
  });

  it('a gatekey://add link from a second launch shows the confirmation and adds nothing', async () => {
    const link = `gatekey://add?url=${encodeURIComponent(mcp.url)}&name=linked`;
    const second = await launch([link]);
    expect(await second.whenExited()).toBe(0);
    expect(second.trays).toHaveLength(0);
    expect(second.windows).toHaveLength(0);
    expect(window().url).toMatch(/#\/add\?.*name=linked/);
    expect(window().focused).toBe(true);
    const gateways = await invoke<{ gateway: { name: string } }[]>('gateways.list', {});
    expect(gateways.map((view) => view.gateway.name).sort()).toEqual(['team', 'work']);
  });

  it('a gatekey://login link from a second launch focuses the first instance, no browser', async () => {
    window().requestClose();
    const opened = electron.openedExternally.length;
    const second = await launch(['--no-sandbox', 'gatekey://login/team']);
    expect(await second.whenExited()).toBe(0);
    expect(window().url).toBe(`${APP_ENTRY_URL}${routes.signInPrompt('team')}`);
    expect(window().visible && window().focused).toBe(true);
    expect(electron.openedExternally).toHaveLength(opened);

    window().requestClose();
    await launch([]);
    expect(window().visible).toBe(true);
  });

  it('refuses bad links with the reason, and opens nothing', async () => {
    const url = window().url;
    const boxes = electron.messageBoxes.length;
    await launch(['gatekey://add?url=javascript:alert(1)&name=x']);
    electron.app.emit('open-url', { preventDefault() {} }, 'gatekey://login/team?token=abc');
    await vi.waitFor(() => expect(electron.messageBoxes).toHaveLength(boxes + 2), WAIT);
    const [badUrl, secret] = electron.messageBoxes.slice(boxes);
    expect(badUrl).toMatchObject({ type: 'warning', message: 'Gatekey did not open this link' });
    expect(badUrl?.detail).toMatch(/Expected url to be an http\(s\) URL.*javascript: URL/);
    expect(secret?.detail).toMatch(/token/);
    expect(secret?.detail).not.toContain('abc');
    expect(window().url).toBe(url);
  });

  it('refuses IPC from any page but its own', async () => {
    const envelope = (await electron.invoke(
      INVOKE_CHANNEL,
      'https://attacker.example/index.html',
      'gateways.list',
      {},
    )) as Envelope<unknown>;
    expect('error' in envelope && envelope.error.code).toBe('unauthorized');
  });

  it('gives every window it made the security checklist, as recorded', async () => {
    const allWindows = launches.flatMap((launched) => launched.windows);
    expect(allWindows.length).toBeGreaterThan(0);
    for (const made of allWindows) {
      const preferences = made.webPreferences;
      expect(preferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInSubFrames: false,
        webviewTag: false,
      });
      expect(preferences.preload).toMatch(/src-main\/app\/preload\.cjs$/);
      expect(preferences.additionalArguments?.[0]?.startsWith(COMMANDS_ARGUMENT)).toBe(true);
      for (const url of made.loadedUrls) expect(url.startsWith(`${APP_ENTRY_URL}#/`)).toBe(true);

      const contents = made.webContents;
      const opened = electron.openedExternally.length;
      expect(contents.tryNavigate(`${APP_ENTRY_URL}#/activity`)).toBe(true);
      expect(contents.tryNavigate('file:///etc/passwd')).toBe(false);
      expect(contents.tryNavigate('https://docs.example/help')).toBe(false);
      expect(contents.tryNavigate('https://idp.example/evil', 'will-redirect')).toBe(false);
      expect(contents.tryOpenWindow('https://docs.example/new')).toBe('deny');
      expect(contents.tryOpenWindow('javascript:alert(1)')).toBe('deny');
      expect(contents.tryAttachWebview()).toBe(false);
      // Only the person's own clicks on http(s) links reach the browser.
      expect(electron.openedExternally.slice(opened)).toEqual([
        'https://docs.example/help',
        'https://docs.example/new',
      ]);
    }
    const served = await electron.protocolHandlers.get('app')?.(new Request(APP_ENTRY_URL));
    expect(served?.status).toBe(200);
    expect(served?.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    const outside = await electron.protocolHandlers.get('app')?.(
      new Request('app://gatekey/../../package.json'),
    );
    expect(outside?.status).toBe(404);
    const check = electron.permissions.check;
    expect(check?.(null, 'clipboard-sanitized-write', 'app://gatekey', {} as never)).toBe(true);
    expect(check?.(null, 'geolocation', 'app://gatekey', {} as never)).toBe(false);
    expect(check?.(null, 'clipboard-sanitized-write', 'https://x.example', {} as never)).toBe(
      false,
    );
  });

  it('quits cleanly: sockets closed, tokens kept in the keychain, exit within the limit', async () => {
    menu().click('Quit Gatekey');
    expect(await electron.whenExited()).toBe(0);
    // main.ts logs this when the core is still closing at its shutdown limit.
    expect(electron.cancelledQuits).toBe(0);
    expect(electron.tray.destroyed).toBe(true);
    expect(electron.openWindows()).toHaveLength(0);
    expect(consoleErrors.filter((line) => /shutdown was not clean/.test(line))).toEqual([]);
    await expect(fetch(`${mcpOrigin()}/mcp/work`)).rejects.toThrow();
    expect(await readInstanceRecord(home)).toBeUndefined();
    const kept = await openSecretStore({ home }).read('work');
    expect(kept?.tokens?.refreshToken).toBeTruthy();
  });

  it('after a relaunch, the tray is signed in from the keychain without a browser', async () => {
    electron = await launch();
    await vi.waitFor(() => expect(line('work')).toMatch(/^work — signed in/), WAIT);
    expect(electron.openedExternally).toHaveLength(0);
    expect(electron.openWindows()).toHaveLength(0);
    electron.app.quit();
    expect(await electron.whenExited()).toBe(0);
  });

  it("as an installed app, writes Claude Desktop's entry as its own executable in --stdio mode, which relays", async () => {
    electron = await launch([], true);
    await vi.waitFor(() => expect(line('work')).toMatch(/^work — signed in/), WAIT);
    expect(electron.app.protocolClients).toEqual(new Set(['gatekey']));
    const entry = await claudeDesktopEntry();
    expect(entry.command).toBe(process.execPath);
    expect(entry.args).toEqual(['--stdio', 'work']);
    await relayThrough(entry.args, true);
    electron.app.quit();
    expect(await electron.whenExited()).toBe(0);
  });
});
