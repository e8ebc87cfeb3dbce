import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startIdp } from '../../src-main/demo/idp.js';
import type { IdpProfile, RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer } from '../../src-main/demo/mcp-server.js';
import type { RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { HEADLESS_BROWSER_COMMAND } from '../support/headless-browser.js';
import { filesContaining, runGatekey, temporaryHome } from '../support/cli.js';
import { freePort } from '../support/ports.js';

/** What `gatekey add` needs, per IdP profile, beyond the gateway URL. */
function addFlags(idp: RunningIdp, exactRedirectUri: string): string[] {
  const client = idp.clients.publicPkce.clientId;
  switch (idp.profile) {
    case 'generic':
      return []; // everything from the gateway's 401: RFC 9728, RFC 8414, dynamic registration
    case 'cognito':
      return [
        '--issuer',
        idp.issuer,
        '--client-id',
        client,
        '--redirect-uri',
        exactRedirectUri,
        '--scope',
        'openid gateway/read',
      ];
    case 'okta':
      return [
        '--issuer',
        idp.issuer,
        '--client-id',
        client,
        '--scope',
        'openid offline_access mcp:tools',
      ];
    case 'auth0':
      return [
        '--issuer',
        idp.issuer,
        '--client-id',
        client,
        '--audience',
        idp.apiAudience,
        '--scope',
        'openid offline_access',
      ];
  }
}

const PROFILES: IdpProfile[] = ['generic', 'cognito', 'okta', 'auth0'];

describe.each(PROFILES)('gatekey add + login + token against a %s-like IdP', (profile) => {
  let idp: RunningIdp;
  let mcp: RunningMcpServer;
  let home: string;
  const issued: string[] = [];
  const env = () => ({ BROWSER: HEADLESS_BROWSER_COMMAND });

  let exactRedirectUri: string;

  beforeAll(async () => {
    exactRedirectUri = `http://localhost:${await freePort()}/callback`;
    idp = await startIdp({ profile, exactRedirectUri });
    mcp = await startDemoMcpServer({ issuer: idp.issuer });
    home = await temporaryHome();
  });
  afterAll(async () => {
    await mcp?.close();
    await idp?.close();
  });

  it('signs in through the browser and prints a fresh token', async () => {
    const add = await runGatekey(
      ['add', 'work', '--url', mcp.url, ...addFlags(idp, exactRedirectUri)],
      { home },
    );
    expect(add.stderr).toContain('gatekey login work');
    expect(add.code).toBe(0);

    const login = await runGatekey(['login', 'work'], { home, env: env() });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^Signed in to work/);
    expect(login.stderr).toMatch(/https?:\/\/127\.0\.0\.1:\d+\//);

    const token = await runGatekey(['token', 'work'], { home });
    expect(token.code, token.stderr).toBe(0);
    const accessToken = token.stdout.trim();
    issued.push(accessToken);
    const claims = decodeJwt(accessToken);
    expect(claims.iss).toBe(idp.issuer);

    const inspect = await runGatekey(['inspect', 'work', '--json'], { home });
    expect(inspect.code, inspect.stderr).toBe(0);
    const report = JSON.parse(inspect.stdout);
    expect(report.format).toBe('jwt');
    expect(report.signature.status).toBe('valid');
    expect(inspect.stdout).not.toContain(accessToken);

    const list = await runGatekey(['list', '--json'], { home });
    const [view] = JSON.parse(list.stdout);
    expect(view.status.state).toBe('signed-in');
    expect(view.localUrl).toMatch(/^http:\/\/127\.0\.0\.1:7421\/mcp\/work$/);
  });

  it('gets a machine token with client credentials, the secret read from stdin', async () => {
    const client = idp.clients.confidentialBasic;
    const add = await runGatekey(
      [
        'add',
        'robot',
        '--url',
        mcp.url,
        '--auth',
        'client_credentials',
        '--issuer',
        idp.issuer,
        '--client-id',
        client.clientId,
        '--client-secret-stdin',
        ...(profile === 'auth0' ? ['--audience', idp.apiAudience] : []),
      ],
      { home, stdin: `${client.clientSecret}\n` },
    );
    expect(add.code, add.stderr).toBe(0);
    const token = await runGatekey(['token', 'robot', '--json'], { home });
    expect(token.code, token.stderr).toBe(0);
    const result = JSON.parse(token.stdout);
    issued.push(result.token);
    expect(result.kind).toBe('access_token');
    expect(result.expiresAt).toBeGreaterThan(Date.now());
  });

  it('leaves no token and no secret in any file it wrote', async () => {
    expect(issued.length).toBe(2);
    const secrets = [...issued, idp.clients.confidentialBasic.clientSecret!];
    expect(await filesContaining(home, secrets)).toEqual([]);
  });
});

describe('gatekey inspect on an opaque token', () => {
  it('says it is opaque and asks the authorization server about it (RFC 7662)', async () => {
    const idp = await startIdp({ profile: 'auth0' });
    try {
      const home = await temporaryHome();
      const client = idp.clients.confidentialBasic;
      const flags = [
        '--auth',
        'client_credentials',
        '--issuer',
        idp.issuer,
        '--no-resource',
        '--client-id',
        client.clientId,
      ];
      const add = await runGatekey(
        ['add', 'opaque', '--url', `${idp.issuer}mcp`, ...flags, '--client-secret-stdin'],
        { home, stdin: client.clientSecret },
      );
      expect(add.code, add.stderr).toBe(0);
      const inspect = await runGatekey(['inspect', 'opaque', '--json'], { home });
      expect(inspect.code, inspect.stderr).toBe(0);
      const report = JSON.parse(inspect.stdout);
      expect(report.format).toBe('opaque');
      expect(report.introspection.active).toBe(true);
      expect(report.diagnostics.map((diagnostic: { id: string }) => diagnostic.id)).toContain(
        'opaque_token',
      );
    } finally {
      await idp.close();
    }
  });
});

describe('gatekey errors', () => {
  it('says what is wrong in one line, with a non-zero exit', async () => {
    const home = await temporaryHome();
    const badUrl = await runGatekey(['add', 'x', '--url', 'not-a-url'], { home });
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(
      /^gatekey: The gateway is not valid: url: expected an absolute http\(s\) URL/,
    );

    const unknown = await runGatekey(['login', 'nope'], { home });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nope');

    const badFlag = await runGatekey(['list', '--colour'], { home });
    expect(badFlag.code).toBe(1);
    expect(badFlag.stderr).toContain('Usage: gatekey list');
  });

  it('fails inspect (exit 2) on a pasted token that is a broken JWT, saying what is broken', async () => {
    const home = await temporaryHome();
    const broken = await runGatekey(['inspect', '--token', 'eyJhbGciOiJSUzI1NiJ9.%%%.sig'], {
      home,
    });
    expect(broken.code, broken.stderr).toBe(2);
    expect(broken.stdout).toContain('Not a readable JWT');
    expect(broken.stdout).toMatch(/payload \(segment 2\) is not base64url/);
    const opaque = await runGatekey(['inspect', '--token', 'opaque-reference-token-1234'], {
      home,
    });
    expect(opaque.code, opaque.stderr).toBe(0);
    expect(opaque.stdout).toContain('Opaque token');
  });
});
