import { once } from 'node:events';
import { createServer } from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../src-main/core/proxy/index.js';
import type { ResponseHead } from '../../src-main/core/proxy/http1-parser.js';
import { ResponseParser } from '../../src-main/core/proxy/http1-parser.js';
import type { LoopbackServer } from '../../src-main/core/proxy/http1-server.js';
import { createLoopbackServer } from '../../src-main/core/proxy/http1-server.js';
import type { LocalRequest, LocalResponse } from '../../src-main/core/proxy/local-http.js';

/** What each side answered: the fast path says `fast`, node:http says `node`. */
interface Echo {
  by: 'fast' | 'node';
  method: string;
  url: string;
  host: string | undefined;
  body: string;
}

/** Answers /fast/* on the fast path and everything else through node:http, both echoing. */
function echoOn(res: LocalResponse, echo: Echo): void {
  const body = JSON.stringify(echo);
  res.writeHead(200, ['Content-Type', 'application/json', 'Content-Length', String(body.length)]);
  res.end(body);
}

function readBody(req: LocalRequest, done: (body: string) => void): void {
  let body = '';
  req.on('data', (chunk) => (body += chunk.toString('latin1')));
  req.on('end', () => done(body));
}

function answer(by: Echo['by'], req: LocalRequest, res: LocalResponse): void {
  const url = req.url ?? '';
  if (url === '/fast/unread') return echoOn(res, { by, method: '', url, host: '', body: '' });
  if (url === '/fast/stream') {
    res.writeHead(200, ['Content-Type', 'text/event-stream']);
    res.write(Buffer.from('data: one\n\n'));
    setTimeout(() => res.end('data: two\n\n'), 20);
    return;
  }
  readBody(req, (body) =>
    echoOn(res, { by, method: req.method ?? '', url, host: req.headers.host, body }),
  );
}

let running: (LoopbackServer & { port: number }) | undefined;

async function start(limits: { keepAliveTimeoutMs?: number; headersTimeoutMs?: number } = {}) {
  const fallback = createServer(
    // node:http's own slow-head limit, on the connections handed to it.
    { headersTimeout: 500, requestTimeout: 1000, connectionsCheckingInterval: 100 },
    (req, res) => answer('node', req, res),
  );
  const loopback = createLoopbackServer({
    takes: (url) => url.startsWith('/fast/'),
    handle: (req, res) => answer('fast', req, res),
    fallback,
    ...limits,
  });
  const port = await listenOnLoopback(loopback.server, 0);
  running = { ...loopback, port };
  return running;
}

afterEach(async () => {
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running!.server.close(resolve));
  running = undefined;
});

interface Received {
  head: ResponseHead;
  body: string;
}

/** A raw client connection: sends bytes, and parses what comes back as HTTP responses. */
class RawClient {
  readonly socket: net.Socket;
  readonly responses: Received[] = [];
  closed = false;
  private readonly methods: string[] = [];
  private readonly parser = new ResponseParser({
    onHead: (head) => this.responses.push({ head, body: '' }),
    onBody: (chunk) => (this.responses.at(-1)!.body += chunk.toString('latin1')),
    onEnd: () => {
      const next = this.methods.shift();
      if (next !== undefined) this.parser.expect(next);
    },
  });

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (data: Buffer) => this.parser.execute(data));
    // node:http ends its 400s with the connection rather than a length.
    this.socket.on('end', () => this.parser.finish());
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => {});
  }

  /** Sends `wire`, expecting one response per method in `methods`. */
  send(wire: string, methods: string[] = ['POST']): this {
    const idle = this.parser.idle && this.methods.length === 0;
    this.methods.push(...methods);
    if (idle) this.parser.expect(this.methods.shift()!);
    this.socket.write(wire, 'latin1');
    return this;
  }

  async waitFor(count: number, timeout = 3000): Promise<Received[]> {
    await expect.poll(() => this.responses.length, { timeout }).toBe(count);
    await expect.poll(() => this.parser.idle, { timeout }).toBe(true);
    return this.responses;
  }

  echoes(): Echo[] {
    return this.responses.map((response) => JSON.parse(response.body) as Echo);
  }
}

