import { createHash } from 'node:crypto';
import path from 'node:path';
import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';
import { GatekeyError } from '../errors.js';
import { decodeSecrets, GatewaySecretsSchema } from './codec.js';
import type { GatewaySecrets, SecretStore } from './types.js';

export const KEYCHAIN_SERVICE = 'gatekey';

/** Without the pin, Linux silently falls back to the kernel keyring and tokens vanish at reboot. */
const ENTRY_OPTIONS: EntryOptions = { linux: { store: 'secret-service' } };

const STORE_NAMES: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'the macOS Keychain',
  win32: 'the Windows Credential Manager',
};
const LINUX_STORE_NAME = 'the Secret Service (gnome-keyring or KWallet over D-Bus)';

const INSECURE_OPT_IN = 'Or opt in to an unencrypted file with --insecure-file-store.';
const FIX_HINTS: Partial<Record<NodeJS.Platform, string>> = {
  darwin: `Unlock your login keychain in Keychain Access and allow Gatekey when macOS asks. ${INSECURE_OPT_IN}`,
  win32: `Check that Credential Manager works for your Windows account. ${INSECURE_OPT_IN}`,
};
const LINUX_FIX_HINT =
  'Start and unlock gnome-keyring or KWallet in your desktop session. Headless: run Gatekey ' +
  'inside `dbus-run-session` after `gnome-keyring-daemon --unlock --components=secrets` (it reads ' +
  `the password on stdin). ${INSECURE_OPT_IN}`;

/** Two Gatekey homes on one machine must never share keychain entries. */
export function profileId(home: string): string {
  return createHash('sha256').update(path.resolve(home)).digest('hex').slice(0, 12);
}

const LINUX_UNLOCK_HINT =
  'Unlock the keyring, then run the command again: in a desktop session, open Passwords and ' +
  'Keys (`seahorse`) and unlock the Login keyring, or answer its unlock prompt. Headless (SSH), ' +
  'in the same D-Bus session: `read -rsp "Keyring password: " pw && printf %s "$pw" | ' +
  `gnome-keyring-daemon --replace --unlock --components=secrets\`. ${INSECURE_OPT_IN}`;

const isLocked = (reason: string) => /dismissed|locked|no result found/i.test(reason);

/** Known keyring failures in plain words; anything else as the keyring said it. */
function explainFailure(reason: string): string {
  if (/DBUS_SESSION_BUS_ADDRESS/.test(reason))
    return 'there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)';
  if (isLocked(reason)) return `no unlocked keyring answered (${reason})`;
  return reason;
}

function fixHint(reason: string): string {
  const hint = FIX_HINTS[process.platform];
  if (hint) return hint;
  return isLocked(reason) ? LINUX_UNLOCK_HINT : LINUX_FIX_HINT;
}

function keychainUnavailable(error: unknown): GatekeyError {
  const reason = error instanceof Error ? error.message : String(error);
  const store = STORE_NAMES[process.platform] ?? LINUX_STORE_NAME;
  return new GatekeyError(
    'keychain_unavailable',
    `Gatekey could not use ${store}: ${explainFailure(reason)}.`,
    fixHint(reason),
    { cause: error },
  );
}

/** One keychain entry per gateway: service `gatekey`, account `<profileId>/<gateway>`, JSON value. */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain';
  readonly #profile: string;
  /**
   * Opening an entry blocks the event loop for milliseconds on Linux (synchronous D-Bus work,
   * where reading it does not): each gateway's entry is opened once and kept.
   */
  readonly #entries = new Map<string, AsyncEntry>();

  constructor(home: string) {
    this.#profile = profileId(home);
  }

  async read(gateway: string): Promise<GatewaySecrets | undefined> {
    const text = await this.#withEntry(gateway, (entry) => entry.getPassword());
    if (text === null) return undefined;
    return decodeSecrets(
      text,
      GatewaySecretsSchema,
      `The keychain entry for gateway "${gateway}"`,
      `Delete the entry "${KEYCHAIN_SERVICE}" / "${this.#account(gateway)}" in your keychain, then sign in to ${gateway} again.`,
    );
  }

  async write(gateway: string, secrets: GatewaySecrets): Promise<void> {
    await this.#withEntry(gateway, (entry) => entry.setPassword(JSON.stringify(secrets)));
  }

  async delete(gateway: string): Promise<void> {
    await this.#withEntry(gateway, (entry) => entry.deleteCredential());
  }

  #account(gateway: string): string {
    return `${this.#profile}/${gateway}`;
  }

  /** The entry's constructor throws synchronously when there is no D-Bus: both paths map alike. */
  async #withEntry<T>(gateway: string, use: (entry: AsyncEntry) => Promise<T>): Promise<T> {
    try {
      return await use(this.#entry(gateway));
    } catch (error) {
      // An entry opened while the keyring was locked or gone keeps failing after it is back.
      this.#entries.delete(gateway);
      throw keychainUnavailable(error);
    }
  }

  #entry(gateway: string): AsyncEntry {
    let entry = this.#entries.get(gateway);
    if (entry === undefined) {
      entry = new AsyncEntry(KEYCHAIN_SERVICE, this.#account(gateway), ENTRY_OPTIONS);
      this.#entries.set(gateway, entry);
    }
    return entry;
  }
}
