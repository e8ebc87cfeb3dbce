import { createBridgeClient } from './bridge-transport.js';
import { createHttpClient } from './http-transport.js';
import type { RendererApi } from './renderer-api.js';
import type { GatekeyBridge } from './types.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser dashboard. */
    gatekey?: GatekeyBridge;
  }
}

/** The transport this window has: Electron IPC when the preload provides it, else HTTP. */
export function createApiClient(): RendererApi {
  return window.gatekey ? createBridgeClient(window.gatekey) : createHttpClient();
}
