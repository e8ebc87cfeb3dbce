/**
 * A request from a local client and the answer to it, as the proxy uses them. node:http's
 * IncomingMessage and ServerResponse fit these, and so do the fast path's own (http1-server):
 * the proxy is written once for both.
 */

/** The request headers the proxy reads by name; `rawHeaders` has them all. */
export interface LocalRequestHeaders {
  host?: string | undefined;
  origin?: string | undefined;
  'content-length'?: string | undefined;
  'transfer-encoding'?: string | undefined;
  'sec-fetch-site'?: string | string[] | undefined;
  'sec-fetch-mode'?: string | string[] | undefined;
  'sec-fetch-dest'?: string | string[] | undefined;
  accept?: string | undefined;
  'access-control-request-headers'?: string | undefined;
  /** The loop marker (header-text's LOOP_MARKER_HEADER): the proxies a request passed through. */
  'gatekey-via'?: string | undefined;
}

/** A request body read as events, as a paused Readable gives it. */
export interface BodySource {
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'end' | 'close', listener: () => void): this;
  once(event: 'end', listener: () => void): this;
  off(event: 'data', listener: (chunk: Buffer) => void): this;
  off(event: 'end' | 'close', listener: () => void): this;
  pause(): this;
  resume(): this;
}

export interface LocalRequest extends BodySource {
  /** Whether the whole body has arrived (then `read()` gives what no one has read yet). */
  readonly complete: boolean;
  read(): Buffer | null;
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Names and values alternating, as received. */
  readonly rawHeaders: string[];
  readonly headers: LocalRequestHeaders;
}

export interface LocalResponse {
  statusCode: number;
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly writableFinished: boolean;
  /** `headers` are names and values alternating. */
  writeHead(status: number, headers: string[]): this;
  writeHead(status: number, statusMessage: string, headers: string[]): this;
  /** False when the client is not reading: wait for `drain`. */
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer | string): this;
  flushHeaders(): void;
  destroy(): void;
  /** `close` comes once: after the answer went out, or when the client left before. */
  once(event: 'close' | 'drain', listener: () => void): this;
}
