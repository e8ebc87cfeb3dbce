import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GatekeyError } from './errors.js';

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

/**
 * Where files that must not outlive a reboot go (the running instance's record): on Linux
 * $XDG_RUNTIME_DIR (a tmpfs of this user's, emptied at logout and at boot), else a folder of
 * this user's in the temp directory. The folder is private (0700) and must be this user's own:
 * a folder another user made in /tmp beforehand is refused, never used.
 */
export function runtimeDirectory(environment: HomeEnvironment = currentEnvironment()): string {
  const { platform, env } = environment;
  const uid = process.getuid?.();
  const xdg = env.XDG_RUNTIME_DIR;
  const dir =
    platform === 'linux' && xdg && path.isAbsolute(xdg)
      ? path.join(xdg, 'gatekey')
      : path.join(os.tmpdir(), uid === undefined ? 'gatekey' : `gatekey-${uid}`);
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (uid !== undefined) assertPrivateDirectory(dir, uid);
  return dir;
}

function assertPrivateDirectory(dir: string, uid: number): void {
  const info = fs.lstatSync(dir);
  if (info.isDirectory() && info.uid === uid && (info.mode & 0o077) === 0) return;
  throw new GatekeyError(
    'config_invalid',
    `${dir} is not a private folder of this user (expected a directory owned by uid ${uid} with mode 0700; found ${info.isSymbolicLink() ? 'a symbolic link' : info.isDirectory() ? 'a directory' : 'a file'} owned by uid ${info.uid}, mode ${(info.mode & 0o777).toString(8)}).`,
    `Another user may have created it to watch Gatekey. Remove it (rm -r ${dir}) and run the command again.`,
  );
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
