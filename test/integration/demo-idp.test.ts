import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, importPKCS8, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startIdp,
  type IdpClient,
  type IdpProfile,
  type RunningIdp,
} from '../../src-main/demo/idp.js';
import { completeBrowserLogin, HEADLESS_BROWSER_COMMAND } from '../support/headless-browser.js';

/** A client's loopback redirect listener: remembers the callback URL the browser brought. */
interface CallbackListener {
  port: number;
  lastCallback(): URL;
  close(): Promise<void>;
}

async function startCallbackListener(): Promise<CallbackListener> {
  let last: URL | undefined;
  const server: Server = createServer((req, res) => {
    last = new URL(req.url ?? '/', 'http://127.0.0.1');
    const failed = last.searchParams.has('error');
    res.writeHead(failed ? 400 : 200, { 'content-type': 'text/plain' });
    res.end(
      failed
        ? `Sign-in failed: ${last.searchParams.get('error')}`
        : 'Signed in. You can close this window.',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    lastCallback: () => {
      if (!last) throw new Error('the callback was never called');
      return last;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function clientAuth(client: IdpClient): Promise<oidc.ClientAuth> {
  switch (client.tokenEndpointAuthMethod) {
    case 'none':
      return oidc.None();
    case 'client_secret_basic':
      return oidc.ClientSecretBasic(client.clientSecret);
    case 'client_secret_post':
      return oidc.ClientSecretPost(client.clientSecret);
    case 'private_key_jwt':
      return oidc.PrivateKeyJwt(await importPKCS8(client.privateKeyPem ?? '', 'RS256'));
  }
}

async function discover(idp: RunningIdp, client: IdpClient): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(idp.issuer), client.clientId, undefined, await clientAuth(client), {
    execute: [oidc.allowInsecureRequests],
  });
}

async function verifiedClaims(
  config: oidc.Configuration,
  accessToken: string,
): Promise<JWTPayload> {
  const { jwks_uri: jwksUri = '', issuer } = config.serverMetadata();
  const { payload } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(jwksUri)), {
    issuer,
  });
  return payload;
}

interface SignIn {
  config: oidc.Configuration;
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
}

/** What each profile's client asks for in a browser sign-in. */
function signInParameters(idp: RunningIdp, offline: boolean): Record<string, string> {
  const offlineScope = offline ? ' offline_access' : '';
  switch (idp.profile) {
    case 'generic':
      return {
        scope: `openid${offlineScope} mcp:read`,
        resource: 'http://127.0.0.1:9/mcp',
        prompt: 'consent',
      };
    case 'cognito':
      return { scope: 'openid email gateway/read' };
    case 'okta':
      return { scope: `openid${offlineScope} mcp:read` };
    case 'auth0':
      return { scope: `openid${offlineScope} mcp:read`, audience: idp.apiAudience };
  }
}

async function signIn(
  idp: RunningIdp,
  callback: CallbackListener,
  offline = true,
): Promise<SignIn> {
  const config = await discover(idp, idp.clients.publicPkce);
  const host = idp.profile === 'cognito' ? 'localhost' : '127.0.0.1';
  const redirectUri = `http://${host}:${callback.port}/callback`;
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const parameters = signInParameters(idp, offline);
  const url = oidc.buildAuthorizationUrl(config, {
    ...parameters,
    redirect_uri: redirectUri,
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const result = await completeBrowserLogin(url.href);
  expect(result).toEqual({
    callbackStatus: 200,
    callbackBody: 'Signed in. You can close this window.',
  });
  const tokens = await oidc.authorizationCodeGrant(
    config,
    new URL(callback.lastCallback().search, redirectUri),
    { pkceCodeVerifier: verifier, expectedState: state },
    parameters.resource ? { resource: parameters.resource } : undefined,
  );
  return { config, tokens };
}

const PROFILES: IdpProfile[] = ['generic', 'cognito', 'okta', 'auth0'];

describe.each(PROFILES)('demo IdP, %s profile', (profile) => {
  let idp: RunningIdp;
  let callback: CallbackListener;

  beforeAll(async () => {
    callback = await startCallbackListener();
    idp = await startIdp({
      profile,
      exactRedirectUri: `http://localhost:${callback.port}/callback`,
    });
  });

  afterAll(async () => {
    await idp?.close();
    await callback?.close();
  });

  it('publishes discovery metadata where the real IdP does', async () => {
    const base = idp.issuer.replace(/\/$/, '');
    const response = await fetch(`${base}/.well-known/openid-configuration`);
    const metadata = (await response.json()) as Record<string, unknown> & {
      scopes_supported: string[];
    };
    expect(metadata).toMatchObject({
      issuer: idp.issuer,
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    });
    for (const endpoint of [
      'authorization_endpoint',
      'token_endpoint',
      'jwks_uri',
      'introspection_endpoint',
      'revocation_endpoint',
    ]) {
      expect(metadata[endpoint]).toMatch(new RegExp(`^${base}/`));
    }
    const expected = EXPECTED_METADATA[profile];
    expect(metadata.scopes_supported.includes('offline_access')).toBe(expected.offlineAccess);
    expect(metadata.registration_endpoint !== undefined).toBe(expected.registration);
    const rfc8414 = await fetch(`${base}/.well-known/oauth-authorization-server`);
    expect(rfc8414.status).toBe(expected.rfc8414 ? 200 : 404);
    if (expected.rfc8414) expect(await rfc8414.json()).toMatchObject({ issuer: idp.issuer });
  });

  it('issues client credentials tokens with the claims of the real IdP', async () => {
    const config = await discover(idp, idp.clients.confidentialBasic);
    const scope = profile === 'cognito' ? 'gateway/read' : 'mcp:read';
    const audience: Record<string, string> =
      profile === 'auth0' ? { audience: idp.apiAudience } : {};
    const { access_token: accessToken } = await oidc.clientCredentialsGrant(config, {
      scope,
      ...audience,
    });
    const claims = await verifiedClaims(config, accessToken);
    EXPECTED_CLIENT_CREDENTIALS_CLAIMS[profile](claims, idp);
  });

  it('signs a person in with PKCE through the real login and consent pages', async () => {
    const { config, tokens } = await signIn(idp, callback);
    const claims = await verifiedClaims(config, tokens.access_token);
    expect(claims.sub).toBe(idp.user.username);
    expect(tokens.claims()).toMatchObject({
      sub: idp.user.username,
      aud: idp.clients.publicPkce.clientId,
    });
    if (profile === 'generic') expect(claims.aud).toBe('http://127.0.0.1:9/mcp');
    if (profile === 'cognito') expect(tokens.claims()).toMatchObject({ token_use: 'id' });
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('rotates refresh tokens, counts token requests, and revokes them all on demand', async () => {
    const { config, tokens } = await signIn(idp, callback);
    idp.resetCounters();
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect(idp.tokenRequests('refresh_token')).toBe(2);
    expect(idp.tokenRequests()).toBe(2);

    const second = await signIn(idp, callback);
    await idp.revokeRefreshTokens();
    await expect(
      oidc.refreshTokenGrant(config, second.tokens.refresh_token ?? ''),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect(idp.tokenRequests('authorization_code')).toBe(1);
  });

  it('keeps refresh tokens valid across stop() and start() on the same port', async () => {
    const { config, tokens } = await signIn(idp, callback);
    const port = idp.port;
    await idp.stop();
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? '')).rejects.toThrow();
    await idp.start();
    expect(idp.port).toBe(port);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(refreshed.access_token).toBeTruthy();
  });
});

const EXPECTED_METADATA: Record<
  IdpProfile,
  { offlineAccess: boolean; registration: boolean; rfc8414: boolean }
> = {
  generic: { offlineAccess: true, registration: true, rfc8414: true },
  cognito: { offlineAccess: false, registration: false, rfc8414: false },
  okta: { offlineAccess: true, registration: true, rfc8414: true },
  auth0: { offlineAccess: true, registration: false, rfc8414: false },
};

const EXPECTED_CLIENT_CREDENTIALS_CLAIMS: Record<
  IdpProfile,
  (claims: JWTPayload, idp: RunningIdp) => void
> = {
  generic: (claims, idp) => {
    expect(claims).toMatchObject({
      aud: idp.apiAudience,
      client_id: 'gatekey-basic',
      scope: 'mcp:read',
    });
  },
  cognito: (claims) => {
    expect(claims).toMatchObject({
      client_id: 'gatekey-basic',
      token_use: 'access',
      scope: 'gateway/read',
    });
    expect(claims).not.toHaveProperty('aud');
  },
  okta: (claims) => {
    expect(claims).toMatchObject({ aud: 'api://default', cid: 'gatekey-basic', scp: ['mcp:read'] });
    expect(claims).not.toHaveProperty('scope');
  },
  auth0: (claims, idp) => {
    expect(claims).toMatchObject({
      aud: idp.apiAudience,
      azp: 'gatekey-basic',
      sub: 'gatekey-basic@clients',
      scope: 'mcp:read',
    });
  },
};

describe('demo IdP details', () => {
  let callback: CallbackListener;
  beforeAll(async () => {
    callback = await startCallbackListener();
  });
  afterAll(() => callback?.close());

  it('authenticates confidential clients by basic, post and private_key_jwt', async () => {
    const idp = await startIdp();
    try {
      const { confidentialBasic, confidentialPost, privateKeyJwt } = idp.clients;
      for (const client of [confidentialBasic, confidentialPost, privateKeyJwt]) {
        const config = await discover(idp, client);
        const { access_token: accessToken } = await oidc.clientCredentialsGrant(config, {
          scope: 'mcp:tools',
        });
        expect(decodeJwt(accessToken)).toMatchObject({
          client_id: client.clientId,
          scope: 'mcp:tools',
        });
      }
      expect(idp.tokenRequests('client_credentials')).toBe(3);
    } finally {
      await idp.close();
    }
  });

  it('issues auth0 JWTs only for a named audience, opaque tokens otherwise', async () => {
    const idp = await startIdp({ profile: 'auth0' });
    try {
      const config = await discover(idp, idp.clients.confidentialPost);
      const opaque = await oidc.clientCredentialsGrant(config, { scope: 'mcp:read' });
      expect(opaque.access_token.split('.')).toHaveLength(1);
      await expect(
        oidc.clientCredentialsGrant(config, { audience: 'https://unknown.example' }),
      ).rejects.toMatchObject({ error: 'invalid_target' });
    } finally {
      await idp.close();
    }
  });

  it('gives refresh tokens only for offline_access (generic) and short-lived access tokens', async () => {
    const idp = await startIdp({ accessTokenTtlSeconds: 3 });
    try {
      const { tokens } = await signIn(idp, callback, false);
      expect(tokens.refresh_token).toBeUndefined();
      expect(tokens.expires_in).toBe(3);
    } finally {
      await idp.close();
    }
  });

  it('keeps the refresh token when rotation is off', async () => {
    const idp = await startIdp({ profile: 'okta', rotateRefreshTokens: false });
    try {
      const { config, tokens } = await signIn(idp, callback);
      const first = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
      expect(first.refresh_token).toBe(tokens.refresh_token);
      const second = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
      expect(second.access_token).not.toBe(first.access_token);
    } finally {
      await idp.close();
    }
  });

  it('lets the person deny consent, and reports a wrong password or redirect URI', async () => {
    const idp = await startIdp({
      profile: 'cognito',
      exactRedirectUri: 'http://localhost:8080/callback',
    });
    try {
      const config = await discover(idp, idp.clients.publicPkce);
      const authorizationUrl = (redirectUri: string): string =>
        oidc.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: 'openid',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        }).href;
      await expect(
        completeBrowserLogin(authorizationUrl('http://localhost:8081/callback')),
      ).rejects.toThrow(/redirect_uri did not match/);
      await expect(
        completeBrowserLogin(authorizationUrl('http://localhost:8080/callback'), {
          password: 'wrong',
        }),
      ).rejects.toThrow(/Sign-in failed: .*Incorrect username or password/);
    } finally {
      await idp.close();
    }

    const generic = await startIdp();
    try {
      const config = await discover(generic, generic.clients.publicPkce);
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: `http://127.0.0.1:${callback.port}/callback`,
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      const denied = await completeBrowserLogin(url.href, { approve: false });
      expect(denied).toEqual({
        callbackStatus: 400,
        callbackBody: 'Sign-in failed: access_denied',
      });
    } finally {
      await generic.close();
    }
  });

  it('signs in as a $BROWSER command line, with HEADLESS_BROWSER_* choices', async () => {
    const idp = await startIdp();
    try {
      const config = await discover(idp, idp.clients.publicPkce);
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: `http://127.0.0.1:${callback.port}/callback`,
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      const [command = '', ...args] = HEADLESS_BROWSER_COMMAND.split(' ');
      const run = (env: Record<string, string>): Promise<number> =>
        new Promise((resolve) => {
          execFile(command, [...args, url.href], { env: { ...process.env, ...env } }, (error) =>
            resolve(typeof error?.code === 'number' ? error.code : 0),
          );
        });
      expect(await run({})).toBe(0);
      expect(callback.lastCallback().searchParams.has('code')).toBe(true);
      expect(await run({ HEADLESS_BROWSER_APPROVE: 'false' })).toBe(1);
      expect(callback.lastCallback().searchParams.get('error')).toBe('access_denied');
    } finally {
      await idp.close();
    }
  });
});
