/**
 * After sleep, a locked screen or a network change, timers have drifted or the route to the IdP is
 * new, so the tokens are revalidated once, after a pause that lets Wi-Fi come back and that
 * absorbs the burst of events a wake-up (or a wake-up and its network change) fires. Wake-ups come
 * from Electron's powerMonitor. Electron's main process has no network-change event, so the
 * network is sampled: one cheap comparison per interval, on an unref'd timer.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { debounce } from './debounce.js';

export const WAKE_EVENTS = ['resume', 'unlock-screen'] as const;
export type WakeEvent = (typeof WAKE_EVENTS)[number];

export const REVALIDATE_DELAY_MS = 5_000;
export const NETWORK_CHECK_INTERVAL_MS = 10_000;

/** What this needs from powerMonitor (and what a test's EventEmitter gives). */
export interface WakeSource {
  on(event: WakeEvent, listener: () => void): unknown;
  removeListener(event: WakeEvent, listener: () => void): unknown;
}

/** What this needs to see the network: `os.networkInterfaces` and Electron's `net.isOnline`. */
export interface NetworkSource {
  interfaces(): NodeJS.Dict<NetworkInterfaceInfo[]>;
  isOnline(): boolean;
}

/** Calls `tick` every `ms` until the returned function is called. */
export type Every = (ms: number, tick: () => void) => () => void;

const everyUnref: Every = (ms, tick) => {
  const timer = setInterval(tick, ms).unref();
  return () => clearInterval(timer);
};

export interface NetworkWatch {
  source: NetworkSource;
  every?: Every;
  intervalMs?: number;
}

/** Online state plus every non-loopback address: equal signatures mean nothing worth noticing. */
export function networkSignature(source: NetworkSource): { online: boolean; signature: string } {
  const online = source.isOnline();
  const addresses = Object.entries(source.interfaces())
    .flatMap(([name, infos]) =>
      (infos ?? []).filter((info) => !info.internal).map((info) => `${name}=${info.address}`),
    )
    .sort();
  return { online, signature: `${online ? 'online' : 'offline'} ${addresses.join(' ')}` };
}

/**
 * Calls `onChange` when the network differs from the last sample and is online (going offline
 * is recorded, not announced: a revalidation then could only fail). Returns the stop function.
 */
export function watchNetwork(watch: NetworkWatch, onChange: () => void): () => void {
  let last = networkSignature(watch.source).signature;
  const every = watch.every ?? everyUnref;
  return every(watch.intervalMs ?? NETWORK_CHECK_INTERVAL_MS, () => {
    const now = networkSignature(watch.source);
    if (now.signature === last) return;
    last = now.signature;
    if (now.online) onChange();
  });
}

/**
 * Calls `revalidate` once per burst of wake events and network changes; returns the function
 * that stops it.
 */
export function revalidateOnWake(
  source: WakeSource,
  revalidate: () => Promise<void>,
  options: { delayMs?: number; network?: NetworkWatch; onError: (error: unknown) => void },
): () => void {
  const revalidation = debounce(
    revalidate,
    options.delayMs ?? REVALIDATE_DELAY_MS,
    options.onError,
  );
  for (const event of WAKE_EVENTS) source.on(event, revalidation.trigger);
  const stopWatchingNetwork = options.network
    ? watchNetwork(options.network, revalidation.trigger)
    : () => {};
  return () => {
    for (const event of WAKE_EVENTS) source.removeListener(event, revalidation.trigger);
    stopWatchingNetwork();
    revalidation.cancel();
  };
}
