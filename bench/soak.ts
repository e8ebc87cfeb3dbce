/**
 * Soak test: a real `gatekey serve` under 50 concurrent MCP SDK clients for a bounded time, with
 * tokens that live a few seconds, so that it refreshes (and rotates refresh tokens) all along.
 *
 *   npm run soak -- --minutes 10        (default 1 minute)
 *
 * Prints requests served, failures (goal 0), token requests per token lifetime, and Gatekey's
 * RSS, open file descriptors and sockets every 10 s (goal: no growth). Exits 1 on any failure.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { connectToInstance } from '../src-main/core/api/http-client.js';
import type { ApiClient } from '../src-main/core/api/contract.js';
import { startIdp, type RunningIdp } from '../src-main/demo/idp.js';
import { startDemoMcpServer } from '../src-main/demo/mcp-server.js';
import { temporaryHome } from '../test/support/cli.js';
import { HEADLESS_BROWSER_COMMAND } from '../test/support/headless-browser.js';
import { startPrivateKeyring } from '../test/support/reliability-keyring.js';
import { startServe, type ServeProcess } from '../test/support/reliability-process.js';
import { removeTemporaryDirectories } from '../test/support/temporary.js';

const CLIENTS = 50;
const TOKEN_TTL_SECONDS = 3;
const SAMPLE_EVERY_MS = 10_000;
/** A client reconnects (a new MCP session) after this many failures in a row. */
const RECONNECT_AFTER_FAILURES = 3;
/** Memory grows while caches and pools fill; the trend is measured after this. */
const WARM_UP_SECONDS = 30;
/** Longer than the servers' keep-alive timeout (5 s): idle pooled sockets are gone by then. */
const SETTLE_MS = 6000;

interface Sample {
  atSeconds: number;
  rssMb: number;
  fds: number;
  sockets: number;
  served: number;
  failures: number;
}

/** What all clients did so far; failures grouped by message, so a pattern shows. */
class Tally {
  served = 0;
  readonly failures = new Map<string, number>();

  get failed(): number {
    return [...this.failures.values()].reduce((sum, count) => sum + count, 0);
  }

  fail(error: unknown): void {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 160);
    this.failures.set(message, (this.failures.get(message) ?? 0) + 1);
  }
}

function minutesFromArgs(): number {
  const { values } = parseArgs({ options: { minutes: { type: 'string', default: '1' } } });
  const minutes = Number(values.minutes);
  if (!(minutes > 0))
    throw new Error(`--minutes expects a positive number, got "${values.minutes}"`);
  return minutes;
}

async function processSample(pid: number): Promise<Pick<Sample, 'rssMb' | 'fds' | 'sockets'>> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fds = await readdir(`/proc/${pid}/fd`);
  const targets = await Promise.all(
    fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')),
  );
  return {
    rssMb: Math.round(rssKb / 102.4) / 10,
    fds: fds.length,
    sockets: targets.filter((target) => target.startsWith('socket:')).length,
  };
}

