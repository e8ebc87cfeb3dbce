import type { ClientTarget } from '../../src-main/core/clients/index.js';

/** The gateway `acme-gw` as the client-config tests configure it, started by `stdioCommand`. */
export function acmeGatewayTarget(stdioCommand: ClientTarget['stdioCommand']): ClientTarget {
  return {
    name: 'acme-gw',
    localUrl: 'http://127.0.0.1:7421/mcp/acme-gw',
    stdioCommand,
    home: '/home/ada/profiles/work',
  };
}
