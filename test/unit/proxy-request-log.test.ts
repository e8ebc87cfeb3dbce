import { describe, expect, it } from 'vitest';
import { summarizeRpc } from '../../src-main/core/proxy/jsonrpc.js';
import type { NewRequestLogEntry, RequestLogEntry } from '../../src-main/core/proxy/request-log.js';
import { RequestLog } from '../../src-main/core/proxy/request-log.js';

const entry = (gateway: string, status: number, error?: string): NewRequestLogEntry => ({
  time: Date.now(),
  gateway,
  httpMethod: 'POST',
  status,
  durationMs: 1,
  bytesIn: 10,
  bytesOut: 20,
  retried: false,
  refreshed: false,
  ...(error ? { error } : {}),
});

describe('RequestLog', () => {
  it('keeps the last `capacity` entries, oldest first, with increasing ids', () => {
    const log = new RequestLog(3);
    for (let i = 0; i < 5; i++) log.add(entry(`g${i}`, 200));
    expect(log.recent().map((e) => [e.id, e.gateway])).toEqual([
      [3, 'g2'],
      [4, 'g3'],
      [5, 'g4'],
    ]);
  });

  it('filters by gateway and by outcome; a JSON-RPC error answered with 200 is an error', () => {
    const log = new RequestLog();
    log.add(entry('a', 200));
    log.add(entry('a', 502));
    log.add(entry('b', 200, 'Sign in to b'));
    expect(log.recent({ gateway: 'a' }).map((e) => e.status)).toEqual([200, 502]);
    expect(log.recent({ status: 'ok' }).map((e) => e.gateway)).toEqual(['a']);
    expect(log.recent({ status: 'error' }).map((e) => e.id)).toEqual([2, 3]);
  });

  it('announces each entry', () => {
    const log = new RequestLog();
    const seen: RequestLogEntry[] = [];
    log.on('entry', (added) => seen.push(added));
    const added = log.add(entry('a', 200));
    expect(seen).toEqual([added]);
  });
});

describe('summarizeRpc', () => {
  const summarize = (value: unknown) => summarizeRpc(Buffer.from(JSON.stringify(value)));

  it('reads the method, the tool name and the id of a request', () => {
    expect(
      summarize({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'echo', arguments: { name: 'x' } },
      }),
    ).toEqual({ method: 'tools/call', toolName: 'echo', requestId: 3 });
    expect(summarize({ jsonrpc: '2.0', method: 'notifications/initialized' })).toEqual({
      method: 'notifications/initialized',
    });
  });

  it('finds nothing in answers, batches and non-JSON', () => {
    expect(summarize({ jsonrpc: '2.0', id: 3, result: {} })).toEqual({});
    expect(summarize([{ jsonrpc: '2.0', id: 1, method: 'ping' }])).toEqual({});
    expect(summarizeRpc(Buffer.from('not json'))).toEqual({});
  });
});
