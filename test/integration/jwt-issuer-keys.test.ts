import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectToken } from '../../src-main/core/jwt/index.js';
import type { InspectionReport } from '../../src-main/core/jwt/index.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { addMachineClient, describeWithGlewlwyd } from '../support/glewlwyd-suite.js';
import { clientCredentialsToken, forgeWithOtherKey } from '../support/machine-tokens.js';
import { closeServer } from '../support/ports.js';

/**
 * A pasted token from an issuer no gateway has: never called good unverified, and verified
 * with the keys its own iss publishes only when asked (real IdPs on loopback).
 */
const GATEWAY = 'https://gateway.example.com/mcp';
const ids = (report: InspectionReport) => report.diagnostics.map((diagnostic) => diagnostic.id);
const diagnostic = (report: InspectionReport, id: string) =>
  report.diagnostics.find((candidate) => candidate.id === id);

describe('a pasted oidc-provider token, from an issuer no gateway has', () => {
  let idp: RunningIdp;
  let token: string;
  beforeAll(async () => {
    idp = await startIdp({ profile: 'generic' });
    token = await clientCredentialsToken(idp.issuer, idp.clients.confidentialBasic, {
      scope: 'mcp:read',
      resource: GATEWAY,
    });
  });
  afterAll(() => idp?.close());

  it('is "not verified" without consent, and verified with the keys its iss publishes', async () => {
    const unverified = await inspectToken(token, { tokenKind: 'access_token' });
    expect(unverified.signature).toMatchObject({
      status: 'not-checked',
      canFetchKeysFrom: idp.issuer,
    });
    expect(ids(unverified)).not.toContain('ok');
    expect(unverified.diagnostics[0]).toMatchObject({
      id: 'signature_not_checked',
      severity: 'warning',
      title: 'Signature not verified',
    });
    expect(unverified.diagnostics[0]?.fix).toContain('gatekey inspect --fetch-keys --token -');

    const verified = await inspectToken(token, {
      tokenKind: 'access_token',
      fetchIssuerKeys: true,
    });
    expect(verified.signature.status).toBe('valid');
    expect(verified.signature.canFetchKeysFrom).toBeUndefined();
    expect(verified.signature.reason).toContain(`${idp.issuer}/jwks`);
    expect(verified.signature.reason).toContain("fetched from the token's own issuer on request");
    expect(ids(verified)[0]).toBe('ok');
  });

  it('fails a token signed by another key, under the IdP’s kid or its own', async () => {
    const sameKid = await inspectToken(await forgeWithOtherKey(token), {
      tokenKind: 'access_token',
      fetchIssuerKeys: true,
    });
    expect(sameKid.signature.status).toBe('invalid');
    expect(ids(sameKid)).toContain('signature_invalid');
    expect(ids(sameKid)).not.toContain('ok');
    expect(diagnostic(sameKid, 'signature_invalid')?.detail).toBe(
      `The key at ${idp.issuer}/jwks that matches the token's kid does not verify its signature: the token was altered, or another issuer signed it with the same kid.`,
    );

    const ownKid = await inspectToken(await forgeWithOtherKey(token, 'forger-1'), {
      tokenKind: 'access_token',
      fetchIssuerKeys: true,
    });
    expect(ownKid.signature.status).toBe('invalid');
    expect(diagnostic(ownKid, 'kid_not_in_jwks')?.detail).toBe(
      `No key at ${idp.issuer}/jwks matches the token's kid and alg, fetched from the token's issuer.`,
    );
  });
});

/** A loopback server that answers for made-up issuers, and records what was asked of it. */
async function startHostileIssuer(realIssuer: string) {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '';
    requests.push(url);
    if (url.endsWith('/impostor')) {
      // Names the real IdP as its issuer and hands out the real IdP's keys.
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(
        JSON.stringify({ issuer: realIssuer, jwks_uri: `${realIssuer}/jwks` }),
      );
    }
    if (url.endsWith('/huge')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify({ padding: 'x'.repeat(400 * 1024) }));
    }
    if (url.endsWith('/moved')) {
      return void response.writeHead(302, { location: 'https://elsewhere.example/' }).end();
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, requests, close: () => closeServer(server) };
}

