import type { SignInProgress, SignInStep } from '../../api/types.js';

const SIGN_IN_STEPS: readonly { step: SignInStep; label: string }[] = [
  { step: 'discovery', label: 'Find the authorization server' },
  { step: 'registration', label: 'Register Gatekey as a client' },
  { step: 'browser', label: 'Sign in in your browser' },
  { step: 'code', label: 'Receive the authorization code' },
  { step: 'token', label: 'Get the tokens' },
  { step: 'done', label: 'Signed in' },
];

/** How a sign-in the window started ended, or that it is still running. */
export type AttemptPhase = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** `skipped`: a later step came first, so this one was not needed (e.g. no browser for client credentials). */
export type StepState = 'pending' | 'active' | 'done' | 'skipped' | 'failed' | 'cancelled';

export interface StepView {
  step: SignInStep;
  label: string;
  state: StepState;
  /** What the engine last said about this step. */
  message?: string;
}

const FINAL_STATE: Record<AttemptPhase, StepState> = {
  running: 'active',
  succeeded: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

function lastMessages(progress: readonly SignInProgress[]): Map<SignInStep, string> {
  return new Map(progress.map((entry) => [entry.step, entry.message]));
}

/** Each step's state from the progress events of one attempt and how the attempt ended. */
export function stepViews(progress: readonly SignInProgress[], phase: AttemptPhase): StepView[] {
  const messages = lastMessages(progress);
  const latest = progress.at(-1)?.step ?? 'discovery';
  const latestIndex = SIGN_IN_STEPS.findIndex(({ step }) => step === latest);
  return SIGN_IN_STEPS.map(({ step, label }, index): StepView => {
    const message = messages.get(step);
    if (step === latest)
      return { step, label, message, state: latest === 'done' ? 'done' : FINAL_STATE[phase] };
    if (messages.has(step)) return { step, label, message, state: 'done' };
    const passed = index < latestIndex || phase === 'succeeded';
    return { step, label, state: passed ? 'skipped' : 'pending' };
  });
}

/** The sign-in page's URL while the engine waits for the person in the browser. */
export function pendingAuthorizationUrl(
  progress: readonly SignInProgress[],
  phase: AttemptPhase,
): string | undefined {
  const latest = progress.at(-1);
  if (phase !== 'running' || !latest || (latest.step !== 'browser' && latest.step !== 'code'))
    return undefined;
  return progress.findLast((entry) => entry.authorizationUrl)?.authorizationUrl;
}

/**
 * A sign-in this window did not start (the CLI, the tray) shows from its events alone: the
 * gateway's state says whether it still runs.
 */
export function observedPhase(
  progress: readonly SignInProgress[],
  signingIn: boolean,
): AttemptPhase {
  if (progress.at(-1)?.step === 'done') return 'succeeded';
  return signingIn ? 'running' : 'failed';
}
