import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The folder holding Gatekey's package.json, whether run from source (tsx) or from dist/. */
export const packageRoot = findPackageRoot(import.meta.dirname);

export const version: string = (
  JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** The built renderer served by `gatekey serve --ui`. */
export const rendererDir = path.join(packageRoot, 'dist', 'renderer');

/** How an IDE that only speaks stdio runs this very gatekey's stdio bridge. */
export const stdioCommand = {
  command: process.execPath,
  args: [path.join(packageRoot, 'bin', 'gatekey.js'), 'stdio'],
};

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${start}`);
  }
}
