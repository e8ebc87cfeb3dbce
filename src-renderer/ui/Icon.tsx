import type { ReactElement } from 'react';
import { classNames } from '../common/class-names.js';

const path = (d: string) => <path d={d} />;
const circle = (cx: number, cy: number, r: number) => <circle cx={cx} cy={cy} r={r} />;

/** Stroke icons drawn on a 24×24 grid. */
const shapes = {
  check: path('M20 6 9 17l-5-5'),
  x: path('M18 6 6 18M6 6l12 12'),
  minus: path('M5 12h14'),
  plus: path('M12 5v14M5 12h14'),
  alert: path(
    'M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0zM12 9v4M12 17h.01',
  ),
  error: (
    <>
      {circle(12, 12, 10)}
      {path('M15 9l-6 6M9 9l6 6')}
    </>
  ),
  info: (
    <>
      {circle(12, 12, 10)}
      {path('M12 16v-4M12 8h.01')}
    </>
  ),
  ok: (
    <>
      {circle(12, 12, 10)}
      {path('m8 12 3 3 5-6')}
    </>
  ),
  help: (
    <>
      {circle(12, 12, 10)}
      {path('M9.1 9a3 3 0 0 1 5.8 1c0 2-3 3-3 3M12 17h.01')}
    </>
  ),
  copy: (
    <>
      <rect x="9" y="9" width="13" height="13" rx="2" />
      {path('M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1')}
    </>
  ),
  refresh: path('M21 12a9 9 0 1 1-3-6.7L21 8M21 3v5h-5'),
  back: path('M19 12H5M12 19l-7-7 7-7'),
  external: path('M15 3h6v6M10 14 21 3M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6'),
  eye: (
    <>
      {path('M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z')}
      {circle(12, 12, 3)}
    </>
  ),
  eyeOff: path(
    'M3 3l18 18M10.6 6.1A10 10 0 0 1 12 6c6.5 0 10 6 10 6a17 17 0 0 1-2.6 3.4M6.6 6.6C3.8 8.3 2 12 2 12s3.5 7 10 7a9.7 9.7 0 0 0 5.4-1.6M9.9 9.9a3 3 0 0 0 4.2 4.2',
  ),
  key: (
    <>
      {circle(7.5, 15.5, 5.5)}
      {path('m21 2-9.6 9.6M15.5 7.5l3 3L22 7l-3-3')}
    </>
  ),
  plug: path('M12 22v-5M9 8V2M15 8V2M18 8v5a4 4 0 0 1-4 4h-4a4 4 0 0 1-4-4V8z'),
  activity: path('M22 12h-4l-3 9L9 3l-3 9H2'),
  search: (
    <>
      {circle(11, 11, 7)}
      {path('m20 20-3.5-3.5')}
    </>
  ),
  shield: path('M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z'),
  signIn: path('M15 3h4a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-4M10 17l5-5-5-5M15 12H3'),
  signOut: path('M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9'),
  chevronRight: path('m9 18 6-6-6-6'),
  chevronDown: path('m6 9 6 6 6-6'),
  trash: path('M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6'),
  pencil: path('M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z'),
  play: path('M6 4l14 8-14 8z'),
  sparkle: path(
    'M12 3l1.9 5.1L19 10l-5.1 1.9L12 17l-1.9-5.1L5 10l5.1-1.9zM19 17l.7 1.8 1.8.7-1.8.7L19 22l-.7-1.8-1.8-.7 1.8-.7z',
  ),
  clock: (
    <>
      {circle(12, 12, 10)}
      {path('M12 7v5l3 2')}
    </>
  ),
  lock: (
    <>
      <rect x="4" y="11" width="16" height="10" rx="2" />
      {path('M8 11V7a4 4 0 0 1 8 0v4')}
    </>
  ),
  spinner: path('M21 12a9 9 0 1 1-6.2-8.6'),
  dot: <circle cx="12" cy="12" r="4" fill="currentColor" />,
} satisfies Record<string, ReactElement>;

export type IconName = keyof typeof shapes;

export function Icon({
  name,
  size = 16,
  className,
}: {
  name: IconName;
  size?: number;
  className?: string;
}) {
  return (
    <svg
      className={classNames('icon', name === 'spinner' && 'icon-spin', className)}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {shapes[name]}
    </svg>
  );
}
