import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance, type RunningInstance } from '../../src-main/core/instance.js';
import { MemorySecretStore } from '../../src-main/core/secrets/memory-store.js';
import type { GatewaySecrets } from '../../src-main/core/secrets/types.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { temporaryHome } from '../support/cli.js';
import { closeServer, freePort } from '../support/ports.js';

/** A secret store whose reads of one gateway wait until the test opens the gate. */
class GatedSecretStore extends MemorySecretStore {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  heldReads = 0;

  constructor(private readonly gatedGateway: string) {
    super();
  }

  close(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  override async read(gateway: string): Promise<GatewaySecrets | undefined> {
    if (gateway === this.gatedGateway && this.gate) {
      this.heldReads++;
      await this.gate;
    }
    return super.read(gateway);
  }
}

/** An upstream that answers every POST with the Authorization header it got. */
async function startEchoUpstream(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ jsonrpc: '2.0', id: 1, result: { auth: req.headers.authorization } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server };
}

/** POSTs a tools/call through the proxy: status and body, or status 0 while nothing listens. */
function toolCall(port: number, gateway: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: `/mcp/${gateway}`,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} }));
  });
}

describe('gatekey serve at start', () => {
  let idp: RunningIdp;
  let upstream: { url: string; server: Server };
  let home: string;
  const secrets = new GatedSecretStore('slow');
  let instance: RunningInstance | undefined;

  beforeAll(async () => {
    idp = await startIdp();
    upstream = await startEchoUpstream();
    home = await temporaryHome();
    const first = await startInstance({ home, version: 'test', port: 0, secrets });
    try {
      // 'slow' first: the start restores it first, and waits on it.
      for (const name of ['slow', 'fast']) {
        await first.api.invoke('gateways.add', {
          gateway: {
            name,
            url: upstream.url,
            auth: 'client_credentials',
            issuer: idp.issuer,
            clientId: idp.clients.confidentialBasic.clientId,
          },
          clientSecret: idp.clients.confidentialBasic.clientSecret,
        });
        await first.api.invoke('auth.signIn', { name });
      }
    } finally {
      await first.close();
    }
  });

  afterAll(async () => {
    secrets.release();
    await instance?.close();
    await closeServer(upstream.server);
    await idp?.close();
  });

  it('answers for a restored gateway while another gateway is still being restored from the keychain', async () => {
    const port = await freePort();
    secrets.close();
    let started = false;
    const starting = startInstance({ home, version: 'test', port, secrets }).then((running) => {
      started = true;
      return running;
    });

    let fast = await toolCall(port, 'fast');
    for (const deadline = Date.now() + 20_000; fast.status === 0 && Date.now() < deadline;)
      fast = await toolCall(port, 'fast').then(async (answer) => (await delay(5), answer));
    expect(fast.status).toBe(200);
    expect(JSON.parse(fast.body).result.auth).toMatch(/^Bearer \S+$/);
    expect(secrets.heldReads).toBeGreaterThan(0);
    expect(started).toBe(false);

    // A request for the gateway still held waits for its restore, and then goes through.
    const slow = toolCall(port, 'slow');
    secrets.release();
    expect((await slow).status).toBe(200);
    instance = await starting;
    expect(instance.tokens.status('slow').state).toBe('signed-in');
    expect(instance.tokens.status('fast').state).toBe('signed-in');
  });
});
