import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createDemoMcpServer } from './mcp-tools.js';
import {
  jsonRpcError,
  sendJson,
  startProtectedMcpServer,
  type AuthorizedMcpRequest,
  type DemoMcpServerOptions,
  type McpEndpoint,
  type RunningMcpServer,
} from './protected-mcp-http.js';

export type {
  DemoMcpServerOptions,
  McpRequestLogEntry,
  RunningMcpServer,
} from './protected-mcp-http.js';

/**
 * The demo MCP server over Streamable HTTP at `http://127.0.0.1:<port>/mcp`: stateful sessions
 * (`Mcp-Session-Id`, DELETE to end one), SSE responses, and JWT bearer authentication against
 * `options.issuer`.
 */
export function startDemoMcpServer(options: DemoMcpServerOptions): Promise<RunningMcpServer> {
  return startProtectedMcpServer(options, new StreamableHttpEndpoint());
}

class StreamableHttpEndpoint implements McpEndpoint {
  readonly paths = ['/mcp'];
  readonly #sessions = new Map<string, StreamableHTTPServerTransport>();

  async handle({ req, res, body }: AuthorizedMcpRequest): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = this.#sessions.get(sessionId);
      if (!transport) return sendJson(res, 404, jsonRpcError(-32001, 'Session not found.'));
      return transport.handleRequest(req, res, body);
    }
    if (req.method === 'POST' && isInitializeRequest(body)) {
      const transport = await this.#openSession();
      return transport.handleRequest(req, res, body);
    }
    sendJson(res, 400, jsonRpcError(-32000, 'Bad request: no valid Mcp-Session-Id header.'));
  }

  async closeSessions(): Promise<void> {
    const transports = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(transports.map((transport) => transport.close()));
  }

  async #openSession(): Promise<StreamableHTTPServerTransport> {
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sessionId) => {
        this.#sessions.set(sessionId, transport);
      },
      onsessionclosed: (sessionId) => {
        this.#sessions.delete(sessionId);
      },
    });
    await createDemoMcpServer().connect(transport);
    return transport;
  }
}
