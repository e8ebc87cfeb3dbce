import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { LiveState } from './live-state.js';
import type { RendererApi } from './renderer-api.js';
import type { Store } from './store.js';

interface ApiContextValue {
  api: RendererApi;
  live: Store<LiveState>;
}

const ApiContext = createContext<ApiContextValue | undefined>(undefined);

export function ApiProvider({ value, children }: { value: ApiContextValue; children: ReactNode }) {
  return <ApiContext value={value}>{children}</ApiContext>;
}

function useApiContext(): ApiContextValue {
  const value = useContext(ApiContext);
  if (!value) throw new Error('useApi outside <ApiProvider>');
  return value;
}

export const useApi = (): RendererApi => useApiContext().api;

export const useLiveStore = (): Store<LiveState> => useApiContext().live;

/** A slice of the live state; the selector must return a value already held in the state. */
export function useLive<T>(select: (state: LiveState) => T): T {
  const live = useLiveStore();
  return useSyncExternalStore(live.subscribe, () => select(live.get()));
}
