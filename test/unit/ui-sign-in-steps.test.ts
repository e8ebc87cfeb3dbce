import { describe, expect, it } from 'vitest';
import type { SignInProgress, SignInStep } from '../../src-renderer/api/types.js';
import {
  observedPhase,
  pendingAuthorizationUrl,
  stepViews,
} from '../../src-renderer/features/sign-in/sign-in-steps.js';

const AUTHORIZATION_URL = 'https://idp.example.com/authorize?client_id=x';

const reached = (...steps: SignInStep[]): SignInProgress[] =>
  steps.map((step) => ({
    step,
    message: `${step} message`,
    ...(step === 'browser' ? { authorizationUrl: AUTHORIZATION_URL } : {}),
  }));

const states = (progress: SignInProgress[], phase: Parameters<typeof stepViews>[1]) =>
  Object.fromEntries(stepViews(progress, phase).map((view) => [view.step, view.state]));

describe('the sign-in stepper', () => {
  it('marks the steps behind as done and the current one as active', () => {
    expect(states(reached('discovery', 'registration', 'browser'), 'running')).toEqual({
      discovery: 'done',
      registration: 'done',
      browser: 'active',
      code: 'pending',
      token: 'pending',
      done: 'pending',
    });
  });

  it('shows steps a sign-in passed over as not needed (client credentials, pre-registered client)', () => {
    expect(states(reached('discovery', 'token', 'done'), 'succeeded')).toEqual({
      discovery: 'done',
      registration: 'skipped',
      browser: 'skipped',
      code: 'skipped',
      token: 'done',
      done: 'done',
    });
  });

  it('stops a failed or cancelled sign-in at its step', () => {
    expect(states(reached('discovery', 'registration', 'browser'), 'failed').browser).toBe(
      'failed',
    );
    expect(states(reached('discovery'), 'cancelled').discovery).toBe('cancelled');
    expect(states([], 'failed').discovery).toBe('failed');
  });

  it('keeps each step’s last message', () => {
    const views = stepViews(
      [...reached('discovery'), { step: 'discovery', message: 'found it' }],
      'running',
    );
    expect(views[0]?.message).toBe('found it');
    expect(views[1]?.message).toBeUndefined();
  });

  it('offers the sign-in page only while the browser step waits', () => {
    expect(pendingAuthorizationUrl(reached('discovery', 'browser'), 'running')).toBe(
      AUTHORIZATION_URL,
    );
    expect(pendingAuthorizationUrl(reached('discovery', 'browser', 'code'), 'running')).toBe(
      AUTHORIZATION_URL,
    );
    expect(
      pendingAuthorizationUrl(reached('discovery', 'browser', 'code', 'token'), 'running'),
    ).toBeUndefined();
    expect(pendingAuthorizationUrl(reached('discovery', 'browser'), 'cancelled')).toBeUndefined();
    expect(pendingAuthorizationUrl(reached('discovery'), 'running')).toBeUndefined();
  });

  it('reads a sign-in started elsewhere from its events and the gateway’s state', () => {
    expect(observedPhase(reached('discovery', 'done'), false)).toBe('succeeded');
    expect(observedPhase(reached('discovery', 'browser'), true)).toBe('running');
    expect(observedPhase(reached('discovery', 'browser'), false)).toBe('failed');
  });
});
