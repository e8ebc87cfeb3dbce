import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { GATEKEY_BIN } from './cli.js';

const START_TIMEOUT_MS = 30_000;
const SERVING_LINE = /serving MCP at http:\/\/127\.0\.0\.1:(\d+)\//;

/** A `gatekey serve` running in a child process, as a developer runs it. */
export interface ServeProcess {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  alive(): boolean;
  /** Whether the process is gone within `ms`. */
  exitsWithin(ms: number): Promise<boolean>;
  /** Sends `signal` and waits until the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `gatekey serve` on any free port, bounded to `openFiles` descriptors when given. */
function serveCommand(args: string[], openFiles: number | undefined): [string, string[]] {
  const serve = [process.execPath, GATEKEY_BIN, 'serve', '--port', '0', ...args];
  if (openFiles === undefined) return [serve[0]!, serve.slice(1)];
  return ['/bin/sh', ['-c', `ulimit -n ${openFiles} && exec "$@"`, 'sh', ...serve]];
}

export async function startServe(options: {
  home: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** A limit on open file descriptors, so that a runaway cannot take the machine down. */
  openFiles?: number;
}): Promise<ServeProcess> {
  const [command, args] = serveCommand(options.args ?? [], options.openFiles);
  const child = spawn(command, args, {
    env: { ...process.env, GATEKEY_HOME: options.home, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;

  const deadline = Date.now() + START_TIMEOUT_MS;
  let port: number | undefined;
  while (port === undefined) {
    if (!alive() || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gatekey serve did not start:\n${output}`);
    }
    const match = SERVING_LINE.exec(output)?.[1];
    port = match === undefined ? undefined : Number(match);
    await delay(50);
  }
  return {
    pid: child.pid!,
    port,
    origin: `http://127.0.0.1:${port}`,
    output: () => output,
    alive,
    exitsWithin: (ms) => Promise.race([exited.then(() => true), delay(ms).then(() => !alive())]),
    async stop(signal = 'SIGTERM') {
      if (alive()) child.kill(signal);
      await exited;
    },
  };
}
