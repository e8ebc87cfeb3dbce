import type { ServerMetadata } from 'openid-client';
import { GatekeyError } from '../errors.js';
import type { Gateway } from '../gateways/schema.js';
import { parseBearerChallenge } from './challenge.js';
import { parseJsonObject, stringArray } from './json.js';
import type { HttpContext } from './transport.js';
import {
  assertTransportAllowed,
  describeNetworkFailure,
  IDP_UNREACHABLE_HINT,
  requestSignal,
  throwIfCancelled,
  usesPlainHttp,
} from './transport.js';
import type { AuthorizationServerInfo, BearerChallenge, DiscoveryResult } from './types.js';

type ProtectedResource = NonNullable<DiscoveryResult['protectedResource']>;

/** Authorization server metadata that passed the checks: it has a token endpoint. */
type CheckedMetadata = ServerMetadata & { token_endpoint: string };

/** What discovery found, with what openid-client needs beyond the public result. */
export interface Discovery {
  result: DiscoveryResult;
  /** The metadata document as published; openid-client uses fields Gatekey does not show. */
  metadata: CheckedMetadata;
  /** An endpoint is plain http (loopback, or allowed): openid-client must be told. */
  plainHttp: boolean;
}

interface Attempt {
  url: string;
  outcome: string;
  unreachable: boolean;
}

type Judgement<T> = { value: T } | { problem: string };
type Search<T> = { found: T } | { attempts: Attempt[] };

const OFFLINE_ACCESS = 'offline_access';

const PROBE_PROTOCOL_VERSION = '2025-11-25';

/** The unauthenticated MCP request whose 401 names the protected resource metadata. */
const INITIALIZE_REQUEST = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: PROBE_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'gatekey', version: '0.1.0' },
  },
});
const INITIALIZED_NOTIFICATION = JSON.stringify({
  jsonrpc: '2.0',
  method: 'notifications/initialized',
});
/** What an IDE asks next; its 401 names the scope the gateway's tools need. */
const TOOLS_LIST_REQUEST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

interface GatewayAnswer {
  status: number;
  challenge?: BearerChallenge;
  sessionId?: string;
}

