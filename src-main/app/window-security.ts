/**
 * The Electron security checklist as plain functions: what every window is created with, what the
 * renderer may load, where it may navigate, which URLs may leave for the system browser, and
 * which page may call the core. windows.ts, app-protocol.ts and ipc.ts apply them.
 */
import path from 'node:path';
import type { WebPreferences } from 'electron';
export { RENDERER_CSP, RENDERER_HEADERS } from '../core/renderer-policy.js';

/** The renderer is served from a privileged custom scheme, not file://, so 'self' means our files. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'gatekey';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** The only permission the renderer gets: writing to the clipboard (copy a local URL). */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

/** webPreferences for every window: isolated, sandboxed, no Node, only the preload's bridge. */
export function secureWebPreferences(
  preload: string,
  additionalArguments: string[],
): WebPreferences {
  return {
    preload,
    additionalArguments,
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
  };
}

const parse = (url: string | undefined) => (url && URL.canParse(url) ? new URL(url) : undefined);

/** Any URL of the app's own origin (what permission checks receive). */
export function isAppOrigin(url: string | undefined): boolean {
  const parsed = parse(url);
  return parsed?.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
}

/** The renderer's page itself, with any hash: the only page allowed to call the core. */
export function isAppPage(url: string | undefined): boolean {
  const parsed = parse(url);
  return (
    parsed !== undefined &&
    isAppOrigin(url) &&
    (parsed.pathname === '/' || parsed.pathname === '/index.html') &&
    parsed.search === ''
  );
}

/**
 * The URL to hand to the system browser, or undefined when it must not leave the app: only
 * http(s), never file:, javascript:, custom schemes or anything unparsable.
 */
export function externalBrowserUrl(url: string): string | undefined {
  const parsed = parse(url);
  return parsed && (parsed.protocol === 'https:' || parsed.protocol === 'http:')
    ? parsed.href
    : undefined;
}

export function isPermissionAllowed(
  permission: string,
  requestingUrl: string | undefined,
): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppOrigin(requestingUrl);
}

/**
 * The file under `rendererDir` that an `app://gatekey/…` request asks for, or undefined for
 * another host or a path that climbs out of the directory.
 */
export function rendererFile(rendererDir: string, requestUrl: string): string | undefined {
  const parsed = parse(requestUrl);
  if (!parsed || !isAppOrigin(requestUrl)) return undefined;
  const relative = safeDecode(parsed.pathname === '/' ? '/index.html' : parsed.pathname);
  if (relative === undefined || relative.includes('\0')) return undefined;
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${relative}`);
  return file.startsWith(root + path.sep) ? file : undefined;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
