import type { ApiClient } from './types.js';

/** Whether the event stream is live; events sent while it is not are lost, so resync after. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

/** The contract's ApiClient plus what a UI needs to know about its event stream. */
export interface RendererApi extends ApiClient {
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
}
