import type { GatekeyError } from '../errors.js';
import type { Gateway } from '../gateways/schema.js';
import { parseBearerChallenge } from '../oauth/challenge.js';
import type { BearerChallenge } from '../oauth/types.js';
import type { TokenProvider } from '../tokens/types.js';
import type { RequestBody } from './body.js';
import { readRequestBody } from './body.js';
import { corsHeaders } from './cors.js';
import { headersForClient, headersForUpstream, headerValues } from './headers.js';
import type { Http1Request, OutgoingRequest, ResponseHandler } from './http1-client.js';
import type { ResponseHead } from './http1-parser.js';
import type { RpcSummary } from './jsonrpc.js';
import type { LocalRequest, LocalResponse } from './local-http.js';
import { rpcErrorBody, sendJson, summarizeRpc } from './jsonrpc.js';
import { problems } from './problems.js';
import type { RequestLog } from './request-log.js';
import type { ProxyRoute } from './routes.js';
import { SseEndpointRewriter } from './sse-endpoint.js';
import type { UpstreamPool, UpstreamTarget } from './upstream.js';
import { proxyPathFor, upstreamPath } from './upstream.js';

export interface ExchangeSettings {
  tokens: TokenProvider;
  log: RequestLog;
  pool: UpstreamPool;
  upstreamTimeoutMs: number;
  maxRetryBodyBytes: number;
}

export type GatewayRoute = Extract<ProxyRoute, { kind: 'gateway' }>;

/** One request to the upstream: where it went and with which token (none for `auth: 'none'`). */
interface Attempt {
  target: UpstreamTarget;
  /** The request target on the gateway: path and query. */
  path: string;
  token: string | undefined;
  upstream: Http1Request;
}

/** Only small bodies are parsed, for the log and for the id of an error answer. */
const MAX_SUMMARIZED_BODY_BYTES = 64 * 1024;
const NOT_SUMMARIZED: RpcSummary = {};
const NO_BODY: RequestBody = { kind: 'none' };
/**
 * On every relayed answer: whatever a gateway sends, a browser that shows it runs no script and
 * loads nothing on Gatekey's origin (the sandbox gives the page an opaque origin of its own),
 * and does not guess a type the gateway did not declare.
 */
const RELAYED_ANSWER_HEADERS: readonly string[] = [
  'Content-Security-Policy',
  "sandbox; default-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options',
  'nosniff',
];
/** Logged when the IDE left before it got an answer (nginx's convention). */
const CLIENT_CLOSED_REQUEST = 499;

function bearerChallengeOf(head: ResponseHead): BearerChallenge | undefined {
  // Joined as node:http joins repeated headers.
  const challenges = headerValues(head.rawHeaders, 'www-authenticate');
  return parseBearerChallenge(challenges.length > 0 ? challenges.join(', ') : null);
}

function isStaleConnectionError(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ECONNRESET' || error.code === 'EPIPE';
}

/** As node:http reads Content-Type: the first one counts. */
function isEventStream(head: ResponseHead): boolean {
  return headerValues(head.rawHeaders, 'content-type')[0]?.startsWith('text/event-stream') === true;
}

/**
 * One request from the IDE and its way to the gateway and back: token, forward, a single retry
 * after a 401, relay of the answer chunk by chunk, and one request-log entry at the end.
 * It handles the upstream's answer to its current attempt; an attempt it drops reports nothing.
 */
export class Exchange implements ResponseHandler {
  private readonly startedAt = performance.now();
  private readonly time = Date.now();
  private readonly cors: readonly string[];
  private body: RequestBody = NO_BODY;
  private rpcSummary?: RpcSummary;
  private streamedBytesIn = 0;
  private bytesOut = 0;
  private current?: Attempt;
  private relaying = false;
  private rewriter?: SseEndpointRewriter;
  private waitingForDrain = false;
  private deadline?: NodeJS.Timeout;
  private resentAfterRejection = false;
  private resentAfterStaleConnection = false;
  private refreshed = false;
  private error?: string;
  private clientGone = false;

