import { spawn } from 'node:child_process';
import { GatekeyError } from '../errors.js';

interface LaunchCommand {
  file: string;
  args: string[];
  /** Windows: pass the arguments to cmd.exe as written, so `&` in the URL stays inside quotes. */
  verbatim?: boolean;
}

/**
 * Opens `url` in the user's browser. `$BROWSER` wins (a colon-separated list of commands, each
 * given the URL in place of `%s`, or as its last argument); otherwise the platform's opener.
 * Resolves once a browser process has started; does not wait for it to exit.
 */
export async function openSystemBrowser(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const commands = env.BROWSER ? browserVariableCommands(env.BROWSER, url) : [platformCommand(url)];
  const failures: string[] = [];
  for (const command of commands) {
    try {
      await launch(command);
      return;
    } catch (error) {
      failures.push(`${command.file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new GatekeyError(
    'browser_unavailable',
    `Could not start a browser (${failures.join('; ')}).`,
    'Open the sign-in URL by hand, or set BROWSER to your browser command, e.g. BROWSER=firefox.',
  );
}

/** The colons between commands; a colon before `//` belongs to a URL in a command (`file:///…`). */
const COMMAND_SEPARATOR = /:(?!\/\/)/;

function browserVariableCommands(variable: string, url: string): LaunchCommand[] {
  return variable.split(COMMAND_SEPARATOR).flatMap((entry) => {
    const [file, ...args] = entry.trim().split(/\s+/).filter(Boolean);
    if (!file) return [];
    const substituted = args.some((arg) => arg.includes('%s'))
      ? args.map((arg) => arg.replaceAll('%s', url))
      : [...args, url];
    return [{ file, args: substituted }];
  });
}

function platformCommand(url: string): LaunchCommand {
  switch (process.platform) {
    case 'darwin':
      return { file: 'open', args: [url] };
    case 'win32':
      return { file: 'cmd.exe', args: ['/d', '/s', '/c', `start "" "${url}"`], verbatim: true };
    default:
      return { file: 'xdg-open', args: [url] };
  }
}

function launch({ file, args, verbatim }: LaunchCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      detached: true,
      stdio: 'ignore',
      windowsVerbatimArguments: verbatim,
    });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