describe('a pasted token whose iss leads nowhere trustworthy', () => {
  let idp: RunningIdp;
  let hostile: Awaited<ReturnType<typeof startHostileIssuer>>;
  let key: CryptoKey;
  const tokenFrom = (iss: string) =>
    new SignJWT({ iss, aud: GATEWAY, exp: Math.floor(Date.now() / 1000) + 600 })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .sign(key);
  const askedFor = (iss: string) =>
    tokenFrom(iss).then((token) =>
      inspectToken(token, { tokenKind: 'access_token', fetchIssuerKeys: true }),
    );

  beforeAll(async () => {
    idp = await startIdp({ profile: 'generic' });
    hostile = await startHostileIssuer(idp.issuer);
    ({ privateKey: key } = await generateKeyPair('RS256'));
  });
  afterAll(async () => {
    await hostile?.close();
    await idp?.close();
  });

  it('refuses an iss whose metadata names another issuer, and fetches none of its keys', async () => {
    const iss = `${hostile.origin}/impostor`;
    const report = await askedFor(iss);
    expect(report.signature.status).toBe('not-checked');
    expect(report.diagnostics[0]).toMatchObject({
      id: 'issuer_keys_refused',
      severity: 'error',
      title: "The token's issuer does not vouch for it",
    });
    expect(report.diagnostics[0]?.detail).toContain(
      `Gatekey asked ${iss} for its signing keys and stopped at discovery (OpenID / RFC 8414 metadata): ${hostile.origin}/.well-known/oauth-authorization-server/impostor names "${idp.issuer}" as its issuer, not the token's "${iss}".`,
    );
    expect(hostile.requests).toEqual(['/.well-known/oauth-authorization-server/impostor']);
  });

  it('stops reading an oversized document and follows no redirect, naming each place tried', async () => {
    const huge = await askedFor(`${hostile.origin}/huge`);
    expect(huge.diagnostics[0]?.id).toBe('issuer_keys_unavailable');
    expect(huge.diagnostics[0]?.detail).toContain(
      `${hostile.origin}/.well-known/oauth-authorization-server/huge → HTTP 200, more than 256 KiB`,
    );

    const moved = await askedFor(`${hostile.origin}/moved`);
    expect(moved.diagnostics[0]?.detail).toContain(
      'HTTP 302, a redirect to https://elsewhere.example/ (not followed)',
    );
    expect(moved.signature.status).toBe('not-checked');
  });

  it('asks nothing of an iss that is plain http off loopback', async () => {
    const report = await askedFor('http://idp.example.com');
    expect(report.diagnostics[0]?.id).toBe('issuer_keys_refused');
    expect(report.diagnostics[0]?.detail).toContain(
      "stopped at the token's iss: http://idp.example.com is not https (plain http is allowed only on loopback)",
    );
  });
});

describeWithGlewlwyd('a pasted Glewlwyd token (Debian package)', (glewlwyd) => {
  it('verifies with the keys found through its issuer’s own metadata, on request only', async () => {
    const client = await addMachineClient(glewlwyd(), 'paste-post');
    const { issuer } = glewlwyd();
    const token = await clientCredentialsToken(
      issuer,
      client,
      { scope: 'mcp' },
      'client_secret_post',
    );
    // Glewlwyd's access tokens live 12 s: read them at the moment they were issued.
    const now = Number(decodeJwt(token).iat) * 1000;

    const unverified = await inspectToken(token, { tokenKind: 'access_token', now });
    expect(unverified.signature.canFetchKeysFrom).toBe(issuer);
    expect(ids(unverified)).not.toContain('ok');

    const verified = await inspectToken(token, {
      tokenKind: 'access_token',
      now,
      fetchIssuerKeys: true,
    });
    expect(verified.signature).toMatchObject({ status: 'valid', kid: 'glewlwyd-1' });
    expect(verified.signature.reason).toContain(
      `${issuer}/jwks (found through ${issuer}/.well-known/openid-configuration`,
    );
    expect(ids(verified)[0]).toBe('ok');

    const forged = await inspectToken(await forgeWithOtherKey(token), {
      tokenKind: 'access_token',
      now,
      fetchIssuerKeys: true,
    });
    expect(forged.signature.status).toBe('invalid');
    expect(ids(forged)).toContain('signature_invalid');
  });
});
