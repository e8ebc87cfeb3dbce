import { createHash, createHmac } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runtimeDirectory, writePrivateFile } from './paths.js';

/**
 * Who owns the tokens right now: the running tray app or `gatekey serve`. Mode 0600, in the
 * runtime folder (cleared at reboot), one per profile folder.
 */
export interface InstanceRecord {
  pid: number;
  port: number;
  secret: string;
  version: string;
  startedAt: number;
}

/**
 * Checked by hand, not with zod: every `gatekey` command reads this file first, and loading zod
 * would be most of a cold command's time.
 */
function asInstanceRecord(value: unknown): InstanceRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { pid, port, secret, version, startedAt } = value as Record<string, unknown>;
  const valid =
    Number.isInteger(pid) &&
    Number.isInteger(port) &&
    typeof secret === 'string' &&
    secret.length >= 16 &&
    typeof version === 'string' &&
    typeof startedAt === 'number';
  return valid ? ({ pid, port, secret, version, startedAt } as InstanceRecord) : undefined;
}

export function instanceFile(home: string): string {
  const profile = createHash('sha256').update(path.resolve(home)).digest('hex').slice(0, 16);
  return path.join(runtimeDirectory(), `instance-${profile}.json`);
}

/**
 * What the running instance answers to a client's nonce: proof that it holds the secret, which
 * the client checks before it sends anything. The label keeps the MAC from serving elsewhere.
 */
export function instanceProof(secret: string, nonce: string): string {
  return createHmac('sha256', secret)
    .update(`gatekey instance proof\n${nonce}`)
    .digest('base64url');
}

export function writeInstanceRecord(home: string, record: InstanceRecord): void {
  writePrivateFile(instanceFile(home), JSON.stringify(record));
}

export async function readInstanceRecord(home: string): Promise<InstanceRecord | undefined> {
  try {
    return asInstanceRecord(JSON.parse(await readFile(instanceFile(home), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Removes the record only if it is still ours (a newer instance may have replaced it). */
export async function removeInstanceRecord(home: string, secret: string): Promise<void> {
  const current = await readInstanceRecord(home);
  if (current?.secret === secret) await rm(instanceFile(home), { force: true });
}

/**
 * Whether a process of this user has this pid. Gatekey runs as the user who runs the CLI, so a
 * pid that another user's process took over (EPERM) is not it.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
