import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdp } from '../../src-main/demo/idp.js';
import { startIdp } from '../../src-main/demo/idp.js';
import type { RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { startLegacySseMcpServer } from '../support/legacy-sse-server.js';
import type { TestProxy } from '../support/proxy-fixtures.js';
import { startTestProxy } from '../support/proxy-fixtures.js';
import { ClientCredentialsTokens } from '../support/token-provider.js';

let idp: RunningIdp;
let legacy: RunningMcpServer;
let proxy: TestProxy;

beforeAll(async () => {
  idp = await startIdp({ profile: 'generic' });
  legacy = await startLegacySseMcpServer({ issuer: idp.issuer });
  const credentials = idp.clients.confidentialBasic;
  const tokens = new ClientCredentialsTokens({
    issuer: idp.issuer,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret!,
    scope: 'mcp:tools',
  });
  proxy = await startTestProxy({
    tokens,
    gateways: [{ name: 'legacy', url: legacy.url, auth: 'client_credentials' }],
  });
});

afterAll(async () => {
  await proxy.close();
  await legacy.close();
  await idp.close();
});

/** The first event of the legacy stream, as the client receives it. */
async function firstEvent(url: string): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  let text = '';
  while (!text.includes('\n\n')) text += Buffer.from((await reader.read()).value!).toString();
  controller.abort();
  return text.slice(0, text.indexOf('\n\n') + 2);
}

describe('a legacy HTTP+SSE (2024-11-05) gateway through the proxy', () => {
  it('names a proxy URL in its endpoint event', async () => {
    expect(await firstEvent(proxy.urlFor('legacy'))).toMatch(
      /^event: endpoint\ndata: \/mcp\/legacy\/messages\?sessionId=[\w-]+\n\n$/,
    );
  });

  it('works with the SDK SSE client: the POSTs it names go through with a token', async () => {
    const client = new Client({ name: 'old-ide', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL(proxy.urlFor('legacy'))));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('echo');
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'over sse' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'over sse' }]);
    const progress: number[] = [];
    await client.callTool({ name: 'count', arguments: { to: 3, delayMs: 10 } }, undefined, {
      onprogress: (update) => progress.push(update.progress),
    });
    // The legacy transport can deliver the last notification after the result, directly too.
    expect(progress.slice(0, 2)).toEqual([1, 2]);
    await client.close();

    const posts = legacy.requestLog().filter((entry) => entry.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(4);
    expect(posts.every((entry) => entry.path === '/messages' && entry.authorized)).toBe(true);
  });
});
