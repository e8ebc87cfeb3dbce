import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { runGatekey, temporaryHome } from '../support/cli.js';
import { GLEWLWYD_SCOPE } from '../support/glewlwyd.js';
import { addMachineClient, describeWithGlewlwyd } from '../support/glewlwyd-suite.js';
import { clientCredentialsToken, forgeWithOtherKey } from '../support/machine-tokens.js';

/** The report with its word-wrapping undone, so that a sentence can be looked for whole. */
const unwrapped = (stdout: string) => stdout.replace(/\n {4}/g, ' ');

/**
 * The real `gatekey inspect` against real IdPs on loopback: a pasted token is never called
 * good unless its signature verified, and the audience advice says who ignored what.
 */
describe('gatekey inspect --token: the signature of a pasted token', () => {
  let idp: RunningIdp;
  let mcp: RunningMcpServer;
  let home: string;
  let token: string;
  const inspect = (args: string[], stdin: string) =>
    runGatekey(['inspect', '--token', '-', ...args], { home, stdin });

  beforeAll(async () => {
    idp = await startIdp({ profile: 'generic' });
    mcp = await startDemoMcpServer({ issuer: idp.issuer });
    home = await temporaryHome();
    token = await clientCredentialsToken(idp.issuer, idp.clients.confidentialBasic, {
      scope: 'mcp:read',
      resource: mcp.url,
    });
  });
  afterAll(async () => {
    await mcp?.close();
    await idp?.close();
  });

  it('without a gateway for its issuer: "not verified" (exit 3), and how to verify it', async () => {
    const result = await inspect([], token);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout.split('\n')[0]).toMatch(/signature ! not verified$/);
    expect(result.stdout).toContain(
      `No configured gateway has the issuer "${idp.issuer}", so the signature was not verified.`,
    );
    expect(result.stdout).toContain('gatekey inspect --fetch-keys --token -');
    expect(result.stdout).not.toContain('checks out');
    expect(result.stdout).not.toContain(token);
  });

  it('with --fetch-keys: verified with the keys its iss publishes (exit 0)', async () => {
    const result = await inspect(['--fetch-keys'], token);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/signature ✓ verified$/);
    expect(result.stdout).toContain('✓ Token checks out');
  });

  it('with --fetch-keys, a token signed by another key fails (exit 2) and says so', async () => {
    const result = await inspect(['--fetch-keys'], await forgeWithOtherKey(token));
    expect(result.code, result.stdout).toBe(2);
    expect(result.stdout.split('\n')[0]).toMatch(/signature ✗ invalid$/);
    expect(result.stdout).toContain('✗ Signature does not verify');
    expect(result.stdout).not.toContain('checks out');
  });

  it('a gateway whose issuer came from its 401 (no --issuer) supplies the keys', async () => {
    const add = await runGatekey(['add', 'found', '--url', mcp.url], { home });
    expect(add.code, add.stderr).toBe(0);
    const result = await inspect([], token);
    expect(result.stdout.split('\n')[0]).toMatch(/signature ✓ verified$/);
    expect(result.stdout).toContain(`Verified with a key from ${idp.issuer}/jwks.`);
    expect(result.stdout).not.toContain('No configured gateway');
  });
});

describe('gatekey inspect: the audience of a gateway’s token', () => {
  const idps: RunningIdp[] = [];
  afterAll(() => Promise.all(idps.map((idp) => idp.close())));

  /** A machine gateway with --issuer: Gatekey sends the gateway URL as `resource`. */
  async function inspectMachineGateway(profile: 'generic' | 'okta') {
    const idp = await startIdp({ profile });
    idps.push(idp);
    const home = await temporaryHome();
    const client = idp.clients.confidentialBasic;
    const url = `${idp.issuer.replace(/\/$/, '')}/mcp`;
    const flags = ['--auth', 'client_credentials', '--issuer', idp.issuer];
    const add = await runGatekey(
      [
        'add',
        'm2m',
        '--url',
        url,
        ...flags,
        '--client-id',
        client.clientId,
        '--scope',
        'mcp:read',
        '--client-secret-stdin',
      ],
      { home, stdin: client.clientSecret },
    );
    expect(add.code, add.stderr).toBe(0);
    return { url, result: await runGatekey(['inspect', 'm2m'], { home }) };
  }

  it('oidc-provider honouring resource: the token is for the gateway, nothing to say', async () => {
    const { url, result } = await inspectMachineGateway('generic');
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`\\n  aud +${url}\\n`));
    expect(result.stdout).not.toContain('resource');
  });

  it('oidc-provider ignoring resource (Okta-like): says the IdP ignored it, not "set resource"', async () => {
    const { url, result } = await inspectMachineGateway('okta');
    const text = unwrapped(result.stdout);
    expect(text).toContain('! The IdP ignored the resource indicator');
    expect(text).toContain(`Gatekey asked for this token with resource "${url}" (RFC 8707)`);
    expect(text).toContain('If the gateway accepts "api://default" as audience, nothing is wrong.');
    expect(text).not.toContain('--resource');
  });
});

describeWithGlewlwyd('gatekey inspect against Glewlwyd (Debian package)', (glewlwyd) => {
  it('Glewlwyd ignores resource: the advice says so, and the signature verifies', async () => {
    const client = await addMachineClient(glewlwyd(), 'inspect-post');
    const home = await temporaryHome();
    // Never asked: with --issuer, Gatekey goes straight to the IdP.
    const url = 'http://127.0.0.1:9/mcp';
    const add = await runGatekey(
      [
        'add',
        'glew',
        '--url',
        url,
        '--auth',
        'client_credentials',
        '--issuer',
        glewlwyd().issuer,
        '--client-id',
        client.clientId,
        '--token-endpoint-auth',
        'client_secret_post',
        '--scope',
        GLEWLWYD_SCOPE,
        '--client-secret-stdin',
      ],
      { home, stdin: client.clientSecret },
    );
    expect(add.code, add.stderr).toBe(0);

    const result = await runGatekey(['inspect', 'glew'], { home });
    expect(result.stdout.split('\n')[0]).toMatch(/signature ✓ verified$/);
    const text = unwrapped(result.stdout);
    expect(text).toContain('! The IdP ignored the resource indicator');
    expect(text).toContain(
      `Gatekey asked for this token with resource "${url}" (RFC 8707), but the IdP issued it for "${GLEWLWYD_SCOPE}"`,
    );
    expect(text).not.toContain('--resource');
  });
});
