import { describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src-renderer/api/types.js';
import {
  describeCall,
  formatBytes,
  formatDuration,
  isErrorEntry,
  mergeLog,
} from '../../src-renderer/features/activity/activity-log.js';

const entry = (id: number, overrides: Partial<RequestLogEntry> = {}): RequestLogEntry => ({
  id,
  time: 1_000 * id,
  gateway: 'acme',
  httpMethod: 'POST',
  status: 200,
  durationMs: 12,
  bytesIn: 100,
  bytesOut: 200,
  retried: false,
  refreshed: false,
  ...overrides,
});

describe('the activity log', () => {
  it('merges the listing with live entries once each, newest first', () => {
    const listed = [entry(1), entry(2)];
    const live = [entry(3), entry(2)];
    expect(mergeLog(listed, live, {}).map(({ id }) => id)).toEqual([3, 2, 1]);
  });

  it('filters live entries the way the instance filters its listing', () => {
    const entries = [
      entry(1),
      entry(2, { gateway: 'other' }),
      entry(3, { status: 502 }),
      entry(4, { status: 200, error: 'The client closed the connection.' }),
    ];
    expect(mergeLog([], entries, { gateway: 'acme' }).map(({ id }) => id)).toEqual([4, 3, 1]);
    expect(mergeLog([], entries, { status: 'error' }).map(({ id }) => id)).toEqual([4, 3]);
    expect(mergeLog([], entries, { status: 'ok', gateway: 'acme' }).map(({ id }) => id)).toEqual([
      1,
    ]);
    expect(entries.map(isErrorEntry)).toEqual([false, false, true, true]);
  });

  it('names the call by tool, else JSON-RPC method, else HTTP method', () => {
    expect(describeCall(entry(1, { rpcMethod: 'tools/call', toolName: 'whoami' }))).toEqual({
      primary: 'whoami',
      secondary: 'tools/call',
    });
    expect(describeCall(entry(1, { rpcMethod: 'initialize' }))).toEqual({
      primary: 'initialize',
      secondary: 'POST',
    });
    expect(describeCall(entry(1, { httpMethod: 'GET' }))).toEqual({ primary: 'GET' });
  });

  it('writes durations and sizes briefly', () => {
    expect(formatDuration(0.84)).toBe('0.8 ms');
    expect(formatDuration(42.4)).toBe('42 ms');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2_048)).toBe('2.0 kB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
  });
});
