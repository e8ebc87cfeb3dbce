/**
 * Where the tray, notifications and deep links open the window: hashes built by the route module
 * the renderer reads them with.
 */
import { routeHref, type GatewayDraft } from '../core/api/routes.js';

export const routes = {
  gateways: () => routeHref({ screen: 'gateways' }),
  gateway: (name: string) => routeHref({ screen: 'gateway', name, tab: 'overview' }),
  /** The token tab: decoded claims, signature check, diagnostics. */
  inspector: (name: string) => routeHref({ screen: 'gateway', name, tab: 'token' }),
  /** The gateway screen with a "Sign in?" prompt: the person decides, nothing opens by itself. */
  signInPrompt: (name: string) => routeHref({ screen: 'sign-in-prompt', name }),
  /** The add form prefilled from a link's gateway; nothing is saved until the person adds it. */
  addGateway: (draft: GatewayDraft) => routeHref({ screen: 'add-from-link', draft }),
};
