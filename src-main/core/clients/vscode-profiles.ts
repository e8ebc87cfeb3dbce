import { readFileSync } from 'node:fs';
import type { Locations } from './environment.js';
import type { ConfigFileLocation } from './types.js';

/** VS Code's own data folder under appData: `Code`, or `Code - Insiders`. */
export type VscodeProduct = 'Code' | 'Code - Insiders';

/** A profile folder name as VS Code makes them (e.g. `-6b8e4a9b`), never a path. */
const PROFILE_FOLDER = /^[\w.-]+$/;

/**
 * The user `mcp.json` of each VS Code profile other than Default. VS Code lists its profiles in
 * `User/globalStorage/storage.json` (`userDataProfiles`: folder under `User/profiles/` and name).
 */
export function vscodeProfileFiles(at: Locations, product: VscodeProduct): ConfigFileLocation[] {
  return readProfiles(at.appData(product, 'User', 'globalStorage', 'storage.json')).map(
    ({ location, name }) => ({
      scope: 'user',
      path: at.appData(product, 'User', 'profiles', location, 'mcp.json'),
      profile: name,
    }),
  );
}

function readProfiles(storageFile: string): { location: string; name: string }[] {
  let storage: unknown;
  try {
    storage = JSON.parse(readFileSync(storageFile, 'utf8'));
  } catch {
    return []; // no VS Code here, or no profile yet
  }
  const profiles = (storage as { userDataProfiles?: unknown } | null)?.userDataProfiles;
  if (!Array.isArray(profiles)) return [];
  return profiles.flatMap((profile: unknown) => {
    const { location, name } = (profile ?? {}) as { location?: unknown; name?: unknown };
    return typeof location === 'string' && PROFILE_FOLDER.test(location) && typeof name === 'string'
      ? [{ location, name }]
      : [];
  });
}
