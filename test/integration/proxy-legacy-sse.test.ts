import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegacySseMcpServer } from '../support/legacy-sse-server.js';
import type { ProxiedMcpRig } from '../support/proxy-fixtures.js';
import { startProxiedMcpRig } from '../support/proxy-fixtures.js';

let rig: ProxiedMcpRig;

beforeAll(async () => {
  rig = await startProxiedMcpRig('legacy', startLegacySseMcpServer);
});

afterAll(() => rig.close());

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
    expect(await firstEvent(rig.proxy.urlFor('legacy'))).toMatch(
      /^event: endpoint\ndata: \/mcp\/legacy\/messages\?sessionId=[\w-]+\n\n$/,
    );
  });

  it('works with the SDK SSE client: the POSTs it names go through with a token', async () => {
    const client = new Client({ name: 'old-ide', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL(rig.proxy.urlFor('legacy'))));
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

    const posts = rig.mcp.requestLog().filter((entry) => entry.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(4);
    expect(posts.every((entry) => entry.path === '/messages' && entry.authorized)).toBe(true);
  });
});
