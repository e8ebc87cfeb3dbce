import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectToInstance } from '../../src-main/core/api/http-client.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { temporaryHome } from '../support/cli.js';
import {
  FUZZ_SEED,
  fuzzFor,
  Random,
  rawExchange,
  type RawOutcome,
} from '../support/reliability-fuzz.js';
import { startPrivateKeyring, type PrivateKeyring } from '../support/reliability-keyring.js';
import { startServe, type ServeProcess } from '../support/reliability-process.js';
import { echo, report } from '../support/reliability-rig.js';

const FUZZ_MS = 2000;
/** Longest a hostile request may go without an answer or a close. */
const ANSWER_TIMEOUT_MS = 5000;

let keyring: PrivateKeyring;
let idp: RunningIdp;
let mcp: RunningMcpServer;
let wild: WildUpstream;
let home: string;
let serve: ServeProcess;
const random = new Random(FUZZ_SEED);

beforeAll(async () => {
  keyring = await startPrivateKeyring();
  idp = await startIdp({ accessTokenTtlSeconds: 300 });
  mcp = await startDemoMcpServer({ issuer: idp.issuer });
  wild = await startWildUpstream();
  home = await temporaryHome();
  serve = await startServe({ home, env: keyring.env });
  const api = (await connectToInstance(home))!;
  const client = idp.clients.confidentialBasic;
  await api.call('gateways.add', {
    gateway: {
      name: 'demo',
      url: mcp.url,
      auth: 'client_credentials',
      issuer: idp.issuer,
      clientId: client.clientId,
    },
    clientSecret: client.clientSecret,
  });
  await api.call('gateways.add', {
    gateway: { name: 'wild', url: `http://127.0.0.1:${wild.port}/sse`, auth: 'none' },
  });
});

/** A test that killed Gatekey leaves a fresh one for the next, so each finding stands alone. */
beforeEach(async () => {
  if (!serve.alive()) serve = await startServe({ home, env: keyring.env });
});

afterAll(async () => {
  await serve?.stop();
  wild?.server.close();
  await mcp?.close();
  await idp?.close();
  await keyring?.stop();
});

/** The bytes of one request to the running Gatekey, with its own Host unless `head` names one. */
function request(method: string, target: string, head: string[] = [], body = ''): string {
  const host = head.some((line) => /^host:/i.test(line)) ? [] : [`Host: 127.0.0.1:${serve.port}`];
  const length = head.some((line) => /^(content-length|transfer-encoding):/i.test(line))
    ? []
    : [`Content-Length: ${Buffer.byteLength(body)}`];
  return [
    `${method} ${target} HTTP/1.1`,
    ...host,
    ...length,
    'Connection: close',
    ...head,
    '',
    body,
  ].join('\r\n');
}

/** Sends one hostile request and insists that Gatekey answers or hangs up, and survives it. */
async function attack(bytes: string | Buffer, described: string): Promise<RawOutcome> {
  const outcome = await rawExchange(serve.port, [bytes], { timeoutMs: ANSWER_TIMEOUT_MS });
  if (!serve.alive())
    throw new Error(`Gatekey died on ${described}:\n${serve.output().slice(-1500)}`);
  expect(outcome.timedOut, `no answer and no close for ${described}`).toBe(false);
  return outcome;
}

/** A normal IDE session still works: the process is healthy after the fuzz. */
async function expectHealthy(): Promise<void> {
  expect(serve.alive(), serve.output().slice(-1500)).toBe(true);
  const ide = new Client({ name: 'after-the-fuzz', version: '1.0.0' });
  await ide.connect(new StreamableHTTPClientTransport(new URL(`${serve.origin}/mcp/demo`)));
  try {
    expect(await echo(ide, 'still here')).toBe('still here');
  } finally {
    await ide.close();
  }
}

