import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthSession, discover } from '../../src-main/core/oauth/index.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { createDemoMcpServer } from '../../src-main/demo/mcp-tools.js';
import {
  gatewayOf,
  headlessSignIn,
  MemorySecretStore,
  startLoopbackServer,
} from './oauth-fixtures.js';
import { rejection } from '../support/gatekey-rejection.js';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'test', version: '1' },
  },
};

describe('discovery', () => {
  let generic: RunningIdp;
  let cognito: RunningIdp;
  let okta: RunningIdp;
  let mcp: RunningMcpServer;

  beforeAll(async () => {
    [generic, cognito, okta] = await Promise.all([
      startIdp({ profile: 'generic' }),
      startIdp({ profile: 'cognito' }),
      startIdp({ profile: 'okta' }),
    ]);
    mcp = await startDemoMcpServer({ issuer: generic.issuer });
  });
  afterAll(async () => {
    await mcp?.close();
    await Promise.all([generic, cognito, okta].map((idp) => idp?.close()));
  });

  describe('from the gateway (MCP 2025-11-25)', () => {
    it('follows the 401 to RFC 9728 and RFC 8414 metadata and picks scope and resource', async () => {
      const result = await discover(gatewayOf({ url: mcp.url }));

      const metadataUrl = mcp.url.replace('/mcp', '/.well-known/oauth-protected-resource/mcp');
      expect(result.challenge).toEqual({
        resourceMetadataUrl: metadataUrl,
        scope: ['mcp:read', 'mcp:tools'],
      });
      expect(result.protectedResource).toMatchObject({
        url: metadataUrl,
        resource: mcp.url,
        authorizationServers: [generic.issuer],
      });
      expect(result.authorizationServer).toMatchObject({
        issuer: generic.issuer,
        registrationEndpoint: `${generic.issuer}/reg`,
      });
      expect(result.scopes).toEqual(['mcp:read', 'mcp:tools', 'offline_access']);
      expect(result.resource).toBe(mcp.url);
      expect(result.supports).toEqual({
        pkceS256: true,
        dynamicRegistration: true,
        offlineAccess: true,
        clientCredentials: true,
      });
      expect(result.trail).toEqual([
        { url: mcp.url, outcome: '401, Bearer challenge with resource_metadata, scope' },
        { url: metadataUrl, outcome: '200: accepted' },
        {
          url: `${generic.issuer}/.well-known/oauth-authorization-server`,
          outcome: '200: accepted',
        },
      ]);
    });

    it('leads, from nothing but the gateway URL, to a token the gateway accepts', async () => {
      const session = createOAuthSession(gatewayOf({ url: mcp.url }), new MemorySecretStore());
      const tokens = await session.signInWithBrowser(headlessSignIn().options);

      const response = await fetch(mcp.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.accessToken}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify(INITIALIZE),
      });
      await response.body?.cancel();
      expect(response.status).toBe(200);
    });

    it('falls back to the configured scopes, then to scopes_supported, when the challenge names none', async () => {
      const quiet = await startDemoMcpServer({ issuer: generic.issuer, scopesSupported: [] });
      try {
        const configured = await discover(gatewayOf({ url: quiet.url, scopes: ['mcp:read'] }));
        const unconfigured = await discover(gatewayOf({ url: quiet.url }));

        expect(configured.challenge?.scope).toBeUndefined();
        expect(configured.scopes).toEqual(['mcp:read', 'offline_access']);
        expect(unconfigured.scopes).toEqual(['offline_access']);
      } finally {
        await quiet.close();
      }
    });

    it('asks tools/list in the session when the gateway lets initialize through, and takes its scope', async () => {
      const gateway = await startOpenInitializeGateway(generic.issuer);
      try {
        const result = await discover(gatewayOf({ url: gateway.url }));

        expect(result.challenge?.scope).toEqual(['mcp:tools']);
        expect(result.scopes).toContain('mcp:tools');
        expect(result.scopes).not.toContain('mcp:read');
        expect(result.authorizationServer.issuer).toBe(generic.issuer);
        expect(result.trail.slice(0, 3).map((entry) => entry.outcome)).toEqual([
          '200, no Bearer challenge',
          'notifications/initialized after initialize: 202, no Bearer challenge',
          'tools/list after initialize: 401, Bearer challenge with resource_metadata, scope',
        ]);
        expect(gateway.seen).toEqual([
          { method: 'initialize', session: undefined },
          { method: 'notifications/initialized', session: gateway.sessionId() },
          { method: 'tools/list', session: gateway.sessionId() },
        ]);
      } finally {
        await gateway.close();
      }
    });

    it('falls back to MCP 2025-03-26 default endpoints at the origin without any metadata', async () => {
      const legacy = await startLoopbackServer((req, res) => {
        if (req.method === 'POST')
          res.writeHead(401, { 'www-authenticate': 'Bearer realm="legacy"' }).end();
        else res.writeHead(404).end();
      });
      try {
        const result = await discover(gatewayOf({ url: `${legacy.origin}/mcp` }));

        expect(result.authorizationServer).toMatchObject({
          issuer: legacy.origin,
          authorizationEndpoint: `${legacy.origin}/authorize`,
          tokenEndpoint: `${legacy.origin}/token`,
          registrationEndpoint: `${legacy.origin}/register`,
        });
        expect(result.trail.map((entry) => entry.outcome)).toEqual([
          '401, Bearer challenge',
          '404 Not Found',
          '404 Not Found',
          '404 Not Found',
          '404 Not Found',
          'no metadata: using the default endpoints /authorize, /token, /register (MCP 2025-03-26)',
        ]);
      } finally {
        await legacy.close();
      }
    });
  });

  it('MCP 2025-03-26: takes metadata at the origin whose issuer names a path below it', async () => {
    let origin = '';
    const legacy = await startLoopbackServer((req, res) => {
      if (req.method === 'POST' && req.url === '/mcp')
        res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      else if (req.url === '/.well-known/oauth-authorization-server')
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            issuer: `${origin}/oauth`,
            authorization_endpoint: `${origin}/oauth/authorize`,
            token_endpoint: `${origin}/oauth/token`,
            registration_endpoint: `${origin}/oauth/register`,
          }),
        );
      else res.writeHead(404).end();
    });
    origin = legacy.origin;
    try {
      const result = await discover(gatewayOf({ url: `${origin}/mcp` }));
      expect(result.protectedResource).toBeUndefined();
      expect(result.authorizationServer).toMatchObject({
        issuer: `${origin}/oauth`,
        registrationEndpoint: `${origin}/oauth/register`,
      });
      const elsewhere = await startLoopbackServer((req, res) =>
        req.method === 'POST'
          ? res.writeHead(401, { 'www-authenticate': 'Bearer' }).end()
          : res.writeHead(200, { 'content-type': 'application/json' }).end(
              JSON.stringify({
                issuer: 'https://other.example.com',
                token_endpoint: 'https://other.example.com/t',
              }),
            ),
      );
      try {
        const foreign = await discover(gatewayOf({ url: `${elsewhere.origin}/mcp` }));
        expect(foreign.authorizationServer.tokenEndpoint).toBe(`${elsewhere.origin}/token`);
        expect(foreign.trail.map((entry) => entry.outcome)).toContain(
          `200 JSON, but "issuer" is https://other.example.com, expected ${elsewhere.origin}`,
        );
      } finally {
        await elsewhere.close();
      }
    } finally {
      await legacy.close();
    }
  });

  describe('from a configured issuer', () => {
    it('cognito: finds path-appended OpenID metadata after the RFC 8414 insertions', async () => {
      const result = await discover(
        gatewayOf({ url: 'https://gateway.example.com/mcp', issuer: cognito.issuer }),
      );

      const { origin, pathname } = new URL(cognito.issuer);
      expect(result.trail).toEqual([
        {
          url: `${origin}/.well-known/oauth-authorization-server${pathname}`,
          outcome: '404 Not Found',
        },
        { url: `${origin}/.well-known/openid-configuration${pathname}`, outcome: '404 Not Found' },
        { url: `${cognito.issuer}/.well-known/openid-configuration`, outcome: '200: accepted' },
      ]);
      expect(result.challenge).toBeUndefined();
      expect(result.scopes).toEqual([]);
      expect(result.supports).toMatchObject({ dynamicRegistration: false, offlineAccess: false });
    });

    it('okta: a path issuer with its own endpoint layout', async () => {
      const result = await discover(
        gatewayOf({
          url: 'https://gateway.example.com/mcp',
          issuer: okta.issuer,
          scopes: ['openid'],
        }),
      );

      expect(result.authorizationServer).toMatchObject({
        issuer: okta.issuer,
        tokenEndpoint: `${okta.issuer}/v1/token`,
        registrationEndpoint: `${okta.issuer}/v1/clients`,
      });
      expect(result.scopes).toEqual(['openid', 'offline_access']);
    });

    it('goes straight to a configured discovery URL', async () => {
      const discoveryUrl = `${cognito.issuer}/.well-known/openid-configuration`;
      const result = await discover(
        gatewayOf({ url: 'https://gateway.example.com/mcp', discoveryUrl }),
      );

      expect(result.trail).toEqual([{ url: discoveryUrl, outcome: '200: accepted' }]);
      expect(result.authorizationServer.issuer).toBe(cognito.issuer);
    });

    it('sends the configured resource, or none when switched off', async () => {
      const base = { url: 'https://gateway.example.com/mcp', issuer: okta.issuer };
      expect((await discover(gatewayOf(base))).resource).toBe(base.url);
      expect(
        (await discover(gatewayOf({ ...base, resource: 'https://api.example.com' }))).resource,
      ).toBe('https://api.example.com');
      expect((await discover(gatewayOf({ ...base, resource: false }))).resource).toBeUndefined();
    });
  });

  describe('failures say what was expected, what arrived, and where', () => {
    it('a metadata issuer that does not match → discovery_failed', async () => {
      const wrongIssuer = generic.issuer.replace('127.0.0.1', 'localhost');
      const error = await rejection(discover(gatewayOf({ url: mcp.url, issuer: wrongIssuer })));

      expect(error.code).toBe('discovery_failed');
      expect(error.message).toContain(`"issuer" is ${generic.issuer}, expected ${wrongIssuer}`);
      expect(error.message).toContain(`${wrongIssuer}/.well-known/oauth-authorization-server`);
      expect(error.hint).toContain('--issuer');
    });

    it('404 everywhere → discovery_failed listing every URL tried', async () => {
      const issuer = `${okta.issuer}-missing`;
      const error = await rejection(discover(gatewayOf({ url: mcp.url, issuer })));

      expect(error.code).toBe('discovery_failed');
      expect(error.message.match(/404 Not Found/g)).toHaveLength(3);
    });

    it('HTML instead of JSON → discovery_failed naming the content type', async () => {
      const catchAll = await startLoopbackServer((_req, res) =>
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end('<!doctype html><p>Welcome'),
      );
      try {
        const error = await rejection(
          discover(gatewayOf({ url: mcp.url, issuer: catchAll.origin })),
        );

        expect(error.code).toBe('discovery_failed');
        expect(error.message).toContain(
          `${catchAll.origin}/.well-known/openid-configuration → 200 text/html, not a JSON object`,
        );
      } finally {
        await catchAll.close();
      }
    });

    it('an IdP that is down → idp_unreachable', async () => {
      await okta.stop();
      try {
        const error = await rejection(discover(gatewayOf({ url: mcp.url, issuer: okta.issuer })));

        expect(error.code).toBe('idp_unreachable');
        expect(error.message).toContain('ECONNREFUSED');
        expect(error.message).toContain(`${okta.issuer}/.well-known/openid-configuration`);
      } finally {
        await okta.start();
      }
    });

    it('a gateway that is down → upstream_unreachable', async () => {
      const gone = await startLoopbackServer((_req, res) => res.end());
      await gone.close();
      const error = await rejection(discover(gatewayOf({ url: `${gone.origin}/mcp` })));

      expect(error.code).toBe('upstream_unreachable');
      expect(error.message).toContain(`${gone.origin}/mcp`);
    });

    it('plain http off loopback is refused before any request, unless allowed', async () => {
      const url = 'http://gateway.example.com/mcp';
      const error = await rejection(discover(gatewayOf({ url })));

      expect(error.code).toBe('discovery_failed');
      expect(error.message).toContain(`Expected an https URL for the gateway, got ${url}`);
      expect(error.hint).toContain('gatekey edit work --allow-http');
    });
  });
});

