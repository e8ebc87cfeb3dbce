/** "42 s", "3 min", "2 h 5 min", "4 d 3 h": the two largest units, rounded down. */
export function describeDuration(seconds: number): string {
  const whole = Math.floor(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min`;
  if (whole < 86_400)
    return withRemainder(Math.floor(whole / 3600), 'h', (whole % 3600) / 60, 'min');
  return withRemainder(Math.floor(whole / 86_400), 'd', (whole % 86_400) / 3600, 'h');
}

function withRemainder(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  const wholeMinor = Math.floor(minor);
  return wholeMinor === 0
    ? `${major} ${majorUnit}`
    : `${major} ${majorUnit} ${wholeMinor} ${minorUnit}`;
}

/** "in 42 min", "3 min ago": for people, not for logs. */
export function describeRelative(targetMs: number, nowMs: number = Date.now()): string {
  const seconds = (targetMs - nowMs) / 1000;
  const span = describeDuration(Math.abs(seconds));
  return seconds >= 0 ? `in ${span}` : `${span} ago`;
}