function tally(outcomes: RawOutcome[]): string {
  const counts = new Map<string, number>();
  for (const { status } of outcomes) {
    const key = status === undefined ? 'closed' : `${Math.floor(status / 100)}xx`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${key}:${count}`).join(',');
}

const METHODS = [
  'GET',
  'POST',
  'DELETE',
  'PUT',
  'PATCH',
  'OPTIONS',
  'HEAD',
  'TRACE',
  'CONNECT',
  'PROPFIND',
  'BREW',
  'get',
  'G\u0000T',
  'M'.repeat(300),
  '',
  'GET /',
  'POST\t',
];
const CRAFTED_TARGETS = [
  '/mcp/demo',
  '/mcp/../api/app.info',
  '/mcp/%2e%2e/api/app.info',
  '/mcp/..%2f..%2fapi%2fapp.info',
  '/mcp/demo/../../api/gateways.list',
  '/mcp//demo',
  '/mcp/DEMO',
  '/mcp/demo%00',
  '/mcp/__proto__',
  '/mcp/constructor',
  '/mcp/demo/%2e%2e/%2e%2e/etc/passwd',
  '/mcp/wild//[',
  '/mcp/wild/\\[',
  '//evil.example/mcp/demo',
  '*',
  '/%zz',
  '/api/%zz',
  '/api/../mcp/demo',
  'http://a:99999/',
  'http://[/',
  'http://127.0.0.1/mcp/demo',
  '/mcp/demo?x=%zz',
  '/mcp/demo#fragment',
  `/mcp/${'a'.repeat(5000)}`,
  `/mcp/demo?${'q'.repeat(20_000)}`,
  '/.well-known/oauth-protected-resource/mcp/demo',
];
const TARGET_ALPHABET = 'abcdemowil/.%2eE0AFzZ?#&=[]:@\\~!$\'()*+,;"<>{}|^` \u00e9\u0000';

function randomTarget(rng: Random): string {
  if (rng.chance(0.4)) return rng.pick(CRAFTED_TARGETS);
  const prefix = rng.pick(['/mcp/demo', '/mcp/wild', '/mcp/', '/api/', '/', '']);
  return prefix + rng.text(rng.int(40), TARGET_ALPHABET);
}

describe('hostile requests to the proxy', () => {
  it('survives odd methods, request targets and path traversal in the gateway name', async () => {
    const upstreamBefore = mcp.requestLog().length;
    const outcomes: RawOutcome[] = [];
    const iterations = await fuzzFor(FUZZ_MS, random, async (rng) => {
      const method = rng.pick(METHODS);
      const target = randomTarget(rng);
      const version = rng.pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 x', 'HTTP/9.9', '']);
      const bytes = `${method} ${target} ${version}\r\nHost: 127.0.0.1:${serve.port}\r\nConnection: close\r\n\r\n`;
      outcomes.push(await attack(bytes, JSON.stringify(bytes.slice(0, 200))));
    });
    for (const target of CRAFTED_TARGETS)
      outcomes.push(await attack(request('POST', target, [], '{}'), `POST ${target.slice(0, 80)}`));

    const toOtherGateways = mcp
      .requestLog()
      .slice(upstreamBefore)
      .filter((entry) => entry.path !== '/mcp');
    await expectHealthy();
    report('fuzz-request-line', {
      iterations: iterations + CRAFTED_TARGETS.length,
      outcomes: tally(outcomes),
      upstreamHitsOffTheMcpPath: toOtherGateways.length,
      processAlive: 'yes',
    });
  });

  it('survives huge, malformed and contradictory headers and absurd Content-Length', async () => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    const headerAttacks: ((rng: Random) => string[])[] = [
      (rng) => [`X-Big: ${'a'.repeat(8_000 + rng.int(200_000))}`],
      (rng) => Array.from({ length: 100 + rng.int(3000) }, (_, i) => `X-H${i}: v`),
      () => ['NoColonHere'],
      () => ['Bad Name: x'],
      () => ['X-Bare: a\rb'],
      () => ['X-Nul: a\u0000b'],
      () => [' Folded: x'],
      () => ['Host: evil.example'],
      (rng) => [`Host: ${rng.text(20, TARGET_ALPHABET)}`],
      () => [`Host: 127.0.0.1:${serve.port}`, `Host: 127.0.0.1:${serve.port}`],
      () => ['Content-Length: 5', 'Content-Length: 6'],
      () => ['Content-Length: 40', 'Transfer-Encoding: chunked'],
      () => ['Transfer-Encoding: gzip, chunked'],
      () => ['Content-Length: 99999999999999999999'],
      () => ['Content-Length: -1'],
      () => ['Content-Length: 1e3'],
      () => ['Content-Length: abc'],
      () => ['Expect: 100-continue'],
      () => ['Authorization: Bearer attacker', 'Cookie: session=stolen', 'Proxy-Authorization: x'],
      (rng) => [`Mcp-Session-Id: ${rng.text(rng.int(3000), TARGET_ALPHABET)}`],
      () => ['Origin: null'],
      () => ['Sec-Fetch-Site: cross-site'],
      (rng) => [`Accept: ${rng.bytes(50).toString('latin1')}`],
    ];
    const outcomes: RawOutcome[] = [];
    const iterations = await fuzzFor(FUZZ_MS, random, async (rng) => {
      const head = rng.pick(headerAttacks)(rng);
      const bytes = request('POST', '/mcp/demo', head, body);
      outcomes.push(await attack(bytes, `headers ${JSON.stringify(head.join('|').slice(0, 200))}`));
    });
    await expectHealthy();
    report('fuzz-headers', { iterations, outcomes: tally(outcomes), processAlive: 'yes' });
  });

  it('survives invalid JSON, huge bodies and chunked nonsense', async () => {
    const bodies: ((rng: Random) => { head: string[]; body: string | Buffer })[] = [
      (rng) => ({ head: [], body: rng.bytes(rng.int(4096)).toString('latin1') }),
      (rng) => ({ head: [], body: '['.repeat(1 + rng.int(100_000)) }),
      (rng) => ({
        head: [],
        body: `{"jsonrpc":"2.0","id":${'9'.repeat(rng.int(400))},"method":"x"}`,
      }),
      (rng) => ({
        head: [],
        body: JSON.stringify(Array.from({ length: rng.int(5000) }, () => ({ jsonrpc: '2.0' }))),
      }),
      () => ({ head: [], body: 'x'.repeat(2 * 1024 * 1024) }),
      () => ({ head: ['Transfer-Encoding: chunked'], body: 'zz\r\nnope\r\n0\r\n\r\n' }),
      () => ({ head: ['Transfer-Encoding: chunked'], body: 'fffffffffffffffff\r\nx\r\n' }),
      () => ({ head: ['Content-Type: application/json'], body: '\u0000\uffff\ud800' }),
    ];
    const outcomes: RawOutcome[] = [];
    const iterations = await fuzzFor(FUZZ_MS, random, async (rng) => {
      const { head, body } = rng.pick(bodies)(rng);
      const bytes = Buffer.concat([
        Buffer.from(request('POST', '/mcp/demo', head)),
        Buffer.from(body),
      ]);
      outcomes.push(await attack(bytes, `body ${JSON.stringify(String(body).slice(0, 80))}`));
    });
    await expectHealthy();
    report('fuzz-bodies', { iterations, outcomes: tally(outcomes), processAlive: 'yes' });
  });

  it('keeps serving IDEs while slow-loris clients hold connections open', async () => {
    const headersOnly = request('POST', '/mcp/demo', ['Content-Length: 1000']);
    const stalled = Array.from({ length: 50 }, (_, index) =>
      rawExchange(
        serve.port,
        index % 2 === 0
          ? [headersOnly, '{"json']
          : [`POST /mcp/demo HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nX-`],
        { timeoutMs: 3000 },
      ),
    );
    const started = performance.now();
    await expectHealthy();
    const normalRequestMs = Math.round(performance.now() - started);
    await Promise.all(stalled);
    await expectHealthy();
    expect(normalRequestMs).toBeLessThan(2500);
    report('slow-loris', { stalledConnections: stalled.length, normalSessionMs: normalRequestMs });
  });

  it('relays whatever an upstream sends (bad SSE, bad HTTP) without crashing or leaking off-origin', async () => {
    const outcomes: RawOutcome[] = [];
    let offOriginRewrites = 0;
    const iterations = await fuzzFor(FUZZ_MS, random, async (rng) => {
      const answer = rng.pick(WILD_ANSWERS)(rng);
      wild.next = answer.bytes;
      const method = rng.pick(['GET', 'POST']);
      const bytes = request(
        method,
        '/mcp/wild',
        ['Accept: text/event-stream, application/json'],
        method === 'POST' ? '{}' : '',
      );
      const outcome = await attack(bytes, `upstream answer ${answer.name}`);
      outcomes.push(outcome);
      if (
        /data: [^\n]*\/mcp\/wild[^\n]*evil\.example|data: http:\/\/evil\.example\/mcp\//.test(
          outcome.received,
        )
      )
        offOriginRewrites += 1;
    });
    expect(offOriginRewrites).toBe(0);
    await expectHealthy();
    report('fuzz-upstream-answers', {
      iterations,
      outcomes: tally(outcomes),
      offOriginRewrites,
      processAlive: 'yes',
    });
  });
});

