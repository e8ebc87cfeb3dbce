import os from 'node:os';
import { app, clipboard, dialog, net, powerMonitor, shell } from 'electron';
import type { ApiEvent } from '../core/api/contract.js';
import { describeError, GatekeyError } from '../core/errors.js';
import { startInstance, type RunningInstance } from '../core/instance.js';
import { startDemoServers, type DemoServers } from '../demo/demo.js';
import { debounce } from './debounce.js';
import { openDeepLink } from './deep-links.js';
import { EVENT_CHANNEL } from './ipc-contract.js';
import { serveCommandsOverIpc } from './ipc.js';
import { Notifier } from './notifications.js';
import { routes } from './routes.js';
import { revalidateOnWake } from './system-events.js';
import { GatekeyTray } from './tray.js';
import { TrayGateways, type TrayAction, type TrayMenuInput } from './tray-model.js';
import { externalBrowserUrl } from './window-security.js';
import { AppWindows } from './windows.js';

/** Status events come in bursts (a refresh is two or three); the tray redraws once per burst. */
const TRAY_REDRAW_DELAY_MS = 150;

export interface ControllerPaths {
  /** The profile directory (config, runtime files). */
  home: string;
  rendererDir: string;
  trayIconsDir: string;
  preload: string;
}

export type Log = (message: string, error?: unknown) => void;

/**
 * Claude Desktop runs this very app as its stdio bridge (main.ts handles `--stdio`). Unpackaged
 * (`electron .`), the executable is Electron itself, which needs the app folder first.
 */
function stdioBridgeCommand(): { command: string; args: string[] } {
  const appFolder = app.isPackaged ? [] : [app.getAppPath()];
  return { command: process.execPath, args: [...appFolder, '--stdio'] };
}

/**
 * The tray app around one running core: the core owns the tokens; this keeps the tray, the
 * windows and the notifications in step with its events, and turns clicks into commands.
 */
export class Controller {
  private instance: RunningInstance | undefined;
  /** The embedded demo IdP and MCP server, once the user asked for the demo gateway. */
  private demo: Promise<DemoServers> | undefined;
  private startupError: string | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private unfollow: (() => void)[] = [];
  private readonly gateways = new TrayGateways();
  private readonly platform = process.platform;
  private readonly tray: GatekeyTray;
  private readonly windows: AppWindows;
  private readonly notifier = new Notifier((route) => this.showWindow(route));
  private readonly redrawTray = debounce(
    () => void this.tray.refresh(),
    TRAY_REDRAW_DELAY_MS,
    (error) => this.log('tray redraw failed', error),
  );
  private readonly reloadGateways = debounce(
    async () => void (await this.loadGateways()),
    TRAY_REDRAW_DELAY_MS,
    (error) => this.log('could not list the gateways', error),
  );

  constructor(
    private readonly paths: ControllerPaths,
    private readonly log: Log,
  ) {
    this.tray = new GatekeyTray({
      iconsDir: paths.trayIconsDir,
      platform: this.platform,
      state: () => this.trayState(),
      onAction: (action) => this.run(action),
      onClick: () => this.windows.toggleFromTray(),
    });
    this.windows = new AppWindows({
      preload: paths.preload,
      platform: this.platform,
      trayBounds: () => this.tray.bounds(),
      onError: (error) => this.log('the window could not load', error),
    });
  }

