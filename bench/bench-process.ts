/** What the benchmark's child processes share: the token, and how they report back. */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import type { Server } from 'node:net';

export const BENCH_TOKEN = 'bench-token-not-a-secret';

export interface ProcessUsage {
  rssBytes: number;
  /** User and system CPU time since the process started. */
  cpuMicros: number;
}

type ChildMessage = { port: number } | { usage: ProcessUsage };

function currentUsage(): ProcessUsage {
  const cpu = process.cpuUsage();
  return { rssBytes: process.memoryUsage().rss, cpuMicros: cpu.user + cpu.system };
}

/** In a child: tells the parent the port, and answers each message with its usage. */
export function reportListening(server: Server): void {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ port } satisfies ChildMessage);
  process.on('message', () => process.send?.({ usage: currentUsage() } satisfies ChildMessage));
  process.on('disconnect', () => process.exit(0));
}

export interface BenchChild {
  port: number;
  usage(): Promise<ProcessUsage>;
  stop(): void;
}

function nextMessage(child: ChildProcess): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`benchmark child exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as ChildMessage);
    });
  });
}

/** A directory: each child started with `profiled` writes a V8 CPU profile there as it exits. */
const CPU_PROFILE_DIR = process.env.GATEKEY_BENCH_CPU_PROFILE;

/** Starts a TypeScript child (through tsx) and waits until it listens. */
export async function startChild(
  file: string,
  args: string[] = [],
  { profiled = false } = {},
): Promise<BenchChild> {
  const profiling =
    profiled && CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [];
  const child = fork(file, args, { execArgv: ['--import', 'tsx', ...profiling], stdio: 'inherit' });
  const listening = await nextMessage(child);
  if (!('port' in listening)) throw new Error(`${file} did not report its port`);
  return {
    port: listening.port,
    async usage() {
      const answer = nextMessage(child);
      child.send('usage');
      const message = await answer;
      if (!('usage' in message)) throw new Error(`${file} did not report its usage`);
      return message.usage;
    },
    // The child exits when it loses its parent (writing its profile, if it keeps one).
    stop: () => {
      if (child.connected) child.disconnect();
    },
  };
}
