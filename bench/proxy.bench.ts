/**
 * `npm run bench`: the built `gatekey serve` as it ships (its config store, the keychain through a
 * private D-Bus session and gnome-keyring, the token manager with a client-credentials token from
 * a local IdP, the request log), with ten gateways, in front of a fast local upstream. The same
 * load goes direct to the upstream (the client adds the token itself) and through nginx adding a
 * static Authorization header, for reference. The load generator is wrk; the setups take turns in
 * short rounds and each is compared with direct within its round, because this machine's speed
 * drifts within seconds. Then footprint: start-up, idle RSS and CPU, a cold `gatekey list`.
 * About two minutes in all.
 *
 * GATEKEY_BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of the measured `gatekey serve` there.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { connectToInstance } from '../src-main/core/api/http-client.js';
import type { ApiClient } from '../src-main/core/api/contract.js';
import { startIdp, type RunningIdp } from '../src-main/demo/idp.js';
import { GATEKEY_BIN, temporaryHome } from '../test/support/cli.js';
import { freePort } from '../test/support/ports.js';
import { startPrivateKeyring, type PrivateKeyring } from '../test/support/reliability-keyring.js';
import { removeTemporaryDirectories } from '../test/support/temporary.js';
import type { Endpoint } from './bench-load.js';
import { bigResult, median, sseFirstEvent } from './bench-load.js';
import { startNginx } from './bench-nginx.js';
import { startChild } from './bench-process.js';

const execFileAsync = promisify(execFile);

const GATEWAYS = 10;
const ROUNDS = 8;
const ROUND_SECONDS = 1;
const WARM_UP_SECONDS = 2;
const MANY_CONNECTIONS = 32;
const BIG_BYTES = 10 * 1024 * 1024;
const BIG_RUNS_PER_ROUND = 2;
const SSE_SAMPLES_PER_ROUND = 20;
const STARTS = 5;
const COLD_LISTS = 8;
const IDLE_SECONDS = 20;
const WRK_SCRIPT = path.join(import.meta.dirname, 'tools-call.lua');
const CPU_PROFILE_DIR = process.env.GATEKEY_BENCH_CPU_PROFILE;
/**
 * Node reads the whole file of NODE_EXTRA_CA_CERTS as it starts (tens of ms of CPU on Node 20);
 * a sandbox may set it for its own HTTPS, a user's shell rarely does, and the bench is all
 * plain HTTP on loopback: Gatekey's processes run without it.
 */
const NOT_INHERITED = ['NODE_EXTRA_CA_CERTS'];

/** The environment of a measured gatekey process. */
function gatekeyEnv(env: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...process.env, ...env, GATEKEY_HOME: home, NO_COLOR: '1' };
  for (const name of NOT_INHERITED) delete result[name];
  return result;
}

type Setup = 'direct' | 'gatekey' | 'nginx';
const SETUPS: readonly Setup[] = ['direct', 'gatekey', 'nginx'];

/** What wrk's done() in tools-call.lua reports for one round. */
interface WrkRound {
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  errors: number;
}

async function wrk(endpoint: Endpoint, connections: number, seconds: number): Promise<WrkRound> {
  const threads = Math.min(connections, 2);
  const auth = endpoint.authorization ? ['-H', `Authorization: ${endpoint.authorization}`] : [];
  const { stdout } = await execFileAsync('wrk', [
    ...['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`],
    // wrk's default 2 s timeout counts a request on a badly overloaded machine as an error.
    ...['--timeout', '10s', '-s', WRK_SCRIPT, ...auth],
    `http://127.0.0.1:${endpoint.port}${endpoint.path}`,
  ]);
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const round = JSON.parse(line) as WrkRound;
  if (round.errors > 0 || round.requests === 0)
    throw new Error(`wrk against ${endpoint.port}${endpoint.path}: ${line}\n${stdout}`);
  return round;
}

const requestsPerSecond = (round: WrkRound) => round.requests / (round.durationUs / 1e6);

/** Runs `measure` on each setup in turn, `rounds` times; the results per setup, in round order. */
async function inRounds<T>(
  setups: readonly Setup[],
  rounds: number,
  measure: (setup: Setup) => Promise<T>,
): Promise<Record<Setup, T[]>> {
  const results: Record<Setup, T[]> = { direct: [], gatekey: [], nginx: [] };
  for (let round = 0; round < rounds; round++)
    for (const setup of setups) results[setup].push(await measure(setup));
  return results;
}

/** Per round, `value(proxy round, direct round)`. */
function againstDirect<T>(
  rounds: Record<Setup, T[]>,
  setup: 'gatekey' | 'nginx',
  value: (proxied: T, direct: T) => number,
): number[] {
  return rounds[setup].map((result, round) => value(result, rounds.direct[round]!));
}

// ---------------------------------------------------------------------------------------------
// The processes: keyring, IdP, upstream, nginx, gatekey serve

interface ProcessFigures {
  rssBytes: number;
  peakRssBytes: number;
  cpuTicks: number;
}

async function processFigures(pid: number): Promise<ProcessFigures> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) * 1024;
  // Fields 14 and 15 of /proc/<pid>/stat (user and system time), after the ")" of the name.
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(')').at(-1)!.trim().split(' ');
  return {
    rssBytes: kb('VmRSS'),
    peakRssBytes: kb('VmHWM'),
    cpuTicks: Number(stat[11]) + Number(stat[12]),
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

interface Serve {
  pid: number;
  stop(): Promise<void>;
}

function spawnServe(home: string, port: number, env: NodeJS.ProcessEnv, profiled = false): Serve {
  const profiling =
    profiled && CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...profiling, GATEKEY_BIN, 'serve', '--port', String(port)],
    { env: gatekeyEnv(env, home), stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const TOOL_CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'hi' } },
});

