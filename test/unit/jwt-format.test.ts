import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatInspection, inspectToken } from '../../src-main/core/jwt/index.js';
import type { InspectionContext, InspectionReport } from '../../src-main/core/jwt/index.js';

const NOW = 1_900_000_000;
const CONTEXT: InspectionContext = {
  tokenKind: 'access_token',
  issuer: 'https://idp.example.com',
  expectedAudience: 'https://gateway.example.com/mcp',
  requestedScopes: ['mcp:read', 'mcp:admin'],
  now: NOW * 1000,
};
const ANSI_ESCAPE = '\u001b[';

let privateKey: CryptoKey;
let publicKey: CryptoKey;
let token: string;
let report: InspectionReport;

beforeAll(async () => {
  ({ privateKey, publicKey } = await generateKeyPair('ES256'));
  token = await new SignJWT({
    iss: 'https://idp.example.com',
    aud: 'https://gateway.example.com/mcp',
    scope: 'mcp:read',
    name: `Mallory${ANSI_ESCAPE}31m\nInjected\u001b]0;pwned\u0007!`,
    iat: NOW - 300,
    exp: NOW - 120,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
    .sign(privateKey);
  report = await inspectToken(token, CONTEXT);
});

/** A key set on loopback, so that a good token's signature really verifies. */
async function serveKeySet(keySet: unknown) {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(keySet));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('formatInspection', () => {
  it('shows the format, alg, kid and signature status on its first line', () => {
    expect(formatInspection(report).split('\n')[0]).toBe(
      'JWT  ·  ES256  ·  kid key-1  ·  signature ! not verified',
    );
  });

  it('lists the claims, with ISO and relative times', () => {
    const text = formatInspection(report);
    expect(text).toContain('  iss    https://idp.example.com\n');
    expect(text).toContain(
      `  exp    ${new Date((NOW - 120) * 1000).toISOString()}  (expired 2 min ago)`,
    );
    expect(text).toContain(
      `  iat    ${new Date((NOW - 300) * 1000).toISOString()}  (issued 5 min ago)`,
    );
  });

  it('compares granted and requested scopes', () => {
    expect(formatInspection(report)).toContain(
      'Scopes\n  granted    mcp:read\n  requested  mcp:read mcp:admin\n  missing    mcp:admin\n',
    );
  });

  it('marks each diagnostic and gives its fix, most severe first', () => {
    const text = formatInspection(report);
    const diagnostics = text.slice(text.indexOf('Diagnostics'));
    expect(diagnostics).toMatch(
      /✗ Token expired\n {4}The token expired at .*, 2 min ago\.\n {4}Fix: Get a fresh token/,
    );
    expect(diagnostics.indexOf('✗ Token expired')).toBeLessThan(
      diagnostics.indexOf('! Fewer scopes'),
    );
    expect(diagnostics.indexOf('✗ Token expired')).toBeLessThan(
      diagnostics.indexOf('! Signature not verified'),
    );
  });

  it('fits a terminal: at most 100 columns, one screen', () => {
    const lines = formatInspection(report).split('\n');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(100);
    expect(lines.length).toBeLessThanOrEqual(50);
  });

  it('prints the raw token only when asked to', () => {
    expect(formatInspection(report)).not.toContain(token);
    expect(formatInspection(report, { showToken: token })).toContain(`Token\n  ${token}`);
  });

  it('keeps control characters from claims out of the terminal, and colours only when asked', () => {
    const plain = formatInspection(report);
    expect(plain).not.toContain(ANSI_ESCAPE);
    expect(plain).toContain('  name   Mallory Injected!\n');
    const coloured = formatInspection(report, { color: true });
    expect(coloured).toContain('\u001b[31m✗ Token expired\u001b[0m');
    expect(coloured).not.toContain(`Mallory${ANSI_ESCAPE}`);
  });

  it('shows an opaque token for what it is, and a good one with a check mark', async () => {
    const opaque = formatInspection(await inspectToken('opaque-token', CONTEXT));
    expect(opaque.split('\n')[0]).toBe('Opaque token (not a JWT)  ·  signature ! not verified');
    expect(opaque).toContain("unknown: an opaque token's scopes are known only to its issuer");
    expect(opaque).toContain('! Opaque token: not a JWT');

    const good = await new SignJWT({
      aud: CONTEXT.expectedAudience,
      scope: 'mcp:read mcp:admin',
      exp: NOW + 60,
    })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('https://idp.example.com')
      .sign(privateKey);
    const unverified = formatInspection(await inspectToken(good, CONTEXT));
    expect(unverified).not.toContain('Token checks out');
    expect(unverified.split('\n')[0]).toBe('JWT  ·  ES256  ·  signature ! not verified');

    const jwks = await serveKeySet({ keys: [await exportJWK(publicKey)] });
    try {
      const verified = formatInspection(
        await inspectToken(good, { ...CONTEXT, jwksUri: jwks.uri }),
      );
      expect(verified.split('\n')[0]).toBe('JWT  ·  ES256  ·  signature ✓ verified');
      expect(verified).toContain('Diagnostics\n  ✓ Token checks out');
    } finally {
      await jwks.close();
    }
  });
});
