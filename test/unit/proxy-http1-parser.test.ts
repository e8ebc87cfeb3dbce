import { describe, expect, it } from 'vitest';
import type { ResponseHead } from '../../src-main/core/proxy/http1-parser.js';
import { ResponseParser } from '../../src-main/core/proxy/http1-parser.js';
import { Http1ParseError, MAX_HEAD_BYTES } from '../../src-main/core/proxy/http1-syntax.js';

interface Parsed {
  head?: ResponseHead;
  body: string;
  ended: boolean;
}

/** A parser that records every response; `methods` are the requests, one per response. */
function recorder(methods: string[] = ['POST']) {
  const responses: Parsed[] = [];
  const pendingMethods = [...methods];
  const parser: ResponseParser = new ResponseParser({
    onHead: (head) => (responses.at(-1)!.head = head),
    onBody: (chunk) => (responses.at(-1)!.body += chunk.toString('latin1')),
    onEnd: () => {
      responses.at(-1)!.ended = true;
      expectNext();
    },
  });
  const expectNext = (): void => {
    const method = pendingMethods.shift();
    if (method === undefined) return;
    responses.push({ body: '', ended: false });
    parser.expect(method);
  };
  expectNext();
  return { parser, responses };
}

function parse(wire: string, pieces: number[] = [], methods?: string[]) {
  const { parser, responses } = recorder(methods);
  const bytes = Buffer.from(wire, 'latin1');
  let offset = 0;
  for (const size of pieces) {
    parser.execute(bytes.subarray(offset, offset + size));
    offset += size;
  }
  if (offset < bytes.length) parser.execute(bytes.subarray(offset));
  return { parser, responses };
}

const CHUNKED_HEAD =
  'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n';
const CHUNKED =
  CHUNKED_HEAD +
  '5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n';

