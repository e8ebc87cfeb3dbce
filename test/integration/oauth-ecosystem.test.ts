import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_METADATA_URL } from '../../src-main/core/gateways/schema.js';
import { createOAuthSession } from '../../src-main/core/oauth/index.js';
import type { GatewayInput } from '../../src-main/core/gateways/schema.js';
import { rejection } from '../support/gatekey-rejection.js';
import {
  GATEWAY_URL,
  gatewayOf,
  headlessSignIn,
  MemorySecretStore,
  startLoopbackServer,
} from './oauth-fixtures.js';

/**
 * An authorization server shaped like the ones in the field that oidc-provider never is: the
 * registration answer, the client authentication it expects and the grants it takes are set
 * per test, and every request it saw is kept for the assertions.
 */
interface ServerShape {
  registration?: { status: number; body: Record<string, unknown> };
  metadata?: Record<string, unknown>;
  /** Token endpoint answer for a grant type; default: an access token. */
  token?: (form: URLSearchParams) => { status: number; body: Record<string, unknown> };
}

interface Seen {
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  authorization?: string;
}

let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeServer?.();
  closeServer = undefined;
});

async function startServer(shape: ServerShape) {
  const seen: Seen[] = [];
  let origin = '';
  const server = await startLoopbackServer(async (request, response) => {
    const url = new URL(request.url ?? '/', origin);
    const form = new URLSearchParams(await readBody(request));
    seen.push({
      path: url.pathname,
      query: url.searchParams,
      form,
      authorization: request.headers.authorization,
    });
    route(shape, origin, url, form, response);
  });
  origin = server.origin;
  closeServer = server.close;
  return { origin, seen, requests: (path: string) => seen.filter((entry) => entry.path === path) };
}

function route(
  shape: ServerShape,
  origin: string,
  url: URL,
  form: URLSearchParams,
  response: ServerResponse,
): void {
  switch (url.pathname) {
    case '/.well-known/oauth-authorization-server':
      return json(response, 200, {
        issuer: origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        registration_endpoint: `${origin}/register`,
        code_challenge_methods_supported: ['S256'],
        ...shape.metadata,
      });
    case '/register': {
      const answer = shape.registration ?? { status: 201, body: { client_id: 'registered' } };
      return json(response, answer.status, answer.body);
    }
    case '/authorize': {
      const callback = new URL(url.searchParams.get('redirect_uri') ?? '');
      callback.searchParams.set('code', 'the-code');
      callback.searchParams.set('state', url.searchParams.get('state') ?? '');
      response.writeHead(302, { location: callback.href }).end();
      return;
    }
    case '/token': {
      const answer = shape.token?.(form) ?? {
        status: 200,
        body: { access_token: 'the-access-token', token_type: 'Bearer', expires_in: 3600 },
      };
      return json(response, answer.status, answer.body);
    }
    default:
      json(response, 404, { error: 'not_found' });
  }
}

function json(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return body;
}

function basicCredentials(header: string | undefined): string {
  expect(header).toMatch(/^Basic /);
  return Buffer.from(String(header).slice('Basic '.length), 'base64').toString();
}

async function signIn(origin: string, input: Partial<GatewayInput> = {}) {
  const secrets = new MemorySecretStore();
  const session = createOAuthSession(
    gatewayOf({ url: GATEWAY_URL, issuer: origin, ...input }),
    secrets,
  );
  const { options } = headlessSignIn();
  const tokens = await session.signInWithBrowser(options);
  return { tokens, secrets };
}

