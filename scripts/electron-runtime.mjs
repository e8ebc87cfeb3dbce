#!/usr/bin/env node
// Fetches the Electron runtime when the tray app needs it (`npm start`, `npm run dist`). `npm ci`
// runs no install scripts (.npmrc), so Electron's own installer, which downloads the binary from
// GitHub rather than the npm registry, runs here instead; it returns at once when the binary is
// already in place.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const electronDir = path.dirname(require.resolve('electron/package.json'));
const { version } = require('electron/package.json');

const env = { ...process.env };
// Asked for explicitly: a skip switch left in the environment must not turn this into a no-op.
delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
const install = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
  env,
  encoding: 'utf8',
  stdio: ['ignore', 'inherit', 'pipe'],
});
if (install.status === 0) process.exit(0);

const reason =
  firstErrorLine(install.stderr ?? '') ??
  `the installer exited with ${install.status ?? install.signal}`;
console.error(`The tray app needs the Electron ${version} runtime, and it could not be fetched.
Electron's installer downloads it from GitHub (github.com/electron/electron/releases), not from
the npm registry, and it failed: ${reason}

Fix, whichever fits:
  - on a network that reaches github.com:    npm run electron:install
  - through a mirror of Electron's releases: ELECTRON_MIRROR=https://<mirror>/electron/ npm run electron:install
Gatekey without the tray needs no Electron: npm run demo, or npm run gatekey -- serve --ui.`);
process.exit(1);

/** The installer prints a stack; its first line that names an error is the reason. */
function firstErrorLine(stderr) {
  const line = stderr.split('\n').find((text) => /error/i.test(text));
  return line?.replace(/^\s*(Request)?Error:\s*/, '').trim() || undefined;
}
