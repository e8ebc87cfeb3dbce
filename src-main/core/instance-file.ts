import { readFile, rm } from 'node:fs/promises';
import { z } from 'zod';
import { runtimeFile, writePrivateFile } from './paths.js';

/** Who owns the tokens right now: the running tray app or `gatekey serve`. Mode 0600. */
const InstanceRecordSchema = z.object({
  pid: z.number().int(),
  port: z.number().int(),
  secret: z.string().min(16),
  version: z.string(),
  startedAt: z.number(),
});
export type InstanceRecord = z.infer<typeof InstanceRecordSchema>;

export function instanceFile(home: string): string {
  return runtimeFile(home, 'instance.json');
}

export function writeInstanceRecord(home: string, record: InstanceRecord): void {
  writePrivateFile(instanceFile(home), JSON.stringify(record));
}

export async function readInstanceRecord(home: string): Promise<InstanceRecord | undefined> {
  try {
    const parsed = InstanceRecordSchema.safeParse(
      JSON.parse(await readFile(instanceFile(home), 'utf8')),
    );
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the record only if it is still ours (a newer instance may have replaced it). */
export async function removeInstanceRecord(home: string, secret: string): Promise<void> {
  const current = await readInstanceRecord(home);
  if (current?.secret === secret) await rm(instanceFile(home), { force: true });
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
