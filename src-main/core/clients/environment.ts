import os from 'node:os';
import path from 'node:path';
import type { Environment } from './types.js';

export function currentEnvironment(workspace?: string): Environment {
  return {
    platform: process.platform,
    homedir: os.homedir(),
    env: process.env,
    ...(workspace !== undefined && { workspace }),
  };
}

/** Path builders rooted where each kind of client file lives on the environment's OS. */
export interface Locations {
  home(...segments: string[]): string;
  /** Electron's appData: %APPDATA%, ~/Library/Application Support, or $XDG_CONFIG_HOME (~/.config). */
  appData(...segments: string[]): string;
  /** Absent when no workspace folder was given. */
  workspace?: (...segments: string[]) => string;
}

export function locationsFor(environment: Environment): Locations {
  const paths = environment.platform === 'win32' ? path.win32 : path.posix;
  const appDataDir = appDataDirectory(environment, paths);
  const workspaceDir = environment.workspace;
  return {
    home: (...segments) => paths.join(environment.homedir, ...segments),
    appData: (...segments) => paths.join(appDataDir, ...segments),
    ...(workspaceDir !== undefined && {
      workspace: (...segments: string[]) => paths.join(workspaceDir, ...segments),
    }),
  };
}

function appDataDirectory(
  { platform, homedir, env }: Environment,
  paths: path.PlatformPath,
): string {
  switch (platform) {
    case 'win32':
      return env.APPDATA || paths.join(homedir, 'AppData', 'Roaming');
    case 'darwin':
      return paths.join(homedir, 'Library', 'Application Support');
    default:
      return env.XDG_CONFIG_HOME || paths.join(homedir, '.config');
  }
}