/** The status of one tools/call through the proxy, or 0 while nothing answers. */
function toolCallStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp/bench',
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(TOOL_CALL);
  });
}

/** Starts `gatekey serve` and measures the milliseconds until a tools/call through it answers. */
async function startTimed(
  home: string,
  port: number,
  env: NodeJS.ProcessEnv,
  profiled = false,
): Promise<{ serve: Serve; readyMs: number }> {
  const started = performance.now();
  const serve = spawnServe(home, port, env, profiled);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await toolCallStatus(port);
    if (status === 200) return { serve, readyMs: performance.now() - started };
    if (status !== 0 || Date.now() > deadline) {
      await serve.stop();
      throw new Error(`gatekey serve answered ${status || 'nothing'} to a tools/call`);
    }
    await delay(2);
  }
}

async function addGateways(api: ApiClient, idp: RunningIdp, upstreamUrl: string): Promise<void> {
  for (let index = 0; index < GATEWAYS; index++) {
    const name = index === 0 ? 'bench' : `idle-${index}`;
    await api.call('gateways.add', {
      gateway: {
        name,
        url: upstreamUrl,
        auth: 'client_credentials',
        issuer: idp.issuer,
        clientId: idp.clients.confidentialBasic.clientId,
      },
      clientSecret: idp.clients.confidentialBasic.clientSecret,
    });
    await api.call('auth.signIn', { name });
  }
}

/** A cold `gatekey list` in a new process, talking to the running instance: milliseconds. */
async function coldList(home: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const { stdout } = await execFileAsync(process.execPath, [GATEKEY_BIN, 'list'], {
    env: gatekeyEnv(env, home),
  });
  const elapsed = performance.now() - started;
  if (!stdout.includes('bench')) throw new Error(`gatekey list printed:\n${stdout}`);
  return elapsed;
}

// ---------------------------------------------------------------------------------------------
// The report

