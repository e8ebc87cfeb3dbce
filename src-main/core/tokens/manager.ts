import { EventEmitter } from 'node:events';
import { decodeJwt } from 'jose/jwt/decode';
import { GatekeyError } from '../errors.js';
import type { Gateway } from '../gateways/schema.js';
import type { GatewayStore } from '../gateways/store.js';
import { createOAuthSession } from '../oauth/index.js';
import type { DiscoveryResult, OAuthSession, SignInProgress } from '../oauth/types.js';
import type { SecretStore, TokenSet } from '../secrets/types.js';
import type { RevocableToken, Revocation } from '../api/revocation.js';
import type { GatewayState, GatewayStatus, TokenEvents, TokenProvider } from './types.js';

/** Refresh at 80 % of a token's lifetime, or 60 s before expiry when that is earlier. */
const REFRESH_AT_LIFETIME_FRACTION = 0.8;
const REFRESH_LEAD_MS = 60_000;
/** Guards against a refresh loop when the lifetime is absurdly short or the clock is off. */
const MIN_TOKEN_USE_MS = 1_000;
/** Refresh times spread over up to 5 % of the lifetime, so gateways do not refresh in step. */
const REFRESH_JITTER_FRACTION = 0.05;
/** A token this close to expiry is renewed before it is sent (at most 5 s, 10 % of its life). */
const SEND_MARGIN_MS = 5_000;
const SEND_MARGIN_FRACTION = 0.1;
/** Gap between the refreshes that `revalidate` starts, so a wake-up is not a burst. */
const REVALIDATE_STAGGER_MS = 250;
const REVOKE_TIMEOUT_MS = 5_000;
const DEFAULT_RETRY = { initialMs: 2_000, maxMs: 60_000 };

export interface RetryPolicy {
  /** Wait after the first failed refresh; doubles per failure, with jitter. */
  initialMs: number;
  maxMs: number;
}

export interface TokenManagerOptions {
  gateways: Pick<GatewayStore, 'list' | 'get' | 'require'>;
  secrets: SecretStore;
  createSession?: (gateway: Gateway, secrets: SecretStore) => OAuthSession;
  now?: () => number;
  /** Backoff of failed refreshes. Default: 2 s doubling up to 60 s. */
  retry?: RetryPolicy;
}

export interface SignInOptions {
  openBrowser: (url: string) => Promise<void>;
  signal?: AbortSignal;
}

type ErrorRecord = NonNullable<GatewayStatus['lastError']>;

/** What the manager knows about one gateway; its state is derived from these facts. */
interface Entry {
  readonly name: string;
  tokens?: TokenSet;
  /** When the token the gateway sends expires (see expiryOf). */
  expiresAt?: number;
  /** When the background refresh of `tokens` is due (jittered). */
  refreshAt?: number;
  /** Set by `invalid_grant`: the refresh token is dead and only a person can fix it. */
  needsSignIn: boolean;
  /**
   * Set by `invalid_client`: the IdP refused the client itself, so asking again changes nothing
   * until its configuration changes (reload) or a person asks (sign-in, refresh now).
   */
  clientRefused?: boolean;
  lastError?: ErrorRecord;
  /** While refreshes fail: when the next attempt is due. */
  retryAt?: number;
  failures: number;
  lastRefreshAt?: number;
  stepUpScopes?: string[];
  activeSignIns: number;
  restoring?: Promise<void>;
  /** The single token request in flight, shared by every caller. */
  renewing?: Promise<TokenSet>;
  /** Keychain writes and token swaps, one at a time and in order. */
  commits: Promise<unknown>;
  timer?: NodeJS.Timeout;
  session?: { config: string; session: OAuthSession };
  /** The gateway was forgotten: nothing may be written for it any more. */
  retired: boolean;
  lastPublished?: string;
}

/** Marks a commit that replaces whatever tokens are current (a sign-in, a sign-out). */
const ANY_TOKENS = Symbol('any tokens');

