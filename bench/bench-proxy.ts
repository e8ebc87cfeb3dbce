/**
 * The proxy under test, run as a child process: `gatekey` is the real proxy (startProxy) with a
 * token provider that holds a cached token, as the TokenManager does between refreshes; `naive`
 * is the textbook http.request + pipe proxy, for reference.
 *
 * The proxy is loaded as it ships, compiled by tsc (`npm run bench` builds first): tsx's
 * transform names every closure it creates, which costs a few per cent per request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, request } from 'node:http';
import { GatewaySchema } from '../src-main/core/gateways/schema.js';
import type * as ProxyModule from '../src-main/core/proxy/index.js';
import type { TokenProvider } from '../src-main/core/tokens/types.js';
import { BENCH_TOKEN, reportListening } from './bench-process.js';

const COMPILED_PROXY = new URL('../dist/src-main/core/proxy/index.js', import.meta.url);

const [kind, upstreamPort] = process.argv.slice(2);
const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;

const cachedToken: TokenProvider = {
  cachedToken: () => BENCH_TOKEN,
  tokenFor: async () => BENCH_TOKEN,
  tokenAfterRejection: async () => BENCH_TOKEN,
  recordStepUp: () => {},
};

async function startGatekey(): Promise<void> {
  const gateway = GatewaySchema.parse({
    name: 'bench',
    url: `${upstreamUrl}/mcp`,
    auth: 'client_credentials',
  });
  const { startProxy } = (await import(COMPILED_PROXY.href).catch((error: unknown) => {
    throw new Error(`No compiled proxy at ${COMPILED_PROXY.pathname}: run npm run bench`, {
      cause: error,
    });
  })) as typeof ProxyModule;
  const { server } = await startProxy({
    port: 0,
    gateways: { get: () => gateway },
    tokens: cachedToken,
  });
  reportListening(server);
}

function startNaive(): void {
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').replace(/^\/mcp\/bench/, '/mcp');
    const upstream = request(
      `${upstreamUrl}${path}`,
      {
        method: req.method,
        agent,
        headers: {
          ...req.headers,
          host: `127.0.0.1:${upstreamPort}`,
          authorization: `Bearer ${BENCH_TOKEN}`,
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1', () => reportListening(server));
}

if (kind === 'naive') startNaive();
else await startGatekey();
