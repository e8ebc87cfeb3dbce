import type { ConnectionState } from './renderer-api.js';
import type { ApiEvent, GatewayStatus, RequestLogEntry, SignInProgress } from './types.js';

export const LOG_CAPACITY = 500;

/** What the server has told this window through events since it opened. */
export interface LiveState {
  statuses: Readonly<Record<string, GatewayStatus>>;
  /** The progress of each gateway's latest sign-in, in order of arrival. */
  signIns: Readonly<Record<string, readonly SignInProgress[]>>;
  /** Request log entries that arrived as events, newest first. */
  log: readonly RequestLogEntry[];
  /** Bumps whenever listed data may be stale: gateways added or removed, or events were missed. */
  revision: number;
  connection: ConnectionState;
}

export const initialLiveState: LiveState = {
  statuses: {},
  signIns: {},
  log: [],
  revision: 0,
  connection: 'connecting',
};

function withProgress(state: LiveState, gateway: string, progress: SignInProgress): LiveState {
  const previous = progress.step === 'discovery' ? [] : (state.signIns[gateway] ?? []);
  return { ...state, signIns: { ...state.signIns, [gateway]: [...previous, progress] } };
}

export function applyEvent(state: LiveState, event: ApiEvent): LiveState {
  switch (event.type) {
    case 'status':
      return { ...state, statuses: { ...state.statuses, [event.status.name]: event.status } };
    case 'progress':
      return withProgress(state, event.gateway, event.progress);
    case 'log':
      return { ...state, log: [event.entry, ...state.log].slice(0, LOG_CAPACITY) };
    case 'gateways':
      return { ...state, revision: state.revision + 1 };
  }
}

/** Statuses from a fresh listing replace what events said before it. */
export function applyStatuses(state: LiveState, statuses: readonly GatewayStatus[]): LiveState {
  const next = { ...state.statuses };
  for (const status of statuses) next[status.name] = status;
  return { ...state, statuses: next };
}

/** A reconnected stream may have missed events, so listed data is refetched. */
export function applyConnection(state: LiveState, connection: ConnectionState): LiveState {
  if (connection === state.connection) return state;
  const missedEvents = connection === 'open' && state.connection === 'reconnecting';
  return { ...state, connection, revision: state.revision + (missedEvents ? 1 : 0) };
}

export function forgetSignIn(state: LiveState, gateway: string): LiveState {
  const { [gateway]: _forgotten, ...rest } = state.signIns;
  return { ...state, signIns: rest };
}