function signInRequired(name: string): GatekeyError {
  return new GatekeyError(
    'sign_in_required',
    `${name} needs sign-in.`,
    `Sign in to ${name} from the Gatekey tray, or run: gatekey login ${name}`,
  );
}

function removedWhileBusy(name: string): GatekeyError {
  return new GatekeyError(
    'gateway_not_found',
    `No gateway named "${name}": it was removed while its tokens were being renewed.`,
    'Add the gateway again if you still need it.',
  );
}

function asGatekeyError(error: unknown): GatekeyError {
  if (error instanceof GatekeyError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GatekeyError('idp_error', message, undefined, { cause: error });
}

function jwtExpiry(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return exp === undefined ? undefined : exp * 1000;
  } catch {
    return undefined;
  }
}

/** Compared by value: the same tokens re-read from the keychain are still the same tokens. */
function sameTokens(a: TokenSet | undefined, b: TokenSet | undefined): boolean {
  return a?.accessToken === b?.accessToken && a?.refreshToken === b?.refreshToken;
}

/**
 * Epoch ms at which the token the gateway sends expires; undefined when nobody said. A JWT's
 * `exp` counts from the IdP's whole second, up to 1 s before what `expires_in` implies, so the
 * earlier wins; but an `exp` leaving less than half the declared lifetime means the clocks
 * disagree, and then only the relative `expires_in` is trusted.
 */
function expiryOf(gateway: Gateway, tokens: TokenSet): number | undefined {
  const sent = gateway.tokenToSend === 'id_token' ? tokens.idToken : tokens.accessToken;
  const exp = sent === undefined ? undefined : jwtExpiry(sent);
  const declared = tokens.expiresAt;
  if (exp === undefined) return declared;
  if (declared === undefined) return exp > tokens.obtainedAt ? exp : undefined;
  const plausible = exp - tokens.obtainedAt >= (declared - tokens.obtainedAt) / 2;
  return plausible ? Math.min(exp, declared) : declared;
}

function sentToken(gateway: Gateway, tokens: TokenSet): string {
  if (gateway.tokenToSend === 'access_token') return tokens.accessToken;
  if (tokens.idToken) return tokens.idToken;
  throw new GatekeyError(
    'idp_error',
    `${gateway.name} is set to send the ID token, but the IdP issued none.`,
    `Ask for the openid scope, or send the access token instead: gatekey edit ${gateway.name} --send access_token`,
  );
}

/**
 * Tokens living under 2 minutes cannot keep a 60 s lead without refreshing all the time, so
 * they refresh at 80 % only. However short the lifetime, a new token is kept for a second.
 */
function refreshTime(tokens: TokenSet, expiry: number): number {
  const lifetime = Math.max(0, expiry - tokens.obtainedAt);
  const fractionLead = lifetime * (1 - REFRESH_AT_LIFETIME_FRACTION);
  const lead =
    REFRESH_LEAD_MS <= lifetime / 2 ? Math.max(fractionLead, REFRESH_LEAD_MS) : fractionLead;
  const jittered = expiry - lead - Math.random() * lifetime * REFRESH_JITTER_FRACTION;
  return Math.max(jittered, tokens.obtainedAt + MIN_TOKEN_USE_MS);
}

function sendMargin(tokens: TokenSet, expiry: number): number {
  return Math.min(SEND_MARGIN_MS, (expiry - tokens.obtainedAt) * SEND_MARGIN_FRACTION);
}

/** Half the doubled delay plus a random part of the other half ("equal jitter"). */
function backoffDelay(policy: RetryPolicy, failures: number): number {
  const delay = Math.min(policy.maxMs, policy.initialMs * 2 ** (failures - 1));
  return delay / 2 + (Math.random() * delay) / 2;
}

/** How the gateway gets new tokens without a person, if it can. */
function renewalGrant(
  gateway: Gateway,
  tokens: TokenSet | undefined,
): ((session: OAuthSession) => Promise<TokenSet>) | undefined {
  if (gateway.auth === 'client_credentials') return (session) => session.clientCredentials();
  if (gateway.auth === 'cross_app') return (session) => session.crossAppAccess();
  const refreshToken = tokens?.refreshToken;
  if (gateway.auth === 'pkce' && refreshToken) return (session) => session.refresh(refreshToken);
  return undefined;
}

