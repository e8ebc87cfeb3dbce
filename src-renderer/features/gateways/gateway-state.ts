import type { GatewayState, GatewayStatus, GatewayView } from '../../api/types.js';
import { EXPIRY_SOON_MS } from '../../common/time.js';
import type { Tone } from '../../ui/tone.js';

export interface StateLook {
  tone: Tone;
  label: string;
}

const LOOKS: Record<GatewayState, StateLook> = {
  'signed-in': { tone: 'ok', label: 'Signed in' },
  refreshing: { tone: 'busy', label: 'Refreshing' },
  'signing-in': { tone: 'busy', label: 'Signing in' },
  'needs-sign-in': { tone: 'warn', label: 'Needs sign-in' },
  error: { tone: 'danger', label: 'Error' },
  'signed-out': { tone: 'neutral', label: 'Signed out' },
};

const NO_AUTH: StateLook = { tone: 'ok', label: 'No sign-in needed' };

export function stateLook(view: GatewayView): StateLook {
  return view.gateway.auth === 'none' ? NO_AUTH : LOOKS[view.status.state];
}

/** Whether the gateway has a token to send right now (a refresh keeps the old one in use). */
export const holdsToken = (state: GatewayState): boolean =>
  state === 'signed-in' || state === 'refreshing';

/** Whether a sign-in can start now: the gateway signs in, holds no token and is not signing in. */
export const canSignIn = ({ gateway, status }: GatewayView): boolean =>
  gateway.auth !== 'none' && !holdsToken(status.state) && status.state !== 'signing-in';

export type PrimaryAction = 'sign-in' | 'refresh' | 'details';

/** Errors that only a new sign-in fixes; other errors need reading first. */
const SIGN_IN_ERRORS = new Set([
  'invalid_grant',
  'sign_in_required',
  'sign_in_timeout',
  'sign_in_cancelled',
]);

/** The one thing a row offers: what the gateway's state most likely needs next. */
export function primaryAction(view: GatewayView, now: number): PrimaryAction {
  const { state, expiresAt, lastError } = view.status;
  if (view.gateway.auth === 'none') return 'details';
  switch (state) {
    case 'signed-out':
    case 'needs-sign-in':
      return 'sign-in';
    case 'error':
      return lastError && SIGN_IN_ERRORS.has(lastError.code) ? 'sign-in' : 'details';
    case 'signed-in':
      return expiresAt !== undefined && expiresAt - now < EXPIRY_SOON_MS ? 'refresh' : 'details';
    case 'signing-in':
    case 'refreshing':
      return 'details';
  }
}

/** The listed views with the statuses events reported since: events are newer than the list. */
export function withLiveStatus(
  views: readonly GatewayView[],
  statuses: Readonly<Record<string, GatewayStatus>>,
): GatewayView[] {
  return views.map((view) => {
    const status = statuses[view.gateway.name];
    return status ? { ...view, status } : view;
  });
}
