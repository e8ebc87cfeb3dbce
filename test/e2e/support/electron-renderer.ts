/**
 * A recorded BrowserWindow's renderer in real Chromium (Playwright): the page is served by the
 * shell's own `app://` protocol handler, the real preload (src-main/app/preload.cts) runs as a
 * sandboxed preload does (its only `require` is 'electron', its `process.argv` holds the
 * window's additionalArguments), and what it exposes with contextBridge becomes `window.gatekey`
 * in the page through Playwright bindings. Its `ipcRenderer.invoke` reaches the shell's
 * `ipcMain.handle` with the page's frame URL as senderFrame; `webContents.send` reaches its
 * `ipcRenderer.on` listeners.
 *
 * Chromium cannot load a custom scheme Playwright does not know, so the page lives at
 * APP_PAGE_ORIGIN and each URL is mapped to and from `app://gatekey` at this boundary.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import ts from 'typescript';
import type { ApiEvent, Envelope, GatekeyBridge } from '../../../src-main/core/api/contract.js';
import type { BrowserWindowStandIn, ElectronProcess } from '../../support/electron/process.js';

export const APP_PAGE_ORIGIN = 'http://gatekey.localhost';
const APP_ORIGIN = 'app://gatekey';

const toPage = (url: string) =>
  url.startsWith(APP_ORIGIN) ? `${APP_PAGE_ORIGIN}${url.slice(APP_ORIGIN.length)}` : url;
const toApp = (url: string) =>
  url.startsWith(APP_PAGE_ORIGIN) ? `${APP_ORIGIN}${url.slice(APP_PAGE_ORIGIN.length)}` : url;

type RendererElectron = {
  contextBridge: Pick<Electron.ContextBridge, 'exposeInMainWorld'>;
  ipcRenderer: Pick<Electron.IpcRenderer, 'invoke' | 'on' | 'removeListener'>;
};

/** Runs the preload the window names (its .cts source) and returns what it exposed. */
async function runPreload(
  window: BrowserWindowStandIn,
  electron: RendererElectron,
): Promise<Map<string, unknown>> {
  const preload = window.webPreferences.preload;
  if (!preload) throw new Error('The window has no preload.');
  const source = await readFile(preload.replace(/\.cjs$/, '.cts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const exposed = new Map<string, unknown>();
  const sandboxRequire = (id: string) => {
    if (id !== 'electron') throw new Error(`A sandboxed preload cannot require ${id}.`);
    return {
      ...electron,
      contextBridge: {
        exposeInMainWorld: (key: string, api: unknown) => void exposed.set(key, api),
      },
    };
  };
  const module = { exports: {} };
  const argv = ['electron', ...(window.webPreferences.additionalArguments ?? [])];
  new Function('require', 'process', 'module', 'exports', outputText)(
    sandboxRequire,
    { argv },
    module,
    module.exports,
  );
  return exposed;
}

/** Shows `window` in `page`: from now on its loadURL navigates the page. */
export async function attachRenderer(
  electron: ElectronProcess,
  shown: BrowserWindowStandIn,
  page: Page,
): Promise<void> {
  const serve = electron.protocolHandlers.get('app');
  if (!serve) throw new Error('The shell registered no app:// handler.');
  await page.route(`${APP_PAGE_ORIGIN}/**`, async (route) => {
    const response = await serve(new Request(toApp(route.request().url())));
    await route.fulfill({
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: Buffer.from(await response.arrayBuffer()),
    });
  });

  const channels = new EventEmitter();
  let frameUrl = '';
  const ipcRenderer: RendererElectron['ipcRenderer'] = {
    invoke: (channel, ...args) => electron.invoke(channel, frameUrl, ...args),
    on(channel, listener) {
      channels.on(channel, listener);
      return this as Electron.IpcRenderer;
    },
    removeListener(channel, listener) {
      channels.removeListener(channel, listener);
      return this as Electron.IpcRenderer;
    },
  };
  const exposed = await runPreload(shown, {
    contextBridge: { exposeInMainWorld: () => undefined },
    ipcRenderer,
  });
  const bridge = exposed.get('gatekey') as GatekeyBridge | undefined;
  if (!bridge) throw new Error('The preload exposed no `gatekey`.');

  // contextBridge: the page gets copies of the functions; calls and values cross by cloning.
  const subscriptions = new Map<number, () => void>();
  await page.exposeBinding(
    '__gatekeyInvoke',
    (source, command: Parameters<GatekeyBridge['invoke']>[0], input: unknown) => {
      frameUrl = toApp(source.frame.url());
      return bridge.invoke(command, input) as Promise<Envelope<unknown>>;
    },
  );
  await page.exposeBinding('__gatekeyListen', (_source, id: number) => {
    subscriptions.set(
      id,
      bridge.onEvent((event: ApiEvent) => {
        void page
          .evaluate(([to, payload]) => window.__gatekeyDeliver?.(to, payload), [id, event] as const)
          .catch(() => undefined);
      }),
    );
  });
  await page.exposeBinding('__gatekeyUnlisten', (_source, id: number) => {
    subscriptions.get(id)?.();
    subscriptions.delete(id);
  });
  await page.addInitScript(() => {
    const listeners = new Map<number, (event: ApiEvent) => void>();
    let next = 0;
    window.__gatekeyDeliver = (id, event) => listeners.get(id)?.(event);
    window.gatekey = Object.freeze<GatekeyBridge>({
      invoke: (command, input) => window.__gatekeyInvoke(command, input),
      onEvent(listener) {
        const id = (next += 1);
        listeners.set(id, listener);
        void window.__gatekeyListen(id);
        return () => {
          listeners.delete(id);
          void window.__gatekeyUnlisten(id);
        };
      },
    });
  });

  shown.webContents.renderer = {
    deliver: (channel, payload) => channels.emit(channel, {}, payload),
    load: async (url) => void (await page.goto(toPage(url))),
  };
  if (shown.url) await page.goto(toPage(shown.url));
}

/** The app:// URL of what the page shows. */
export const appUrlOf = (page: Page) => toApp(page.url());

declare global {
  interface Window {
    __gatekeyInvoke(command: string, input: unknown): Promise<Envelope<unknown>>;
    __gatekeyListen(id: number): Promise<void>;
    __gatekeyUnlisten(id: number): Promise<void>;
    __gatekeyDeliver?: (id: number, event: ApiEvent) => void;
    gatekey?: GatekeyBridge;
  }
}
