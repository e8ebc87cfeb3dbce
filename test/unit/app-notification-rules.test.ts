import { describe, expect, it } from 'vitest';
import {
  NotificationPolicy,
  type NotificationPolicyOptions,
} from '../../src-main/app/notification-rules.js';
import type { GatewayState, GatewayStatus } from '../../src-main/core/tokens/types.js';

const T0 = Date.UTC(2025, 0, 1, 12);
const SECOND = 1_000;
const MINUTE = 60 * SECOND;

const status = (
  name: string,
  state: GatewayState,
  extra: Partial<GatewayStatus> = {},
): GatewayStatus => ({
  name,
  state,
  grantedScopes: [],
  ...extra,
});

const failure = (name: string, at: number, state: GatewayState = 'error') =>
  status(name, state, {
    lastError: { code: 'idp_unreachable', message: 'The IdP did not answer.', at },
  });

/** A policy whose limits do not get in the way unless a test sets them. */
const policy = (options: Partial<NotificationPolicyOptions> = {}) =>
  new NotificationPolicy({
    failureThreshold: 3,
    repeatAfterMs: 30 * MINUTE,
    rateLimit: { max: 100, perMs: MINUTE },
    ...options,
  });

describe('first load', () => {
  it('notifies nothing for the states the app starts in', () => {
    const rules = policy();
    rules.track([
      status('acme', 'needs-sign-in'),
      failure('beta', T0),
      status('gamma', 'signed-in', { stepUpScopes: ['admin'] }),
    ]);
    expect(rules.observe(status('acme', 'needs-sign-in'), T0)).toBeUndefined();
    expect(
      rules.observe(status('gamma', 'signed-in', { stepUpScopes: ['admin'] }), T0),
    ).toBeUndefined();
  });

  it('treats the first status of an unknown gateway as its starting point', () => {
    const rules = policy();
    expect(rules.observe(status('new', 'needs-sign-in'), T0)).toBeUndefined();
    expect(rules.observe(status('new', 'signed-in'), T0 + SECOND)).toBeUndefined();
    expect(rules.observe(status('new', 'needs-sign-in'), T0 + 2 * SECOND)?.key).toBe(
      'needs-sign-in:new',
    );
  });
});

