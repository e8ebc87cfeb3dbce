import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { GatekeyError } from '../errors.js';
import type { Gateway } from '../gateways/schema.js';
import { parseBearerChallenge } from '../oauth/challenge.js';
import type { TokenProvider } from '../tokens/types.js';
import type { AttemptListener, UpstreamAnswer } from './attempt.js';
import { UpstreamAttempt } from './attempt.js';
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

/** Only small bodies are parsed, for the log and for the id of an error answer. */
const MAX_SUMMARIZED_BODY_BYTES = 64 * 1024;
const NOT_SUMMARIZED: RpcSummary = {};
const NO_BODY: RequestBody = { kind: 'none' };
/** Logged when the IDE left before it got an answer (nginx's convention). */
const CLIENT_CLOSED_REQUEST = 499;

function headerValue(answer: UpstreamAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function isEventStream(answer: UpstreamAnswer): boolean {
  return headerValue(answer, 'content-type')?.startsWith('text/event-stream') === true;
}

/**
 * One request from the IDE and its way to the gateway and back: token, forward, a single retry
 * after a 401, relay of the answer chunk by chunk, and one request-log entry at the end.
 */
export class Exchange implements AttemptListener {
  private readonly startedAt = performance.now();
  private readonly time = Date.now();
  private readonly cors: readonly string[];
  private body: RequestBody = NO_BODY;
  private rpcSummary?: RpcSummary;
  private streamedBytesIn = 0;
  private bytesOut = 0;
  /** The attempt whose answer the IDE waits for, or gets; none while a 401 is being handled. */
  private current?: UpstreamAttempt;
  private relaying = false;
  private rewriter?: SseEndpointRewriter;
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
    const body = this.body;
    if (body.kind === 'streamed' && body.contentLength !== undefined)
      headers.push('Content-Length', body.contentLength);
    const connection = this.settings.pool.connectionTo(target);
    const attempt = new UpstreamAttempt(target, token, connection, this);
    this.current = attempt;
    this.deadline = setTimeout(this.onDeadline, this.settings.upstreamTimeoutMs);
    attempt.send({
      method: this.req.method ?? 'GET',
      path: upstreamPath(target, this.route.rest, this.route.query),
      headers,
      body: this.upstreamBody(),
    });
  }

  /** undici frames the body: a buffer with its length; a stream by its Content-Length, else chunked. */
  private upstreamBody(): Buffer | PassThrough | null {
    const body = this.body;
    if (body.kind === 'buffered') return body.bytes;
    if (body.kind !== 'streamed') return null;
    const stream = new PassThrough();
    for (const chunk of body.head) {
      this.streamedBytesIn += chunk.length;
      stream.write(chunk);
    }
    this.req.on('data', (chunk: Buffer) => (this.streamedBytesIn += chunk.length));
    return this.req.pipe(stream);
  }

  onAnswer(attempt: UpstreamAttempt, answer: UpstreamAnswer): void {
    if (attempt !== this.current) return;
    clearTimeout(this.deadline);
    if (answer.status === 401) {
      // Its body is left to drain, which keeps the connection for the next request.
      this.current = undefined;
      void this.onRejected(attempt);
      return;
    }
    if (answer.status === 403) this.noteStepUp(answer);
    this.relay(attempt.target, answer);
  }

  /** A 401: one fresh token and one more try; then the sign-in message, never the 401. */
  private async onRejected(attempt: UpstreamAttempt): Promise<void> {
    const gateway = this.route.gateway;
    const { target, token } = attempt;
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
      attempt.abandon();
      return this.failAsRpc(problems.rejectedTooLargeToResend(gateway));
    }
    if (this.clientGone) return;
    this.resentAfterRejection = true;
    this.send(target, fresh);
  }

  private noteStepUp(answer: UpstreamAnswer): void {
    const challenge = parseBearerChallenge(headerValue(answer, 'www-authenticate') ?? null);
    if (challenge?.error === 'insufficient_scope')
      this.settings.tokens.recordStepUp(this.route.gateway, challenge.scope ?? []);
  }

  onFailure(attempt: UpstreamAttempt, error: Error): void {
    if (attempt !== this.current) return;
    if (this.relaying) return this.breakOff(error);
    if (this.clientGone || this.res.headersSent) return;
    clearTimeout(this.deadline);
    if (
      attempt.foundConnectionStale(error) &&
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
    this.current?.abandon();
  };

  private relay(target: UpstreamTarget, answer: UpstreamAnswer): void {
    this.relaying = true;
    const headers = headersForClient(answer.rawHeaders);
    for (const header of this.cors) headers.push(header);
    this.res.writeHead(answer.status, answer.statusMessage, headers);
    if (!isEventStream(answer)) return;
    setImmediate(this.flushHeadersOfQuietStream);
    this.rewriter = this.endpointRewriterFor(target, answer);
  }

  onBodyChunk(attempt: UpstreamAttempt, chunk: Buffer): void {
    if (attempt !== this.current) return;
    const relayed = this.rewriter ? this.rewriter.transform(chunk) : chunk;
    if (relayed.length === 0) return;
    this.bytesOut += relayed.length;
    if (this.res.write(relayed)) return;
    attempt.pause();
    this.res.once('drain', () => attempt.resume());
  }

  onBodyEnd(attempt: UpstreamAttempt): void {
    if (attempt === this.current) this.res.end(this.rewriter?.flush());
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
    answer: UpstreamAnswer,
  ): SseEndpointRewriter | undefined {
    if (this.req.method !== 'GET') return undefined;
    if (answer.headers['content-encoding'] !== undefined) return undefined;
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
      this.current?.abandon();
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
