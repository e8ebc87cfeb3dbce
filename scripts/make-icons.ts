/**
 * Draws Gatekey's icons with nothing but Node: a key glyph rendered by supersampling simple
 * shapes, written by a small PNG encoder (zlib for the compression).
 *
 *   resources/icon.png                        512 px app icon (electron-builder makes .icns/.ico)
 *   resources/tray/<health>.png (+ @2x)       16/32 px, state colour, Windows and Linux
 *   resources/tray/<health>Template.png (+@2x) 16/32 px, black + alpha, macOS menu bar
 *
 * Run: npx tsx scripts/make-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { TRAY_HEALTHS, trayIconFile, type TrayHealth } from '../src-main/app/tray-model.js';

type Rgba = readonly [number, number, number, number];
/** Inside or outside, in unit coordinates: (0,0) top left, (1,1) bottom right. */
type Shape = (x: number, y: number) => boolean;
type Paint = (x: number, y: number) => Rgba;
interface Layer {
  shape: Shape;
  paint: Paint;
}

const SUPERSAMPLING = 4;
const STATE_COLOURS: Record<TrayHealth, Rgba> = {
  ok: [46, 160, 67, 255],
  attention: [219, 150, 0, 255],
  error: [214, 48, 49, 255],
};
const WHITE: Rgba = [255, 255, 255, 255];
const BLACK: Rgba = [0, 0, 0, 255];

// --- shapes ---------------------------------------------------------------------------------

const circle =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

/** A stroke from (x1,y1) to (x2,y2) with round ends. */
function capsule(x1: number, y1: number, x2: number, y2: number, halfWidth: number): Shape {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const lengthSquared = dx * dx + dy * dy;
  return (x, y) => {
    const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / lengthSquared));
    return (x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2 <= halfWidth * halfWidth;
  };
}

function roundedSquare(inset: number, radius: number): Shape {
  return (x, y) => {
    const qx = Math.max(Math.abs(x - 0.5) - (0.5 - inset - radius), 0);
    const qy = Math.max(Math.abs(y - 0.5) - (0.5 - inset - radius), 0);
    return qx * qx + qy * qy <= radius * radius;
  };
}

const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    shapes.some((shape) => shape(x, y));
const minus =
  (shape: Shape, hole: Shape): Shape =>
  (x, y) =>
    shape(x, y) && !hole(x, y);

