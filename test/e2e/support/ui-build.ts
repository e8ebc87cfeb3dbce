import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'vite';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const UI_DIR = path.join(repoRoot, 'dist/renderer');

/** What the bundle is made of: the renderer, its config, and the core modules it imports. */
const SOURCES = [
  'src-renderer',
  'vite.config.ts',
  'src-main/core/api/contract.ts',
  'src-main/core/api/routes.ts',
  'src-main/core/gateways/schema.ts',
];

async function newestMtime(entry: string): Promise<number> {
  const info = await stat(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  const children = await readdir(entry, { withFileTypes: true, recursive: true });
  const times = await Promise.all(
    children
      .filter((child) => child.isFile())
      .map(async (child) => (await stat(path.join(child.parentPath, child.name))).mtimeMs),
  );
  return Math.max(info.mtimeMs, ...times);
}

async function builtAt(): Promise<number | undefined> {
  return stat(path.join(UI_DIR, 'index.html')).then(
    (info) => info.mtimeMs,
    () => undefined,
  );
}

/** Builds dist/renderer with vite when it is missing or older than any of its sources. */
export async function ensureUiBuilt(): Promise<string> {
  const built = await builtAt();
  const sourcesChanged = Math.max(
    ...(await Promise.all(SOURCES.map((source) => newestMtime(path.join(repoRoot, source))))),
  );
  if (built === undefined || built < sourcesChanged) await productionBuild();
  return UI_DIR;
}

/** Vitest sets NODE_ENV=test, which would make vite bundle React's development build. */
async function productionBuild(): Promise<void> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: path.join(repoRoot, 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