  constructor(
    private readonly settings: ExchangeSettings,
    private readonly req: LocalRequest,
    private readonly res: LocalResponse,
    private readonly route: GatewayRoute,
    /** The browser origin the guard allowed, which may read the answer; none for a refusal. */
    corsOrigin: string | undefined,
  ) {
    this.cors = corsOrigin === undefined ? [] : corsHeaders(corsOrigin);
    res.once('close', () => this.onClientClose());
  }

  /**
   * Reads the body and gets a token, side by side, then sends. With the body already in and a
   * cached token (the usual case) all of it happens now, without waiting for a later turn.
   */
  forward(gateway: Gateway): void {
    const target = this.settings.pool.targetFor(gateway);
    if (target.refusal !== undefined)
      return this.fail(target.refusal.status, target.refusal.problem);
    const tokens = this.settings.tokens;
    const cached = target.credential ? tokens.cachedToken(gateway) : undefined;
    const fetched =
      target.credential && cached === undefined ? tokens.tokenFor(gateway.name) : undefined;
    // Settled below, once the body is in; until then a rejection is not unhandled.
    fetched?.catch(() => {});
    readRequestBody(this.req, this.settings.maxRetryBodyBytes, (body) => {
      this.body = body;
      if (fetched === undefined) return this.sendUnlessGone(target, cached);
      fetched.then(
        (token) => this.sendUnlessGone(target, token),
        (error: unknown) => this.failAsRpc(problems.tokenUnavailable(gateway.name, error)),
      );
    });
  }

  private sendUnlessGone(target: UpstreamTarget, token: string | undefined): void {
    if (this.clientGone || this.body.kind === 'aborted') return;
    this.send(target, token);
  }

  /** Answers in the upstream's place with a JSON-RPC error. */
  fail(status: number, problem: GatekeyError): void {
    this.error = problem.message;
    if (this.clientGone || this.res.headersSent) return;
    const body = rpcErrorBody(problem, this.route.gateway, this.rpc().requestId);
    sendJson(this.res, status, body, this.cors);
  }

  /**
   * Fails so that every client shows the message: as the answer to a JSON-RPC request (HTTP 200)
   * when there is one, else 503. Never 401, which would start the IDE's own OAuth flow.
   */
  private failAsRpc(problem: GatekeyError): void {
    this.fail(this.rpc().requestId === undefined ? 503 : 200, problem);
  }

  private send(target: UpstreamTarget, token: string | undefined): void {
    if (token !== undefined && !this.settings.pool.canSend(target, token))
      return this.fail(502, problems.unsendableToken(this.route.gateway));
    const path = upstreamPath(target, this.route.rest, this.route.query);
    const headers = headersForUpstream(this.req.rawHeaders, target.ownHeaderNames);
    for (const header of target.fixedHeaders) headers.push(header);
    if (token !== undefined && target.credential)
      headers.push(target.credential.name, target.credential.valueParts.join(token));
    const cookie = target.cookies.headerFor(path);
    if (cookie !== undefined) headers.push('Cookie', cookie);
    const request: OutgoingRequest = {
      method: this.req.method ?? 'GET',
      path,
      headers,
      body: this.outgoingBody(),
    };
    const client = this.settings.pool.client;
    let upstream: Http1Request;
    try {
      upstream = client.request(target, request, this, this.resentAfterStaleConnection);
    } catch (error) {
      return this.fail(502, problems.unreachable(this.route.gateway, target.url, error as Error));
    }
    this.current = { target, path, token, upstream };
    this.deadline = setTimeout(() => this.timeOut(), this.settings.upstreamTimeoutMs);
  }