describe('transitions', () => {
  it('asks for a sign-in when a session ends, and opens the gateway with a prompt on click', () => {
    const rules = policy();
    rules.track([status('acme', 'signed-in')]);
    expect(rules.observe(status('acme', 'needs-sign-in'), T0)).toEqual({
      key: 'needs-sign-in:acme',
      title: 'Sign in to acme',
      body: "Your session with acme has ended; your IDE's requests to it fail until you sign in. Click to open Gatekey.",
      route: '#/gateways/acme?ask=sign-in',
    });
  });

  it('says nothing about ordinary changes', () => {
    const rules = policy();
    rules.track([status('acme', 'signed-out')]);
    const quiet: GatewayStatus[] = [
      status('acme', 'signing-in'),
      status('acme', 'signed-in', { lastRefreshAt: T0 }),
      status('acme', 'refreshing'),
      status('acme', 'signed-in', { lastRefreshAt: T0 + MINUTE }),
      status('acme', 'signed-out'),
    ];
    expect(quiet.map((next, index) => rules.observe(next, T0 + index * SECOND))).toEqual(
      quiet.map(() => undefined),
    );
  });

  it('tells once when refreshing fails N times in a row', () => {
    const rules = policy({ failureThreshold: 3 });
    rules.track([status('acme', 'signed-in')]);
    const notices = [1, 2, 3, 4, 5].map((n) =>
      rules.observe(failure('acme', T0 + n * MINUTE), T0 + n * MINUTE),
    );
    expect(notices.map((notice) => notice?.key)).toEqual([
      undefined,
      undefined,
      'refresh-failing:acme',
      undefined,
      undefined,
    ]);
    expect(notices[2]).toMatchObject({
      title: 'acme: token refresh keeps failing',
      body: '3 attempts in a row failed. Last: The IdP did not answer.',
      route: '#/gateways/acme',
    });
  });

  it('counts a failure once however many statuses repeat it, and starts again after a success', () => {
    const rules = policy({ failureThreshold: 2, repeatAfterMs: 0 });
    rules.track([status('acme', 'signed-in')]);
    expect(rules.observe(failure('acme', T0), T0)).toBeUndefined();
    expect(rules.observe(failure('acme', T0), T0 + SECOND)).toBeUndefined();
    expect(
      rules.observe(
        status('acme', 'signed-in', { lastRefreshAt: T0 + 2 * SECOND }),
        T0 + 2 * SECOND,
      ),
    ).toBeUndefined();
    expect(rules.observe(failure('acme', T0 + 3 * SECOND), T0 + 3 * SECOND)).toBeUndefined();
    expect(rules.observe(failure('acme', T0 + 4 * SECOND), T0 + 4 * SECOND)?.key).toBe(
      'refresh-failing:acme',
    );
  });

  it('counts failures that leave the token usable (still signed in) too', () => {
    const rules = policy({ failureThreshold: 2 });
    rules.track([status('acme', 'signed-in')]);
    rules.observe(failure('acme', T0, 'signed-in'), T0);
    expect(rules.observe(failure('acme', T0 + MINUTE, 'signed-in'), T0 + MINUTE)?.key).toBe(
      'refresh-failing:acme',
    );
  });

  it('reports a step-up with the scopes asked for, and again only for different scopes', () => {
    const rules = policy();
    rules.track([status('acme', 'signed-in')]);
    const first = rules.observe(
      status('acme', 'signed-in', { stepUpScopes: ['write', 'admin'] }),
      T0,
    );
    expect(first).toEqual({
      key: 'step-up:acme:admin write',
      title: 'acme asks for more access',
      body: 'The gateway wants the scopes admin write. Click to sign in again with them.',
      route: '#/gateways/acme?ask=sign-in',
    });
    expect(
      rules.observe(status('acme', 'signed-in', { stepUpScopes: ['admin', 'write'] }), T0 + SECOND),
    ).toBeUndefined();
    expect(
      rules.observe(status('acme', 'signed-in', { stepUpScopes: ['delete'] }), T0 + 2 * SECOND)
        ?.key,
    ).toBe('step-up:acme:delete');
  });
});

describe('dedupe and rate limit', () => {
  it('does not repeat the same notice within the repeat window, even when the state flaps', () => {
    const rules = policy({ repeatAfterMs: 10 * MINUTE });
    rules.track([status('acme', 'signed-in')]);
    const flap = (at: number) => {
      rules.observe(status('acme', 'signed-in'), at);
      return rules.observe(status('acme', 'needs-sign-in'), at + SECOND)?.key;
    };
    expect(flap(T0)).toBe('needs-sign-in:acme');
    expect(flap(T0 + 5 * MINUTE)).toBeUndefined();
    expect(flap(T0 + 11 * MINUTE)).toBe('needs-sign-in:acme');
  });

  it('lets at most `max` notices through per window across all gateways', () => {
    const rules = policy({ rateLimit: { max: 2, perMs: MINUTE } });
    const names = ['a', 'b', 'c', 'd'];
    rules.track(names.map((name) => status(name, 'signed-in')));
    const burst = names.map((name) => rules.observe(status(name, 'needs-sign-in'), T0)?.key);
    expect(burst).toEqual(['needs-sign-in:a', 'needs-sign-in:b', undefined, undefined]);
    rules.observe(status('c', 'signed-in'), T0 + MINUTE);
    expect(rules.observe(status('c', 'needs-sign-in'), T0 + MINUTE)?.key).toBe('needs-sign-in:c');
  });

  it('forgets a removed gateway, so one added under the same name starts clean', () => {
    const rules = policy();
    rules.track([status('acme', 'signed-in')]);
    rules.track([]);
    rules.track([status('acme', 'needs-sign-in')]);
    expect(rules.observe(status('acme', 'needs-sign-in'), T0)).toBeUndefined();
  });
});
