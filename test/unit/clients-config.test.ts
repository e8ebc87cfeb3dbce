import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_IDS,
  clientConfig,
  parseClientId,
  writeClientConfig,
  type ClientId,
  type Environment,
} from '../../src-main/core/clients/index.js';
import { GatekeyError } from '../../src-main/core/errors.js';
import { acmeGatewayTarget } from '../support/client-target.js';

const target = acmeGatewayTarget({
  command: '/usr/bin/node',
  args: ['/opt/gatekey/bin/gatekey.js', 'stdio'],
});

const expectedEntries: Record<ClientId, Record<string, unknown>> = {
  vscode: { type: 'http', url: target.localUrl },
  'vscode-insiders': { type: 'http', url: target.localUrl },
  cursor: { url: target.localUrl },
  'claude-code': { type: 'http', url: target.localUrl },
  'claude-desktop': {
    command: '/usr/bin/node',
    args: ['/opt/gatekey/bin/gatekey.js', 'stdio', 'acme-gw'],
    env: { GATEKEY_HOME: '/home/ada/profiles/work' },
  },
  kiro: { url: target.localUrl },
  windsurf: { serverUrl: target.localUrl },
  'gemini-cli': { httpUrl: target.localUrl },
};

const environments = {
  linux: { platform: 'linux', homedir: '/home/ada', env: {}, workspace: '/src/app' },
  darwin: { platform: 'darwin', homedir: '/Users/ada', env: {}, workspace: '/src/app' },
  win32: {
    platform: 'win32',
    homedir: 'C:\\Users\\ada',
    env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' },
    workspace: 'D:\\src\\app',
  },
} satisfies Record<string, Environment>;

type Os = keyof typeof environments;
type ExpectedFiles = Record<Os, [user: string | null, workspace: string | null]>;

const expectedFiles: Record<ClientId, ExpectedFiles> = {
  vscode: {
    linux: ['/home/ada/.config/Code/User/mcp.json', '/src/app/.vscode/mcp.json'],
    darwin: [
      '/Users/ada/Library/Application Support/Code/User/mcp.json',
      '/src/app/.vscode/mcp.json',
    ],
    win32: [
      'C:\\Users\\ada\\AppData\\Roaming\\Code\\User\\mcp.json',
      'D:\\src\\app\\.vscode\\mcp.json',
    ],
  },
  'vscode-insiders': {
    linux: ['/home/ada/.config/Code - Insiders/User/mcp.json', '/src/app/.vscode/mcp.json'],
    darwin: [
      '/Users/ada/Library/Application Support/Code - Insiders/User/mcp.json',
      '/src/app/.vscode/mcp.json',
    ],
    win32: [
      'C:\\Users\\ada\\AppData\\Roaming\\Code - Insiders\\User\\mcp.json',
      'D:\\src\\app\\.vscode\\mcp.json',
    ],
  },
  cursor: {
    linux: ['/home/ada/.cursor/mcp.json', '/src/app/.cursor/mcp.json'],
    darwin: ['/Users/ada/.cursor/mcp.json', '/src/app/.cursor/mcp.json'],
    win32: ['C:\\Users\\ada\\.cursor\\mcp.json', 'D:\\src\\app\\.cursor\\mcp.json'],
  },
  'claude-code': {
    linux: [null, '/src/app/.mcp.json'],
    darwin: [null, '/src/app/.mcp.json'],
    win32: [null, 'D:\\src\\app\\.mcp.json'],
  },
  'claude-desktop': {
    linux: ['/home/ada/.config/Claude/claude_desktop_config.json', null],
    darwin: ['/Users/ada/Library/Application Support/Claude/claude_desktop_config.json', null],
    win32: ['C:\\Users\\ada\\AppData\\Roaming\\Claude\\claude_desktop_config.json', null],
  },
  kiro: {
    linux: ['/home/ada/.kiro/settings/mcp.json', '/src/app/.kiro/settings/mcp.json'],
    darwin: ['/Users/ada/.kiro/settings/mcp.json', '/src/app/.kiro/settings/mcp.json'],
    win32: ['C:\\Users\\ada\\.kiro\\settings\\mcp.json', 'D:\\src\\app\\.kiro\\settings\\mcp.json'],
  },
  windsurf: {
    linux: ['/home/ada/.codeium/windsurf/mcp_config.json', null],
    darwin: ['/Users/ada/.codeium/windsurf/mcp_config.json', null],
    win32: ['C:\\Users\\ada\\.codeium\\windsurf\\mcp_config.json', null],
  },
  'gemini-cli': {
    linux: ['/home/ada/.gemini/settings.json', '/src/app/.gemini/settings.json'],
    darwin: ['/Users/ada/.gemini/settings.json', '/src/app/.gemini/settings.json'],
    win32: ['C:\\Users\\ada\\.gemini\\settings.json', 'D:\\src\\app\\.gemini\\settings.json'],
  },
};

