import { describe, expect, it } from 'vitest';
import { describeRevocation } from '../../src-main/core/api/revocation.js';
import { whereToRevoke } from '../../src-main/core/oauth/revocation-advice.js';
import { toTokenSet } from '../../src-main/core/oauth/tokens.js';

const GATEWAY_URL = 'https://gateway.example.com/mcp';

describe('where to revoke what the IdP did not', () => {
  it("names Keycloak's account console for a realm issuer", () => {
    expect(
      whereToRevoke({
        issuer: 'https://sso.example.com/realms/dev',
        clientId: 'gatekey',
        gatewayUrl: GATEWAY_URL,
      }),
    ).toBe(
      "open Keycloak's account console https://sso.example.com/realms/dev/account, go to Applications and remove Gatekey (client gatekey)'s access.",
    );
  });

  it("names the IdP's sign-out page when its metadata lists one, sanitised", () => {
    const advice = whereToRevoke({
      issuer: 'https://idp.example.com',
      endSessionEndpoint: 'https://idp.example.com/logout\u001b]0;pwned\u0007',
      clientId: 'ide\u001b[2J',
      gatewayUrl: GATEWAY_URL,
    });
    expect(advice).toContain('sign in to the identity provider https://idp.example.com');
    expect(advice).toContain('Gatekey (client ide)');
    expect(advice).toContain('Its sign-out page (https://idp.example.com/logout)');
    expect([...advice].some((char) => char < ' ')).toBe(false);
  });

  it('says it in general when nothing is known but the gateway', () => {
    expect(whereToRevoke({ gatewayUrl: GATEWAY_URL })).toBe(
      `sign in to the identity provider of ${GATEWAY_URL} and remove Gatekey from your sessions, devices or connected apps; where it offers no such page, its administrator can revoke the tokens.`,
    );
  });
});

describe('how long an unrevoked token stays valid', () => {
  it('keeps refresh_expires_in (Keycloak) and refresh_token_expires_in (Entra) as refreshExpiresAt', () => {
    const request = { requestedAt: 1_000_000, requestedScopes: [] };
    const base = { access_token: 'a', token_type: 'bearer', refresh_token: 'r' } as const;
    expect(toTokenSet({ ...base, refresh_expires_in: 1800 }, request).refreshExpiresAt).toBe(
      1_000_000 + 1_800_000,
    );
    expect(toTokenSet({ ...base, refresh_token_expires_in: 60 }, request).refreshExpiresAt).toBe(
      1_060_000,
    );
    expect(toTokenSet({ ...base }, request).refreshExpiresAt).toBeUndefined();
  });

  it('prints each token that stays valid with its end, or that the IdP did not say', () => {
    const now = Date.UTC(2026, 0, 1);
    const lines = describeRevocation(
      'web',
      {
        outcome: 'not-revoked',
        tokens: [{ kind: 'refresh_token' }, { kind: 'access_token', validUntil: now + 90_000 }],
        reason: 'The revocation request to https://idp.example.com was refused: HTTP 403.',
        whereToRevoke: 'sign in to the identity provider https://idp.example.com and remove it.',
      },
      now,
    );
    expect(lines).toEqual([
      'Signed out of web: Gatekey removed its tokens, but the IdP did not revoke them.',
      'Why: The revocation request to https://idp.example.com was refused: HTTP 403.',
      'The refresh token stays valid at the IdP until it expires there (the IdP did not say when).',
      'The access token stays valid at the IdP until 2026-01-01T00:01:30.000Z (in 1 min).',
      'To end it now: sign in to the identity provider https://idp.example.com and remove it.',
    ]);
  });
});
