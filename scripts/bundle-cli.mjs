#!/usr/bin/env node
// `npm run build` bundles the `gatekey` command into dist/cli/ (bin/gatekey.js runs it): a cold
// command then reads a few files instead of hundreds of modules, which is most of its start-up.
// What a command loads late (the core for `serve`, the demo, the stdio bridge) stays in chunks
// loaded on use; scripts/cli-externals.mjs names the packages left outside. The source map names the TypeScript
// files: run with `node --enable-source-maps` for stack traces in source terms.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { CLI_EXTERNAL_PACKAGES } from './cli-externals.mjs';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist', 'cli');

/**
 * Node's own modules through require(): importing one as an ES module reads every export, and on
 * Node 22 `node:http`'s lazy ones load undici (tens of ms of every start) though none is used.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(bundle) {
    bundle.onResolve({ filter: /^[a-z_:/]+$/ }, ({ path: name }) =>
      isBuiltin(name) ? { path: name, namespace: 'builtin' } : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: 'builtin' }, ({ path: name }) => ({
      contents: `module.exports = __gatekeyRequire(${JSON.stringify(name)});`,
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { gatekey: 'src-main/cli/main.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  mainFields: ['module', 'main'],
  external: CLI_EXTERNAL_PACKAGES,
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  plugins: [builtinsByRequire],
  banner: {
    js: "import { createRequire as __gatekeyCreateRequire } from 'node:module'; const __gatekeyRequire = __gatekeyCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
