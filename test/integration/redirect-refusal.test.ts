import { access, chmod, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthSession } from '../../src-main/core/oauth/index.js';
import type { BrowserSignInOptions } from '../../src-main/core/oauth/types.js';
import { startIdp, type RunningIdp } from '../../src-main/demo/idp.js';
import { runGatekey, temporaryHome } from '../support/cli.js';
import { rejection } from '../support/gatekey-rejection.js';
import { freePort } from '../support/ports.js';
import { temporaryDirectory } from '../support/temporary.js';
import {
  GATEWAY_URL,
  gatewayOf,
  MemorySecretStore,
  startLoopbackServer,
} from './oauth-fixtures.js';

/** Far beyond any test's time: a sign-in that waits for the browser never finishes here. */
const LONG_TIMEOUT_MS = 30 * 60_000;

/** Sign-in options whose browser only counts the times it was asked to open. */
function countingBrowser(extra: Partial<BrowserSignInOptions> = {}) {
  const opened: string[] = [];
  const options: BrowserSignInOptions = {
    openBrowser: async (url) => {
      opened.push(url);
    },
    timeoutMs: LONG_TIMEOUT_MS,
    ...extra,
  };
  return { options, opened };
}

/** Sign-in options whose browser, once asked to open, cancels the sign-in. */
function browserThatCancels() {
  const controller = new AbortController();
  const counting = countingBrowser({ signal: controller.signal });
  const openBrowser = counting.options.openBrowser;
  counting.options.openBrowser = async (url) => {
    await openBrowser(url);
    controller.abort();
  };
  return counting;
}

const FIXED_PORT_HINT = /gatekey edit work --redirect-uri http:\/\/127\.0\.0\.1:(\d+)\/callback$/;

describe('an IdP that refuses the redirect URI (oidc-provider, exact redirect URIs)', () => {
  let cognito: RunningIdp;
  let registered: string;
  beforeAll(async () => {
    registered = `http://127.0.0.1:${await freePort()}/callback`;
    cognito = await startIdp({ profile: 'cognito', exactRedirectUri: registered });
  });
  afterAll(() => cognito?.close());

  const gateway = (redirectUri?: string) =>
    gatewayOf({
      url: GATEWAY_URL,
      issuer: cognito.issuer,
      clientId: cognito.clients.publicPkce.clientId,
      scopes: ['openid'],
      ...(redirectUri ? { redirectUri } : {}),
    });

  it('a fixed redirect URI it does not know: refused at once, before the browser opens', async () => {
    const unregistered = `http://127.0.0.1:${await freePort()}/callback`;
    const progress: string[] = [];
    const { options, opened } = countingBrowser({
      onProgress: (step) => progress.push(`${step.step}: ${step.message}`),
    });

    const error = await rejection(
      createOAuthSession(gateway(unregistered), new MemorySecretStore()).signInWithBrowser(options),
    );

    expect(error.code).toBe('idp_error');
    expect(error.message).toMatch(
      new RegExp(
        `^The authorization request to ${cognito.issuer} was refused before the browser opened: HTTP 400, invalid_redirect_uri \\(redirect_uri did not match`,
      ),
    );
    expect(error.message).toContain(`redirect URI ${unregistered}`);
    expect(error.message).toContain(`client ${cognito.clients.publicPkce.clientId}`);
    expect(error.hint).toBe(
      `Register exactly ${unregistered} as a callback URL of client ${cognito.clients.publicPkce.clientId} at the IdP, or use the callback URL it has: gatekey edit work --redirect-uri URL`,
    );
    expect(opened).toEqual([]);
    expect(progress.at(-1)).toBe(
      `browser: Checking that the identity provider accepts the redirect URI ${unregistered}.`,
    );
  });

  it('the default redirect (any port): the fix names one fixed, free port, the same each time', async () => {
    const first = countingBrowser();
    const second = countingBrowser();

    const errors = [
      await rejection(
        createOAuthSession(gateway(), new MemorySecretStore()).signInWithBrowser(first.options),
      ),
      await rejection(
        createOAuthSession(gateway(), new MemorySecretStore()).signInWithBrowser(second.options),
      ),
    ];

    const ports = errors.map((error) => FIXED_PORT_HINT.exec(error.hint ?? '')?.[1]);
    expect(ports[0]).toMatch(/^\d+$/);
    expect(ports[0]).not.toBe('0');
    expect(ports[1]).toBe(ports[0]);
    expect(errors[0]?.hint).toContain(
      `Register http://127.0.0.1:${ports[0]}/callback as a callback URL of client`,
    );
    expect(first.opened.length + second.opened.length).toBe(0);
  });

  it('the registered redirect URI: the check passes and the browser opens', async () => {
    const { options, opened } = browserThatCancels();

    const error = await rejection(
      createOAuthSession(gateway(registered), new MemorySecretStore()).signInWithBrowser(options),
    );

    expect(error.code).toBe('sign_in_cancelled');
    expect(opened).toHaveLength(1);
  });

  it('gatekey login (the real CLI) ends with the refusal and never starts the browser', async () => {
    const home = await temporaryHome();
    const unregistered = `http://127.0.0.1:${await freePort()}/callback`;
    const marker = path.join(await temporaryDirectory('gatekey-browser'), 'opened');
    const browser = path.join(path.dirname(marker), 'browser.sh');
    await writeFile(browser, `#!/bin/sh\ntouch ${marker}\n`);
    await chmod(browser, 0o700);
    const add = await runGatekey(
      [
        'add',
        'web',
        '--url',
        GATEWAY_URL,
        '--issuer',
        cognito.issuer,
        '--client-id',
        cognito.clients.publicPkce.clientId,
        '--redirect-uri',
        unregistered,
        '--scope',
        'openid',
      ],
      { home },
    );
    expect(add.code, add.stderr).toBe(0);

    // Were the refusal missed, login would wait five minutes and runGatekey would give up first.
    const login = await runGatekey(['login', 'web'], {
      home,
      env: { BROWSER: browser },
      timeoutMs: 120_000,
    });

    expect(login.code).not.toBe(0);
    expect(login.stderr).toContain(
      `The authorization request to ${cognito.issuer} was refused before the browser opened: HTTP 400, invalid_redirect_uri`,
    );
    expect(login.stderr).toContain(`Register exactly ${unregistered} as a callback URL`);
    expect(login.stderr).toContain('gatekey edit web --redirect-uri URL');
    expect(login.stderr).not.toContain('If no browser opens');
    await expect(access(marker)).rejects.toThrow();
  });
});

