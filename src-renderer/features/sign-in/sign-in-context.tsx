import { createContext, useContext, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useApi, useLive, useLiveStore } from '../../api/context.js';
import type { ApiError, SignInProgress } from '../../api/types.js';
import { createSignInAttempts, type SignInAttempts } from './sign-in-attempts.js';
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

/** The gateway's current or last sign-in, started here or elsewhere; undefined when none. */
export function useSignInView(gateway: string, signingIn: boolean, lastError?: ApiError): SignInView | undefined {
  const { attempts } = useSignInAttempts();
  const attempt = useSyncExternalStore(attempts.subscribe, () => attempts.get()[gateway]);
  const progress = useLive((state) => state.signIns[gateway] ?? NO_PROGRESS);
  if (attempt) return { ...attempt, progress };
  if (progress.length === 0) return undefined;
  const phase = observedPhase(progress, signingIn);
  return { phase, progress, error: phase === 'failed' ? lastError : undefined };
}
