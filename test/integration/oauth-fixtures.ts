import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GatewaySchema,
  type Gateway,
  type GatewayInput,
} from '../../src-main/core/gateways/schema.js';
import type { BrowserSignInOptions, SignInProgress } from '../../src-main/core/oauth/index.js';
import type { GatewaySecrets, SecretStore } from '../../src-main/core/secrets/types.js';
import {
  completeBrowserLogin,
  type BrowserLoginOptions,
  type BrowserLoginResult,
} from '../support/headless-browser.js';
import { closeServer } from '../support/ports.js';

/** The resource a test gateway names: the OAuth engine only sends it to the IdP, never fetches it. */
export const GATEWAY_URL = 'https://gateway.example.com/mcp';

/** The SecretStore contract kept in memory: the OAuth engine only needs its four methods. */
export class MemorySecretStore implements SecretStore {
  readonly kind = 'insecure-file';
  readonly #entries = new Map<string, GatewaySecrets>();

  async read(gateway: string): Promise<GatewaySecrets | undefined> {
    return structuredClone(this.#entries.get(gateway));
  }

  async write(gateway: string, secrets: GatewaySecrets): Promise<void> {
    this.#entries.set(gateway, structuredClone(secrets));
  }

  async delete(gateway: string): Promise<void> {
    this.#entries.delete(gateway);
  }
}

export function gatewayOf(input: Omit<GatewayInput, 'name'> & { name?: string }): Gateway {
  return GatewaySchema.parse({ name: 'work', ...input });
}

/**
 * Browser sign-in options whose "browser" is the headless one. `browsed()` waits for it to
 * finish and gives what the loopback callback answered it.
 */
export function headlessSignIn(
  login: BrowserLoginOptions & { rewriteUrl?: (url: URL) => void } = {},
  overrides: Partial<BrowserSignInOptions> = {},
) {
  const progress: SignInProgress[] = [];
  const visits: Promise<BrowserLoginResult>[] = [];
  const options: BrowserSignInOptions = {
    openBrowser: async (url) => {
      const target = new URL(url);
      login.rewriteUrl?.(target);
      const visit = completeBrowserLogin(target.href, login);
      visits.push(visit);
      await visit;
    },
    onProgress: (step) => progress.push(step),
    timeoutMs: 20_000,
    ...overrides,
  };
  return { options, progress, browsed: () => Promise.all(visits) };
}

/** The authorization URL a sign-in reported on its browser step. */
export function authorizationUrlOf(progress: SignInProgress[]): URL {
  return new URL(
    progress.find((step) => step.authorizationUrl)?.authorizationUrl ?? 'http://invalid/',
  );
}

/** The redirect URI a sign-in sent, read from the authorization URL it reported. */
export function redirectUriOf(progress: SignInProgress[]): URL {
  return new URL(authorizationUrlOf(progress).searchParams.get('redirect_uri') ?? '');
}

/** A loopback HTTP server for shapes the real IdP never takes (an HTML catch-all, say). */
export async function startLoopbackServer(
  handler: RequestListener,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => closeServer(server),
  };
}

/** A fetch that remembers the JSON bodies of token endpoint answers, to compare with what the engine returns. */
export function recordingFetch(): {
  fetch: typeof fetch;
  tokenResponses: Record<string, unknown>[];
} {
  const tokenResponses: Record<string, unknown>[] = [];
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const body = typeof init?.body === 'string' ? init.body : init?.body?.toString();
    if (init?.method === 'POST' && body?.includes('grant_type=') && response.ok) {
      tokenResponses.push((await response.clone().json()) as Record<string, unknown>);
    }
    return response;
  };
  return { fetch: recording, tokenResponses };
}
