import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../src-main/core/api/contract.js';
import { connectToInstance } from '../../src-main/core/api/http-client.js';
import { readInstanceRecord } from '../../src-main/core/instance-file.js';
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

/** Each loop runs 1.5 s, and on until 100 inputs were tried (a slow input cannot use it all). */
const FUZZ = { durationMs: 1500, minIterations: 100 };
/** Longest a hostile request may go without an answer or a close. */
const ANSWER_TIMEOUT_MS = 5000;
/** A connection closed without an answer may be a crash: time for the exit to show. */
const CRASH_GRACE_MS = 150;
/** Each crash costs a restart; past this many, a loop stops sending (and fails). */
const MAX_CRASHES_PER_LOOP = 2;

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
  serve = await startGatekey();
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

afterAll(async () => {
  await serve?.stop();
  wild?.server.close();
  await mcp?.close();
  await idp?.close();
  await keyring?.stop();
});

function startGatekey(): Promise<ServeProcess> {
  return startServe({ home, env: keyring.env });
}

/**
 * Sends hostile requests to the running Gatekey. A crash or a hang is recorded with the input
 * that caused it (a crash restarts Gatekey, so the fuzz goes on); the test fails on any.
 */
class Attacker {
  readonly outcomes: RawOutcome[] = [];
  readonly findings = new Map<string, string>();
  #crashes = 0;

  async send(bytes: string | Buffer, input: string): Promise<RawOutcome | undefined> {
    if (this.findings.has(input) || this.#crashes >= MAX_CRASHES_PER_LOOP) return undefined;
    const outcome = await rawExchange(serve.port, [bytes], { timeoutMs: ANSWER_TIMEOUT_MS });
    this.outcomes.push(outcome);
    const unanswered = outcome.closed && outcome.status === undefined;
    if (unanswered && (await serve.exitsWithin(CRASH_GRACE_MS))) {
      this.findings.set(input, `Gatekey died: ${crashCause(serve.output())}`);
      this.#crashes += 1;
      serve = await startGatekey();
    } else if (outcome.timedOut) {
      this.findings.set(input, `no answer and no close in ${ANSWER_TIMEOUT_MS} ms`);
    }
    return outcome;
  }

  get sent(): number {
    return this.outcomes.length;
  }

  /** Answers by status class, e.g. `4xx:120,closed:3`. */
  tally(): string {
    const counts = new Map<string, number>();
    for (const outcome of this.outcomes) {
      const key = answerClass(outcome);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([key, count]) => `${key}:${count}`).join(',');
  }

  expectNoFindings(): void {
    const described = [...this.findings].map(([input, finding]) => `${finding} ← ${input}`);
    expect(described).toEqual([]);
  }
}

function answerClass({ status, timedOut }: RawOutcome): string {
  if (timedOut) return 'hung';
  return status === undefined ? 'closed' : `${Math.floor(status / 100)}xx`;
}

/** The error of a crash and the first stack frame in Gatekey's code, as Node printed them. */
function crashCause(output: string): string {
  const error = /^\w*Error: .*$/m.exec(output)?.[0] ?? 'no error printed';
  const frame = /^\s+at .*src-main\/.*$/m.exec(output)?.[0]?.trim() ?? '';
  return `${error} ${frame}`;
}

/** The bytes of one request to the running Gatekey, with its own Host unless `head` names one. */
function request(
  method: string,
  target: string,
  head: string[] = [],
  body: Buffer | string = '',
): Buffer {
  const bytes = Buffer.from(body);
  const names = head.map((line) => line.split(':')[0]?.toLowerCase());
  const host = names.includes('host') ? [] : [`Host: 127.0.0.1:${serve.port}`];
  const framed = names.includes('content-length') || names.includes('transfer-encoding');
  const length = framed ? [] : [`Content-Length: ${bytes.length}`];
  const lines = [`${method} ${target} HTTP/1.1`, ...host, ...length, 'Connection: close', ...head];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bytes]);
}