/** The shape turned by `degrees` and scaled by `scale` around the centre. */
function transformed(shape: Shape, degrees: number, scale: number): Shape {
  const angle = (-degrees * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return (x, y) => {
    const u = (x - 0.5) / scale;
    const v = (y - 0.5) / scale;
    return shape(0.5 + u * cos - v * sin, 0.5 + u * sin + v * cos);
  };
}

/** A key lying flat, bow on the left; `weight` thickens the blade for small sizes. */
function key(weight: number): Shape {
  const stroke = 0.06 * weight;
  const bow = minus(circle(0.27, 0.5, 0.22), circle(0.27, 0.5, 0.1));
  const blade = capsule(0.45, 0.5, 0.9, 0.5, stroke);
  const teeth = [capsule(0.74, 0.5, 0.74, 0.68, stroke), capsule(0.87, 0.5, 0.87, 0.64, stroke)];
  return union(bow, blade, ...teeth);
}

/** Bow at the top left, blade to the bottom right, leaving the top-right corner for a badge. */
const diagonalKey = (weight: number, scale: number) => transformed(key(weight), 45, scale);

const BADGE_CENTRE = { x: 0.8, y: 0.2 };
const BADGE_RADIUS = 0.2;
const badgeClearance = circle(BADGE_CENTRE.x, BADGE_CENTRE.y, BADGE_RADIUS + 0.08);

/** Template images carry state by shape: nothing (ok), a dot (attention), a cross (error). */
function templateBadge(health: TrayHealth): Shape | undefined {
  const { x, y } = BADGE_CENTRE;
  const arm = BADGE_RADIUS * 0.8;
  if (health === 'attention') return circle(x, y, BADGE_RADIUS);
  if (health === 'error')
    return union(
      capsule(x - arm, y - arm, x + arm, y + arm, 0.07),
      capsule(x - arm, y + arm, x + arm, y - arm, 0.07),
    );
  return undefined;
}

// --- icons ----------------------------------------------------------------------------------

const mix = (from: Rgba, to: Rgba, t: number): Rgba => {
  const channel = (index: 0 | 1 | 2 | 3) => Math.round(from[index] + (to[index] - from[index]) * t);
  return [channel(0), channel(1), channel(2), channel(3)];
};

const solid =
  (colour: Rgba): Paint =>
  () =>
    colour;

function appIcon(): Layer[] {
  const top: Rgba = [76, 110, 245, 255];
  const bottom: Rgba = [32, 44, 120, 255];
  const gradient: Paint = (_x, y) => mix(top, bottom, y);
  return [
    { shape: roundedSquare(0.06, 0.2), paint: gradient },
    { shape: diagonalKey(1.2, 0.8), paint: solid(WHITE) },
  ];
}

function colouredTrayIcon(health: TrayHealth): Layer[] {
  return [
    { shape: circle(0.5, 0.5, 0.5), paint: solid(STATE_COLOURS[health]) },
    { shape: diagonalKey(1.4, 0.74), paint: solid(WHITE) },
  ];
}

function templateTrayIcon(health: TrayHealth): Layer[] {
  const badge = templateBadge(health);
  const glyph = diagonalKey(1.3, 1.1);
  return badge
    ? [{ shape: union(minus(glyph, badgeClearance), badge), paint: solid(BLACK) }]
    : [{ shape: glyph, paint: solid(BLACK) }];
}

// --- rendering and PNG ----------------------------------------------------------------------

/** Straight-alpha "source over" of one sample onto the pixel. */
function over(destination: Rgba, source: Rgba, coverage: number): Rgba {
  const sourceAlpha = (source[3] / 255) * coverage;
  const destinationAlpha = destination[3] / 255;
  const alpha = sourceAlpha + destinationAlpha * (1 - sourceAlpha);
  if (alpha === 0) return [0, 0, 0, 0];
  const mix = (index: 0 | 1 | 2) =>
    Math.round(
      (source[index] * sourceAlpha + destination[index] * destinationAlpha * (1 - sourceAlpha)) /
        alpha,
    );
  return [mix(0), mix(1), mix(2), Math.round(alpha * 255)];
}

function render(layers: readonly Layer[], size: number): Uint8Array {
  const pixels = new Uint8Array(size * size * 4);
  const step = 1 / SUPERSAMPLING;
  for (let row = 0; row < size; row++)
    for (let column = 0; column < size; column++) {
      let pixel: Rgba = [0, 0, 0, 0];
      for (const { shape, paint } of layers) {
        let inside = 0;
        for (let sy = 0; sy < SUPERSAMPLING; sy++)
          for (let sx = 0; sx < SUPERSAMPLING; sx++)
            if (shape((column + (sx + 0.5) * step) / size, (row + (sy + 0.5) * step) / size))
              inside++;
        if (inside > 0)
          pixel = over(
            pixel,
            paint((column + 0.5) / size, (row + 0.5) / size),
            inside / SUPERSAMPLING ** 2,
          );
      }
      pixels.set(pixel, (row * size + column) * 4);
    }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  return crc >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** An 8-bit RGBA PNG, every row with filter type 0 (none). */
export function encodePng(size: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type RGBA, deflate, no filter, no interlace
  const rowLength = size * 4;
  const raw = Buffer.alloc((rowLength + 1) * size);
  for (let row = 0; row < size; row++)
    raw.set(rgba.subarray(row * rowLength, (row + 1) * rowLength), row * (rowLength + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// --- output ---------------------------------------------------------------------------------

const TRAY_SIZE = 16;

function writeIcon(file: string, layers: readonly Layer[], size: number): void {
  writeFileSync(file, encodePng(size, render(layers, size)));
  console.log(`${path.relative(process.cwd(), file)} (${size}×${size})`);
}

/** `ok.png` → `ok@2x.png`: the names nativeImage pairs for high-DPI screens. */
const retinaName = (file: string) => file.replace(/\.png$/, '@2x.png');

function main(): void {
  const resources = path.resolve(import.meta.dirname, '..', 'resources');
  const trayDir = path.join(resources, 'tray');
  mkdirSync(trayDir, { recursive: true });
  writeIcon(path.join(resources, 'icon.png'), appIcon(), 512);
  for (const health of TRAY_HEALTHS)
    for (const [platform, layers] of [
      ['win32', colouredTrayIcon(health)],
      ['darwin', templateTrayIcon(health)],
    ] as const) {
      const file = path.join(trayDir, trayIconFile(health, platform));
      writeIcon(file, layers, TRAY_SIZE);
      writeIcon(retinaName(file), layers, TRAY_SIZE * 2);
    }
}

main();
