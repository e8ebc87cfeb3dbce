#!/usr/bin/env node
// The headless CLI as a user installs it: `npm run pack`, `npm install -g` of the tarball into an
// empty prefix (dependencies from the registry, through the usual npm cache), then the demo and
// the everyday commands run from that prefix, without Electron and without any dev dependency.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CLI_EXTERNAL_PACKAGES } from './cli-externals.mjs';

const root = path.resolve(import.meta.dirname, '..');
const { version, devDependencies } = JSON.parse(
  readFileSync(path.join(root, 'package.json'), 'utf8'),
);
const DEMO_TOOL_CALL_LIMIT_MS = 30_000;

const work = mkdtempSync(path.join(tmpdir(), 'gatekey-packed-'));
const prefix = path.join(work, 'prefix');
const demoHome = path.join(work, 'no-such-folder', 'demo-home');
const serveHome = path.join(work, 'serve-home');
const children = new Set();
let failed = false;

try {
  step('npm run pack');
  run('npm', ['run', 'pack'], { cwd: root });
  const tarball = path.join(root, `gatekey-${version}.tgz`);
  step(`npm install -g ${path.basename(tarball)} into an empty prefix`);
  run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], {
    cwd: work,
  });
  rmSync(tarball);

  const installed = path.join(prefix, 'lib', 'node_modules', 'gatekey');
  const devInstalled = Object.keys(devDependencies).filter((name) =>
    existsSync(path.join(installed, 'node_modules', name)),
  );
  check(
    devInstalled.length === 0,
    `no dev dependency is installed (found: ${devInstalled.join(', ')})`,
  );
  const installedManifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
  check(
    Object.keys(installedManifest.dependencies).sort().join() ===
      [...CLI_EXTERNAL_PACKAGES].sort().join(),
    `the package depends only on what the bundle leaves outside (${CLI_EXTERNAL_PACKAGES.join(', ')})`,
  );
  check(!existsSync(path.join(installed, 'src-main')), 'the package holds no TypeScript source');
  check(
    existsSync(path.join(installed, 'dist', 'cli', 'gatekey.mjs')) &&
      !existsSync(path.join(installed, 'dist', 'src-main', 'cli')),
    'the package holds the bundled CLI, not the compiled tree',
  );

  const gatekey = path.join(prefix, 'bin', 'gatekey');
  check(gatekeyOut(['--version']).trim() === version, `gatekey --version prints ${version}`);
  check(gatekeyOut(['--help']).includes('Commands:'), 'gatekey --help lists the commands');

  step('gatekey demo (from the installed package)');
  const started = Date.now();
  const demo = startGatekey(['demo', '--port', '0', '--home', demoHome]);
  const toolCall = await demo.waitFor(
    /Tool call through the proxy succeeded/,
    DEMO_TOOL_CALL_LIMIT_MS,
  );
  check(
    Boolean(toolCall),
    `the demo's tool call went through within ${DEMO_TOOL_CALL_LIMIT_MS / 1000} s`,
  );
  console.log(`    (after ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const live = await demo.waitFor(/Press Ctrl-C to stop/, 10_000);
  check(Boolean(live), 'the demo stays up');

  const home = ['--home', demoHome];
  check(gatekeyOut(['list', ...home]).includes('demo'), 'gatekey list shows the demo gateway');
  const loaded = modulesLoadedBy(['list', ...home]);
  check(
    loaded.some((url) => url.endsWith('/dist/cli/gatekey.mjs')) &&
      loaded.every((url) => !url.includes('/gatekey/node_modules/')),
    `gatekey list runs the bundle and loads no package (loaded: ${loaded.join(', ')})`,
  );
  gatekeyOut([...home, 'login', 'demo']);
  check(!failed, 'gatekey login demo');
  check(
    gatekeyOut([...home, 'token', 'demo']).split('.').length === 3,
    'gatekey token prints a JWT',
  );
  check(
    gatekeyOut(['inspect', 'demo', ...home]).includes('gatekey-basic'),
    'gatekey inspect demo shows the claims',
  );
  check(
    gatekeyOut(['config', 'demo', '--client', 'vscode', ...home]).includes('/mcp/demo'),
    'gatekey config',
  );
  gatekeyOut(['add', 'probe', '--url', 'http://127.0.0.1:9/mcp', '--auth', 'none', ...home]);
  check(gatekeyOut(['--json', ...home, 'list']).includes('"probe"'), 'gatekey add');
  gatekeyOut(['remove', 'probe', ...home]);
  check(await stdioAnswers(gatekey, home), 'gatekey stdio demo answers initialize');

  demo.child.kill('SIGINT');
  check((await demo.exited) === 0, 'the demo stops on Ctrl-C');

  step('gatekey serve --ui (the dashboard from the installed package)');
  const serve = startGatekey(['serve', '--ui', '--port', '0', '--home', serveHome]);
  const link = await serve.waitFor(/Dashboard \(one-time link\): (\S+)/, 20_000);
  check(Boolean(link), 'serve --ui prints the dashboard link');
  if (link) {
    const origin = new URL(link[1]).origin;
    const page = await fetch(`${origin}/`);
    const html = await page.text();
    const asset = html.match(/src="\.?\/?(assets\/[^"]+\.js)"/)?.[1];
    check(page.ok && Boolean(asset), 'the dashboard page is served');
    const script = asset ? await fetch(`${origin}/${asset}`) : undefined;
    check(script?.ok === true, 'the dashboard script is served');
  }
  serve.child.kill('SIGINT');
  check((await serve.exited) === 0, 'serve stops on Ctrl-C');

  function gatekeyOut(args) {
    const result = spawnSync(gatekey, args, { encoding: 'utf8', env: cleanEnv(), timeout: 60_000 });
    if (result.status !== 0) {
      fail(`gatekey ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
    }
    return result.stdout ?? '';
  }

  /** The module URLs a command loads, from the module-trace hook of the tests. */
  function modulesLoadedBy(args) {
    const trace = path.join(work, `modules-${args[0]}.txt`);
    const hook = path.join(root, 'test', 'support', 'module-trace.mjs');
    const env = { ...cleanEnv(), NODE_OPTIONS: `--import=${hook}`, GATEKEY_MODULE_TRACE: trace };
    const result = spawnSync(gatekey, args, { encoding: 'utf8', env, timeout: 60_000 });
    if (result.status !== 0) fail(`gatekey ${args.join(' ')} exited ${result.status}`);
    return existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter(Boolean) : [];
  }

  function startGatekey(args) {
    const child = spawn(gatekey, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const lines = [];
    const waiters = new Set();
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        for (const waiter of waiters) waiter(line);
      });
    }
    const exited = new Promise((resolve) =>
      child.on('close', (code) => (children.delete(child), resolve(code))),
    );
    return {
      child,
      exited,
      waitFor(pattern, limitMs) {
        const seen = lines.map((line) => line.match(pattern)).find(Boolean);
        if (seen) return Promise.resolve(seen);
        return new Promise((resolve) => {
          const done = (match) => {
            if (!waiters.delete(waiter)) return;
            clearTimeout(timer);
            if (!match) console.error(`    output so far:\n      ${lines.join('\n      ')}`);
            resolve(match);
          };
          const waiter = (line) => {
            const match = line.match(pattern);
            if (match) done(match);
          };
          const timer = setTimeout(() => done(undefined), limitMs);
          exited.then(() => done(undefined));
          waiters.add(waiter);
        });
      },
    };
  }
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
console.log(failed ? '\npacked CLI: FAILED' : '\npacked CLI: all checks passed');
process.exit(failed ? 1 : 0);

/** What a user's shell has, minus what a checkout's npm run would add: nothing of the project. */
function cleanEnv() {
  const env = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) if (name.startsWith('npm_')) delete env[name];
  delete env.GATEKEY_FROM_SOURCE;
  delete env.GATEKEY_HOME;
  return env;
}

function stdioAnswers(gatekey, home) {
  return new Promise((resolve) => {
    const child = spawn(gatekey, ['stdio', 'demo', ...home], {
      env: cleanEnv(),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.add(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      child.stdin.end();
      resolve(/"serverInfo"/.test(line));
    });
    child.on('close', () => (children.delete(child), clearTimeout(timer), resolve(false)));
    child.stdin.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'packed-cli-check', version },
        },
      }) + '\n',
    );
  });
}

function run(command, args, options) {
  const result = spawnSync(command, args, { ...options, stdio: 'inherit', env: cleanEnv() });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
}

function step(text) {
  console.log(`::: ${text}`);
}

function check(ok, what) {
  console.log(`  ${ok ? '✓' : '✗'} ${what}`);
  if (!ok) failed = true;
}

function fail(message) {
  console.error(`  ✗ ${message}`);
  failed = true;
}
