import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { expectDemoToolsListedAndAnswering, textOf } from '../support/demo-mcp-tools.js';
import { startLegacySseMcpServer } from '../support/legacy-sse-server.js';

let idp: RunningIdp;
let server: RunningMcpServer;
let userToken: string;
let adminToken: string;

beforeAll(async () => {
  idp = await startIdp();
  server = await startDemoMcpServer({
    issuer: idp.issuer,
    audience: idp.apiAudience,
    requiredScopes: ['mcp:read'],
  });
  [userToken, adminToken] = await Promise.all([
    clientCredentialsToken('mcp:read mcp:tools'),
    clientCredentialsToken('mcp:read mcp:tools mcp:admin'),
  ]);
});

afterAll(async () => {
  await server?.close();
  await idp?.close();
});

async function clientCredentialsToken(
  scope: string,
  extra: Record<string, string> = {},
): Promise<string> {
  const { clientId, clientSecret = '' } = idp.clients.confidentialBasic;
  const metadata = (await (
    await fetch(`${idp.issuer}/.well-known/openid-configuration`)
  ).json()) as {
    token_endpoint: string;
  };
  const response = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, ...extra }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function connect(
  url: string,
  token: string,
  options: { sampling?: boolean } = {},
): Promise<Client> {
  const client = new Client(
    { name: 'demo-mcp-server-test', version: '1.0.0' },
    { capabilities: options.sampling ? { sampling: {} } : {} },
  );
  const requestInit = { headers: { Authorization: `Bearer ${token}` } };
  const transport = url.endsWith('/sse')
    ? new SSEClientTransport(new URL(url), { requestInit })
    : new StreamableHTTPClientTransport(new URL(url), { requestInit });
  await client.connect(transport);
  return client;
}

function postToolCall(token: string | undefined, tool: string): Promise<Response> {
  return fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: tool, arguments: {} },
    }),
  });
}

