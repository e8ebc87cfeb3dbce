import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeychainSecretStore } from '../../src-main/core/secrets/index.js';
import {
  addMachineGatewayArgs,
  runGatekey,
  temporaryHome,
  type CliResult,
} from '../support/cli.js';
import {
  startPrivateKeyring,
  UNREACHABLE_BUS,
  type PrivateKeyring,
} from '../support/reliability-keyring.js';
import { startServe, type ServeProcess } from '../support/reliability-process.js';
import { report } from '../support/reliability-rig.js';

/** Nothing listens on these: `add` and `edit` never contact the gateway or its IdP. */
const GATEWAY_URL = 'http://127.0.0.1:9/mcp';
const ISSUER = 'http://127.0.0.1:9/idp';

let keyring: PrivateKeyring;

beforeAll(async () => {
  keyring = await startPrivateKeyring();
  keyring.useInThisProcess();
});

afterAll(async () => {
  await keyring?.stop();
});

const machineGateway = (name: string, clientId: string) =>
  addMachineGatewayArgs(name, { url: GATEWAY_URL, issuer: ISSUER, clientId });

const browserGateway = (name: string) => ['add', name, '--url', GATEWAY_URL];

function gatekey(home: string, args: string[], stdin?: string): Promise<CliResult> {
  return runGatekey(args, { home, env: keyring.env, stdin });
}

/** The gateways in `<home>/config.json`, as written on disk. */
async function configuredGateways(home: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path.join(home, 'config.json'), 'utf8').catch(() => undefined);
  return text === undefined ? [] : (JSON.parse(text) as { gateways: [] }).gateways;
}

/** The refusal names the step, says nothing was saved, and gives the way to unlock. */
function expectLockedRefusal(result: CliResult, step: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(step);
  expect(result.stderr).toMatch(/no unlocked keyring answered/);
  expect(result.stderr).toMatch(/unlock/i);
}

async function whileLocked<T>(work: () => Promise<T>): Promise<T> {
  await keyring.lock();
  try {
    return await work();
  } finally {
    await keyring.unlock();
  }
}

describe.each([
  { mode: 'in-process', serve: false },
  { mode: 'through the running instance', serve: true },
])('with the keyring locked, $mode', ({ serve }) => {
  let home: string;
  let instance: ServeProcess | undefined;

  beforeAll(async () => {
    home = await temporaryHome();
    if (serve) instance = await startServe({ home, env: keyring.env });
    const added = await gatekey(home, machineGateway('robot', 'robot-v1'), 'secret-v1');
    expect(added.code, added.stderr).toBe(0);
  });

  afterAll(async () => {
    await instance?.stop();
  });

  it('`add` with a client secret saves nothing, and the same command works once unlocked', async () => {
    const add = machineGateway('other', 'other-client');
    const refused = await whileLocked(() => gatekey(home, add, 'other-secret'));
    expectLockedRefusal(refused, /Adding gateway "other" stopped: nothing was saved/);
    expect((await configuredGateways(home)).map((gateway) => gateway.name)).toEqual(['robot']);

    const retried = await gatekey(home, add, 'other-secret');
    expect(retried.code, retried.stderr).toBe(0);
    const stored = await new KeychainSecretStore(home).read('other');
    expect(stored?.clientSecret).toBe('other-secret');
    report('keychain-locked-add', { halfAddedGateway: 'no' });
  });

  it('`edit` with a new client id and secret changes neither', async () => {
    const edit = ['edit', 'robot', '--client-id', 'robot-v2', '--client-secret-stdin'];
    const refused = await whileLocked(() => gatekey(home, edit, 'secret-v2'));
    expectLockedRefusal(refused, /Changing gateway "robot" stopped: nothing was saved/);
    const robot = (await configuredGateways(home)).find((gateway) => gateway.name === 'robot');
    expect(robot?.clientId).toBe('robot-v1');
    expect((await new KeychainSecretStore(home).read('robot'))?.clientSecret).toBe('secret-v1');

    const retried = await gatekey(home, edit, 'secret-v2');
    expect(retried.code, retried.stderr).toBe(0);
    expect((await new KeychainSecretStore(home).read('robot'))?.clientSecret).toBe('secret-v2');
    report('keychain-locked-edit', { halfEditedGateway: 'no' });
  });
});

describe('with no keychain at all', () => {
  it('`add` of a browser sign-in gateway, which stores no secret yet, adds it and says sign-in will need the keychain', async () => {
    const home = await temporaryHome();
    const added = await runGatekey(browserGateway('web'), {
      home,
      env: { DBUS_SESSION_BUS_ADDRESS: UNREACHABLE_BUS },
    });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^Added web\./);
    expect(added.stderr).toMatch(
      /^Signing in will need the keychain\. Gatekey could not use the Secret Service .*\/nonexistent/,
    );
    expect((await configuredGateways(home)).map((gateway) => gateway.name)).toEqual(['web']);
  });
});
