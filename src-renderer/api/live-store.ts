import { applyConnection, applyEvent, initialLiveState, type LiveState } from './live-state.js';
import type { RendererApi } from './renderer-api.js';
import { createStore, type Store } from './store.js';

/** Keeps a LiveState current from the api's events for as long as the window lives. */
export function connectLiveStore(api: RendererApi): Store<LiveState> {
  const store = createStore(initialLiveState);
  api.subscribe((event) => store.update((state) => applyEvent(state, event)));
  api.onConnectionChange((connection) =>
    store.update((state) => applyConnection(state, connection)),
  );
  return store;
}