/** The tokens worth revoking: the refresh token, and the access token unless it has expired. */
function heldTokens(
  tokens: TokenSet,
  now: number,
): { kind: RevocableToken; token: string; validUntil?: number }[] {
  const { refreshToken, accessToken } = tokens;
  const accessUntil = tokens.expiresAt ?? jwtExpiry(accessToken);
  return [
    ...(refreshToken
      ? [
          {
            kind: 'refresh_token' as const,
            token: refreshToken,
            validUntil: tokens.refreshExpiresAt ?? jwtExpiry(refreshToken),
          },
        ]
      : []),
    ...(accessUntil === undefined || accessUntil > now
      ? [{ kind: 'access_token' as const, token: accessToken, validUntil: accessUntil }]
      : []),
  ];
}

/** One line that names the revocation step and what happened there. */
function revocationFailure(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `The revocation request got no answer within ${REVOKE_TIMEOUT_MS / 1000} s.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith('The revocation request')
    ? message
    : `The revocation request could not be made: ${message}`;
}

/** Waits for `promise`, but lets this caller stop waiting (the shared work goes on). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Owns every gateway's tokens: an in-memory cache restored from the keychain, refreshed in the
 * background ahead of expiry, one token request at a time per gateway, backing off while the
 * IdP is unreachable. It never opens a browser except in `signIn`.
 */
export class TokenManager extends EventEmitter<TokenEvents> implements TokenProvider {
  readonly #gateways: TokenManagerOptions['gateways'];
  readonly #secrets: SecretStore;
  readonly #createSession: NonNullable<TokenManagerOptions['createSession']>;
  readonly #now: () => number;
  readonly #retry: RetryPolicy;
  readonly #entries = new Map<string, Entry>();
  #stopped = false;
  /** Aborted by `stop`: a sign-in waiting for its browser must not keep the process alive. */
  #halt = new AbortController();
  readonly #browserSignIns = new Set<Promise<unknown>>();

  constructor(options: TokenManagerOptions) {
    super();
    this.#gateways = options.gateways;
    this.#secrets = options.secrets;
    this.#createSession =
      options.createSession ?? ((gateway, secrets) => createOAuthSession(gateway, secrets));
    this.#now = options.now ?? Date.now;
    this.#retry = options.retry ?? DEFAULT_RETRY;
  }

  /**
   * Restores every gateway from the keychain; a gateway whose entry fails shows `error`. One
   * after another: opening a keychain entry blocks the event loop for milliseconds (D-Bus on
   * Linux), so all at once would hold up every request meanwhile, while in turn a request for a
   * gateway whose turn has not come restores that one at once and waits for it alone.
   */
  async start(): Promise<void> {
    this.#stopped = false;
    if (this.#halt.signal.aborted) this.#halt = new AbortController();
    for (const gateway of this.#gateways.list()) {
      if (this.#stopped) return;
      await this.#ready(gateway.name).catch(() => undefined);
    }
  }

  /**
   * Cancels timers and browser sign-ins (closing their callback listeners), and waits until
   * in-flight token requests are persisted.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#halt.abort();
    for (const entry of this.#entries.values()) clearTimeout(entry.timer);
    await Promise.allSettled([
      ...this.#browserSignIns,
      ...[...this.#entries.values()].map((entry) => this.#settled(entry)),
    ]);
  }

  status(name: string): GatewayStatus {
    const gateway = this.#gateways.require(name);
    const entry = this.#entry(name);
    if (!entry.restoring) void this.#ready(name).catch(() => undefined);
    return this.#statusOf(entry, gateway);
  }

  list(): GatewayStatus[] {
    return this.#gateways.list().map((gateway) => this.status(gateway.name));
  }

  /** PKCE: the browser flow (reports `progress`). Client credentials: a token request. */
  async signIn(name: string, options: SignInOptions): Promise<GatewayStatus> {
    const { gateway, entry } = await this.#ready(name);
    if (gateway.auth === 'client_credentials' || gateway.auth === 'cross_app') {
      entry.retryAt = undefined;
      entry.clientRefused = false;
      await this.#renewShared(entry, gateway);
    } else if (gateway.auth === 'pkce') {
      await this.#signInWithBrowser(entry, gateway, options);
    }
    if (gateway.auth !== 'none') this.emit('identity', name);
    return this.#statusOf(entry, gateway);
  }

  /**
   * Drops the tokens (the client secret and the registration stay in the keychain), then asks
   * the IdP to revoke them and reports what it did.
   */
  async signOut(name: string): Promise<Revocation> {
    const { gateway, entry } = await this.#ready(name);
    if (gateway.auth === 'none') return { outcome: 'nothing-held' };
    const forgotten = entry.tokens;
    await this.#commit(entry, gateway, undefined, ANY_TOKENS);
    this.emit('identity', name);
    this.#clearFailure(entry);
    entry.needsSignIn = false;
    entry.stepUpScopes = undefined;
    this.#schedule(entry);
    this.#publish(entry);
    return forgotten ? this.#revoke(entry, gateway, forgotten) : { outcome: 'nothing-held' };
  }

  /**
   * RFC 7009, after the tokens are gone from Gatekey, so sign-out never fails on an IdP that is
   * down or refuses; the report says which tokens stay valid there, why, and until when.
   */
  async #revoke(entry: Entry, gateway: Gateway, tokens: TokenSet): Promise<Revocation> {
    const session = this.#session(entry, gateway);
    const signal = AbortSignal.timeout(REVOKE_TIMEOUT_MS);
    const unrevoked: { kind: RevocableToken; validUntil?: number }[] = [];
    let reason: string | undefined;
    for (const { kind, token, validUntil } of heldTokens(tokens, this.#now())) {
      try {
        await session.revoke(token, signal);
      } catch (error) {
        reason ??= revocationFailure(error);
        unrevoked.push(validUntil === undefined ? { kind } : { kind, validUntil });
      }
    }
    if (reason === undefined) return { outcome: 'revoked' };
    const whereToRevoke = await session.whereToRevoke();
    return { outcome: 'not-revoked', tokens: unrevoked, reason, whereToRevoke };
  }

  async refreshNow(name: string): Promise<GatewayStatus> {
    const { gateway, entry } = await this.#ready(name);
    if (gateway.auth === 'none') return this.#statusOf(entry, gateway);
    entry.clientRefused = false;
    if (!this.#canRenew(entry, gateway)) throw signInRequired(name);
    entry.retryAt = undefined;
    await this.#renewShared(entry, gateway);
    return this.#statusOf(entry, gateway);
  }

  /** The cached tokens as they are (for the inspector); no request is made. */
  async currentTokens(name: string): Promise<TokenSet | undefined> {
    const { entry } = await this.#ready(name);
    return entry.tokens && { ...entry.tokens };
  }

  /** What the gateway's OAuth session discovered (done once per gateway definition). */
  async discovery(name: string): Promise<DiscoveryResult> {
    const { gateway, entry } = await this.#ready(name);
    return this.#session(entry, gateway).discovered();
  }

  /** Asks the gateway's authorization server about a token (RFC 7662), with the gateway's client. */
  async introspect(name: string, token: string): Promise<Record<string, unknown>> {
    const { gateway, entry } = await this.#ready(name);
    return this.#session(entry, gateway).introspect(token);
  }

  /** After sleep or a network change: refreshes what is due or failing, staggered. */
  async revalidate(): Promise<void> {
    const due = [...this.#entries.values()].flatMap((entry) => {
      const gateway = this.#gateways.get(entry.name);
      return gateway && this.#canRenew(entry, gateway) && this.#isDue(entry)
        ? [{ entry, gateway }]
        : [];
    });
    await Promise.allSettled(
      due.map(async ({ entry, gateway }, index) => {
        await sleep((index + Math.random()) * REVALIDATE_STAGGER_MS);
        entry.retryAt = undefined;
        await this.#renewShared(entry, gateway);
      }),
    );
    for (const entry of this.#entries.values()) {
      this.#schedule(entry);
      this.#publish(entry);
    }
  }

  /** Re-reads a gateway whose definition or secrets changed, keeping work in flight. */
  async reload(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (entry) {
      await this.#settled(entry);
      entry.restoring = undefined;
    }
    await this.#ready(name);
  }

  /** The gateway is gone: its timers, cache and keychain entry too. */
  async forget(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (entry) {
      this.#entries.delete(name);
      entry.retired = true;
      clearTimeout(entry.timer);
      await this.#settled(entry);
    }
    await this.#secrets.delete(name);
  }

  cachedToken(gateway: Gateway): string | undefined {
    const entry = this.#entries.get(gateway.name);
    const fresh = entry && this.#freshTokens(entry);
    return gateway.auth === 'none' || !fresh ? undefined : sentToken(gateway, fresh);
  }

  async tokenFor(name: string, signal?: AbortSignal): Promise<string> {
    const { gateway, entry } = await this.#ready(name);
    if (gateway.auth === 'none')
      throw new GatekeyError(
        'invalid_input',
        `${name} uses no authentication, so it has no token.`,
        `Set an auth method if the gateway needs one: gatekey edit ${name} --auth pkce`,
      );
    return sentToken(gateway, await this.#usableTokens(entry, gateway, signal));
  }

  async tokenAfterRejection(name: string, rejected: string, signal?: AbortSignal): Promise<string> {
    const { gateway, entry } = await this.#ready(name);
    const { tokens } = entry;
    const newer = tokens && sentToken(gateway, tokens) !== rejected ? tokens : undefined;
    // A newer token, unless it is about to expire as well and a renewal can replace it.
    if (newer && (this.#freshTokens(entry) || !this.#canRenew(entry, gateway)))
      return sentToken(gateway, newer);
    if (!this.#canRenew(entry, gateway)) {
      entry.needsSignIn = true;
      this.#publish(entry);
      throw signInRequired(name);
    }
    return sentToken(gateway, await abortable(this.#renew(entry, gateway), signal));
  }

  onIdentityChange(listener: (gateway: string) => void): () => void {
    this.on('identity', listener);
    return () => this.off('identity', listener);
  }

  recordStepUp(name: string, scopes: string[]): void {
    const entry = this.#entry(name);
    const granted = new Set(entry.tokens?.scope?.split(' '));
    const missing = scopes.filter((scope) => !granted.has(scope));
    entry.stepUpScopes = missing.length > 0 ? missing : undefined;
    this.#publish(entry);
  }

  #entry(name: string): Entry {
    let entry = this.#entries.get(name);
    if (!entry) {
      entry = {
        name,
        needsSignIn: false,
        failures: 0,
        activeSignIns: 0,
        commits: Promise.resolve(),
        retired: false,
      };
      this.#entries.set(name, entry);
    }
    return entry;
  }

  /** The gateway and its entry, restored from the keychain once (retried after a failure). */
  async #ready(name: string): Promise<{ gateway: Gateway; entry: Entry }> {
    const gateway = this.#gateways.require(name);
    const entry = this.#entry(name);
    entry.restoring ??= this.#restore(entry, gateway).catch((error: unknown) => {
      entry.restoring = undefined;
      throw error;
    });
    await entry.restoring;
    return { gateway, entry };
  }

  async #restore(entry: Entry, gateway: Gateway): Promise<void> {
    if (gateway.auth !== 'none') {
      try {
        await this.#serialized(entry, async () => {
          const secrets = await this.#secrets.read(entry.name);
          this.#adopt(entry, gateway, secrets?.tokens);
        });
      } catch (error) {
        entry.lastError = this.#errorRecord(asGatekeyError(error));
        this.#publish(entry);
        throw error;
      }
      this.#clearFailure(entry);
      entry.needsSignIn = false;
      if (this.#canRenew(entry, gateway) && this.#isDue(entry)) void this.#renewInBackground(entry);
      else this.#schedule(entry);
    }
    this.#publish(entry);
  }

  /** The cached tokens, unless they are about to expire. */
  #freshTokens(entry: Entry): TokenSet | undefined {
    return entry.tokens && !this.#expiresSoon(entry) ? entry.tokens : undefined;
  }

  /** Cached tokens, renewed first when they are about to expire. */
  async #usableTokens(entry: Entry, gateway: Gateway, signal?: AbortSignal): Promise<TokenSet> {
    const fresh = this.#freshTokens(entry);
    if (fresh) return fresh;
    try {
      return await abortable(this.#renew(entry, gateway), signal);
    } catch (error) {
      // The IdP may be down while the token still works: keep sending it until it expires.
      const fallback = entry.tokens;
      if (fallback && !entry.needsSignIn && !this.#expired(entry)) return fallback;
      throw error;
    }
  }

  /** One shared token request; while backing off, the last failure instead of a new one. */
  #renew(entry: Entry, gateway: Gateway): Promise<TokenSet> {
    const { lastError, retryAt } = entry;
    const lastFailure =
      lastError && new GatekeyError(lastError.code, lastError.message, lastError.hint);
    if (entry.clientRefused && lastFailure) return Promise.reject(lastFailure);
    if (!this.#canRenew(entry, gateway)) return Promise.reject(signInRequired(entry.name));
    if (lastFailure && retryAt !== undefined && retryAt > this.#now())
      return Promise.reject(lastFailure);
    return this.#renewShared(entry, gateway);
  }

  /** Single flight: every caller shares the request in flight. */
  #renewShared(entry: Entry, gateway: Gateway): Promise<TokenSet> {
    if (!entry.renewing) {
      entry.renewing = this.#requestTokens(entry, gateway).finally(() => {
        entry.renewing = undefined;
        this.#schedule(entry);
        this.#publish(entry);
      });
      this.#publish(entry);
    }
    return entry.renewing;
  }

  async #renewInBackground(entry: Entry): Promise<void> {
    const gateway = this.#gateways.get(entry.name);
    if (!gateway) return;
    // A failure is recorded in the entry and retried by the schedule.
    await this.#renewShared(entry, gateway).catch(() => undefined);
  }

  async #requestTokens(entry: Entry, gateway: Gateway): Promise<TokenSet> {
    const startedFrom = entry.tokens;
    const grant = renewalGrant(gateway, startedFrom);
    if (!grant) throw signInRequired(entry.name);
    let next: TokenSet;
    try {
      next = await grant(this.#session(entry, gateway));
    } catch (error) {
      throw await this.#refused(entry, gateway, asGatekeyError(error), startedFrom);
    }
    let current: TokenSet | undefined;
    try {
      current = await this.#commit(entry, gateway, next, startedFrom);
    } catch (error) {
      throw this.#retryLater(entry, asGatekeyError(error));
    }
    if (!current) throw signInRequired(entry.name);
    entry.lastRefreshAt = this.#now();
    this.#clearFailure(entry);
    return current;
  }

  /** The IdP refused or was unreachable. A newer sign-in meanwhile makes the failure moot. */
  async #refused(
    entry: Entry,
    gateway: Gateway,
    failure: GatekeyError,
    startedFrom: TokenSet | undefined,
  ): Promise<GatekeyError> {
    if (!sameTokens(entry.tokens, startedFrom)) return failure;
    if (failure.code === 'invalid_client') {
      entry.clientRefused = true;
      entry.retryAt = undefined;
      entry.lastError = this.#errorRecord(failure);
      return failure;
    }
    if (failure.code !== 'invalid_grant' || gateway.auth !== 'pkce')
      return this.#retryLater(entry, failure);
    // The refresh token is dead: forget it (and the access token bound to it) everywhere.
    const survivor = await this.#commit(entry, gateway, undefined, startedFrom).catch(
      () => entry.tokens,
    );
    if (!survivor) {
      entry.needsSignIn = true;
      entry.retryAt = undefined;
      entry.lastError = this.#errorRecord(failure);
    }
    return failure;
  }

  #retryLater(entry: Entry, failure: GatekeyError): GatekeyError {
    entry.lastError = this.#errorRecord(failure);
    entry.failures += 1;
    entry.retryAt = this.#now() + backoffDelay(this.#retry, entry.failures);
    return failure;
  }

  async #signInWithBrowser(entry: Entry, gateway: Gateway, options: SignInOptions): Promise<void> {
    entry.activeSignIns += 1;
    this.#publish(entry);
    const halt = this.#halt.signal;
    try {
      const signingIn = this.#session(entry, gateway).signInWithBrowser({
        openBrowser: options.openBrowser,
        signal: options.signal ? AbortSignal.any([options.signal, halt]) : halt,
        additionalScopes: entry.stepUpScopes,
        onProgress: (progress: SignInProgress) => this.emit('progress', entry.name, progress),
      });
      this.#browserSignIns.add(signingIn);
      void signingIn.catch(() => undefined).finally(() => this.#browserSignIns.delete(signingIn));
      const tokens = await signingIn;
      await this.#commit(entry, gateway, tokens, ANY_TOKENS);
      this.#clearFailure(entry);
      entry.needsSignIn = false;
      entry.stepUpScopes = undefined;
    } catch (error) {
      const failure = asGatekeyError(error);
      if (failure.code !== 'sign_in_cancelled') entry.lastError = this.#errorRecord(failure);
      throw failure;
    } finally {
      entry.activeSignIns -= 1;
      this.#schedule(entry);
      this.#publish(entry);
    }
  }

  /**
   * Persists `next` and then swaps it in, in order with every other commit of the gateway.
   * `expected` is the set the request started from: if another set replaced it meanwhile, the
   * newer one wins and `next` is dropped. The swap happens even when the keychain write fails,
   * since a rotated refresh token has already replaced the old one at the IdP.
   */
  #commit(
    entry: Entry,
    gateway: Gateway,
    next: TokenSet | undefined,
    expected: TokenSet | undefined | typeof ANY_TOKENS,
  ): Promise<TokenSet | undefined> {
    const apply = async (): Promise<TokenSet | undefined> => {
      if (entry.retired) throw removedWhileBusy(entry.name);
      if (expected !== ANY_TOKENS && !sameTokens(entry.tokens, expected)) return entry.tokens;
      try {
        await this.#persist(entry.name, next);
      } finally {
        this.#adopt(entry, gateway, next);
      }
      return next;
    };
    return this.#serialized(entry, apply);
  }

  /** Runs `work` after every earlier commit of the gateway (and a keychain restore) is done. */
  #serialized<T>(entry: Entry, work: () => Promise<T>): Promise<T> {
    const result = entry.commits.then(work);
    entry.commits = result.catch(() => undefined);
    return result;
  }

  /** Replaces only the tokens: the client secret and registration may have changed meanwhile. */
  async #persist(name: string, tokens: TokenSet | undefined): Promise<void> {
    const { tokens: _previous, ...rest } = (await this.#secrets.read(name)) ?? {};
    await this.#secrets.write(name, tokens ? { ...rest, tokens } : rest);
  }

  #adopt(entry: Entry, gateway: Gateway, tokens: TokenSet | undefined): void {
    entry.tokens = tokens;
    entry.expiresAt = tokens && expiryOf(gateway, tokens);
    entry.refreshAt =
      tokens && entry.expiresAt !== undefined ? refreshTime(tokens, entry.expiresAt) : undefined;
  }

  #session(entry: Entry, gateway: Gateway): OAuthSession {
    const config = JSON.stringify(gateway);
    if (entry.session?.config !== config)
      entry.session = { config, session: this.#createSession(gateway, this.#secrets) };
    return entry.session.session;
  }

  #settled(entry: Entry): Promise<unknown> {
    return Promise.allSettled([entry.renewing, entry.commits]);
  }

  #clearFailure(entry: Entry): void {
    entry.clientRefused = false;
    entry.lastError = undefined;
    entry.retryAt = undefined;
    entry.failures = 0;
  }

  /** The same failure again keeps its first time: the UI shows how long it has lasted. */
  /** Each failure is news with its own time, even the same one again (the tray counts them). */
  #errorRecord(failure: GatekeyError): ErrorRecord {
    return {
      code: failure.code,
      message: failure.message,
      ...(failure.hint ? { hint: failure.hint } : {}),
      at: this.#now(),
    };
  }

  #canRenew(entry: Entry, gateway: Gateway): boolean {
    if (entry.needsSignIn || entry.clientRefused) return false;
    return renewalGrant(gateway, entry.tokens) !== undefined;
  }

  /** A renewable entry whose refresh time has come, whose last try failed, or that has no token. */
  #isDue(entry: Entry): boolean {
    if (!entry.tokens || entry.retryAt !== undefined) return true;
    return entry.refreshAt !== undefined && entry.refreshAt <= this.#now();
  }

  #expired({ expiresAt }: Entry): boolean {
    return expiresAt !== undefined && expiresAt <= this.#now();
  }

  #expiresSoon({ tokens, expiresAt }: Entry): boolean {
    if (!tokens || expiresAt === undefined) return false;
    return expiresAt - sendMargin(tokens, expiresAt) <= this.#now();
  }

  /** One timer per gateway: the next refresh or retry, or the moment an unrenewable token expires. */
  #schedule(entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const gateway = this.#gateways.get(entry.name);
    if (this.#stopped || entry.retired || !gateway) return;
    const wakeAt = this.#nextWake(entry, gateway);
    if (wakeAt === undefined) return;
    entry.timer = setTimeout(() => this.#wake(entry), Math.max(0, wakeAt - this.#now()));
    entry.timer.unref();
  }

  #nextWake(entry: Entry, gateway: Gateway): number | undefined {
    const { expiresAt, retryAt } = entry;
    const stillValid = expiresAt !== undefined && !this.#expired(entry);
    if (!this.#canRenew(entry, gateway)) return stillValid ? expiresAt : undefined;
    if (retryAt === undefined) return entry.refreshAt;
    return stillValid ? Math.min(retryAt, expiresAt) : retryAt;
  }

  #wake(entry: Entry): void {
    entry.timer = undefined;
    const gateway = this.#gateways.get(entry.name);
    if (gateway && this.#canRenew(entry, gateway)) void this.#renewInBackground(entry);
    else this.#publish(entry);
  }

  #stateOf(entry: Entry, gateway: Gateway): GatewayState {
    if (gateway.auth === 'none') return 'signed-in';
    if (entry.activeSignIns > 0) return 'signing-in';
    if (entry.renewing) return 'refreshing';
    if (entry.needsSignIn) return 'needs-sign-in';
    if (entry.clientRefused) return 'error';
    if (entry.tokens && !this.#expired(entry)) return 'signed-in';
    if (entry.lastError) return 'error';
    if (!entry.tokens) return 'signed-out';
    return this.#canRenew(entry, gateway) ? 'signed-in' : 'needs-sign-in';
  }

  #statusOf(entry: Entry, gateway: Gateway): GatewayStatus {
    const { tokens, expiresAt, stepUpScopes, lastError, lastRefreshAt } = entry;
    return {
      name: entry.name,
      state: this.#stateOf(entry, gateway),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      grantedScopes: tokens?.scope?.split(' ').filter(Boolean) ?? [],
      ...(stepUpScopes ? { stepUpScopes } : {}),
      ...(lastError ? { lastError } : {}),
      ...(lastRefreshAt !== undefined ? { lastRefreshAt } : {}),
    };
  }

  /** Emits `status` when what a person would see changed, never twice for the same view. */
  #publish(entry: Entry): void {
    const gateway = this.#gateways.get(entry.name);
    if (!gateway || entry.retired) return;
    const status = this.#statusOf(entry, gateway);
    const view = JSON.stringify(status);
    if (view === entry.lastPublished) return;
    entry.lastPublished = view;
    this.emit('status', status);
  }
}
