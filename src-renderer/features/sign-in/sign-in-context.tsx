import { createContext, useContext, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useApi, useLive, useLiveStore } from '../../api/context.js';
import type { ApiError, GatewayStatus, SignInProgress } from '../../api/types.js';
import { holdsToken } from '../gateways/gateway-state.js';
import { createSignInAttempts, type Attempt, type SignInAttempts } from './sign-in-attempts.js';
import { observedPhase, type AttemptPhase } from './sign-in-steps.js';

const SignInContext = createContext<SignInAttempts | undefined>(undefined);

export function SignInProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const live = useLiveStore();
  const [attempts] = useState(() => createSignInAttempts(api, live));
  return <SignInContext value={attempts}>{children}</SignInContext>;
}

export function useSignInAttempts(): SignInAttempts {
  const attempts = useContext(SignInContext);
  if (!attempts) throw new Error('useSignInAttempts outside <SignInProvider>');
  return attempts;
}

const NO_PROGRESS: readonly SignInProgress[] = [];

export interface SignInView {
  phase: AttemptPhase;
  error?: ApiError;
  progress: readonly SignInProgress[];
}

function viewOf(
  attempt: Attempt | undefined,
  progress: readonly SignInProgress[],
  status: GatewayStatus,
): SignInView | undefined {
  if (attempt) return { ...attempt, progress };
  if (progress.length === 0) return undefined;
  const phase = observedPhase(progress, status.state === 'signing-in');
  return { phase, progress, error: phase === 'failed' ? status.lastError : undefined };
}

/**
 * The gateway's current or last sign-in, started here or elsewhere; undefined when there is none
 * or when a success is stale (the gateway has since lost its token).
 */
export function useSignInView(gateway: string, status: GatewayStatus): SignInView | undefined {
  const { attempts } = useSignInAttempts();
  const attempt = useSyncExternalStore(attempts.subscribe, () => attempts.get()[gateway]);
  const progress = useLive((state) => state.signIns[gateway] ?? NO_PROGRESS);
  const view = viewOf(attempt, progress, status);
  return view?.phase === 'succeeded' && !holdsToken(status.state) ? undefined : view;
}
