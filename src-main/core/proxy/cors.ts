import type { LocalRequest, LocalResponse } from './local-http.js';

/** Response headers a browser client needs to read an MCP answer from another origin. */
export function corsHeaders(origin: string): string[] {
  return [
    'Access-Control-Allow-Origin',
    origin,
    'Access-Control-Expose-Headers',
    'Mcp-Session-Id, Mcp-Protocol-Version',
    'Vary',
    'Origin',
  ];
}

/** Answers a CORS preflight from an origin the guard has already allowed. */
export function answerPreflight(req: LocalRequest, res: LocalResponse, origin: string): void {
  res.writeHead(204, [
    ...corsHeaders(origin),
    'Access-Control-Allow-Methods',
    'GET, POST, DELETE',
    'Access-Control-Allow-Headers',
    req.headers['access-control-request-headers'] ?? '',
    'Access-Control-Max-Age',
    '600',
  ]);
  res.end();
}