describe('demo MCP server (Streamable HTTP)', () => {
  it('lists and calls its tools, resource and prompt with a real token', async () => {
    const client = await connect(server.url, userToken);
    await expectDemoToolsListedAndAnswering(client);
    const whoami = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
    expect(whoami).toEqual({
      sub: idp.clients.confidentialBasic.clientId,
      clientId: idp.clients.confidentialBasic.clientId,
      scopes: ['mcp:read', 'mcp:tools'],
      aud: [idp.apiAudience],
    });
    expect(JSON.stringify(whoami)).not.toContain(userToken);
    const readme = await client.readResource({ uri: 'demo://readme' });
    expect(readme.contents[0]).toMatchObject({ uri: 'demo://readme', mimeType: 'text/markdown' });
    const prompt = await client.getPrompt({ name: 'review', arguments: { code: 'let x = 1' } });
    expect(JSON.stringify(prompt.messages)).toContain('let x = 1');
    const big = textOf(await client.callTool({ name: 'big', arguments: { bytes: 1_000_003 } }));
    expect(big).toHaveLength(1_000_003);
    await client.close();
  });

  it('streams progress notifications while a tool runs', async () => {
    const client = await connect(server.url, userToken);
    const progress: Progress[] = [];
    const result = await client.callTool(
      { name: 'count', arguments: { to: 3, delayMs: 5 } },
      undefined,
      {
        onprogress: (update) => progress.push(update),
      },
    );
    expect(textOf(result)).toBe('Counted to 3.');
    expect(progress.map((update) => update.progress)).toEqual([1, 2, 3]);
    expect(progress[2]).toMatchObject({ total: 3, message: '3 of 3' });
    await client.close();
  });

  it('asks the client for a sampling answer in the middle of a tool call', async () => {
    const client = await connect(server.url, userToken, { sampling: true });
    const questions: unknown[] = [];
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      questions.push(request.params.messages[0]?.content);
      return {
        model: 'test-model',
        role: 'assistant',
        content: { type: 'text', text: 'forty-two' },
      };
    });
    const result = await client.callTool({
      name: 'ask',
      arguments: { question: 'What is the answer?' },
    });
    expect(textOf(result)).toBe('forty-two');
    expect(questions).toEqual([{ type: 'text', text: 'What is the answer?' }]);
    await client.close();
  });

  it('challenges a request without a token and publishes its RFC 9728 metadata', async () => {
    const response = await postToolCall(undefined, 'echo');
    expect(response.status).toBe(401);
    const metadataUrl = `http://127.0.0.1:${server.port}/.well-known/oauth-protected-resource/mcp`;
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${metadataUrl}", scope="mcp:read"`,
    );
    const metadata = await (await fetch(metadataUrl)).json();
    expect(metadata).toMatchObject({
      resource: server.url,
      authorization_servers: [idp.issuer],
      scopes_supported: ['mcp:read', 'mcp:tools', 'mcp:admin'],
    });
  });

  it('rejects a token that is not a JWT, or for another audience, with invalid_token', async () => {
    const garbage = await postToolCall('not-a-jwt', 'echo');
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toContain('error="invalid_token"');

    const otherAudience = await clientCredentialsToken('mcp:read', {
      resource: 'https://other.example/mcp',
    });
    const response = await postToolCall(otherAudience, 'echo');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('claim is not accepted here');
  });

  it('answers admin_action without mcp:admin with 403 insufficient_scope, and runs it with', async () => {
    const response = await postToolCall(userToken, 'admin_action');
    expect(response.status).toBe(403);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(
      /^Bearer error="insufficient_scope", scope="mcp:admin", resource_metadata="/,
    );

    const client = await connect(server.url, adminToken);
    expect(textOf(await client.callTool({ name: 'admin_action', arguments: {} }))).toBe(
      'Admin action done.',
    );
    await client.close();
  });

  it('requires the configured client (Cognito style) and scopes', async () => {
    const strict = await startDemoMcpServer({
      issuer: idp.issuer,
      allowedClients: ['someone-else'],
    });
    const wrongClient = await fetch(strict.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken}` },
    });
    expect(wrongClient.status).toBe(401);
    expect(wrongClient.headers.get('www-authenticate')).toContain('error="invalid_token"');
    await strict.close();

    const narrowToken = await clientCredentialsToken('mcp:tools');
    const missingScope = await postToolCall(narrowToken, 'echo');
    expect(missingScope.status).toBe(403);
    expect(missingScope.headers.get('www-authenticate')).toContain('scope="mcp:read"');
  });

  it('ends a session on DELETE and logs requests without tokens', async () => {
    const client = await connect(server.url, userToken);
    const transport = client.transport as StreamableHTTPClientTransport;
    const sessionId = transport.sessionId;
    expect(sessionId).toBeTruthy();
    await transport.terminateSession();
    const stale = await fetch(server.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${userToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId ?? '',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(stale.status).toBe(404);
    await client.close();

    const log = server.requestLog();
    expect(log).toContainEqual({ method: 'DELETE', path: '/mcp', status: 200, authorized: true });
    expect(log).toContainEqual({ method: 'POST', path: '/mcp', status: 401, authorized: false });
    expect(JSON.stringify(log)).not.toContain(userToken.slice(0, 40));
  });

  it('goes down on stop() and comes back on the same port on start()', async () => {
    const port = server.port;
    await server.stop();
    await expect(fetch(server.url)).rejects.toThrow();
    await server.start();
    expect(server.port).toBe(port);
    const client = await connect(server.url, userToken);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'back' } }))).toBe(
      'back',
    );
    await client.close();
  });
});

describe('legacy HTTP+SSE demo server', () => {
  it('serves the same tools and authentication over the 2024-11-05 transport', async () => {
    const legacy = await startLegacySseMcpServer({ issuer: idp.issuer, audience: idp.apiAudience });
    try {
      expect(legacy.url).toBe(`http://127.0.0.1:${legacy.port}/sse`);
      const unauthenticated = await fetch(legacy.url);
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers.get('www-authenticate')).toContain(
        `resource_metadata="http://127.0.0.1:${legacy.port}/.well-known/oauth-protected-resource/sse"`,
      );

      const client = await connect(legacy.url, userToken, { sampling: true });
      client.setRequestHandler(CreateMessageRequestSchema, async () => ({
        model: 'test-model',
        role: 'assistant',
        content: { type: 'text', text: 'over SSE' },
      }));
      expect(textOf(await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } }))).toBe('2');
      expect(textOf(await client.callTool({ name: 'ask', arguments: { question: 'q' } }))).toBe(
        'over SSE',
      );
      await expect(client.callTool({ name: 'admin_action', arguments: {} })).rejects.toThrow(/403/);
      await client.close();
    } finally {
      await legacy.close();
    }
    // The event stream is logged once it ends.
    expect(legacy.requestLog()).toContainEqual({
      method: 'GET',
      path: '/sse',
      status: 200,
      authorized: true,
    });
  });
});
