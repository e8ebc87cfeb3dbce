import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatekeyError } from '../../src-main/core/errors.js';
import type { GatewayInput } from '../../src-main/core/gateways/schema.js';
import { createOAuthSession } from '../../src-main/core/oauth/index.js';
import type { GatewaySecrets, TokenSet } from '../../src-main/core/secrets/types.js';
import { startIdp, type IdpClient, type RunningIdp } from '../../src-main/demo/idp.js';
import {
  GATEWAY_URL,
  gatewayOf,
  headlessSignIn,
  MemorySecretStore,
  recordingFetch,
} from './oauth-fixtures.js';
import { rejection } from '../support/gatekey-rejection.js';

async function storeWith(secrets: GatewaySecrets): Promise<MemorySecretStore> {
  const store = new MemorySecretStore();
  await store.write('work', secrets);
  return store;
}

describe('client credentials', () => {
  let idp: RunningIdp;
  beforeAll(async () => {
    idp = await startIdp({ profile: 'generic' });
  });
  afterAll(() => idp?.close());

  const machineGateway = (client: IdpClient) =>
    gatewayOf({
      url: GATEWAY_URL,
      auth: 'client_credentials',
      issuer: idp.issuer,
      clientId: client.clientId,
      tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
      scopes: ['mcp:tools'],
    });

  it.each(['confidentialBasic', 'confidentialPost', 'privateKeyJwt'] as const)(
    'authenticates the client with %s and binds the token to the gateway',
    async (name) => {
      const client = idp.clients[name];
      const secrets = await storeWith({
        clientSecret: client.clientSecret,
        privateKeyPem: client.privateKeyPem,
      });
      idp.resetCounters();

      const tokens = await createOAuthSession(machineGateway(client), secrets).clientCredentials();

      expect(decodeJwt(tokens.accessToken)).toMatchObject({
        iss: idp.issuer,
        client_id: client.clientId,
        aud: GATEWAY_URL,
        scope: 'mcp:tools',
      });
      expect(tokens.refreshToken).toBeUndefined();
      expect(tokens.expiresAt).toBeGreaterThan(Date.now());
      expect(idp.tokenRequests('client_credentials')).toBe(1);
    },
  );

  it('a wrong secret → invalid_client, and the secret appears nowhere in the error', async () => {
    const client = idp.clients.confidentialBasic;
    const wrongSecret = 'not-the-secret-0123456789';
    const session = createOAuthSession(
      machineGateway(client),
      await storeWith({ clientSecret: wrongSecret }),
    );

    const error = await rejection(session.clientCredentials());

    expect(error.code).toBe('invalid_client');
    expect(error.hint).toContain('--client-secret-stdin');
    expect(JSON.stringify(error)).not.toContain(wrongSecret);
  });

  it('a secret method without a stored secret → config_invalid with the fix', async () => {
    const session = createOAuthSession(
      machineGateway(idp.clients.confidentialPost),
      new MemorySecretStore(),
    );

    const error = await rejection(session.clientCredentials());

    expect(error.code).toBe('config_invalid');
    expect(error.hint).toContain('gatekey edit work --client-secret-stdin');
  });
});

