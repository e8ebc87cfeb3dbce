/** The benchmark's upstream runs in a child process: how it starts and reports its port. */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import type { Server } from 'node:net';

/** In a child: tells the parent the port; exits with its parent. */
export function reportListening(server: Server): void {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ port });
  process.on('disconnect', () => process.exit(0));
}

export interface BenchChild {
  port: number;
  stop(): void;
}

function firstMessage(child: ChildProcess, file: string): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${file} exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as { port: number });
    });
  });
}

/** Starts a TypeScript child (through tsx) and waits until it listens. */
export async function startChild(file: string, args: string[] = []): Promise<BenchChild> {
  const child = fork(file, args, { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const { port } = await firstMessage(child, file);
  return {
    port,
    // The child exits when it loses its parent.
    stop: () => {
      if (child.connected) child.disconnect();
    },
  };
}
