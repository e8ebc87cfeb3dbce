import { describe, expect, it } from 'vitest';
import type { Gateway } from '../../src-main/core/gateways/schema.js';
import { GatewaySchema } from '../../src-main/core/gateways/schema.js';
import { isProxyPath, routeProxyPath } from '../../src-main/core/proxy/routes.js';
import { proxyPathFor, upstreamPath, UpstreamPool } from '../../src-main/core/proxy/upstream.js';

const gateway = (fields: Partial<Gateway> & { url: string }): Gateway =>
  GatewaySchema.parse({ name: 'g', ...fields });

describe('routeProxyPath', () => {
  it('splits /mcp/<gateway>[/<rest>][?<query>]', () => {
    expect(routeProxyPath('/mcp/github')).toEqual({
      kind: 'gateway',
      gateway: 'github',
      rest: '',
      query: '',
    });
    expect(routeProxyPath('/mcp/legacy/messages?sessionId=1')).toEqual({
      kind: 'gateway',
      gateway: 'legacy',
      rest: '/messages',
      query: '?sessionId=1',
    });
    expect(routeProxyPath('/mcp/')).toEqual({ kind: 'no-gateway' });
  });

  it('claims the OAuth discovery documents, at the root and under a gateway, to deny them', () => {
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp/github',
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/mcp/github/.well-known/oauth-authorization-server',
    ]) {
      expect(routeProxyPath(path)).toEqual({ kind: 'auth-metadata' });
      expect(isProxyPath(path)).toBe(true);
    }
    expect(isProxyPath('/.well-known/security.txt')).toBe(false);
    expect(isProxyPath('/api/events')).toBe(false);
  });
});

describe('upstream paths', () => {
  const pool = new UpstreamPool({ marker: 'this-proxy', port: () => 7421 });
  const target = pool.targetFor(gateway({ url: 'https://gw.example/team/sse?tenant=1' }));

  it('maps /mcp/<gateway> to the gateway URL and a longer path to the gateway origin', () => {
    expect(upstreamPath(target, '', '')).toBe('/team/sse?tenant=1');
    expect(upstreamPath(target, '', '?x=2')).toBe('/team/sse?tenant=1&x=2');
    expect(upstreamPath(target, '/team/messages', '?sessionId=9')).toBe(
      '/team/messages?sessionId=9',
    );
  });

  it('maps an upstream URL back to a proxy path only on the gateway origin', () => {
    expect(proxyPathFor(target, 'g', new URL('https://gw.example/team/messages?s=1'))).toBe(
      '/mcp/g/team/messages?s=1',
    );
    expect(proxyPathFor(target, 'g', new URL('https://gw.example/team/sse?tenant=1'))).toBe(
      '/mcp/g',
    );
    expect(
      proxyPathFor(target, 'g', new URL('https://elsewhere.example/messages')),
    ).toBeUndefined();
  });

  it('prepares the header template, extra headers and the Host once per gateway', () => {
    const custom = pool.targetFor(
      gateway({
        url: 'https://gw.example:8443/mcp',
        header: 'X-Authorization: Token {token}',
        extraHeaders: { 'X-User-Pool-Id': 'pool-1' },
      }),
    );
    expect(custom.credential).toEqual({ name: 'X-Authorization', valueParts: ['Token ', ''] });
    expect(custom.fixedHeaders).toEqual([
      'Host',
      'gw.example:8443',
      'X-User-Pool-Id',
      'pool-1',
      'gatekey-via',
      'this-proxy',
    ]);
    expect([...custom.ownHeaderNames].sort()).toEqual([
      'host',
      'x-authorization',
      'x-user-pool-id',
    ]);
    expect(
      pool.targetFor(gateway({ url: 'https://gw.example/mcp', auth: 'none' })).credential,
    ).toBeUndefined();
  });

  it('prepares a target once per definition, which the copies a store hands out share', () => {
    const definition = gateway({ url: 'https://gw.example/mcp' });
    const prepared = pool.targetFor(definition);
    expect(pool.targetFor(structuredClone(definition))).toBe(prepared);
    const moved = pool.targetFor({ ...definition, url: 'https://moved.example/mcp' });
    expect(moved).not.toBe(prepared);
    expect(moved.origin).toBe('https://moved.example');
  });

  it('refuses plain http off loopback unless allowHttp', () => {
    expect(
      pool.targetFor(gateway({ url: 'http://gw.example/mcp' })).refusal?.problem.message,
    ).toContain('plain http');
    expect(
      pool.targetFor(gateway({ url: 'http://gw.example/mcp', allowHttp: true })).refusal,
    ).toBeUndefined();
    for (const url of ['http://127.0.0.1:9/mcp', 'http://localhost:9/mcp', 'http://[::1]:9/mcp'])
      expect(pool.targetFor(gateway({ url })).refusal).toBeUndefined();
  });

  it("refuses a gateway on the proxy's own port, by any name that reaches it", () => {
    for (const host of [
      '127.0.0.1',
      'localhost',
      'LOCALHOST',
      '[::1]',
      '0.0.0.0',
      '[::ffff:127.0.0.1]',
    ])
      expect(
        pool.targetFor(gateway({ url: `http://${host}:7421/mcp/x` })).refusal?.status,
        host,
      ).toBe(508);
    expect(pool.targetFor(gateway({ url: 'http://127.0.0.1:7422/mcp' })).refusal).toBeUndefined();
  });
});
