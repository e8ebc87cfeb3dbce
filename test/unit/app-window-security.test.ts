import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../src-main/core/api/contract.js';
import {
  checkInvoke,
  COMMANDS_ARGUMENT,
  commandsArgument,
  EVENT_CHANNEL,
  INVOKE_CHANNEL,
} from '../../src-main/app/ipc-contract.js';
import { popoverBounds, windowStyleFor } from '../../src-main/app/window-geometry.js';
import {
  APP_ENTRY_URL,
  externalBrowserUrl,
  isAppOrigin,
  isAppPage,
  isPermissionAllowed,
  RENDERER_CSP,
  RENDERER_HEADERS,
  rendererFile,
  secureWebPreferences,
} from '../../src-main/app/window-security.js';

const appDir = path.resolve(import.meta.dirname, '../../src-main/app');
const source = (file: string) => readFile(path.join(appDir, file), 'utf8');

async function appSources(): Promise<string[]> {
  const entries = await readdir(appDir);
  return entries.filter((name) => /\.c?ts$/.test(name));
}

describe('webPreferences', () => {
  it('isolates and sandboxes every window, with Node off and only the preload', () => {
    expect(secureWebPreferences('/app/preload.cjs', ['--x'])).toEqual({
      preload: '/app/preload.cjs',
      additionalArguments: ['--x'],
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
  });

  it('hands the preload the command table', () => {
    expect(commandsArgument()).toBe(`${COMMANDS_ARGUMENT}${COMMAND_NAMES.join(',')}`);
  });
});

describe('content security policy', () => {
  it('is the strict policy, sent with every renderer file', () => {
    expect(RENDERER_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; " +
        "form-action 'none'",
    );
    expect(RENDERER_CSP).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|\*/);
    expect(RENDERER_HEADERS['Content-Security-Policy']).toBe(RENDERER_CSP);
    expect(RENDERER_HEADERS['X-Content-Type-Options']).toBe('nosniff');
  });
});

describe('URL checks', () => {
  it('knows the app page, with any hash, and nothing else', () => {
    expect(isAppPage(APP_ENTRY_URL)).toBe(true);
    expect(isAppPage(`${APP_ENTRY_URL}#/gateways/acme/token`)).toBe(true);
    expect(isAppPage('app://gatekey/')).toBe(true);
    for (const other of [
      undefined,
      '',
      'app://gatekey/assets/other.html',
      'app://gatekey/index.html?x=1',
      'app://evil/index.html',
      'file:///app/dist/renderer/index.html',
      'http://127.0.0.1:7421/index.html',
      'https://gatekey/index.html',
      'not a url',
    ])
      expect(isAppPage(other), String(other)).toBe(false);
  });

  it('sends only http(s) to the system browser', () => {
    expect(externalBrowserUrl('https://login.example.com/authorize?x=1')).toBe(
      'https://login.example.com/authorize?x=1',
    );
    expect(externalBrowserUrl('http://127.0.0.1:9000/')).toBe('http://127.0.0.1:9000/');
    for (const refused of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'gatekey://add?url=x',
      'app://gatekey/index.html',
      'smb://host/share',
      'data:text/html,hi',
      'not a url',
    ])
      expect(externalBrowserUrl(refused), refused).toBeUndefined();
  });

  it('grants the clipboard write permission to the app only, and nothing else to anyone', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', 'app://gatekey')).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.example')).toBe(false);
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'openExternal',
      'clipboard-read',
    ])
      expect(isPermissionAllowed(permission, 'app://gatekey'), permission).toBe(false);
    expect(isAppOrigin('app://gatekey')).toBe(true);
  });
});

describe('renderer files', () => {
  const root = path.resolve('/srv/renderer');

  it('maps app:// paths into the renderer directory', () => {
    expect(rendererFile(root, 'app://gatekey/')).toBe(path.join(root, 'index.html'));
    expect(rendererFile(root, 'app://gatekey/index.html#/x')).toBe(path.join(root, 'index.html'));
    // The URL parser resolves dot segments itself, so these stay inside too.
    expect(rendererFile(root, 'app://gatekey/../../etc/passwd')).toBe(
      path.join(root, 'etc', 'passwd'),
    );
    expect(rendererFile(root, 'app://gatekey/assets/index-abc.js')).toBe(
      path.join(root, 'assets', 'index-abc.js'),
    );
  });

  it('never leaves it', () => {
    for (const url of [
      'app://gatekey/assets/..%2F..%2F..%2Fetc%2Fpasswd',
      'app://gatekey/%E0%A4%A',
      'app://gatekey/a%00.js',
      'app://other/index.html',
      'file:///etc/passwd',
    ])
      expect(rendererFile(root, url), url).toBeUndefined();
  });
});

