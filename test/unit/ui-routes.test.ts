import { describe, expect, it } from 'vitest';
import { parseRoute, routeGateway, routeHref, type Route } from '../../src-renderer/app/routes.js';

describe('window routes', () => {
  const routes: Route[] = [
    { screen: 'gateways' },
    { screen: 'new-gateway' },
    { screen: 'gateway', name: 'acme', tab: 'overview' },
    { screen: 'gateway', name: 'acme', tab: 'token' },
    { screen: 'gateway', name: 'acme', tab: 'connect' },
    { screen: 'gateway', name: 'acme', tab: 'activity' },
    { screen: 'edit-gateway', name: 'acme' },
    { screen: 'activity' },
    { screen: 'inspect' },
  ];

  it.each(routes)('round-trips %j through its hash', (route) => {
    expect(parseRoute(routeHref(route))).toEqual(route);
  });

  it('reads the hashes people type or bookmark', () => {
    expect(parseRoute('')).toEqual({ screen: 'gateways' });
    expect(parseRoute('#/')).toEqual({ screen: 'gateways' });
    expect(parseRoute('#/gateways/acme')).toEqual({
      screen: 'gateway',
      name: 'acme',
      tab: 'overview',
    });
    expect(parseRoute('#/gateways/my%20gw/token')).toEqual({
      screen: 'gateway',
      name: 'my gw',
      tab: 'token',
    });
  });

  it('falls back to the list for anything it does not know', () => {
    for (const hash of [
      '#/nowhere',
      '#/gateways/acme/secrets',
      '#/gateways/acme/token/extra',
      '#/activity/x',
    ]) {
      expect(parseRoute(hash)).toEqual({ screen: 'gateways' });
    }
  });

  it('names the gateway a route is about', () => {
    expect(routeGateway({ screen: 'edit-gateway', name: 'acme' })).toBe('acme');
    expect(routeGateway({ screen: 'gateway', name: 'acme', tab: 'token' })).toBe('acme');
    expect(routeGateway({ screen: 'activity' })).toBeUndefined();
  });
});