export async function discover(
  gateway: Gateway,
  options: { signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<DiscoveryResult> {
  const discovery = await discoverServer(gateway, {
    fetch: options.fetch ?? fetch,
    signal: options.signal,
  });
  return discovery.result;
}

/**
 * MCP authorization (2025-11-25) discovery: the gateway's 401 → RFC 9728 protected resource
 * metadata → RFC 8414 / OpenID metadata of its first authorization server, with the 2025-03-26
 * fallback; or straight to a configured `issuer` / `discoveryUrl`.
 */
export async function discoverServer(gateway: Gateway, http: HttpContext): Promise<Discovery> {
  const run = new DiscoveryRun(gateway, http);
  const { challenge, protectedResource, metadata } = await run.locate();
  const endpoints = [
    metadata.issuer,
    metadata.authorization_endpoint,
    metadata.token_endpoint,
    metadata.registration_endpoint,
  ];
  for (const endpoint of endpoints) {
    if (endpoint) assertTransportAllowed(endpoint, gateway, 'identity provider');
  }
  const authorizationServer = describeServer(metadata);
  return {
    metadata,
    plainHttp: usesPlainHttp(endpoints),
    result: {
      gatewayUrl: gateway.url,
      challenge,
      protectedResource,
      authorizationServer,
      resource: selectResource(gateway, protectedResource),
      scopes: selectScopes(gateway, challenge, protectedResource, authorizationServer),
      supports: {
        pkceS256: authorizationServer.codeChallengeMethodsSupported?.includes('S256') ?? false,
        dynamicRegistration: authorizationServer.registrationEndpoint !== undefined,
        offlineAccess: authorizationServer.scopesSupported?.includes(OFFLINE_ACCESS) ?? false,
        clientCredentials:
          authorizationServer.grantTypesSupported?.includes('client_credentials') ?? false,
      },
      trail: run.trail,
    },
  };
}

interface Located {
  challenge?: BearerChallenge;
  protectedResource?: ProtectedResource;
  metadata: CheckedMetadata;
}

class DiscoveryRun {
  readonly trail: DiscoveryResult['trail'] = [];

  constructor(
    private readonly gateway: Gateway,
    private readonly http: HttpContext,
  ) {}

  async locate(): Promise<Located> {
    const { discoveryUrl, issuer } = this.gateway;
    if (discoveryUrl) return { metadata: await this.serverMetadata([discoveryUrl], issuer) };
    if (issuer) {
      return { metadata: await this.serverMetadata(serverMetadataLocations(issuer), issuer) };
    }
    return this.locateFromGateway();
  }

  private async locateFromGateway(): Promise<Located> {
    const { status, challenge } = await this.probeGateway();
    const protectedResource = await this.protectedResource(challenge);
    const issuer = protectedResource?.authorizationServers[0];
    if (issuer) {
      const metadata = await this.serverMetadata(serverMetadataLocations(issuer), issuer);
      return { challenge, protectedResource, metadata };
    }
    if (status === 401) return { challenge, metadata: await this.legacyServerMetadata() };
    throw new GatekeyError(
      'discovery_failed',
      `Expected the gateway ${this.gateway.url} to answer an unauthenticated request with 401 or to publish protected resource metadata; it answered ${status} and published none.`,
      `If the gateway needs no OAuth, use: gatekey edit ${this.gateway.name} --auth none. Otherwise name its identity provider: gatekey edit ${this.gateway.name} --issuer URL`,
    );
  }

  /**
   * Sends an unauthenticated MCP initialize and reads the challenge of the answer. A gateway
   * that lets initialize through and asks for a token only from the next request on (the MCP
   * SDK's examples do) is asked again, as an IDE would: initialized, then tools/list in the
   * session it opened, whose challenge names the scope to request.
   */
  private async probeGateway(): Promise<GatewayAnswer> {
    assertTransportAllowed(this.gateway.url, this.gateway, 'gateway');
    const initialize = await this.askGateway(INITIALIZE_REQUEST);
    if (initialize.status < 200 || initialize.status > 299) return initialize;
    const session: Record<string, string> = { 'mcp-protocol-version': PROBE_PROTOCOL_VERSION };
    if (initialize.sessionId) session['mcp-session-id'] = initialize.sessionId;
    await this.askGateway(INITIALIZED_NOTIFICATION, session, 'notifications/initialized');
    const toolsList = await this.askGateway(TOOLS_LIST_REQUEST, session, 'tools/list');
    return toolsList.status === 401 ? toolsList : initialize;
  }

  /** One unauthenticated JSON-RPC POST to the gateway; its answer goes to the trail. */
  private async askGateway(
    body: string,
    extraHeaders: Record<string, string> = {},
    followUp?: string,
  ): Promise<GatewayAnswer> {
    const { url } = this.gateway;
    let response: Response;
    try {
      response = await this.http.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...extraHeaders,
        },
        body,
        signal: requestSignal(this.http),
      });
    } catch (error) {
      throwIfCancelled(this.http);
      this.record({
        url,
        outcome: `unreachable: ${describeNetworkFailure(error)}`,
        unreachable: true,
      });
      throw new GatekeyError(
        'upstream_unreachable',
        `Could not reach the gateway at ${url}: ${describeNetworkFailure(error)}.`,
        'Check the gateway URL and your network (VPN, proxy), then try again.',
        { cause: error },
      );
    }
    await response.body?.cancel();
    const challenge = parseBearerChallenge(response.headers.get('www-authenticate'));
    const answer = describeGatewayAnswer(response.status, challenge);
    this.record({
      url,
      outcome: followUp ? `${followUp} after initialize: ${answer}` : answer,
      unreachable: false,
    });
    const sessionId = response.headers.get('mcp-session-id') ?? undefined;
    return { status: response.status, challenge, sessionId };
  }

  /** RFC 9728: the URL the challenge names, else the path-specific then the root well-known. */
  private async protectedResource(
    challenge?: BearerChallenge,
  ): Promise<ProtectedResource | undefined> {
    const advertised = challenge?.resourceMetadataUrl;
    const urls = advertised ? [advertised] : protectedResourceLocations(this.gateway.url);
    const search = await this.firstDocument(urls, (body, url) =>
      judgeProtectedResource(body, url, this.gateway.url),
    );
    if ('found' in search) return search.found;
    if (!advertised) return undefined;
    throw searchFailed(
      'the protected resource metadata the gateway advertises',
      search.attempts,
      `The gateway's resource_metadata cannot be used; name its identity provider instead: gatekey edit ${this.gateway.name} --issuer URL`,
    );
  }

  private async serverMetadata(urls: string[], expectedIssuer?: string): Promise<CheckedMetadata> {
    const search = await this.firstDocument(urls, (body) =>
      judgeServerMetadata(body, expectedIssuer),
    );
    if ('found' in search) return search.found;
    const expected = expectedIssuer ? ` whose "issuer" is ${expectedIssuer}` : '';
    throw searchFailed(
      `authorization server metadata${expected}`,
      search.attempts,
      `Check the issuer (gatekey edit ${this.gateway.name} --issuer URL); for Cognito it is https://cognito-idp.<region>.amazonaws.com/<user-pool-id>.`,
    );
  }

  /**
   * MCP 2025-03-26: without protected resource metadata the authorization server lives at the
   * gateway's origin, and without its metadata at the default endpoints. The document at the
   * gateway's own origin is authoritative there, so its `issuer` may name a path below it
   * (servers mount their OAuth routes under /oauth and say so).
   */
  private async legacyServerMetadata(): Promise<CheckedMetadata> {
    const { origin } = new URL(this.gateway.url);
    const search = await this.firstDocument(serverMetadataLocations(origin), (body) =>
      judgeServerMetadata(body, origin, { belowIssuer: true }),
    );
    if ('found' in search) return search.found;
    if (search.attempts.every((attempt) => attempt.unreachable)) {
      throw unreachableFailure('authorization server metadata', search.attempts);
    }
    this.record({
      url: origin,
      outcome:
        'no metadata: using the default endpoints /authorize, /token, /register (MCP 2025-03-26)',
      unreachable: false,
    });
    return {
      issuer: origin,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      registration_endpoint: `${origin}/register`,
    };
  }

  /** Fetches each URL in turn until `judge` accepts a document; every outcome goes to the trail. */
  private async firstDocument<T>(
    urls: string[],
    judge: (body: Record<string, unknown>, url: string) => Judgement<T>,
  ): Promise<Search<T>> {
    const attempts: Attempt[] = [];
    for (const url of urls) {
      assertTransportAllowed(url, this.gateway, 'metadata URL');
      const { attempt, found } = await this.judgeDocument(url, judge);
      this.record(attempt);
      if (found !== undefined) return { found };
      attempts.push(attempt);
    }
    return { attempts };
  }

  private async judgeDocument<T>(
    url: string,
    judge: (body: Record<string, unknown>, url: string) => Judgement<T>,
  ): Promise<{ attempt: Attempt; found?: T }> {
    const fetched = await this.fetchJson(url);
    if ('outcome' in fetched) return { attempt: { url, ...fetched } };
    const judgement = judge(fetched.body, url);
    const { status } = fetched;
    if ('problem' in judgement) {
      const outcome = `${status} JSON, but ${judgement.problem}`;
      return { attempt: { url, outcome, unreachable: false } };
    }
    const attempt = { url, outcome: `${status}: accepted`, unreachable: false };
    return { attempt, found: judgement.value };
  }

  private async fetchJson(
    url: string,
  ): Promise<
    { status: number; body: Record<string, unknown> } | { outcome: string; unreachable: boolean }
  > {
    let response: Response;
    try {
      response = await this.http.fetch(url, {
        headers: { accept: 'application/json' },
        signal: requestSignal(this.http),
      });
    } catch (error) {
      throwIfCancelled(this.http);
      return { outcome: `unreachable: ${describeNetworkFailure(error)}`, unreachable: true };
    }
    const { status } = response;
    if (!response.ok) {
      await response.body?.cancel();
      return { outcome: `${status} ${response.statusText}`.trim(), unreachable: false };
    }
    const body = parseJsonObject(await response.text());
    if (body) return { status, body };
    const type = response.headers.get('content-type')?.split(';')[0] || 'no content type';
    return { outcome: `${status} ${type}, not a JSON object`, unreachable: false };
  }

  private record(attempt: Attempt): void {
    this.trail.push({ url: attempt.url, outcome: attempt.outcome });
  }
}