describe('dynamic client registration answers as servers in the field give them', () => {
  it('accepts 201 with a client_secret but no client_secret_expires_at, and uses the secret', async () => {
    const server = await startServer({
      registration: {
        status: 201,
        body: { client_id: 'dcr-client', client_secret: 'dcr-secret', redirect_uris: [] },
      },
    });
    const { tokens, secrets } = await signIn(server.origin);
    expect(tokens.accessToken).toBe('the-access-token');
    expect((await secrets.read('work'))?.registration).toMatchObject({
      clientId: 'dcr-client',
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    const [token] = server.requests('/token');
    expect(basicCredentials(token?.authorization)).toBe('dcr-client:dcr-secret');
  });

  it('accepts 200 instead of 201', async () => {
    const server = await startServer({
      registration: { status: 200, body: { client_id: 'ok-client' } },
    });
    await signIn(server.origin);
    expect(server.requests('/authorize')[0]?.query.get('client_id')).toBe('ok-client');
  });

  it('refuses an answer without client_id, naming the step, the answer and the fix', async () => {
    const server = await startServer({
      registration: { status: 201, body: { client_name: 'Gatekey' } },
    });
    const error = await rejection(signIn(server.origin));
    expect(error.message).toContain(`Dynamic client registration at ${server.origin}/register`);
    expect(error.message).toContain('201 without a "client_id"');
    expect(error.hint).toMatch(
      /gatekey edit work --client-id ID --redirect-uri http:\/\/127\.0\.0\.1:\d+\/callback$/,
    );
  });

  it("quotes the server's OAuth error when it refuses", async () => {
    const server = await startServer({
      registration: {
        status: 400,
        body: { error: 'invalid_redirect_uri', error_description: 'loopback not allowed' },
      },
    });
    const error = await rejection(signIn(server.origin));
    expect(error.message).toContain(
      'the server answered 400 invalid_redirect_uri (loopback not allowed)',
    );
  });
});

describe('client_secret_basic', () => {
  it('sends a client id with "-" the way servers compare it, and still protects ":"', async () => {
    const server = await startServer({});
    const secrets = new MemorySecretStore();
    await secrets.write('work', { clientSecret: 'a:b-c' });
    const session = createOAuthSession(
      gatewayOf({
        url: GATEWAY_URL,
        issuer: server.origin,
        clientId: 'pre-registered-client',
        tokenEndpointAuthMethod: 'client_secret_basic',
      }),
      secrets,
    );
    await session.signInWithBrowser(headlessSignIn().options);
    const [token] = server.requests('/token');
    expect(basicCredentials(token?.authorization)).toBe('pre-registered-client:a%3Ab-c');
  });
});

describe('Client ID Metadata Documents (MCP 2025-11-25)', () => {
  const cimd = { metadata: { client_id_metadata_document_supported: true } };

  it("uses Gatekey's default client ID URL instead of registering", async () => {
    const server = await startServer(cimd);
    await signIn(server.origin);
    expect(server.requests('/register')).toEqual([]);
    expect(server.requests('/authorize')[0]?.query.get('client_id')).toBe(
      DEFAULT_CLIENT_METADATA_URL,
    );
    expect(server.requests('/token')[0]?.form.get('client_id')).toBe(DEFAULT_CLIENT_METADATA_URL);
  });

  it('uses the configured URL', async () => {
    const server = await startServer(cimd);
    await signIn(server.origin, { clientMetadataUrl: 'https://example.com/gatekey.json' });
    expect(server.requests('/authorize')[0]?.query.get('client_id')).toBe(
      'https://example.com/gatekey.json',
    );
  });

  it('registers when switched off, and when the server does not support it', async () => {
    const off = await startServer(cimd);
    await signIn(off.origin, { clientMetadataUrl: false });
    expect(off.requests('/register')).toHaveLength(1);
    await closeServer?.();
    const unsupported = await startServer({});
    await signIn(unsupported.origin);
    expect(unsupported.requests('/register')).toHaveLength(1);
  });

  it('a pre-registered client wins over the metadata document', async () => {
    const server = await startServer(cimd);
    await signIn(server.origin, { clientId: 'by-hand' });
    expect(server.requests('/authorize')[0]?.query.get('client_id')).toBe('by-hand');
  });
});

describe('cross-app access (SEP-990)', () => {
  const ID_JAG = 'the-id-jag';
  const EXPIRED_ID_TOKEN = 'an-expired-id-token';

  /** One server plays both parts: /idp/token is the enterprise IdP, /token the gateway's AS. */
  function crossAppServer() {
    return startServer({
      metadata: { grant_types_supported: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] },
      token: (form) => {
        if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:token-exchange') {
          if (form.get('subject_token') === EXPIRED_ID_TOKEN) {
            return {
              status: 400,
              body: { error: 'invalid_grant', error_description: 'subject token expired' },
            };
          }
          return {
            status: 200,
            body: {
              access_token: ID_JAG,
              issued_token_type: 'urn:ietf:params:oauth:token-type:id-jag',
              token_type: 'N_A',
            },
          };
        }
        if (form.get('assertion') !== ID_JAG) {
          return { status: 400, body: { error: 'invalid_grant', error_description: 'bad ID-JAG' } };
        }
        return { status: 200, body: { access_token: 'xaa-token', token_type: 'Bearer' } };
      },
    });
  }

  async function crossAppSession(origin: string, idToken?: string) {
    const secrets = new MemorySecretStore();
    await secrets.write('work', { clientSecret: 'xaa-secret', idToken });
    return createOAuthSession(
      gatewayOf({
        url: GATEWAY_URL,
        issuer: origin,
        auth: 'cross_app',
        clientId: 'xaa-client',
        idpTokenEndpoint: `${origin}/token`,
        idpClientId: 'idp-client',
        scopes: ['mcp:tools'],
      }),
      secrets,
    );
  }

  it('trades the ID token for an ID-JAG at the IdP, then for an access token at the AS', async () => {
    const server = await crossAppServer();
    const session = await crossAppSession(server.origin, 'the-id-token');
    const tokens = await session.crossAppAccess();
    expect(tokens.accessToken).toBe('xaa-token');

    const [exchange, bearer] = server.requests('/token');
    expect(Object.fromEntries(exchange?.form ?? [])).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      requested_token_type: 'urn:ietf:params:oauth:token-type:id-jag',
      audience: server.origin,
      resource: GATEWAY_URL,
      scope: 'mcp:tools',
      subject_token: 'the-id-token',
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      client_id: 'idp-client',
    });
    expect(exchange?.authorization).toBeUndefined();
    expect(Object.fromEntries(bearer?.form ?? [])).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: ID_JAG,
      scope: 'mcp:tools',
      resource: GATEWAY_URL,
    });
    expect(basicCredentials(bearer?.authorization)).toBe('xaa-client:xaa-secret');
    expect(server.requests('/authorize')).toEqual([]);
  });

  it('without a stored ID token, says how to store one', async () => {
    const server = await crossAppServer();
    const session = await crossAppSession(server.origin);
    const error = await rejection(session.crossAppAccess());
    expect(error.message).toContain('no ID token from the enterprise IdP is stored');
    expect(error.hint).toBe(
      'Store the ID token your enterprise IdP issued: gatekey edit work --id-token-file FILE',
    );
    expect(server.requests('/token')).toEqual([]);
  });

  it('when the enterprise IdP refuses the ID token, says to store a fresh one, not to sign in', async () => {
    const server = await crossAppServer();
    const session = await crossAppSession(server.origin, EXPIRED_ID_TOKEN);
    const error = await rejection(session.crossAppAccess());
    expect(error.code).toBe('invalid_grant');
    expect(error.message).toBe(
      `The token request to ${server.origin}/token was refused: HTTP 400, invalid_grant (subject token expired).`,
    );
    expect(error.hint).toBe(
      'The enterprise IdP no longer takes the stored ID token (expired or revoked). Store a fresh one: gatekey edit work --id-token-file FILE',
    );
    expect(server.requests('/token')).toHaveLength(1);
  });
});
