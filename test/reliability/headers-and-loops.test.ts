/**
 * Issue 14 item 7: a gateway's extra headers and header template cannot set framing or
 * hop-by-hop headers (the upstream got two Host and two Content-Length headers), and a gateway
 * whose URL leads back to Gatekey is refused (it recursed to ~18,000 file descriptors in 2 s).
 * Each Gatekey under test runs with a small descriptor limit, so a loop cannot take the machine
 * down.
 */
import { writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src-main/core/api/contract.js';
import { connectToInstance } from '../../src-main/core/api/http-client.js';
import { GatewaySchema } from '../../src-main/core/gateways/schema.js';
import { describeIssues } from '../../src-main/core/validation.js';
import { runGatekey, temporaryHome } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { closeServer, listen, postMcp, rpcRequest } from '../support/proxy-fixtures.js';
import { startServe, type ServeProcess } from '../support/reliability-process.js';

const RESERVED = [
  'Host',
  'Content-Length',
  'Transfer-Encoding',
  'Connection',
  'Keep-Alive',
  'Upgrade',
  'TE',
  'Trailer',
  'Expect',
  'Proxy-Authorization',
  'Proxy-Connection',
  'Gatekey-Via',
];

/** Runs of the CLI, each a fresh Node process: slow on a loaded machine. */
const CLI_TEST_TIMEOUT_MS = 90_000;

/** The error message a refused JSON-RPC answer carries. */
function rpcErrorMessage(body: string): string {
  return (JSON.parse(body) as { error: { message: string } }).error.message;
}

describe('framing and hop-by-hop header names', () => {
  it.each(RESERVED)(
    'the gateway schema refuses %s as an extra header or in the template',
    (name) => {
      const base = { name: 'acme', url: 'https://mcp.example.com/mcp' };
      const extra = GatewaySchema.safeParse({ ...base, extraHeaders: { [name]: 'x' } });
      expect(extra.success).toBe(false);
      expect(describeIssues(extra.error!)).toContain(`"${name}" frames the request`);
      const template = GatewaySchema.safeParse({ ...base, header: `${name}: Bearer {token}` });
      expect(template.success).toBe(false);
      expect(describeIssues(template.error!)).toContain(`"${name}" frames the request`);
    },
  );

  it(
    'gatekey add refuses one, and a config file that holds one is refused when read',
    async () => {
      const home = await temporaryHome();
      const added = await runGatekey(
        ['add', 'acme', '--url', 'https://mcp.example.com/mcp', '--auth', 'none'].concat([
          '--extra-header',
          'Content-Length: 5',
        ]),
        { home },
      );
      expect(added.code).not.toBe(0);
      expect(added.stderr).toContain('"Content-Length"');
      expect(added.stderr).toContain('remove it');

      const config = {
        version: 1,
        gateways: [
          { name: 'acme', url: 'https://mcp.example.com/mcp', extraHeaders: { Host: 'evil' } },
        ],
      };
      await writeFile(path.join(home, 'config.json'), JSON.stringify(config));
      const listed = await runGatekey(['list'], { home });
      expect(listed.code).not.toBe(0);
      expect(listed.stderr).toContain('"Host"');
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

/** Forwards every request to `target` as a reverse proxy does (Host rewritten), at most `cap` times. */
class Relay {
  forwarded = 0;
  readonly server: Server;
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly cap: number,
  ) {
    this.server = createServer((req, res) => {
      if (this.forwarded >= this.cap) return void res.writeHead(599).end('relay cap reached');
      this.forwarded++;
      const headers = { ...req.headers, host: `127.0.0.1:${this.targetPort}` };
      const onward = httpRequest(
        { host: '127.0.0.1', port: this.targetPort, method: req.method, path: req.url, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      onward.on('error', () => res.destroy());
      req.pipe(onward);
    });
  }

  async start(): Promise<this> {
    this.port = await listen(this.server);
    return this;
  }
}

describe('gateways that lead back to Gatekey', () => {
  let home: string;
  let serve: ServeProcess;
  let api: ApiClient;
  let relay: Relay;

  beforeAll(async () => {
    home = await temporaryHome();
    serve = await startServe({ home, args: ['--insecure-file-store'], openFiles: 256 });
    api = (await connectToInstance(home))!;
    relay = await new Relay(serve.port, 20).start();
  });

  afterAll(async () => {
    await serve?.stop();
    if (relay) await closeServer(relay.server);
  });

  const addGateway = (name: string, url: string) =>
    api.call('gateways.add', { gateway: { name, url, auth: 'none' } });

  it('refuses a gateway URL that is the proxy itself, before sending anything', async () => {
    await addGateway('self', `http://localhost:${serve.port}/mcp/self`);
    const answer = await postMcp(`${serve.origin}/mcp/self`, rpcRequest('tools/list'));
    expect(answer.status).toBe(508);
    expect(rpcErrorMessage(answer.body)).toMatch(/leads back to this Gatekey/);
    expect(serve.alive()).toBe(true);
  });

  it('cuts a loop through another name or port at its second pass', async () => {
    await addGateway('relayed', `http://127.0.0.1:${relay.port}/mcp/relayed`);
    const answer = await postMcp(`${serve.origin}/mcp/relayed`, rpcRequest('tools/list'));
    expect(relay.forwarded).toBe(1);
    expect(answer.status).toBe(508);
    expect(rpcErrorMessage(answer.body)).toMatch(/already passed through this Gatekey/);
  });

  it(
    'gatekey add refuses a URL on its own port',
    async () => {
      const port = await freePort();
      const other = await temporaryHome();
      await writeFile(
        path.join(other, 'config.json'),
        JSON.stringify({ version: 1, settings: { port } }),
      );
      const added = await runGatekey(
        ['add', 'self', '--url', `http://127.0.0.1:${port}/mcp/self`, '--auth', 'none'],
        { home: other },
      );
      expect(added.code).not.toBe(0);
      expect(added.stderr).toContain(`Gatekey's own port ${port}`);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
