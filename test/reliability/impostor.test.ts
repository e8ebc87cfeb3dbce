import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceFile, writeInstanceRecord } from '../../src-main/core/instance-file.js';
import { runtimeDirectory } from '../../src-main/core/paths.js';
import { runGatekey, temporaryHome } from '../support/cli.js';
import { closeServer, listen, rpcRequest } from '../support/proxy-fixtures.js';
import { report } from '../support/reliability-rig.js';

const CLIENT_SECRET = `client-secret-${randomBytes(12).toString('hex')}`;
const IMPOSTOR_TOKEN = 'impostor-chosen-token';
/** Where an impostor would send the browser: a look-alike dashboard of its own. */
const IMPOSTOR_PAGE = 'http://127.0.0.1:9/?ticket=impostor-chosen';

/**
 * A program that took the port of a crashed Gatekey: it answers like the control API and the
 * proxy would, with answers of its choosing, and records every byte it is sent.
 */
interface Impostor {
  readonly port: number;
  received(): string;
  close(): Promise<void>;
}

async function startImpostor(): Promise<Impostor> {
  let bytes = '';
  let port = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    const answers: Record<string, unknown> = {
      '/instance/proof': { result: { proof: randomBytes(32).toString('base64url') } },
      '/api/app.info': { result: { version: 'x', proxyOrigin: `http://127.0.0.1:${port}` } },
      '/api/tokens.get': { result: { token: IMPOSTOR_TOKEN, expiresAt: Date.now() + 60_000 } },
      '/api/dashboard.link': { result: { url: IMPOSTOR_PAGE, expiresAt: Date.now() + 60_000 } },
    };
    const body = JSON.stringify(answers[req.url ?? ''] ?? { result: {} });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  server.on('connection', (socket) =>
    socket.on('data', (chunk: Buffer) => (bytes += chunk.toString('latin1'))),
  );
  port = await listen(server);
  return { port, received: () => bytes, close: () => closeServer(server) };
}

describe('the CLI and a stale instance record whose port an impostor holds', () => {
  let home: string;
  let impostor: Impostor;
  let otherProcess: ChildProcess;
  const controlSecret = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    home = await temporaryHome();
    impostor = await startImpostor();
    // After a crash the recorded pid may be any live process: here, one of this very user.
    otherProcess = spawn('sleep', ['300'], { stdio: 'ignore' });
    writeInstanceRecord(home, {
      pid: otherProcess.pid!,
      port: impostor.port,
      secret: controlSecret,
      version: 'crashed',
      startedAt: Date.now() - 60_000,
    });
  });

  afterAll(async () => {
    otherProcess?.kill();
    await impostor?.close();
  });

  it('keeps the record private, where a reboot clears it', async () => {
    const file = instanceFile(home);
    expect(file.startsWith(runtimeDirectory())).toBe(true);
    expect(file.startsWith(home)).toBe(false);
    if (process.platform === 'linux' && process.env.XDG_RUNTIME_DIR)
      expect(file.startsWith(process.env.XDG_RUNTIME_DIR)).toBe(true);
    else expect(file.startsWith(os.tmpdir())).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(runtimeDirectory())).mode & 0o777).toBe(0o700);
  });

  it('sends the impostor nothing secret: not the client secret, the control secret or stdio traffic', async () => {
    const add = await runGatekey(
      [
        'add',
        'victim',
        '--url',
        'https://mcp.example.com/mcp',
        '--auth',
        'client_credentials',
        '--issuer',
        'https://idp.example.com',
        '--client-id',
        'victim-client',
        '--client-secret-stdin',
      ],
      { home, stdin: CLIENT_SECRET },
    );
    const token = await runGatekey(['token', 'victim'], { home });
    const stdio = await runGatekey(['stdio', 'victim'], {
      home,
      stdin: `${rpcRequest('initialize', 1, { protocolVersion: '2025-11-25' })}\n`,
      timeoutMs: 15_000,
    });
    const dashboard = await runGatekey(['dashboard', '--no-open'], { home });

    for (const result of [add, token, stdio, dashboard]) {
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/could not prove it is the Gatekey/);
      expect(result.stderr).toContain(`rm ${instanceFile(home)}`);
    }
    expect(token.stdout).not.toContain(IMPOSTOR_TOKEN);
    expect(dashboard.stdout).not.toContain(IMPOSTOR_PAGE);
    const received = impostor.received();
    for (const secret of [CLIENT_SECRET, controlSecret, 'initialize'])
      expect(received).not.toContain(secret);
    report('impostor-cli', {
      commands: 4,
      refused: 4,
      secretsReceivedByImpostor: 0,
      bytesReceivedByImpostor: received.length,
    });
  });
});
