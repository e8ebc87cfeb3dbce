export const GATEWAY_TABS = ['overview', 'token', 'connect', 'activity'] as const;
export type GatewayTab = (typeof GATEWAY_TABS)[number];

export type Route =
  | { screen: 'gateways' }
  | { screen: 'new-gateway' }
  | { screen: 'gateway'; name: string; tab: GatewayTab }
  | { screen: 'edit-gateway'; name: string }
  | { screen: 'activity' }
  | { screen: 'inspect' };

export type Screen = Route['screen'];

const isGatewayTab = (value: string | undefined): value is GatewayTab =>
  GATEWAY_TABS.some((tab) => tab === value);

/** `#/gateways/acme/token` → the route; anything unknown is the gateways list. */
export function parseRoute(hash: string): Route {
  const [section, name, tab, ...rest] = hash
    .replace(/^#?\/?/, '')
    .split('/')
    .map((part) => decodeURIComponent(part));
  if (rest.length > 0) return { screen: 'gateways' };
  if (section === 'activity' && !name) return { screen: 'activity' };
  if (section === 'inspect' && !name) return { screen: 'inspect' };
  if (section !== 'gateways' || !name) return { screen: 'gateways' };
  if (name === 'new' && !tab) return { screen: 'new-gateway' };
  if (tab === 'edit') return { screen: 'edit-gateway', name };
  if (tab === undefined || isGatewayTab(tab))
    return { screen: 'gateway', name, tab: tab ?? 'overview' };
  return { screen: 'gateways' };
}

export function routeHref(route: Route): string {
  switch (route.screen) {
    case 'gateways':
      return '#/gateways';
    case 'new-gateway':
      return '#/gateways/new';
    case 'gateway': {
      const base = `#/gateways/${encodeURIComponent(route.name)}`;
      return route.tab === 'overview' ? base : `${base}/${route.tab}`;
    }
    case 'edit-gateway':
      return `#/gateways/${encodeURIComponent(route.name)}/edit`;
    case 'activity':
      return '#/activity';
    case 'inspect':
      return '#/inspect';
  }
}

/** The gateway a route is about, if any: the list highlights it. */
export function routeGateway(route: Route): string | undefined {
  return route.screen === 'gateway' || route.screen === 'edit-gateway' ? route.name : undefined;
}
