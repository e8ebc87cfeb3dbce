import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { temporaryDirectory } from './temporary.js';

export const GATEKEY_BIN = path.resolve(import.meta.dirname, '../../bin/gatekey.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  home: string;
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  timeoutMs?: number;
  cwd?: string;
  /** The umask the command runs under (through a POSIX shell), else the test's own. */
  umask?: number;
}

/** The program and arguments that run `gatekey args`, under `umask` when one is given. */
function gatekeyCommand(args: string[], umask: number | undefined): [string, string[]] {
  const gatekey = [process.execPath, GATEKEY_BIN, ...args];
  if (umask === undefined) return [gatekey[0]!, gatekey.slice(1)];
  const script = `umask ${umask.toString(8).padStart(3, '0')} && exec "$@"`;
  return ['/bin/sh', ['-c', script, 'sh', ...gatekey]];
}

/** Runs the real `gatekey` binary in a child process, as a person would. */
export function runGatekey(args: string[], options: CliOptions): Promise<CliResult> {
  return startGatekey(args, options).result;
}

/** Starts the real `gatekey` binary; `result` settles when it has exited. */
export function startGatekey(
  args: string[],
  options: CliOptions,
): { child: ChildProcess; result: Promise<CliResult> } {
  const [command, commandArgs] = gatekeyCommand(args, options.umask);
  const child = spawn(command, commandArgs, {
    cwd: options.cwd,
    env: {
      ...process.env,
      GATEKEY_HOME: options.home,
      NO_COLOR: '1',
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gatekey ${args.join(' ')} timed out\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin!.end(options.stdin ?? '');
  });
  return { child, result };
}

/** `gatekey add` of a client-credentials gateway, its client secret read from stdin. */
export function addMachineGatewayArgs(
  name: string,
  gateway: { url: string; issuer: string; clientId: string },
): string[] {
  return [
    'add',
    name,
    '--url',
    gateway.url,
    '--auth',
    'client_credentials',
    '--issuer',
    gateway.issuer,
    '--client-id',
    gateway.clientId,
    '--client-secret-stdin',
  ];
}

export function temporaryHome(): Promise<string> {
  return temporaryDirectory('gatekey-home');
}

/** Every file under `dir` that contains any of `secrets`, for leak checks. */
export async function filesContaining(dir: string, secrets: string[]): Promise<string[]> {
  const needles = secrets.filter((secret) => secret.length >= 8);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const hits: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = await readFile(file, 'utf8');
    if (needles.some((needle) => text.includes(needle))) hits.push(path.relative(dir, file));
  }
  return hits;
}
