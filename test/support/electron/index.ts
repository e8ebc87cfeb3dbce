/**
 * What `import … from 'electron'` is for the tray shell in the stand-in tests (a `vi.mock` in
 * each such test; test/support/electron/tsconfig.json maps it the same way for `tsc`). Every
 * value is typed as a `Pick` of Electron's own declaration: when the shell uses a member not
 * modelled here, or models it differently, `npm run typecheck` fails.
 */
import {
  BrowserWindowStandIn,
  buildMenu,
  imageFromPath,
  NotificationStandIn,
  TrayStandIn,
  type AppView,
  type BrowserWindowView,
  type ElectronProcess,
  type NotificationView,
  type TrayView,
  type WebContentsView,
} from './process.js';
import { currentProcess, rendererOnly } from './current.js';

const electron: ElectronProcess = currentProcess();
const parts = electron.mainExports();

export type BrowserWindowConstructorOptions = Electron.BrowserWindowConstructorOptions;
export type MenuItemConstructorOptions = Electron.MenuItemConstructorOptions;
export type NativeImage = Electron.NativeImage;
export type Rectangle = Electron.Rectangle;
export type WebPreferences = Electron.WebPreferences;
export type Menu = Electron.Menu;
export type Tray = TrayView;
export type BrowserWindow = BrowserWindowView;
export type Notification = NotificationView;
export type WebContents = WebContentsView;

export const app = electronObject<AppView>(parts.app);
export const { dialog, clipboard, shell, ipcMain, protocol, net, screen, session } = parts;
export const powerMonitor = electronObject<Pick<Electron.PowerMonitor, 'on' | 'removeListener'>>(
  parts.powerMonitor,
);

export const Menu: Pick<typeof Electron.Menu, 'buildFromTemplate'> = {
  buildFromTemplate: buildMenu,
};

export const nativeImage: Pick<typeof Electron.nativeImage, 'createFromPath'> = {
  createFromPath: imageFromPath,
};

/**
 * Checks a stand-in class against Electron's type, all but `on`/`once` (EventEmitter's own, which
 * Electron types per event name), and gives the shell Electron's type.
 */
function electronClass<Args extends unknown[], View, Checked = Emitting<View>>(
  standIn: new (...args: Args) => Checked,
): new (...args: Args) => View {
  return standIn as unknown as new (...args: Args) => View;
}

type Emitting<View> = Omit<View, 'on' | 'once' | 'removeListener'>;

/** The same for an object. */
function electronObject<View>(standIn: Emitting<View>): View {
  return standIn as View;
}

export const Tray = electronClass<ConstructorParameters<typeof Electron.Tray>, Tray>(
  class extends TrayStandIn {
    constructor(image: Electron.NativeImage | string) {
      super(electron, image);
    }
  },
);

export const BrowserWindow = electronClass<
  ConstructorParameters<typeof Electron.BrowserWindow>,
  BrowserWindow,
  Emitting<Omit<BrowserWindow, 'webContents'>> & { webContents: Emitting<WebContents> }
>(
  class extends BrowserWindowStandIn {
    constructor(options: Electron.BrowserWindowConstructorOptions = {}) {
      super(electron, options);
    }
  },
);

export const Notification = Object.assign(
  electronClass<ConstructorParameters<typeof Electron.Notification>, Notification>(
    class extends NotificationStandIn {
      constructor(options?: Electron.NotificationConstructorOptions) {
        super(electron, options);
      }
    },
  ),
  { isSupported: () => true } satisfies Pick<typeof Electron.Notification, 'isSupported'>,
);

/** Renderer-only modules: the preload gets them from test/support/electron/renderer.ts. */
export const contextBridge: Pick<Electron.ContextBridge, 'exposeInMainWorld'> =
  rendererOnly('contextBridge');
export const ipcRenderer: Pick<Electron.IpcRenderer, 'invoke' | 'on' | 'removeListener'> =
  rendererOnly('ipcRenderer');
