import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatekeyError } from '../errors.js';
import { instanceProof } from '../instance-file.js';
import type { Api } from './commands.js';
import { toApiError } from './commands.js';
import type { ApiEvent, CommandName, Envelope } from './contract.js';
import {
  DASHBOARD_LOGIN_PATH,
  DASHBOARD_LOGOUT_PATH,
  DASHBOARD_SESSION_PATH,
  SESSION_HEADER,
  SESSION_QUERY,
} from './contract.js';
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH, INSTANCE_PROOF_PATH } from './http-paths.js';

const MAX_BODY_BYTES = 1024 * 1024;
const TICKET_TTL_MS = 60_000;
/** A dashboard session lasts a working day at most; `gatekey dashboard` prints a new link. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const HEARTBEAT_MS = 15_000;
const NONCE = /^[A-Za-z0-9_-]{22,128}$/;
/** Commands only the instance secret's holder may run, not a dashboard session. */
const INSTANCE_SECRET_COMMANDS: ReadonlySet<string> = new Set<CommandName>(['dashboard.link']);

/**
 * One-time dashboard links: a ticket opens one session, within a minute. `gatekey serve --ui`
 * prints the first; `gatekey dashboard` asks the running instance for more (`dashboard.link`).
 */
export class DashboardTickets {
  private readonly tickets = new Map<string, number>();

  /** The path of a new one-time link (the dashboard with `?ticket=…`), and when it expires. */
  issue(now = Date.now()): { path: string; expiresAt: number } {
    dropExpired(this.tickets, now);
    const ticket = randomToken();
    const expiresAt = now + TICKET_TTL_MS;
    this.tickets.set(ticket, expiresAt);
    return { path: `${DASHBOARD_LOGIN_PATH}?ticket=${ticket}`, expiresAt };
  }

  /** Whether `ticket` was issued, is still valid, and not used before; it is used up now. */
  redeem(ticket: string, now = Date.now()): boolean {
    dropExpired(this.tickets, now);
    return this.tickets.delete(ticket);
  }
}

/**
 * The control API over loopback HTTP: the CLI authenticates with the instance secret (Bearer),
 * the dashboard with a session it gets from a one-time login link and sends in a header.
 * Host and Origin are checked by the caller before this runs.
 *
 * Not a cookie: cookies ignore the port, so every other web server on 127.0.0.1 that the browser
 * visits would receive one, and could replace it. The session lives in the page's sessionStorage,
 * which only Gatekey's own origin (scheme, host and port) can read, and goes out only in the
 * `X-Gatekey-Session` header (or, for the event stream, which cannot set headers, its query).
 */
export class ControlApi {
  /** Live sessions and when each expires; one per login. */
  private readonly sessions = new Map<string, number>();
  /** Open event streams and the dashboard session each was opened with, to end with it. */
  private readonly sessionStreams = new Map<ServerResponse, string>();

  private readonly now: () => number;
  private readonly heartbeatMs: number;

  /** `clock` for tests: the time sessions expire by, and how often open streams are checked. */
  constructor(
    private readonly api: Api,
    private readonly instanceSecret: string,
    private readonly tickets: DashboardTickets,
    clock: { now?: () => number; heartbeatMs?: number } = {},
  ) {
    // Date.now looked up at each call, not kept: tests replace it.
    this.now = clock.now ?? (() => Date.now());
    this.heartbeatMs = clock.heartbeatMs ?? HEARTBEAT_MS;
  }

  /** Handles `/api/*` and the session paths; returns false for anything else. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (!URL.canParse(req.url ?? '/', 'http://localhost')) return false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === DASHBOARD_SESSION_PATH && req.method === 'POST') {
      void this.startSession(req, res);
      return true;
    }
    if (url.pathname === INSTANCE_PROOF_PATH && req.method === 'POST') {
      void this.prove(req, res);
      return true;
    }
    if (url.pathname === DASHBOARD_LOGOUT_PATH && req.method === 'POST') {
      const session = this.liveSession(req, url);
      if (session !== undefined) this.endSession(session);
      sendEnvelope(res, 200, { result: { signedOut: session !== undefined } });
      return true;
    }
    if (!url.pathname.startsWith(HTTP_API_PREFIX)) return false;
    const caller = this.caller(req, url);
    if (caller === undefined) {
      sendEnvelope(res, 401, {
        error: {
          code: 'unauthorized',
          message:
            'This Gatekey control API needs the instance secret or a live dashboard session.',
          hint: 'Open the dashboard from the link `gatekey dashboard` prints, or use the gatekey command.',
        },
      });
      return true;
    }
    if (url.pathname === HTTP_EVENTS_PATH && req.method === 'GET') {
      this.streamEvents(req, res, caller.session);
      return true;
    }
    if (req.method !== 'POST') {
      sendEnvelope(res, 405, {
        error: { code: 'invalid_input', message: `Use POST for ${url.pathname}.` },
      });
      return true;
    }
    const command = url.pathname.slice(HTTP_API_PREFIX.length);
    if (caller.session !== undefined && INSTANCE_SECRET_COMMANDS.has(command)) {
      // Else a session (and whoever took it) could renew itself past its 8 hours, and past Lock.
      sendEnvelope(res, 403, {
        error: {
          code: 'unauthorized',
          message: `A dashboard session cannot run ${command}: it makes new dashboard sessions.`,
          hint: 'Run `gatekey dashboard` in a terminal for a new one-time link.',
        },
      });
      return true;
    }
    void this.runCommand(command, req, res);
    return true;
  }

  /** Shows a CLI that this is the instance its record names, before it sends the secret. */
  private async prove(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const nonce = stringField(await readJsonBody(req).catch(() => undefined), 'nonce');
    if (nonce === undefined || !NONCE.test(nonce)) {
      sendEnvelope(res, 400, {
        error: { code: 'invalid_input', message: 'Expected { "nonce": <22 to 128 base64url> }.' },
      });
      return;
    }
    sendEnvelope(res, 200, { result: { proof: instanceProof(this.instanceSecret, nonce) } });
  }

