/**
 * One Electron main process, as far as the tray shell uses it: each part implements a `Pick` of
 * Electron's own interface (node_modules/electron/electron.d.ts), records what the shell did, and
 * lets a test act as the person (menu and notification clicks) and as the OS (wake-up, second
 * launch, quit). index.ts is what `import … from 'electron'` gives the shell in these tests.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the stand-in hands out where Electron would hand out a full object (see index.ts). */
const asElectron = <T>(modelled: Partial<T>): T => modelled as T;

/** An Electron event: `preventDefault` and, for navigations, the URL. */
export class StandInEvent {
  defaultPrevented = false;
  constructor(readonly url = '') {}
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export interface ProcessOptions {
  /** app.getAppPath(): where dist/renderer and resources/tray are. */
  appPath: string;
  /** app.isPackaged: an installed app, else a development run (`electron .`). */
  packaged?: boolean;
  /** This launch's command line after the executable (deep links arrive here). */
  argv: string[];
  /** Single-instance locks held by running processes, by userData path. */
  locks: Map<string, ElectronProcess>;
  /** The screens, first is primary. */
  displays?: Electron.Rectangle[];
}

export type MessageBoxAnswer = (options: Electron.MessageBoxOptions) => number;

type AppMember =
  | 'on'
  | 'once'
  | 'setPath'
  | 'requestSingleInstanceLock'
  | 'quit'
  | 'exit'
  | 'setAppUserModelId'
  | 'whenReady'
  | 'dock'
  | 'getAppPath'
  | 'getVersion'
  | 'getLoginItemSettings'
  | 'setLoginItemSettings'
  | 'focus'
  | 'isPackaged'
  | 'isDefaultProtocolClient'
  | 'setAsDefaultProtocolClient';
export type AppView = Pick<Electron.App, AppMember>;

/** `on` and `once` are EventEmitter's; index.ts gives the shell Electron's per-event types. */
class AppStandIn extends EventEmitter implements Omit<AppView, 'on' | 'once'> {
  readonly dock = undefined;
  readonly isPackaged: boolean;
  readonly paths = new Map<string, string>();
  /** Schemes this app registered with the OS as their handler. */
  readonly protocolClients = new Set<string>();
  openAtLogin = false;
  focusCalls = 0;
  readonly #ready: Promise<void>;
  #markReady!: () => void;

  constructor(private readonly process: ElectronProcess) {
    super();
    this.isPackaged = process.options.packaged ?? false;
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
  }

  /** The OS finished starting the app: `ready` fires and whenReady resolves. */
  becomeReady(): void {
    this.emit('ready', new StandInEvent(), {});
    this.#markReady();
  }

  whenReady(): Promise<void> {
    return this.#ready;
  }

  setPath(name: string, value: string): void {
    this.paths.set(name, value);
  }

  /** Like Electron: the first process per userData holds it; a later one hands over its argv. */
  requestSingleInstanceLock(): boolean {
    const key = this.paths.get('userData') ?? 'default';
    const holder = this.process.options.locks.get(key);
    if (holder && holder !== this.process && !holder.exited) {
      holder.app.emit(
        'second-instance',
        new StandInEvent(),
        [process.execPath, ...this.process.options.argv],
        process.cwd(),
        {},
      );
      return false;
    }
    this.process.options.locks.set(key, this.process);
    return true;
  }

