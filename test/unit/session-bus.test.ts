import { createServer, type Server } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionBusAddress } from '../../src-main/core/secrets/session-bus.js';
import { temporaryDirectory } from '../support/temporary.js';

describe('finding the D-Bus session bus without DBUS_SESSION_BUS_ADDRESS', () => {
  let runtimeDir: string;
  let bus: Server;

  beforeAll(async () => {
    runtimeDir = await temporaryDirectory('gatekey-runtime');
    bus = createServer();
    await new Promise<void>((resolve) => bus.listen(path.join(runtimeDir, 'bus'), resolve));
  });

  afterAll(() => new Promise<void>((resolve) => bus.close(() => resolve())));

  it('uses the socket in XDG_RUNTIME_DIR', () => {
    expect(sessionBusAddress({ XDG_RUNTIME_DIR: runtimeDir }, undefined)).toBe(
      `unix:path=${path.join(runtimeDir, 'bus')}`,
    );
  });

  it('keeps an address that is set', () => {
    const env = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/elsewhere', XDG_RUNTIME_DIR: runtimeDir };
    expect(sessionBusAddress(env, undefined)).toBe('unix:path=/elsewhere');
  });

  it('finds nothing when `bus` is not a socket or not there', async () => {
    const plain = await temporaryDirectory('gatekey-runtime-plain');
    await writeFile(path.join(plain, 'bus'), '');
    const empty = await temporaryDirectory('gatekey-runtime-empty');
    expect(sessionBusAddress({ XDG_RUNTIME_DIR: plain }, undefined)).toBeUndefined();
    expect(sessionBusAddress({ XDG_RUNTIME_DIR: empty }, undefined)).toBeUndefined();
    expect(sessionBusAddress({}, 2 ** 31 - 2)).toBeUndefined();
  });
});