describe('an authorization endpoint of other shapes (a loopback stand-in)', () => {
  let authorize: (response: ServerResponse) => void = () => {};
  let server: Awaited<ReturnType<typeof startLoopbackServer>>;
  beforeAll(async () => {
    server = await startLoopbackServer((request, response) => {
      if (request.url === '/.well-known/oauth-authorization-server') {
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end(
          JSON.stringify({
            issuer: server.origin,
            authorization_endpoint: `${server.origin}/authorize`,
            token_endpoint: `${server.origin}/token`,
            code_challenge_methods_supported: ['S256'],
          }),
        );
      }
      authorize(response);
    });
  });
  afterAll(() => server?.close());

  it.each([
    [
      'a firewall page (403)',
      (response: ServerResponse) =>
        response
          .writeHead(403, { 'content-type': 'text/html' })
          .end('<html><body><h1>Access denied</h1><p>Your request was blocked.</p></body></html>'),
    ],
    ['a server error (500)', (response: ServerResponse) => response.writeHead(500).end()],
    ['no answer (connection cut)', (response: ServerResponse) => response.socket?.destroy()],
  ])('%s: no clear refusal, the browser tries', async (_name, answer) => {
    authorize = answer;
    const { options, opened } = browserThatCancels();
    const session = createOAuthSession(
      gatewayOf({ url: GATEWAY_URL, issuer: server.origin, clientId: 'ide', resource: false }),
      new MemorySecretStore(),
    );

    const error = await rejection(session.signInWithBrowser(options));

    expect(error.code).toBe('sign_in_cancelled');
    expect(opened).toHaveLength(1);
  });

  it("a redirect to its own error page naming redirect_mismatch (Cognito's shape): refused at once", async () => {
    authorize = (response) =>
      response.writeHead(302, { location: '/error?error=redirect_mismatch&client_id=ide' }).end();
    const { options, opened } = countingBrowser();
    const session = createOAuthSession(
      gatewayOf({ url: GATEWAY_URL, issuer: server.origin, clientId: 'ide', resource: false }),
      new MemorySecretStore(),
    );

    const error = await rejection(session.signInWithBrowser(options));

    expect(error.message).toContain(
      `The authorization request to ${server.origin} was refused before the browser opened: HTTP 302, redirect_mismatch.`,
    );
    expect(error.hint).toMatch(FIXED_PORT_HINT);
    expect(opened).toEqual([]);
  });
});

describe('the hint after a failed registration', () => {
  let server: Awaited<ReturnType<typeof startLoopbackServer>>;
  beforeAll(async () => {
    server = await startLoopbackServer((request, response) => {
      const metadata = {
        issuer: server.origin,
        authorization_endpoint: `${server.origin}/authorize`,
        token_endpoint: `${server.origin}/token`,
        registration_endpoint: `${server.origin}/register`,
      };
      const [status, body] =
        request.url === '/.well-known/oauth-authorization-server'
          ? [200, metadata]
          : [403, { error: 'access_denied', error_description: 'registration is closed' }];
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  });
  afterAll(() => server?.close());

  it('names a fixed free port and the matching --client-id and --redirect-uri, the same each time', async () => {
    const signIn = () =>
      rejection(
        createOAuthSession(
          gatewayOf({ url: GATEWAY_URL, issuer: server.origin }),
          new MemorySecretStore(),
        ).signInWithBrowser(countingBrowser().options),
      );

    const [first, second] = [await signIn(), await signIn()];

    expect(first.message).toContain('registration is closed');
    const hint =
      /^Register an app client by hand \(public, PKCE\) with the callback URL (http:\/\/127\.0\.0\.1:(\d+)\/callback), then set both: gatekey edit work --client-id ID --redirect-uri (\S+)$/.exec(
        first.hint ?? '',
      );
    expect(hint, first.hint).not.toBeNull();
    expect(hint?.[2]).not.toBe('0');
    expect(hint?.[3]).toBe(hint?.[1]);
    expect(second.hint).toBe(first.hint);
  });
});
