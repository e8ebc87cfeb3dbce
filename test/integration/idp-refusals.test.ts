import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthSession } from '../../src-main/core/oauth/index.js';
import { runGatekey, temporaryHome } from '../support/cli.js';
import { rejection } from '../support/gatekey-rejection.js';
import {
  GATEWAY_URL,
  gatewayOf,
  MemorySecretStore,
  startLoopbackServer,
} from './oauth-fixtures.js';

/** A token endpoint that refuses every request with the OAuth error the test sets. */
let refusal: Record<string, string> = {};
let server: Awaited<ReturnType<typeof startLoopbackServer>>;

beforeAll(async () => {
  server = await startLoopbackServer((request, response) => {
    if (request.url === '/.well-known/oauth-authorization-server') {
      return json(response, 200, {
        issuer: server.origin,
        token_endpoint: `${server.origin}/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post'],
      });
    }
    request.resume();
    request.on('end', () => json(response, 400, refusal));
  });
});
afterAll(() => server?.close());

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function machineSession(resource?: string) {
  const store = new MemorySecretStore();
  await store.write('m2m', { clientSecret: 'machine-secret' });
  const gateway = gatewayOf({
    name: 'm2m',
    url: GATEWAY_URL,
    auth: 'client_credentials',
    issuer: server.origin,
    clientId: 'machine',
    ...(resource ? { resource } : {}),
  });
  return createOAuthSession(gateway, store);
}

describe('what Gatekey says when the IdP refuses', () => {
  it('invalid_target: names the resource it sent and offers --no-resource or --resource', async () => {
    refusal = { error: 'invalid_target', error_description: 'unknown resource' };

    const error = await rejection((await machineSession()).clientCredentials());

    expect(error.message).toBe(
      `The token request to ${server.origin} was refused: HTTP 400, invalid_target (unknown resource).`,
    );
    expect(error.hint).toContain(GATEWAY_URL);
    expect(error.hint).toContain('gatekey edit m2m --no-resource');
    expect(error.hint).toContain('gatekey edit m2m --resource URL');
  });

  it('an error_description with terminal escapes reaches the terminal without them (issue 14 item 8)', async () => {
    refusal = {
      error: 'invalid_scope',
      error_description: 'scope \u001b]0;pwned\u0007refused\u001b[2J here\u0007',
    };
    const home = await temporaryHome();
    const add = await runGatekey(
      [
        'add',
        'm2m',
        '--url',
        GATEWAY_URL,
        '--auth',
        'client_credentials',
        '--issuer',
        server.origin,
        '--client-id',
        'machine',
        '--client-secret-stdin',
      ],
      { home, stdin: 'machine-secret\n' },
    );
    expect(add.code, add.stderr).toBe(0);

    const token = await runGatekey(['token', 'm2m'], { home });

    expect(token.code).not.toBe(0);
    expect(token.stderr).toContain('invalid_scope (scope refused here )');
    // eslint-disable-next-line no-control-regex
    expect(token.stderr + token.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});
