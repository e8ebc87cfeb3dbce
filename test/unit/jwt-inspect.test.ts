import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectToken } from '../../src-main/core/jwt/index.js';
import type { InspectionContext, InspectionReport } from '../../src-main/core/jwt/index.js';

const NOW = 1_900_000_000;
const ISSUER = 'https://idp.example.com/oauth2/default';
const RESOURCE = 'https://gateway.example.com/mcp';
const CLIENT = 'gatekey-client';

interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function signingKey(kid: string, alg = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return {
    kid,
    alg,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  };
}

/** A JWKS endpoint on loopback that counts its fetches; its keys can be rotated. */
async function startJwksServer(keys: SigningKey[]) {
  const state = { keys, fetches: 0 };
  const server = createServer((request, response) => {
    if (request.url !== '/jwks') return void response.writeHead(404).end();
    state.fetches++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: state.keys.map((key) => key.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    state,
    origin,
    uri: `${origin}/jwks`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function mint(claims: JWTPayload, key: SigningKey, header: Record<string, unknown> = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey);
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ids = (report: InspectionReport) => report.diagnostics.map((diagnostic) => diagnostic.id);
const find = (report: InspectionReport, id: string) => {
  const diagnostic = report.diagnostics.find((candidate) => candidate.id === id);
  if (!diagnostic) throw new Error(`no "${id}" diagnostic among ${ids(report).join(', ')}`);
  return diagnostic;
};

const accessClaims = (overrides: JWTPayload = {}): JWTPayload => ({
  iss: ISSUER,
  sub: 'alice',
  aud: RESOURCE,
  client_id: CLIENT,
  scope: 'mcp:read mcp:write',
  iat: NOW - 60,
  exp: NOW + 3600,
  ...overrides,
});

let key: SigningKey;
let jwks: Awaited<ReturnType<typeof startJwksServer>>;
let context: (overrides?: Partial<InspectionContext>) => InspectionContext;

beforeAll(async () => {
  key = await signingKey('key-1');
  jwks = await startJwksServer([key]);
  context = (overrides = {}) => ({
    tokenKind: 'access_token',
    issuer: ISSUER,
    jwksUri: jwks.uri,
    expectedAudience: RESOURCE,
    clientId: CLIENT,
    requestedScopes: ['openid', 'mcp:read'],
    algorithmsSupported: ['ES256', 'RS256'],
    now: NOW * 1000,
    ...overrides,
  });
});

afterAll(() => jwks.close());

describe('inspectToken on a good token', () => {
  it('verifies it and says, once, that it checks out', async () => {
    const report = await inspectToken(await mint(accessClaims(), key), context());
    expect(report.signature).toMatchObject({ status: 'valid', alg: 'ES256', kid: 'key-1' });
    expect(report.diagnostics).toHaveLength(1);
    expect(report.diagnostics[0]).toMatchObject({ id: 'ok', severity: 'ok' });
    expect(report.diagnostics[0]?.detail).toMatch(/signature verifies.*expires in 1 h/);
    expect(report.times.expiresAt).toEqual({
      epochSeconds: NOW + 3600,
      iso: new Date((NOW + 3600) * 1000).toISOString(),
      relative: 'expires in 1 h',
    });
    expect(report.times.issuedAt?.relative).toBe('issued 1 min ago');
    expect(report.scopes).toEqual({
      granted: ['mcp:read', 'mcp:write'],
      requested: ['openid', 'mcp:read'],
      missing: [],
      stepUpMissing: [],
    });
  });

  it('never says a token checks out when its signature was not verified', async () => {
    const token = await mint(accessClaims(), key);
    const gatewayWithoutKeys = await inspectToken(token, context({ jwksUri: undefined }));
    expect(gatewayWithoutKeys.signature.status).toBe('not-checked');
    expect(ids(gatewayWithoutKeys)).toEqual(['signature_not_checked']);
    expect(gatewayWithoutKeys.diagnostics[0]).toMatchObject({
      severity: 'warning',
      title: 'Signature not verified',
    });
    expect(gatewayWithoutKeys.diagnostics[0]?.detail).toContain(
      `Discovery of ${ISSUER} gave no "jwks_uri"`,
    );

    const noGateway = await inspectToken(token, { tokenKind: 'access_token', now: NOW * 1000 });
    expect(ids(noGateway)).toEqual(['signature_not_checked']);
    expect(noGateway.signature).toMatchObject({ status: 'not-checked', canFetchKeysFrom: ISSUER });
    expect(noGateway.signature.reason).toBe(
      `No configured gateway has the issuer "${ISSUER}", so the signature was not verified.`,
    );
    expect(noGateway.diagnostics[0]?.fix).toContain('gatekey inspect --fetch-keys --token -');
  });

  it('offers no key fetch from an iss that is plain http off loopback', async () => {
    const plain = await mint(accessClaims({ iss: 'http://idp.example.com' }), key);
    const report = await inspectToken(plain, { tokenKind: 'access_token', now: NOW * 1000 });
    expect(report.signature.canFetchKeysFrom).toBeUndefined();
    expect(report.diagnostics[0]?.fix).toContain('plain http is allowed only on loopback');
    const asked = await inspectToken(plain, {
      tokenKind: 'access_token',
      now: NOW * 1000,
      fetchIssuerKeys: true,
    });
    expect(ids(asked)).toEqual(['issuer_keys_refused']);
    expect(asked.diagnostics[0]?.detail).toContain("stopped at the token's iss");
  });
});

describe('inspectToken on times', () => {
  it('says when an expired token expired, and how long ago', async () => {
    const report = await inspectToken(await mint(accessClaims({ exp: NOW - 600 }), key), context());
    const expired = find(report, 'expired');
    expect(expired.severity).toBe('error');
    expect(expired.detail).toContain(`${new Date((NOW - 600) * 1000).toISOString()}, 10 min ago`);
    expect(expired.evidence).toMatchObject({ secondsAgo: 600 });
    expect(report.times.expiresAt?.relative).toBe('expired 10 min ago');
  });

  it('warns about a token that expired within the clock-skew allowance', async () => {
    const token = await mint(accessClaims({ exp: NOW - 30 }), key);
    expect(find(await inspectToken(token, context()), 'expired_within_skew').severity).toBe(
      'warning',
    );
    expect(ids(await inspectToken(token, context({ clockSkewSeconds: 10 })))).toContain('expired');
  });

  it('blames clock skew for a not-before in the future', async () => {
    const token = await mint(accessClaims({ nbf: NOW + 300 }), key);
    const notYetValid = find(await inspectToken(token, context()), 'not_yet_valid');
    expect(notYetValid.detail).toMatch(
      /5 min from now: the clocks .* are 300 s apart, more than the 60 s allowance/,
    );
    expect(notYetValid.evidence).toMatchObject({ secondsAhead: 300, clockSkewSeconds: 60 });
    expect(ids(await inspectToken(token, context({ clockSkewSeconds: 400 })))).toEqual(['ok']);
  });

  it('flags a token issued in the future', async () => {
    const report = await inspectToken(await mint(accessClaims({ iat: NOW + 120 }), key), context());
    expect(find(report, 'issued_in_future').severity).toBe('error');
    expect(report.times.issuedAt?.relative).toBe('issued 2 min in the future');
  });

  it('flags a time claim that is not a number, and a token without exp', async () => {
    const report = await inspectToken(
      await mint(accessClaims({ exp: undefined, nbf: 'soon' as never }), key),
      context(),
    );
    expect(ids(report)).toEqual(expect.arrayContaining(['invalid_time_claim', 'no_expiry']));
  });
});

describe('inspectToken on issuer, audience and client', () => {
  it('reports an issuer mismatch', async () => {
    const report = await inspectToken(
      await mint(accessClaims({ iss: 'https://other.example.com' }), key),
      context(),
    );
    expect(find(report, 'issuer_mismatch').evidence).toEqual({
      iss: 'https://other.example.com',
      expected: ISSUER,
    });
  });

  it('reports an audience that is not the gateway, and one that differs by a trailing slash', async () => {
    const wrong = await inspectToken(
      await mint(accessClaims({ aud: ['api://default'] }), key),
      context(),
    );
    expect(find(wrong, 'aud_mismatch').detail).toContain(`expects "${RESOURCE}"`);
    const slash = await inspectToken(
      await mint(accessClaims({ aud: `${RESOURCE}/` }), key),
      context(),
    );
    expect(find(slash, 'aud_trailing_slash').severity).toBe('warning');
  });

  it('advises --resource only when Gatekey sent none, and says so when the IdP ignored it', async () => {
    const okta = await mint(accessClaims({ aud: 'api://default' }), key);
    const noneSent = find(await inspectToken(okta, context()), 'aud_mismatch');
    expect(noneSent.severity).toBe('error');
    expect(noneSent.fix).toContain(`gatekey edit NAME --resource "${RESOURCE}"`);

    const resource = { parameter: 'resource', value: RESOURCE } as const;
    const ignored = await inspectToken(okta, context({ requestedAudience: resource }));
    expect(ids(ignored)).toEqual(['resource_ignored']);
    const advice = find(ignored, 'resource_ignored');
    expect(advice).toMatchObject({
      severity: 'warning',
      title: 'The IdP ignored the resource indicator',
      evidence: { aud: ['api://default'], expected: RESOURCE },
    });
    expect(advice.detail).toBe(
      `Gatekey asked for this token with resource "${RESOURCE}" (RFC 8707), but the IdP issued it for "api://default": the IdP ignores the resource parameter, or does not know this resource. A gateway that requires "${RESOURCE}" as audience refuses the token.`,
    );
    expect(advice.fix).toMatch(
      /^If the gateway accepts "api:\/\/default" as audience, nothing is wrong\./,
    );
    expect(advice.fix).toContain('the change is at the IdP, not in Gatekey');
    expect(advice.fix).not.toContain('--resource');

    const hostile = await inspectToken(
      await mint(accessClaims({ aud: 'api://x\u001b]0;pwned\u0007\u001b[2J' }), key),
      context({ requestedAudience: resource }),
    );
    expect(find(hostile, 'resource_ignored').detail).toContain('issued it for "api://x"');

    const honoured = await inspectToken(
      await mint(accessClaims(), key),
      context({ requestedAudience: resource }),
    );
    expect(ids(honoured)).toEqual(['ok']);

    const noAud = await inspectToken(
      await mint(accessClaims({ aud: undefined }), key),
      context({ requestedAudience: resource }),
    );
    expect(find(noAud, 'resource_ignored').detail).toContain('but the token has no "aud"');

    const audience = await inspectToken(
      okta,
      context({ requestedAudience: { parameter: 'audience', value: RESOURCE } }),
    );
    expect(find(audience, 'aud_mismatch').detail).toBe(
      `Gatekey asked for audience "${RESOURCE}", but the token is for "api://default", and the gateway expects "${RESOURCE}".`,
    );
    expect(find(audience, 'aud_mismatch').fix).not.toContain('--resource');
  });

  it('reports a token without aud when the gateway expects one', async () => {
    const report = await inspectToken(await mint(accessClaims({ aud: undefined }), key), context());
    expect(find(report, 'no_audience')).toMatchObject({
      severity: 'error',
      evidence: { expected: RESOURCE },
    });
  });

  it('reports a token issued to another client', async () => {
    const report = await inspectToken(
      await mint(accessClaims({ client_id: 'someone-else' }), key),
      context(),
    );
    expect(find(report, 'client_mismatch').evidence).toMatchObject({
      claim: 'client_id',
      client: 'someone-else',
    });
  });

  it('explains a Cognito access token: no aud, the client in client_id', async () => {
    const cognitoIssuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
    const claims = {
      iss: cognitoIssuer,
      token_use: 'access',
      client_id: CLIENT,
      scope: 'mcp/read',
      exp: NOW + 60,
    };
    const token = await mint(claims, key);
    const strict = await inspectToken(
      token,
      context({ issuer: cognitoIssuer, requestedScopes: ['mcp/read'] }),
    );
    expect(ids(strict)).toEqual(['no_audience']);
    expect(strict.diagnostics[0]?.detail).toContain(
      'Cognito access tokens carry no "aud"; they carry the client in `client_id` ("gatekey-client"), so the gateway must check allowedClients, not allowedAudience.',
    );
    const lenient = await inspectToken(
      token,
      context({
        issuer: cognitoIssuer,
        expectedAudience: undefined,
        requestedScopes: ['mcp/read'],
      }),
    );
    expect(lenient.diagnostics.map((diagnostic) => [diagnostic.id, diagnostic.severity])).toEqual([
      ['ok', 'ok'],
      ['no_audience', 'info'],
    ]);
  });

  it('explains an Okta access token: client in cid, scopes in an scp array', async () => {
    const claims = {
      iss: ISSUER,
      aud: 'api://default',
      cid: CLIENT,
      uid: '00u1',
      scp: ['mcp:read', 'openid'],
      exp: NOW + 60,
    };
    const report = await inspectToken(
      await mint(claims, key),
      context({ expectedAudience: 'api://default' }),
    );
    expect(ids(report)).toEqual(['ok', 'client_in_cid']);
    expect(report.scopes.granted).toEqual(['mcp:read', 'openid']);
    expect(find(report, 'client_in_cid').detail).toMatch(/Okta names the client in `cid`/);
  });

  it('explains an Auth0 access token: client in azp, issuer with a trailing slash', async () => {
    const auth0Issuer = 'https://tenant.eu.auth0.com/';
    const claims = {
      iss: auth0Issuer,
      sub: `${CLIENT}@clients`,
      aud: RESOURCE,
      azp: CLIENT,
      gty: 'client-credentials',
      scope: 'mcp:read',
      iat: NOW,
      exp: NOW + 86_400,
    };
    const token = await mint(claims, key);
    const exact = await inspectToken(token, context({ issuer: auth0Issuer }));
    expect(ids(exact)).toEqual(['ok', 'client_in_azp']);
    expect(exact.times.expiresAt?.relative).toBe('expires in 1 d');
    const withoutSlash = await inspectToken(
      token,
      context({ issuer: 'https://tenant.eu.auth0.com' }),
    );
    expect(ids(withoutSlash)).toEqual(['issuer_trailing_slash', 'client_in_azp']);
  });
});

describe('inspectToken on the kind of token', () => {
  it('recognises an ID token sent where an access token is expected', async () => {
    const claims = {
      iss: ISSUER,
      sub: 'alice',
      aud: CLIENT,
      nonce: 'n-1',
      at_hash: 'x',
      exp: NOW + 60,
    };
    const report = await inspectToken(await mint(claims, key), context());
    const wrongKind = find(report, 'id_token_as_access_token');
    expect(wrongKind.evidence?.signals).toEqual(['it carries a nonce', 'it carries at_hash']);
    expect(wrongKind.fix).toContain('--send access_token');
    expect(
      ids(await inspectToken(await mint(claims, key), context({ tokenKind: 'id_token' }))),
    ).toEqual(['ok']);
  });

  it("recognises Cognito's token_use, and an access token sent as an ID token", async () => {
    const idToken = await mint({ ...accessClaims(), token_use: 'id' }, key);
    expect(ids(await inspectToken(idToken, context()))).toContain('id_token_as_access_token');
    const accessToken = await mint(accessClaims(), key, { typ: 'at+jwt' });
    const report = await inspectToken(accessToken, context({ tokenKind: 'id_token' }));
    expect(find(report, 'access_token_as_id_token').evidence?.signals).toEqual([
      'typ is "at+jwt" (RFC 9068)',
      'it carries scopes',
    ]);
    expect(ids(report)).toContain('aud_mismatch');
  });
});

describe('inspectToken on scopes', () => {
  it('reports step-up scopes and requested scopes that were not granted, but not identity scopes', async () => {
    const token = await mint(accessClaims({ scope: 'mcp:read' }), key);
    const report = await inspectToken(
      token,
      context({
        requestedScopes: ['openid', 'offline_access', 'mcp:read', 'mcp:admin', 'mcp:write'],
        stepUpScopes: ['mcp:admin'],
      }),
    );
    expect(report.scopes).toMatchObject({
      missing: ['mcp:admin', 'mcp:write'],
      stepUpMissing: ['mcp:admin'],
    });
    expect(find(report, 'step_up_scope_missing').severity).toBe('error');
    expect(find(report, 'scope_missing').evidence?.missing).toEqual(['mcp:write']);
  });
});

describe('inspectToken on signatures', () => {
  it('never accepts alg none', async () => {
    const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(accessClaims())}.`;
    const report = await inspectToken(token, context({ algorithmsSupported: undefined }));
    expect(report.signature).toMatchObject({ status: 'unsigned', alg: 'none' });
    expect(ids(report)).toEqual(['alg_none']);
  });

  it('refuses an alg the issuer does not advertise', async () => {
    const rsaKey = await signingKey('rsa-1', 'RS256');
    const report = await inspectToken(
      await mint(accessClaims(), rsaKey),
      context({ algorithmsSupported: ['ES256'] }),
    );
    expect(report.signature.status).toBe('invalid');
    expect(find(report, 'alg_not_advertised').evidence).toMatchObject({
      alg: 'RS256',
      advertised: ['ES256'],
    });
    const hmac = await new SignJWT(accessClaims())
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new Uint8Array(32));
    expect(find(await inspectToken(hmac, context()), 'alg_not_advertised').fix).toMatch(
      /shared secret/,
    );
  });

  it('reports a signature made by another key under a published kid', async () => {
    const impostor = { ...(await signingKey('key-1')), publicJwk: key.publicJwk };
    const report = await inspectToken(await mint(accessClaims(), impostor), context());
    expect(report.signature.status).toBe('invalid');
    expect(find(report, 'signature_invalid').evidence).toMatchObject({
      kid: 'key-1',
      jwksUri: jwks.uri,
    });
  });

  it('reports a kid that is not in the JWKS, after exactly one refetch', async () => {
    const stranger = await signingKey('unknown-kid');
    await inspectToken(await mint(accessClaims(), key), context());
    const fetchesBefore = jwks.state.fetches;
    const report = await inspectToken(await mint(accessClaims(), stranger), context());
    expect(jwks.state.fetches).toBe(fetchesBefore + 1);
    expect(find(report, 'kid_not_in_jwks').evidence).toMatchObject({
      kid: 'unknown-kid',
      jwksUri: jwks.uri,
    });
  });

  it('says which JWKS URL it could not reach', async () => {
    const closed = await startJwksServer([]);
    await closed.close();
    const report = await inspectToken(
      await mint(accessClaims(), key),
      context({ jwksUri: closed.uri }),
    );
    expect(report.signature.status).toBe('not-checked');
    const unreachable = find(report, 'jwks_unreachable');
    expect(unreachable.detail).toContain(closed.uri);
    expect(unreachable.evidence?.problem).toMatch(/ECONNREFUSED/);
    const notFound = await inspectToken(
      await mint(accessClaims(), key),
      context({ jwksUri: `${jwks.origin}/missing` }),
    );
    expect(find(notFound, 'jwks_unreachable').evidence?.problem).toMatch(/Expected 200 OK/);
  });

  it('picks up a rotated key with one refetch, then serves from the cache', async () => {
    const oldKey = await signingKey('old');
    const newKey = await signingKey('new');
    const rotating = await startJwksServer([oldKey]);
    try {
      const inspect = async (signer: SigningKey) =>
        (await inspectToken(await mint(accessClaims(), signer), context({ jwksUri: rotating.uri })))
          .signature.status;
      expect(await inspect(oldKey)).toBe('valid');
      expect(await inspect(oldKey)).toBe('valid');
      expect(rotating.state.fetches).toBe(1);
      rotating.state.keys = [newKey];
      expect(await inspect(newKey)).toBe('valid');
      expect(rotating.state.fetches).toBe(2);
      expect(await inspect(newKey)).toBe('valid');
      expect(rotating.state.fetches).toBe(2);
    } finally {
      await rotating.close();
    }
  });

  it('tries each candidate key when the token has no kid', async () => {
    const first = await signingKey('a');
    const second = await signingKey('b');
    const server = await startJwksServer([first, second]);
    try {
      const token = await new SignJWT(accessClaims())
        .setProtectedHeader({ alg: 'ES256' })
        .sign(second.privateKey);
      expect((await inspectToken(token, context({ jwksUri: server.uri }))).signature.status).toBe(
        'valid',
      );
    } finally {
      await server.close();
    }
  });
});

describe('inspectToken on opaque tokens', () => {
  const opaque = 'a1B2c3D4e5F6g7H8i9J0';

  it('says plainly that the token is opaque', async () => {
    const report = await inspectToken(opaque, context());
    expect(report).toMatchObject({ format: 'opaque', signature: { status: 'not-checked' } });
    expect(ids(report)).toEqual(['opaque_token']);
    expect(find(report, 'opaque_token').fix).toMatch(/Auth0.*audience/);
  });

  it('reports what introspection says', async () => {
    const seen: string[] = [];
    const introspect = async (token: string) => {
      seen.push(token);
      return { active: true, scope: 'mcp:read', client_id: CLIENT, exp: NOW + 120 };
    };
    const active = await inspectToken(opaque, context({ introspect }));
    expect(seen).toEqual([opaque]);
    expect(ids(active)).toEqual(['opaque_token', 'introspection_active']);
    expect(active.times.expiresAt?.relative).toBe('expires in 2 min');
    expect(active.scopes.granted).toEqual(['mcp:read']);

    const inactive = await inspectToken(
      opaque,
      context({ introspect: async () => ({ active: false }) }),
    );
    expect(ids(inactive)).toEqual(['token_inactive', 'opaque_token']);
    const failing = await inspectToken(
      opaque,
      context({
        introspect: () => Promise.reject(new Error('HTTP 401 from the introspection endpoint')),
      }),
    );
    expect(find(failing, 'introspection_failed').detail).toContain('HTTP 401');
  });

  it('calls a token that only looks like a JWT not readable, an error, and says why', async () => {
    const report = await inspectToken(`${encode({ alg: 'RS256' })}.%%%.sig`, context());
    expect(find(report, 'not_a_jwt')).toMatchObject({ severity: 'error' });
    expect(find(report, 'not_a_jwt').detail).toMatch(/payload \(segment 2\) is not base64url/);
    const cutOff = await inspectToken(`${encode({ alg: 'RS256' })}.eyJzdWIiOiJ4In0`, context());
    expect(find(cutOff, 'not_a_jwt')).toMatchObject({ severity: 'error' });
  });

  it('calls an encrypted JWT (JWE) unreadable here, but not broken', async () => {
    const report = await inspectToken('eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d', context());
    expect(find(report, 'not_a_jwt')).toMatchObject({ severity: 'warning' });
    expect(find(report, 'not_a_jwt').fix).toMatch(/encrypted JWT \(JWE\)/);
  });
});
