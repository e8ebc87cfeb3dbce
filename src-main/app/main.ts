/**
 * The Electron entry point: one instance per user, no dock icon, `gatekey://` links, and a clean
 * shutdown (the core closes its sockets and persists tokens before the process exits).
 */
import path from 'node:path';
import { app, dialog } from 'electron';
import { describeError } from '../core/errors.js';
import { resolveHome } from '../core/paths.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { Controller, type Log } from './controller.js';
import { receiveDeepLinks } from './deep-links.js';
import { guardAllWebContents } from './guards.js';

const APP_USER_MODEL_ID = 'dev.gatekey.app';
/** A core that cannot close in this time (a stuck socket) does not keep the process alive. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

const log: Log = (message, error) =>
  console.error(`gatekey: ${message}${error === undefined ? '' : `: ${describeError(error)}`}`);

/** `<app> --stdio <name>`: Claude Desktop's entry runs the app itself as the stdio bridge. */
const STDIO_FLAG = '--stdio';
const stdioGateway = process.argv[process.argv.indexOf(STDIO_FLAG) + 1];

if (process.argv.includes(STDIO_FLAG)) relayStdioAndQuit(stdioGateway);
else startTrayApp();

function startTrayApp(): void {
  const home = resolveHome();
  // A profile other than the default (GATEKEY_HOME: tests, a second account) is an app of its own:
  // its own single-instance lock and Chromium data, so it runs beside the default one.
  if (process.env.GATEKEY_HOME) app.setPath('userData', path.join(home, 'electron'));
  registerAppScheme();
  if (app.requestSingleInstanceLock()) launch(home);
  else app.quit();
}

/** No lock, tray or window: the bridge (the CLI's own) until stdin ends, then quit. */
function relayStdioAndQuit(name: string | undefined): void {
  if (name === undefined || name.startsWith('-')) {
    log(`${STDIO_FLAG} needs a gateway name: ${STDIO_FLAG} <name>`);
    app.exit(2);
    return;
  }
  import('../cli/commands/serve.js')
    .then(({ relayStdio }) => relayStdio({}, name))
    .then(
      () => app.exit(0),
      (error: unknown) => {
        log('the stdio bridge stopped', error);
        app.exit(1);
      },
    );
}

function launch(home: string): void {
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  const controller = app
    .whenReady()
    .then(() => startController(home))
    .catch((error: unknown) => {
      dialog.showErrorBox('Gatekey could not start', describeError(error));
      app.exit(1);
      return undefined;
    });
  receiveDeepLinks({
    onLink: (url) => void controller.then((ready) => ready?.openLink(url)),
    onSecondLaunch: () => void controller.then((ready) => ready?.showWindow()),
  });
  // A tray app lives on with every window closed.
  app.on('window-all-closed', () => {});
  quitCleanly(controller);
}

async function startController(home: string): Promise<Controller> {
  app.dock?.hide();
  const appRoot = app.getAppPath();
  const rendererDir = path.join(appRoot, 'dist', 'renderer');
  serveRenderer(rendererDir);
  guardAllWebContents((what) => log(`blocked a ${what} away from the Gatekey page`));
  const controller = new Controller(
    {
      home,
      rendererDir,
      trayIconsDir: path.join(appRoot, 'resources', 'tray'),
      preload: path.join(import.meta.dirname, 'preload.cjs'),
    },
    log,
  );
  await controller.start();
  return controller;
}

function quitCleanly(controller: Promise<Controller | undefined>): void {
  let stopped = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void controller
      .then((ready) => ready && withTimeout(ready.stop(), SHUTDOWN_TIMEOUT_MS))
      .catch((error: unknown) => log('shutdown was not clean', error))
      .finally(() => {
        stopped = true;
        app.quit();
      });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`still closing after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
