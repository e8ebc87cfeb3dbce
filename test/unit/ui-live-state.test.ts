import { describe, expect, it } from 'vitest';
import {
  applyConnection,
  applyEvent,
  applyStatuses,
  forgetSignIn,
  initialLiveState,
  LOG_CAPACITY,
} from '../../src-renderer/api/live-state.js';
import type { GatewayStatus, RequestLogEntry } from '../../src-renderer/api/types.js';

const status = (name: string, state: GatewayStatus['state']): GatewayStatus => ({
  name,
  state,
  grantedScopes: [],
});

const entry = (id: number): RequestLogEntry => ({
  id,
  time: 1_000 + id,
  gateway: 'acme',
  httpMethod: 'POST',
  status: 200,
  durationMs: 3,
  bytesIn: 10,
  bytesOut: 20,
  retried: false,
  refreshed: false,
});

describe('the live state the window keeps from events', () => {
  it('keeps the latest status of each gateway', () => {
    let state = applyEvent(initialLiveState, {
      type: 'status',
      status: status('acme', 'signing-in'),
    });
    state = applyEvent(state, { type: 'status', status: status('other', 'signed-out') });
    state = applyEvent(state, { type: 'status', status: status('acme', 'signed-in') });
    expect(state.statuses.acme?.state).toBe('signed-in');
    expect(state.statuses.other?.state).toBe('signed-out');
  });

  it('collects one sign-in’s progress and starts over when a new one begins', () => {
    const progress = (step: 'discovery' | 'browser', message: string) =>
      ({ type: 'progress', gateway: 'acme', progress: { step, message } }) as const;
    let state = applyEvent(initialLiveState, progress('discovery', 'first'));
    state = applyEvent(state, progress('browser', 'waiting'));
    expect(state.signIns.acme?.map((step) => step.message)).toEqual(['first', 'waiting']);
    state = applyEvent(state, progress('discovery', 'second'));
    expect(state.signIns.acme?.map((step) => step.message)).toEqual(['second']);
    expect(forgetSignIn(state, 'acme').signIns.acme).toBeUndefined();
  });

  it('keeps log entries newest first, up to its capacity', () => {
    let state = initialLiveState;
    for (let id = 1; id <= LOG_CAPACITY + 5; id += 1)
      state = applyEvent(state, { type: 'log', entry: entry(id) });
    expect(state.log).toHaveLength(LOG_CAPACITY);
    expect(state.log[0]?.id).toBe(LOG_CAPACITY + 5);
    expect(state.log.at(-1)?.id).toBe(6);
  });

  it('asks for a refetch when gateways come or go, and after a reconnect, not on the first connect', () => {
    const changed = applyEvent(initialLiveState, { type: 'gateways', names: ['acme'] });
    expect(changed.revision).toBe(1);
    const opened = applyConnection(changed, 'open');
    expect(opened.revision).toBe(1);
    const dropped = applyConnection(opened, 'reconnecting');
    expect(applyConnection(dropped, 'open').revision).toBe(2);
    expect(applyConnection(opened, 'open')).toBe(opened);
  });

  it('lets a fresh listing replace the statuses events reported before it', () => {
    const before = applyEvent(initialLiveState, {
      type: 'status',
      status: status('acme', 'refreshing'),
    });
    const listed = applyStatuses(before, [
      status('acme', 'signed-in'),
      status('new', 'signed-out'),
    ]);
    expect(listed.statuses.acme?.state).toBe('signed-in');
    expect(listed.statuses.new?.state).toBe('signed-out');
  });
});
