import { isLoopbackHostname } from '../oauth/transport.js';

/** Names that reach a listener on 127.0.0.1 without being loopback names. */
const ALSO_REACH_LOOPBACK = new Set(['0.0.0.0', '[::]', '[::ffff:7f00:1]']);

/**
 * Whether `url` leads to Gatekey's own listener on loopback `port`: a gateway there would send
 * each request back to the proxy, which would forward it again.
 */
export function leadsToOwnPort(url: string, port: number): boolean {
  const { protocol, hostname, port: urlPort } = new URL(url);
  const effectivePort = Number(urlPort) || (protocol === 'https:' ? 443 : 80);
  if (effectivePort !== port) return false;
  return isLoopbackHostname(hostname) || ALSO_REACH_LOOPBACK.has(hostname);
}