interface Measured {
  single: Record<Setup, WrkRound[]>;
  many: Record<Setup, WrkRound[]>;
  /** Per round, the median of its samples. */
  sseUs: Record<Setup, number[]>;
  bigMs: Record<Setup, number[]>;
  readyMs: number[];
  coldListMs: number[];
  idle: ProcessFigures & { cpuPercent: number };
  afterLoad: ProcessFigures;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const us = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(0)} µs`;
const pct = (share: number) => `${(share * 100).toFixed(0)} %`;
const times = (ratio: number) => `${ratio.toFixed(2)} ×`;
const msText = (value: number) => `${value.toFixed(0)} ms`;

/** "median (lowest to highest)" of per-round values. */
function spread(values: number[], format: (value: number) => string): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `${format(median(sorted))} (${format(sorted[0]!)} to ${format(sorted.at(-1)!)})`;
}

/** One line of the table: Gatekey's figure, nginx's where it has one, and the target. */
interface Row {
  what: string;
  gatekey: string;
  nginx?: string;
  target: string;
  met: boolean;
}

function report(m: Measured): void {
  const addedP50 = (setup: 'gatekey' | 'nginx') =>
    againstDirect(m.single, setup, (proxied, direct) => proxied.p50Us - direct.p50Us);
  const share = (setup: 'gatekey' | 'nginx') =>
    againstDirect(
      m.many,
      setup,
      (proxied, direct) => requestsPerSecond(proxied) / requestsPerSecond(direct),
    );
  const bigRatio = (setup: 'gatekey' | 'nginx') =>
    againstDirect(m.bigMs, setup, (proxied, direct) => proxied / direct);
  const sseAdded = (setup: 'gatekey' | 'nginx') =>
    againstDirect(m.sseUs, setup, (proxied, direct) => proxied - direct);
  const directP50 = median(m.single.direct.map((round) => round.p50Us));
  const directRps = median(m.many.direct.map(requestsPerSecond));
  const directBig = median(m.bigMs.direct);

  const [load1] = os.loadavg();
  console.log(
    `\nGatekey benchmark, ${new Date().toISOString().slice(0, 10)}: node ${process.version}, ` +
      `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, load average ${load1?.toFixed(1)} at the end`,
  );
  console.log(
    `${ROUNDS} rounds of ${ROUND_SECONDS} s per load, setups in turn; median (lowest to highest) of the per-round figures`,
  );
  const dropped = NOT_INHERITED.filter((name) => process.env[name] !== undefined);
  if (dropped.length > 0) console.log(`gatekey ran without ${dropped.join(', ')} (set here)`);
  console.log(
    `direct: tools/call p50 ${directP50.toFixed(0)} µs at 1 connection, ${Math.round(directRps).toLocaleString('en')} req/s at ${MANY_CONNECTIONS}; 10 MiB in ${directBig.toFixed(1)} ms\n`,
  );
  const rows: Row[] = [
    {
      what: '`tools/call`, 1 connection, added p50 vs direct',
      gatekey: spread(addedP50('gatekey'), us),
      nginx: spread(addedP50('nginx'), us),
      target: '≤ 60 µs',
      met: median(addedP50('gatekey')) <= 60,
    },
    {
      what: `\`tools/call\`, ${MANY_CONNECTIONS} connections, share of direct throughput`,
      gatekey: spread(share('gatekey'), pct),
      nginx: spread(share('nginx'), pct),
      target: '≥ 60 %',
      met: median(share('gatekey')) >= 0.6,
    },
    {
      what: '10 MiB streamed result, time vs direct',
      gatekey: spread(bigRatio('gatekey'), times),
      nginx: spread(bigRatio('nginx'), times),
      target: '≤ 1.2 ×',
      met: median(bigRatio('gatekey')) <= 1.2,
    },
    {
      what: 'SSE, GET to first event, added vs direct',
      gatekey: spread(sseAdded('gatekey'), us),
      nginx: spread(sseAdded('nginx'), us),
      target: '≤ 1 ms',
      met: median(sseAdded('gatekey')) <= 1000,
    },
    {
      what: `\`gatekey serve\`, ${GATEWAYS} gateways, idle RSS after ${IDLE_SECONDS} s`,
      gatekey: `${mb(m.idle.rssBytes)} (peak ${mb(m.idle.peakRssBytes)}; after the load ${mb(m.afterLoad.rssBytes)}, peak ${mb(m.afterLoad.peakRssBytes)})`,
      target: '≤ 64 MB',
      met: m.idle.rssBytes <= 64e6,
    },
    {
      what: '`gatekey serve` ready to answer after start',
      gatekey: spread(m.readyMs, msText),
      target: '≤ 400 ms',
      met: median(m.readyMs) <= 400,
    },
    {
      what: 'a cold `gatekey list` (new process, instance running)',
      gatekey: spread(m.coldListMs, msText),
      target: '≤ 150 ms',
      met: median(m.coldListMs) <= 150,
    },
    {
      what: `idle CPU, ${IDLE_SECONDS / 2} to ${IDLE_SECONDS} s after start`,
      // The profiler samples the measured process even while it idles.
      gatekey: `${m.idle.cpuPercent.toFixed(2)} %${CPU_PROFILE_DIR ? ' (under the CPU profiler)' : ''}`,
      target: '~0',
      met: m.idle.cpuPercent < 0.5,
    },
  ];
  console.log('| | gatekey serve | nginx | target | |');
  console.log('|---|---|---|---|---|');
  for (const { what, gatekey, nginx, target, met } of rows)
    console.log(
      `| ${what} | ${gatekey} | ${nginx ?? ''} | ${target} | ${met ? 'met' : 'MISSED'} |`,
    );
}

// ---------------------------------------------------------------------------------------------

interface System {
  keyring: PrivateKeyring;
  idp: RunningIdp;
  home: string;
  env: NodeJS.ProcessEnv;
  port: number;
  endpoints: Record<Setup, Endpoint>;
  close(): Promise<void>;
}

