/** The benchmark's node:http client: SSE first-event timing, large downloads; and statistics. */
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:http';

export interface Endpoint {
  port: number;
  path: string;
  /** The token, when the client must add it itself (direct to the upstream). */
  authorization?: string;
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

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? (sorted[middle - 1]! + sorted[middle]!) / 2
    : sorted[Math.floor(middle)]!;
}
