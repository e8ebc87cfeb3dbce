import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { RENDERER_HEADERS } from './renderer-policy.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Serves the built renderer; unknown paths get index.html so hash and path routes both work. */
export function serveDashboard(
  uiDir: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (!uiDir || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found. The MCP proxy answers at /mcp/<gateway>.');
    return;
  }
  const requested = requestedPath(req.url ?? '/');
  if (requested === undefined) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Bad request path.');
    return;
  }
  const root = path.resolve(uiDir);
  const candidate = path.resolve(root, `.${requested}`);
  const file = candidate.startsWith(root + path.sep) ? candidate : path.join(root, 'index.html');
  void sendFile(file, path.join(root, 'index.html'), req, res);
}

/** The decoded path of a request target, or undefined when it is not a valid one. */
function requestedPath(target: string): string | undefined {
  if (!target.startsWith('/') || !URL.canParse(target, 'http://localhost')) return undefined;
  try {
    return decodeURIComponent(new URL(target, 'http://localhost').pathname);
  } catch {
    return undefined;
  }
}

async function sendFile(
  file: string,
  fallback: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const target = (await isFile(file)) ? file : fallback;
  if (!(await isFile(target))) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The dashboard is not built. Run: npm run build');
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(target)] ?? 'application/octet-stream',
    ...RENDERER_HEADERS,
    'cache-control': target === fallback ? 'no-store' : 'public, max-age=300',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(target).pipe(res);
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
}
