/**
 * `npm run bench`: the same MCP workload sent direct to a fast local upstream (the client adds the
 * token itself) and through the Gatekey proxy, so that the proxy's own cost shows; a textbook
 * http.request + pipe proxy runs alongside for reference. Upstream and proxies are child
 * processes, this process is the client. Each measurement runs in rounds that alternate between
 * the setups, so that a busy machine slows them alike; throughput is compared within each round,
 * and the median of those ratios is reported, so that one disturbed round cannot swing it.
 * About a minute in all.
 */
import os from 'node:os';
import path from 'node:path';
import type { Endpoint, LoadResult } from './bench-load.js';
import {
  bigResult,
  median,
  mergeLoads,
  percentile,
  requestsPerSecond,
  sseFirstEvent,
  toolCallLoad,
} from './bench-load.js';
import type { BenchChild } from './bench-process.js';
import { BENCH_TOKEN, startChild } from './bench-process.js';

// Short rounds, many of them: this machine's speed drifts within seconds, and a setup is only
// compared with the others of its own round.
const ROUNDS = 24;
const LOAD_MS_PER_ROUND = 300;
const WARM_UP_MS = 1000;
const SSE_SAMPLES_PER_ROUND = 50;
const BIG_BYTES = 10 * 1024 * 1024;
const BIG_RUNS_PER_ROUND = 1;

type Setup = 'direct' | 'gatekey' | 'naive';

/** Where a setup's client sends its requests, and the process that answers them there. */
interface Target {
  endpoint: Endpoint;
  server: BenchChild;
}

/** A load result and the CPU time the answering process spent on it. */
interface MeasuredLoad extends LoadResult {
  serverCpuMicros: number;
}

/** Runs `measure` on each setup in turn, ROUNDS times, and gathers the results per setup. */
async function inRounds<T>(
  setups: readonly Setup[],
  measure: (setup: Setup) => Promise<T>,
): Promise<Record<Setup, T[]>> {
  const results = { direct: [], gatekey: [], naive: [] } as Record<Setup, T[]>;
  for (let round = 0; round < ROUNDS; round++)
    for (const setup of setups) results[setup].push(await measure(setup));
  return results;
}

interface Results {
  single: Record<Setup, MeasuredLoad>;
  many: Record<Setup, MeasuredLoad>;
  /** Per round, requests/s through a proxy over requests/s direct, in round order. */
  manyShares: Record<'gatekey' | 'naive', number[]>;
  firstEventUs: Record<Setup, number[]>;
  bigMs: Record<Setup, number[]>;
  /** Of the gatekey proxy, once warmed up (its heap has grown to its working size), and at the end. */
  rssAfterWarmUp: number;
  rssAtEnd: number;
}

async function measuredLoad(target: Target, connections: number): Promise<MeasuredLoad> {
  const before = await target.server.usage();
  const result = await toolCallLoad(target.endpoint, connections, LOAD_MS_PER_ROUND);
  const after = await target.server.usage();
  return { ...result, serverCpuMicros: after.cpuMicros - before.cpuMicros };
}

function mergeMeasured(rounds: MeasuredLoad[]): MeasuredLoad {
  const serverCpuMicros = rounds.reduce((sum, round) => sum + round.serverCpuMicros, 0);
  return { ...mergeLoads(rounds), serverCpuMicros };
}

async function measureAll(targets: Record<Setup, Target>): Promise<Omit<Results, 'rssAtEnd'>> {
  const all: Setup[] = ['direct', 'gatekey', 'naive'];
  const streaming: Setup[] = ['direct', 'gatekey'];
  for (const setup of all) await toolCallLoad(targets[setup].endpoint, 32, WARM_UP_MS);
  const rssAfterWarmUp = (await targets.gatekey.server.usage()).rssBytes;
  const load = async (connections: number) => {
    const rounds = await inRounds(all, (setup) => measuredLoad(targets[setup], connections));
    const shares = (setup: Setup): number[] =>
      rounds[setup].map(
        (result, round) => requestsPerSecond(result) / requestsPerSecond(rounds.direct[round]!),
      );
    return {
      merged: {
        direct: mergeMeasured(rounds.direct),
        gatekey: mergeMeasured(rounds.gatekey),
        naive: mergeMeasured(rounds.naive),
      },
      shares: { gatekey: shares('gatekey'), naive: shares('naive') },
    };
  };
  const single = (await load(1)).merged;
  const many = await load(32);
  const firstEvent = await inRounds(streaming, (setup) =>
    sseFirstEvent(targets[setup].endpoint, SSE_SAMPLES_PER_ROUND),
  );
  const big = await inRounds(streaming, (setup) =>
    bigResult(targets[setup].endpoint, BIG_BYTES, BIG_RUNS_PER_ROUND),
  );
  const flat = (rounds: Record<Setup, number[][]>) => ({
    direct: rounds.direct.flat(),
    gatekey: rounds.gatekey.flat(),
    naive: rounds.naive.flat(),
  });
  return {
    rssAfterWarmUp,
    single,
    many: many.merged,
    manyShares: many.shares,
    firstEventUs: flat(firstEvent),
    bigMs: flat(big),
  };
}

const ms = (us: number): string => (us / 1000).toFixed(3).padStart(8);
const count = (value: number): string => Math.round(value).toLocaleString('en').padStart(8);
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

