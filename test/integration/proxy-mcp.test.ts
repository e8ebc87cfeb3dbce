import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectDemoToolsListedAndAnswering, textOf } from '../support/demo-mcp-tools.js';
import type { ProxiedMcpRig } from '../support/proxy-fixtures.js';
import { startProxiedMcpRig } from '../support/proxy-fixtures.js';

let rig: ProxiedMcpRig;

beforeAll(async () => {
  rig = await startProxiedMcpRig('demo');
});

afterAll(() => rig.close());

/** An MCP client that knows nothing of OAuth, pointed at the proxy as an IDE would be. */
async function connectThroughProxy(
  name = 'ide',
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name, version: '1.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    const content = request.params.messages[0]?.content;
    const question =
      content && !Array.isArray(content) && content.type === 'text' ? content.text : '?';
    return {
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `answer to: ${question}` },
    };
  });
  const transport = new StreamableHTTPClientTransport(new URL(rig.proxy.urlFor('demo')));
  await client.connect(transport);
  return { client, transport };
}

describe('an MCP client through the proxy', () => {
  it('does everything it could do against the gateway directly', async () => {
    const { client, transport } = await connectThroughProxy();
    expect(client.getServerVersion()?.name).toBe('gatekey-demo');
    expect(transport.sessionId).toMatch(/[0-9a-f-]{36}/);

    await expectDemoToolsListedAndAnswering(client);
    expect(JSON.parse(textOf(await client.callTool({ name: 'whoami' })))).toMatchObject({
      clientId: rig.idp.clients.confidentialBasic.clientId,
    });

    const progress: number[] = [];
    const counted = await client.callTool(
      { name: 'count', arguments: { to: 3, delayMs: 20 } },
      undefined,
      {
        onprogress: (update) => progress.push(update.progress),
      },
    );
    expect(textOf(counted)).toBe('Counted to 3.');
    expect(progress).toEqual([1, 2, 3]);

    // The server asks the client's model mid-call (sampling): a server-initiated request.
    expect(textOf(await client.callTool({ name: 'ask', arguments: { question: 'why?' } }))).toBe(
      'answer to: why?',
    );

    const readme = await client.readResource({ uri: 'demo://readme' });
    expect(readme.contents[0]).toMatchObject({ uri: 'demo://readme', mimeType: 'text/markdown' });
    const prompt = await client.getPrompt({ name: 'review', arguments: { code: 'x = 1' } });
    expect(JSON.stringify(prompt.messages)).toContain('x = 1');

    const big = await client.callTool({ name: 'big', arguments: { bytes: 3_000_000 } });
    expect(textOf(big)).toHaveLength(3_000_000);

    await transport.terminateSession();
    await client.close();
    const methods = rig.mcp.requestLog().map((entry) => `${entry.method} ${entry.status}`);
    expect(methods).toContain('GET 200');
    expect(methods.at(-1)).toBe('DELETE 200');
    expect(rig.mcp.requestLog().every((entry) => entry.authorized)).toBe(true);
    expect(
      rig.proxy.log.recent({ gateway: 'demo' }).find((entry) => entry.toolName === 'count'),
    ).toMatchObject({
      rpcMethod: 'tools/call',
      status: 200,
    });
  });

  it('passes the 403 step-up challenge through, once, and tells the token provider', async () => {
    const { client } = await connectThroughProxy();
    await expect(client.callTool({ name: 'admin_action' })).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining('insufficient_scope'),
    });
    expect(rig.tokens.stepUps).toContainEqual({ gateway: 'demo', scopes: ['mcp:admin'] });
    expect(rig.mcp.requestLog().filter((entry) => entry.status === 403)).toHaveLength(1);
    await client.close();
  });

  it('keeps 100 concurrent sessions apart', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => connectThroughProxy(`ide-${i}`)),
    );
    expect(new Set(sessions.map(({ transport }) => transport.sessionId)).size).toBe(100);
    const answers = await Promise.all(
      sessions.map(async ({ client }, i) => [
        textOf(await client.callTool({ name: 'echo', arguments: { text: `session ${i}` } })),
        textOf(await client.callTool({ name: 'add', arguments: { a: i, b: 1000 } })),
      ]),
    );
    answers.forEach(([echoed, sum], i) => {
      expect(echoed).toBe(`session ${i}`);
      expect(sum).toBe(String(i + 1000));
    });
    await Promise.all(
      sessions.map(async ({ client, transport }) => {
        await transport.terminateSession();
        await client.close();
      }),
    );
  });

  it('answers 502 while the gateway is down and works again once it is back', async () => {
    await rig.mcp.stop();
    const started = performance.now();
    await expect(connectThroughProxy()).rejects.toMatchObject({
      code: 502,
      message: expect.stringContaining(
        `is unreachable: connect ECONNREFUSED 127.0.0.1:${rig.mcp.port}`,
      ),
    });
    expect(performance.now() - started).toBeLessThan(1000);
    await rig.mcp.start();
    const { client } = await connectThroughProxy();
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'back' } }))).toBe(
      'back',
    );
    await client.close();
  });
});
