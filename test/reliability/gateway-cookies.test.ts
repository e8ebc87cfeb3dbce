/**
 * Cookies a gateway sets. An IDE's HTTP client keeps one cookie jar per host, so a `Set-Cookie`
 * relayed on `http://127.0.0.1:<port>/mcp/<gw>` lands in the jar of 127.0.0.1 (every gateway,
 * every local web app); and since the IDE's `Cookie` is never forwarded, a gateway that needs its
 * cookies back (a load balancer's stickiness cookie, a session-affinity cookie) never got them.
 * Gatekey keeps one jar per gateway instead: what a gateway sets goes back to that gateway only,
 * and nothing cookie-shaped crosses the proxy in either direction. Both request paths are used:
 * the fast path (HTTP/1.1) and node:http (an HTTP/1.0 client is handed over to it).
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdp } from '../../src-main/demo/idp.js';
import { startIdp } from '../../src-main/demo/idp.js';
import type { RawUpstream, ReceivedRequest, TestProxy } from '../support/proxy-fixtures.js';
import {
  postMcp,
  rpcRequest,
  startRawUpstream,
  startTestProxy,
} from '../support/proxy-fixtures.js';
import { rawExchange } from '../support/reliability-fuzz.js';
import { report } from '../support/reliability-rig.js';
import { confidentialClientTokens } from '../support/token-provider.js';

const WEEK_MS = 7 * 24 * 3600 * 1000;

/** The value of cookie `name` in a request's Cookie header, if it is there. */
function cookieIn(request: ReceivedRequest, name: string): string | undefined {
  const header = request.headers.cookie ?? '';
  for (const pair of header.split('; ')) {
    const [pairName, value] = pair.split('=');
    if (pairName === name) return value;
  }
  return undefined;
}

function answerJson(res: ServerResponse, status: number, body: object, headers: string[] = []) {
  res.writeHead(status, ['Content-Type', 'application/json', ...headers]);
  res.end(JSON.stringify(body));
}

/**
 * A load balancer in front of two MCP backends, as AWS ALB does it: a request without its
 * stickiness cookie goes to the next backend in turn and the answer sets `AWSALB` (and
 * `AWSALBCORS`, Secure) to that backend; with the cookie it goes back to the same backend. An MCP
 * session lives on the backend that made it: the other one answers 404, session not found.
 */
function albHandler() {
  const sessions = [new Set<string>(), new Set<string>()];
  let next = 0;
  return (request: ReceivedRequest, res: ServerResponse) => {
    const sticky = cookieIn(request, 'AWSALB');
    const backend = sticky === undefined ? next++ % 2 : Number(sticky.slice('backend-'.length));
    const expires = new Date(Date.now() + WEEK_MS).toUTCString();
    const stickiness = [
      'Set-Cookie',
      `AWSALB=backend-${backend}; Expires=${expires}; Path=/`,
      'Set-Cookie',
      `AWSALBCORS=backend-${backend}; Expires=${expires}; Path=/; SameSite=None; Secure`,
    ];
    const session = request.headers['mcp-session-id'];
    const id = (JSON.parse(request.body) as { id: number }).id;
    if (session === undefined) {
      const created = `session-${backend}-${sessions[backend]!.size}`;
      sessions[backend]!.add(created);
      return answerJson(res, 200, { jsonrpc: '2.0', id, result: {} }, [
        'Mcp-Session-Id',
        created,
        ...stickiness,
      ]);
    }
    if (!sessions[backend]!.has(session as string))
      return answerJson(
        res,
        404,
        { jsonrpc: '2.0', id, error: { code: -32001, message: 'Session not found' } },
        stickiness,
      );
    answerJson(res, 200, { jsonrpc: '2.0', id, result: { tools: [] } }, stickiness);
  };
}

/**
 * A gateway with its own affinity cookie, set on a 401 (as a balancer sets it on any answer):
 * only a request that brings it back is served.
 */
