import * as oidc from 'openid-client';
import { GatekeyError } from '../../src-main/core/errors.js';
import type { Gateway } from '../../src-main/core/gateways/schema.js';
import type { TokenProvider } from '../../src-main/core/tokens/types.js';
import type { RunningIdp } from '../../src-main/demo/idp.js';

export interface ClientCredentialsTokensOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  resource?: string;
  /**
   * Default true: a token is renewed a second before it expires. False keeps sending it until
   * the upstream rejects it, as happens when a clock is off or a token is revoked early.
   */
  renewBeforeExpiry?: boolean;
}

interface HeldToken {
  value: string;
  expiresAt: number;
}

const RENEW_AHEAD_MS = 1000;

/**
 * A small real TokenProvider for the proxy tests: client-credentials tokens from the test IdP,
 * renewed when due and after a rejection (single-flight). The app's TokenManager replaces it.
 */
export class ClientCredentialsTokens implements TokenProvider {
  readonly stepUps: { gateway: string; scopes: string[] }[] = [];
  /** Tokens obtained from the IdP so far. */
  issued = 0;
  private readonly held = new Map<string, HeldToken>();
  private readonly inFlight = new Map<string, Promise<HeldToken>>();
  private readonly signedOut = new Set<string>();
  private readonly identityListeners = new Set<(gateway: string) => void>();
  private configuration?: Promise<oidc.Configuration>;

  constructor(private readonly options: ClientCredentialsTokensOptions) {}

  cachedToken({ name }: Pick<Gateway, 'name'>): string | undefined {
    const held = this.held.get(name);
    const renewAhead = this.options.renewBeforeExpiry === false ? 0 : RENEW_AHEAD_MS;
    if (held && (renewAhead === 0 || held.expiresAt - renewAhead > Date.now())) return held.value;
    return undefined;
  }

  async tokenFor(gateway: string): Promise<string> {
    this.requireSignIn(gateway);
    return this.cachedToken({ name: gateway }) ?? (await this.obtain(gateway)).value;
  }

  async tokenAfterRejection(gateway: string, rejected: string): Promise<string> {
    this.requireSignIn(gateway);
    const held = this.held.get(gateway);
    if (held && held.value !== rejected) return held.value;
    return (await this.obtain(gateway)).value;
  }

  recordStepUp(gateway: string, scopes: string[]): void {
    this.stepUps.push({ gateway, scopes });
  }

  onIdentityChange(listener: (gateway: string) => void): () => void {
    this.identityListeners.add(listener);
    return () => this.identityListeners.delete(listener);
  }

  /** From now on a person would have to sign in to `gateway` again. */
  signOut(gateway: string): void {
    this.signedOut.add(gateway);
    this.held.delete(gateway);
    for (const listener of this.identityListeners) listener(gateway);
  }

  private requireSignIn(gateway: string): void {
    if (this.signedOut.has(gateway))
      throw new GatekeyError(
        'sign_in_required',
        `${gateway} is signed out.`,
        `gatekey login ${gateway}`,
      );
  }

  private obtain(gateway: string): Promise<HeldToken> {
    let pending = this.inFlight.get(gateway);
    if (pending === undefined) {
      pending = this.request()
        .then((token) => {
          this.held.set(gateway, token);
          return token;
        })
        .finally(() => this.inFlight.delete(gateway));
      this.inFlight.set(gateway, pending);
    }
    return pending;
  }

  private async request(): Promise<HeldToken> {
    const { issuer, clientId, clientSecret, scope, resource } = this.options;
    this.configuration ??= oidc.discovery(
      new URL(issuer),
      clientId,
      undefined,
      oidc.ClientSecretBasic(clientSecret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const response = await oidc.clientCredentialsGrant(await this.configuration, {
      ...(scope ? { scope } : {}),
      ...(resource ? { resource } : {}),
    });
    this.issued++;
    return {
      value: response.access_token,
      expiresAt: Date.now() + (response.expiresIn() ?? 3600) * 1000,
    };
  }
}

/** Tokens for the test IdP's confidential client, scoped for the demo MCP server's tools. */
export function confidentialClientTokens(
  idp: RunningIdp,
  overrides: Partial<ClientCredentialsTokensOptions> = {},
): ClientCredentialsTokens {
  const { clientId, clientSecret } = idp.clients.confidentialBasic;
  return new ClientCredentialsTokens({
    issuer: idp.issuer,
    clientId,
    clientSecret: clientSecret!,
    scope: 'mcp:tools',
    ...overrides,
  });
}