describe('IPC', () => {
  it('runs a known command from the app page', () => {
    expect(checkInvoke(`${APP_ENTRY_URL}#/gateways`, 'gateways.list')).toEqual({
      ok: true,
      command: 'gateways.list',
    });
  });

  it('refuses a call from any other page', () => {
    for (const url of [
      undefined,
      'https://evil.example/',
      'file:///tmp/x.html',
      'app://gatekey/other.html',
    ]) {
      const check = checkInvoke(url, 'tokens.get');
      expect(check.ok).toBe(false);
      expect(!check.ok && check.error.code).toBe('unauthorized');
    }
  });

  it('refuses a command outside the table', () => {
    for (const command of ['tokens.dump', '__proto__', 42, undefined]) {
      const check = checkInvoke(APP_ENTRY_URL, command);
      expect(!check.ok && check.error.code, String(command)).toBe('invalid_input');
    }
  });

  it('the sandboxed preload repeats the channel names exactly', async () => {
    const preload = await source('preload.cts');
    expect(preload).toContain(`const INVOKE_CHANNEL = '${INVOKE_CHANNEL}';`);
    expect(preload).toContain(`const EVENT_CHANNEL = '${EVENT_CHANNEL}';`);
    expect(preload).toContain(`const COMMANDS_ARGUMENT = '${COMMANDS_ARGUMENT}';`);
    expect(preload).toContain("contextBridge.exposeInMainWorld('gatekey', bridge);");
    expect(preload.match(/exposeInMainWorld/g)).toHaveLength(1);
  });
});

describe('window placement', () => {
  const workArea = { x: 0, y: 25, width: 1440, height: 875 };

  const size = { width: 420, height: 640 };

  it('opens centred under a menu-bar icon, inside the work area', () => {
    // Centre 1211 - 210 = 1001; under the bar: work area top 25 + gap 4.
    expect(popoverBounds({ x: 1200, y: 0, width: 22, height: 24 }, size, workArea)).toEqual({
      x: 1001,
      y: 29,
      width: 420,
      height: 640,
    });
    expect(popoverBounds({ x: 1420, y: 0, width: 22, height: 24 }, size, workArea).x).toBe(
      1440 - 420 - 4,
    );
  });

  it('opens above a taskbar icon', () => {
    const taskbarArea = { x: 0, y: 0, width: 1920, height: 1040 };
    // Centre 1512 - 210 = 1302; above the taskbar: work area bottom 1040 - 640 - gap 4.
    expect(popoverBounds({ x: 1500, y: 1045, width: 24, height: 30 }, size, taskbarArea)).toEqual({
      x: 1302,
      y: 396,
      width: 420,
      height: 640,
    });
  });

  it('uses a framed window on Linux and wherever the tray position is unknown', () => {
    const bounds = { x: 10, y: 0, width: 22, height: 22 };
    expect(windowStyleFor('darwin', bounds)).toBe('popover');
    expect(windowStyleFor('win32', bounds)).toBe('popover');
    expect(windowStyleFor('linux', bounds)).toBe('framed');
    expect(windowStyleFor('win32', { x: 0, y: 0, width: 0, height: 0 })).toBe('framed');
    expect(windowStyleFor('darwin', undefined)).toBe('framed');
  });
});

describe('source rules', () => {
  it('creates BrowserWindows in windows.ts only, through one function with the secure preferences', async () => {
    const offenders: string[] = [];
    for (const file of await appSources())
      if (file !== 'windows.ts' && /new\s+BrowserWindow\s*\(/.test(await source(file)))
        offenders.push(file);
    expect(offenders).toEqual([]);
    const windows = await source('windows.ts');
    expect(windows.match(/new\s+BrowserWindow\s*\(/g)).toHaveLength(1);
    expect(windows).toMatch(/webPreferences: secureWebPreferences\(/);
    expect(windows).not.toMatch(/webPreferences:\s*\{/);
  });

  it('guards every webContents: navigation, redirects, new windows and webviews', async () => {
    const guards = await source('guards.ts');
    for (const guard of [
      "app.on('web-contents-created'",
      "contents.on('will-navigate'",
      "contents.on('will-redirect'",
      "contents.on('will-attach-webview'",
      'contents.setWindowOpenHandler(',
      "return { action: 'deny' }",
      'setPermissionRequestHandler(',
      'setPermissionCheckHandler(',
    ])
      expect(guards, guard).toContain(guard);
    expect(await source('ipc.ts')).toContain('checkInvoke(event.senderFrame?.url, command)');
  });

  it('opens external URLs only after the scheme check', async () => {
    for (const file of await appSources()) {
      const text = await source(file);
      const opens = text.match(/shell\.openExternal\(([^)]*)\)/g) ?? [];
      for (const call of opens) expect(`${file}: ${call}`).toMatch(/openExternal\(external\)/);
    }
  });

  it('keeps the pure modules free of electron, so they run in plain Node', async () => {
    for (const file of [
      'tray-model.ts',
      'deep-link-parse.ts',
      'notification-rules.ts',
      'window-security.ts',
      'window-geometry.ts',
      'ipc-contract.ts',
      'routes.ts',
      'debounce.ts',
      'system-events.ts',
    ]) {
      const text = await source(file);
      expect(text, file).not.toMatch(/^import\s+(?!type\b)[^;]*from\s+['"]electron['"]/m);
      expect(text, file).not.toMatch(/require\(\s*['"]electron['"]\s*\)/);
    }
  });
});
