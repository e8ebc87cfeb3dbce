import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInstanceRecord } from '../../src-main/core/instance-file.js';
import { listenForAuthorizationCallback } from '../../src-main/core/oauth/loopback.js';
import {
  MCP_POST_HEADERS,
  plainRequest,
  postMcp,
  type RawUpstream,
  rpcRequest,
  startRawUpstream,
} from '../support/proxy-fixtures.js';
import { FUZZ_SEED, fuzzFor, Random, rawExchange } from '../support/reliability-fuzz.js';
import { report, startRig, type Rig } from '../support/reliability-rig.js';

const INITIALIZE = rpcRequest('initialize', 1, {
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'attacker', version: '1' },
});

let rig: Rig;
let recorder: RawUpstream;
const random = new Random(FUZZ_SEED);

beforeAll(async () => {
  rig = await startRig({ tokenTtlSeconds: 300 });
  await rig.addMachineGateway('robot');
  recorder = await startRawUpstream((_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const client = rig.idp.clients.confidentialBasic;
  await rig.instance.api.invoke('gateways.add', {
    gateway: {
      name: 'recorder',
      url: `${recorder.url}/mcp`,
      auth: 'client_credentials',
      issuer: rig.idp.issuer,
      clientId: client.clientId,
    },
    clientSecret: client.clientSecret,
  });
});

afterAll(async () => {
  await recorder?.close();
  await rig?.close();
});

describe('who may use the proxy', () => {
  it('refuses a foreign Host or a browser Origin before anything reaches the upstream', async () => {
    const port = rig.instance.port;
    const attacks: Record<string, string>[] = [
      { Host: `evil.example:${port}` },
      { Host: `127.0.0.1:${port + 1}` },
      { Host: `localhost.evil.example:${port}` },
      { Host: `127.0.0.1.nip.io:${port}` },
      { Host: '127.0.0.1' },
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { Origin: `http://127.0.0.1:${port + 1}` },
      { Origin: `http://localhost:${port}.evil.example` },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
    ];
    const upstreamBefore = rig.mcp.requestLog().length;
    const statuses: number[] = [];
    for (const headers of attacks) {
      const response = await postMcp(rig.localUrl('robot'), INITIALIZE, headers);
      statuses.push(response.status);
      expect(response.body, JSON.stringify(headers)).toMatch(/Refused/);
    }
    const preflight = await plainRequest(rig.localUrl('robot'), {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    const withoutHost = await rawExchange(port, ['POST /mcp/robot HTTP/1.0\r\n\r\n'], {
      timeoutMs: 5000,
    });
    statuses.push(preflight.status, withoutHost.status ?? 0);

    expect(statuses.every((status) => status === 403)).toBe(true);
    const reached = rig.mcp.requestLog().length - upstreamBefore;
    expect(reached).toBe(0);
    report('access-foreign-host-origin', {
      attacks: statuses.length,
      refused403: statuses.length,
      reachedUpstream: reached,
    });
  });

  it("never forwards the IDE's own credentials or forwarding claims", async () => {
    const { token } = await rig.instance.api.invoke('tokens.get', { name: 'recorder' });
    await plainRequest(rig.localUrl('recorder'), {
      method: 'POST',
      headers: {
        ...MCP_POST_HEADERS,
        Authorization: 'Bearer attacker-token',
        Cookie: 'session=stolen',
        'Proxy-Authorization': 'Basic eDp5',
        'X-Forwarded-For': '203.0.113.9',
        Forwarded: 'for=203.0.113.9',
      },
      body: INITIALIZE,
    });
    const received = recorder.received.at(-1)!;
    expect(received.headers.authorization).toBe(`Bearer ${token}`);
    for (const name of ['cookie', 'proxy-authorization', 'x-forwarded-for', 'forwarded'])
      expect(received.headers[name], name).toBeUndefined();
    report('access-inbound-credentials', { strippedHeaders: 4, tokenSent: 'gatekey-only' });
  });

  it('keeps the control API to holders of the instance secret, on its own Host and Origin', async () => {
    const { secret } = (await readInstanceRecord(rig.home))!;
    const remove = `${rig.instance.proxyOrigin}/api/gateways.remove`;
    const attempts: { headers?: Record<string, string>; url?: string; expected: number }[] = [
      { expected: 401 },
      {
        headers: { Authorization: 'Bearer wrong-secret-of-the-same-length-0000000000' },
        expected: 401,
      },
      {
        headers: { Authorization: `Basic ${Buffer.from(`x:${secret}`).toString('base64')}` },
        expected: 401,
      },
      { headers: { Authorization: `bearer  ${secret}` }, expected: 401 },
      { headers: { Cookie: `gatekey_session=${secret}` }, expected: 401 },
      { url: `${remove}?secret=${secret}`, expected: 401 },
      {
        headers: { Authorization: `Bearer ${secret}`, Host: `evil.example:${rig.instance.port}` },
        expected: 403,
      },
      {
        headers: { Authorization: `Bearer ${secret}`, Origin: 'https://evil.example' },
        expected: 403,
      },
    ];
    for (const attempt of attempts) {
      const response = await plainRequest(attempt.url ?? remove, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...attempt.headers },
        body: JSON.stringify({ name: 'robot' }),
      });
      expect(response.status, JSON.stringify(attempt)).toBe(attempt.expected);
    }
    const names = (await rig.instance.api.invoke('gateways.list', {})).map(
      (view) => view.gateway.name,
    );
    expect(names).toContain('robot');
    report('access-control-api', {
      attempts: attempts.length,
      refused: attempts.length,
      gatewaysRemoved: 0,
    });
  });
});

describe('the OAuth callback listener', () => {
  const idp = {
    gatewayName: 'work',
    issuer: 'https://idp.example.com',
    step: 'authorization' as const,
  };

  async function listener(expectedState: string) {
    const callback = await listenForAuthorizationCallback({
      redirectUri: 'http://127.0.0.1:0/callback',
      expectedState,
      idp,
    });
    const { port, host } = new URL(callback.redirectUri);
    const exchanged: URL[] = [];
    const outcome = callback
      .receive(async (url) => exchanged.push(url), { timeoutMs: 30_000 })
      .then(
        () => 'signed-in',
        (error: { code?: string }) => error.code ?? 'failed',
      );
    const get = (target: string, hostHeader = host, method = 'GET') =>
      rawExchange(
        Number(port),
        [`${method} ${target} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`],
        { timeoutMs: 5000 },
      );
    return { callback, port: Number(port), host, exchanged, outcome, get };
  }

  it('ignores every request but a GET of its own path, Host and state; a code counts once', async () => {
    const state = 'expected-state-0123456789';
    const { callback, port, host, exchanged, outcome, get } = await listener(state);
    const ignored: number[] = [];
    const iterations = await fuzzFor({ durationMs: 1500 }, random, async (rng) => {
      const query = `?state=${state}&code=stolen-${rng.int(1000)}`;
      const hostilePath = `/${rng.text(rng.int(12), 'callbakCK/.%2e?')}`;
      const attacks = [
        () =>
          get(
            `/callback${query}`,
            rng.pick(['evil.example', `localhost:${port}`, '127.0.0.1', '']),
          ),
        () => get(`/callback${query}`, host, rng.pick(['POST', 'PUT', 'DELETE', 'OPTIONS'])),
        () => get(hostilePath),
        () => get(`/callback?${rng.pick(['', 'foo=bar', 'stat=x', 'iss=x'])}`),
        () =>
          get(
            rng.pick(['http://a:99999/callback', 'http://[/', 'http://evil.example/callback', '*']),
          ),
      ];
      const response = await rng.pick(attacks)();
      ignored.push(response.status ?? 0);
    });
    expect(exchanged).toEqual([]);
    expect(ignored.every((status) => status >= 400 && status < 500)).toBe(true);

    const answer = await get(
      `/callback?state=${state}&code=the-code&iss=${encodeURIComponent(idp.issuer)}&extra=1`,
    );
    expect(answer.status).toBe(200);
    expect(await outcome).toBe('signed-in');
    expect(exchanged.map((url) => url.searchParams.get('code'))).toEqual(['the-code']);
    const replay = await get(`/callback?state=${state}&code=the-code`);
    expect(replay.status).toBe(410);
    await callback.close();
    report('callback-listener', {
      hostileRequests: iterations,
      exchanged: exchanged.length,
      replayStatus: replay.status!,
    });
  });

  it('ends the sign-in on a wrong state, without exchanging its code', async () => {
    const { callback, exchanged, outcome, get } = await listener('expected-state-abcdefghij');
    const forged = await get('/callback?state=forged&code=attacker-code');
    expect(forged.status).toBe(400);
    expect(await outcome).toBe('state_mismatch');
    expect(exchanged).toEqual([]);
    await callback.close();
  });
});
