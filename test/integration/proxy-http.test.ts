import type { IncomingMessage, ServerResponse } from 'node:http';
import { get } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startProxy } from '../../src-main/core/proxy/index.js';
import type { RunningIdp } from '../../src-main/demo/idp.js';
import { startIdp } from '../../src-main/demo/idp.js';
import type { RawUpstream, TestProxy, UpstreamHandler } from '../support/proxy-fixtures.js';
import {
  MCP_POST_HEADERS,
  plainRequest,
  postMcp,
  rpcRequest,
  startRawUpstream,
  startTestProxy,
} from '../support/proxy-fixtures.js';
import type { ClientCredentialsTokens } from '../support/token-provider.js';
import { confidentialClientTokens } from '../support/token-provider.js';

let idp: RunningIdp;
let tokens: ClientCredentialsTokens;
let proxy: TestProxy;
let upstream: RawUpstream | undefined;

beforeAll(async () => {
  idp = await startIdp({ profile: 'generic' });
  tokens = confidentialClientTokens(idp);
  proxy = await startTestProxy({ tokens, upstreamTimeoutMs: 400, maxRetryBodyBytes: 1024 });
});

afterAll(async () => {
  await proxy.close();
  await idp.close();
});

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

async function gatewayTo(
  handler: UpstreamHandler,
  fields: Record<string, unknown> = {},
): Promise<RawUpstream> {
  upstream = await startRawUpstream(handler);
  proxy.addGateway({
    name: 'raw',
    url: `${upstream.url}/mcp`,
    auth: 'client_credentials',
    ...fields,
  });
  return upstream;
}

const answerJson: UpstreamHandler = (_request, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': 'session-1' });
  res.end('{"jsonrpc":"2.0","id":1,"result":{}}');
};

const postRpc = (headers: Record<string, string> = {}, body = rpcRequest('tools/list')) =>
  postMcp(proxy.urlFor('raw'), body, headers);

