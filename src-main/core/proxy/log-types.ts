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
