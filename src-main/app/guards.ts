import { app, session, shell, type WebContents } from 'electron';
import { externalBrowserUrl, isAppPage, isPermissionAllowed } from './window-security.js';

/**
 * Guards every webContents the app ever gets, whichever code created it: no navigation away from
 * the app's page, no new windows, no <webview>, no permission but the clipboard. A link the page
 * tries to leave for (a clicked <a href>, target=_blank) goes to the system browser when it is
 * http(s); anything else is dropped.
 */
export function guardAllWebContents(onBlocked: (what: string) => void): void {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, onBlocked));
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin),
  );
}

function guardWebContents(contents: WebContents, onBlocked: (what: string) => void): void {
  const leaveForBrowser = (url: string, what: string) => {
    const external = externalBrowserUrl(url);
    if (external) void shell.openExternal(external);
    else onBlocked(what);
  };
  contents.on('will-navigate', (event) => {
    if (isAppPage(event.url)) return;
    event.preventDefault();
    leaveForBrowser(event.url, 'navigation');
  });
  // A redirect is no click of the person's: it is stopped, never sent to the browser.
  contents.on('will-redirect', (event) => {
    if (isAppPage(event.url)) return;
    event.preventDefault();
    onBlocked('redirect');
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    onBlocked('webview');
  });
  contents.setWindowOpenHandler(({ url }) => {
    leaveForBrowser(url, 'new window');
    return { action: 'deny' };
  });
}
