import { setTimeout as delay } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdp } from '../../src-main/demo/idp.js';
import { startIdp } from '../../src-main/demo/idp.js';
import type { RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { startDemoMcpServer } from '../../src-main/demo/mcp-server.js';
import type { TestProxy } from '../support/proxy-fixtures.js';
import { startTestProxy } from '../support/proxy-fixtures.js';
import type {
  ClientCredentialsTokens,
  ClientCredentialsTokensOptions,
} from '../support/token-provider.js';
import { confidentialClientTokens } from '../support/token-provider.js';

const TOKEN_TTL_SECONDS = 2;
const PAST_EXPIRY_MS = TOKEN_TTL_SECONDS * 1000 + 300;

let idp: RunningIdp;
let mcp: RunningMcpServer;
const running: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  idp = await startIdp({ profile: 'generic', accessTokenTtlSeconds: TOKEN_TTL_SECONDS });
  mcp = await startDemoMcpServer({ issuer: idp.issuer });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((part) => part.close()));
});

afterAll(async () => {
  await mcp.close();
  await idp.close();
});

async function setUp(
  options: Partial<ClientCredentialsTokensOptions> = {},
  gatewayUrl = mcp.url,
): Promise<{ tokens: ClientCredentialsTokens; proxy: TestProxy; client: Client }> {
  const tokens = confidentialClientTokens(idp, options);
  const proxy = await startTestProxy({
    tokens,
    gateways: [{ name: 'demo', url: gatewayUrl, auth: 'client_credentials' }],
  });
  const client = new Client({ name: 'ide', version: '1.0.0' });
  running.push(client, proxy);
  await client.connect(new StreamableHTTPClientTransport(new URL(proxy.urlFor('demo'))));
  return { tokens, proxy, client };
}

const echo = async (client: Client, text: string) =>
  ((await client.callTool({ name: 'echo', arguments: { text } })).content as { text: string }[])[0]
    ?.text;

describe('tokens through the proxy', () => {
  it('sends a new token once the old one has expired between two requests', async () => {
    const { tokens, client } = await setUp();
    expect(await echo(client, 'before')).toBe('before');
    const issuedBefore = tokens.issued;
    await delay(PAST_EXPIRY_MS);
    expect(await echo(client, 'after')).toBe('after');
    expect(tokens.issued).toBeGreaterThan(issuedBefore);
  });

  it('keeps a long SSE answer going while its token expires, then uses a fresh one', async () => {
    const { tokens, client } = await setUp();
    const progress: number[] = [];
    const steps = 6;
    const result = await client.callTool(
      { name: 'count', arguments: { to: steps, delayMs: Math.ceil(PAST_EXPIRY_MS / steps) } },
      undefined,
      { onprogress: (update) => progress.push(update.progress) },
    );
    expect((result.content as { text: string }[])[0]?.text).toBe(`Counted to ${steps}.`);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    const issuedBefore = tokens.issued;
    expect(await echo(client, 'next')).toBe('next');
    expect(tokens.issued).toBe(issuedBefore + 1);
  });

  it('after a 401 gets one new token and resends, invisibly to the client', async () => {
    const { tokens, proxy, client } = await setUp({ renewBeforeExpiry: false });
    await delay(PAST_EXPIRY_MS);
    const rejectedBefore = mcp.requestLog().filter((entry) => entry.status === 401).length;
    expect(await echo(client, 'retried')).toBe('retried');
    expect(mcp.requestLog().filter((entry) => entry.status === 401).length).toBe(
      rejectedBefore + 1,
    );
    expect(tokens.issued).toBe(2);
    expect(proxy.log.recent().at(-1)).toMatchObject({
      toolName: 'echo',
      status: 200,
      retried: true,
      refreshed: true,
    });
  });
});

describe('a gateway that keeps rejecting the token', () => {
  it('gets one retry with a new token, then the client sees what the gateway said and how to find out why, never a 401', async () => {
    const strict = await startDemoMcpServer({
      issuer: idp.issuer,
      audience: 'https://another-api.example',
    });
    running.push(strict);
    const connecting = setUp({}, strict.url);
    // Signing in again would bring a token with the same audience: the message must not send
    // the person round that loop, but to the claim the gateway refuses.
    await expect(connecting).rejects.toThrow(
      'Gateway "demo" rejected two tokens in a row, the second one new: HTTP 401, invalid_token (The access token\'s aud claim is not accepted here.). Run gatekey inspect demo to compare its audience, scopes and expiry with what the gateway expects; if they look right, sign in again: gatekey login demo',
    );
    expect(strict.requestLog().map((entry) => entry.status)).toEqual([401, 401]);
  });
});