/** An upstream that answers the next request with exactly the bytes the test chose. */
interface WildUpstream {
  server: Server;
  port: number;
  next: Buffer;
}

async function startWildUpstream(): Promise<WildUpstream> {
  const upstream: WildUpstream = { server: createServer(), port: 0, next: Buffer.alloc(0) };
  upstream.server.on('connection', (socket: Socket) => {
    let head = '';
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      head += data.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      head = '';
      socket.end(upstream.next);
    });
  });
  await once(upstream.server.listen(0, '127.0.0.1'), 'listening');
  upstream.port = (upstream.server.address() as AddressInfo).port;
  return upstream;
}

const sse = (events: string | Buffer) =>
  Buffer.concat([
    Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n'),
    Buffer.from(events),
  ]);
const ENDPOINTS = [
  '/messages?session=1',
  'http://evil.example/steal',
  '//evil.example/x',
  'javascript:alert(1)',
  '',
  ' ',
  '\u0000',
  'http://[',
  '/'.repeat(20_000),
  '../../../../etc/passwd',
  'http://127.0.0.1:1/elsewhere',
];
const WILD_ANSWERS: ((rng: Random) => { name: string; bytes: Buffer })[] = [
  (rng) => ({ name: 'random SSE bytes', bytes: sse(rng.bytes(rng.int(10_000))) }),
  (rng) => {
    const endpoint = rng.pick(ENDPOINTS);
    const ending = rng.pick(['\n\n', '\r\n\r\n', '\r\r', '\n']);
    return {
      name: `endpoint ${JSON.stringify(endpoint.slice(0, 40))}`,
      bytes: sse(`event: endpoint${ending}data: ${endpoint}${ending}`),
    };
  },
  (rng) => ({
    name: 'endpoint with invalid UTF-8',
    bytes: sse(
      Buffer.concat([Buffer.from('event: endpoint\ndata: /m'), rng.bytes(20), Buffer.from('\n\n')]),
    ),
  }),
  () => ({ name: 'an endless line', bytes: sse(`event: endpoint\ndata: ${'x'.repeat(50_000)}`) }),
  (rng) => ({ name: 'not HTTP at all', bytes: rng.bytes(200) }),
  () => ({
    name: 'short body',
    bytes: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'),
  }),
  () => ({ name: 'bad status line', bytes: Buffer.from('HTTP/1.1 9999 What\r\n\r\n') }),
  () => ({
    name: 'switching protocols',
    bytes: Buffer.from(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    ),
  }),
  () => ({
    name: 'bad chunk',
    bytes: Buffer.from(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\nzz\r\n',
    ),
  }),
  () => ({
    name: 'huge header',
    bytes: Buffer.from(`HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(100_000)}\r\n\r\n`),
  }),
  () => ({ name: 'nothing', bytes: Buffer.alloc(0) }),
];
