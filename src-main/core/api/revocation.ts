/**
 * What a sign-out did at the IdP (RFC 7009), and how to say it. Browser-safe: the CLI and the
 * window both print `describeRevocation`.
 */
import { describeRelative } from '../time.js';
import type { GatewayStatus } from '../tokens/types.js';

export type RevocableToken = 'refresh_token' | 'access_token';

export type Revocation =
  /** The IdP revoked every token Gatekey held. */
  | { outcome: 'revoked' }
  /** Gatekey held no token for the gateway (or it uses none). */
  | { outcome: 'nothing-held' }
  | {
      outcome: 'not-revoked';
      /** The tokens the IdP may still accept, and until when (epoch ms) when known. */
      tokens: { kind: RevocableToken; validUntil?: number }[];
      /** Why: the revocation step and what the server answered (sanitised), or that it has no endpoint. */
      reason: string;
      /** Where a person can end Gatekey's access at the IdP. */
      whereToRevoke: string;
    };

export interface SignOutResult {
  /** Gatekey's own sign-out always completes: the tokens are gone from the keychain. */
  status: GatewayStatus;
  revocation: Revocation;
}

const TOKEN_NAMES: Record<RevocableToken, string> = {
  refresh_token: 'refresh token',
  access_token: 'access token',
};

/** The lines a person reads after signing out of `name`. */
export function describeRevocation(
  name: string,
  revocation: Revocation,
  now: number = Date.now(),
): string[] {
  switch (revocation.outcome) {
    case 'revoked':
      return [`Signed out of ${name}; the IdP revoked its tokens.`];
    case 'nothing-held':
      return [`Signed out of ${name}.`];
    case 'not-revoked':
      return [
        `Signed out of ${name}: Gatekey removed its tokens, but the IdP did not revoke them.`,
        `Why: ${revocation.reason}`,
        ...revocation.tokens.map(({ kind, validUntil }) =>
          validUntil === undefined
            ? `The ${TOKEN_NAMES[kind]} stays valid at the IdP until it expires there (the IdP did not say when).`
            : `The ${TOKEN_NAMES[kind]} stays valid at the IdP until ${new Date(validUntil).toISOString()} (${describeRelative(validUntil, now)}).`,
        ),
        `To end it now: ${revocation.whereToRevoke}`,
      ];
  }
}
