import { describe, expect, it } from 'vitest';
import type { CookieOrigin } from '../../src-main/core/proxy/cookie-jar.js';
import {
  COOKIE_LIMITS,
  CookieJar,
  defaultCookiePath,
  pathMatches,
} from '../../src-main/core/proxy/cookie-jar.js';

const HTTP: CookieOrigin = { hostname: 'mcp.example.com', secure: false };
const HTTPS: CookieOrigin = { hostname: 'mcp.example.com', secure: true };

/** A jar on a clock the test moves. */
function jarAt(origin: CookieOrigin = HTTPS) {
  const clock = { now: Date.parse('2026-12-04T12:00:00Z') };
  const jar = new CookieJar(origin, () => clock.now);
  return { jar, clock };
}

describe('paths (RFC 6265bis §5.1.4)', () => {
  it('defaults to the directory of the request path', () => {
    expect(defaultCookiePath('/mcp')).toBe('/');
    expect(defaultCookiePath('/')).toBe('/');
    expect(defaultCookiePath('')).toBe('/');
    expect(defaultCookiePath('/v1/mcp')).toBe('/v1');
    expect(defaultCookiePath('/v1/mcp/')).toBe('/v1/mcp');
  });

  it('matches the path itself and what lies below it, not a longer name', () => {
    expect(pathMatches('/mcp', '/mcp')).toBe(true);
    expect(pathMatches('/mcp/messages', '/mcp')).toBe(true);
    expect(pathMatches('/mcp/messages', '/mcp/')).toBe(true);
    expect(pathMatches('/mcpx', '/mcp')).toBe(false);
    expect(pathMatches('/other', '/mcp')).toBe(false);
    expect(pathMatches('/anything', '/')).toBe(true);
  });
});

