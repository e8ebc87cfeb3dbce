import { statSync } from 'node:fs';
import path from 'node:path';

/**
 * The D-Bus session bus address, also when a desktop app started this process without
 * DBUS_SESSION_BUS_ADDRESS: the bus still listens at `$XDG_RUNTIME_DIR/bus` (or
 * `/run/user/<uid>/bus`). Undefined when there is no such socket either.
 */
export function sessionBusAddress(
  env: NodeJS.ProcessEnv,
  uid: number | undefined,
): string | undefined {
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
  const runtimeDirs = [env.XDG_RUNTIME_DIR, uid === undefined ? undefined : `/run/user/${uid}`];
  const socket = runtimeDirs
    .filter((dir): dir is string => Boolean(dir))
    .map((dir) => path.join(dir, 'bus'))
    .find(isSocket);
  return socket === undefined ? undefined : `unix:path=${socket}`;
}

/** Sets DBUS_SESSION_BUS_ADDRESS when it is missing and the bus is found: call before the keychain. */
export function adoptSessionBus(env: NodeJS.ProcessEnv = process.env): void {
  if (process.platform !== 'linux') return;
  const address = sessionBusAddress(env, process.getuid?.());
  if (address !== undefined) env.DBUS_SESSION_BUS_ADDRESS = address;
}

function isSocket(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isSocket() ?? false;
}
