import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A bus address nothing listens on: the keychain is unavailable to whoever uses it. */
export const UNREACHABLE_BUS = 'unix:path=/nonexistent';

const KEYRING_PASSWORD = 'reliability-keyring';
const SECRETS_SERVICE = 'org.freedesktop.secrets';
const LOGIN_COLLECTION = '/org/freedesktop/secrets/collection/login';
const READY_TIMEOUT_MS = 10_000;

/**
 * A Secret Service of its own: a private D-Bus session bus and a gnome-keyring whose password
 * the test knows, so a test can lock the keyring and unlock it again, and never touches the
 * keyring of the session it runs in.
 */
export interface PrivateKeyring {
  /** What a child process needs to use this keyring. */
  readonly env: { DBUS_SESSION_BUS_ADDRESS: string };
  /** Makes this process's keychain calls go to this keyring; call before the first one. */
  useInThisProcess(): void;
  /** Locks the login collection, as a screen lock or `secret-tool lock` does. */
  lock(): Promise<void>;
  /** Starts the keyring daemon again, unlocked with the password (items are kept on disk). */
  unlock(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateKeyring(): Promise<PrivateKeyring> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatekey-keyring-'));
  const runtimeDir = path.join(dir, 'run');
  await mkdir(runtimeDir, { mode: 0o700 });
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const address = await firstLine(bus);
  const busEnv = { DBUS_SESSION_BUS_ADDRESS: address };
  const daemonEnv = {
    ...process.env,
    ...busEnv,
    XDG_RUNTIME_DIR: runtimeDir,
    XDG_DATA_HOME: path.join(dir, 'data'),
  };
  const collectionLocked = async (): Promise<boolean | undefined> => {
    const answer = await gdbus(busEnv, [
      '--object-path',
      LOGIN_COLLECTION,
      '--method',
      'org.freedesktop.DBus.Properties.Get',
      'org.freedesktop.Secret.Collection',
      'Locked',
    ]).catch(() => '');
    return answer.includes('true') ? true : answer.includes('false') ? false : undefined;
  };
  const waitUntilLocked = async (locked: boolean): Promise<void> => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while ((await collectionLocked()) !== locked) {
      if (Date.now() > deadline)
        throw new Error(`The private keyring did not become ${locked ? 'locked' : 'unlocked'}.`);
      await delay(50);
    }
  };
  const startDaemon = async (replace: boolean): Promise<ChildProcess> => {
    const daemon = spawn(
      'gnome-keyring-daemon',
      ['--foreground', '--unlock', '--components=secrets', ...(replace ? ['--replace'] : [])],
      { env: daemonEnv, stdio: ['pipe', 'ignore', 'ignore'] },
    );
    daemon.stdin?.end(KEYRING_PASSWORD);
    await waitUntilLocked(false);
    return daemon;
  };

  let daemon = await startDaemon(false);
  return {
    env: busEnv,
    useInThisProcess: () => {
      process.env.DBUS_SESSION_BUS_ADDRESS = address;
    },
    async lock() {
      await gdbus(busEnv, [
        '--object-path',
        '/org/freedesktop/secrets',
        '--method',
        'org.freedesktop.Secret.Service.Lock',
        `[objectpath '${LOGIN_COLLECTION}']`,
      ]);
      await waitUntilLocked(true);
    },
    async unlock() {
      const replaced = daemon;
      daemon = await startDaemon(true);
      await exited(replaced);
    },
    async stop() {
      daemon.kill();
      bus.kill();
      await Promise.all([exited(daemon), exited(bus)]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function gdbus(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  return execFileAsync('gdbus', ['call', '--session', '--dest', SECRETS_SERVICE, ...args], {
    env: { ...process.env, ...env },
    timeout: READY_TIMEOUT_MS,
  }).then(({ stdout }) => stdout);
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      lines.close();
      resolve(line.trim());
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${child.spawnfile} exited with ${code}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