describe('forwarding', () => {
  it('sends a fresh token and the MCP headers, and strips what the IDE must not pass on', async () => {
    const gateway = await gatewayTo(answerJson, {
      header: 'X-Authorization: Bearer {token}',
      extraHeaders: { 'X-User-Pool-Id': 'pool-7' },
    });
    const answer = await postRpc({
      'Mcp-Session-Id': 'session-1',
      'MCP-Protocol-Version': '2025-11-25',
      'Last-Event-ID': 'event-3',
      Authorization: 'Bearer from-the-ide',
      'X-Authorization': 'forged',
      'X-User-Pool-Id': 'forged',
      Cookie: 'sid=1',
      'Proxy-Authorization': 'Basic eDp5',
      Forwarded: 'for=198.51.100.7',
      'X-Forwarded-For': '198.51.100.7',
      Connection: 'keep-alive, X-Hop',
      'X-Hop': 'hop',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['mcp-session-id']).toBe('session-1');
    expect(JSON.parse(answer.body)).toEqual({ jsonrpc: '2.0', id: 1, result: {} });

    const [received] = gateway.received;
    expect(received!.url).toBe('/mcp');
    expect(received!.body).toBe(rpcRequest('tools/list'));
    expect(received!.headers).toMatchObject({
      host: `127.0.0.1:${gateway.port}`,
      'mcp-session-id': 'session-1',
      'mcp-protocol-version': '2025-11-25',
      'last-event-id': 'event-3',
      accept: MCP_POST_HEADERS.Accept,
      'content-type': 'application/json',
      'x-user-pool-id': 'pool-7',
    });
    expect(received!.headers['x-authorization']).toBe(`Bearer ${await tokens.tokenFor('raw')}`);
    for (const stripped of [
      'authorization',
      'cookie',
      'proxy-authorization',
      'forwarded',
      'x-forwarded-for',
      'x-hop',
    ])
      expect(received!.headers).not.toHaveProperty(stripped);
  });

  it('relays an SSE answer at once: headers, then each event, before the upstream has finished', async () => {
    let stream: ServerResponse | undefined;
    await gatewayTo((_request, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.flushHeaders();
      stream = res;
    });
    const response = await fetch(proxy.urlFor('raw'), {
      method: 'POST',
      headers: MCP_POST_HEADERS,
      body: rpcRequest('tools/call'),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const received: string[] = [];
    for (const n of [1, 2]) {
      stream!.write(`event: message\ndata: {"n":${n}}\n\n`);
      received.push(Buffer.from((await reader.read()).value!).toString());
    }
    stream!.end();
    expect(await reader.read()).toMatchObject({ done: true });
    expect(received).toEqual([
      'event: message\ndata: {"n":1}\n\n',
      'event: message\ndata: {"n":2}\n\n',
    ]);
  });

  it('streams a body too large to keep for a retry, intact', async () => {
    const gateway = await gatewayTo(answerJson);
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { blob: 'z'.repeat(50_000) },
    });
    expect((await postRpc({}, big)).status).toBe(200);
    expect(gateway.received[0]!.body).toBe(big);
    expect(proxy.log.recent({ gateway: 'raw' }).at(-1)).toMatchObject({
      bytesIn: big.length,
      retried: false,
    });
  });

  it('stops reading the upstream while the IDE does not read, and resumes when it does', async () => {
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let written = 0;
    await gatewayTo((_request, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const writeMore = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', writeMore);
        }
        res.end();
      };
      writeMore();
    });
    const response = await new Promise<IncomingMessage>((resolve) =>
      get(proxy.urlFor('raw'), { agent: false }, resolve),
    );
    response.pause();
    // Until the upstream stops: at once when the proxy holds back, after everything when not.
    for (let before = -1; written !== before; await delay(100)) before = written;
    expect(written).toBeLessThan(total / 2);
    let received = 0;
    response.on('data', (data: Buffer) => (received += data.length));
    await new Promise((resolve) => response.on('end', resolve).resume());
    expect(received).toBe(total);
  });

  it('closes the upstream request when the IDE goes away mid-stream', async () => {
    const gateway = await gatewayTo((_request, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(': open\n\n');
    });
    const controller = new AbortController();
    const response = await fetch(proxy.urlFor('raw'), {
      headers: { Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    await response.body!.getReader().read();
    expect(gateway.openConnections()).toBe(1);
    controller.abort();
    await expect.poll(() => gateway.openConnections(), { timeout: 2000 }).toBe(0);
    await expect
      .poll(() => proxy.log.recent({ gateway: 'raw' }).at(-1)?.error)
      .toContain('closed the connection');
  });
});

describe('rejections', () => {
  it('after a 401 gets a new token once and resends the same body', async () => {
    let firstToken: string | undefined;
    const gateway = await gatewayTo((request, res) => {
      firstToken ??= request.headers.authorization;
      if (request.headers.authorization === firstToken) {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }).end();
        return;
      }
      answerJson(request, res, undefined as never);
    });
    const answer = await postRpc();
    expect(answer.status).toBe(200);
    expect(gateway.received).toHaveLength(2);
    expect(gateway.received[1]!.body).toBe(gateway.received[0]!.body);
    expect(gateway.received[1]!.headers.authorization).not.toBe(firstToken);
    expect(proxy.log.recent({ gateway: 'raw' }).at(-1)).toMatchObject({
      status: 200,
      retried: true,
      refreshed: true,
      rpcMethod: 'tools/list',
    });
  });

  it('never answers 401: a JSON-RPC error says what to check and how to sign in, with no WWW-Authenticate', async () => {
    const gateway = await gatewayTo((_request, res) => {
      res.writeHead(401, {
        'WWW-Authenticate':
          'Bearer resource_metadata="http://x/.well-known/oauth-protected-resource"',
      });
      res.end();
    });
    const answer = await postRpc({}, rpcRequest('tools/call', 'call-9', { name: 'echo' }));
    expect(answer.status).toBe(200);
    expect(answer.headers['www-authenticate']).toBeUndefined();
    expect(JSON.parse(answer.body)).toMatchObject({
      jsonrpc: '2.0',
      id: 'call-9',
      error: {
        message:
          'Gateway "raw" rejected two tokens in a row, the second one new: HTTP 401. Run gatekey inspect raw to compare its audience, scopes and expiry with what the gateway expects; if they look right, sign in again: gatekey login raw',
        data: { code: 'token_rejected' },
      },
    });
    expect(gateway.received).toHaveLength(2);

    const stream = await plainRequest(proxy.urlFor('raw'), {
      headers: { Accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(503);
    expect(stream.headers['www-authenticate']).toBeUndefined();
    expect(JSON.parse(stream.body).error.message).toContain('gatekey login raw');
  });

  it('asks for sign-in without contacting the gateway when the token provider needs a person', async () => {
    const gateway = await gatewayTo(answerJson, { name: 'signed-out' });
    tokens.signOut('signed-out');
    const answer = await postMcp(proxy.urlFor('signed-out'), rpcRequest('initialize', 0));
    expect(JSON.parse(answer.body)).toMatchObject({
      id: 0,
      error: {
        message: expect.stringContaining('gatekey login signed-out'),
        data: { code: 'sign_in_required' },
      },
    });
    expect(gateway.received).toHaveLength(0);
  });

  it('passes a 403 insufficient_scope through unchanged, notes the step-up, and does not loop', async () => {
    const challenge = 'Bearer error="insufficient_scope", scope="mcp:admin"';
    const gateway = await gatewayTo((_request, res) => {
      res
        .writeHead(403, { 'WWW-Authenticate': challenge, 'Content-Type': 'text/plain' })
        .end('need admin');
    });
    const answer = await postRpc();
    expect(answer).toMatchObject({ status: 403, body: 'need admin' });
    expect(answer.headers['www-authenticate']).toBe(challenge);
    expect(tokens.stepUps.at(-1)).toEqual({ gateway: 'raw', scopes: ['mcp:admin'] });
    expect(gateway.received).toHaveLength(1);
  });

  it('sends no token to an auth "none" gateway and still hides its 401', async () => {
    const gateway = await gatewayTo(
      (_request, res) => res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end(),
      { auth: 'none' },
    );
    const answer = await postRpc();
    expect(gateway.received[0]!.headers.authorization).toBeUndefined();
    expect(answer.status).toBe(502);
    expect(answer.headers['www-authenticate']).toBeUndefined();
    expect(JSON.parse(answer.body).error.message).toContain('auth "none"');
  });
});

describe('failures', () => {
  it('answers 502 at once, naming the gateway and the cause, when the gateway is down', async () => {
    const gateway = await gatewayTo(answerJson);
    await gateway.close();
    const started = performance.now();
    const answer = await postRpc();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body).error.message).toContain(
      `Gateway "raw" is unreachable: connect ECONNREFUSED 127.0.0.1:${gateway.port}`,
    );
  });

  it('sends a request again, once, when the pooled connection it went out on turns out closed', async () => {
    const served = new WeakSet<Socket>();
    const gateway = await gatewayTo((request, res, req) => {
      // A keep-alive connection the gateway gives up on just as the next request arrives.
      if (served.has(req.socket)) return void req.socket.destroy();
      served.add(req.socket);
      answerJson(request, res, req);
    });
    expect((await postRpc()).status).toBe(200);
    const answer = await postRpc();
    expect(answer.status).toBe(200);
    expect(gateway.received.map((request) => request.body)).toEqual(
      Array(3).fill(rpcRequest('tools/list')),
    );
    expect(proxy.log.recent({ gateway: 'raw' }).at(-1)).toMatchObject({
      status: 200,
      retried: true,
      refreshed: false,
    });
  });

  it('does not send a request again when a new connection closes before the answer', async () => {
    const gateway = await gatewayTo((_request, _res, req) => req.socket.destroy());
    const answer = await postRpc();
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body).error.message).toContain('Gateway "raw" is unreachable');
    expect(gateway.received).toHaveLength(1);
  });

  it('answers 502, not at the deadline, when the gateway switches protocols unasked', async () => {
    await gatewayTo((_request, _res, req) =>
      req.socket.end(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      ),
    );
    const answer = await postRpc();
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body).error.message).toContain(
      'Gateway "raw" answered 101 Switching Protocols',
    );
  });

  it('answers 502 naming the TLS failure when the gateway does not speak TLS', async () => {
    const gateway = await gatewayTo(answerJson);
    proxy.addGateway({
      name: 'tls',
      url: `https://127.0.0.1:${gateway.port}/mcp`,
      auth: 'client_credentials',
    });
    const answer = await postMcp(proxy.urlFor('tls'), '{}');
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body).error.message).toMatch(
      /^Gateway "tls" is unreachable: .*wrong version number/,
    );
  });

  it('answers 504 when the gateway does not answer in time, and drops the connection', async () => {
    const gateway = await gatewayTo(() => {});
    const started = performance.now();
    const answer = await postRpc();
    const elapsed = performance.now() - started;
    expect(answer.status).toBe(504);
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(1500);
    expect(JSON.parse(answer.body).error.message).toContain('did not start answering within 0.4 s');
    await expect.poll(() => gateway.openConnections()).toBe(0);
  });

  it('forwards alike when node:http takes the request (here for its Expect: 100-continue)', async () => {
    const gateway = await gatewayTo(answerJson);
    const answer = await postRpc({
      Expect: '100-continue',
      'Mcp-Session-Id': 'session-1',
      Authorization: 'Bearer from-the-ide',
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    const [received] = gateway.received;
    expect(received!.body).toBe(rpcRequest('tools/list'));
    expect(received!.headers.authorization).toBe(`Bearer ${await tokens.tokenFor('raw')}`);
    expect(received!.headers['mcp-session-id']).toBe('session-1');
    expect(received!.headers).not.toHaveProperty('expect');
    expect(proxy.log.recent({ gateway: 'raw' }).at(-1)).toMatchObject({
      rpcMethod: 'tools/list',
      status: 200,
    });
  });

  it('sends no token that could break the request apart, and says why', async () => {
    const forged = 'token\r\nX-Injected: 1';
    const malformed = await startTestProxy({
      tokens: {
        cachedToken: () => forged,
        tokenFor: async () => forged,
        tokenAfterRejection: async () => forged,
        recordStepUp: () => {},
        onIdentityChange: () => () => {},
      },
    });
    try {
      const gateway = await gatewayTo(answerJson);
      malformed.addGateway(proxy.gateways.get('raw')!);
      const answer = await postMcp(malformed.urlFor('raw'), rpcRequest('tools/list'));
      expect(answer.status).toBe(502);
      const { error } = JSON.parse(answer.body);
      expect(error.message).toContain('characters no HTTP header can carry');
      expect(answer.body).not.toContain(forged);
      expect(gateway.received).toEqual([]);
    } finally {
      await malformed.close();
    }
  });

  it('refuses plain http off loopback before fetching a token', async () => {
    proxy.addGateway({
      name: 'cleartext',
      url: 'http://gateway.invalid/mcp',
      auth: 'client_credentials',
    });
    const issued = tokens.issued;
    const answer = await postMcp(proxy.urlFor('cleartext'), '{}');
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body).error.message).toContain('plain http');
    expect(tokens.issued).toBe(issued);
  });

  it('answers 404 for an unknown gateway, saying how to add one', async () => {
    const answer = await postMcp(proxy.urlFor('nope'), '{}');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body).error.message).toContain('gatekey add nope --url');
  });

  it('has no OAuth metadata for a client to start a flow with', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp/raw',
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
    ])
      expect((await plainRequest(proxy.url + path)).status).toBe(404);
  });
});

