/**
 * A gateway's cookies belong to the identity that was signed in when the gateway set them: a
 * session cookie made for one person must not go with the next person's token. Gatekey's jar for
 * a gateway is emptied on sign-out and on every sign-in (a browser sign-in may bring someone
 * else; so may a new client-credentials sign-in), and kept across refreshes, which keep the
 * identity. The real instance: the test IdP, the TokenManager, the keychain and the proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayInput } from '../../src-main/core/gateways/schema.js';
import { startInstance, type RunningInstance } from '../../src-main/core/instance.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { temporaryHome } from '../support/cli.js';
import { completeBrowserLogin } from '../support/headless-browser.js';
import {
  postMcp,
  rpcRequest,
  startRawUpstream,
  type RawUpstream,
} from '../support/proxy-fixtures.js';

let idp: RunningIdp;
let gateway: RawUpstream;
let instance: RunningInstance;
/** Session cookies the gateway handed out so far. */
let sessionsMade = 0;

beforeAll(async () => {
  idp = await startIdp();
  // A gateway that keeps a session per cookie: a request without one gets a new session.
  gateway = await startRawUpstream((request, res) => {
    const id = (JSON.parse(request.body) as { id: number }).id;
    const headers = ['Content-Type', 'application/json'];
    if (!/(^|; )gw_session=/.test(request.headers.cookie ?? ''))
      headers.push('Set-Cookie', `gw_session=user-session-${++sessionsMade}; Path=/; HttpOnly`);
    res.writeHead(200, headers).end(JSON.stringify({ jsonrpc: '2.0', id, result: {} }));
  });
  instance = await startInstance({
    home: await temporaryHome(),
    version: 'test',
    port: 0,
    openBrowser: async (url) => void (await completeBrowserLogin(url)),
    onWarning: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await instance?.close();
  await gateway?.close();
  await idp?.close();
});

/** The Cookie header the gateway received for one request through the proxy. */
async function cookieSentFor(name: string): Promise<string | undefined> {
  const before = gateway.received.length;
  const answer = await postMcp(`${instance.proxyOrigin}/mcp/${name}`, rpcRequest('ping', 1));
  expect(answer.status, answer.body).toBe(200);
  expect(answer.headers['set-cookie']).toBeUndefined();
  expect(gateway.received).toHaveLength(before + 1);
  return gateway.received[before]!.headers.cookie;
}

const definitions: [string, () => { gateway: GatewayInput; clientSecret?: string }][] = [
  [
    'browser sign-in',
    () => ({
      gateway: {
        name: 'person',
        url: `${gateway.url}/mcp`,
        issuer: idp.issuer,
        clientId: idp.clients.publicPkce.clientId,
        tokenEndpointAuthMethod: 'none',
        scopes: ['openid', 'offline_access', 'mcp:tools'],
      },
    }),
  ],
  [
    'client credentials',
    () => ({
      gateway: {
        name: 'machine',
        url: `${gateway.url}/mcp`,
        auth: 'client_credentials',
        issuer: idp.issuer,
        clientId: idp.clients.confidentialBasic.clientId,
        scopes: ['mcp:tools'],
      },
      clientSecret: idp.clients.confidentialBasic.clientSecret,
    }),
  ],
];

describe.each(definitions)("a gateway's cookies and who is signed in (%s)", (_kind, define) => {
  it('are kept across a refresh, and dropped on sign-out and on a new sign-in', async () => {
    const input = define();
    const name = input.gateway.name;
    await instance.api.invoke('gateways.add', input);
    await instance.api.invoke('auth.signIn', { name });

    expect(await cookieSentFor(name)).toBeUndefined();
    const first = await cookieSentFor(name);
    expect(first).toMatch(/^gw_session=user-session-\d+$/);

    // A refresh keeps the identity, so the session goes on.
    await instance.api.invoke('auth.refresh', { name });
    expect(await cookieSentFor(name)).toBe(first);

    // `gatekey logout`, then someone signs in: the gateway must not see the old session.
    await instance.api.invoke('auth.signOut', { name });
    await instance.api.invoke('auth.signIn', { name });
    expect(await cookieSentFor(name)).toBeUndefined();
    const second = await cookieSentFor(name);
    expect(second).toMatch(/^gw_session=user-session-\d+$/);
    expect(second).not.toBe(first);

    // A sign-in without a sign-out before it may bring another identity too.
    await instance.api.invoke('auth.signIn', { name });
    expect(await cookieSentFor(name)).toBeUndefined();
  }, 120_000);
});
