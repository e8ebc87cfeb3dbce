import type { ErrorCode } from '../errors.js';
import type { Gateway } from '../gateways/schema.js';
import type { SignInProgress } from '../oauth/types.js';

export type GatewayState =
  'signed-out' | 'signing-in' | 'signed-in' | 'refreshing' | 'needs-sign-in' | 'error';

export interface GatewayStatus {
  name: string;
  state: GatewayState;
  /** Epoch ms of the token being sent. */
  expiresAt?: number;
  grantedScopes: string[];
  /** Scopes a 403 insufficient_scope asked for and the current token lacks. */
  stepUpScopes?: string[];
  lastError?: { code: ErrorCode; message: string; hint?: string; at: number };
  lastRefreshAt?: number;
}

export interface TokenEvents {
  status: [GatewayStatus];
  progress: [gateway: string, progress: SignInProgress];
  /** The gateway's tokens may now stand for someone else, or for no one: a sign-in or sign-out. */
  identity: [gateway: string];
}

/** What the proxy needs from whoever owns tokens. */
export interface TokenProvider {
  /**
   * What tokenFor would answer at once, without waiting: a cached token that is not due for
   * renewal. Undefined when tokenFor has work to do (restore, refresh, sign-in needed).
   */
  cachedToken(gateway: Gateway): string | undefined;
  /** The value for the gateway's header template (access or ID token); refreshes when due. */
  tokenFor(gateway: string, signal?: AbortSignal): Promise<string>;
  /**
   * The upstream rejected `rejected` with 401: refresh once (single-flight; a no-op if a newer
   * token already exists) and return the new token. Throws `sign_in_required` when a person must act.
   */
  tokenAfterRejection(gateway: string, rejected: string, signal?: AbortSignal): Promise<string>;
  /** The upstream answered 403 insufficient_scope asking for these scopes. */
  recordStepUp(gateway: string, scopes: string[]): void;
  /**
   * Calls `listener` with a gateway's name after every sign-in and sign-out (never a refresh,
   * which keeps the identity), so that what the gateway keyed to the previous one is dropped.
   * Returns how to stop listening.
   */
  onIdentityChange(listener: (gateway: string) => void): () => void;
}
