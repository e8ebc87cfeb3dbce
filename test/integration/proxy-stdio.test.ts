import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStdioBridge } from '../../src-main/core/proxy/stdio-bridge.js';
import type { ProxiedMcpRig } from '../support/proxy-fixtures.js';
import { startProxiedMcpRig } from '../support/proxy-fixtures.js';

let rig: ProxiedMcpRig;

beforeAll(async () => {
  rig = await startProxiedMcpRig('demo');
});

afterAll(() => rig.close());

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: { sampling: {} },
    clientInfo: { name: 'stdio-ide', version: '1.0.0' },
  },
};

/** Reads JSON lines from a stream, one message at a time. */
function messagesFrom(stream: NodeJS.ReadableStream): () => Promise<Record<string, unknown>> {
  const lines = createInterface({ input: stream })[Symbol.asyncIterator]();
  return async () => JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
}

describe('the stdio bridge', () => {
  it('carries a whole session, server-initiated requests included, and ends it on EOF', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const bridge = runStdioBridge({ url: rig.proxy.urlFor('demo'), input, output });
    const next = messagesFrom(output);
    const send = (message: object) => input.write(`${JSON.stringify(message)}\n`);

    send(initialize);
    expect(await next()).toMatchObject({ id: 1, result: { serverInfo: { name: 'gatekey-demo' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'ask', arguments: { question: 'ok?' } },
    });
    const sampling = await next();
    expect(sampling).toMatchObject({ method: 'sampling/createMessage' });
    send({
      jsonrpc: '2.0',
      id: sampling.id,
      result: { role: 'assistant', model: 'm', content: { type: 'text', text: 'yes' } },
    });
    expect(await next()).toMatchObject({
      id: 2,
      result: { content: [{ type: 'text', text: 'yes' }] },
    });

    send({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'last' } },
    });
    input.end();
    expect(await next()).toMatchObject({
      id: 3,
      result: { content: [{ type: 'text', text: 'last' }] },
    });
    await bridge;
    expect(rig.mcp.requestLog().at(-1)).toMatchObject({ method: 'DELETE', status: 200 });
  });

  it('answers a request the proxy could not deliver with a JSON-RPC error', async () => {
    const output = new PassThrough();
    const input = new PassThrough();
    const bridge = runStdioBridge({ url: rig.proxy.urlFor('missing'), input, output });
    input.end(`${JSON.stringify(initialize)}\nnot json\n`);
    const next = messagesFrom(output);
    const answers = [await next(), await next()];
    await bridge;
    expect(answers).toContainEqual(
      expect.objectContaining({
        id: 1,
        error: expect.objectContaining({
          message: expect.stringContaining('No gateway named "missing"'),
        }),
      }),
    );
    expect(answers).toContainEqual(
      expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32700 }) }),
    );
  });

  it('runs as a child process on stdin and stdout and exits cleanly on EOF', async () => {
    const bridgeModule = path.resolve(
      import.meta.dirname,
      '../../src-main/core/proxy/stdio-bridge.ts',
    );
    const script = `const { runStdioBridge } = await import(${JSON.stringify(bridgeModule)});
await runStdioBridge({ url: process.argv[1], input: process.stdin, output: process.stdout });`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, rig.proxy.urlFor('demo')],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const next = messagesFrom(child.stdout);
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
    expect(await next()).toMatchObject({ id: 1, result: { protocolVersion: '2025-11-25' } });
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`,
    );
    child.stdin.end(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`);
    expect(await next()).toMatchObject({ id: 2, result: { tools: expect.any(Array) } });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