function filesOf([user, workspace]: [string | null, string | null]) {
  return [
    ...(user ? [{ scope: 'user', path: user }] : []),
    ...(workspace ? [{ scope: 'workspace', path: workspace }] : []),
  ];
}

describe('clientConfig', () => {
  it.each(CLIENT_IDS)(
    '%s: the entry points at the local proxy in the format the client reads',
    (client) => {
      const plan = clientConfig(client, target, environments.linux);
      const serversKey = client.startsWith('vscode') ? 'servers' : 'mcpServers';
      expect(plan.entryKey).toBe('acme-gw');
      expect(plan.entry).toEqual(expectedEntries[client]);
      expect(JSON.parse(plan.snippet)).toEqual({
        [serversKey]: { 'acme-gw': expectedEntries[client] },
      });
    },
  );

  describe.each(Object.keys(environments) as Os[])('on %s', (os) => {
    it.each(CLIENT_IDS)('%s: resolves the user and workspace files', (client) => {
      const plan = clientConfig(client, target, environments[os]);
      expect(plan.files).toEqual(filesOf(expectedFiles[client][os]));
    });
  });

  it('on Linux, follows XDG_CONFIG_HOME for the apps that live in it', () => {
    const environment = { ...environments.linux, env: { XDG_CONFIG_HOME: '/xdg' } };
    expect(clientConfig('vscode', target, environment).files[0]?.path).toBe(
      '/xdg/Code/User/mcp.json',
    );
    expect(clientConfig('claude-desktop', target, environment).files[0]?.path).toBe(
      '/xdg/Claude/claude_desktop_config.json',
    );
  });

  it('on Windows without APPDATA, falls back to the profile roaming folder', () => {
    const environment = { ...environments.win32, env: {} };
    expect(clientConfig('vscode', target, environment).files[0]?.path).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\Code\\User\\mcp.json',
    );
  });

  it('the VS Code link decodes to the --add-mcp object', () => {
    const link = clientConfig('vscode', target, environments.linux).installLink ?? '';
    const prefix = 'vscode:mcp/install?';
    expect(link.startsWith(prefix)).toBe(true);
    expect(JSON.parse(decodeURIComponent(link.slice(prefix.length)))).toEqual({
      name: 'acme-gw',
      ...expectedEntries.vscode,
    });
  });

  it('the Cursor deeplink decodes to the name and the base64 entry', () => {
    const link = new URL(clientConfig('cursor', target, environments.linux).installLink ?? '');
    expect(`${link.protocol}//${link.host}${link.pathname}`).toBe(
      'cursor://anysphere.cursor-deeplink/mcp/install',
    );
    expect(link.searchParams.get('name')).toBe('acme-gw');
    const config = Buffer.from(link.searchParams.get('config') ?? '', 'base64').toString('utf8');
    expect(JSON.parse(config)).toEqual(expectedEntries.cursor);
  });

  it('the Kiro link decodes to the name and the entry', () => {
    const link = new URL(clientConfig('kiro', target, environments.linux).installLink ?? '');
    expect(`${link.origin}${link.pathname}`).toBe('https://kiro.dev/launch/mcp/add');
    expect(link.searchParams.get('name')).toBe('acme-gw');
    expect(JSON.parse(link.searchParams.get('config') ?? '')).toEqual(expectedEntries.kiro);
  });

  it('offers links and commands only where the client has them', () => {
    const offers = CLIENT_IDS.map((client) => {
      const plan = clientConfig(client, target, environments.linux);
      return [client, plan.installLink !== undefined, plan.command !== undefined];
    });
    expect(offers).toEqual([
      ['vscode', true, false],
      ['vscode-insiders', true, false],
      ['cursor', true, false],
      ['claude-code', false, true],
      ['claude-desktop', false, false],
      ['kiro', true, false],
      ['windsurf', false, false],
      ['gemini-cli', false, true],
    ]);
  });

  it('offers no workspace file when no workspace folder was given (the window)', () => {
    const { workspace: _omitted, ...noWorkspace } = environments.linux;
    for (const client of CLIENT_IDS) {
      const scopes = clientConfig(client, target, noWorkspace).files.map((file) => file.scope);
      expect(scopes, client).not.toContain('workspace');
    }
  });

  it('the VS Code Insiders link uses its own scheme', () => {
    const link = clientConfig('vscode-insiders', target, environments.linux).installLink ?? '';
    const prefix = 'vscode-insiders:mcp/install?';
    expect(link.startsWith(prefix)).toBe(true);
    expect(JSON.parse(decodeURIComponent(link.slice(prefix.length)))).toEqual({
      name: 'acme-gw',
      ...expectedEntries['vscode-insiders'],
    });
  });

  it('gives the gemini command for all projects, and the folder-trust rule', () => {
    const plan = clientConfig('gemini-cli', target, environments.linux);
    expect(plan.command).toBe(
      'gemini mcp add --scope user --transport http acme-gw http://127.0.0.1:7421/mcp/acme-gw',
    );
    expect(plan.notes.join(' ')).toMatch(/trust/);
  });

  it('gives the claude command for all projects', () => {
    expect(clientConfig('claude-code', target, environments.linux).command).toBe(
      'claude mcp add --transport http --scope user acme-gw http://127.0.0.1:7421/mcp/acme-gw',
    );
  });

  it('quotes the claude command so a shell passes each argument through intact', () => {
    const awkwardUrl = "http://127.0.0.1:7421/mcp/it's $HOME;`id` & *";
    const command = clientConfig(
      'claude-code',
      { ...target, localUrl: awkwardUrl },
      environments.linux,
    ).command;
    expect(command).toBe(
      `claude mcp add --transport http --scope user acme-gw 'http://127.0.0.1:7421/mcp/it'\\''s $HOME;\`id\` & *'`,
    );
    const echoed = execFileSync(
      'sh',
      ['-c', `printf '%s\\n' ${command?.replace(/^claude /, '')}`],
      {
        encoding: 'utf8',
      },
    );
    expect(echoed.split('\n').slice(0, -1)).toEqual([
      'mcp',
      'add',
      '--transport',
      'http',
      '--scope',
      'user',
      'acme-gw',
      awkwardUrl,
    ]);
  });

  it.each([
    ['the upstream gateway', 'https://gateway.example.com/mcp', 'a https: URL'],
    ['another host', 'http://10.0.0.8:7421/mcp/acme-gw', 'host "10.0.0.8"'],
    ['a URL with a token', 'http://127.0.0.1:7421/mcp/acme-gw?access_token=s3cr3t', 'credentials'],
    ['a URL with user info', 'http://user:s3cr3t@127.0.0.1:7421/mcp/acme-gw', 'credentials'],
    ['no URL', 'acme-gw', 'not a URL'],
  ])('refuses %s, without echoing it', (_what, localUrl, reason) => {
    const attempt = () => clientConfig('cursor', { ...target, localUrl }, environments.linux);
    expect(attempt).toThrow(GatekeyError);
    expect(attempt).toThrow(reason);
    expect(attempt).not.toThrow('s3cr3t');
  });

  it('refuses a name that is not a gateway slug', () => {
    expect(() =>
      clientConfig('cursor', { ...target, name: 'Acme GW' }, environments.linux),
    ).toThrow(/Expected a gateway name .* got "Acme GW"/);
  });
});

describe('parseClientId', () => {
  it.each(CLIENT_IDS)('accepts %s', (client) => {
    expect(parseClientId(client)).toBe(client);
  });

  it('refuses an unknown client, listing the valid ids', () => {
    const error = captureError(() => parseClientId('vim'));
    expect(error).toMatchObject({ code: 'invalid_input' });
    expect(error.message).toBe(
      'Unknown client "vim": expected one of vscode, vscode-insiders, cursor, claude-code, claude-desktop, kiro, windsurf, gemini-cli.',
    );
  });
});

describe('writeClientConfig scope', () => {
  it('points Claude Code user scope to the claude command, writing nothing', async () => {
    const attempt = writeClientConfig('claude-code', target, {
      scope: 'user',
      environment: environments.linux,
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'invalid_input',
      hint: expect.stringContaining('claude mcp add --transport http --scope user acme-gw'),
    });
  });
});

function captureError(action: () => unknown): GatekeyError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatekeyError) return error;
  }
  throw new Error('expected a GatekeyError');
}