  /** Electron's order: before-quit, every window's close (any may cancel), will-quit, quit. */
  quit(): void {
    if (this.process.exited) return;
    this.process.quitRequests += 1;
    if (this.#emitCancellable('before-quit')) return;
    for (const window of this.process.openWindows()) {
      if (!window.requestClose()) {
        this.process.cancelledQuits += 1;
        return;
      }
    }
    if (this.#emitCancellable('will-quit')) return;
    this.emit('quit', new StandInEvent(), 0);
    this.process.exit(0);
  }

  exit(code = 0): void {
    this.process.exit(code);
  }

  setAppUserModelId(): void {}

  getAppPath(): string {
    return this.process.options.appPath;
  }

  getVersion(): string {
    return '0.0.0-stand-in';
  }

  getLoginItemSettings(): Electron.LoginItemSettings {
    return asElectron<Electron.LoginItemSettings>({ openAtLogin: this.openAtLogin });
  }

  setLoginItemSettings(settings: Electron.Settings): void {
    this.openAtLogin = settings.openAtLogin ?? this.openAtLogin;
  }

  focus(): void {
    this.focusCalls += 1;
  }

  isDefaultProtocolClient(protocol: string): boolean {
    return this.protocolClients.has(protocol);
  }

  setAsDefaultProtocolClient(protocol: string): boolean {
    if (!this.isPackaged)
      throw new Error('A development run must not register gatekey:// with the OS.');
    this.protocolClients.add(protocol);
    return true;
  }

  #emitCancellable(name: string): boolean {
    const event = new StandInEvent();
    this.emit(name, event);
    return event.defaultPrevented;
  }
}

export interface MenuItemRecord {
  label: string;
  type: string;
  enabled: boolean;
  checked: boolean;
  click?: () => void;
  submenu: MenuItemRecord[];
}

function recordItems(template: Electron.MenuItemConstructorOptions[]): MenuItemRecord[] {
  return template.map((item) => ({
    label: item.label ?? '',
    type: item.type ?? (item.submenu ? 'submenu' : 'normal'),
    enabled: item.enabled ?? true,
    checked: item.checked ?? false,
    click: item.click && (() => item.click?.(asElectron({}), undefined, asElectron({}))),
    submenu: Array.isArray(item.submenu) ? recordItems(item.submenu) : [],
  }));
}

/** A built menu: the items as the shell gave them, clickable by label path. */
export class MenuRecord {
  constructor(readonly items: MenuItemRecord[]) {}

  /** The item at a path of labels ("work", "Sign in"); a label may be a prefix match. */
  item(...labels: string[]): MenuItemRecord {
    let items = this.items;
    let found: MenuItemRecord | undefined;
    for (const label of labels) {
      found = items.find((item) => item.label === label || item.label.startsWith(label));
      if (!found)
        throw new Error(
          `Expected a menu item "${label}"; the menu has ${JSON.stringify(items.map((item) => item.label))}.`,
        );
      items = found.submenu;
    }
    if (!found) throw new Error('Expected at least one label.');
    return found;
  }

  click(...labels: string[]): void {
    const item = this.item(...labels);
    if (!item.enabled || !item.click) throw new Error(`"${labels.join(' › ')}" is not clickable.`);
    item.click();
  }

  labels(): string[] {
    return this.items.map((item) => item.label);
  }
}

const menus = new WeakMap<object, MenuRecord>();

export function buildMenu(template: Electron.MenuItemConstructorOptions[]): Electron.Menu {
  const menu = {};
  menus.set(menu, new MenuRecord(recordItems(template)));
  return asElectron<Electron.Menu>(menu);
}

function menuRecord(menu: Electron.Menu): MenuRecord {
  const record = menus.get(menu);
  if (!record) throw new Error('Expected a menu from Menu.buildFromTemplate.');
  return record;
}

type TrayMember =
  | 'on'
  | 'setIgnoreDoubleClickEvents'
  | 'popUpContextMenu'
  | 'setImage'
  | 'setToolTip'
  | 'setContextMenu'
  | 'getBounds'
  | 'destroy';
export type TrayView = Pick<Electron.Tray, TrayMember>;

export class TrayStandIn extends EventEmitter implements Omit<TrayView, 'on'> {
  image: string;
  tooltip = '';
  /** Every menu set with setContextMenu or popped up, last is current. */
  readonly menus: MenuRecord[] = [];
  /** When each setContextMenu happened (a redraw of the Linux tray). */
  readonly menuSetAt: number[] = [];
  destroyed = false;

  constructor(
    process: ElectronProcess,
    image: Electron.NativeImage | string,
    private readonly bounds: Electron.Rectangle = { x: 0, y: 0, width: 0, height: 0 },
  ) {
    super();
    this.image = imagePath(image);
    process.trays.push(this);
  }

  get menu(): MenuRecord {
    const menu = this.menus.at(-1);
    if (!menu) throw new Error('The tray has no menu yet.');
    return menu;
  }

