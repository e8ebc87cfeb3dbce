import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatekeyError } from '../errors.js';
import type { Gateway } from '../gateways/schema.js';
import { parseBearerChallenge } from '../oauth/challenge.js';
import type { TokenProvider } from '../tokens/types.js';
import type { RequestBody } from './body.js';
import { readRequestBody } from './body.js';
import { corsHeaders } from './cors.js';
import { headersForClient, headersForUpstream } from './headers.js';
import type { RpcSummary } from './jsonrpc.js';
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
  token: string | undefined;
  upstream: ClientRequest;
}

/** Only small bodies are parsed, for the log and for the id of an error answer. */
const MAX_SUMMARIZED_BODY_BYTES = 64 * 1024;
const NOT_SUMMARIZED: RpcSummary = {};
const NO_BODY: RequestBody = { kind: 'none' };
/** Logged when the IDE left before it got an answer (nginx's convention). */
const CLIENT_CLOSED_REQUEST = 499;

function isStaleConnectionError(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ECONNRESET' || error.code === 'EPIPE';
}

function isEventStream(response: IncomingMessage): boolean {
  return response.headers['content-type']?.startsWith('text/event-stream') === true;
}

/**
 * One request from the IDE and its way to the gateway and back: token, forward, a single retry
 * after a 401, relay of the answer chunk by chunk, and one request-log entry at the end.
 */
export class Exchange {
  private readonly startedAt = performance.now();
  private readonly time = Date.now();
  private readonly cors: readonly string[];
  private body: RequestBody = NO_BODY;
  private rpcSummary?: RpcSummary;
  private streamedBytesIn = 0;
  private bytesOut = 0;
  private current?: Attempt;
  private relaying = false;
  private deadline?: NodeJS.Timeout;
  private resentAfterRejection = false;
  private resentAfterStaleConnection = false;
  private refreshed = false;
  private error?: string;
  private clientGone = false;

  constructor(
    private readonly settings: ExchangeSettings,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly route: GatewayRoute,
  ) {
    const origin = req.headers.origin;
    this.cors = origin === undefined ? [] : corsHeaders(origin);
    res.once('close', this.onClientClose);
  }

  async forward(gateway: Gateway): Promise<void> {
    const target = this.settings.pool.targetFor(gateway);
    if (target.refusal !== undefined)
      return this.fail(502, problems.plainHttp(gateway.name, target.refusal));
    const bodyRead = readRequestBody(this.req, this.settings.maxRetryBodyBytes);
    let token: string | undefined;
    try {
      token = target.credential ? await this.settings.tokens.tokenFor(gateway.name) : undefined;
    } catch (error) {
      this.body = await bodyRead;
      return this.failAsRpc(problems.tokenUnavailable(gateway.name, error));
    }
    this.body = await bodyRead;
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
    const headers = headersForUpstream(this.req.rawHeaders, target.ownHeaderNames);
    for (const header of target.fixedHeaders) headers.push(header);
    if (token !== undefined && target.credential)
      headers.push(target.credential.name, target.credential.valueParts.join(token));
    const contentLength = this.contentLength();
    if (contentLength !== undefined) headers.push('Content-Length', contentLength);
    let upstream: ClientRequest;
    try {
      upstream = target.request({
        agent: target.agent,
        hostname: target.hostname,
        port: target.port,
        method: this.req.method,
        path: upstreamPath(target, this.route.rest, this.route.query),
        headers,
        setHost: false,
      });
    } catch (error) {
      return this.fail(502, problems.unreachable(this.route.gateway, target.url, error as Error));
    }
    const attempt: Attempt = { target, token, upstream };
    this.current = attempt;
    upstream.on('response', (response) => this.onUpstreamResponse(attempt, response));
    upstream.on('error', (error) => this.onUpstreamError(attempt, error));
    upstream.on('upgrade', (_response, socket: Duplex) => this.onUnaskedUpgrade(attempt, socket));
    this.deadline = setTimeout(this.onDeadline, this.settings.upstreamTimeoutMs);
    this.writeBody(upstream);
  }

  private contentLength(): string | undefined {
    switch (this.body.kind) {
      case 'buffered':
        return String(this.body.bytes.length);
      case 'streamed':
        return this.body.contentLength;
      default:
        return undefined;
    }
  }

  private writeBody(upstream: ClientRequest): void {
    const body = this.body;
    if (body.kind !== 'streamed') {
      upstream.end(body.kind === 'buffered' ? body.bytes : undefined);
      return;
    }
    for (const chunk of body.head) {
      this.streamedBytesIn += chunk.length;
      upstream.write(chunk);
    }
    this.req.on('data', (chunk: Buffer) => (this.streamedBytesIn += chunk.length));
    this.req.pipe(upstream);
  }

