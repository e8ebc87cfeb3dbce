/**
 * The benchmark's upstream, run as a child process: a minimal MCP-shaped responder, fast enough
 * that the proxy's own cost shows. It takes only the Authorization header given as its argument
 * (the token Gatekey got from the IdP) on the port given. POST answers a JSON-RPC result as JSON; POST ?bytes=<n>
 * streams an SSE result of n bytes; GET opens an SSE stream whose first event comes at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { reportListening } from './bench-process.js';

const [EXPECTED_AUTHORIZATION, PORT] = process.argv.slice(2);
if (!EXPECTED_AUTHORIZATION || !PORT)
  throw new Error('usage: bench-upstream.ts "Bearer <token>" <port>');
const SSE_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' };
const FIRST_EVENT =
  'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"ready"}}\n\n';
const CHUNK = Buffer.alloc(64 * 1024, 'a');

function answerToolCall(body: Buffer, res: ServerResponse): void {
  const { id } = JSON.parse(body.toString()) as { id: number };
  const answer = `{"jsonrpc":"2.0","id":${id},"result":{"content":[{"type":"text","text":"ok"}]}}`;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(answer),
  });
  res.end(answer);
}

function streamBigResult(totalBytes: number, res: ServerResponse): void {
  res.writeHead(200, SSE_HEADERS);
  res.write(
    'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"',
  );
  let remaining = totalBytes;
  const writeMore = (): void => {
    while (remaining > 0) {
      const chunk = remaining >= CHUNK.length ? CHUNK : CHUNK.subarray(0, remaining);
      remaining -= chunk.length;
      if (!res.write(chunk)) return void res.once('drain', writeMore);
    }
    res.end('"}]}}\n\n');
  };
  writeMore();
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.authorization !== EXPECTED_AUTHORIZATION) {
    res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end();
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(200, SSE_HEADERS);
    res.end(FIRST_EVENT);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const bigBytes = new URL(req.url ?? '/', 'http://upstream').searchParams.get('bytes');
    if (bigBytes !== null) streamBigResult(Number(bigBytes), res);
    else answerToolCall(Buffer.concat(chunks), res);
  });
}

const server = createServer({ keepAliveTimeout: 60_000 }, handle);
server.listen(Number(PORT), '127.0.0.1', () => reportListening(server));