  setIgnoreDoubleClickEvents(): void {}
  popUpContextMenu(menu?: Electron.Menu): void {
    if (menu) this.menus.push(menuRecord(menu));
  }
  setImage(image: Electron.NativeImage | string): void {
    this.image = imagePath(image);
  }
  setToolTip(tooltip: string): void {
    this.tooltip = tooltip;
  }
  setContextMenu(menu: Electron.Menu | null): void {
    if (!menu) return;
    this.menus.push(menuRecord(menu));
    this.menuSetAt.push(Date.now());
  }
  getBounds(): Electron.Rectangle {
    return { ...this.bounds };
  }
  destroy(): void {
    this.destroyed = true;
  }
}

const images = new WeakMap<object, string>();

export function imageFromPath(file: string): Electron.NativeImage {
  const image = { isEmpty: () => false };
  images.set(image, file);
  return asElectron<Electron.NativeImage>(image);
}

function imagePath(image: Electron.NativeImage | string): string {
  return typeof image === 'string' ? image : (images.get(image) ?? '(unknown image)');
}

type WebContentsMember = 'on' | 'send' | 'setWindowOpenHandler';
export type WebContentsView = Pick<Electron.WebContents, WebContentsMember>;

/** What a renderer attached to a window receives (test/support/electron/renderer.ts). */
export interface RendererEndpoint {
  deliver(channel: string, payload: unknown): void;
  load(url: string): Promise<void>;
}

export class WebContentsStandIn extends EventEmitter implements Omit<WebContentsView, 'on'> {
  readonly sent: { channel: string; payload: unknown; at: number }[] = [];
  windowOpenHandler:
    ((details: Electron.HandlerDetails) => Electron.WindowOpenHandlerResponse) | undefined;
  renderer: RendererEndpoint | undefined;

  send(channel: string, ...args: unknown[]): void {
    const payload = structuredClone(args[0]);
    this.sent.push({ channel, payload, at: Date.now() });
    this.renderer?.deliver(channel, payload);
  }

  setWindowOpenHandler(
    handler: (details: Electron.HandlerDetails) => Electron.WindowOpenHandlerResponse,
  ): void {
    this.windowOpenHandler = handler;
  }

  /** The page tries to go to `url` (a link click, location change): true when it may. */
  tryNavigate(url: string, kind: 'will-navigate' | 'will-redirect' = 'will-navigate'): boolean {
    const event = new StandInEvent(url);
    this.emit(kind, event, url);
    return !event.defaultPrevented;
  }

  /** The page asks for a <webview>: true when it may. */
  tryAttachWebview(): boolean {
    const event = new StandInEvent();
    this.emit('will-attach-webview', event, {}, {});
    return !event.defaultPrevented;
  }

