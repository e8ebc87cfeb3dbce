// Writes Electron's declarations without their `declare module 'electron…'` blocks, for
// test/support/electron/tsconfig.json: there `electron` must be the stand-in, and TypeScript
// prefers an ambient module declaration over any path mapping.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const source = readFileSync(path.join(root, 'node_modules/electron/electron.d.ts'), 'utf8');
const globals = source.replace(/^declare module 'electron[^']*' \{\n[\s\S]*?^\}\n/gm, '');
if (globals === source || /^declare module 'electron/m.test(globals))
  throw new Error(
    "electron.d.ts changed shape: expected top-level `declare module 'electron…'` blocks.",
  );
const target = path.join(root, 'node_modules/.cache/gatekey/electron-globals.d.ts');
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, globals);