/** Any JSON value, nested up to `depth`, with the odd keys that trip careless code. */
function randomJson(rng: Random, depth: number): unknown {
  const scalars = [null, true, 0, -1, 1e308, '', 'x'.repeat(rng.int(100)), '__proto__', 'work'];
  if (depth === 0 || rng.chance(0.4)) return rng.pick(scalars);
  if (rng.chance(0.3)) return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth - 1));
  const keys = ['name', 'gateway', 'url', 'patch', 'token', 'kind', '__proto__', 'constructor'];
  return Object.fromEntries(
    Array.from({ length: rng.int(5) }, () => [rng.pick(keys), randomJson(rng, depth - 1)]),
  );
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

// prettier-ignore
const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT',
  'PROPFIND', 'BREW', 'get', 'G\u0000T', 'M'.repeat(300), '', 'GET /', 'POST\t'];
// prettier-ignore
const CRAFTED_TARGETS = [
  '/mcp/demo', '/mcp/../api/app.info', '/mcp/%2e%2e/api/app.info', '/mcp/..%2f..%2fapi%2fapp.info',
  '/mcp/demo/../../api/gateways.list', '/mcp//demo', '/mcp/DEMO', '/mcp/demo%00', '/mcp/__proto__',
  '/mcp/constructor', '/mcp/demo/%2e%2e/%2e%2e/etc/passwd', '/mcp/wild//[', '/mcp/wild/\\[',
  '//evil.example/mcp/demo', '*', '/%zz', '/api/%zz', '/api/../mcp/demo', 'http://a:99999/',
  'http://[/', 'http://127.0.0.1/mcp/demo', '/mcp/demo?x=%zz', '/mcp/demo#fragment',
  `/mcp/${'a'.repeat(5000)}`, `/mcp/demo?${'q'.repeat(20_000)}`,
  '/.well-known/oauth-protected-resource/mcp/demo',
];
const TARGET_ALPHABET = 'abcdemowil/.%2eE0AFzZ?#&=[]:@\\~!$\'()*+,;"<>{}|^` \u00e9\u0000';

/** What may follow `/api/` in a request line without ending it. */
const COMMAND_ALPHABET = [...TARGET_ALPHABET]
  .filter((char) => !' #?\u0000'.includes(char))
  .join('');

function randomTarget(rng: Random): string {
  if (rng.chance(0.3)) return rng.pick(CRAFTED_TARGETS);
  const prefix = rng.pick(['/mcp/demo', '/mcp/wild', '/mcp/', '/api/', '/', '']);
  return prefix + rng.text(rng.int(40), TARGET_ALPHABET);
}

type HeaderAttack = (rng: Random) => string[];

// prettier-ignore
const HEADER_ATTACKS: HeaderAttack[] = [
  (rng) => [`X-Big: ${'a'.repeat(8_000 + rng.int(200_000))}`],
  (rng) => Array.from({ length: 100 + rng.int(3000) }, (_, i) => `X-H${i}: v`),
  () => ['NoColonHere'], () => ['Bad Name: x'], () => ['X-Bare: a\rb'], () => ['X-Nul: a\u0000b'],
  () => [' Folded: x'], () => ['Host: evil.example'],
  (rng) => [`Host: ${rng.text(20, TARGET_ALPHABET)}`],
  () => [`Host: 127.0.0.1:${serve.port}`, `Host: 127.0.0.1:${serve.port}`],
  () => ['Content-Length: 5', 'Content-Length: 6'],
  () => ['Content-Length: 40', 'Transfer-Encoding: chunked'],
  () => ['Transfer-Encoding: gzip, chunked'], () => ['Content-Length: 99999999999999999999'],
  () => ['Content-Length: -1'], () => ['Content-Length: 1e3'], () => ['Content-Length: abc'],
  () => ['Expect: 100-continue'],
  () => ['Authorization: Bearer attacker', 'Cookie: session=stolen', 'Proxy-Authorization: x'],
  (rng) => [`Mcp-Session-Id: ${rng.text(rng.int(3000), TARGET_ALPHABET)}`],
  () => ['Origin: null'], () => ['Sec-Fetch-Site: cross-site'],
  (rng) => [`Accept: ${rng.bytes(50).toString('latin1')}`],
];

type BodyAttack = (rng: Random) => { head: string[]; body: Buffer | string };

