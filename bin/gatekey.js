#!/usr/bin/env node
// Runs the compiled CLI (dist/). Only in a source checkout, when there is no build or with
// GATEKEY_FROM_SOURCE=1 (as the tests set, so that a stale build is never what they test), does it
// run the TypeScript through tsx, a dev dependency that an installed package does not have.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/src-main/cli/main.js', import.meta.url);
const source = new URL('../src-main/cli/main.ts', import.meta.url);
const isBuilt = existsSync(fileURLToPath(built));
const isCheckout = existsSync(fileURLToPath(source));

if (isCheckout && (!isBuilt || process.env.GATEKEY_FROM_SOURCE)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else if (isBuilt) {
  await import(built.href);
} else {
  process.stderr.write(
    'gatekey: this package has no compiled CLI (dist/src-main/cli/main.js): it was packed without a build.\n' +
      'In the Gatekey checkout, pack it with `npm run pack` (it builds first), then install the new .tgz.\n',
  );
  process.exitCode = 1;
}
