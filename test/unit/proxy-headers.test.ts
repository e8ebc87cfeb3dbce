import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { guardLocalRequest } from '../../src-main/core/proxy/guard.js';
import { headersForClient, headersForUpstream } from '../../src-main/core/proxy/headers.js';

function names(flat: string[]): string[] {
  return flat.filter((_, index) => index % 2 === 0);
}

describe('headersForUpstream', () => {
  const fromIde = [
    ['Host', '127.0.0.1:7421'],
    ['Accept', 'application/json, text/event-stream'],
    ['Content-Type', 'application/json'],
    ['Content-Length', '42'],
    ['Mcp-Session-Id', 's-1'],
    ['MCP-Protocol-Version', '2025-11-25'],
    ['Last-Event-ID', 'e-9'],
    ['Authorization', 'Bearer ide-own-token'],
    ['Cookie', 'session=1'],
    ['Proxy-Authorization', 'Basic eA=='],
    ['Proxy-Connection', 'keep-alive'],
    ['Forwarded', 'for=10.0.0.1'],
    ['X-Forwarded-For', '10.0.0.1'],
    ['X-Forwarded-Host', 'evil.example'],
    ['Connection', 'keep-alive, X-Hop'],
    ['X-Hop', 'only for this connection'],
    ['Keep-Alive', 'timeout=5'],
    ['TE', 'trailers'],
    ['Trailer', 'X-Checksum'],
    ['Transfer-Encoding', 'chunked'],
    ['Upgrade', 'websocket'],
    ['Expect', '100-continue'],
    ['X-User-Pool-Id', 'from the IDE'],
    ['X-Trace', 'kept'],
  ].flat();

  it('keeps the MCP headers and drops credentials, forwarding claims and hop-by-hop headers', () => {
    const sent = headersForUpstream(fromIde, new Set(['host', 'x-user-pool-id']));
    expect(sent).toEqual(
      [
        ['Accept', 'application/json, text/event-stream'],
        ['Content-Type', 'application/json'],
        ['Mcp-Session-Id', 's-1'],
        ['MCP-Protocol-Version', '2025-11-25'],
        ['Last-Event-ID', 'e-9'],
        ['X-Trace', 'kept'],
      ].flat(),
    );
  });
});

describe('headersForClient', () => {
  it('passes the end-to-end answer headers, drops the hop-by-hop ones and takes Set-Cookie aside', () => {
    const fromGateway = [
      ['Content-Type', 'text/event-stream'],
      ['Mcp-Session-Id', 's-1'],
      ['Cache-Control', 'no-cache'],
      ['WWW-Authenticate', 'Bearer error="insufficient_scope", scope="mcp:admin"'],
      ['Connection', 'keep-alive'],
      ['Keep-Alive', 'timeout=5'],
      ['Transfer-Encoding', 'chunked'],
      ['Proxy-Authenticate', 'Basic'],
      ['Set-Cookie', 'AWSALB=a; Path=/'],
      ['set-cookie', 'sid=1; HttpOnly'],
    ].flat();
    const setCookies: string[] = [];
    expect(names(headersForClient(fromGateway, setCookies))).toEqual([
      'Content-Type',
      'Mcp-Session-Id',
      'Cache-Control',
      'WWW-Authenticate',
    ]);
    expect(setCookies).toEqual(['AWSALB=a; Path=/', 'sid=1; HttpOnly']);
  });
});

describe('guardLocalRequest', () => {
  const request = (headers: Record<string, string>): IncomingMessage =>
    ({ headers }) as unknown as IncomingMessage;
  const guard = (headers: Record<string, string>, allowed: string[] = []) =>
    guardLocalRequest(request(headers), 7421, allowed);

  it('accepts the loopback names of its own port, with no Origin (IDEs send none)', () => {
    for (const host of ['127.0.0.1:7421', 'localhost:7421', 'LOCALHOST:7421', '[::1]:7421'])
      expect(guard({ host })).toEqual({ ok: true });
  });

  it('refuses any other Host: DNS rebinding, another port, or none', () => {
    for (const host of [
      'evil.example:7421',
      '127.0.0.1:7422',
      '127.0.0.1',
      'localhost.evil:7421',
      '',
    ]) {
      const verdict = guard({ host });
      expect(verdict).toMatchObject({ ok: false, status: 403 });
      if (!verdict.ok) expect(verdict.reason).toContain('DNS rebinding');
    }
    expect(guard({})).toMatchObject({ ok: false, status: 403 });
  });

  it('accepts its own origin and allowed ones, and refuses other web pages', () => {
    const host = '127.0.0.1:7421';
    expect(guard({ host, origin: 'http://127.0.0.1:7421' })).toEqual({ ok: true });
    expect(guard({ host, origin: 'http://localhost:5173' }, ['http://localhost:5173'])).toEqual({
      ok: true,
    });
    for (const origin of ['https://evil.example', 'null', 'http://localhost:7421']) {
      const verdict = guard({ host, origin });
      expect(verdict).toMatchObject({ ok: false, status: 403 });
      if (!verdict.ok) expect(verdict.reason).toContain(origin);
    }
  });

  it('refuses a cross-site browser request that carries no Origin', () => {
    const host = '127.0.0.1:7421';
    expect(guard({ host, 'sec-fetch-site': 'cross-site' })).toMatchObject({ ok: false });
    expect(guard({ host, 'sec-fetch-site': 'none' })).toEqual({ ok: true });
  });
});
