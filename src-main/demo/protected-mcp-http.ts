import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { BearerAuthenticator, type BearerAuthOptions, type Rejection } from './bearer-auth.js';
import { startLoopbackListener } from './loopback-listener.js';
import { ADMIN_SCOPE, ADMIN_TOOL } from './mcp-tools.js';

export interface DemoMcpServerOptions extends BearerAuthOptions {
  /** Default 0 (any free port); stop() and start() keep the port. */
  port?: number;
}

export interface McpRequestLogEntry {
  method: string;
  path: string;
  status: number;
  /** Whether the request carried a token the server accepted. */
  authorized: boolean;
}

export interface RunningMcpServer {
  /** The MCP endpoint, e.g. http://127.0.0.1:<port>/mcp. */
  readonly url: string;
  readonly port: number;
  /** Every request answered so far (never a token). */
  requestLog(): McpRequestLogEntry[];
  /** Ends every session and closes the listener; start() opens the same port again. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A request that passed authentication, with its JSON body already read. */
export interface AuthorizedMcpRequest {
  req: IncomingMessage & { auth: AuthInfo };
  res: ServerResponse;
  url: URL;
  body: unknown;
}

/** One MCP transport flavour behind the shared authentication shell. */
export interface McpEndpoint {
  /** The paths it serves; the first one is the resource URL. */
  readonly paths: readonly string[];
  handle(request: AuthorizedMcpRequest): Promise<void>;
  closeSessions(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Serves an MCP endpoint on 127.0.0.1 behind bearer authentication: the RFC 9728 document, the
 * 401/403 challenges, the 403 step-up for `admin_action`, and a request log without tokens.
 */
export async function startProtectedMcpServer(
  options: DemoMcpServerOptions,
  endpoint: McpEndpoint,
): Promise<RunningMcpServer> {
  const log: McpRequestLogEntry[] = [];
  const resourcePath = endpoint.paths[0] ?? '/';
  const listener = await startLoopbackListener(options.port ?? 0, (origin) => {
    const authenticator = new BearerAuthenticator(options, origin + resourcePath);
    return (req, res) => {
      const entry = { method: req.method ?? 'GET', path: '', status: 0, authorized: false };
      res.on('close', () => log.push({ ...entry, status: res.statusCode }));
      const url = new URL(req.url ?? '/', origin);
      entry.path = url.pathname;
      serve({
        req,
        res,
        url,
        authenticator,
        endpoint,
        onAuthorized: () => (entry.authorized = true),
      }).catch((error: unknown) => {
        console.error(`demo MCP server: ${(error as Error).message}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
        else res.end();
      });
    };
  });

  const stop = async (): Promise<void> => {
    await endpoint.closeSessions();
    await listener.stop();
  };
  return {
    url: listener.origin + resourcePath,
    port: listener.port,
    requestLog: () => log.map((entry) => ({ ...entry })),
    stop,
    start: () => listener.start(),
    close: stop,
  };
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  authenticator: BearerAuthenticator;
  endpoint: McpEndpoint;
  onAuthorized: () => void;
}

async function serve({
  req,
  res,
  url,
  authenticator,
  endpoint,
  onAuthorized,
}: Exchange): Promise<void> {
  if (req.method === 'GET' && url.pathname === authenticator.metadataPath) {
    return sendJson(res, 200, authenticator.metadataDocument());
  }
  if (!endpoint.paths.includes(url.pathname)) {
    return sendJson(res, 404, {
      error: 'not_found',
      error_description: `No MCP endpoint at ${url.pathname}.`,
    });
  }
  const outcome = await authenticator.authenticate(req.headers.authorization);
  if (outcome.kind === 'rejected') return reject(res, outcome);
  onAuthorized();

  const body = req.method === 'POST' ? await readJsonBody(req, res) : undefined;
  if (body === INVALID_BODY) return;
  if (callsTool(body, ADMIN_TOOL) && !outcome.authInfo.scopes.includes(ADMIN_SCOPE)) {
    return reject(res, authenticator.insufficientScope([ADMIN_SCOPE]));
  }
  await endpoint.handle({ req: Object.assign(req, { auth: outcome.authInfo }), res, url, body });
}

function reject(res: ServerResponse, outcome: Rejection): void {
  if (outcome.wwwAuthenticate) res.setHeader('WWW-Authenticate', outcome.wwwAuthenticate);
  sendJson(res, outcome.status, outcome.error);
}

/** Whether a JSON-RPC message (or batch) calls the named tool. */
function callsTool(body: unknown, tool: string): boolean {
  return [body].flat().some((message) => {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: { name?: unknown } };
    return method === 'tools/call' && params?.name === tool;
  });
}

const INVALID_BODY = Symbol('invalid body');

/** Reads and parses a JSON body; answers 413 or 400 itself when it cannot. */
async function readJsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      sendJson(res, 413, jsonRpcError(-32600, `The request body is over ${MAX_BODY_BYTES} bytes.`));
      return INVALID_BODY;
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    sendJson(res, 400, jsonRpcError(-32700, 'Parse error: the body is not JSON.'));
    return INVALID_BODY;
  }
}

export function jsonRpcError(code: number, message: string): object {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