function searchFailed(expected: string, attempts: Attempt[], hint: string): GatekeyError {
  if (attempts.every((attempt) => attempt.unreachable)) {
    return unreachableFailure(expected, attempts);
  }
  return new GatekeyError(
    'discovery_failed',
    `Expected ${expected}; got: ${describeAttempts(attempts)}.`,
    hint,
  );
}

function unreachableFailure(expected: string, attempts: Attempt[]): GatekeyError {
  return new GatekeyError(
    'idp_unreachable',
    `Could not reach the identity provider for ${expected}: ${describeAttempts(attempts)}.`,
    IDP_UNREACHABLE_HINT,
  );
}

function describeAttempts(attempts: Attempt[]): string {
  return attempts.map((attempt) => `${attempt.url} → ${attempt.outcome}`).join('; ');
}

function describeGatewayAnswer(status: number, challenge?: BearerChallenge): string {
  if (!challenge) return `${status}, no Bearer challenge`;
  const named = [
    challenge.resourceMetadataUrl && 'resource_metadata',
    challenge.scope && 'scope',
    challenge.error && `error=${challenge.error}`,
  ].filter(Boolean);
  return `${status}, Bearer challenge${named.length ? ` with ${named.join(', ')}` : ''}`;
}

function protectedResourceLocations(gatewayUrl: string): string[] {
  const { origin, pathname } = new URL(gatewayUrl);
  const root = `${origin}/.well-known/oauth-protected-resource`;
  const path = pathname.replace(/\/$/, '');
  return path ? [`${root}${path}`, root] : [root];
}

