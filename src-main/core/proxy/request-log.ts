import { EventEmitter } from 'node:events';

/** One request through the proxy, as the window and `log.recent` show it. No bodies, no tokens. */
export interface RequestLogEntry {
  id: number;
  /** Epoch ms when the request arrived. */
  time: number;
  gateway: string;
  httpMethod: string;
  /** The JSON-RPC method of a small single-message body, e.g. `tools/call`. */
  rpcMethod?: string;
  /** `params.name` of a `tools/call`. */
  toolName?: string;
  /** The HTTP status the IDE received. */
  status: number;
  durationMs: number;
  /** Request body bytes from the IDE. */
  bytesIn: number;
  /** Response body bytes to the IDE. */
  bytesOut: number;
  /** A second upstream request was sent (after a 401, or a stale pooled connection). */
  retried: boolean;
  /** A new token was obtained because the upstream rejected the one sent. */
  refreshed: boolean;
  /** What the proxy answered instead of the upstream, when it had to. */
  error?: string;
}

export type NewRequestLogEntry = Omit<RequestLogEntry, 'id'>;

export interface RequestLogFilter {
  gateway?: string;
  status?: 'ok' | 'error';
}

const DEFAULT_CAPACITY = 500;

export function isErrorEntry(entry: RequestLogEntry): boolean {
  return entry.error !== undefined || entry.status >= 400;
}

/** The last `capacity` requests, oldest first, in a fixed ring. Emits `entry` for each new one. */
export class RequestLog extends EventEmitter<{ entry: [RequestLogEntry] }> {
  private readonly ring: RequestLogEntry[] = [];
  private nextId = 1;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {
    super();
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`RequestLog capacity must be a positive integer, got ${capacity}`);
  }

  add(entry: NewRequestLogEntry): RequestLogEntry {
    const id = this.nextId++;
    const stored: RequestLogEntry = { id, ...entry };
    this.ring[(id - 1) % this.capacity] = stored;
    this.emit('entry', stored);
    return stored;
  }

  recent(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.inOrder().filter(
      (entry) =>
        (filter.gateway === undefined || entry.gateway === filter.gateway) &&
        (filter.status === undefined || isErrorEntry(entry) === (filter.status === 'error')),
    );
  }

  private inOrder(): RequestLogEntry[] {
    if (this.ring.length < this.capacity) return [...this.ring];
    const oldest = (this.nextId - 1) % this.capacity;
    return [...this.ring.slice(oldest), ...this.ring.slice(0, oldest)];
  }
}