describe('startProxy', () => {
  it('closes its keep-alive connections to the gateways when it closes', async () => {
    const own = await startTestProxy({ tokens });
    const gateway = await gatewayTo(answerJson);
    own.addGateway(proxy.gateways.get('raw')!);
    const answer = await postMcp(own.urlFor('raw'), rpcRequest('ping'));
    expect(answer.status).toBe(200);
    expect(gateway.openConnections()).toBe(1);
    await own.close();
    await expect.poll(() => gateway.openConnections()).toBe(0);
  });

  it('says which port is taken and how to choose another', async () => {
    await expect(
      startProxy({ port: proxy.port, gateways: new Map(), tokens }),
    ).rejects.toMatchObject({
      code: 'port_in_use',
      message: expect.stringContaining(`Port ${proxy.port} on 127.0.0.1 is already in use`),
      hint: expect.stringContaining('gatekey serve --port <n>'),
    });
  });
});

describe('localhost safety', () => {
  it('refuses a foreign Host or Origin before any token is fetched or the gateway sees anything', async () => {
    const gateway = await gatewayTo(answerJson);
    const issued = tokens.issued;
    const attacks: Record<string, string>[] = [
      { Host: `attacker.example:${proxy.port}` },
      { Host: `127.0.0.1:${proxy.port + 1}` },
      { Origin: 'https://attacker.example' },
      { 'Sec-Fetch-Site': 'cross-site' },
    ];
    for (const headers of attacks) {
      const answer = await postRpc(headers);
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('Refused');
    }
    await delay(50);
    expect(gateway.received).toHaveLength(0);
    expect(tokens.issued).toBe(issued);
    expect(
      proxy.log
        .recent({ gateway: 'raw', status: 'error' })
        .slice(-4)
        .map((e) => e.status),
    ).toEqual([403, 403, 403, 403]);
  });

  it('lets an allowed browser origin in, with CORS', async () => {
    const allowed = await startTestProxy({
      tokens,
      allowedOrigins: () => ['http://localhost:5173'],
    });
    try {
      await gatewayTo(answerJson);
      allowed.addGateway(proxy.gateways.get('raw')!);
      const preflight = await plainRequest(allowed.urlFor('raw'), {
        method: 'OPTIONS',
        headers: {
          Origin: 'http://localhost:5173',
          'Access-Control-Request-Headers': 'content-type, mcp-session-id',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-headers']).toBe(
        'content-type, mcp-session-id',
      );
      const answer = await postMcp(allowed.urlFor('raw'), rpcRequest('ping'), {
        Origin: 'http://localhost:5173',
      });
      expect(answer.status).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      expect(answer.headers['access-control-expose-headers']).toContain('Mcp-Session-Id');
    } finally {
      await allowed.close();
    }
  });

  it('keeps tokens out of the request log', async () => {
    await gatewayTo(answerJson);
    await postRpc();
    const token = await tokens.tokenFor('raw');
    expect(JSON.stringify(proxy.log.recent())).not.toContain(token);
  });
});
