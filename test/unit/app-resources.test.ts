import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRAY_HEALTHS, trayIconFile } from '../../src-main/app/tray-model.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const PNG_SIGNATURE = '89504e470d0a1a0a';
const RGBA = 6;

/** Width, height and colour type from a PNG's IHDR chunk. */
async function pngHeader(file: string) {
  const bytes = await readFile(path.join(repoRoot, file));
  expect(bytes.subarray(0, 8).toString('hex'), file).toBe(PNG_SIGNATURE);
  expect(bytes.toString('ascii', 12, 16), file).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), colourType: bytes[25] };
}

describe('icons', () => {
  it('has a 512 px app icon', async () => {
    expect(await pngHeader('resources/icon.png')).toEqual({
      width: 512,
      height: 512,
      colourType: RGBA,
    });
  });

  it.each(
    TRAY_HEALTHS.flatMap((health) =>
      (['darwin', 'win32'] as const).map((platform) => [health, platform] as const),
    ),
  )('has the %s tray icon for %s at 16 px and @2x', async (health, platform) => {
    const file = `resources/tray/${trayIconFile(health, platform)}`;
    expect(await pngHeader(file)).toEqual({ width: 16, height: 16, colourType: RGBA });
    expect(await pngHeader(file.replace(/\.png$/, '@2x.png'))).toEqual({
      width: 32,
      height: 32,
      colourType: RGBA,
    });
  });
});

describe('electron-builder.yml', () => {
  it('points at files that exist', async () => {
    const config = await readFile(path.join(repoRoot, 'electron-builder.yml'), 'utf8');
    const referenced = [...config.matchAll(/\bresources\/[\w./-]+\.(?:png|plist)\b/g)].map(
      (match) => match[0],
    );
    expect(referenced.length).toBeGreaterThan(3);
    for (const file of referenced) expect(existsSync(path.join(repoRoot, file)), file).toBe(true);
  });

  it('ships the tray icons and unpacks the native keychain module', async () => {
    const config = await readFile(path.join(repoRoot, 'electron-builder.yml'), 'utf8');
    expect(config).toMatch(/^appId: dev\.gatekey\.app$/m);
    expect(config).toMatch(/^ {2}- resources\/tray\/\*\*$/m);
    expect(config).toMatch(/^ {2}- '\*\*\/node_modules\/@napi-rs\/keyring\*\/\*\*'$/m);
    expect(config).toMatch(/^ {4}schemes: \[gatekey\]$/m);
    expect(config).toMatch(/^ {4}LSUIElement: true$/m);
  });
});
