import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { createDemoMcpServer } from '../../src-main/demo/mcp-tools.js';
import {
  jsonRpcError,
  sendJson,
  startProtectedMcpServer,
  type AuthorizedMcpRequest,
  type DemoMcpServerOptions,
  type McpEndpoint,
  type RunningMcpServer,
} from '../../src-main/demo/protected-mcp-http.js';

/**
 * The demo MCP server over the legacy HTTP+SSE transport (2024-11-05): GET /sse opens the event
 * stream whose `endpoint` event names /messages?sessionId=…, where the client POSTs. Same tools
 * and authentication as startDemoMcpServer; `url` is the SSE endpoint.
 */
export function startLegacySseMcpServer(options: DemoMcpServerOptions): Promise<RunningMcpServer> {
  return startProtectedMcpServer(options, new LegacySseEndpoint());
}

class LegacySseEndpoint implements McpEndpoint {
  readonly paths = ['/sse', '/messages'];
  readonly #sessions = new Map<string, SSEServerTransport>();

  async handle({ req, res, url, body }: AuthorizedMcpRequest): Promise<void> {
    if (req.method === 'GET' && url.pathname === '/sse') return this.#openStream(res);
    if (req.method === 'POST' && url.pathname === '/messages') {
      const transport = this.#sessions.get(url.searchParams.get('sessionId') ?? '');
      if (!transport) return sendJson(res, 404, jsonRpcError(-32001, 'Session not found.'));
      return transport.handlePostMessage(req, res, body);
    }
    res.setHeader('Allow', url.pathname === '/sse' ? 'GET' : 'POST');
    sendJson(res, 405, jsonRpcError(-32000, `${req.method} is not allowed on ${url.pathname}.`));
  }

  async closeSessions(): Promise<void> {
    const transports = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(transports.map((transport) => transport.close()));
  }

  async #openStream(res: AuthorizedMcpRequest['res']): Promise<void> {
    const transport = new SSEServerTransport('/messages', res);
    this.#sessions.set(transport.sessionId, transport);
    transport.onclose = () => this.#sessions.delete(transport.sessionId);
    await createDemoMcpServer().connect(transport);
  }
}
