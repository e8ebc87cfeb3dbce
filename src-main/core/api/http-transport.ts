import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatekeyError } from '../errors.js';
import type { Api } from './commands.js';
import { toApiError } from './commands.js';
import type { ApiEvent, Envelope } from './contract.js';
import { SESSION_COOKIE } from './contract.js';
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH } from './http-paths.js';

export const DASHBOARD_LOGIN_PATH = '/ui/login';
const MAX_BODY_BYTES = 1024 * 1024;
const TICKET_TTL_MS = 60_000;
const HEARTBEAT_MS = 15_000;

/**
 * The control API over loopback HTTP: the CLI authenticates with the instance secret (Bearer),
 * the dashboard with an HttpOnly SameSite=Strict cookie obtained from a one-time login URL.
 * Host and Origin are checked by the caller before this runs.
 */
export class ControlApi {
  private readonly sessionValue = randomToken();
  private readonly tickets = new Map<string, number>();

  constructor(
    private readonly api: Api,
    private readonly instanceSecret: string,
  ) {}

  /** A URL path that logs a browser in once, within a minute. */
  issueLoginPath(now = Date.now()): string {
    for (const [ticket, expires] of this.tickets) if (expires < now) this.tickets.delete(ticket);
    const ticket = randomToken();
    this.tickets.set(ticket, now + TICKET_TTL_MS);
    return `${DASHBOARD_LOGIN_PATH}?ticket=${ticket}`;
  }

  /** Handles `/api/*` and the login path; returns false for anything else. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (!URL.canParse(req.url ?? '/', 'http://localhost')) return false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === DASHBOARD_LOGIN_PATH) {
      this.login(url.searchParams.get('ticket'), res);
      return true;
    }
    if (!url.pathname.startsWith(HTTP_API_PREFIX)) return false;
    if (!this.isAuthorized(req)) {
      sendEnvelope(res, 401, {
        error: {
          code: 'unauthorized',
          message: 'This Gatekey control API needs the instance secret.',
          hint: 'Open the dashboard from the link `gatekey serve --ui` prints, or use the gatekey command.',
        },
      });
      return true;
    }
    if (url.pathname === HTTP_EVENTS_PATH && req.method === 'GET') {
      this.streamEvents(req, res);
      return true;
    }
    if (req.method !== 'POST') {
      sendEnvelope(res, 405, {
        error: { code: 'invalid_input', message: `Use POST for ${url.pathname}.` },
      });
      return true;
    }
    void this.runCommand(url.pathname.slice(HTTP_API_PREFIX.length), req, res);
    return true;
  }

  private login(ticket: string | null, res: ServerResponse): void {
    const expires = ticket ? this.tickets.get(ticket) : undefined;
    if (!ticket || expires === undefined || expires < Date.now()) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(
        'This dashboard link has expired or was already used. Run `gatekey serve --ui` again.',
      );
      return;
    }
    this.tickets.delete(ticket);
    res.writeHead(303, {
      location: '/',
      'set-cookie': `${SESSION_COOKIE}=${this.sessionValue}; HttpOnly; SameSite=Strict; Path=/`,
      'cache-control': 'no-store',
    });
    res.end();
  }

  private isAuthorized(req: IncomingMessage): boolean {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) return safeEqual(bearer, this.instanceSecret);
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    return cookie !== undefined && safeEqual(cookie, this.sessionValue);
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

  private streamEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    const send = (event: ApiEvent) => res.write(`data: ${JSON.stringify(event)}\n\n`);
    const unsubscribe = this.api.subscribe(send);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS).unref();
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
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

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}
