import type { LocalRequest } from './local-http.js';

/**
 * A request body as the proxy forwards it: in memory when small enough to send again after a
 * 401, else streamed once from the IDE to the gateway.
 */
export type RequestBody =
  | { kind: 'none' }
  | { kind: 'buffered'; bytes: Buffer }
  | { kind: 'streamed'; head: Buffer[]; contentLength?: string }
  | { kind: 'aborted' };

const NO_BODY: RequestBody = { kind: 'none' };
const ABORTED: RequestBody = { kind: 'aborted' };

function declaresBody(req: LocalRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Reads the body up to `maxBufferedBytes`; past that, leaves the rest unread for streaming.
 * `done` is called once, at once when the body has already arrived.
 */
export function readRequestBody(
  req: LocalRequest,
  maxBufferedBytes: number,
  done: (body: RequestBody) => void,
): void {
  if (!declaresBody(req)) {
    // A `Content-Length: 0` POST still has a (zero-length) body to frame.
    return done(
      req.headers['content-length'] === '0'
        ? { kind: 'buffered', bytes: Buffer.alloc(0) }
        : NO_BODY,
    );
  }
  const contentLength = req.headers['content-length'];
  const streamed = (head: Buffer[]): RequestBody => ({
    kind: 'streamed',
    head,
    ...(contentLength === undefined ? {} : { contentLength }),
  });
  if (Number(contentLength) > maxBufferedBytes) return done(streamed([]));
  const chunks: Buffer[] = [];
  let size = 0;
  const settle = (body: RequestBody): void => {
    req.off('data', onData).off('end', onEnd).off('close', onClose);
    done(body);
  };
  const onData = (chunk: Buffer): void => {
    chunks.push(chunk);
    size += chunk.length;
    if (size <= maxBufferedBytes) return;
    req.pause();
    settle(streamed(chunks));
  };
  const onEnd = (): void =>
    settle({ kind: 'buffered', bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
  const onClose = (): void => settle(ABORTED);
  req.on('data', onData).on('end', onEnd).on('close', onClose);
}
