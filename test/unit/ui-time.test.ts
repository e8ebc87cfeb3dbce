import { describe, expect, it } from 'vitest';
import {
  describeExpiry,
  formatClock,
  formatDateTime,
  formatRelative,
  formatSpan,
} from '../../src-renderer/common/time.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe('times as the window shows them', () => {
  it('writes spans at the precision that matters', () => {
    expect(formatSpan(42 * SECOND + 900)).toBe('42s');
    expect(formatSpan(4 * MINUTE + 5 * SECOND)).toBe('4m 05s');
    expect(formatSpan(HOUR + 2 * MINUTE + 59 * SECOND)).toBe('1h 02m');
    expect(formatSpan(3 * 24 * HOUR + 4 * HOUR)).toBe('3d 4h');
    expect(formatSpan(-90 * SECOND)).toBe('1m 30s');
  });

  it('says whether a moment is ahead or behind', () => {
    expect(formatRelative(10 * MINUTE, 0)).toBe('in 10m 00s');
    expect(formatRelative(0, 5 * SECOND)).toBe('5s ago');
  });

  it('counts a token down and warns in its last five minutes', () => {
    const now = 1_000_000;
    expect(describeExpiry(now + HOUR, now)).toEqual({
      label: 'expires in 1h 00m',
      urgency: 'fresh',
    });
    expect(describeExpiry(now + 4 * MINUTE, now)).toEqual({
      label: 'expires in 4m 00s',
      urgency: 'soon',
    });
    expect(describeExpiry(now - 3 * MINUTE, now)).toEqual({
      label: 'expired 3m 00s ago',
      urgency: 'expired',
    });
  });

  it('writes local wall-clock times', () => {
    const moment = new Date(2026, 0, 2, 3, 4, 5).getTime();
    expect(formatClock(moment)).toBe('03:04:05');
    expect(formatDateTime(moment)).toBe('2026-01-02 03:04:05');
  });
});
