import type { Dispatcher } from 'undici';
import type { LentConnection } from './connections.js';
import type { UpstreamTarget } from './upstream.js';

type ResponseHeaders = Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2];

/** The status line and headers of an upstream answer. */
export interface UpstreamAnswer {
  status: number;
  statusMessage: string;
  /** Lower-case names; a repeated header as an array. */
  headers: ResponseHeaders;
  /** As they arrived: alternating names and values. */
  rawHeaders: string[];
}

/** What an attempt tells the exchange that sent it. */
export interface AttemptListener {
  onAnswer(attempt: UpstreamAttempt, answer: UpstreamAnswer): void;
  /** A piece of the answer's body; `attempt.pause()` holds the next one back. */
  onBodyChunk(attempt: UpstreamAttempt, chunk: Buffer): void;
  onBodyEnd(attempt: UpstreamAttempt): void;
  /** No answer came (connection refused, TLS, reset…), or the answer broke off. */
  onFailure(attempt: UpstreamAttempt, error: Error): void;
}

const ABANDONED = new Error('The proxy abandoned the upstream request.');

/** Response header names and values as strings, bytes kept (latin1 both ways, as node:http does). */
function rawHeaderStrings(raw: Dispatcher.DispatchController['rawHeaders']): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((item: Buffer | string) =>
    typeof item === 'string' ? item : item.toString('latin1'),
  );
}

/** The connection closed (undici's SocketError) or was reset under the request. */
function isConnectionLost(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * One request to the upstream on a lent connection, as undici's dispatcher runs it: the target
 * and token it went with, and the handle to pause, resume or abandon it.
 */
export class UpstreamAttempt implements Dispatcher.DispatchHandler {
  private controller?: Dispatcher.DispatchController;
  private abandoned = false;

  constructor(
    readonly target: UpstreamTarget,
    readonly token: string | undefined,
    private readonly connection: LentConnection,
    private readonly listener: AttemptListener,
  ) {}

  send(request: Dispatcher.DispatchOptions): void {
    this.connection.dispatch(request, this);
  }

  /** Stops the request and closes its connection, whether it is under way or still connecting. */
  abandon(): void {
    this.abandoned = true;
    this.connection.drop(ABANDONED);
  }

  /**
   * Whether this failure is a pooled connection that the gateway had just closed, so that the
   * request never reached it and may go again.
   */
  foundConnectionStale(error: Error): boolean {
    return this.connection.reused && isConnectionLost(error);
  }

  pause(): void {
    this.controller?.pause();
  }

  resume(): void {
    this.controller?.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: ResponseHeaders,
    statusMessage = '',
  ): void {
    // 1xx answers are interim; node:http did not pass them on either.
    if (status < 200) return;
    const rawHeaders = rawHeaderStrings(controller.rawHeaders);
    this.listener.onAnswer(this, { status, statusMessage, headers, rawHeaders });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.listener.onBodyChunk(this, chunk);
  }

  onResponseEnd(): void {
    this.connection.release();
    this.listener.onBodyEnd(this);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.abandoned) return;
    this.connection.release();
    this.listener.onFailure(this, error);
  }
}
