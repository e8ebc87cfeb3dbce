import type { ApiClient } from './types.js';

/** Whether the event stream is live; events sent while it is not are lost, so resync after. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

/** The browser dashboard's own session; the Electron window has none. */
export interface DashboardSession {
  /** Whether this tab ended its session (so a reload shows that, not errors). */
  ended(): boolean;
  /** Revokes the session at Gatekey, forgets it, and stops the event stream. */
  end(): Promise<void>;
}

/** The contract's ApiClient plus what a UI needs to know about its event stream. */
export interface RendererApi extends ApiClient {
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  /** Only in the browser dashboard (`gatekey serve --ui`). */
  readonly session?: DashboardSession;
}
