import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthSession } from '../../src-main/core/oauth/index.js';
import { startIdp, type IdpProfile, type RunningIdp } from '../../src-main/demo/idp.js';
import {
  GATEWAY_URL,
  gatewayOf,
  headlessSignIn,
  authorizationUrlOf,
  MemorySecretStore,
  redirectUriOf,
} from './oauth-fixtures.js';
import { rejection } from '../support/gatekey-rejection.js';
import { freePort, occupyPort } from '../support/ports.js';

const STEPS = ['discovery', 'registration', 'browser', 'code', 'token', 'done'];

async function isListening(url: URL): Promise<boolean> {
  return fetch(url).then(
    () => true,
    () => false,
  );
}

describe('browser sign-in with PKCE against each IdP profile', () => {
  const idps = new Map<IdpProfile, RunningIdp>();
  let cognitoRedirect: string;

  beforeAll(async () => {
    cognitoRedirect = `http://localhost:${await freePort()}/callback`;
    const profiles: IdpProfile[] = ['generic', 'cognito', 'okta', 'auth0'];
    for (const profile of profiles) {
      idps.set(profile, await startIdp({ profile, exactRedirectUri: cognitoRedirect }));
    }
  });
  afterAll(async () => {
    await Promise.all([...idps.values()].map((idp) => idp.close()));
  });
  const idp = (profile: IdpProfile) => idps.get(profile) as RunningIdp;

  it('generic: registers dynamically, signs in, and gets JWTs bound to the gateway', async () => {
    const { issuer } = idp('generic');
    const secrets = new MemorySecretStore();
    const session = createOAuthSession(
      gatewayOf({ url: GATEWAY_URL, issuer, scopes: ['openid', 'mcp:tools'] }),
      secrets,
    );
    const { options, progress, browsed } = headlessSignIn();

    const startedAt = Date.now();
    const tokens = await session.signInWithBrowser(options);

    expect(progress.map((step) => step.step)).toEqual(STEPS);
    const authorizationUrl = authorizationUrlOf(progress);
    expect(Object.fromEntries(authorizationUrl.searchParams)).toMatchObject({
      code_challenge_method: 'S256',
      scope: 'openid mcp:tools offline_access',
      prompt: 'consent',
      resource: GATEWAY_URL,
      response_type: 'code',
    });
    expect(authorizationUrl.searchParams.get('nonce')).toBeTruthy();
    expect(authorizationUrl.searchParams.get('state')).toBeTruthy();
    const [callback] = await browsed();
    expect(callback).toMatchObject({ callbackStatus: 200 });
    expect(callback?.callbackBody).toContain('You can close this tab');

    const claims = decodeJwt(tokens.accessToken);
    expect(claims).toMatchObject({ iss: issuer, aud: GATEWAY_URL });
    expect(tokens.refreshToken).toBeTruthy();
    expect(decodeJwt(tokens.idToken ?? '').nonce).toBe(authorizationUrl.searchParams.get('nonce'));
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(startedAt + 3600_000);
    expect(tokens.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(tokens.scope).toBe('mcp:tools');

    const registration = (await secrets.read('work'))?.registration;
    expect(registration).toMatchObject({ issuer, tokenEndpointAuthMethod: 'none' });
    expect(claims.client_id).toBe(registration?.clientId);
    expect(await isListening(redirectUriOf(progress))).toBe(false);
  });

  it('cognito: a pre-registered client on the exact fixed redirect URI, no registration', async () => {
    const cognito = idp('cognito');
    const session = createOAuthSession(
      gatewayOf({
        url: GATEWAY_URL,
        issuer: cognito.issuer,
        clientId: cognito.clients.publicPkce.clientId,
        redirectUri: cognitoRedirect,
        scopes: ['openid', 'gateway/read'],
      }),
      new MemorySecretStore(),
    );
    const { options, progress } = headlessSignIn();

    const tokens = await session.signInWithBrowser(options);

    expect(redirectUriOf(progress).href).toBe(cognitoRedirect);
    expect(progress[1]?.message).toContain(cognito.clients.publicPkce.clientId);
    const claims = decodeJwt(tokens.accessToken);
    expect(claims).toMatchObject({ iss: cognito.issuer, token_use: 'access' });
    expect(claims.aud).toBeUndefined();
    // Cognito lists no offline_access but issues refresh tokens anyway.
    expect(authorizationUrlOf(progress).searchParams.get('scope')).toBe('openid gateway/read');
    expect(tokens.refreshToken).toBeTruthy();
  });

  it('cognito: without a client ID explains that the app client must be registered by hand', async () => {
    const cognito = idp('cognito');
    const session = createOAuthSession(
      gatewayOf({ url: GATEWAY_URL, issuer: cognito.issuer, redirectUri: cognitoRedirect }),
      new MemorySecretStore(),
    );
    const { options } = headlessSignIn();

    const error = await rejection(session.signInWithBrowser(options));

    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('no dynamic client registration');
    expect(error.hint).toContain('--client-id');
    expect(error.hint).toContain(cognitoRedirect);
  });

  it('okta: a path issuer, offline_access for a refresh token, Okta-shaped claims', async () => {
    const okta = idp('okta');
    const session = createOAuthSession(
      gatewayOf({
        url: GATEWAY_URL,
        issuer: okta.issuer,
        clientId: okta.clients.publicPkce.clientId,
        scopes: ['openid', 'mcp:tools'],
      }),
      new MemorySecretStore(),
    );
    const { options } = headlessSignIn();

    const tokens = await session.signInWithBrowser(options);

    expect(decodeJwt(tokens.accessToken)).toMatchObject({
      iss: okta.issuer,
      aud: okta.apiAudience,
      cid: okta.clients.publicPkce.clientId,
    });
    expect(tokens.refreshToken).toBeTruthy();
  });

  it('auth0: `audience` selects the API and replaces the default resource', async () => {
    const auth0 = idp('auth0');
    const session = createOAuthSession(
      gatewayOf({
        url: GATEWAY_URL,
        issuer: auth0.issuer,
        clientId: auth0.clients.publicPkce.clientId,
        audience: auth0.apiAudience,
        scopes: ['openid', 'mcp:read'],
      }),
      new MemorySecretStore(),
    );
    const { options, progress } = headlessSignIn();

    const tokens = await session.signInWithBrowser(options);

    const sent = authorizationUrlOf(progress).searchParams;
    expect(sent.get('audience')).toBe(auth0.apiAudience);
    expect(sent.has('resource')).toBe(false);
    expect(decodeJwt(tokens.accessToken).aud).toContain(auth0.apiAudience);
    expect(tokens.refreshToken).toBeTruthy();
  });

  it('asks for additional scopes on request (step-up after 403 insufficient_scope)', async () => {
    const { issuer } = idp('generic');
    const session = createOAuthSession(
      gatewayOf({ url: GATEWAY_URL, issuer, scopes: ['mcp:read'] }),
      new MemorySecretStore(),
    );
    const { options } = headlessSignIn({}, { additionalScopes: ['mcp:admin', 'mcp:read'] });

    const tokens = await session.signInWithBrowser(options);

    expect(tokens.scope).toBe('mcp:read mcp:admin');
    expect(decodeJwt(tokens.accessToken).scope).toBe('mcp:read mcp:admin');
  });

  describe('dynamic registration', () => {
    const registeringGateway = () =>
      gatewayOf({ url: GATEWAY_URL, issuer: idp('generic').issuer, scopes: ['openid'] });

    it('is reused by the next sign-in while issuer and redirect still match', async () => {
      const secrets = new MemorySecretStore();
      const first = headlessSignIn();
      await createOAuthSession(registeringGateway(), secrets).signInWithBrowser(first.options);
      const registered = (await secrets.read('work'))?.registration;

      const second = headlessSignIn();
      await createOAuthSession(registeringGateway(), secrets).signInWithBrowser(second.options);

      expect((await secrets.read('work'))?.registration).toEqual(registered);
      expect(second.progress[1]?.message).toContain('registered earlier');
    });

    it('at an IdP that lists only secret methods: a confidential client, its secret kept and used', async () => {
      const confidentialOnly = await startIdp({
        clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
      });
      try {
        const secrets = new MemorySecretStore();
        const session = createOAuthSession(
          gatewayOf({ url: GATEWAY_URL, issuer: confidentialOnly.issuer, scopes: ['openid'] }),
          secrets,
        );

        const tokens = await session.signInWithBrowser(headlessSignIn().options);
        const refreshed = await session.refresh(tokens.refreshToken ?? '');

        const registration = (await secrets.read('work'))?.registration;
        expect(registration).toMatchObject({ tokenEndpointAuthMethod: 'client_secret_post' });
        expect(registration?.clientSecret).toBeTruthy();
        expect(decodeJwt(refreshed.accessToken).client_id).toBe(registration?.clientId);
        await expect(session.revoke(refreshed.refreshToken ?? '')).resolves.toBeUndefined();
      } finally {
        await confidentialOnly.close();
      }
    });

    it('is dropped and redone once when the IdP no longer knows the client', async () => {
      const generic = idp('generic');
      const secrets = new MemorySecretStore();
      await secrets.write('work', {
        registration: {
          issuer: generic.issuer,
          clientId: 'forgotten-client',
          tokenEndpointAuthMethod: 'none',
          redirectUris: ['http://127.0.0.1:40000/callback'],
          registeredAt: 0,
        },
      });
      generic.resetCounters();
      const { options, progress } = headlessSignIn();

      const tokens = await createOAuthSession(registeringGateway(), secrets).signInWithBrowser(
        options,
      );

      const registration = (await secrets.read('work'))?.registration;
      expect(registration?.clientId).not.toBe('forgotten-client');
      expect(progress[1]?.message).toContain('Registered Gatekey');
      expect(decodeJwt(tokens.accessToken).client_id).toBe(registration?.clientId);
      // One check of the stale client, one code exchange: the browser opened once.
      expect(generic.tokenRequests('refresh_token')).toBe(1);
      expect(generic.tokenRequests('authorization_code')).toBe(1);
    });
  });

  describe('failures end the sign-in clearly and close the listener', () => {
    const publicGateway = (extra: { redirectUri?: string } = {}) =>
      gatewayOf({
        url: GATEWAY_URL,
        issuer: idp('okta').issuer,
        clientId: idp('okta').clients.publicPkce.clientId,
        scopes: ['openid'],
        ...extra,
      });

    it('a state that does not match → state_mismatch, and the browser is told', async () => {
      const { options, progress, browsed } = headlessSignIn({
        rewriteUrl: (url) => url.searchParams.set('state', 'forged-state'),
      });

      const error = await rejection(
        createOAuthSession(publicGateway(), new MemorySecretStore()).signInWithBrowser(options),
      );

      expect(error.code).toBe('state_mismatch');
      const [callback] = await browsed();
      expect(callback).toMatchObject({ callbackStatus: 400 });
      expect(callback?.callbackBody).toContain('Sign-in failed');
      expect(await isListening(redirectUriOf(progress))).toBe(false);
    });

    it('the user denies access → idp_error naming access_denied', async () => {
      const { options, browsed } = headlessSignIn({ approve: false });

      const error = await rejection(
        createOAuthSession(publicGateway(), new MemorySecretStore()).signInWithBrowser(options),
      );

      expect(error.code).toBe('idp_error');
      expect(error.message).toContain('access_denied');
      expect(error.hint).toContain('gatekey login work');
      const [callback] = await browsed();
      expect(callback?.callbackBody).toContain('access_denied');
    });

    it('a fixed redirect port in use → port_in_use naming the port and the fix', async () => {
      const held = await occupyPort();
      try {
        const gateway = publicGateway({ redirectUri: `http://127.0.0.1:${held.port}/callback` });
        const { options, browsed } = headlessSignIn();

        const error = await rejection(
          createOAuthSession(gateway, new MemorySecretStore()).signInWithBrowser(options),
        );

        expect(error.code).toBe('port_in_use');
        expect(error.message).toContain(String(held.port));
        expect(error.hint).toContain('gatekey edit work --redirect-uri http://127.0.0.1:');
        expect(error.hint).toContain('allowed callback URLs');
        expect(await browsed()).toHaveLength(0);
      } finally {
        await held.close();
      }
    });

    it('no answer in time → sign_in_timeout', async () => {
      const { options, progress } = headlessSignIn(
        {},
        { openBrowser: async () => {}, timeoutMs: 300 },
      );

      const error = await rejection(
        createOAuthSession(publicGateway(), new MemorySecretStore()).signInWithBrowser(options),
      );

      expect(error.code).toBe('sign_in_timeout');
      expect(error.message).toContain('0.3 s');
      // Not the port this sign-in happened to use: the next one would use another.
      const advised = /--redirect-uri http:\/\/127\.0\.0\.1:(\d+)\/callback$/.exec(
        error.hint ?? '',
      );
      expect(advised?.[1]).toBeDefined();
      expect(advised?.[1]).not.toBe(redirectUriOf(progress).port);
      expect(await isListening(redirectUriOf(progress))).toBe(false);
    });

    it('an aborted signal → sign_in_cancelled', async () => {
      const controller = new AbortController();
      const { options, progress } = headlessSignIn(
        {},
        { openBrowser: async () => controller.abort(), signal: controller.signal },
      );

      const error = await rejection(
        createOAuthSession(publicGateway(), new MemorySecretStore()).signInWithBrowser(options),
      );

      expect(error.code).toBe('sign_in_cancelled');
      expect(await isListening(redirectUriOf(progress))).toBe(false);
    });
  });
});