function affinityHandler(request: ReceivedRequest, res: ServerResponse) {
  const id = (JSON.parse(request.body) as { id: number }).id;
  if (cookieIn(request, 'b_affinity') === undefined)
    return answerJson(res, 401, { error: 'invalid_token' }, [
      'WWW-Authenticate',
      'Bearer error="invalid_token"',
      'Set-Cookie',
      'b_affinity=node-7; Path=/mcp; HttpOnly',
    ]);
  answerJson(res, 200, { jsonrpc: '2.0', id, result: { tools: [] } });
}

interface IdeAnswer {
  status: number;
  sessionId: string | undefined;
  setCookies: string[];
  body: string;
}

type Transport = 'fast path' | 'node:http';

/**
 * An IDE's HTTP client: one cookie jar for the host 127.0.0.1, sent with every request to it,
 * whichever gateway the path names.
 */
class IdeClient {
  readonly jar = new Map<string, string>();

  constructor(
    private readonly proxy: TestProxy,
    private readonly transport: Transport,
  ) {}

  async post(gateway: string, body: string, headers: Record<string, string> = {}) {
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const all = { ...headers, ...(cookie === '' ? {} : { Cookie: cookie }) };
    const answer =
      this.transport === 'fast path'
        ? await this.http11(gateway, body, all)
        : await this.http10(gateway, body, all);
    for (const setCookie of answer.setCookies) {
      const [name, value] = setCookie.split(';')[0]!.split('=');
      this.jar.set(name!, value!);
    }
    return answer;
  }

  private async http11(gateway: string, body: string, headers: Record<string, string>) {
    const answer = await postMcp(this.proxy.urlFor(gateway), body, headers);
    const sessionId = answer.headers['mcp-session-id'] as string | undefined;
    const setCookies = answer.headers['set-cookie'] ?? [];
    return { status: answer.status, sessionId, setCookies, body: answer.body } satisfies IdeAnswer;
  }