describe('CookieJar', () => {
  it('sends back what the gateway set, by Path, longest first, without the query', () => {
    const { jar } = jarAt();
    jar.store(['AWSALB=abc; Path=/', 'sid=1; Path=/v1/mcp; HttpOnly'], '/v1/mcp?x=1');
    jar.store(['pref=dark'], '/v1/mcp'); // default path /v1
    expect(jar.headerFor('/v1/mcp?session=2')).toBe('sid=1; pref=dark; AWSALB=abc');
    expect(jar.headerFor('/v1/other')).toBe('pref=dark; AWSALB=abc');
    expect(jar.headerFor('/v1/mcpx')).toBe('pref=dark; AWSALB=abc');
    expect(jar.headerFor('/health')).toBe('AWSALB=abc');
  });

  it('replaces a cookie of the same name and path, in its place', () => {
    const { jar } = jarAt();
    jar.store(['a=1; Path=/', 'b=2; Path=/'], '/mcp');
    jar.store(['a=3; Path=/'], '/mcp');
    expect(jar.headerFor('/mcp')).toBe('a=3; b=2');
    expect(jar.size).toBe(2);
  });

  it('honours Max-Age over Expires, in either order, and forgets what has expired', () => {
    const { jar, clock } = jarAt();
    const inAnHour = new Date(clock.now + 3600_000).toUTCString();
    jar.store([`short=1; Expires=${inAnHour}; Max-Age=60`], '/');
    jar.store([`long=1; Max-Age=60; Expires=${inAnHour}`], '/');
    jar.store([`dated=1; Expires=${inAnHour}`], '/');
    jar.store(['session=1', 'bad=1; Max-Age=soon; Expires=yesterday'], '/');
    expect(jar.headerFor('/')).toBe('short=1; long=1; dated=1; session=1; bad=1');
    clock.now += 61_000;
    expect(jar.headerFor('/')).toBe('dated=1; session=1; bad=1');
    clock.now += 3600_000;
    expect(jar.headerFor('/')).toBe('session=1; bad=1');
    expect(jar.size).toBe(2);
  });

  it('deletes a cookie set again with Max-Age=0 or an Expires in the past', () => {
    const { jar } = jarAt();
    jar.store(['a=1; Path=/', 'b=1; Path=/', 'c=1; Path=/'], '/');
    jar.store(['a=; Max-Age=0; Path=/', 'b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/'], '/');
    jar.store(['c=1; Max-Age=-1; Path=/other'], '/'); // another path: another cookie
    expect(jar.headerFor('/')).toBe('c=1');
    jar.store(['fresh=1; Max-Age=0'], '/');
    expect(jar.size).toBe(1);
  });

  it('keeps and sends Secure cookies over https only', () => {
    const overHttps = jarAt(HTTPS).jar;
    overHttps.store(['AWSALBCORS=x; Path=/; SameSite=None; Secure', 'plain=1'], '/mcp');
    expect(overHttps.headerFor('/mcp')).toBe('AWSALBCORS=x; plain=1');
    const overHttp = jarAt(HTTP).jar;
    overHttp.store(['AWSALBCORS=x; Path=/; SameSite=None; Secure', 'plain=1'], '/mcp');
    expect(overHttp.headerFor('/mcp')).toBe('plain=1');
  });

  it('refuses a Domain that does not cover the gateway, and a prefix whose rule is broken', () => {
    const { jar } = jarAt();
    jar.store(
      [
        'own=1; Domain=mcp.example.com',
        'parent=1; Domain=.Example.com',
        'other=1; Domain=other.example',
        'child=1; Domain=eu.mcp.example.com',
        '__Secure-ok=1; Secure',
        '__Secure-no=1',
        '__Host-ok=1; Secure; Path=/',
        '__Host-domain=1; Secure; Path=/; Domain=mcp.example.com',
        '__Host-path=1; Secure; Path=/mcp',
      ],
      '/mcp',
    );
    expect(jar.headerFor('/mcp')).toBe('own=1; parent=1; __Secure-ok=1; __Host-ok=1');
    const onAddress = jarAt({ hostname: '10.0.0.7', secure: true }).jar;
    onAddress.store(['x=1; Domain=0.0.7', 'y=1; Domain=10.0.0.7'], '/');
    expect(onAddress.headerFor('/')).toBe('y=1');
  });

  it('refuses nameless, oversized and control-character cookies', () => {
    const { jar } = jarAt();
    const big = 'v'.repeat(COOKIE_LIMITS.maxCookieBytes);
    jar.store(['novalue', '=1', `big=${big}`, 'ctl=a\u0001b', 'ok="quoted value"'], '/');
    expect(jar.headerFor('/')).toBe('ok="quoted value"');
  });

  it(`holds at most ${COOKIE_LIMITS.maxCookies} cookies, the oldest go first`, () => {
    const { jar } = jarAt();
    const many = Array.from({ length: COOKIE_LIMITS.maxCookies + 5 }, (_, i) => `c${i}=${i}`);
    jar.store(many, '/');
    expect(jar.size).toBe(COOKIE_LIMITS.maxCookies);
    const sent = jar.headerFor('/')!.split('; ');
    expect(sent[0]).toBe('c5=5');
    expect(sent.at(-1)).toBe(`c${COOKIE_LIMITS.maxCookies + 4}=${COOKIE_LIMITS.maxCookies + 4}`);
  });

  it('puts a configured Cookie first, in the one header, and sends it alone when empty', () => {
    const jar = new CookieJar({ ...HTTPS, configured: 'tenant=acme' });
    expect(jar.headerFor('/mcp')).toBe('tenant=acme');
    jar.store(['AWSALB=abc; Path=/'], '/mcp');
    expect(jar.headerFor('/mcp')).toBe('tenant=acme; AWSALB=abc');
    expect(new CookieJar(HTTPS).headerFor('/mcp')).toBeUndefined();
  });

  it('forgets what the gateway set on clear, and keeps the configured Cookie', () => {
    const jar = new CookieJar({ ...HTTPS, configured: 'tenant=acme' });
    jar.store(['gw_session=alice; Path=/'], '/mcp');
    jar.clear();
    expect(jar.size).toBe(0);
    expect(jar.headerFor('/mcp')).toBe('tenant=acme');
  });
});