describe('the HTTP/1.1 response parser', () => {
  it('reads the status line and headers as raw pairs, duplicates kept in order', () => {
    const { responses } = parse(
      'HTTP/1.1 201 Created here\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Empty:\r\n' +
        'X-Padded: \t value \t\r\nContent-Length: 0\r\n\r\n',
    );
    expect(responses[0]).toEqual({
      head: {
        status: 201,
        statusMessage: 'Created here',
        rawHeaders: [
          ...['Set-Cookie', 'a=1', 'set-cookie', 'b=2'],
          ...['X-Empty', '', 'X-Padded', 'value', 'Content-Length', '0'],
        ],
        keepAlive: true,
      },
      body: '',
      ended: true,
    });
  });

  it('reads a Content-Length body, and a repeated identical Content-Length', () => {
    const { responses } = parse(
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5, 5\r\n\r\nhello',
    );
    expect(responses[0]).toMatchObject({ body: 'hello', ended: true });
  });

  it('decodes chunks with extensions, ignores trailers, and accepts bare LF line ends', () => {
    expect(parse(CHUNKED).responses[0]).toMatchObject({
      body: 'helloabcdefghijklmnopqrstuvwxyz',
      ended: true,
      head: { keepAlive: true },
    });
    const bareLf = 'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n';
    expect(parse(bareLf).responses[0]).toMatchObject({ body: 'abc', ended: true });
  });

  it('gives the same response for the chunked sample split at every byte offset', () => {
    for (let split = 1; split < CHUNKED.length; split++) {
      const { responses } = parse(CHUNKED, [split]);
      expect(responses[0], `split at ${split}`).toMatchObject({
        body: 'helloabcdefghijklmnopqrstuvwxyz',
        ended: true,
      });
    }
  });

  it('gives the same response when every byte arrives on its own read', () => {
    const { responses } = parse(CHUNKED, Array(CHUNKED.length).fill(1));
    expect(responses[0]).toMatchObject({ body: 'helloabcdefghijklmnopqrstuvwxyz', ended: true });
  });

  it('hands on body bytes as they arrive, before the response is complete', () => {
    const { parser, responses } = recorder();
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ndata: '));
    expect(responses[0]).toMatchObject({ body: 'data: ', ended: false });
    parser.execute(Buffer.from('\r\n'));
    expect(responses[0]!.ended).toBe(false);
  });

  it('reads a body up to the close when nothing else delimits it, and never reuses it', () => {
    const { parser, responses } = parse('HTTP/1.1 200 OK\r\n\r\npart one, ', [20]);
    parser.execute(Buffer.from('part two'));
    expect(responses[0]).toMatchObject({ body: 'part one, part two', ended: false });
    parser.finish();
    expect(responses[0]).toMatchObject({ ended: true, head: { keepAlive: false } });
    const unknownCoding = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz');
    expect(unknownCoding.responses[0]).toMatchObject({ body: 'xyz', head: { keepAlive: false } });
  });

  it('expects no body after HEAD, 204 and 304, whatever their headers say', () => {
    const framed = 'Content-Length: 10\r\n\r\n';
    for (const [method, status] of [
      ['HEAD', 200],
      ['GET', 204],
      ['GET', 304],
    ] as const) {
      const { parser, responses } = parse(`HTTP/1.1 ${status} X\r\n${framed}`, [], [method]);
      expect(responses[0]).toMatchObject({ head: { status }, body: '', ended: true });
      expect(parser.idle).toBe(true);
    }
  });

  it('skips 100 Continue and other interim answers, and reports 101 as not reusable', () => {
    const { responses } = parse(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    expect(responses[0]).toMatchObject({ head: { status: 200 }, body: 'ok', ended: true });
    const upgrade = parse('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n');
    expect(upgrade.responses[0]).toMatchObject({ head: { status: 101, keepAlive: false } });
  });

  it('parses two responses back to back on one connection, split at every offset', () => {
    const wire =
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none' +
      'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n';
    for (let split = 0; split < wire.length; split++) {
      const { responses } = parse(wire, [split], ['GET', 'GET']);
      expect(responses.map(({ head, body, ended }) => [head?.status, body, ended])).toEqual([
        [200, 'one', true],
        [404, 'two', true],
      ]);
    }
  });

  it('does not keep a connection the answer closes, or an HTTP/1.0 one', () => {
    for (const head of ['HTTP/1.1 200 OK\r\nConnection: keep-alive, close', 'HTTP/1.0 200 OK']) {
      const { responses } = parse(`${head}\r\nContent-Length: 0\r\n\r\n`);
      expect(responses[0]!.head!.keepAlive).toBe(false);
    }
  });

  it.each([
    ['a status line that is not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', /invalid status line/],
    ['a four-digit status', 'HTTP/1.1 9999 What\r\n\r\n', /invalid status line/],
    ['obsolete line folding', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n', /folding/],
    ['a header name with a space', 'HTTP/1.1 200 OK\r\nX A: 1\r\n\r\n', /invalid header line/],
    ['a control character in a value', 'HTTP/1.1 200 OK\r\nX-A: a\x01b\r\n\r\n', /header line/],
    ['a bare CR in a value', 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n', /invalid header line/],
    [
      'differing lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      /Content-Length/,
    ],
    ['a negative length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /Content-Length/],
    [
      'both framings',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      /both/,
    ],
    ['a chunk size that is not hex', `${CHUNKED_HEAD}zz\r\n`, /invalid chunk size/],
    ['an empty chunk size', `${CHUNKED_HEAD}\r\n`, /invalid chunk size/],
    ['a chunk size too large', `${CHUNKED_HEAD}1${'0'.repeat(12)}\r\n`, /chunk size/],
    ['a chunk longer than its size', `${CHUNKED_HEAD}1\r\nab\r\n`, /longer than its size/],
    ['bytes after a complete response', 'HTTP/1.1 204 No Content\r\n\r\nextra', /after the end/],
  ])('rejects %s', (_name, wire, message) => {
    expect(() => parse(wire)).toThrow(message);
    expect(() => parse(wire)).toThrow(Http1ParseError);
  });

  it('rejects a head over the size limit, whole or arriving in pieces', () => {
    const big = `HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`;
    expect(() => parse(big)).toThrow(/larger than 16384 bytes/);
    expect(() => parse(big, Array(40).fill(1000))).toThrow(/larger than 16384 bytes/);
    const fits = `HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(MAX_HEAD_BYTES - 100)}\r\n\r\n`;
    expect(() => parse(fits, Array(20).fill(1000))).not.toThrow();
  });

  it('rejects a chunk line that never ends', () => {
    const { parser } = parse(CHUNKED_HEAD);
    expect(() => parser.execute(Buffer.alloc(2000, 'a'))).toThrow(/chunk line is too long/);
  });

  it('knows a response cut short by the close from one that was complete', () => {
    for (const cut of [
      'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort',
      CHUNKED.slice(0, 90),
    ]) {
      const { parser } = parse(cut);
      expect(() => parser.finish()).toThrow(/closed before the response was complete/);
    }
    const { parser } = parse('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(() => parser.finish()).not.toThrow();
  });
});