async function startSystem(): Promise<System> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const keyring = await startPrivateKeyring();
    closers.push(() => keyring.stop());
    const idp = await startIdp();
    closers.push(() => idp.close());
    const home = await temporaryHome();
    closers.push(removeTemporaryDirectories);
    const env = { ...keyring.env };
    const [port, upstreamPort, nginxPort] = [await freePort(), await freePort(), await freePort()];

    // A first start writes the config and puts the tokens in the keychain.
    const first = spawnServe(home, port, env);
    closers.push(() => first.stop());
    const api = await waitForInstance(home);
    await addGateways(api, idp, `http://127.0.0.1:${upstreamPort}/mcp`);
    const { token } = await api.call('tokens.get', { name: 'bench' });
    await first.stop();

    const authorization = `Bearer ${token}`;
    const upstream = await startChild(path.join(import.meta.dirname, 'bench-upstream.ts'), [
      authorization,
      String(upstreamPort),
    ]);
    closers.push(() => upstream.stop());
    const nginx = await startNginx({ port: nginxPort, upstreamPort, authorization });
    closers.push(() => nginx.stop());
    return {
      keyring,
      idp,
      home,
      env,
      port,
      endpoints: {
        direct: { port: upstreamPort, path: '/mcp', authorization },
        gatekey: { port, path: '/mcp/bench' },
        nginx: { port: nginxPort, path: '/mcp/bench' },
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function waitForInstance(home: string): Promise<ApiClient> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const api = await connectToInstance(home).catch(() => undefined);
    if (api) return api;
    if (Date.now() > deadline) throw new Error('gatekey serve did not start');
    await delay(50);
  }
}

async function measureStarts(system: System): Promise<{ serve: Serve; readyMs: number[] }> {
  const readyMs: number[] = [];
  for (let start = 1; ; start++) {
    const last = start === STARTS;
    const timed = await startTimed(system.home, system.port, system.env, last);
    readyMs.push(timed.readyMs);
    if (last) return { serve: timed.serve, readyMs };
    await timed.serve.stop();
  }
}

/** RSS after IDLE_SECONDS without requests; CPU over the second half (the first has start-up's tail). */
async function idleFigures(pid: number): Promise<Measured['idle']> {
  await delay((IDLE_SECONDS / 2) * 1000);
  const before = await processFigures(pid);
  await delay((IDLE_SECONDS / 2) * 1000);
  const after = await processFigures(pid);
  const cpuSeconds = (after.cpuTicks - before.cpuTicks) / CLOCK_TICKS_PER_SECOND;
  return { ...after, cpuPercent: (cpuSeconds / (IDLE_SECONDS / 2)) * 100 };
}

async function main(): Promise<void> {
  const system = await startSystem();
  let serve: Serve | undefined;
  try {
    const { endpoints } = system;
    console.log(`bench: ${STARTS} starts of gatekey serve with ${GATEWAYS} gateways`);
    const starts = await measureStarts(system);
    serve = starts.serve;
    console.log(`bench: idle for ${IDLE_SECONDS} s`);
    const idle = await idleFigures(serve.pid);
    console.log(`bench: ${COLD_LISTS} cold gatekey list`);
    const coldListMs: number[] = [];
    for (let run = 0; run < COLD_LISTS; run++)
      coldListMs.push(await coldList(system.home, system.env));

    console.log('bench: tools/call load with wrk');
    for (const setup of SETUPS) await wrk(endpoints[setup], MANY_CONNECTIONS, WARM_UP_SECONDS);
    const single = await inRounds(SETUPS, ROUNDS, (setup) =>
      wrk(endpoints[setup], 1, ROUND_SECONDS),
    );
    const many = await inRounds(SETUPS, ROUNDS, (setup) =>
      wrk(endpoints[setup], MANY_CONNECTIONS, ROUND_SECONDS),
    );
    console.log('bench: 10 MiB results and SSE');
    const bigMs = await inRounds(SETUPS, ROUNDS, (setup) =>
      bigResult(endpoints[setup], BIG_BYTES, BIG_RUNS_PER_ROUND).then(median),
    );
    const sseUs = await inRounds(SETUPS, ROUNDS, (setup) =>
      sseFirstEvent(endpoints[setup], SSE_SAMPLES_PER_ROUND).then(median),
    );
    const afterLoad = await processFigures(serve.pid);
    report({
      single,
      many,
      sseUs,
      bigMs,
      readyMs: starts.readyMs,
      coldListMs,
      idle,
      afterLoad,
    });
  } finally {
    await serve?.stop();
    await system.close();
  }
}

await main();