  /** HTTP/1.0: the fast path hands the connection to node:http. */
  private async http10(gateway: string, body: string, headers: Record<string, string>) {
    const lines = [
      `POST /mcp/${gateway} HTTP/1.0`,
      `Host: 127.0.0.1:${this.proxy.port}`,
      'Content-Type: application/json',
      'Accept: application/json, text/event-stream',
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    const raw = await rawExchange(this.proxy.port, [`${lines.join('\r\n')}\r\n\r\n${body}`], {
      timeoutMs: 10_000,
    });
    const [head = '', answerBody = ''] = raw.received.split('\r\n\r\n');
    const fields = head.split('\r\n').slice(1);
    const values = (lowerName: string) =>
      fields
        .filter((line) => line.toLowerCase().startsWith(`${lowerName}:`))
        .map((line) => line.slice(lowerName.length + 1).trim());
    const sessionId = values('mcp-session-id')[0];
    return {
      status: raw.status ?? 0,
      sessionId,
      setCookies: values('set-cookie'),
      body: answerBody,
    } satisfies IdeAnswer;
  }
}

let idp: RunningIdp;
let proxy: TestProxy;
let alb: RawUpstream;
let affinity: RawUpstream;

beforeAll(async () => {
  idp = await startIdp({ profile: 'generic' });
  proxy = await startTestProxy({ tokens: confidentialClientTokens(idp) });
  alb = await startRawUpstream(albHandler());
  affinity = await startRawUpstream(affinityHandler);
});

afterAll(async () => {
  await proxy?.close();
  await alb?.close();
  await affinity?.close();
  await idp?.close();
});

describe.each<Transport>(['fast path', 'node:http'])('cookies a gateway sets (%s)', (transport) => {
  it('go back to that gateway only, never to the IDE or another gateway, and keep it sticky', async () => {
    // Gateways of their own per transport: each starts with an empty jar.
    const a = `alb-${transport === 'fast path' ? 'fast' : 'node'}`;
    const b = `affinity-${transport === 'fast path' ? 'fast' : 'node'}`;
    proxy.addGateway({ name: a, url: `${alb.url}/mcp`, auth: 'client_credentials' });
    proxy.addGateway({ name: b, url: `${affinity.url}/mcp`, auth: 'client_credentials' });
    const ide = new IdeClient(proxy, transport);
    ide.jar.set('ide_own', 'from-another-local-app');
    const albBefore = alb.received.length;
    const affinityBefore = affinity.received.length;

    const initialize = await ide.post(a, rpcRequest('initialize', 1));
    expect(initialize.status).toBe(200);
    const statuses: number[] = [];
    for (let id = 2; id <= 5; id++) {
      const answer = await ide.post(a, rpcRequest('tools/list', id), {
        'Mcp-Session-Id': initialize.sessionId!,
      });
      statuses.push(answer.status);
    }
    const toB = await ide.post(b, rpcRequest('tools/list', 6));

    const atAlb = alb.received.slice(albBefore);
    const atAffinity = affinity.received.slice(affinityBefore);
    report(`gateway-cookies ${transport}`, {
      albRequests: atAlb.length,
      stickyAnswers: statuses.filter((status) => status === 200).length,
      cookiesReachingIde: ide.jar.size - 1,
    });
    // Sticky: every request after the first carried the balancer's cookie, so the session held.
    expect(statuses).toEqual([200, 200, 200, 200]);
    const backend = initialize.sessionId!.split('-')[1];
    expect(atAlb.slice(1).map((request) => request.headers.cookie)).toEqual(
      Array(4).fill(`AWSALB=backend-${backend}`),
    );
    // The Secure one is not sent over plain http.
    expect(atAlb.every((request) => cookieIn(request, 'AWSALBCORS') === undefined)).toBe(true);
    // B's cookie, set on a 401, came back with the retry, to B alone.
    expect(toB.status).toBe(200);
    expect(JSON.parse(toB.body)).toEqual({ jsonrpc: '2.0', id: 6, result: { tools: [] } });
    expect(atAffinity.map((request) => request.headers.cookie)).toEqual([
      undefined,
      'b_affinity=node-7',
    ]);
    expect(atAlb.every((request) => cookieIn(request, 'b_affinity') === undefined)).toBe(true);
    expect(atAffinity.every((request) => cookieIn(request, 'AWSALB') === undefined)).toBe(true);
    // Nothing reached the IDE's jar for 127.0.0.1, and nothing of that jar reached a gateway.
    expect([...ide.jar.keys()]).toEqual(['ide_own']);
    const everyRequest = [...atAlb, ...atAffinity];
    expect(everyRequest.every((request) => cookieIn(request, 'ide_own') === undefined)).toBe(true);
  });
});

it('sends a Cookie the gateway settings name and the cookies it set in one Cookie header', async () => {
  const upstream = await startRawUpstream((request, res) =>
    answerJson(res, 200, { jsonrpc: '2.0', id: 1, result: {} }, [
      'Set-Cookie',
      'route=r2; Path=/; Max-Age=3600',
    ]),
  );
  try {
    proxy.addGateway({
      name: 'configured',
      url: `${upstream.url}/mcp`,
      auth: 'client_credentials',
      extraHeaders: { Cookie: 'tenant=acme' },
    });
    for (let id = 1; id <= 2; id++)
      await postMcp(proxy.urlFor('configured'), rpcRequest('tools/list', id));
    const cookieHeaders = upstream.received.map((request) =>
      request.rawHeaders.filter((_, i, raw) => i % 2 === 1 && /^cookie$/i.test(raw[i - 1]!)),
    );
    expect(cookieHeaders).toEqual([['tenant=acme'], ['tenant=acme; route=r2']]);
  } finally {
    await upstream.close();
  }
});
