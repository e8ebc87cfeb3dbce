const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Below this, a token counts as about to expire. */
export const EXPIRY_SOON_MS = 5 * MINUTE;

const pad = (value: number) => String(value).padStart(2, '0');

/** A span as a person reads it at a glance: "42s", "4m 05s", "1h 02m", "3d 4h". */
export function formatSpan(ms: number): string {
  const span = Math.abs(ms);
  if (span < MINUTE) return `${Math.floor(span / SECOND)}s`;
  if (span < HOUR)
    return `${Math.floor(span / MINUTE)}m ${pad(Math.floor((span % MINUTE) / SECOND))}s`;
  if (span < DAY) return `${Math.floor(span / HOUR)}h ${pad(Math.floor((span % HOUR) / MINUTE))}m`;
  return `${Math.floor(span / DAY)}d ${Math.floor((span % DAY) / HOUR)}h`;
}

/** "in 4m 05s" or "4m 05s ago". */
export function formatRelative(epochMs: number, now: number): string {
  const delta = epochMs - now;
  return delta >= 0 ? `in ${formatSpan(delta)}` : `${formatSpan(delta)} ago`;
}

export type ExpiryUrgency = 'fresh' | 'soon' | 'expired';

export interface Expiry {
  label: string;
  urgency: ExpiryUrgency;
}

export function describeExpiry(expiresAt: number, now: number): Expiry {
  const left = expiresAt - now;
  if (left <= 0) return { label: `expired ${formatSpan(left)} ago`, urgency: 'expired' };
  return {
    label: `expires in ${formatSpan(left)}`,
    urgency: left < EXPIRY_SOON_MS ? 'soon' : 'fresh',
  };
}

/** Local wall-clock time with seconds, for logs. */
export function formatClock(epochMs: number): string {
  const date = new Date(epochMs);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** Local date and time, for claims. */
export function formatDateTime(epochMs: number): string {
  const date = new Date(epochMs);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${formatClock(epochMs)}`;
}