  /** Trades a one-time ticket for a new session, in a body only Gatekey's own page can read. */
  private async startSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ticket = stringField(await readJsonBody(req).catch(() => undefined), 'ticket');
    const now = this.now();
    dropExpired(this.sessions, now);
    if (ticket === undefined || !this.tickets.redeem(ticket, now)) {
      sendEnvelope(res, 403, {
        error: {
          code: 'unauthorized',
          message: 'This dashboard link has expired or was already used.',
          hint: 'Run `gatekey dashboard` for a new one-time link.',
        },
      });
      return;
    }
    const session = randomToken();
    const expiresAt = now + SESSION_TTL_MS;
    this.sessions.set(session, expiresAt);
    sendEnvelope(res, 200, { result: { session, expiresAt } });
  }

  /** The request's dashboard session, if it names one that is live. */
  private liveSession(req: IncomingMessage, url: URL): string | undefined {
    const header = req.headers[SESSION_HEADER];
    const presented =
      typeof header === 'string'
        ? header
        : url.pathname === HTTP_EVENTS_PATH
          ? url.searchParams.get(SESSION_QUERY)
          : null;
    if (!presented) return undefined;
    return this.isLive(presented) ? presented : undefined;
  }

  private isLive(session: string): boolean {
    const expires = this.sessions.get(session);
    return expires !== undefined && expires > this.now();
  }

  /** Revokes a session; the event streams it opened stop at once. */
  private endSession(session: string): void {
    this.sessions.delete(session);
    for (const [stream, opener] of this.sessionStreams) if (opener === session) stream.end();
  }

  /**
   * Who calls: the holder of the instance secret (the CLI, no session), a live dashboard
   * session, or no one (undefined).
   */
  private caller(req: IncomingMessage, url: URL): { session?: string } | undefined {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) return safeEqual(bearer, this.instanceSecret) ? {} : undefined;
    const session = this.liveSession(req, url);
    return session === undefined ? undefined : { session };
  }

  private async runCommand(
    command: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    let input: unknown;
    try {
      input = await readJsonBody(req);
    } catch (error) {
      sendEnvelope(res, 400, { error: toApiError(error) });
      return;
    }
    const envelope = await this.api.call(command, input);
    sendEnvelope(res, 'error' in envelope ? statusFor(envelope.error.code) : 200, envelope);
  }

  /** `session` is the dashboard session that opened it, none for the instance secret. */
  private streamEvents(
    req: IncomingMessage,
    res: ServerResponse,
    session: string | undefined,
  ): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    const send = (event: ApiEvent) => res.write(`data: ${JSON.stringify(event)}\n\n`);
    const unsubscribe = this.api.subscribe(send);
    // Each heartbeat also ends the stream of a session that has expired since it opened.
    const heartbeat = setInterval(() => {
      if (session !== undefined && !this.isLive(session)) res.end();
      else res.write(': keep-alive\n\n');
    }, this.heartbeatMs).unref();
    if (session !== undefined) this.sessionStreams.set(res, session);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.sessionStreams.delete(res);
    });
  }
}

function statusFor(code: string): number {
  if (code === 'invalid_input' || code === 'config_invalid') return 400;
  if (code === 'gateway_not_found') return 404;
  if (code === 'gateway_exists') return 409;
  if (code === 'internal') return 500;
  return 422;
}

function sendEnvelope(res: ServerResponse, status: number, envelope: Envelope<unknown>): void {
  const body = JSON.stringify(envelope);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new GatekeyError('invalid_input', `Request body over ${MAX_BODY_BYTES} bytes.`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new GatekeyError('invalid_input', 'Request body is not JSON.', 'Send a JSON object.');
  }
}

function stringField(input: unknown, name: string): string | undefined {
  if (typeof input !== 'object' || input === null || !(name in input)) return undefined;
  const value = (input as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function dropExpired(expiries: Map<string, number>, now: number): void {
  for (const [key, expires] of expiries) if (expires <= now) expiries.delete(key);
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}