  private outgoingBody(): OutgoingRequest['body'] {
    const body = this.body;
    if (body.kind === 'buffered') return body.bytes;
    if (body.kind !== 'streamed') return undefined;
    for (const chunk of body.head) this.streamedBytesIn += chunk.length;
    this.req.on('data', (chunk: Buffer) => (this.streamedBytesIn += chunk.length));
    return { ...body, rest: this.req };
  }

  onHead(head: ResponseHead): void {
    const attempt = this.current;
    if (attempt === undefined) return;
    clearTimeout(this.deadline);
    if (this.clientGone) return attempt.upstream.destroy();
    if (head.status === 101) return this.onUnaskedUpgrade(attempt);
    if (head.status === 401) {
      // A 401 is rare: its connection is dropped rather than its body read for reuse.
      attempt.upstream.destroy();
      // A balancer sets its stickiness cookie on any answer; the retry must go where this went.
      attempt.target.cookies.store(headerValues(head.rawHeaders, 'set-cookie'), attempt.path);
      return void this.onRejected(attempt, head);
    }
    if (head.status === 403) this.noteStepUp(head);
    this.relay(attempt, head);
  }

  /** A 401: one fresh token and one more try; then the sign-in message, never the 401. */
  private async onRejected({ target, token }: Attempt, head: ResponseHead): Promise<void> {
    const gateway = this.route.gateway;
    if (token === undefined) return this.fail(502, problems.rejectedWithoutAuth(gateway));
    if (this.resentAfterRejection)
      return this.failAsRpc(problems.tokenRejectedTwice(gateway, bearerChallengeOf(head)));
    let fresh: string;
    try {
      fresh = await this.settings.tokens.tokenAfterRejection(gateway, token);
    } catch (error) {
      return this.failAsRpc(problems.tokenUnavailable(gateway, error));
    }
    this.refreshed = fresh !== token;
    if (this.body.kind === 'streamed')
      return this.failAsRpc(problems.rejectedTooLargeToResend(gateway));
    if (this.clientGone) return;
    this.resentAfterRejection = true;
    this.send(target, fresh);
  }

  private noteStepUp(head: ResponseHead): void {
    const challenge = bearerChallengeOf(head);
    if (challenge?.error === 'insufficient_scope')
      this.settings.tokens.recordStepUp(this.route.gateway, challenge.scope ?? []);
  }

  /** A 101 Switching Protocols, which no request through the proxy asks for. */
  private onUnaskedUpgrade(attempt: Attempt): void {
    attempt.upstream.destroy();
    this.fail(502, problems.switchedProtocols(this.route.gateway, attempt.target.url));
  }

  onError(error: NodeJS.ErrnoException): void {
    const attempt = this.current;
    if (attempt === undefined) return;
    if (this.relaying) return this.breakOff(error);
    if (this.clientGone || this.res.headersSent) return;
    clearTimeout(this.deadline);
    // A pooled connection the gateway had just closed: the request never reached it.
    if (
      attempt.upstream.reusedSocket &&
      isStaleConnectionError(error) &&
      this.body.kind !== 'streamed' &&
      !this.resentAfterStaleConnection
    ) {
      this.resentAfterStaleConnection = true;
      return this.send(attempt.target, attempt.token);
    }
    this.fail(502, problems.unreachable(this.route.gateway, attempt.target.url, error));
  }

  private timeOut(): void {
    this.fail(504, problems.timedOut(this.route.gateway, this.settings.upstreamTimeoutMs));
    this.current?.upstream.destroy();
  }

  private relay({ target, path }: Attempt, head: ResponseHead): void {
    this.relaying = true;
    const setCookies: string[] = [];
    const headers = headersForClient(head.rawHeaders, setCookies);
    target.cookies.store(setCookies, path);
    for (const header of RELAYED_ANSWER_HEADERS) headers.push(header);
    for (const header of this.cors) headers.push(header);
    this.res.writeHead(head.status, head.statusMessage, headers);
    if (!isEventStream(head)) return;
    setImmediate(() => this.flushHeadersOfQuietStream());
    this.rewriter = this.endpointRewriterFor(target, head);
  }