// prettier-ignore
const BODY_ATTACKS: BodyAttack[] = [
  (rng) => ({ head: [], body: rng.bytes(rng.int(4096)) }),
  (rng) => ({ head: [], body: '['.repeat(1 + rng.int(100_000)) }),
  (rng) => ({ head: [], body: `{"jsonrpc":"2.0","id":${'9'.repeat(rng.int(400))},"method":"x"}` }),
  (rng) => ({ head: [], body: JSON.stringify(Array.from({ length: rng.int(5000) }, () => ({ jsonrpc: '2.0' }))) }),
  () => ({ head: [], body: 'x'.repeat(2 * 1024 * 1024) }),
  () => ({ head: ['Transfer-Encoding: chunked'], body: 'zz\r\nnope\r\n0\r\n\r\n' }),
  () => ({ head: ['Transfer-Encoding: chunked'], body: 'fffffffffffffffff\r\nx\r\n' }),
  () => ({ head: ['Content-Type: application/json'], body: Buffer.from([0x7b, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x00]) }),
];

describe('hostile requests to the proxy', () => {
  it('survives odd methods, request targets and path traversal in the gateway name', async () => {
    const attacker = new Attacker();
    const upstreamBefore = mcp.requestLog().length;
    await fuzzFor(FUZZ, random, async (rng) => {
      const target = randomTarget(rng);
      const version = rng.pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 x', 'HTTP/9.9', '']);
      const head = `${rng.pick(METHODS)} ${target} ${version}`;
      const bytes = `${head}\r\nHost: 127.0.0.1:${serve.port}\r\nConnection: close\r\n\r\n`;
      await attacker.send(bytes, JSON.stringify(head.slice(0, 120)));
    });
    for (const target of CRAFTED_TARGETS)
      await attacker.send(request('POST', target, [], '{}'), `POST ${target.slice(0, 80)}`);

    const offTheMcpPath = mcp
      .requestLog()
      .slice(upstreamBefore)
      .filter((entry) => entry.path !== '/mcp');
    report('fuzz-request-line', {
      iterations: attacker.sent,
      answers: attacker.tally(),
      upstreamHitsOffTheMcpPath: offTheMcpPath.length,
      crashesOrHangs: attacker.findings.size,
    });
    attacker.expectNoFindings();
    await expectHealthy();
  });

  it('survives huge, malformed and contradictory headers and absurd Content-Length', async () => {
    const attacker = new Attacker();
    const body = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    await fuzzFor(FUZZ, random, async (rng) => {
      const head = rng.pick(HEADER_ATTACKS)(rng);
      const input = `headers ${JSON.stringify(head.join('|').slice(0, 120))}`;
      await attacker.send(request('POST', '/mcp/demo', head, body), input);
    });
    report('fuzz-headers', {
      iterations: attacker.sent,
      answers: attacker.tally(),
      crashesOrHangs: attacker.findings.size,
    });
    attacker.expectNoFindings();
    await expectHealthy();
  });

  it('survives invalid JSON, huge bodies and chunked nonsense', async () => {
    const attacker = new Attacker();
    await fuzzFor(FUZZ, random, async (rng) => {
      const { head, body } = rng.pick(BODY_ATTACKS)(rng);
      const input = `body ${JSON.stringify(Buffer.from(body).toString('latin1').slice(0, 80))}`;
      await attacker.send(request('POST', '/mcp/demo', head, body), input);
    });
    report('fuzz-bodies', {
      iterations: attacker.sent,
      answers: attacker.tally(),
      crashesOrHangs: attacker.findings.size,
    });
    attacker.expectNoFindings();
    await expectHealthy();
  });

  it('answers any call to the control API, even an authorized malformed one', async () => {
    const attacker = new Attacker();
    await fuzzFor(FUZZ, random, async (rng) => {
      const { secret } = (await readInstanceRecord(home))!;
      const command = rng.chance(0.5)
        ? rng.pick(COMMAND_NAMES)
        : rng.pick(['%zz', '%E0%A4%A', '__proto__', 'constructor', '..%2Fgateways.list', '']) +
          rng.text(rng.int(10), COMMAND_ALPHABET);
      const body = rng.chance(0.5) ? JSON.stringify(randomJson(rng, 4)) : rng.bytes(rng.int(200));
      const head = [`Authorization: Bearer ${secret}`, 'Content-Type: application/json'];
      const input = `POST /api/${command} ${JSON.stringify(String(body).slice(0, 60))}`;
      await attacker.send(request('POST', `/api/${command}`, head, body), input);
    });
    report('fuzz-control-api', {
      iterations: attacker.sent,
      answers: attacker.tally(),
      crashesOrHangs: attacker.findings.size,
    });
    attacker.expectNoFindings();
    await expectHealthy();
  });

  it('keeps serving IDEs while slow-loris clients hold connections open', async () => {
    const promisedBody = request('POST', '/mcp/demo', ['Content-Length: 1000']);
    const halfHeaders = `POST /mcp/demo HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nX-`;
    const stalled = Array.from({ length: 50 }, (_, index) =>
      rawExchange(serve.port, index % 2 === 0 ? [promisedBody, '{"json'] : [halfHeaders], {
        timeoutMs: 3000,
      }),
    );
    const started = performance.now();
    await expectHealthy();
    const normalSessionMs = Math.round(performance.now() - started);
    await Promise.all(stalled);
    await expectHealthy();
    expect(normalSessionMs).toBeLessThan(2500);
    report('slow-loris', { stalledConnections: stalled.length, normalSessionMs });
  });

  it('relays whatever an upstream sends (bad SSE, bad HTTP) without crashing or leaking off-origin', async () => {
    const attacker = new Attacker();
    let offOriginRewrites = 0;
    await fuzzFor(FUZZ, random, async (rng) => {
      const answer = rng.pick(WILD_ANSWERS)(rng);
      wild.next = answer.bytes;
      const method = rng.pick(['GET', 'POST']);
      const accept = ['Accept: text/event-stream, application/json'];
      const bytes = request(method, '/mcp/wild', accept, method === 'POST' ? '{}' : '');
      const outcome = await attacker.send(bytes, `upstream answers with ${answer.name}`);
      if (
        outcome &&
        /data: \S*evil\.example\S*\/mcp\/|data: \S*\/mcp\/wild\S*evil/.test(outcome.received)
      )
        offOriginRewrites += 1;
    });
    report('fuzz-upstream-answers', {
      iterations: attacker.sent,
      answers: attacker.tally(),
      offOriginRewrites,
      crashesOrHangs: attacker.findings.size,
    });
    expect(offOriginRewrites).toBe(0);
    attacker.expectNoFindings();
    await expectHealthy();
  });
});