  /** window.open / target=_blank: what the handler answers ('deny' when there is none: unsafe). */
  tryOpenWindow(url: string): Electron.WindowOpenHandlerResponse['action'] | 'no handler' {
    if (!this.windowOpenHandler) return 'no handler';
    return this.windowOpenHandler(
      asElectron<Electron.HandlerDetails>({ url, frameName: '', features: '' }),
    ).action;
  }
}

type BrowserWindowMember =
  | 'on'
  | 'once'
  | 'isVisible'
  | 'hide'
  | 'show'
  | 'focus'
  | 'loadURL'
  | 'setBounds'
  | 'isDestroyed'
  | 'destroy';
export type BrowserWindowView = Pick<Electron.BrowserWindow, BrowserWindowMember> & {
  readonly webContents: WebContentsView;
};

export class BrowserWindowStandIn
  extends EventEmitter
  implements Omit<BrowserWindowView, 'on' | 'once' | 'webContents'>
{
  readonly webContents = new WebContentsStandIn();
  readonly loadedUrls: string[] = [];
  visible = false;
  destroyed = false;
  focused = false;
  bounds: Electron.Rectangle | undefined;
  /** The display the window is on (set when shown; the primary one unless placed). */
  display: Electron.Rectangle | undefined;
  #loadedOnce = false;

  constructor(
    private readonly process: ElectronProcess,
    readonly options: Electron.BrowserWindowConstructorOptions,
  ) {
    super();
    process.windows.push(this);
    process.app.emit('web-contents-created', new StandInEvent(), this.webContents);
  }

  get url(): string | undefined {
    return this.loadedUrls.at(-1);
  }

  get webPreferences(): Electron.WebPreferences {
    return this.options.webPreferences ?? {};
  }

  async loadURL(url: string): Promise<void> {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.loadedUrls.push(url);
    await this.webContents.renderer?.load(url);
    if (this.#loadedOnce) return;
    this.#loadedOnce = true;
    setImmediate(() => this.emit('ready-to-show', new StandInEvent()));
  }

  isVisible(): boolean {
    return this.visible;
  }
  show(): void {
    this.visible = true;
    this.display ??= this.process.displayAt(this.bounds);
  }
  hide(): void {
    this.visible = false;
    this.focused = false;
  }
  focus(): void {
    for (const other of this.process.windows) other.focused = false;
    this.focused = true;
  }
  setBounds(bounds: Partial<Electron.Rectangle>): void {
    this.bounds = { x: 0, y: 0, width: 0, height: 0, ...this.bounds, ...bounds };
    this.display = this.process.displayAt(this.bounds);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.emit('closed', new StandInEvent());
  }

  /** The person (or quitting) closes the window: 'close' may cancel; true when it closed. */
  requestClose(): boolean {
    if (this.destroyed) return true;
    const event = new StandInEvent();
    this.emit('close', event);
    if (event.defaultPrevented) return false;
    this.destroy();
    return true;
  }
}

type NotificationMember = 'on' | 'show';
export type NotificationView = Pick<Electron.Notification, NotificationMember>;

export class NotificationStandIn extends EventEmitter implements Omit<NotificationView, 'on'> {
  shown = false;
  constructor(
    process: ElectronProcess,
    readonly options: Electron.NotificationConstructorOptions = {},
  ) {
    super();
    process.notifications.push(this);
  }
  show(): void {
    this.shown = true;
  }
  /** The person clicks the notification. */
  click(): void {
    this.emit('click', new StandInEvent());
  }
}

export type IpcHandler = (event: Electron.IpcMainInvokeEvent, ...args: unknown[]) => unknown;
export type ProtocolHandler = (request: Request) => Response | Promise<Response>;

/** The MIME types Chromium's file loader gives the renderer's files. */
const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Electron's net.fetch for file: URLs (what serveRenderer uses); no network at all. */
async function fetchFile(input: string | Request): Promise<Response> {
  const url = new URL(typeof input === 'string' ? input : input.url);
  if (url.protocol !== 'file:')
    throw new Error(`The stand-in's net.fetch only reads file: URLs; got ${url.protocol}`);
  const file = fileURLToPath(url);
  const body = await readFile(file);
  return new Response(body, {
    headers: { 'content-type': MIME_TYPES[path.extname(file)] ?? 'application/octet-stream' },
  });
}

type PermissionRequestHandler = Parameters<Electron.Session['setPermissionRequestHandler']>[0];
type PermissionCheckHandler = Parameters<Electron.Session['setPermissionCheckHandler']>[0];

/** Electron's main-process modules the shell uses, each as a Pick of Electron's own type. */
export interface MainExports {
  app: AppStandIn;
  dialog: Pick<Electron.Dialog, 'showErrorBox' | 'showMessageBox'>;
  clipboard: Pick<Electron.Clipboard, 'writeText'>;
  shell: Pick<Electron.Shell, 'openExternal'>;
  powerMonitor: EventEmitter;
  ipcMain: Pick<Electron.IpcMain, 'handle' | 'removeHandler'>;
  protocol: Pick<Electron.Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
  net: Pick<Electron.Net, 'fetch' | 'isOnline'>;
  screen: Pick<Electron.Screen, 'getDisplayNearestPoint'>;
  session: {
    defaultSession: Pick<
      Electron.Session,
      'setPermissionRequestHandler' | 'setPermissionCheckHandler'
    >;
  };
}

/** The whole process: its parts, what they recorded, and the test's levers. */
export class ElectronProcess {
  readonly app: AppStandIn;
  readonly trays: TrayStandIn[] = [];
  readonly windows: BrowserWindowStandIn[] = [];
  readonly notifications: NotificationStandIn[] = [];
  readonly openedExternally: string[] = [];
  readonly messageBoxes: Electron.MessageBoxOptions[] = [];
  readonly errorBoxes: { title: string; content: string }[] = [];
  readonly privilegedSchemes: Electron.CustomScheme[] = [];
  readonly protocolHandlers = new Map<string, ProtocolHandler>();
  readonly ipcHandlers = new Map<string, IpcHandler>();
  readonly powerMonitor = new EventEmitter();
  readonly permissions: {
    request?: PermissionRequestHandler;
    check?: PermissionCheckHandler;
  } = {};
  clipboardText = '';
  /** What `net.isOnline()` answers; a test flips it as the OS would. */
  online = true;
  quitRequests = 0;
  /** Quits a window's 'close' handler cancelled. */
  cancelledQuits = 0;
  exitCode: number | undefined;
  /** How the person answers message boxes; default: the cancel button. */
  answerMessageBox: MessageBoxAnswer = (options) => options.cancelId ?? 0;
  /** What the system browser does with a URL the app opens. */
  browser: (url: string) => Promise<void> = async () => {};
  readonly #exited: Promise<number>;
  #markExited!: (code: number) => void;
  readonly displays: Electron.Rectangle[];

  constructor(readonly options: ProcessOptions) {
    this.app = new AppStandIn(this);
    this.displays = options.displays ?? [{ x: 0, y: 0, width: 1920, height: 1080 }];
    this.#exited = new Promise((resolve) => (this.#markExited = resolve));
  }

  get exited(): boolean {
    return this.exitCode !== undefined;
  }

  /** Resolves with the exit code once the process has exited. */
  whenExited(): Promise<number> {
    return this.#exited;
  }

  exit(code: number): void {
    if (this.exited) return;
    this.exitCode = code;
    this.#markExited(code);
  }

  /** Calls an ipcMain.handle handler as a renderer whose frame is at `frameUrl` would. */
  async invoke(channel: string, frameUrl: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.ipcHandlers.get(channel);
    if (!handler) throw new Error(`No ipcMain handler for ${channel}.`);
    const event = asElectron<Electron.IpcMainInvokeEvent>({
      senderFrame: asElectron<Electron.WebFrameMain>({ url: frameUrl }),
    });
    return structuredClone(await handler(event, ...structuredClone(args)));
  }

  openWindows(): BrowserWindowStandIn[] {
    return this.windows.filter((window) => !window.destroyed);
  }

  get tray(): TrayStandIn {
    const tray = this.trays.at(-1);
    if (!tray) throw new Error('The app made no tray.');
    return tray;
  }

  displayAt(bounds: Electron.Rectangle | undefined): Electron.Rectangle {
    const primary = this.displays[0] ?? { x: 0, y: 0, width: 0, height: 0 };
    if (!bounds) return primary;
    return this.displays.find((display) => contains(display, bounds)) ?? primary;
  }

  /** Everything the shell imports from 'electron' in the main process, each a Pick of Electron's type. */
  mainExports(): MainExports {
    return {
      app: this.app,
      dialog: {
        showErrorBox: (title, content) => {
          this.errorBoxes.push({ title, content });
        },
        showMessageBox: async (
          ...args: [Electron.MessageBoxOptions] | [Electron.BaseWindow, Electron.MessageBoxOptions]
        ): Promise<Electron.MessageBoxReturnValue> => {
          const options = args.length === 1 ? args[0] : args[1];
          this.messageBoxes.push(options);
          return { response: this.answerMessageBox(options), checkboxChecked: false };
        },
      },
      clipboard: {
        writeText: (text) => {
          this.clipboardText = text;
        },
      },
      shell: {
        openExternal: async (url) => {
          this.openedExternally.push(url);
          await this.browser(url);
        },
      },
      powerMonitor: this.powerMonitor,
      ipcMain: {
        handle: (channel, listener) => {
          if (this.ipcHandlers.has(channel))
            throw new Error(`Attempted to register a second handler for '${channel}'`);
          this.ipcHandlers.set(channel, listener);
        },
        removeHandler: (channel: string) => void this.ipcHandlers.delete(channel),
      },
      protocol: {
        registerSchemesAsPrivileged: (schemes: Electron.CustomScheme[]) => {
          this.privilegedSchemes.push(...schemes);
        },
        handle: (scheme: string, handler: ProtocolHandler) => {
          this.protocolHandlers.set(scheme, handler);
        },
      },
      net: { fetch: fetchFile, isOnline: () => this.online },
      screen: {
        getDisplayNearestPoint: (point) => {
          const bounds = this.displayAt({ ...point, width: 1, height: 1 });
          return asElectron<Electron.Display>({ bounds, workArea: bounds });
        },
      },
      session: {
        defaultSession: {
          setPermissionRequestHandler: (handler) => {
            this.permissions.request = handler;
          },
          setPermissionCheckHandler: (handler) => {
            this.permissions.check = handler;
          },
        },
      },
    };
  }
}

function contains(outer: Electron.Rectangle, inner: Electron.Rectangle): boolean {
  const x = inner.x + inner.width / 2;
  const y = inner.y + inner.height / 2;
  return x >= outer.x && x < outer.x + outer.width && y >= outer.y && y < outer.y + outer.height;
}
