import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AsyncEntry } from '@napi-rs/keyring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatekeyError } from '../../src-main/core/errors.js';
import {
  type InsecureFileSecretStore,
  KEYCHAIN_SERVICE,
  openSecretStore,
  profileId,
  type GatewaySecrets,
  type SecretStore,
} from '../../src-main/core/secrets/index.js';
import { rejection } from '../support/gatekey-rejection.js';

const execFileAsync = promisify(execFile);
const homes: string[] = [];
function newHome(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gatekey-secrets-'));
  homes.push(home);
  return home;
}
afterAll(() => homes.forEach((home) => fs.rmSync(home, { recursive: true, force: true })));

/** The keychain entry as any Secret Service client sees it. */
const rawEntry = (home: string, gateway: string) =>
  new AsyncEntry(KEYCHAIN_SERVICE, `${profileId(home)}/${gateway}`, {
    linux: { store: 'secret-service' },
  });

const secretsFor = (label: string): GatewaySecrets => ({
  tokens: {
    accessToken: `access-${label}`,
    tokenType: 'Bearer',
    refreshToken: `refresh-${label}`,
    expiresAt: 1_900_000_060_000,
    obtainedAt: 1_900_000_000_000,
  },
  clientSecret: `client-secret-${label}`,
});

/** The store contract, for the keychain and the file store alike. */
function describeSecretStore(open: (home: string) => SecretStore) {
  it('round-trips, replaces and deletes one entry per gateway', async () => {
    const store = open(newHome());
    expect(await store.read('alpha')).toBeUndefined();
    await store.write('alpha', secretsFor('a1'));
    await store.write('beta', secretsFor('b1'));
    await store.write('alpha', secretsFor('a2'));
    expect(await store.read('alpha')).toEqual(secretsFor('a2'));
    await store.delete('alpha');
    expect(await store.read('alpha')).toBeUndefined();
    expect(await store.read('beta')).toEqual(secretsFor('b1'));
    await store.delete('alpha');
    await store.delete('beta');
  });

  it('keeps two profiles apart', async () => {
    const [work, personal] = [open(newHome()), open(newHome())];
    await work.write('shared', secretsFor('work'));
    await personal.write('shared', secretsFor('personal'));
    expect(await work.read('shared')).toEqual(secretsFor('work'));
    await personal.delete('shared');
    expect(await work.read('shared')).toEqual(secretsFor('work'));
    await work.delete('shared');
  });
}

describe('the OS keychain (Secret Service)', () => {
  const open = (home: string) => openSecretStore({ home });

  describeSecretStore(open);

  it('stores entries as service "gatekey", account "<profileId>/<gateway>"', async () => {
    const home = newHome();
    const store = open(home);
    expect(store.kind).toBe('keychain');
    await store.write('named', secretsFor('n'));
    expect(profileId(home)).toMatch(/^[0-9a-f]{12}$/);
    const stored = await rawEntry(home, 'named').getPassword();
    expect(JSON.parse(stored ?? '')).toEqual(secretsFor('n'));
    await store.delete('named');
    expect(await rawEntry(home, 'named').getPassword()).toBeNull();
  });

  it('names the gateway of a corrupt entry and never echoes its content', async () => {
    const home = newHome();
    const garbage = '{"tokens": "leaked-secret-text';
    await rawEntry(home, 'broken').setPassword(garbage);
    const error = await rejection(open(home).read('broken'));
    expect(error.code).toBe('secrets_corrupt');
    expect(error.message).toBe('The keychain entry for gateway "broken" is not valid JSON.');
    expect(error.hint).toContain(`${profileId(home)}/broken`);

    await rawEntry(home, 'broken').setPassword(
      JSON.stringify({ tokens: { accessToken: 'leaked-secret-text' } }),
    );
    const shapeError = await rejection(open(home).read('broken'));
    expect(shapeError.message).toContain('tokens.tokenType:');
    expect(`${shapeError.message} ${shapeError.hint}`).not.toContain('leaked-secret-text');
    await open(home).delete('broken');
  });

  // The keyring library keeps its D-Bus connection per process, so each failure runs in a child.
  async function keychainErrorInChild(env: NodeJS.ProcessEnv, wrapper: string[] = []) {
    const script = `
      import { openSecretStore } from './src-main/core/secrets/index.js';
      const store = openSecretStore({ home: process.argv[1] });
      const error = await store.write('alpha', { clientSecret: 'client-secret-x' }).catch((e) => e);
      process.stdout.write(JSON.stringify(error.toJSON()));`;
    const command = [...wrapper, process.execPath, '--import', 'tsx', '--input-type=module'];
    const { stdout } = await execFileAsync(
      command[0]!,
      [...command.slice(1), '-e', script, newHome()],
      {
        env,
      },
    );
    // A D-Bus-activated gnome-keyring may print its own line first.
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as ReturnType<GatekeyError['toJSON']>;
  }

  it('says which store failed, why, and how to fix it when there is no D-Bus session', async () => {
    const { DBUS_SESSION_BUS_ADDRESS: _, ...noBus } = process.env;
    const error = await keychainErrorInChild(noBus);
    expect(error.code).toBe('keychain_unavailable');
    expect(error.message).toContain('could not use the Secret Service');
    expect(error.message).toContain('no D-Bus session bus');
    expect(error.hint).toContain('gnome-keyring-daemon --unlock');
    expect(error.hint).toContain('--insecure-file-store');
    expect(JSON.stringify(error)).not.toContain('client-secret-x');
  });

  it('says so when D-Bus runs but no unlocked keyring answers', async () => {
    const error = await keychainErrorInChild({ ...process.env, HOME: newHome() }, [
      'dbus-run-session',
      '--',
    ]);
    expect(error.code).toBe('keychain_unavailable');
    expect(error.message).toContain('could not use the Secret Service');
    expect(error.message).toContain('no unlocked keyring answered');
    expect(JSON.stringify(error)).not.toContain('client-secret-x');
  });
});

describe('the insecure file store', () => {
  const warnings: string[] = [];
  const open = (home: string) =>
    openSecretStore({ home, insecureFileStore: true, onWarning: (line) => warnings.push(line) });
  beforeAll(() => {
    warnings.length = 0;
  });

  describeSecretStore(open);

  it('warns once when opened and keeps a 0600 file', async () => {
    const home = newHome();
    const before = warnings.length;
    const store = open(home) as InsecureFileSecretStore;
    expect(store.kind).toBe('insecure-file');
    expect(warnings.slice(before)).toEqual([expect.stringContaining(store.file)]);
    await store.write('alpha', secretsFor('a'));
    await store.write('beta', secretsFor('b'));
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
    expect(warnings.length).toBe(before + 1);
  });

  it('names the file and the field when the file is damaged', async () => {
    const home = newHome();
    const store = open(home) as InsecureFileSecretStore;
    fs.writeFileSync(store.file, JSON.stringify({ alpha: { tokens: { accessToken: 7 } } }));
    const error = await rejection(store.read('alpha'));
    expect(error.code).toBe('secrets_corrupt');
    expect(error.message).toContain(store.file);
    expect(error.message).toContain('alpha.tokens.accessToken:');
  });
});
