import { createServer, request } from 'node:http';
import { stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startInstance } from '../../src-main/core/instance.js';
import type { RunningInstance } from '../../src-main/core/instance.js';
import { instanceFile, readInstanceRecord } from '../../src-main/core/instance-file.js';
import { connectToInstance } from '../../src-main/core/api/http-client.js';
import {
  ControlApi,
  DashboardTickets,
  randomToken,
  SESSION_TTL_MS,
} from '../../src-main/core/api/http-transport.js';
import { createCore } from '../../src-main/core/core.js';
import { MemorySecretStore } from '../../src-main/core/secrets/memory-store.js';
import type { ApiEvent } from '../../src-main/core/api/contract.js';
import { isGatekeyError } from '../../src-main/core/errors.js';
import { temporaryHome } from '../support/cli.js';
import { occupyPort } from '../support/ports.js';
import { closeServer, listen } from '../support/proxy-fixtures.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so tests can forge Host and Origin the way an attacker's page would. */
function rawRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The dashboard's event stream, opened with a session: when it answered, and when it ended. */
function openEventStream(port: number, session: string) {
  let ended = false;
  let answered: (status: number) => void = () => undefined;
  const opened = new Promise<number>((resolve) => (answered = resolve));
  // A stream still open when the instance stops fails with its socket: that is an end too.
  const closed = new Promise<void>((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: `/api/events?session=${encodeURIComponent(session)}` },
      (res) => {
        answered(res.statusCode ?? 0);
        res.resume();
        res.on('end', () => {
          ended = true;
          resolve();
        });
      },
    );
    req.on('error', () => resolve());
    req.end();
  });
  return { opened, closed, ended: () => ended };
}

const running: RunningInstance[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((instance) => instance.close()));
});

async function start(home: string): Promise<RunningInstance> {
  const instance = await startInstance({
    home,
    version: 'test',
    port: 0,
    insecureFileStore: true,
    onWarning: () => undefined,
  });
  running.push(instance);
  return instance;
}

describe('the running instance', () => {
  it('records itself in a 0600 file and removes it on close', async () => {
    const home = await temporaryHome();
    const instance = await start(home);
    const record = await readInstanceRecord(home);
    expect(record?.port).toBe(instance.port);
    expect(record?.pid).toBe(process.pid);
    expect((await stat(instanceFile(home))).mode & 0o777).toBe(0o600);
    await instance.close();
    expect(await readInstanceRecord(home)).toBeUndefined();
  });

  it('refuses a second owner of the same tokens', async () => {
    const home = await temporaryHome();
    await start(home);
    const fakeOtherProcess = await readInstanceRecord(home);
    expect(fakeOtherProcess).toBeDefined();
    // The record names this very process, so pretend it is another one that is alive: pid 1.
    const { writeInstanceRecord } = await import('../../src-main/core/instance-file.js');
    await writeInstanceRecord(home, { ...fakeOtherProcess!, pid: 1 });
    const error = await startInstance({
      home,
      version: 'test',
      port: 0,
      insecureFileStore: true,
      onWarning: () => undefined,
    }).catch((caught: unknown) => caught);
    expect(isGatekeyError(error, 'instance_running')).toBe(true);
    expect((error as Error).message).toContain('pid 1');
  });

  it('names the port when it is already in use', async () => {
    const { port, close } = await occupyPort();
    try {
      const home = await temporaryHome();
      const error = await startInstance({
        home,
        version: 'test',
        port,
        insecureFileStore: true,
        onWarning: () => undefined,
      }).catch((caught: unknown) => caught);
      expect(isGatekeyError(error, 'port_in_use')).toBe(true);
      expect((error as Error).message).toContain(String(port));
      expect(await readInstanceRecord(home)).toBeUndefined();
    } finally {
      await close();
    }
  });
});

