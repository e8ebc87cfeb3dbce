/**
 * `npm run bench`: the same MCP workload sent direct to a fast local upstream (the client adds the
 * token itself) and through the Gatekey proxy, so that the proxy's own cost shows; a textbook
 * http.request + pipe proxy runs alongside for reference. Upstream and proxies are child
 * processes, this process is the client. Each measurement runs in rounds that alternate between
 * the setups, so that a busy machine slows them alike. About a minute in all.
 */
import os from 'node:os';
import path from 'node:path';
import type { Endpoint, LoadResult } from './bench-load.js';
import {
  bigResult,
  mergeLoads,
  percentile,
  requestsPerSecond,
  sseFirstEvent,
  toolCallLoad,
} from './bench-load.js';
import type { BenchChild } from './bench-process.js';
import { BENCH_TOKEN, startChild } from './bench-process.js';

const ROUNDS = 4;
const LOAD_MS_PER_ROUND = 1000;
const WARM_UP_MS = 1000;
const SSE_SAMPLES_PER_ROUND = 150;
const BIG_BYTES = 10 * 1024 * 1024;
const BIG_RUNS_PER_ROUND = 2;

type Setup = 'direct' | 'gatekey' | 'naive';
type Endpoints = Record<Setup, Endpoint>;

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
  single: Record<Setup, LoadResult>;
  many: Record<Setup, LoadResult>;
  firstEventUs: Record<Setup, number[]>;
  bigMs: Record<Setup, number[]>;
  rssAtStart: number;
  rssAtEnd: number;
}

async function measureAll(endpoints: Endpoints): Promise<Omit<Results, 'rssAtStart' | 'rssAtEnd'>> {
  const all: Setup[] = ['direct', 'gatekey', 'naive'];
  const streaming: Setup[] = ['direct', 'gatekey'];
  for (const setup of all) await toolCallLoad(endpoints[setup], 8, WARM_UP_MS);
  const load = async (connections: number) => {
    const rounds = await inRounds(all, (setup) =>
      toolCallLoad(endpoints[setup], connections, LOAD_MS_PER_ROUND),
    );
    return {
      direct: mergeLoads(rounds.direct),
      gatekey: mergeLoads(rounds.gatekey),
      naive: mergeLoads(rounds.naive),
    };
  };
  const single = await load(1);
  const many = await load(32);
  const firstEvent = await inRounds(streaming, (setup) =>
    sseFirstEvent(endpoints[setup], SSE_SAMPLES_PER_ROUND),
  );
  const big = await inRounds(streaming, (setup) =>
    bigResult(endpoints[setup], BIG_BYTES, BIG_RUNS_PER_ROUND),
  );
  const flat = (rounds: Record<Setup, number[][]>) => ({
    direct: rounds.direct.flat(),
    gatekey: rounds.gatekey.flat(),
    naive: rounds.naive.flat(),
  });
  return { single, many, firstEventUs: flat(firstEvent), bigMs: flat(big) };
}

const ms = (us: number): string => (us / 1000).toFixed(3).padStart(8);
const count = (value: number): string => Math.round(value).toLocaleString('en').padStart(8);
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

function loadTable(title: string, results: Record<Setup, LoadResult>): void {
  console.log(`\n${title.padEnd(36)}p50 ms   p99 ms    req/s`);
  for (const [setup, result] of Object.entries(results))
    console.log(
      `  ${setup.padEnd(32)}${ms(percentile(result.latenciesUs, 0.5))} ${ms(percentile(result.latenciesUs, 0.99))} ${count(requestsPerSecond(result))}`,
    );
}

function addedByGatekey(results: Record<Setup, number[]>, fraction: number): number {
  return percentile(results.gatekey, fraction) - percentile(results.direct, fraction);
}

function report(results: Results): void {
  const [load1] = os.loadavg();
  console.log(
    `Gatekey proxy benchmark: node ${process.version}, ${os.cpus().length} CPUs, load average ${load1?.toFixed(1)} at the end`,
  );
  console.log('client: this process; upstream, gatekey, naive proxy: one child process each');

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
  const share = (setup: Setup) =>
    requestsPerSecond(results.many[setup]) / requestsPerSecond(results.many.direct);
  console.log(
    `  throughput vs direct: gatekey ${(share('gatekey') * 100).toFixed(0)} %, naive ${(share('naive') * 100).toFixed(0)} %`,
  );
  console.log(`  target: gatekey at least 50 % of direct ${verdict(share('gatekey') >= 0.5)}`);

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
    const median = percentile(results.bigMs[setup], 0.5);
    console.log(
      `  ${setup.padEnd(32)}${ms(median * 1000)} ${count(BIG_BYTES / 1024 / 1024 / (median / 1000))}`,
    );
  }
  const bigRatio = percentile(results.bigMs.gatekey, 0.5) / percentile(results.bigMs.direct, 0.5);
  console.log(`  gatekey takes ${bigRatio.toFixed(2)}x the direct time`);

  console.log(
    `\ngatekey proxy RSS: ${mib(results.rssAtStart)} at start, ${mib(results.rssAtEnd)} at end`,
  );
}

async function main(): Promise<void> {
  const here = import.meta.dirname;
  const children: BenchChild[] = [];
  try {
    const upstream = await startChild(path.join(here, 'bench-upstream.ts'));
    children.push(upstream);
    const gatekey = await startChild(path.join(here, 'bench-proxy.ts'), [
      'gatekey',
      String(upstream.port),
    ]);
    children.push(gatekey);
    const naive = await startChild(path.join(here, 'bench-proxy.ts'), [
      'naive',
      String(upstream.port),
    ]);
    children.push(naive);
    const rssAtStart = await gatekey.rssBytes();
    const measured = await measureAll({
      direct: { port: upstream.port, path: '/mcp', authorization: `Bearer ${BENCH_TOKEN}` },
      gatekey: { port: gatekey.port, path: '/mcp/bench' },
      naive: { port: naive.port, path: '/mcp/bench' },
    });
    report({ ...measured, rssAtStart, rssAtEnd: await gatekey.rssBytes() });
  } finally {
    for (const child of children) child.stop();
  }
}

await main();
