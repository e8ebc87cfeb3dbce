import {
  app,
  BrowserWindow,
  screen,
  type BrowserWindowConstructorOptions,
  type Rectangle,
} from 'electron';
import { commandsArgument } from './ipc-contract.js';
import { routes } from './routes.js';
import { popoverBounds, windowStyleFor, type WindowStyle } from './window-geometry.js';
import { APP_ENTRY_URL, secureWebPreferences } from './window-security.js';

const POPOVER_SIZE = { width: 420, height: 640 };
/** A tray click right after the popover lost focus to that very click closes it; it must not reopen. */
const REOPEN_GUARD_MS = 250;
const BACKGROUND = '#15171c';

export interface WindowsOptions {
  preload: string;
  platform: NodeJS.Platform;
  /** Where the tray icon is, when the OS says. */
  trayBounds: () => Rectangle | undefined;
  onError: (error: unknown) => void;
}

type ChromeOptions = Omit<BrowserWindowConstructorOptions, 'webPreferences'>;

/** The one place a BrowserWindow is made, so every window has the secure webPreferences. */
function createSecureWindow(chrome: ChromeOptions, preload: string): BrowserWindow {
  return new BrowserWindow({
    ...chrome,
    show: false,
    backgroundColor: BACKGROUND,
    webPreferences: secureWebPreferences(preload, [commandsArgument()]),
  });
}

const CHROME: Record<WindowStyle, ChromeOptions> = {
  popover: {
    ...POPOVER_SIZE,
    frame: false,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    skipTaskbar: true,
    alwaysOnTop: true,
  },
  framed: {
    title: 'Gatekey',
    width: 980,
    height: 720,
    minWidth: 720,
    minHeight: 520,
    autoHideMenuBar: true,
  },
};

/**
 * The renderer in two shapes: a popover by the tray icon and a framed window (Linux, "Open
 * Gatekey", links, notifications). Closing hides to the tray; quitting really closes.
 */
export class AppWindows {
  private readonly open = new Map<WindowStyle, BrowserWindow>();
  private popoverHiddenAt = 0;
  private quitting = false;

  constructor(private readonly options: WindowsOptions) {}

  /** The tray icon was clicked: toggle the popover, or show the framed window where none fits. */
  toggleFromTray(): void {
    if (windowStyleFor(this.options.platform, this.options.trayBounds()) === 'framed')
      return this.show('framed');
    const popover = this.open.get('popover');
    if (popover?.isVisible()) popover.hide();
    else if (Date.now() - this.popoverHiddenAt > REOPEN_GUARD_MS) this.show('popover');
  }

  /** Shows a window, at `route` (a hash such as `#/gateways/acme`) when given. */
  show(style: WindowStyle, route?: string): void {
    const existing = this.open.get(style);
    const window = existing ?? this.create(style, route ?? routes.gateways());
    if (existing && route !== undefined) this.navigate(existing, route);
    if (style === 'popover') this.placeByTray(window);
    if (existing) this.reveal(window);
    else window.once('ready-to-show', () => this.reveal(window));
  }

  /** Sends to every open renderer (core events). */
  broadcast(channel: string, payload: unknown): void {
    for (const window of this.open.values())
      if (!window.isDestroyed()) window.webContents.send(channel, payload);
  }

  /** From now on, closing a window closes it instead of hiding it. */
  prepareToQuit(): void {
    this.quitting = true;
  }

  private create(style: WindowStyle, route: string): BrowserWindow {
    const window = createSecureWindow(CHROME[style], this.options.preload);
    this.open.set(style, window);
    window.on('close', (event) => {
      if (this.quitting) return;
      event.preventDefault();
      window.hide();
    });
    window.on('closed', () => this.open.delete(style));
    window.webContents.on('render-process-gone', () => window.destroy());
    if (style === 'popover')
      window.on('blur', () => {
        this.popoverHiddenAt = Date.now();
        window.hide();
      });
    this.navigate(window, route);
    return window;
  }

  /** A hash change on the loaded page is a same-document navigation: no reload. */
  private navigate(window: BrowserWindow, route: string): void {
    window.loadURL(`${APP_ENTRY_URL}${route}`).catch(this.options.onError);
  }

  private placeByTray(window: BrowserWindow): void {
    const tray = this.options.trayBounds();
    if (!tray) return;
    const { workArea } = screen.getDisplayNearestPoint({ x: tray.x, y: tray.y });
    window.setBounds(popoverBounds(tray, POPOVER_SIZE, workArea));
  }

  private reveal(window: BrowserWindow): void {
    window.show();
    // Without a dock icon (LSUIElement) macOS does not bring the app forward by itself.
    if (this.options.platform === 'darwin') app.focus({ steal: true });
    window.focus();
  }
}