/** An upstream that answers every request with exactly the bytes the test chose. */
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
      if (head.includes('\r\n\r\n')) socket.end(upstream.next);
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
// prettier-ignore
const ENDPOINTS = ['/messages?session=1', 'http://evil.example/steal', '//evil.example/x',
  'javascript:alert(1)', '', ' ', '\u0000', 'http://[', '/'.repeat(20_000), '../../../../etc/passwd',
  'http://127.0.0.1:1/elsewhere'];
// prettier-ignore
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
    name: 'an endpoint in invalid UTF-8',
    bytes: sse(Buffer.concat([Buffer.from('event: endpoint\ndata: /m'), rng.bytes(20), Buffer.from('\n\n')])),
  }),
  () => ({ name: 'an endless line', bytes: sse(`event: endpoint\ndata: ${'x'.repeat(50_000)}`) }),
  (rng) => ({ name: 'bytes that are not HTTP', bytes: rng.bytes(200) }),
  () => ({ name: 'a short body', bytes: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort') }),
  () => ({ name: 'a bad status line', bytes: Buffer.from('HTTP/1.1 9999 What\r\n\r\n') }),
  () => ({
    name: '101 Switching Protocols',
    bytes: Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
  }),
  () => ({
    name: 'a bad chunk',
    bytes: Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\nzz\r\n'),
  }),
  () => ({ name: 'a 100 KB header', bytes: Buffer.from(`HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(100_000)}\r\n\r\n`) }),
  () => ({ name: 'nothing', bytes: Buffer.alloc(0) }),
];