function loadTable(title: string, results: Record<Setup, MeasuredLoad>): void {
  console.log(`\n${title.padEnd(36)}p50 ms   p99 ms    req/s  server CPU µs/req`);
  for (const [setup, result] of Object.entries(results)) {
    const cpuPerRequest = result.serverCpuMicros / result.latenciesUs.length;
    console.log(
      `  ${setup.padEnd(32)}${ms(percentile(result.latenciesUs, 0.5))} ${ms(percentile(result.latenciesUs, 0.99))} ${count(requestsPerSecond(result))} ${count(cpuPerRequest)}`,
    );
  }
}

function addedByGatekey(results: Record<Setup, number[]>, fraction: number): number {
  return percentile(results.gatekey, fraction) - percentile(results.direct, fraction);
}

function report(results: Results): void {
  const [load1] = os.loadavg();
  console.log(
    `Gatekey proxy benchmark: node ${process.version}, ${os.cpus().length} CPUs, load average ${load1?.toFixed(1)} at the end`,
  );
  console.log('client: this process (tools/call: a minimal keep-alive HTTP/1.1 client, like wrk;');
  console.log(
    '  SSE and 10 MiB: node:http); upstream, gatekey, naive proxy: one child process each',
  );
  console.log('server CPU: of the process answering the client (the upstream when direct)');

  loadTable('tools/call, 1 connection', results.single);
  const singleLatencies = {
    direct: results.single.direct.latenciesUs,
    gatekey: results.single.gatekey.latenciesUs,
    naive: [],
  };
  const addedP50 = addedByGatekey(singleLatencies, 0.5);
  const addedP99 = addedByGatekey(singleLatencies, 0.99);
  console.log(`  added by gatekey                ${ms(addedP50)} ${ms(addedP99)}`);
  console.log(
    `  target: p50 +0.15 ms ${verdict(addedP50 <= 150)}, p99 +1 ms ${verdict(addedP99 <= 1000)}`,
  );

  loadTable('tools/call, 32 connections', results.many);
  const percent = (share: number): string => `${(share * 100).toFixed(0)} %`;
  const gatekey = median(results.manyShares.gatekey);
  const naive = median(results.manyShares.naive);
  console.log(
    `  throughput vs direct (median of ${ROUNDS} rounds): gatekey ${percent(gatekey)}, naive ${percent(naive)}`,
  );
  const spread = (fraction: number) => percent(percentile(results.manyShares.gatekey, fraction));
  console.log(
    `  gatekey by round: lowest ${spread(0)}, middle half ${spread(0.25)} to ${spread(0.75)}, highest ${spread(1)}`,
  );
  console.log(`  target: gatekey at least 50 % of direct ${verdict(gatekey >= 0.5)}`);

  console.log(`\n${'SSE, GET to first event'.padEnd(36)}p50 ms   p99 ms`);
  for (const setup of ['direct', 'gatekey'] as const)
    console.log(
      `  ${setup.padEnd(32)}${ms(percentile(results.firstEventUs[setup], 0.5))} ${ms(percentile(results.firstEventUs[setup], 0.99))}`,
    );
  const sseAdded = addedByGatekey(results.firstEventUs, 0.5);
  console.log(`  added by gatekey                ${ms(sseAdded)}`);
  console.log(`  target: first event within 1 ms of the upstream's ${verdict(sseAdded <= 1000)}`);

  console.log(`\n${'10 MiB streamed tools/call result'.padEnd(36)}median ms  MiB/s`);
  for (const setup of ['direct', 'gatekey'] as const) {
    const middle = median(results.bigMs[setup]);
    console.log(
      `  ${setup.padEnd(32)}${ms(middle * 1000)} ${count(BIG_BYTES / 1024 / 1024 / (middle / 1000))}`,
    );
  }
  const bigRatio = median(results.bigMs.gatekey) / median(results.bigMs.direct);
  console.log(`  gatekey takes ${bigRatio.toFixed(2)}x the direct time`);

  console.log(
    `\ngatekey proxy RSS: ${mib(results.rssAfterWarmUp)} after the warm-up, ${mib(results.rssAtEnd)} at the end`,
  );
}

async function main(): Promise<void> {
  const here = import.meta.dirname;
  const children: BenchChild[] = [];
  const start = async (file: string, args: string[] = []) => {
    const child = await startChild(path.join(here, file), args, {
      profiled: file === 'bench-proxy.ts',
    });
    children.push(child);
    return child;
  };
  try {
    const upstream = await start('bench-upstream.ts');
    const gatekey = await start('bench-proxy.ts', ['gatekey', String(upstream.port)]);
    const naive = await start('bench-proxy.ts', ['naive', String(upstream.port)]);
    const proxied = (server: BenchChild): Target => ({
      endpoint: { port: server.port, path: '/mcp/bench' },
      server,
    });
    const measured = await measureAll({
      direct: {
        endpoint: { port: upstream.port, path: '/mcp', authorization: `Bearer ${BENCH_TOKEN}` },
        server: upstream,
      },
      gatekey: proxied(gatekey),
      naive: proxied(naive),
    });
    report({ ...measured, rssAtEnd: (await gatekey.usage()).rssBytes });
  } finally {
    for (const child of children) child.stop();
  }
}

await main();