describe('the control API', () => {
  it('refuses callers without the instance secret', async () => {
    const instance = await start(await temporaryHome());
    const response = await rawRequest(instance.port, {
      method: 'POST',
      path: '/api/gateways.list',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).error.code).toBe('unauthorized');
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin even with the secret', async () => {
    const home = await temporaryHome();
    const instance = await start(home);
    const { secret } = (await readInstanceRecord(home))!;
    const authorized = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
    const rebinding = await rawRequest(instance.port, {
      method: 'POST',
      path: '/api/app.info',
      headers: { ...authorized, host: `evil.example:${instance.port}` },
      body: '{}',
    });
    expect(rebinding.status).toBe(403);
    const crossOrigin = await rawRequest(instance.port, {
      method: 'POST',
      path: '/api/app.info',
      headers: { ...authorized, origin: 'https://evil.example' },
      body: '{}',
    });
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.body).not.toContain(home);
  });

  it('serves the CLI through the running instance, events included', async () => {
    const home = await temporaryHome();
    await start(home);
    const client = await connectToInstance(home);
    expect(client).toBeDefined();
    const events: ApiEvent[] = [];
    const unsubscribe = client!.subscribe((event) => events.push(event));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client!.call('gateways.add', {
      gateway: { name: 'open', url: 'http://127.0.0.1:9/mcp', auth: 'none' },
    });
    await expect.poll(() => events.some((event) => event.type === 'gateways')).toBe(true);
    unsubscribe();
    const list = await client!.call('gateways.list', {});
    expect(list.map((view) => view.gateway.name)).toEqual(['open']);
  });

  it('changes only the fields an edit names', async () => {
    const home = await temporaryHome();
    await start(home);
    const client = (await connectToInstance(home))!;
    await client.call('gateways.add', {
      gateway: {
        name: 'kept',
        url: 'http://127.0.0.1:9/mcp',
        auth: 'client_credentials',
        header: 'X-Authorization: Bearer {token}',
        tokenToSend: 'id_token',
        audience: 'api://old',
      },
    });
    const updated = await client.call('gateways.update', {
      name: 'kept',
      patch: { url: 'http://127.0.0.1:10/mcp', audience: null },
    });
    expect(updated.gateway.audience).toBeUndefined();
    expect(updated.gateway).toMatchObject({
      url: 'http://127.0.0.1:10/mcp',
      auth: 'client_credentials',
      header: 'X-Authorization: Bearer {token}',
      tokenToSend: 'id_token',
    });
  });

  it('reports a bad field by name', async () => {
    const home = await temporaryHome();
    await start(home);
    const client = (await connectToInstance(home))!;
    const error = await client
      .call('gateways.add', { gateway: { name: 'Bad Name', url: 'not a url' } })
      .catch((caught: unknown) => caught);
    expect(isGatekeyError(error, 'invalid_input')).toBe(true);
    expect((error as { field?: string }).field).toBe('name');
  });

  it('trades a one-time link for a per-login session sent in a header, never a cookie', async () => {
    const instance = await start(await temporaryHome());
    const ticketOf = (link: string) => new URL(link).searchParams.get('ticket')!;
    const json = { 'content-type': 'application/json', origin: instance.proxyOrigin };
    const startSession = (ticket: string) =>
      rawRequest(instance.port, {
        method: 'POST',
        path: '/ui/session',
        headers: json,
        body: JSON.stringify({ ticket }),
      });
    const appInfo = (headers: Record<string, string>) =>
      rawRequest(instance.port, {
        method: 'POST',
        path: '/api/app.info',
        headers: { ...json, ...headers },
        body: '{}',
      });

    const ticket = ticketOf(instance.dashboardUrl());
    const login = await startSession(ticket);
    expect(login.status).toBe(200);
    expect(login.headers['set-cookie']).toBeUndefined();
    const { session, expiresAt } = JSON.parse(login.body).result as {
      session: string;
      expiresAt: number;
    };
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(SESSION_TTL_MS);
    const info = await appInfo({ 'x-gatekey-session': session });
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body).result.version).toBe('test');
    // The same value as a cookie (what another local web server could have got) is worthless.
    expect((await appInfo({ cookie: `gatekey_session=${session}` })).status).toBe(401);
    expect((await startSession(ticket)).status).toBe(403);

    // Per login: a second link gives a second session; signing out ends only that one.
    const second = JSON.parse((await startSession(ticketOf(instance.dashboardUrl()))).body).result
      .session as string;
    expect(second).not.toBe(session);
    const firstStream = openEventStream(instance.port, session);
    const secondStream = openEventStream(instance.port, second);
    expect([await firstStream.opened, await secondStream.opened]).toEqual([200, 200]);
    const logout = await rawRequest(instance.port, {
      method: 'POST',
      path: '/ui/logout',
      headers: { ...json, 'x-gatekey-session': second },
    });
    expect(logout.status).toBe(200);
    expect((await appInfo({ 'x-gatekey-session': second })).status).toBe(401);
    expect((await appInfo({ 'x-gatekey-session': session })).status).toBe(200);
    // The ended session's event stream stops with it; the other one goes on.
    await secondStream.closed;
    expect(firstStream.ended()).toBe(false);
    await expect(openEventStream(instance.port, second).opened).resolves.toBe(401);

    // Short-lived: past its lifetime the session is refused.
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + SESSION_TTL_MS + 1);
    try {
      expect((await appInfo({ 'x-gatekey-session': session })).status).toBe(401);
    } finally {
      clock.mockRestore();
    }
  });
});

describe("a dashboard session's event stream", () => {
  it('ends when the session expires, not only on logout (on a clock the test moves)', async () => {
    const home = await temporaryHome();
    const core = createCore({
      home,
      version: 'test',
      port: () => 0,
      secrets: new MemorySecretStore(),
      stdioCommand: { command: 'gatekey', args: ['stdio'] },
    });
    const clock = { now: Date.now() };
    const tickets = new DashboardTickets();
    const control = new ControlApi(core.api, randomToken(), tickets, {
      now: () => clock.now,
      heartbeatMs: 50,
    });
    const server = createServer((req, res) => {
      if (!control.handle(req, res)) res.writeHead(404).end();
    });
    const port = await listen(server);
    try {
      const ticket = new URLSearchParams(tickets.issue(clock.now).path.split('?')[1]).get('ticket');
      const login = await rawRequest(port, {
        method: 'POST',
        path: '/ui/session',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ticket }),
      });
      const { session } = JSON.parse(login.body).result as { session: string };
      const stream = openEventStream(port, session);
      expect(await stream.opened).toBe(200);

      // A heartbeat within the session's 8 hours keeps the stream open.
      clock.now += SESSION_TTL_MS - 1000;
      await delay(200);
      expect(stream.ended()).toBe(false);

      clock.now += 2000;
      const outcome = await Promise.race([
        stream.closed.then(() => 'ended'),
        delay(10_000, 'open'),
      ]);
      expect(outcome).toBe('ended');
      await expect(openEventStream(port, session).opened).resolves.toBe(401);
    } finally {
      server.closeAllConnections();
      await closeServer(server);
    }
  });
});
