import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countWithProgress,
  echo,
  proxyError,
  report,
  startRig,
  type Rig,
} from '../support/reliability-rig.js';
import { MCP_POST_HEADERS, rpcRequest, startTestProxy } from '../support/proxy-fixtures.js';

const UNRESOLVABLE_URL = 'http://gatekey-no-such-host.invalid/mcp';
const HUNG_TIMEOUT_MS = 1500;

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ tokenTtlSeconds: 300 });
  await rig.addMachineGateway('work');
});

afterAll(async () => {
  await rig?.close();
});

function sessionOf(client: Client): string {
  return (client.transport as StreamableHTTPClientTransport).sessionId!;
}

/** An initialized MCP session through the proxy, spoken by hand so a test can watch the bytes. */
async function rawSession(url: string): Promise<Record<string, string>> {
  const initialize = await fetch(url, {
    method: 'POST',
    headers: MCP_POST_HEADERS,
    body: rpcRequest('initialize', 1, {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'raw-ide', version: '1' },
    }),
  });
  await initialize.text();
  const headers = {
    ...MCP_POST_HEADERS,
    'mcp-session-id': initialize.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-11-25',
  };
  const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };
  await (await fetch(url, { method: 'POST', headers, body: JSON.stringify(initialized) })).text();
  return headers;
}

describe('the upstream MCP gateway restarts', () => {
  it('between requests: quick 502s while it is down, then the IDE starts a new session', async () => {
    const ide = await rig.connect('work');
    expect(await echo(ide, 'before')).toBe('before');
    const session = { 'mcp-session-id': sessionOf(ide) };

    await rig.mcp.stop();
    const whileDown = await Promise.all(
      Array.from({ length: 5 }, () => proxyError(rig.localUrl('work'), session)),
    );
    await expect(echo(ide, 'down')).rejects.toThrow(/unreachable: connect ECONNREFUSED/);
    await rig.mcp.start();
    const back = performance.now();

    await expect(echo(ide, 'old session')).rejects.toThrow(/Session not found/);
    const reconnected = await rig.connect('work');
    expect(await echo(reconnected, 'after')).toBe('after');
    const recoveredMs = Math.round(performance.now() - back);

    for (const answer of whileDown) {
      expect(answer).toMatchObject({ status: 502, code: 'upstream_unreachable' });
      expect(answer.message).toMatch(/Gateway "work" is unreachable: connect ECONNREFUSED/);
    }
    const slowestDownMs = Math.max(...whileDown.map((answer) => answer.durationMs));
    expect(slowestDownMs).toBeLessThan(1000);
    report('upstream-restart-between-requests', {
      requestsWhileDown: whileDown.length,
      status: 502,
      slowestAnswerMs: slowestDownMs,
      timeToNewSessionMs: recoveredMs,
    });
  });

  it('mid-stream: the IDE sees its stream end at once, and a new session streams in full', async () => {
    const headers = await rawSession(rig.localUrl('work'));
    const call = rpcRequest('tools/call', 2, {
      name: 'count',
      arguments: { to: 50, delayMs: 100 },
      _meta: { progressToken: 'p' },
    });
    const response = await fetch(rig.localUrl('work'), { method: 'POST', headers, body: call });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    while ((received.match(/notifications\/progress/g) ?? []).length < 3)
      received += (await reader.read()).value ?? '';

    await rig.mcp.stop();
    const stopped = performance.now();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      received += chunk.value;
    const streamEndedMs = Math.round(performance.now() - stopped);
    await rig.mcp.start();
    const back = performance.now();

    expect(received).not.toContain('Counted to 50');
    expect(streamEndedMs).toBeLessThan(1000);
    const logged = await rig.instance.api.invoke('log.recent', { gateway: 'work' });
    expect(logged.findLast((entry) => entry.toolName === 'count')).toMatchObject({ status: 200 });

    const fresh = await rig.connect('work');
    const streamed = await countWithProgress(fresh, 5, 20);
    expect(streamed).toEqual({ text: 'Counted to 5.', progress: [1, 2, 3, 4, 5] });
    report('upstream-restart-mid-stream', {
      progressBeforeStop: (received.match(/notifications\/progress/g) ?? []).length,
      streamEndedAfterMs: streamEndedMs,
      timeToFullStreamMs: Math.round(performance.now() - back),
    });
  });
});

describe('an upstream that cannot be reached', () => {
  it('answers 502 at once, naming the DNS failure', async () => {
    await rig.instance.api.invoke('gateways.add', {
      gateway: { name: 'nowhere', url: UNRESOLVABLE_URL, auth: 'none', allowHttp: true },
    });
    const answer = await proxyError(rig.localUrl('nowhere'));
    expect(answer).toMatchObject({ status: 502, code: 'upstream_unreachable' });
    expect(answer.message).toContain(
      'Gateway "nowhere" is unreachable: getaddrinfo ENOTFOUND gatekey-no-such-host.invalid',
    );
    expect(answer.message).toContain(UNRESOLVABLE_URL);
    expect(answer.durationMs).toBeLessThan(2000);
    await expect(rig.connect('nowhere')).rejects.toThrow(/ENOTFOUND/);
    report('upstream-dns-failure', { status: answer.status, answerMs: answer.durationMs });
  });

  it('answers 504 when a hung upstream never answers, and lets go of its socket', async () => {
    const hung = createServer();
    const sockets = new Set<Socket>();
    hung.on('connection', (socket) => {
      sockets.add(socket);
      socket.resume(); // reads and ignores the request, so it notices when the proxy hangs up
      socket.on('close', () => sockets.delete(socket));
    });
    await once(hung.listen(0, '127.0.0.1'), 'listening');
    const { port } = hung.address() as AddressInfo;
    const proxy = await startTestProxy({
      tokens: rig.instance.tokens,
      gateways: [{ name: 'hung', url: `http://127.0.0.1:${port}/mcp`, auth: 'none' }],
      upstreamTimeoutMs: HUNG_TIMEOUT_MS,
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => proxyError(proxy.urlFor('hung'))),
      );
      for (const answer of answers) {
        expect(answer).toMatchObject({ status: 504, code: 'upstream_timeout' });
        expect(answer.message).toContain('did not start answering within 1.5 s');
        expect(answer.durationMs).toBeGreaterThanOrEqual(HUNG_TIMEOUT_MS - 50);
        expect(answer.durationMs).toBeLessThan(HUNG_TIMEOUT_MS + 1000);
      }
      await expect.poll(() => sockets.size, { timeout: 2000 }).toBe(0);
      report('upstream-hung', {
        requests: answers.length,
        status: 504,
        timeoutMs: HUNG_TIMEOUT_MS,
        slowestAnswerMs: Math.max(...answers.map((answer) => answer.durationMs)),
        socketsLeftOpen: sockets.size,
      });
    } finally {
      await proxy.close();
      hung.close();
      for (const socket of sockets) socket.destroy();
    }
  });
});
