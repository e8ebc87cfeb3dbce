/**
 * After sleep or a locked screen the network may have changed and timers have drifted, so the
 * tokens are revalidated once, after a pause that lets Wi-Fi come back and that absorbs the burst
 * of events a wake-up fires. The source is Electron's powerMonitor; nothing polls.
 */
import { debounce } from './debounce.js';

export const WAKE_EVENTS = ['resume', 'unlock-screen'] as const;
export type WakeEvent = (typeof WAKE_EVENTS)[number];

export const REVALIDATE_DELAY_MS = 5_000;

/** What this needs from powerMonitor (and what a test's EventEmitter gives). */
export interface WakeSource {
  on(event: WakeEvent, listener: () => void): unknown;
  removeListener(event: WakeEvent, listener: () => void): unknown;
}

/** Calls `revalidate` once per burst of wake events; returns the function that stops it. */
export function revalidateOnWake(
  source: WakeSource,
  revalidate: () => Promise<void>,
  options: { delayMs?: number; onError: (error: unknown) => void },
): () => void {
  const revalidation = debounce(
    revalidate,
    options.delayMs ?? REVALIDATE_DELAY_MS,
    options.onError,
  );
  for (const event of WAKE_EVENTS) source.on(event, revalidation.trigger);
  return () => {
    for (const event of WAKE_EVENTS) source.removeListener(event, revalidation.trigger);
    revalidation.cancel();
  };
}