  /** Each piece of the body goes on as it arrives; the upstream waits while the IDE does not read. */
  onBody(body: Buffer): void {
    const attempt = this.current;
    if (attempt === undefined) return;
    const chunk = this.rewriter ? this.rewriter.transform(body) : body;
    if (chunk.length === 0) return;
    this.bytesOut += chunk.length;
    if (this.res.write(chunk) || this.waitingForDrain) return;
    this.waitingForDrain = true;
    attempt.upstream.pause();
    this.res.once('drain', () => {
      this.waitingForDrain = false;
      attempt.upstream.resume();
    });
  }

  onEnd(): void {
    this.res.end(this.rewriter?.flush());
  }

  /**
   * An event stream may stay quiet long after its headers, and the client must see it open. Its
   * first event usually comes with the headers, though, and has gone out with them by the time
   * this runs (after the I/O of this turn of the event loop).
   */
  private flushHeadersOfQuietStream(): void {
    if (this.bytesOut === 0 && !this.clientGone && !this.res.writableEnded) this.res.flushHeaders();
  }

  /** The upstream failed mid-answer: the IDE sees the stream end abruptly, as it would direct. */
  private breakOff(error: Error): void {
    this.error = problems.brokeOff(this.route.gateway, error).message;
    this.res.destroy();
  }

  /** Legacy HTTP+SSE streams (a GET answered with text/event-stream) name their POST endpoint. */
  private endpointRewriterFor(
    target: UpstreamTarget,
    head: ResponseHead,
  ): SseEndpointRewriter | undefined {
    if (this.req.method !== 'GET') return undefined;
    if (headerValues(head.rawHeaders, 'content-encoding').length > 0) return undefined;
    return new SseEndpointRewriter((endpoint) => this.proxyUrlFor(target, endpoint));
  }

  /** The URL the client should use for an `endpoint` the upstream named, in the same form. */
  private proxyUrlFor(target: UpstreamTarget, endpoint: string): string {
    const streamUrl = target.origin + upstreamPath(target, this.route.rest, this.route.query);
    if (!URL.canParse(endpoint, streamUrl)) return endpoint;
    const proxyPath = proxyPathFor(target, this.route.gateway, new URL(endpoint, streamUrl));
    if (proxyPath === undefined) return endpoint;
    return URL.canParse(endpoint) ? `http://${this.req.headers.host}${proxyPath}` : proxyPath;
  }

  private onClientClose(): void {
    clearTimeout(this.deadline);
    if (!this.res.writableFinished) {
      this.clientGone = true;
      this.error ??= problems.clientLeft;
      this.current?.upstream.destroy();
    }
    this.record();
  }

  private rpc(): RpcSummary {
    if (this.rpcSummary === undefined) {
      const body = this.body;
      this.rpcSummary =
        body.kind === 'buffered' && body.bytes.length <= MAX_SUMMARIZED_BODY_BYTES
          ? summarizeRpc(body.bytes)
          : NOT_SUMMARIZED;
    }
    return this.rpcSummary;
  }

  private record(): void {
    const { method, toolName } = this.rpc();
    const body = this.body;
    this.settings.log.add({
      time: this.time,
      gateway: this.route.gateway,
      httpMethod: this.req.method ?? '',
      ...(method === undefined ? {} : { rpcMethod: method }),
      ...(toolName === undefined ? {} : { toolName }),
      status: this.res.headersSent ? this.res.statusCode : CLIENT_CLOSED_REQUEST,
      durationMs: Math.round((performance.now() - this.startedAt) * 100) / 100,
      bytesIn: body.kind === 'buffered' ? body.bytes.length : this.streamedBytesIn,
      bytesOut: this.bytesOut,
      retried: this.resentAfterRejection || this.resentAfterStaleConnection,
      refreshed: this.refreshed,
      ...(this.error === undefined ? {} : { error: this.error }),
    });
  }
}
