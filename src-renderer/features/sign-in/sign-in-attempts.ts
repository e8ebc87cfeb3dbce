import { toApiError } from '../../api/errors.js';
import { forgetSignIn, type LiveState } from '../../api/live-state.js';
import type { RendererApi } from '../../api/renderer-api.js';
import { createStore, type Store } from '../../api/store.js';
import type { ApiError } from '../../api/types.js';
import type { AttemptPhase } from './sign-in-steps.js';

export interface Attempt {
  phase: AttemptPhase;
  error?: ApiError;
}

export interface SignInAttempts {
  attempts: Store<Readonly<Record<string, Attempt>>>;
  /** Starts a sign-in unless one runs; progress arrives as events, the end as the attempt. */
  start(gateway: string): Promise<void>;
  /** Resolves to the error when the instance refused to cancel. */
  cancel(gateway: string): Promise<ApiError | undefined>;
  dismiss(gateway: string): void;
}

/**
 * Sign-ins outlive the screen that started them (a row's "Sign in" opens the details), so the
 * window keeps them here rather than in a component.
 */
export function createSignInAttempts(api: RendererApi, live: Store<LiveState>): SignInAttempts {
  const attempts = createStore<Readonly<Record<string, Attempt>>>({});
  const set = (gateway: string, attempt: Attempt) =>
    attempts.update((all) => ({ ...all, [gateway]: attempt }));

  return {
    attempts,
    async start(gateway) {
      if (attempts.get()[gateway]?.phase === 'running') return;
      live.update((state) => forgetSignIn(state, gateway));
      set(gateway, { phase: 'running' });
      try {
        await api.call('auth.signIn', { name: gateway });
        set(gateway, { phase: 'succeeded' });
      } catch (failure) {
        const error = toApiError(failure);
        set(
          gateway,
          error.code === 'sign_in_cancelled' ? { phase: 'cancelled' } : { phase: 'failed', error },
        );
      }
    },
    async cancel(gateway) {
      try {
        await api.call('auth.cancelSignIn', { name: gateway });
        return undefined;
      } catch (failure) {
        return toApiError(failure);
      }
    },
    dismiss(gateway) {
      const { [gateway]: _dismissed, ...rest } = attempts.get();
      attempts.update(() => rest);
      live.update((state) => forgetSignIn(state, gateway));
    },
  };
}
