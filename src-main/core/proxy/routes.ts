export const PROXY_PATH_PREFIX = '/mcp/';

/** Discovery documents a client fetches to start OAuth; the proxy has none, by design. */
const AUTH_METADATA_PATH =
  /\/\.well-known\/(?:oauth-protected-resource|oauth-authorization-server|openid-configuration)(?:[/?]|$)/;

export type ProxyRoute =
  | { kind: 'gateway'; gateway: string; rest: string; query: string }
  | { kind: 'auth-metadata' }
  | { kind: 'no-gateway' };

/** Whether the proxy handler answers this request target (the rest is the server's business). */
export function isProxyPath(url: string): boolean {
  return (
    url.startsWith(PROXY_PATH_PREFIX) ||
    url === '/mcp' ||
    (url.startsWith('/.well-known/') && AUTH_METADATA_PATH.test(url))
  );
}

/** `/mcp/<gateway>[/<rest>][?<query>]`, split. */
export function routeProxyPath(url: string): ProxyRoute {
  if (AUTH_METADATA_PATH.test(url)) return { kind: 'auth-metadata' };
  if (!url.startsWith(PROXY_PATH_PREFIX)) return { kind: 'no-gateway' };
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = queryStart === -1 ? '' : url.slice(queryStart);
  const nameEnd = path.indexOf('/', PROXY_PATH_PREFIX.length);
  const gateway = path.slice(PROXY_PATH_PREFIX.length, nameEnd === -1 ? undefined : nameEnd);
  if (gateway === '') return { kind: 'no-gateway' };
  return { kind: 'gateway', gateway, rest: nameEnd === -1 ? '' : path.slice(nameEnd), query };
}
