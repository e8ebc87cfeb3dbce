import { describe, expect, it } from 'vitest';
import { SseEndpointRewriter } from '../../src-main/core/proxy/sse-endpoint.js';

const toProxy = (url: string): string => `/mcp/legacy${url}`;

function runInChunks(input: string, chunkSize: number): string {
  const rewriter = new SseEndpointRewriter(toProxy);
  const bytes = Buffer.from(input);
  const out: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize)
    out.push(rewriter.transform(bytes.subarray(offset, offset + chunkSize)));
  out.push(rewriter.flush());
  return Buffer.concat(out).toString();
}

const others =
  'event: message\nid: 7\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{}}\n\n' +
  ': keep-alive\n\n' +
  'data: {"endpoint":"not an endpoint event"}\n\n' +
  ':\n\n';

describe('SseEndpointRewriter', () => {
  it('rewrites only endpoint events, however the stream is cut into chunks', () => {
    const input = `event: endpoint\ndata: /messages?sessionId=abc\n\n${others}`;
    const expected = `event: endpoint\ndata: /mcp/legacy/messages?sessionId=abc\n\n${others}`;
    for (let size = 1; size <= input.length; size++)
      expect(runInChunks(input, size)).toBe(expected);
  });

  it('handles CRLF line ends, a data line before the event line, and a second endpoint event', () => {
    const input =
      'data: /a\r\nevent: endpoint\r\n\r\n' +
      'event: message\r\ndata: {}\r\n\r\n' +
      'event:endpoint\ndata:/b?x=1\n\n';
    const expected =
      'data: /mcp/legacy/a\nevent: endpoint\n\n' +
      'event: message\r\ndata: {}\r\n\r\n' +
      'event:endpoint\ndata: /mcp/legacy/b?x=1\n\n';
    for (const size of [1, 2, 3, 7, input.length]) expect(runInChunks(input, size)).toBe(expected);
  });

  it('passes the chunks of a known non-endpoint event on as they are, without copying', () => {
    const rewriter = new SseEndpointRewriter(toProxy);
    rewriter.transform(Buffer.from('event: message\ndata: {"big":"'));
    const middle = Buffer.from('x'.repeat(64 * 1024));
    expect(rewriter.transform(middle)).toBe(middle);
  });

  it('lets an event too long to be an endpoint go untouched, and still rewrites the next one', () => {
    const long = `data: ${'y'.repeat(40 * 1024)}\n\n`;
    const input = `${long}event: endpoint\ndata: /m\n\n`;
    expect(runInChunks(input, 4096)).toBe(`${long}event: endpoint\ndata: /mcp/legacy/m\n\n`);
  });

  it('gives back an unfinished event unchanged when the stream ends', () => {
    expect(runInChunks('event: endpoint\ndata: /m', 5)).toBe('event: endpoint\ndata: /m');
  });
});
