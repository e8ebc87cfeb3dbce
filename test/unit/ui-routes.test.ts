import { describe, expect, it } from 'vitest';
import { routes } from '../../src-main/app/routes.js';
import {
  draftFromQuery,
  draftQuery,
  parseRoute,
  routeGateway,
  routeHref,
  type GatewayDraft,
  type Route,
} from '../../src-main/core/api/routes.js';

const GATEWAY_URL = 'https://gw.example.com/mcp';
const FULL_DRAFT: GatewayDraft = {
  url: GATEWAY_URL,
  name: 'acme',
  auth: 'client_credentials',
  issuer: 'https://login.example.com/oauth2/default',
  clientId: '0oa1b2c3',
  scopes: ['openid', 'mcp:tools'],
  audience: 'api://acme',
};

describe('window routes', () => {
  const all: Route[] = [
    { screen: 'gateways' },
    { screen: 'new-gateway' },
    { screen: 'add-from-link', draft: FULL_DRAFT },
    { screen: 'add-from-link', draft: { url: GATEWAY_URL } },
    { screen: 'add-from-link', draft: { url: 'https://gw.example.com/mcp?a=1&b=2#x', name: 'a' } },
    { screen: 'gateway', name: 'acme', tab: 'overview' },
    { screen: 'gateway', name: 'acme', tab: 'token' },
    { screen: 'gateway', name: 'acme', tab: 'connect' },
    { screen: 'gateway', name: 'acme', tab: 'activity' },
    { screen: 'gateway', name: 'new', tab: 'overview' },
    { screen: 'sign-in-prompt', name: 'acme' },
    { screen: 'sign-in-prompt', name: 'my gw?' },
    { screen: 'edit-gateway', name: 'acme' },
    { screen: 'activity' },
    { screen: 'inspect' },
  ];

  it.each(all)('round-trips %j through its hash', (route) => {
    expect(parseRoute(routeHref(route))).toEqual(route);
  });

  it('reads the hashes people type or bookmark', () => {
    expect(parseRoute('')).toEqual({ screen: 'gateways' });
    expect(parseRoute('#/')).toEqual({ screen: 'gateways' });
    expect(parseRoute('#/add')).toEqual({ screen: 'new-gateway' });
    // "new" is a gateway name like any other: the add form lives at #/add.
    expect(parseRoute('#/gateways/new')).toEqual({
      screen: 'gateway',
      name: 'new',
      tab: 'overview',
    });
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

  it('reads the hashes the shell opens the window at', () => {
    expect(parseRoute('#/gateways/acme?ask=sign-in')).toEqual({
      screen: 'sign-in-prompt',
      name: 'acme',
    });
    expect(
      parseRoute(`#/add?url=${encodeURIComponent(GATEWAY_URL)}&name=acme&scope=openid+mcp%20x`),
    ).toEqual({
      screen: 'add-from-link',
      draft: { url: GATEWAY_URL, name: 'acme', scopes: ['openid', 'mcp', 'x'] },
    });
  });

  it('builds the shell’s hashes from the same routes the renderer reads', () => {
    expect(parseRoute(routes.gateways())).toEqual({ screen: 'gateways' });
    expect(parseRoute(routes.gateway('acme'))).toEqual({
      screen: 'gateway',
      name: 'acme',
      tab: 'overview',
    });
    expect(parseRoute(routes.inspector('acme'))).toEqual({
      screen: 'gateway',
      name: 'acme',
      tab: 'token',
    });
    expect(parseRoute(routes.signInPrompt('acme'))).toEqual({
      screen: 'sign-in-prompt',
      name: 'acme',
    });
    expect(parseRoute(routes.addGateway(FULL_DRAFT))).toEqual({
      screen: 'add-from-link',
      draft: FULL_DRAFT,
    });
  });

  it.each([
    '#/nowhere',
    '#/gateways/acme/secrets',
    '#/gateways/acme/token/extra',
    '#/activity/x',
    '#/gateways/%E0%A4%A',
    '#/gateways?ask=sign-in',
    '#/gateways/acme?ask=sign-out',
    '#/gateways/acme?ask=sign-in&then=more',
    '#/gateways/acme/token?ask=sign-in',
    '#/activity?x=1',
    '#/add/extra?url=https://gw.example.com/mcp',
    '#/add?name=acme',
    '#/add?url=https://gw.example.com/mcp&client_secret=s3cr3t',
    '#/add?url=https://gw.example.com/mcp&url=https://other.example.com/mcp',
    '#/add?url=https://gw.example.com/mcp&auth=password',
  ])('falls back to the gateways list for %s', (hash) => {
    expect(parseRoute(hash)).toEqual({ screen: 'gateways' });
  });

  it('names the gateway a route is about', () => {
    expect(routeGateway({ screen: 'edit-gateway', name: 'acme' })).toBe('acme');
    expect(routeGateway({ screen: 'gateway', name: 'acme', tab: 'token' })).toBe('acme');
    expect(routeGateway({ screen: 'sign-in-prompt', name: 'acme' })).toBe('acme');
    expect(routeGateway({ screen: 'add-from-link', draft: FULL_DRAFT })).toBeUndefined();
    expect(routeGateway({ screen: 'activity' })).toBeUndefined();
  });
});

describe('a gateway draft as a query', () => {
  it('uses the link’s parameter names, scope space-separated', () => {
    expect(Object.fromEntries(draftQuery(FULL_DRAFT))).toEqual({
      url: GATEWAY_URL,
      name: 'acme',
      auth: 'client_credentials',
      issuer: 'https://login.example.com/oauth2/default',
      clientId: '0oa1b2c3',
      scope: 'openid mcp:tools',
      audience: 'api://acme',
    });
  });

  it('keeps only what the query said', () => {
    const draft = draftFromQuery(new URLSearchParams({ url: GATEWAY_URL, issuer: '' }));
    expect(draft).toStrictEqual({ url: GATEWAY_URL, issuer: '' });
  });
});
