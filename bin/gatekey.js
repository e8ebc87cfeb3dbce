#!/usr/bin/env node
// Runs the bundled CLI (dist/cli/, `npm run build` makes it): a few files to read instead of the
// hundreds of modules of the compiled tree, which is most of a cold command's start-up. Only in a
// source checkout, when there is no build or with GATEKEY_FROM_SOURCE=1 (as the tests set, so
// that a stale build is never what they test), does it run the TypeScript through tsx, a dev
// dependency that an installed package does not have.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/cli/gatekey.mjs', import.meta.url);
const source = new URL('../src-main/cli/main.ts', import.meta.url);
const isBuilt = existsSync(fileURLToPath(bundle));
const isCheckout = existsSync(fileURLToPath(source));

if (isCheckout && (!isBuilt || process.env.GATEKEY_FROM_SOURCE)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else if (isBuilt) {
  await import(bundle.href);
} else {
  process.stderr.write(
    'gatekey: this package has no compiled CLI (dist/cli/gatekey.mjs): it was packed without a build.\n' +
      'In the Gatekey checkout, pack it with `npm run pack` (it builds first), then install the new .tgz.\n',
  );
  process.exitCode = 1;
}
