import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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
 * A session bus without service activation: only the daemon started here can own the Secret
 * Service name, so no call can wake a second, locked gnome-keyring.
 */
const BUS_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>`;

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
  const keyring = new Keyring(dir);
  try {
    await keyring.start();
    return keyring;
  } catch (error) {
    await keyring.stop();
    throw error;
  }
}

class Keyring implements PrivateKeyring {
  env = { DBUS_SESSION_BUS_ADDRESS: '' };
  #bus?: ChildProcess;
  #daemon?: ChildProcess;

  constructor(private readonly dir: string) {}

  async start(): Promise<void> {
    const config = path.join(this.dir, 'bus.conf');
    await writeFile(config, BUS_CONFIG);
    await mkdir(path.join(this.dir, 'run'), { mode: 0o700 });
    this.#bus = spawn('dbus-daemon', [`--config-file=${config}`, '--nofork', '--print-address=1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.env = { DBUS_SESSION_BUS_ADDRESS: await firstLine(this.#bus) };
    this.#daemon = await this.#startDaemon([]);
  }

  useInThisProcess(): void {
    process.env.DBUS_SESSION_BUS_ADDRESS = this.env.DBUS_SESSION_BUS_ADDRESS;
  }

  async lock(): Promise<void> {
    await this.#call('/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', [
      `[objectpath '${LOGIN_COLLECTION}']`,
    ]);
    await this.#waitUntil({ locked: true });
  }

  async unlock(): Promise<void> {
    const replaced = this.#daemon;
    this.#daemon = await this.#startDaemon(['--replace']);
    if (replaced) await exited(replaced);
  }

  async stop(): Promise<void> {
    const children = [this.#daemon, this.#bus].filter((child) => child !== undefined);
    for (const child of children) child.kill();
    await Promise.all(children.map(exited));
    await rm(this.dir, { recursive: true, force: true });
  }

  async #startDaemon(extraArgs: string[]): Promise<ChildProcess> {
    const daemon = spawn(
      'gnome-keyring-daemon',
      ['--foreground', '--unlock', '--components=secrets', ...extraArgs],
      {
        env: {
          ...process.env,
          ...this.env,
          XDG_RUNTIME_DIR: path.join(this.dir, 'run'),
          XDG_DATA_HOME: path.join(this.dir, 'data'),
        },
        stdio: ['pipe', 'ignore', 'ignore'],
      },
    );
    daemon.stdin?.end(KEYRING_PASSWORD);
    try {
      await this.#waitUntil({ locked: false });
      return daemon;
    } catch (error) {
      daemon.kill();
      throw error;
    }
  }

  async #waitUntil({ locked }: { locked: boolean }): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while ((await this.#isLocked()) !== locked) {
      if (Date.now() > deadline)
        throw new Error(`The private keyring did not become ${locked ? 'locked' : 'unlocked'}.`);
      await delay(50);
    }
  }

  /** undefined while no keyring daemon answers. */
  async #isLocked(): Promise<boolean | undefined> {
    const answer = await this.#call(LOGIN_COLLECTION, 'org.freedesktop.DBus.Properties.Get', [
      'org.freedesktop.Secret.Collection',
      'Locked',
    ]).catch(() => '');
    if (answer.includes('true')) return true;
    return answer.includes('false') ? false : undefined;
  }

  async #call(objectPath: string, method: string, args: string[]): Promise<string> {
    const { stdout } = await execFileAsync(
      'gdbus',
      [
        'call',
        '--session',
        '--dest',
        SECRETS_SERVICE,
        '--object-path',
        objectPath,
        '--method',
        method,
        ...args,
      ],
      { env: { ...process.env, ...this.env }, timeout: READY_TIMEOUT_MS },
    );
    return stdout;
  }
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
