export const CLIENT_IDS = [
  'vscode',
  'vscode-insiders',
  'cursor',
  'claude-code',
  'claude-desktop',
  'kiro',
  'windsurf',
  'gemini-cli',
] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

export type ConfigScope = 'user' | 'workspace';

/** What an IDE entry points at: the local proxy, never the gateway and never a token. */
export interface ClientTarget {
  name: string;
  localUrl: string;
  /**
   * How to run the stdio bridge, for clients that only start stdio servers (Claude Desktop): an
   * absolute program and the arguments before the gateway name (`gatekey.js stdio`, or the tray
   * app's `--stdio`), since a desktop app starts it with a bare environment and a minimal PATH.
   */
  stdioCommand: { command: string; args: string[] };
  /** The Gatekey home the entry's `gatekey stdio` must use: the bare environment has no GATEKEY_HOME. */
  home: string;
  /**
   * The instance's runtime folder ($XDG_RUNTIME_DIR, where it keeps its record), for the same
   * reason: without it a bare environment would look for the running instance elsewhere.
   */
  runtimeDir?: string;
}

/** Where the user's files live; a parameter so that paths for every OS can be computed and tested. */
export interface Environment {
  /** `process.platform`: 'linux', 'darwin', 'win32', … */
  platform: string;
  homedir: string;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * The folder where the user asked for the config (the CLI's working directory), for
   * workspace-scoped files. Without one (the window) no workspace file is offered.
   */
  workspace?: string;
}

export interface ConfigFileLocation {
  scope: ConfigScope;
  path: string;
  /** The VS Code profile (other than Default) whose user file this is, by name. */
  profile?: string;
}

export interface ClientConfigPlan {
  client: ClientId;
  displayName: string;
  /** The key under `servers` / `mcpServers`. */
  entryKey: string;
  entry: Record<string, unknown>;
  /** A complete file fragment to paste, pretty JSON. */
  snippet: string;
  files: ConfigFileLocation[];
  /** A vscode:, cursor: or kiro.dev link that asks the IDE to add the entry. */
  installLink?: string;
  /** A shell command that adds the entry, e.g. `claude mcp add …`. */
  command?: string;
  notes: string[];
}

export interface WriteOptions {
  /** An explicit file; otherwise the plan's file for `scope` (default: its first file). */
  file?: string;
  scope?: ConfigScope;
  /** A VS Code profile other than Default, by name: its user file. */
  profile?: string;
  environment?: Environment;
}

export interface WriteResult {
  path: string;
  backupPath?: string;
  change: 'created' | 'added' | 'updated' | 'unchanged';
  /** The entry that was replaced, when `change` is `updated`. */
  previous?: Record<string, unknown>;
}
