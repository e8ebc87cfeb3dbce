import { useSyncExternalStore } from 'react';

/** One ticker for the whole window, running only while someone watches the clock. */
const clock = (() => {
  const listeners = new Set<() => void>();
  let now = Date.now();
  let timer: ReturnType<typeof setInterval> | undefined;
  const tick = () => {
    now = Date.now();
    for (const listener of listeners) listener();
  };
  return {
    subscribe(listener: () => void) {
      if (listeners.size === 0) {
        now = Date.now();
        timer = setInterval(tick, 1_000);
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) clearInterval(timer);
      };
    },
    get: () => now,
  };
})();

/** The current time in epoch ms, re-rendering every second: countdowns tick without refetching. */
export function useNow(): number {
  return useSyncExternalStore(clock.subscribe, clock.get);
}
