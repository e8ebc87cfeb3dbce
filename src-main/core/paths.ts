import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Folders and files Gatekey creates: only their owner may read them, whatever the umask. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export interface HomeEnvironment {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  userHome: string;
}

const currentEnvironment = (): HomeEnvironment => ({
  platform: process.platform,
  env: process.env,
  userHome: os.homedir(),
});

/** Where Gatekey keeps its config and runtime files when neither `--home` nor GATEKEY_HOME says. */
export function defaultHome({ platform, env, userHome }: HomeEnvironment): string {
  switch (platform) {
    case 'darwin':
      return path.join(userHome, 'Library', 'Application Support', 'Gatekey');
    case 'win32':
      return path.join(env.APPDATA || path.join(userHome, 'AppData', 'Roaming'), 'Gatekey');
    default:
      return path.join(env.XDG_CONFIG_HOME || path.join(userHome, '.config'), 'gatekey');
  }
}

/**
 * The profile directory: `--home`, else GATEKEY_HOME, else the per-OS default. Created with
 * mode 0700 when missing; an existing directory keeps its mode.
 */
export function resolveHome(
  explicit?: string,
  environment: HomeEnvironment = currentEnvironment(),
): string {
  const chosen = explicit || environment.env.GATEKEY_HOME || defaultHome(environment);
  const home = path.resolve(chosen);
  fs.mkdirSync(home, { recursive: true, mode: PRIVATE_DIR_MODE });
  return home;
}

/** A file inside the profile directory. */
export function runtimeFile(home: string, name: string): string {
  return path.join(home, name);
}

/** The file's text, or undefined when it does not exist. */
export function readTextIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Replaces `file` with `data` so that a reader sees either the old or the new content, never a
 * torn one, even after a crash: temp file (mode 0600) in the same directory, fsync, rename.
 */
export function writePrivateFile(file: string, data: string): void {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(temp, 'wx', PRIVATE_FILE_MODE);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(path.dirname(file));
}

/** Makes a rename durable. Windows cannot open a directory, and does not need to. */
function syncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
