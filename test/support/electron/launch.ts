import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { vi } from 'vitest';
import { setCurrentProcess } from './current.js';
import { ElectronProcess, type ProcessOptions } from './process.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

export interface LaunchOptions {
  /** GATEKEY_HOME of this launch. */
  home: string;
  /** Single-instance locks shared by the launches of one test file. */
  locks: ProcessOptions['locks'];
  /** Command-line arguments after the executable (a deep link, for instance). */
  argv?: string[];
  /** What the system browser does with a URL the app opens. */
  browser?: (url: string) => Promise<void>;
  displays?: ProcessOptions['displays'];
  /** An installed app (app.isPackaged), else a development run. */
  packaged?: boolean;
}

/**
 * Starts the real src-main/app/main.ts as a new Electron process on the stand-in: a fresh module
 * registry (so main.ts runs again, as in a new process) whose `electron` is this process's
 * stand-in (`vi.doMock`: the alias exists only in the test that launches).
 */
export async function launchShell(options: LaunchOptions): Promise<ElectronProcess> {
  const electron = new ElectronProcess({
    appPath: repoRoot,
    argv: options.argv ?? [],
    locks: options.locks,
    displays: options.displays,
    packaged: options.packaged,
  });
  if (options.browser) electron.browser = options.browser;
  setCurrentProcess(electron);
  process.env.GATEKEY_HOME = options.home;
  const argv = process.argv;
  process.argv = [process.execPath, ...electron.options.argv];
  vi.resetModules();
  vi.doMock('electron', () => import('./index.js'));
  try {
    await import('../../../src-main/app/main.js');
  } finally {
    process.argv = argv;
  }
  if (!electron.exited) electron.app.becomeReady();
  return electron;
}

/** Quits every launch still running and waits for each to exit. */
export async function quitAll(launches: readonly ElectronProcess[]): Promise<void> {
  for (const launched of launches) if (!launched.exited) launched.app.quit();
  await Promise.all(launches.map((launched) => launched.whenExited()));
  delete process.env.GATEKEY_HOME;
}

/**
 * Gives this process (and so a launch, which runs in it) other stdin and stdout, as a stdio
 * client that starts the app would; returns the undo.
 */
export function replaceStdio(stdin: Readable, stdout: Writable): () => void {
  const original = {
    stdin: Object.getOwnPropertyDescriptor(process, 'stdin'),
    stdout: Object.getOwnPropertyDescriptor(process, 'stdout'),
  };
  Object.defineProperty(process, 'stdin', { value: stdin, configurable: true });
  Object.defineProperty(process, 'stdout', { value: stdout, configurable: true });
  return () => {
    for (const [name, descriptor] of Object.entries(original))
      if (descriptor) Object.defineProperty(process, name, descriptor);
  };
}
