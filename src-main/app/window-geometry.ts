/** Where the popover goes: next to the tray icon, inside the screen's work area. */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Size {
  width: number;
  height: number;
}

export type WindowStyle = 'popover' | 'framed';

const GAP = 4;

/**
 * A popover needs the tray icon's position; Linux trays (AppIndicator) report none, so there the
 * window is an ordinary framed one.
 */
export function windowStyleFor(
  platform: NodeJS.Platform,
  trayBounds: Rect | undefined,
): WindowStyle {
  const known = trayBounds !== undefined && trayBounds.width > 0 && trayBounds.height > 0;
  return platform !== 'linux' && known ? 'popover' : 'framed';
}

const clamp = (value: number, min: number, max: number) => Math.max(min, Math.min(value, max));

/**
 * Centred on the tray icon, below it when the icon is in the top half of the screen (macOS menu
 * bar) and above it otherwise (Windows taskbar), then pushed inside the work area.
 */
export function popoverBounds(tray: Rect, size: Size, workArea: Rect): Rect {
  const centreX = tray.x + tray.width / 2;
  const iconInTopHalf = tray.y + tray.height / 2 < workArea.y + workArea.height / 2;
  const y = iconInTopHalf ? tray.y + tray.height + GAP : tray.y - size.height - GAP;
  return {
    x: Math.round(
      clamp(
        centreX - size.width / 2,
        workArea.x + GAP,
        workArea.x + workArea.width - size.width - GAP,
      ),
    ),
    y: Math.round(clamp(y, workArea.y + GAP, workArea.y + workArea.height - size.height - GAP)),
    width: size.width,
    height: size.height,
  };
}
