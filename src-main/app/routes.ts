/**
 * The renderer's screens as hash routes, so that the tray, notifications and deep links open the
 * window at the right place. They follow src-renderer/app/routes.ts.
 */
const gatewayPath = (name: string) => `#/gateways/${encodeURIComponent(name)}`;

export const routes = {
  gateways: () => '#/gateways',
  gateway: gatewayPath,
  /** The token tab: decoded claims, signature check, diagnostics. */
  inspector: (name: string) => `${gatewayPath(name)}/token`,
  /** The gateway screen with a "Sign in?" prompt: the person decides, nothing opens by itself. */
  signInPrompt: (name: string) => `${gatewayPath(name)}?ask=sign-in`,
  /** The confirmation screen for a gateway published as a link, prefilled from its parameters. */
  addGateway: (query: URLSearchParams) => `#/add?${query.toString()}`,
};