describe('refresh', () => {
  let rotating: RunningIdp;
  let steady: RunningIdp;
  beforeAll(async () => {
    [rotating, steady] = await Promise.all([
      startIdp({ profile: 'generic' }),
      startIdp({ profile: 'generic', rotateRefreshTokens: false }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([rotating?.close(), steady?.close()]);
  });

  async function signedIn(idp: RunningIdp, extra: Partial<GatewayInput> = {}) {
    const session = createOAuthSession(
      gatewayOf({ url: GATEWAY_URL, issuer: idp.issuer, scopes: ['openid', 'mcp:read'], ...extra }),
      new MemorySecretStore(),
    );
    const tokens = await session.signInWithBrowser(headlessSignIn().options);
    return { session, tokens, refreshToken: tokens.refreshToken ?? '' };
  }

  it('rotates: a new refresh token, and the old one is spent', async () => {
    const { session, tokens, refreshToken } = await signedIn(rotating);

    const refreshed = await session.refresh(refreshToken);

    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBeTruthy();
    expect(refreshed.refreshToken).not.toBe(refreshToken);
    expect(decodeJwt(refreshed.accessToken)).toMatchObject({ aud: GATEWAY_URL });
    const reuse = await rejection(session.refresh(refreshToken));
    expect(reuse.code).toBe('invalid_grant');
  });

  it('keeps the refresh token when the IdP does not rotate it', async () => {
    const { session, refreshToken } = await signedIn(steady);

    const refreshed = await session.refresh(refreshToken);
    const again = await session.refresh(refreshToken);

    expect(refreshed.refreshToken).toBe(refreshToken);
    expect(again.accessToken).not.toBe(refreshed.accessToken);
  });

  it('revoked → invalid_grant telling the person to sign in again, without the token', async () => {
    const { session, refreshToken } = await signedIn(rotating);
    await rotating.revokeRefreshTokens();

    const error = await rejection(session.refresh(refreshToken));

    expect(error.code).toBe('invalid_grant');
    expect(error.hint).toBe('Sign in again: gatekey login work');
    expect(JSON.stringify(error)).not.toContain(refreshToken);
  });

  it('the IdP down → idp_unreachable naming the token endpoint; back up → refresh works', async () => {
    const { session, refreshToken } = await signedIn(steady);
    await steady.stop();
    let error: GatekeyError;
    try {
      error = await rejection(session.refresh(refreshToken));
    } finally {
      await steady.start();
    }

    expect(error.code).toBe('idp_unreachable');
    expect(error.message).toContain(
      `Could not reach the identity provider at ${steady.issuer}/token`,
    );
    expect((await session.refresh(refreshToken)).accessToken).toBeTruthy();
  });

  it('a dropped dynamic registration → invalid_grant: sign in again', async () => {
    const secrets = new MemorySecretStore();
    const gateway = gatewayOf({ url: GATEWAY_URL, issuer: rotating.issuer, scopes: ['openid'] });
    const { refreshToken = '' } = await createOAuthSession(gateway, secrets).signInWithBrowser(
      headlessSignIn().options,
    );
    await secrets.delete('work');

    const error = await rejection(createOAuthSession(gateway, secrets).refresh(refreshToken));

    expect(error.code).toBe('invalid_grant');
    expect(error.message).toContain('no client registration');
  });
});

describe('tokens are returned exactly as issued, opaque or JWT', () => {
  let auth0: RunningIdp;
  beforeAll(async () => {
    auth0 = await startIdp({ profile: 'auth0' });
  });
  afterAll(() => auth0?.close());

  async function issue(extra: Partial<GatewayInput>): Promise<{ tokens: TokenSet; raw: unknown }> {
    const client = auth0.clients.confidentialBasic;
    const recorder = recordingFetch();
    const session = createOAuthSession(
      gatewayOf({
        url: GATEWAY_URL,
        auth: 'client_credentials',
        issuer: auth0.issuer,
        clientId: client.clientId,
        ...extra,
      }),
      await storeWith({ clientSecret: client.clientSecret }),
      { fetch: recorder.fetch },
    );
    const tokens = await session.clientCredentials();
    return { tokens, raw: recorder.tokenResponses.at(-1)?.access_token };
  }

  it('an opaque token without an API audience', async () => {
    const { tokens, raw } = await issue({ resource: false });

    expect(tokens.accessToken).toBe(raw);
    expect(tokens.accessToken.split('.')).toHaveLength(1);
  });

  it('a JWT for the API named by audience', async () => {
    const { tokens, raw } = await issue({ audience: auth0.apiAudience, scopes: ['mcp:read'] });

    expect(tokens.accessToken).toBe(raw);
    expect(decodeJwt(tokens.accessToken)).toMatchObject({
      aud: auth0.apiAudience,
      gty: 'client-credentials',
    });
    expect(tokens.scope).toBe('mcp:read');
  });
});