/** RFC 8414 and OpenID discovery locations, in the order MCP 2025-11-25 prescribes. */
export function serverMetadataLocations(issuer: string): string[] {
  const { origin, pathname } = new URL(issuer);
  const path = pathname.replace(/\/$/, '');
  if (!path) {
    return [
      `${origin}/.well-known/oauth-authorization-server`,
      `${origin}/.well-known/openid-configuration`,
    ];
  }
  return [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}/.well-known/openid-configuration${path}`,
    `${origin}${path}/.well-known/openid-configuration`,
  ];
}

function judgeProtectedResource(
  body: Record<string, unknown>,
  url: string,
  gatewayUrl: string,
): Judgement<ProtectedResource> {
  const { resource, authorization_servers: servers } = body;
  if (typeof resource !== 'string' || !URL.canParse(resource)) {
    return { problem: 'no "resource" URL' };
  }
  if (!coversUrl(resource, gatewayUrl)) {
    return { problem: `"resource" is ${resource}, which is not the gateway ${gatewayUrl}` };
  }
  const authorizationServers = stringArray(servers)?.filter((server) => URL.canParse(server));
  if (!authorizationServers?.length) return { problem: 'no "authorization_servers"' };
  return {
    value: {
      url,
      resource,
      authorizationServers,
      scopesSupported: stringArray(body.scopes_supported),
    },
  };
}

function judgeServerMetadata(
  body: Record<string, unknown>,
  expectedIssuer?: string,
  { belowIssuer = false } = {},
): Judgement<CheckedMetadata> {
  const { issuer } = body;
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) return { problem: 'no "issuer"' };
  const matches = (expected: string) =>
    sameUrl(issuer, expected) || (belowIssuer && coversUrl(expected, issuer));
  if (expectedIssuer && !matches(expectedIssuer)) {
    return { problem: `"issuer" is ${issuer}, expected ${expectedIssuer}` };
  }
  for (const field of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint']) {
    const endpoint = body[field];
    if (endpoint !== undefined && (typeof endpoint !== 'string' || !URL.canParse(endpoint))) {
      return { problem: `"${field}" is not a URL` };
    }
  }
  if (body.token_endpoint === undefined) return { problem: 'no "token_endpoint"' };
  return { value: body as CheckedMetadata };
}

/** A protected resource identifier covers the gateway URL when it is that URL or a parent of it. */
function coversUrl(resource: string, gatewayUrl: string): boolean {
  const parent = new URL(resource);
  const child = new URL(gatewayUrl);
  const parentPath = parent.pathname.replace(/\/?$/, '/');
  return (
    parent.origin === child.origin &&
    (child.pathname === parent.pathname || `${child.pathname}/`.startsWith(parentPath))
  );
}

function sameUrl(a: string, b: string): boolean {
  return new URL(a).href === new URL(b).href;
}

function describeServer(metadata: CheckedMetadata): AuthorizationServerInfo {
  return {
    issuer: metadata.issuer,
    authorizationEndpoint: metadata.authorization_endpoint,
    tokenEndpoint: metadata.token_endpoint,
    registrationEndpoint: metadata.registration_endpoint,
    jwksUri: metadata.jwks_uri,
    introspectionEndpoint: metadata.introspection_endpoint,
    revocationEndpoint: metadata.revocation_endpoint,
    scopesSupported: stringArray(metadata.scopes_supported),
    codeChallengeMethodsSupported: stringArray(metadata.code_challenge_methods_supported),
    tokenEndpointAuthMethodsSupported: stringArray(metadata.token_endpoint_auth_methods_supported),
    grantTypesSupported: stringArray(metadata.grant_types_supported),
    clientIdMetadataDocumentSupported: metadata.client_id_metadata_document_supported === true,
  };
}

/**
 * RFC 8707 resource: the configured one, else the metadata's, else the gateway URL; `false`
 * sends none. An Auth0-style `audience` names the API instead, so it drops the default.
 */
function selectResource(
  gateway: Gateway,
  protectedResource?: ProtectedResource,
): string | undefined {
  if (gateway.resource === false) return undefined;
  if (gateway.resource) return gateway.resource;
  if (gateway.audience) return undefined;
  return protectedResource?.resource ?? gateway.url;
}

/**
 * The challenge's scope, else the configured scopes, else what the resource supports; plus
 * `offline_access` where the server lists it (Okta and Auth0 issue refresh tokens only then).
 */
function selectScopes(
  gateway: Gateway,
  challenge: BearerChallenge | undefined,
  protectedResource: ProtectedResource | undefined,
  server: AuthorizationServerInfo,
): string[] {
  const scopes = challenge?.scope ?? gateway.scopes ?? protectedResource?.scopesSupported ?? [];
  const offline =
    server.scopesSupported?.includes(OFFLINE_ACCESS) && !scopes.includes(OFFLINE_ACCESS);
  return offline ? [...scopes, OFFLINE_ACCESS] : scopes;
}
