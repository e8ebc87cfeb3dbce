import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import type { Gateway, GatewayInput } from '../../src-main/core/gateways/schema.js';
import { GatewaySchema } from '../../src-main/core/gateways/schema.js';
import type { ProxyOptions, RunningProxy } from '../../src-main/core/proxy/index.js';
import { RequestLog, startProxy } from '../../src-main/core/proxy/index.js';
import type { RunningIdp } from '../../src-main/demo/idp.js';
import { startIdp } from '../../src-main/demo/idp.js';
import type { DemoMcpServerOptions, RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { startDemoMcpServer } from '../../src-main/demo/mcp-server.js';
import type { ClientCredentialsTokens } from './token-provider.js';
import { confidentialClientTokens } from './token-provider.js';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface RawUpstream {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Connections currently open to it. */
  openConnections(): number;
  close(): Promise<void>;
}

export type UpstreamHandler = (
  request: ReceivedRequest,
  res: ServerResponse,
  req: IncomingMessage,
) => void;

function trackConnections(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

export function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A plain HTTP server on loopback that records what reaches it and answers with `handler`. */
export async function startRawUpstream(handler: UpstreamHandler): Promise<RawUpstream> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString(),
      };
      received.push(request);
      handler(request, res, req);
    });
  });
  const sockets = trackConnections(server);
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    openConnections: () => sockets.size,
    close: () => closeServer(server),
  };
}

export interface TestProxy extends RunningProxy {
  log: RequestLog;
  gateways: Map<string, Gateway>;
  /** The local URL of a gateway: http://127.0.0.1:<port>/mcp/<name> */
  urlFor(name: string): string;
  addGateway(input: GatewayInput): Gateway;
}

/** startProxy on a free port with an in-memory gateway list. */
export async function startTestProxy(
  options: Omit<ProxyOptions, 'port' | 'gateways'> & { gateways?: GatewayInput[] },
): Promise<TestProxy> {
  const gateways = new Map<string, Gateway>();
  const addGateway = (input: GatewayInput): Gateway => {
    const gateway = GatewaySchema.parse(input);
    gateways.set(gateway.name, gateway);
    return gateway;
  };
  for (const input of options.gateways ?? []) addGateway(input);
  const log = options.log ?? new RequestLog();
  const proxy = await startProxy({ ...options, port: 0, gateways, log });
  return {
    ...proxy,
    log,
    gateways,
    addGateway,
    urlFor: (name) => `${proxy.url}/mcp/${name}`,
  };
}

/** A test IdP, an MCP server that trusts it, and a proxy with one gateway to that server. */
export interface ProxiedMcpRig {
  idp: RunningIdp;
  mcp: RunningMcpServer;
  tokens: ClientCredentialsTokens;
  proxy: TestProxy;
  /** Stops the proxy, then the MCP server, then the IdP. */
  close(): Promise<void>;
}

export type McpServerStarter = (options: DemoMcpServerOptions) => Promise<RunningMcpServer>;

/**
 * Starts a ProxiedMcpRig whose gateway `gatewayName` reaches the MCP server with client-credentials
 * tokens from the IdP's confidential client.
 */
export async function startProxiedMcpRig(
  gatewayName: string,
  startMcpServer: McpServerStarter = startDemoMcpServer,
): Promise<ProxiedMcpRig> {
  const idp = await startIdp({ profile: 'generic' });
  const mcp = await startMcpServer({ issuer: idp.issuer });
  const tokens = confidentialClientTokens(idp);
  const proxy = await startTestProxy({
    tokens,
    gateways: [{ name: gatewayName, url: mcp.url, auth: 'client_credentials' }],
  });
  const close = async (): Promise<void> => {
    await proxy.close();
    await mcp.close();
    await idp.close();
  };
  return { idp, mcp, tokens, proxy, close };
}

export interface PlainResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly these headers (fetch would not let a test set Host). */
export function plainRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.end(options.body);
  });
}

export const MCP_POST_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
};

/** A POST as an MCP client sends it (JSON in, JSON or SSE accepted), plus `extraHeaders`. */
export function postMcp(
  url: string,
  body: string,
  extraHeaders: Record<string, string> = {},
): Promise<PlainResponse> {
  return plainRequest(url, {
    method: 'POST',
    headers: { ...MCP_POST_HEADERS, ...extraHeaders },
    body,
  });
}

export function rpcRequest(method: string, id: number | string = 1, params: object = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params });
}
