import { EventEmitter } from 'node:events';

import type { NewRequestLogEntry, RequestLogEntry, RequestLogFilter } from './log-types.js';

export type { NewRequestLogEntry, RequestLogEntry, RequestLogFilter } from './log-types.js';

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
