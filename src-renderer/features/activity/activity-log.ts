import type { RequestLogEntry } from '../../api/types.js';

export type StatusFilter = 'ok' | 'error';

export interface LogFilter {
  gateway?: string;
  status?: StatusFilter;
}

export const isErrorEntry = (entry: RequestLogEntry): boolean =>
  entry.error !== undefined || entry.status >= 400;

function matchesFilter(entry: RequestLogEntry, filter: LogFilter): boolean {
  if (filter.gateway && entry.gateway !== filter.gateway) return false;
  if (filter.status === 'error') return isErrorEntry(entry);
  if (filter.status === 'ok') return !isErrorEntry(entry);
  return true;
}

/**
 * The listing the instance returned plus what arrived live since, once each, newest first,
 * through the same filter the listing used.
 */
export function mergeLog(
  listed: readonly RequestLogEntry[],
  live: readonly RequestLogEntry[],
  filter: LogFilter,
): RequestLogEntry[] {
  const byId = new Map<number, RequestLogEntry>();
  for (const entry of [...listed, ...live]) {
    if (matchesFilter(entry, filter)) byId.set(entry.id, entry);
  }
  return [...byId.values()].sort((a, b) => b.time - a.time || b.id - a.id);
}

/** The call a person recognises: the tool, else the JSON-RPC method, else the HTTP method. */
export function describeCall(entry: RequestLogEntry): { primary: string; secondary?: string } {
  if (entry.toolName)
    return { primary: entry.toolName, secondary: entry.rpcMethod ?? 'tools/call' };
  if (entry.rpcMethod) return { primary: entry.rpcMethod, secondary: entry.httpMethod };
  return { primary: entry.httpMethod };
}

/** "0.8 ms", "5.3 ms", "42 ms": a decimal only where it says something. */
export function formatDuration(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
