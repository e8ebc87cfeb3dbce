#!/usr/bin/env node
// Runs the built CLI; in a source checkout without a build (or with GATEKEY_FROM_SOURCE=1, as the
// tests do, so that a stale build is never what they test) runs the TypeScript through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/src-main/cli/main.js', import.meta.url));
if (existsSync(built) && !process.env.GATEKEY_FROM_SOURCE) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src-main/cli/main.ts', import.meta.url).href);
}