  private onUpstreamResponse(attempt: Attempt, response: IncomingMessage): void {
    clearTimeout(this.deadline);
    if (this.clientGone) {
      response.destroy();
      return;
    }
    const status = response.statusCode ?? 502;
    if (status === 401) {
      response.resume();
      void this.onRejected(attempt);
      return;
    }
    if (status === 403) this.noteStepUp(response);
    this.relay(attempt.target, response, status);
  }

  /** A 401: one fresh token and one more try; then the sign-in message, never the 401. */
  private async onRejected({ target, token, upstream }: Attempt): Promise<void> {
    const gateway = this.route.gateway;
    if (token === undefined) return this.fail(502, problems.rejectedWithoutAuth(gateway));
    if (this.resentAfterRejection) return this.failAsRpc(problems.signInRequired(gateway));
    let fresh: string;
    try {
      fresh = await this.settings.tokens.tokenAfterRejection(gateway, token);
    } catch (error) {
      return this.failAsRpc(problems.tokenUnavailable(gateway, error));
    }
    this.refreshed = fresh !== token;
    if (this.body.kind === 'streamed') {
      upstream.destroy();
      return this.failAsRpc(problems.rejectedTooLargeToResend(gateway));
    }
    if (this.clientGone) return;
    this.resentAfterRejection = true;
    this.send(target, fresh);
  }

  private noteStepUp(response: IncomingMessage): void {
    const challenge = parseBearerChallenge(response.headers['www-authenticate'] ?? null);
    if (challenge?.error === 'insufficient_scope')
      this.settings.tokens.recordStepUp(this.route.gateway, challenge.scope ?? []);
  }

  /**
   * A 101 Switching Protocols, which no request through the proxy asks for. node:http hands over
   * the connection and reports nothing else, so without this the IDE would wait for the deadline.
   */
  private onUnaskedUpgrade(attempt: Attempt, socket: Duplex): void {
    socket.destroy();
    if (attempt !== this.current) return;
    clearTimeout(this.deadline);
    this.fail(502, problems.switchedProtocols(this.route.gateway, attempt.target.url));
  }

  private onUpstreamError(attempt: Attempt, error: NodeJS.ErrnoException): void {
    if (attempt !== this.current) return;
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

  private readonly onDeadline = (): void => {
    this.fail(504, problems.timedOut(this.route.gateway, this.settings.upstreamTimeoutMs));
    this.current?.upstream.destroy();
  };

  private relay(target: UpstreamTarget, response: IncomingMessage, status: number): void {
    this.relaying = true;
    const headers = headersForClient(response.rawHeaders);
    for (const header of this.cors) headers.push(header);
    this.res.writeHead(status, response.statusMessage, headers);
    if (isEventStream(response)) setImmediate(this.flushHeadersOfQuietStream);
    const rewriter = this.endpointRewriterFor(target, response);
    response.on('data', (chunk: Buffer) =>
      this.relayChunk(response, rewriter ? rewriter.transform(chunk) : chunk),
    );
    response.on('end', () => this.res.end(rewriter?.flush()));
    response.on('error', (error) => this.breakOff(error));
  }

  private relayChunk(response: IncomingMessage, chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.bytesOut += chunk.length;
    if (this.res.write(chunk)) return;
    response.pause();
    this.res.once('drain', () => response.resume());
  }

  /**
   * An event stream may stay quiet long after its headers, and the client must see it open. Its
   * first event usually comes with the headers, though, and has gone out with them by the time
   * this runs (after the I/O of this turn of the event loop).
   */
  private readonly flushHeadersOfQuietStream = (): void => {
    if (this.bytesOut === 0 && !this.clientGone && !this.res.writableEnded) this.res.flushHeaders();
  };

  /** The upstream failed mid-answer: the IDE sees the stream end abruptly, as it would direct. */
  private breakOff(error: Error): void {
    this.error = problems.brokeOff(this.route.gateway, error).message;
    this.res.destroy();
  }

  /** Legacy HTTP+SSE streams (a GET answered with text/event-stream) name their POST endpoint. */
  private endpointRewriterFor(
    target: UpstreamTarget,
    response: IncomingMessage,
  ): SseEndpointRewriter | undefined {
    if (this.req.method !== 'GET' || !isEventStream(response)) return undefined;
    if (response.headers['content-encoding'] !== undefined) return undefined;
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

  private readonly onClientClose = (): void => {
    clearTimeout(this.deadline);
    if (!this.res.writableFinished) {
      this.clientGone = true;
      this.error ??= problems.clientLeft;
      this.current?.upstream.destroy();
    }
    this.record();
  };

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
