import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startInstance } from '../../src-main/core/instance.js';
import type { RunningInstance } from '../../src-main/core/instance.js';
import { startIdp } from '../../src-main/demo/idp.js';
import type { RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer } from '../../src-main/demo/mcp-server.js';
import type { RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { completeBrowserLogin } from '../support/headless-browser.js';
import { filesContaining, temporaryHome } from '../support/cli.js';

const INSPECTOR_CLI = path.resolve(
  import.meta.dirname,
  '../../node_modules/@modelcontextprotocol/inspector-cli/build/index.js',
);

/**
 * The whole product as an IDE sees it: the running instance (TokenManager on the real keychain,
 * proxy, control API), a browser sign-in at a real IdP, and MCP clients that no one here wrote.
 */
describe('an IDE through the running instance', () => {
  let idp: RunningIdp;
  let mcp: RunningMcpServer;
  let instance: RunningInstance;
  let home: string;
  let localUrl: string;

  beforeAll(async () => {
    idp = await startIdp({ profile: 'generic' });
    mcp = await startDemoMcpServer({ issuer: idp.issuer });
    home = await temporaryHome();
    instance = await startInstance({
      home,
      version: 'test',
      port: 0,
      openBrowser: async (url) => void (await completeBrowserLogin(url)),
    });
    const view = await instance.api.invoke('gateways.add', {
      gateway: { name: 'work', url: mcp.url },
    });
    localUrl = view.localUrl;
    const status = await instance.api.invoke('auth.signIn', { name: 'work' });
    expect(status.state).toBe('signed-in');
  });

  afterAll(async () => {
    await instance?.close();
    await mcp?.close();
    await idp?.close();
  });

  async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ name: 'ide', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(localUrl)));
    try {
      return await work(client);
    } finally {
      await client.close();
    }
  }

  it('lets the MCP SDK client call a tool as the signed-in user, with no credentials of its own', async () => {
    const result = await withClient((client) => client.callTool({ name: 'whoami', arguments: {} }));
    const [content] = result.content as { text: string }[];
    expect(JSON.parse(content!.text).sub).toBe(idp.user.username);
  });

  it('works for the MCP Inspector CLI from npm', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [INSPECTOR_CLI, localUrl, '--transport', 'http', '--method', 'tools/list'],
      // The Inspector CLI finds its own package.json relative to the working directory.
      { timeout: 20_000, cwd: path.dirname(INSPECTOR_CLI) },
    );
    const names = (JSON.parse(stdout).tools as { name: string }[]).map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'whoami', 'count']));
  });

  it('records a step-up on 403 insufficient_scope, and the next sign-in asks for the scope', async () => {
    const denied = await withClient((client) =>
      client.callTool({ name: 'admin_action', arguments: {} }).catch((error: Error) => error),
    );
    expect(String(denied)).toMatch(/403|insufficient_scope|Forbidden/i);
    const status = (await instance.api.invoke('gateways.get', { name: 'work' })).status;
    expect(status.stepUpScopes).toEqual(['mcp:admin']);

    await instance.api.invoke('auth.signIn', { name: 'work' });
    const after = await withClient((client) =>
      client.callTool({ name: 'admin_action', arguments: {} }),
    );
    expect(after.isError).not.toBe(true);
    expect(
      (await instance.api.invoke('gateways.get', { name: 'work' })).status.stepUpScopes,
    ).toBeUndefined();
  });

  it('logs each request without bodies or tokens, and leaves no token on disk', async () => {
    const { token } = await instance.api.invoke('tokens.get', { name: 'work' });
    const entries = await instance.api.invoke('log.recent', { gateway: 'work' });
    expect(
      entries.some((entry) => entry.rpcMethod === 'tools/call' && entry.toolName === 'whoami'),
    ).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(token);
    expect(await filesContaining(home, [token])).toEqual([]);
  });
});
