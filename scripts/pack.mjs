#!/usr/bin/env node
// `npm run pack`: the npm package of the headless CLI, as `gatekey-<version>.tgz` in the checkout.
// Its files are the ones `files` in package.json selects; its manifest depends only on what the
// bundle leaves outside, so an install fetches neither the packages the bundle already holds nor
// the project's own tools.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI_EXTERNAL_PACKAGES } from './cli-externals.mjs';

const root = path.resolve(import.meta.dirname, '..');
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8' });

const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const missing = CLI_EXTERNAL_PACKAGES.filter((name) => !manifest.dependencies?.[name]);
if (missing.length > 0) {
  throw new Error(`scripts/pack.mjs: ${missing.join(', ')} must be in package.json's dependencies`);
}
const published = {
  ...manifest,
  dependencies: Object.fromEntries(
    CLI_EXTERNAL_PACKAGES.map((name) => [name, manifest.dependencies[name]]),
  ),
};
delete published.devDependencies;
delete published.scripts;

const stage = mkdtempSync(path.join(tmpdir(), 'gatekey-pack-'));
try {
  const [{ files }] = JSON.parse(npm(['pack', '--dry-run', '--json'], root));
  for (const { path: file } of files) {
    cpSync(path.join(root, file), path.join(stage, file), { recursive: true });
  }
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  const [{ filename }] = JSON.parse(npm(['pack', '--json', '--pack-destination', root], stage));
  console.log(`${filename}: ${files.length} files; depends on ${CLI_EXTERNAL_PACKAGES.join(', ')}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
