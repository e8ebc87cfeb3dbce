import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInspection, inspectToken } from '../../src-main/core/jwt/index.js';
import type { InspectionContext, InspectionReport } from '../../src-main/core/jwt/index.js';
import { startIdp } from '../../src-main/demo/idp.js';
import type { IdpProfile, RunningIdp } from '../../src-main/demo/idp.js';

const GATEWAY_RESOURCE = 'https://gateway.example.com/mcp';

interface Metadata {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  introspection_endpoint: string;
  id_token_signing_alg_values_supported: string[];
}

/** A real IdP of one profile, its metadata, and client-credentials requests against it. */
async function connect(profile: IdpProfile) {
  const idp = await startIdp({ profile });
  const discoveryBase = idp.issuer.endsWith('/') ? idp.issuer : `${idp.issuer}/`;
  const discovery = await fetch(new URL('.well-known/openid-configuration', discoveryBase));
  const metadata = (await discovery.json()) as Metadata;
  const client = idp.clients.confidentialBasic;
  const authorization = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;

  const post = async (url: string, form: Record<string, string>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (!response.ok)
      throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body.error)}`);
    return body;
  };
  const clientCredentialsToken = async (params: Record<string, string>) =>
    String(
      (await post(metadata.token_endpoint, { grant_type: 'client_credentials', ...params }))
        .access_token,
    );
  const context = (overrides: Partial<InspectionContext> = {}): InspectionContext => ({
    tokenKind: 'access_token',
    issuer: metadata.issuer,
    jwksUri: metadata.jwks_uri,
    clientId: client.clientId,
    algorithmsSupported: metadata.id_token_signing_alg_values_supported,
    introspect: (token) => post(metadata.introspection_endpoint, { token }),
    ...overrides,
  });
  return { idp, metadata, clientId: client.clientId, clientCredentialsToken, context };
}

type Connection = Awaited<ReturnType<typeof connect>>;

const PROFILES = ['cognito', 'okta', 'auth0'] as const;
const connections = new Map<IdpProfile, Connection>();
const connection = (profile: IdpProfile) => connections.get(profile) as Connection;
const ids = (report: InspectionReport) => report.diagnostics.map((diagnostic) => diagnostic.id);

beforeAll(async () => {
  for (const profile of PROFILES) connections.set(profile, await connect(profile));
});
afterAll(async () => {
  await Promise.all([...connections.values()].map(({ idp }) => idp.close()));
});

/** What each IdP needs for a JWT access token: Cognito's own scopes, Auth0's `audience`. */
const MACHINE_TOKEN_REQUESTS: Record<
  (typeof PROFILES)[number],
  (idp: RunningIdp) => Record<string, string>
> = {
  cognito: () => ({ scope: 'gateway/read' }),
  okta: () => ({ scope: 'mcp:read' }),
  auth0: (idp) => ({ scope: 'mcp:read', audience: idp.apiAudience }),
};

describe.each(PROFILES)('inspecting a %s-like client-credentials token', (profile) => {
  it('verifies its signature against the real JWKS and reads its expiry', async () => {
    const { idp, clientCredentialsToken, context } = connection(profile);
    const token = await clientCredentialsToken(MACHINE_TOKEN_REQUESTS[profile](idp));
    const report = await inspectToken(
      token,
      context({ requestedScopes: [...idp.apiScopes.slice(0, 1)] }),
    );
    expect(report.format).toBe('jwt');
    expect(report.signature).toMatchObject({ status: 'valid', alg: 'RS256' });
    expect(report.times.expiresAt?.relative).toMatch(/^expires in (59 min|1 h)$/);
    expect(report.scopes.missing).toEqual([]);
    expect(report.diagnostics[0]?.id).toBe('ok');
    expect(formatInspection(report)).not.toContain(token);

    const later = await inspectToken(token, context({ now: Date.now() + 2 * 3600_000 }));
    expect(ids(later)).toContain('expired');
  });
});

describe('profile-specific diagnostics of real tokens', () => {
  it('cognito: no aud, so the gateway must check allowedClients', async () => {
    const { clientCredentialsToken, context, clientId } = connection('cognito');
    const token = await clientCredentialsToken({ scope: 'gateway/read' });
    const strict = await inspectToken(token, context({ expectedAudience: GATEWAY_RESOURCE }));
    expect(strict.claims).toMatchObject({
      token_use: 'access',
      client_id: clientId,
      scope: 'gateway/read',
    });
    expect(strict.claims).not.toHaveProperty('aud');
    expect(ids(strict)).toEqual(['no_audience']);
    expect(strict.diagnostics[0]?.detail).toContain(
      'the gateway must check allowedClients, not allowedAudience',
    );

    const lenient = await inspectToken(token, context());
    expect(ids(lenient)).toEqual(['ok', 'no_audience']);
  });

  it('okta: the client in cid, scopes in an scp array, aud api://default', async () => {
    const { idp, clientCredentialsToken, context, clientId } = connection('okta');
    const token = await clientCredentialsToken({ scope: 'mcp:read mcp:tools' });
    const report = await inspectToken(
      token,
      context({ expectedAudience: idp.apiAudience, requestedScopes: ['mcp:read'] }),
    );
    expect(report.claims).toMatchObject({ cid: clientId, aud: 'api://default' });
    expect(report.scopes.granted).toEqual(['mcp:read', 'mcp:tools']);
    expect(ids(report)).toEqual(['ok', 'client_in_cid']);

    const wrongAudience = await inspectToken(
      token,
      context({ expectedAudience: GATEWAY_RESOURCE }),
    );
    expect(ids(wrongAudience)).toContain('aud_mismatch');
  });

  it('auth0 with audience: a JWT with azp and an issuer ending in "/"', async () => {
    const { idp, metadata, clientCredentialsToken, context, clientId } = connection('auth0');
    const token = await clientCredentialsToken({ audience: idp.apiAudience, scope: 'mcp:read' });
    const report = await inspectToken(token, context({ expectedAudience: idp.apiAudience }));
    expect(metadata.issuer.endsWith('/')).toBe(true);
    expect(report.claims).toMatchObject({
      azp: clientId,
      sub: `${clientId}@clients`,
      gty: 'client-credentials',
    });
    expect(ids(report)).toEqual(['ok', 'client_in_azp']);

    const slashless = await inspectToken(
      token,
      context({ issuer: metadata.issuer.replace(/\/$/, '') }),
    );
    expect(ids(slashless)).toContain('issuer_trailing_slash');
  });

  it('auth0 without audience: an opaque token, explained through introspection', async () => {
    const { clientCredentialsToken, context, clientId } = connection('auth0');
    const token = await clientCredentialsToken({ scope: 'mcp:read' });
    const report = await inspectToken(token, context({ requestedScopes: ['mcp:read'] }));
    expect(report.format).toBe('opaque');
    // Without an audience, Auth0 grants none of the API's scopes either.
    expect(ids(report)).toEqual(['opaque_token', 'scope_missing', 'introspection_active']);
    expect(report.scopes.missing).toEqual(['mcp:read']);
    expect(report.introspection).toMatchObject({ active: true, client_id: clientId });
    expect(report.times.expiresAt?.relative).toMatch(/^expires in/);

    const withoutIntrospection = await inspectToken(token, context({ introspect: undefined }));
    expect(ids(withoutIntrospection)).toEqual(['opaque_token']);
    expect(withoutIntrospection.diagnostics[0]?.fix).toContain(
      'set `audience` to the API identifier',
    );
  });
});
