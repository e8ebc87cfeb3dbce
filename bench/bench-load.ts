/** The benchmark's client side: closed-loop load, SSE first-event timing, large downloads. */
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';

export interface Endpoint {
  port: number;
  path: string;
  /** The token, when the client must add it itself (direct to the upstream). */
  authorization?: string;
}

export interface LoadResult {
  /** Microseconds per request, in the order they completed. */
  latenciesUs: number[];
  elapsedMs: number;
}

const TOOL_CALL = Buffer.from(
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'echo', arguments: { text: 'hi' } },
  }),
);

function headersFor(
  endpoint: Endpoint,
  accept: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    Accept: accept,
    'MCP-Protocol-Version': '2025-11-25',
    'Mcp-Session-Id': 'bench-session',
    ...(endpoint.authorization ? { Authorization: endpoint.authorization } : {}),
    ...extra,
  };
}

function send(
  agent: Agent,
  endpoint: Endpoint,
  options: { method: string; path?: string; headers: Record<string, string>; body?: Buffer },
  onResponse: (response: IncomingMessage) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port: endpoint.port,
        path: options.path ?? endpoint.path,
        method: options.method,
        headers: options.headers,
      },
      (response) => {
        if (response.statusCode !== 200)
          reject(new Error(`HTTP ${response.statusCode} from port ${endpoint.port}`));
        onResponse(response);
        response.on('end', resolve);
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const ignore = (): void => {};

/** The tools/call request as bytes: what a minimal client (like wrk) sends again and again. */
function toolCallBytes(endpoint: Endpoint): Buffer {
  const head = [
    `POST ${endpoint.path} HTTP/1.1`,
    `Host: 127.0.0.1:${endpoint.port}`,
    ...Object.entries(
      headersFor(endpoint, 'application/json, text/event-stream', {
        'Content-Type': 'application/json',
        'Content-Length': String(TOOL_CALL.length),
      }),
    ).map(([name, value]) => `${name}: ${value}`),
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), TOOL_CALL]);
}

/** Where the first whole response in `received` ends, or -1; only 200s with a Content-Length. */
function responseEnd(received: Buffer): number {
  const headEnd = received.indexOf('\r\n\r\n');
  if (headEnd === -1) return -1;
  const head = received.toString('latin1', 0, headEnd);
  if (!head.startsWith('HTTP/1.1 200 '))
    throw new Error(`unexpected answer: ${head.split('\r\n')[0]}`);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
  if (length === undefined) throw new Error('the tools/call answer has no Content-Length');
  const end = headEnd + 4 + Number(length);
  return received.length >= end ? end : -1;
}

/** One keep-alive connection sending `request` after each answer until `deadline`. */
function closedLoop(
  endpoint: Endpoint,
  request: Buffer,
  deadline: number,
  latenciesUs: number[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(endpoint.port, '127.0.0.1').setNoDelay(true);
    let received: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    const sendRequest = (): void => {
      sentAt = performance.now();
      socket.write(request);
    };
    socket.on('connect', sendRequest);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      let end: number;
      try {
        end = responseEnd(received);
      } catch (error) {
        socket.destroy();
        return reject(error);
      }
      if (end === -1) return;
      const now = performance.now();
      latenciesUs.push((now - sentAt) * 1000);
      received = received.subarray(end);
      if (now < deadline) return sendRequest();
      socket.end();
      resolve();
    });
  });
}

/**
 * `connections` clients, each sending tools/call after tools/call for `durationMs`. The client is
 * a minimal keep-alive HTTP/1.1 client, so that its own cost stays small next to the servers'.
 */
export async function toolCallLoad(
  endpoint: Endpoint,
  connections: number,
  durationMs: number,
): Promise<LoadResult> {
  const request = toolCallBytes(endpoint);
  const latenciesUs: number[] = [];
  const started = performance.now();
  const loops = Array.from({ length: connections }, () =>
    closedLoop(endpoint, request, started + durationMs, latenciesUs),
  );
  await Promise.all(loops);
  return { latenciesUs, elapsedMs: performance.now() - started };
}

/** Microseconds from sending a GET to receiving the first SSE event, `samples` times. */
export async function sseFirstEvent(endpoint: Endpoint, samples: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers = headersFor(endpoint, 'text/event-stream');
  const timings: number[] = [];
  for (let i = 0; i < samples; i++) {
    const sent = performance.now();
    await send(agent, endpoint, { method: 'GET', headers }, (response) => {
      response.once('data', () => timings.push((performance.now() - sent) * 1000));
      response.on('data', ignore);
    });
  }
  agent.destroy();
  return timings;
}

/** Milliseconds to receive a `bytes`-long streamed tools/call result, `runs` times. */
export async function bigResult(
  endpoint: Endpoint,
  bytes: number,
  runs: number,
): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers = headersFor(endpoint, 'application/json, text/event-stream', {
    'Content-Type': 'application/json',
    'Content-Length': String(TOOL_CALL.length),
  });
  const timings: number[] = [];
  for (let i = 0; i < runs; i++) {
    let received = 0;
    const sent = performance.now();
    await send(
      agent,
      endpoint,
      { method: 'POST', path: `${endpoint.path}?bytes=${bytes}`, headers, body: TOOL_CALL },
      (response) => response.on('data', (chunk: Buffer) => (received += chunk.length)),
    );
    timings.push(performance.now() - sent);
    if (received < bytes) throw new Error(`received ${received} of ${bytes} bytes`);
  }
  agent.destroy();
  return timings;
}

export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? (sorted[middle - 1]! + sorted[middle]!) / 2
    : sorted[Math.floor(middle)]!;
}

export function requestsPerSecond(result: LoadResult): number {
  return (result.latenciesUs.length / result.elapsedMs) * 1000;
}

/** One result from the rounds of the same measurement. */
export function mergeLoads(results: readonly LoadResult[]): LoadResult {
  return {
    latenciesUs: results.flatMap((result) => result.latenciesUs),
    elapsedMs: results.reduce((sum, result) => sum + result.elapsedMs, 0),
  };
}
