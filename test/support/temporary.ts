import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const created: string[] = [];

/** A fresh directory in the system's temporary folder, removed when the test file ends. */
export async function temporaryDirectory(prefix: string): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), `${prefix}-`));
  created.push(directory);
  return directory;
}

/** Run by test/support/setup.ts after each test file. */
export async function removeTemporaryDirectories(): Promise<void> {
  const directories = created.splice(0);
  await Promise.all(
    directories.map((directory) => rm(directory, { recursive: true, force: true, maxRetries: 3 })),
  );
}
