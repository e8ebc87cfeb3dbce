/** "in 42 min", "3 min ago", "in 2 h 5 min": for people, not for logs. */
export function describeRelative(targetMs: number, nowMs: number = Date.now()): string {
  const delta = targetMs - nowMs;
  const span = describeSpan(Math.abs(delta));
  if (span === 'now') return 'now';
  return delta >= 0 ? `in ${span}` : `${span} ago`;
}

export function describeSpan(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 1) return 'now';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}