function printSample(sample: Sample): void {
  const { atSeconds, rssMb, fds, sockets, served, failures } = sample;
  console.log(
    `soak: t=${atSeconds}s rss=${rssMb}MB fds=${fds} sockets=${sockets} served=${served} failures=${failures}`,
  );
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/** Least-squares slope of `values` against `times`, per minute. */
function slopePerMinute(times: number[], values: number[]): number {
  const n = times.length;
  if (n < 2) return 0;
  const meanT = times.reduce((a, b) => a + b, 0) / n;
  const meanV = values.reduce((a, b) => a + b, 0) / n;
  const covariance = times.reduce((sum, t, i) => sum + (t - meanT) * (values[i]! - meanV), 0);
  const variance = times.reduce((sum, t) => sum + (t - meanT) ** 2, 0);
  return variance === 0 ? 0 : (covariance / variance) * 60;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'soak-ide', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

type ToolContent = { text?: string }[];

/** One tool call that must answer `expected` after `progressSteps` progress notifications. */
async function call(
  client: Client,
  tool: { name: string; arguments: Record<string, unknown> },
  expected: { text: string; progressSteps?: number },
  tally: Tally,
): Promise<void> {
  let progress = 0;
  const result = await client.callTool(tool, undefined, {
    onprogress: () => (progress += 1),
  });
  const text = (result.content as ToolContent)[0]?.text;
  if (text !== expected.text) throw new Error(`${tool.name} answered "${text}"`);
  if (progress !== (expected.progressSteps ?? 0))
    throw new Error(`${tool.name} streamed ${progress} progress notifications`);
  tally.served += 1;
}

/** One round of what an IDE does: two quick calls and one streamed call with progress. */
async function round(client: Client, id: string, tally: Tally): Promise<void> {
  await call(client, { name: 'echo', arguments: { text: id } }, { text: id }, tally);
  await call(client, { name: 'add', arguments: { a: 2, b: 3 } }, { text: '5' }, tally);
  const count = { name: 'count', arguments: { to: 5, delayMs: 20 } };
  await call(client, count, { text: 'Counted to 5.', progressSteps: 5 }, tally);
}

/** One IDE, calling tools until `deadline`; a session that keeps failing is replaced. */
async function runClient(
  url: string,
  index: number,
  deadline: number,
  tally: Tally,
): Promise<void> {
  let client = await connect(url);
  let failuresInARow = 0;
  for (let n = 0; Date.now() < deadline; n += 1) {
    try {
      await round(client, `client ${index} round ${n}`, tally);
      failuresInARow = 0;
    } catch (error) {
      tally.fail(error);
      failuresInARow += 1;
      if (failuresInARow >= RECONNECT_AFTER_FAILURES) {
        await client.close().catch(() => undefined);
        client = await connect(url);
      }
    }
  }
  await client.close();
}

async function addGateways(api: ApiClient, idp: RunningIdp, mcpUrl: string): Promise<void> {
  await api.call('gateways.add', {
    gateway: {
      name: 'user',
      url: mcpUrl,
      issuer: idp.issuer,
      clientId: idp.clients.publicPkce.clientId,
      tokenEndpointAuthMethod: 'none',
      scopes: ['openid', 'offline_access', 'mcp:tools'],
    },
  });
  await api.call('gateways.add', {
    gateway: {
      name: 'robot',
      url: mcpUrl,
      auth: 'client_credentials',
      issuer: idp.issuer,
      clientId: idp.clients.confidentialBasic.clientId,
    },
    clientSecret: idp.clients.confidentialBasic.clientSecret,
  });
  await api.call('auth.signIn', { name: 'user' });
  await api.call('auth.signIn', { name: 'robot' });
}

/** Everything the soak runs against: IdP, MCP server, and Gatekey in its own process. */
interface System {
  idp: RunningIdp;
  api: ApiClient;
  serve: ServeProcess;
  close(): Promise<void>;
}

async function startSystem(): Promise<System> {
  const keyring = await startPrivateKeyring();
  const idp = await startIdp({
    accessTokenTtlSeconds: TOKEN_TTL_SECONDS,
    rotateRefreshTokens: true,
  });
  const mcp = await startDemoMcpServer({ issuer: idp.issuer });
  const home = await temporaryHome();
  const serve = await startServe({
    home,
    env: { ...keyring.env, BROWSER: HEADLESS_BROWSER_COMMAND },
  });
  const api = (await connectToInstance(home))!;
  await addGateways(api, idp, mcp.url);
  idp.resetCounters();
  return {
    idp,
    api,
    serve,
    async close() {
      await serve.stop();
      await mcp.close();
      await idp.close();
      await keyring.stop();
      await removeTemporaryDirectories();
    },
  };
}

/** Tokens Gatekey took into use from now on: each new expiry its status events announce. */
async function watchNewTokens(api: ApiClient): Promise<{ count(): number; stop(): void }> {
  const expiryOf = (status: { name: string; expiresAt?: number }) =>
    `${status.name} ${status.expiresAt}`;
  const current = new Set(
    (await api.call('gateways.list', {})).map((view) => expiryOf(view.status)),
  );
  const adopted = new Set<string>();
  const stop = api.subscribe((event) => {
    if (event.type !== 'status' || event.status.expiresAt === undefined) return;
    if (!current.has(expiryOf(event.status))) adopted.add(expiryOf(event.status));
  });
  return { count: () => adopted.size, stop };
}

/** Runs the clients until `minutes` are over, sampling Gatekey every 10 s; returns the samples. */
async function runLoad(system: System, minutes: number, tally: Tally): Promise<Sample[]> {
  const started = Date.now();
  const sample = async (): Promise<Sample> => ({
    atSeconds: Math.round((Date.now() - started) / 1000),
    ...(await processSample(system.serve.pid)),
    served: tally.served,
    failures: tally.failed,
  });
  const samples: Sample[] = [];
  const record = async () => {
    const next = await sample();
    samples.push(next);
    printSample(next);
  };
  await record();
  console.log(`soak: ${CLIENTS} clients for ${minutes} min, tokens live ${TOKEN_TTL_SECONDS} s`);
  const deadline = started + minutes * 60_000;
  const gatewayOf = (index: number) => (index % 2 === 0 ? 'user' : 'robot');
  const sampler = setInterval(() => void record(), SAMPLE_EVERY_MS);
  await Promise.all(
    Array.from({ length: CLIENTS }, (_, index) =>
      runClient(`${system.serve.origin}/mcp/${gatewayOf(index)}`, index, deadline, tally),
    ),
  );
  clearInterval(sampler);
  await delay(SETTLE_MS);
  await record();
  return samples;
}

async function printSummary(
  system: System,
  minutes: number,
  tally: Tally,
  samples: Sample[],
  tokensAdopted: number,
): Promise<void> {
  const first = samples[0]!;
  const end = samples.at(-1)!;
  const afterWarmUp = samples.slice(1, -1).filter((s) => s.atSeconds >= WARM_UP_SECONDS);
  const ttls = (end.atSeconds - first.atSeconds) / TOKEN_TTL_SECONDS;
  const refreshes = system.idp.tokenRequests('refresh_token');
  const machineTokens = system.idp.tokenRequests('client_credentials');
  const rssSlope = slopePerMinute(
    afterWarmUp.map((s) => s.atSeconds),
    afterWarmUp.map((s) => s.rssMb),
  );
  for (const [message, count] of tally.failures) console.log(`soak: failure x${count}: ${message}`);
  const logged = await system.api.call('log.recent', { status: 'error' });
  for (const [kind, count] of countBy(logged.map((e) => `${e.status} ${e.error ?? ''}`)))
    console.log(`soak: request log error x${count}: ${kind}`);
  const figures = {
    minutes,
    clients: CLIENTS,
    requestsServed: tally.served,
    failures: tally.failed,
    tokenRequests: refreshes + machineTokens,
    tokensAdopted,
    tokenRequestsPerToken: ((refreshes + machineTokens) / tokensAdopted).toFixed(2),
    'tokenRequestsPerTtl(user)': (refreshes / ttls).toFixed(2),
    'tokenRequestsPerTtl(robot)': (machineTokens / ttls).toFixed(2),
    rssStartMb: first.rssMb,
    rssEndMb: end.rssMb,
    rssSlopeMbPerMinAfterWarmUp: rssSlope.toFixed(2),
    socketsStart: first.sockets,
    socketsEnd: end.sockets,
    fdsStart: first.fds,
    fdsEnd: end.fds,
  };
  const fields = Object.entries(figures).map(([name, value]) => `${name}=${value}`);
  console.log(`reliability: soak ${fields.join(' ')}`);
}

async function main(): Promise<number> {
  const minutes = minutesFromArgs();
  const system = await startSystem();
  try {
    const tokens = await watchNewTokens(system.api);
    const tally = new Tally();
    const samples = await runLoad(system, minutes, tally);
    tokens.stop();
    await printSummary(system, minutes, tally, samples, tokens.count());
    return tally.failed === 0 ? 0 : 1;
  } finally {
    await system.close();
  }
}

process.exitCode = await main();
