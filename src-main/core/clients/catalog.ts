import type { Locations } from './environment.js';
import { cursorInstallLink, kiroInstallLink, shellCommand, vscodeInstallLink } from './links.js';
import type { ClientId, ClientTarget, ConfigFileLocation } from './types.js';
import { vscodeProfileFiles, type VscodeProduct } from './vscode-profiles.js';

type Entry = Record<string, unknown>;

/** How one client is configured, as its own documentation describes it. */
export interface ClientDefinition {
  displayName: string;
  serversKey: 'servers' | 'mcpServers';
  entry(target: ClientTarget): Entry;
  /** Files Gatekey may merge the entry into, the default first. */
  files(at: Locations): ConfigFileLocation[];
  installLink?: (name: string, entry: Entry) => string;
  command?(target: ClientTarget): string;
  notes: string[];
}

const NO_CREDENTIALS =
  'The entry holds no credentials: Gatekey adds a fresh token to each request, so keep Gatekey running.';

const user = (path: string): ConfigFileLocation => ({ scope: 'user', path });
/** The workspace file, when the user named a workspace folder. */
const workspace = (at: Locations, ...segments: string[]): ConfigFileLocation[] =>
  at.workspace ? [{ scope: 'workspace', path: at.workspace(...segments) }] : [];

const typedHttpEntry = ({ localUrl }: ClientTarget): Entry => ({ type: 'http', url: localUrl });
const urlEntry = ({ localUrl }: ClientTarget): Entry => ({ url: localUrl });

export const CLIENTS: Record<ClientId, ClientDefinition> = {
  vscode: vscodeClient('VS Code', 'Code', 'vscode'),
  'vscode-insiders': vscodeClient('VS Code Insiders', 'Code - Insiders', 'vscode-insiders'),
  // https://cursor.com/docs/mcp, https://cursor.com/docs/mcp/install-links
  cursor: {
    displayName: 'Cursor',
    serversKey: 'mcpServers',
    entry: urlEntry,
    files: (at) => [user(at.home('.cursor', 'mcp.json')), ...workspace(at, '.cursor', 'mcp.json')],
    installLink: cursorInstallLink,
    notes: [NO_CREDENTIALS],
  },
  // https://docs.anthropic.com/en/docs/claude-code/mcp
  'claude-code': {
    displayName: 'Claude Code',
    serversKey: 'mcpServers',
    entry: typedHttpEntry,
    // The user scope lives in ~/.claude.json, a state file Claude Code rewrites itself: the command adds to it.
    files: (at) => [...workspace(at, '.mcp.json')],
    command: ({ name, localUrl }) =>
      shellCommand([
        'claude',
        'mcp',
        'add',
        '--transport',
        'http',
        '--scope',
        'user',
        name,
        localUrl,
      ]),
    notes: [
      NO_CREDENTIALS,
      'The command adds the server for all your projects; .mcp.json shares it with everyone who opens this project.',
    ],
  },
  // https://modelcontextprotocol.io/quickstart/user
  'claude-desktop': {
    displayName: 'Claude Desktop',
    serversKey: 'mcpServers',
    entry: ({ name, stdioCommand, home, runtimeDir }) => ({
      command: stdioCommand.command,
      args: [...stdioCommand.args, name],
      env: { GATEKEY_HOME: home, ...(runtimeDir && { XDG_RUNTIME_DIR: runtimeDir }) },
    }),
    files: (at) => [user(at.appData('Claude', 'claude_desktop_config.json'))],
    notes: [
      'Claude Desktop has no HTTP transport in its config file: it runs `gatekey stdio`, which relays to the local proxy.',
      'Quit and reopen Claude Desktop to load the change.',
    ],
  },
  // https://kiro.dev/docs/mcp/configuration, https://kiro.dev/docs/mcp/share/
  kiro: {
    displayName: 'Kiro',
    serversKey: 'mcpServers',
    entry: urlEntry,
    files: (at) => [
      user(at.home('.kiro', 'settings', 'mcp.json')),
      ...workspace(at, '.kiro', 'settings', 'mcp.json'),
    ],
    installLink: kiroInstallLink,
    notes: [NO_CREDENTIALS],
  },
  // https://docs.windsurf.com/windsurf/cascade/mcp
  windsurf: {
    displayName: 'Windsurf',
    serversKey: 'mcpServers',
    entry: ({ localUrl }) => ({ serverUrl: localUrl }),
    files: (at) => [user(at.home('.codeium', 'windsurf', 'mcp_config.json'))],
    notes: [NO_CREDENTIALS, "Press refresh in Windsurf's MCP panel to load the change."],
  },
  // https://github.com/google-gemini/gemini-cli/blob/main/docs/tools/mcp-server.md
  'gemini-cli': {
    displayName: 'Gemini CLI',
    serversKey: 'mcpServers',
    // httpUrl is Streamable HTTP; Gemini CLI's `url` means the legacy SSE transport.
    entry: ({ localUrl }) => ({ httpUrl: localUrl }),
    files: (at) => [
      user(at.home('.gemini', 'settings.json')),
      ...workspace(at, '.gemini', 'settings.json'),
    ],
    command: ({ name, localUrl }) =>
      shellCommand([
        'gemini',
        'mcp',
        'add',
        '--scope',
        'user',
        '--transport',
        'http',
        name,
        localUrl,
      ]),
    notes: [
      NO_CREDENTIALS,
      "Folder trust: Gemini CLI ignores a workspace's .gemini/settings.json (and its MCP servers) until you trust that folder; the user file works everywhere.",
    ],
  },
};

// https://code.visualstudio.com/docs/copilot/reference/mcp-configuration
function vscodeClient(
  displayName: string,
  product: VscodeProduct,
  scheme: 'vscode' | 'vscode-insiders',
): ClientDefinition {
  return {
    displayName,
    serversKey: 'servers',
    entry: typedHttpEntry,
    files: (at) => [
      user(at.appData(product, 'User', 'mcp.json')),
      ...vscodeProfileFiles(at, product),
      ...workspace(at, '.vscode', 'mcp.json'),
    ],
    installLink: (name, entry) => vscodeInstallLink(scheme, name, entry),
    notes: [
      NO_CREDENTIALS,
      `Each ${displayName} profile other than Default has its own user file: pick it by the profile's name (gatekey config --profile <name>).`,
    ],
  };
}
