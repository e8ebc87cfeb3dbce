import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance, type RunningInstance } from '../../src-main/core/instance.js';
import { readInstanceRecord } from '../../src-main/core/instance-file.js';
import { temporaryHome } from '../support/cli.js';
import { rpcRequest, startRawUpstream, type RawUpstream } from '../support/proxy-fixtures.js';
import { report } from '../support/reliability-rig.js';

const run = promisify(execFile);

/** Another local OS user: the test runs as root, Gatekey with it, and this user is someone else. */
const OTHER_USER = 'nobody';
const canSwitchUser = process.platform === 'linux' && process.getuid?.() === 0;
const LIST_TOOLS = rpcRequest('tools/list', 1);

interface Answer {
  status: number;
  body: string;
}

/** `curl` as `user` (or as this process's user): a plain IPv4 client. */
async function curlAs(
  user: string | undefined,
  url: string,
  headers: Record<string, string>,
): Promise<Answer> {
  const args = [
    '-sS',
    '-o',
    '-',
    '-w',
    '\n%{http_code}',
    '-X',
    'POST',
    '--data-binary',
    LIST_TOOLS,
  ];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  const [command, ...rest] = user
    ? ['runuser', '-u', user, '--', 'curl', ...args]
    : ['curl', ...args];
  const { stdout } = await run(command!, rest, { cwd: '/' });
  const split = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(split + 1)), body: stdout.slice(0, split) };
}

/** Node as `user`, through a dual-stack socket (`::ffff:127.0.0.1`): the peer is in tcp6. */
async function nodeAs(user: string, port: number, path: string): Promise<Answer> {
  const script = `
    const socket = require('node:net').connect({ host: '::ffff:127.0.0.1', port: ${port} });
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('close', () => process.stdout.write(text));
    socket.write('POST ${path} HTTP/1.1\\r\\nHost: 127.0.0.1:${port}\\r\\nContent-Type: application/json\\r\\nContent-Length: ${LIST_TOOLS.length}\\r\\nConnection: close\\r\\n\\r\\n' + ${JSON.stringify(LIST_TOOLS)});`;
  const { stdout } = await run('runuser', ['-u', user, '--', process.execPath, '-e', script], {
    cwd: '/',
  });
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(stdout)?.[1]);
  return { status, body: stdout.slice(stdout.indexOf('\r\n\r\n') + 4) };
}

describe.skipIf(!canSwitchUser)('only the user who runs Gatekey may use it', () => {
  let instance: RunningInstance;
  let upstream: RawUpstream;
  let secret: string;

  beforeAll(async () => {
    upstream = await startRawUpstream((_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1}');
    });
    const home = await temporaryHome();
    instance = await startInstance({
      home,
      version: 'same-user',
      port: 0,
      insecureFileStore: true,
      onWarning: () => undefined,
    });
    await instance.api.invoke('gateways.add', {
      gateway: { name: 'victim', url: `${upstream.url}/mcp`, auth: 'none' },
    });
    secret = (await readInstanceRecord(home))!.secret;
  });

  afterAll(async () => {
    await instance?.close();
    await upstream?.close();
  });

  const mcpHeaders = {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
  };

  it('serves the proxy to a program of its own user', async () => {
    const answer = await curlAs(undefined, `${instance.proxyOrigin}/mcp/victim`, mcpHeaders);
    expect(answer.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
  });

  it('refuses another user on /mcp/* with a JSON-RPC error naming the reason, before the upstream', async () => {
    const before = upstream.received.length;
    const viaCurl = await curlAs(
      OTHER_USER,
      `${instance.proxyOrigin}/mcp/victim/admin`,
      mcpHeaders,
    );
    const viaNode = await nodeAs(OTHER_USER, instance.port, '/mcp/victim');
    for (const answer of [viaCurl, viaNode]) {
      expect(answer.status).toBe(403);
      const body = JSON.parse(answer.body) as {
        error: { message: string; data: { code: string } };
      };
      expect(body.error.data.code).toBe('other_user');
      expect(body.error.message).toMatch(/uid 65534.*only to programs of .*uid 0/);
    }
    expect(upstream.received.length - before).toBe(0);
    report('same-user-proxy', { otherUserAttempts: 2, refused403: 2, reachedUpstream: 0 });
  });

  it('refuses another user on /api/* even with the control secret, in a JSON error', async () => {
    const answer = await curlAs(OTHER_USER, `${instance.proxyOrigin}/api/gateways.list`, {
      Authorization: `Bearer ${secret}`,
      'Content-Type': 'application/json',
    });
    expect(answer.status).toBe(403);
    const body = JSON.parse(answer.body) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('other_user');
    expect(body.error.message).toMatch(/uid 65534/);
  });
});
