import { app, dialog } from 'electron';
import {
  DEEP_LINK_SCHEME,
  DeepLinkRefused,
  deepLinkRoute,
  findDeepLinkInArgv,
  parseDeepLink,
} from './deep-link-parse.js';

export interface DeepLinkHandlers {
  onLink: (url: string) => void;
  /** Gatekey was launched again without a link: bring the window forward. */
  onSecondLaunch: () => void;
}

/**
 * Receives `gatekey://` links however the OS delivers them: `open-url` on macOS (also at launch,
 * before `ready`), the arguments of a second launch on Windows and Linux, or of this launch.
 * Call before `ready`; this process must hold the single-instance lock.
 */
export function receiveDeepLinks(handlers: DeepLinkHandlers): void {
  registerAsLinkHandler();
  app.on('open-url', (event, url) => {
    event.preventDefault();
    handlers.onLink(url);
  });
  app.on('second-instance', (_event, argv) => {
    const link = findDeepLinkInArgv(argv);
    if (link) handlers.onLink(link);
    else handlers.onSecondLaunch();
  });
  const launchLink = findDeepLinkInArgv(process.argv);
  if (launchLink) handlers.onLink(launchLink);
}

/**
 * Installers register the scheme (Info.plist, the .desktop file); this covers a moved app and
 * Windows. A development run registers nothing: it would point the OS at the bare Electron binary.
 */
function registerAsLinkHandler(): void {
  if (!app.isPackaged || app.isDefaultProtocolClient(DEEP_LINK_SCHEME)) return;
  app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);
}

/** Opens the window the link asks for (it only ever asks); a refused link says why. */
export function openDeepLink(url: string, showRoute: (route: string) => void): void {
  try {
    showRoute(deepLinkRoute(parseDeepLink(url)));
  } catch (error) {
    if (!(error instanceof DeepLinkRefused)) throw error;
    void dialog.showMessageBox({
      type: 'warning',
      title: 'Gatekey',
      message: 'Gatekey did not open this link',
      detail: `${error.message}\n\n${error.hint ?? ''}`,
    });
  }
}
