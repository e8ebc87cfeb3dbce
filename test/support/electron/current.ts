import type { ElectronProcess } from './process.js';

/**
 * The process the next import of the stand-in module belongs to: launch.ts sets it, then loads
 * main.ts in a fresh module registry, so each launch is a process of its own.
 */
const CURRENT = Symbol.for('gatekey.test.electron-process');
type Holder = { [CURRENT]?: ElectronProcess };

export function setCurrentProcess(process: ElectronProcess): void {
  (globalThis as Holder)[CURRENT] = process;
}

export function currentProcess(): ElectronProcess {
  const process = (globalThis as Holder)[CURRENT];
  if (!process)
    throw new Error(
      'The Electron stand-in was imported outside a launch; use launchShell() from test/support/electron/launch.ts.',
    );
  return process;
}

/** Electron's renderer-only modules are absent in the main process; any use says so. */
export function rendererOnly<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, member) {
      throw new Error(`${name}.${String(member)} is renderer-only; the main process used it.`);
    },
  });
}
