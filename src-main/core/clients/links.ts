type Entry = Record<string, unknown>;

/** VS Code's MCP URL handler (`vscode:` or `vscode-insiders:`): name + entry, URL-encoded JSON. */
export function vscodeInstallLink(
  scheme: 'vscode' | 'vscode-insiders',
  name: string,
  entry: Entry,
): string {
  return `${scheme}:mcp/install?${encodeURIComponent(JSON.stringify({ name, ...entry }))}`;
}

/** Cursor's deeplink: the mcp.json entry as base64 JSON. */
export function cursorInstallLink(name: string, entry: Entry): string {
  const config = Buffer.from(JSON.stringify(entry)).toString('base64');
  return withQuery('cursor://anysphere.cursor-deeplink/mcp/install', { name, config });
}

/** Kiro's install link: the mcp.json entry as URL-encoded JSON. */
export function kiroInstallLink(name: string, entry: Entry): string {
  return withQuery('https://kiro.dev/launch/mcp/add', { name, config: JSON.stringify(entry) });
}

function withQuery(base: string, parameters: Record<string, string>): string {
  const query = Object.entries(parameters)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  return `${base}?${query}`;
}

const SHELL_SAFE = /^[\w@%+=:,./-]+$/;

/** A POSIX shell command line; arguments with other characters are single-quoted. */
export function shellCommand(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}

function shellQuote(argument: string): string {
  return SHELL_SAFE.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`;
}