/**
 * A gateway built on the MCP SDK that, like the SDK's examples, serves initialize and
 * notifications without a token and asks for one (scope mcp:tools) from the first request on.
 * Its protected resource metadata lists only mcp:read, so the scope shows where it came from.
 */
async function startOpenInitializeGateway(issuer: string) {
  const seen: { method: string; session?: string }[] = [];
  let transport: StreamableHTTPServerTransport | undefined;
  let origin = '';
  const server = await startLoopbackServer((req, res) => void answer(req, res));
  origin = server.origin;

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url === '/.well-known/oauth-protected-resource/mcp') {
      const metadata = {
        resource: `${origin}/mcp`,
        authorization_servers: [issuer],
        scopes_supported: ['mcp:read'],
      };
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(metadata));
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { method: string };
    const session = req.headers['mcp-session-id'];
    seen.push({ method: body.method, session: typeof session === 'string' ? session : undefined });
    const open = body.method === 'initialize' || body.method.startsWith('notifications/');
    if (!open && !req.headers.authorization) {
      const challenge = `Bearer scope="mcp:tools", resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`;
      return void res.writeHead(401, { 'www-authenticate': challenge }).end();
    }
    if (body.method === 'initialize') {
      transport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID });
      await createDemoMcpServer().connect(transport);
    }
    await transport?.handleRequest(req, res, body);
  }

  return {
    url: `${origin}/mcp`,
    seen,
    sessionId: () => transport?.sessionId,
    close: async () => {
      await transport?.close();
      await server.close();
    },
  };
}
