import type { DemoGateway } from '../core/api/commands.js';
import { startIdp } from './idp.js';
import type { RunningIdp } from './idp.js';
import { startDemoMcpServer } from './mcp-server.js';
import type { RunningMcpServer } from './mcp-server.js';

export const DEMO_GATEWAY = 'demo';
export const DEMO_BROWSER_GATEWAY = 'demo-browser';

export interface DemoServers {
  readonly idp: RunningIdp;
  readonly mcp: RunningMcpServer;
  /** Signs in with client credentials: works with no browser at all. */
  machineGateway(): DemoGateway;
  /** Signs in through the browser with PKCE, like a real person would. */
  browserGateway(): DemoGateway;
  close(): Promise<void>;
}

/** An embedded IdP and a JWT-protected MCP server on loopback: a gateway to try Gatekey on. */
export async function startDemoServers(): Promise<DemoServers> {
  const idp = await startIdp({ profile: 'generic' });
  let mcp: RunningMcpServer;
  try {
    mcp = await startDemoMcpServer({ issuer: idp.issuer });
  } catch (error) {
    await idp.close();
    throw error;
  }
  return {
    idp,
    mcp,
    machineGateway: () => ({
      gateway: {
        name: DEMO_GATEWAY,
        url: mcp.url,
        auth: 'client_credentials',
        issuer: idp.issuer,
        clientId: idp.clients.confidentialBasic.clientId,
        tokenEndpointAuthMethod: 'client_secret_basic',
        scopes: ['mcp:tools'],
      },
      clientSecret: idp.clients.confidentialBasic.clientSecret,
    }),
    browserGateway: () => ({
      gateway: { name: DEMO_BROWSER_GATEWAY, url: mcp.url, auth: 'pkce' },
    }),
    async close() {
      await Promise.allSettled([mcp.close(), idp.close()]);
    },
  };
}