  /** Starts the core; a failure (port in use, keychain locked) leaves the tray in an error state. */
  start(): Promise<void> {
    this.starting ??= this.startCore().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Closes the core (sockets closed, tokens persisted) and everything that followed it. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.windows.prepareToQuit();
      this.stopFollowing();
      await this.instance?.close();
      await (await this.demo?.catch(() => undefined))?.close();
      this.tray.destroy();
    })();
    return this.stopping;
  }

  /** The framed window at `route`; while the core is down, the reason instead. */
  showWindow(route?: string): void {
    if (this.instance) this.windows.show('framed', route);
    else void this.explainStartupError();
  }

  openLink(url: string): void {
    openDeepLink(url, (route) => this.showWindow(route));
  }

  private async startCore(): Promise<void> {
    let instance: RunningInstance;
    try {
      instance = await startInstance({
        home: this.paths.home,
        version: app.getVersion(),
        uiDir: this.paths.rendererDir,
        openBrowser: openInSystemBrowser,
        stdioCommand: stdioBridgeCommand(),
        onWarning: (message) => this.log(message),
        startDemo: async () => {
          this.demo ??= startDemoServers().catch((error: unknown) => {
            this.demo = undefined;
            throw error;
          });
          return (await this.demo).machineGateway();
        },
      });
    } catch (error) {
      this.startupError = describeError(error);
      this.tray.refresh();
      void this.explainStartupError();
      return;
    }
    this.instance = instance;
    this.startupError = undefined;
    this.follow(instance);
    try {
      if ((await this.loadGateways()) === 0) this.showWindow(routes.gateways());
    } catch (error) {
      this.log('could not list the gateways', error);
      this.tray.refresh();
    }
  }

  private follow(instance: RunningInstance): void {
    this.unfollow = [
      instance.api.subscribe((event) => this.onCoreEvent(event)),
      serveCommandsOverIpc(instance.api),
      revalidateOnWake(powerMonitor, () => instance.tokens.revalidate(), {
        network: {
          source: { interfaces: () => os.networkInterfaces(), isOnline: () => net.isOnline() },
        },
        onError: (error) => this.log('revalidation after wake-up or network change failed', error),
      }),
      () => this.redrawTray.cancel(),
      () => this.reloadGateways.cancel(),
    ];
  }

  private stopFollowing(): void {
    for (const stop of this.unfollow.splice(0)) stop();
  }

  private onCoreEvent(event: ApiEvent): void {
    this.windows.broadcast(EVENT_CHANNEL, event);
    if (event.type === 'gateways') this.reloadGateways.trigger();
    if (event.type !== 'status') return;
    this.notifier.observe(event.status);
    if (this.gateways.applyStatus(event.status)) this.redrawTray.trigger();
    else this.reloadGateways.trigger();
  }

  /** Reads the gateway list into the tray; returns how many there are. */
  private async loadGateways(): Promise<number> {
    const views = (await this.instance?.api.invoke('gateways.list', {})) ?? [];
    this.gateways.replaceAll(views);
    this.notifier.track(views.map((view) => view.status));
    this.tray.refresh();
    return views.length;
  }

  private trayState(): TrayMenuInput {
    return {
      gateways: this.gateways.list(),
      now: Date.now(),
      startAtLogin: this.platform === 'linux' ? undefined : app.getLoginItemSettings().openAtLogin,
      startupError: this.startupError,
    };
  }

  private run(action: TrayAction): void {
    switch (action.type) {
      case 'sign-in':
        return this.command('auth.signIn', action.gateway);
      case 'refresh':
        return this.command('auth.refresh', action.gateway);
      case 'copy-url':
        return clipboard.writeText(this.gateways.get(action.gateway)?.localUrl ?? '');
      case 'open-inspector':
        return this.showWindow(routes.inspector(action.gateway));
      case 'open-window':
        return this.showWindow();
      case 'toggle-start-at-login':
        app.setLoginItemSettings({ openAtLogin: !app.getLoginItemSettings().openAtLogin });
        return void this.tray.refresh();
      case 'retry-start':
        return void this.start();
      case 'quit':
        return app.quit();
    }
  }

  /** A tray click: its outcome shows as status events; a failure is logged, not thrown. */
  private command(command: 'auth.signIn' | 'auth.refresh', name: string): void {
    this.instance?.api
      .invoke(command, { name })
      .catch((error: unknown) => this.log(`${command} for ${name} failed`, error));
  }

  private async explainStartupError(): Promise<void> {
    const { response } = await dialog.showMessageBox({
      type: 'error',
      title: 'Gatekey',
      message: 'Gatekey could not start',
      detail: this.startupError,
      buttons: ['Try Again', 'Later', 'Quit'],
      defaultId: 0,
      cancelId: 1,
    });
    if (response === 0) void this.start();
    if (response === 2) app.quit();
  }
}

/** The core's sign-in hands its authorization URL here; only http(s) reaches the browser. */
async function openInSystemBrowser(url: string): Promise<void> {
  const external = externalBrowserUrl(url);
  if (!external)
    throw new GatekeyError(
      'idp_error',
      `Expected an http(s) authorization URL from the identity provider; got ${URL.canParse(url) ? `a ${new URL(url).protocol} URL` : 'no URL at all'}.`,
      "Check the authorization_endpoint in the provider's metadata.",
    );
  await shell.openExternal(external);
}
