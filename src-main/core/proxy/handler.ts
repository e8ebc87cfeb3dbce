import { randomBytes } from 'node:crypto';
import type { Gateway } from '../gateways/schema.js';
import type { TokenProvider } from '../tokens/types.js';
import { answerPreflight } from './cors.js';
import { Exchange } from './exchange.js';
import type { GuardVerdict } from './guard.js';
import { guardLocalRequest, isBrowserNavigation, NAVIGATION_REFUSED } from './guard.js';
import { LOOP_MARKER_HEADER } from './header-text.js';
import type { LocalRequest, LocalResponse } from './local-http.js';
import { rpcErrorBody, sendJson } from './jsonrpc.js';
import { problems } from './problems.js';
import { RequestLog } from './request-log.js';
import type { ProxyRoute } from './routes.js';
import { routeProxyPath } from './routes.js';
import { LOOP_DETECTED, UpstreamPool } from './upstream.js';

export interface ProxyOptions {
  /** 7421 in production, 0 (any free port) in tests. */
  port: number;
  gateways: { get(name: string): Gateway | undefined };
  tokens: TokenProvider;
  /** Browser origins allowed besides none (IDEs send no Origin) and the proxy's own; read live. */
  allowedOrigins?: () => readonly string[];
  log?: RequestLog;
  /** Time allowed until the upstream's response headers; default 30 s. */
  upstreamTimeoutMs?: number;
  /** Request bodies up to this size are kept to send again after a 401; default 1 MiB. */
  maxRetryBodyBytes?: number;
}

export type ProxyHandler = ((req: LocalRequest, res: LocalResponse) => void) & {
  /** Closes the pooled upstream connections. */
  close(): void;
};

const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRY_BODY_BYTES = 1024 * 1024;

const AUTH_METADATA_ABSENT = JSON.stringify({
  error: 'not_found',
  error_description:
    'Gatekey signs requests to the gateway itself: clients need no OAuth with this local proxy.',
});

/** The port in `origin`, re-read only when the origin changes. */
function portOf(publicOrigin: () => string): () => number {
  let origin = '';
  let port = 0;
  return () => {
    const current = publicOrigin();
    if (current !== origin) {
      origin = current;
      port = Number(new URL(current).port) || 80;
    }
    return port;
  };
}

/** Refusals and 404s for proxy paths that name no gateway: nothing to log against one. */
function answerWithoutGateway(
  res: LocalResponse,
  route: Exclude<ProxyRoute, { kind: 'gateway' }>,
  verdict: GuardVerdict,
  port: number,
): void {
  if (!verdict.ok)
    return sendJson(res, verdict.status, rpcErrorBody(problems.refused(verdict.reason), undefined));
  if (route.kind === 'auth-metadata') return sendJson(res, 404, AUTH_METADATA_ABSENT);
  sendJson(res, 404, rpcErrorBody(problems.noGatewayInPath(port), undefined));
}

/**
 * The MCP proxy for `/mcp/<gateway>[/…]` (and a 404 for OAuth discovery documents), to mount on
 * a loopback server. `publicOrigin` is that server's origin once it listens.
 */
export function createProxyHandler(
  options: ProxyOptions & { publicOrigin: () => string },
): ProxyHandler {
  const currentPort = portOf(options.publicOrigin);
  const marker = randomBytes(9).toString('base64url');
  const pool = new UpstreamPool({ marker, port: currentPort });
  const settings = {
    tokens: options.tokens,
    log: options.log ?? new RequestLog(),
    pool,
    upstreamTimeoutMs: options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    maxRetryBodyBytes: options.maxRetryBodyBytes ?? DEFAULT_MAX_RETRY_BODY_BYTES,
  };
  const allowedOrigins = options.allowedOrigins ?? (() => []);
  // A gateway's cookies were set for whoever was signed in: a sign-in or sign-out drops them.
  const stopForgetting = options.tokens.onIdentityChange((name) => pool.forgetCookies(name));

  function handle(req: LocalRequest, res: LocalResponse): void {
    const route = routeProxyPath(req.url ?? '/');
    const guarded = guardLocalRequest(req, currentPort(), allowedOrigins());
    const verdict = guarded.ok && isBrowserNavigation(req) ? NAVIGATION_REFUSED : guarded;
    if (route.kind !== 'gateway') return answerWithoutGateway(res, route, verdict, currentPort());
    // Everything about a named gateway is logged, refusals included, so an attack shows.
    // A refusal grants no CORS: a page must not learn from it that Gatekey runs here.
    const origin = verdict.ok ? req.headers.origin : undefined;
    const exchange = new Exchange(settings, req, res, route, origin);
    if (!verdict.ok) return exchange.fail(verdict.status, problems.refused(verdict.reason));
    if (req.method === 'OPTIONS' && origin !== undefined) return answerPreflight(req, res, origin);
    if (req.headers[LOOP_MARKER_HEADER]?.includes(marker))
      return exchange.fail(LOOP_DETECTED, problems.cameBack(route.gateway));
    const gateway = options.gateways.get(route.gateway);
    if (gateway === undefined) return exchange.fail(404, problems.unknownGateway(route.gateway));
    exchange.forward(gateway);
  }

  return Object.assign(handle, {
    close: () => {
      stopForgetting();
      pool.destroy();
    },
  });
}