function post(url: string, body: string, extra: string[] = []): string {
  return [
    `POST ${url} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Content-Length: ${body.length}`,
    ...extra,
    '',
    body,
  ].join('\r\n');
}

describe('the loopback server front', () => {
  it('answers keep-alive and pipelined requests on the fast path, in order', async () => {
    const { port } = await start();
    const client = new RawClient(port);
    client.send(post('/fast/a', 'one'));
    await client.waitFor(1);
    client.send(post('/fast/b', 'two') + post('/fast/c', 'three') + post('/fast/d', ''), [
      'POST',
      'POST',
      'POST',
    ]);
    await client.waitFor(4);
    expect(client.echoes().map(({ by, url, body }) => [by, url, body])).toEqual([
      ['fast', '/fast/a', 'one'],
      ['fast', '/fast/b', 'two'],
      ['fast', '/fast/c', 'three'],
      ['fast', '/fast/d', ''],
    ]);
    expect(client.responses[0]!.head.rawHeaders).toContain('Date');
    client.socket.destroy();
  });

  it('reads the next head split across reads while the answer before it is in flight', async () => {
    const { port } = await start();
    const client = new RawClient(port);
    const second = post('/fast/second', 'two');
    // The first request and the start of the second come in one read; the second's head is
    // completed only after the first answer went out.
    client.send(post('/fast/first', 'one') + second.slice(0, 20), ['POST', 'POST']);
    await expect.poll(() => client.responses.length, { timeout: 3000 }).toBe(1);
    client.socket.write(second.slice(20), 'latin1');
    await client.waitFor(2);
    expect(client.echoes().map(({ url, body }) => [url, body])).toEqual([
      ['/fast/first', 'one'],
      ['/fast/second', 'two'],
    ]);
    client.socket.destroy();
  });

  it('answers every request of a long pipeline, whatever the reads split', async () => {
    const { port } = await start();
    const client = new RawClient(port);
    const count = 2000;
    const urls = Array.from({ length: count }, (_, i) => `/fast/${i}`);
    client.send(
      urls.map((url, i) => post(url, String(i))).join(''),
      urls.map(() => 'POST'),
    );
    await client.waitFor(count, 30_000);
    expect(client.echoes().map(({ url }) => url)).toEqual(urls);
    client.socket.destroy();
  });

  it('reads a body that arrives byte by byte, and a chunked one', async () => {
    const { port } = await start();
    const client = new RawClient(port);
    for (const byte of post('/fast/slow', 'trickled')) client.socket.write(byte);
    client.send(
      [
        'POST /fast/chunked HTTP/1.1',
        'Host: 127.0.0.1',
        'Transfer-Encoding: chunked',
        '',
        '3;ext=1\r\nabc\r\n4\r\ndefg\r\n0\r\nTrailer: x\r\n\r\n',
      ].join('\r\n'),
      ['POST', 'POST'],
    );
    await client.waitFor(2);
    expect(client.echoes().map(({ body }) => body)).toEqual(['trickled', 'abcdefg']);
    client.socket.destroy();
  });

  it('streams an answer without a length as chunks, and sends no body after HEAD', async () => {
    const { port } = await start();
    const client = new RawClient(port);
    client.send('GET /fast/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', ['GET']);
    client.send('HEAD /fast/head HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', ['HEAD']);
    const [stream, head] = await client.waitFor(2);
    expect(stream!.head.rawHeaders).toContain('chunked');
    expect(stream!.body).toBe('data: one\n\ndata: two\n\n');
    expect(head!.head.status).toBe(200);
    expect(head!.body).toBe('');
    client.socket.destroy();
  });

  it('hands a connection to node:http at the first request it does not take', async () => {
    const { port } = await start();
    const client = new RawClient(port);
    client.send(post('/fast/first', '1') + post('/api/second', '2') + post('/fast/third', '3'), [
      'POST',
      'POST',
      'POST',
    ]);
    await client.waitFor(3);
    // From the hand-over on, node:http answers on that connection, fast paths included.
    expect(client.echoes().map(({ by, url, body }) => [by, url, body])).toEqual([
      ['fast', '/fast/first', '1'],
      ['node', '/api/second', '2'],
      ['node', '/fast/third', '3'],
    ]);
    client.socket.destroy();
  });

  it.each([
    ['HTTP/1.0', 'POST /fast/x HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\n\r\nx', 200],
    ['Expect', post('/fast/x', 'x', ['Expect: 100-continue']), 200],
    [
      'a header that appears twice',
      post('/fast/x', 'x', ['Origin: http://a', 'Origin: http://b']),
      200,
    ],
    [
      'a target in absolute form',
      'GET http://127.0.0.1/fast/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      200,
    ],
    ['a folded header line', post('/fast/x', 'x', ['X-A: 1', ' folded']), 400],
    ['a bare LF', 'GET /fast/x HTTP/1.1\nHost: 127.0.0.1\r\n\r\n', 400],
    ['a control character in a value', post('/fast/x', 'x', ['X-A: a\u0001b']), 400],
    ['no Host', 'GET /fast/x HTTP/1.1\r\n\r\n', 400],
    ['both framings', post('/fast/x', 'x', ['Transfer-Encoding: chunked']), 400],
    ['a head over 16 KiB', post('/fast/x', 'x', [`X-Big: ${'b'.repeat(17_000)}`]), 431],
  ])('leaves a request with %s to node:http', async (_name, wire, status) => {
    const { port } = await start();
    const client = new RawClient(port);
    client.send(wire, [wire.startsWith('GET') ? 'GET' : 'POST']);
    const [response] = await client.waitFor(1);
    expect(response!.head.status).toBe(status);
    if (status === 200) expect((JSON.parse(response!.body) as Echo).by).toBe('node');
    client.socket.destroy();
  });

  it('refuses a chunked body that breaks mid-way with 400, and closes', async () => {
    const { port } = await start();
    const client = new RawClient(port);
    client.send(
      'POST /fast/broken HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    );
    const [response] = await client.waitFor(1);
    expect(response!.head.status).toBe(400);
    await expect.poll(() => client.closed).toBe(true);
  });

  it('closes after the answer when the client asks, and says so', async () => {
    const { port } = await start();
    const client = new RawClient(port);
    client.send(post('/fast/last', 'bye', ['Connection: close']));
    const [response] = await client.waitFor(1);
    expect(response!.head.rawHeaders).toEqual(expect.arrayContaining(['Connection', 'close']));
    await expect.poll(() => client.closed).toBe(true);
  });

  it('reads and drops a body its answer did not wait for, then serves the next request', async () => {
    const { port } = await start();
    const client = new RawClient(port);
    client.send(post('/fast/unread', 'x'.repeat(200_000)) + post('/fast/after', 'next'), [
      'POST',
      'POST',
    ]);
    await client.waitFor(2);
    expect(client.echoes()[1]).toMatchObject({ by: 'fast', url: '/fast/after', body: 'next' });
    client.socket.destroy();
  });

  it('closes a keep-alive connection left idle, and a head that trickles in too slowly', async () => {
    const { port } = await start({ keepAliveTimeoutMs: 300, headersTimeoutMs: 600 });
    const idle = new RawClient(port);
    idle.send(post('/fast/once', '1'));
    await idle.waitFor(1);
    const slow = new RawClient(port);
    const startedAt = Date.now();
    const trickle = setInterval(() => slow.socket.write('X'), 100);
    slow.socket.write('POST /fast/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    await expect.poll(() => idle.closed, { timeout: 2000 }).toBe(true);
    await once(slow.socket, 'close');
    clearInterval(trickle);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(550);
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });

  it("keeps node:http's own slow-head limit on a connection handed to it", async () => {
    const { port } = await start();
    const client = new RawClient(port).send(post('/api/first', '1'));
    await client.waitFor(1);
    const startedAt = Date.now();
    const trickle = setInterval(() => client.socket.write('X'), 100);
    client.send('POST /api/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    await once(client.socket, 'close');
    clearInterval(trickle);
    expect(client.responses.map(({ head }) => head.status)).toEqual([200, 408]);
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });

  it('closes every connection, fast or handed over, on closeAllConnections', async () => {
    const server = await start();
    const fast = new RawClient(server.port).send(post('/fast/x', '1'));
    const handed = new RawClient(server.port).send(post('/api/x', '1'));
    await fast.waitFor(1);
    await handed.waitFor(1);
    server.closeAllConnections();
    await expect.poll(() => fast.closed && handed.closed).toBe(true);
  });
});
