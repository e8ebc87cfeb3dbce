/** What the benchmark's child processes share: the token, and how they report back. */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import type { Server } from 'node:http';

export const BENCH_TOKEN = 'bench-token-not-a-secret';

type ChildMessage = { port: number } | { rss: number };

/** In a child: tells the parent the port, and answers RSS questions. */
export function reportListening(server: Server): void {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ port } satisfies ChildMessage);
  process.on('message', () =>
    process.send?.({ rss: process.memoryUsage().rss } satisfies ChildMessage),
  );
  process.on('disconnect', () => process.exit(0));
}

export interface BenchChild {
  port: number;
  rssBytes(): Promise<number>;
  stop(): void;
}

function nextMessage(child: ChildProcess): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as ChildMessage));
    child.once('exit', (code) => reject(new Error(`benchmark child exited with ${code}`)));
  });
}

/** Starts a TypeScript child (through tsx) and waits until it listens. */
export async function startChild(file: string, args: string[] = []): Promise<BenchChild> {
  const child = fork(file, args, { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const listening = await nextMessage(child);
  if (!('port' in listening)) throw new Error(`${file} did not report its port`);
  return {
    port: listening.port,
    async rssBytes() {
      const answer = nextMessage(child);
      child.send('rss');
      const message = await answer;
      return 'rss' in message ? message.rss : Number.NaN;
    },
    stop: () => void child.kill(),
  };
}
