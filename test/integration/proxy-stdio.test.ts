import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runStdioBridge } from '../../src-main/core/proxy/stdio-bridge.js';
import type { ProxiedMcpRig } from '../support/proxy-fixtures.js';
import { startProxiedMcpRig } from '../support/proxy-fixtures.js';
import { GATEKEY_BIN, temporaryHome } from '../support/cli.js';
import { initializeRequest } from '../support/mcp-initialize.js';

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

describe('`gatekey stdio` through a running instance', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  const gatekey = (args: string[], home: string) => {
    const child = spawn(process.execPath, [GATEKEY_BIN, ...args], {
      env: { ...process.env, GATEKEY_HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return { child, stderr: () => stderr };
  };

  it('answers a client that writes initialize, initialized, tools/list and a tool call at once', async () => {
    const home = await temporaryHome();
    const demo = gatekey(['demo', '--port', '0', '--home', home], home);
    let demoOutput = '';
    demo.child.stdout.on('data', (chunk: Buffer) => (demoOutput += chunk.toString()));
    await expect
      .poll(() => demoOutput + demo.stderr(), { timeout: 30_000, interval: 100 })
      .toContain('Press Ctrl-C to stop.');

    const bridge = gatekey(['stdio', 'demo'], home);
    const next = messagesFrom(bridge.child.stdout);
    const pipelined = [
      initializeRequest('pipelining-ide'),
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    ];
    bridge.child.stdin.write(pipelined.map((message) => `${JSON.stringify(message)}\n`).join(''));

    // Requests sent together may be answered in any order.
    const answers = [await next(), await next(), await next()].sort(
      (a, b) => Number(a.id) - Number(b.id),
    );
    expect(answers.map((answer) => answer.id)).toEqual([1, 2, 3]);
    expect(answers[0]).toMatchObject({ result: { serverInfo: { name: 'gatekey-demo' } } });
    expect(answers[1]).toMatchObject({
      result: { tools: expect.arrayContaining([expect.objectContaining({ name: 'whoami' })]) },
    });
    expect(JSON.stringify(answers[2])).toMatch(/"result".*sub/);

    bridge.child.stdin.end();
    const [code] = await once(bridge.child, 'exit');
    expect(code, bridge.stderr()).toBe(0);
    demo.child.kill('SIGINT');
    await once(demo.child, 'exit');
  }, 90_000);
});
