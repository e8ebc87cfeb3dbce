import { useState } from 'react';
import type { ApiError } from '../../api/types.js';
import { classNames } from '../../common/class-names.js';
import { Button } from '../../ui/Button.js';
import { ErrorCallout } from '../../ui/Callout.js';
import { CopyButton } from '../../ui/CopyButton.js';
import { Disclosure } from '../../ui/Disclosure.js';
import { Icon, type IconName } from '../../ui/Icon.js';
import { useSignInAttempts, type SignInView } from './sign-in-context.js';
import {
  pendingAuthorizationUrl,
  stepViews,
  type AttemptPhase,
  type StepState,
  type StepView,
} from './sign-in-steps.js';
import './sign-in.css';

const STEP_ICONS: Record<StepState, IconName | undefined> = {
  pending: undefined,
  active: 'spinner',
  done: 'check',
  skipped: 'minus',
  failed: 'x',
  cancelled: 'x',
};

const STEP_STATE_TEXT: Record<StepState, string> = {
  pending: 'not started',
  active: 'in progress',
  done: 'done',
  skipped: 'not needed',
  failed: 'failed',
  cancelled: 'cancelled',
};

const TITLES: Record<AttemptPhase, { icon: IconName; text: string }> = {
  running: { icon: 'spinner', text: 'Signing in…' },
  succeeded: { icon: 'ok', text: 'Signed in' },
  failed: { icon: 'error', text: 'Sign-in failed' },
  cancelled: { icon: 'x', text: 'Sign-in cancelled' },
};

function ReopenSignInPage({ url }: { url: string }) {
  return (
    <div className="stepper-reopen">
      <a href={url} target="_blank" rel="noreferrer" className="button button-secondary button-sm">
        <Icon name="external" size={14} />
        <span>Open the sign-in page again</span>
      </a>
      <CopyButton text={url} what="sign-in page URL" />
    </div>
  );
}

function StepList({
  steps,
  error,
  authorizationUrl,
}: {
  steps: readonly StepView[];
  error?: ApiError;
  authorizationUrl?: string;
}) {
  return (
    <ol className="stepper-steps">
      {steps.map((step) => {
        const icon = STEP_ICONS[step.state];
        return (
          <li
            key={step.step}
            className={classNames('stepper-step', `step-${step.state}`)}
            aria-current={step.state === 'active' ? 'step' : undefined}
            data-step={step.step}
            data-state={step.state}
          >
            <span className="step-marker" aria-hidden="true">
              {icon && <Icon name={icon} size={12} />}
            </span>
            <div className="step-body">
              <p className="step-label">
                {step.label}
                <span className="visually-hidden"> ({STEP_STATE_TEXT[step.state]})</span>
                {step.state === 'skipped' && <span className="step-note">not needed</span>}
              </p>
              {step.message && <p className="step-message">{step.message}</p>}
              {step.step === 'browser' && authorizationUrl && (
                <ReopenSignInPage url={authorizationUrl} />
              )}
              {(step.state === 'failed' || step.state === 'cancelled') && error && (
                <ErrorCallout error={error} />
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

export function SignInStepper({ gateway, view }: { gateway: string; view: SignInView }) {
  const attempts = useSignInAttempts();
  const [cancelError, setCancelError] = useState<ApiError>();
  const [cancelling, setCancelling] = useState(false);
  const steps = stepViews(view.progress, view.phase);
  const authorizationUrl = pendingAuthorizationUrl(view.progress, view.phase);
  const running = view.phase === 'running';

  const cancel = async () => {
    setCancelling(true);
    setCancelError(await attempts.cancel(gateway));
    setCancelling(false);
  };

  return (
    <section
      className={classNames('stepper card', `stepper-${view.phase}`)}
      aria-label={`Sign-in to ${gateway}`}
    >
      <header className="stepper-header">
        <h3 className="stepper-title" aria-live="polite">
          <Icon name={TITLES[view.phase].icon} size={15} />
          {TITLES[view.phase].text}
        </h3>
        <div className="button-row">
          {running ? (
            <Button size="sm" onClick={cancel} pending={cancelling}>
              Cancel
            </Button>
          ) : (
            <>
              {view.phase !== 'succeeded' && (
                <Button
                  size="sm"
                  variant="primary"
                  icon="refresh"
                  onClick={() => attempts.start(gateway)}
                >
                  Try again
                </Button>
              )}
              <Button size="sm" variant="ghost" onClick={() => attempts.dismiss(gateway)}>
                Dismiss
              </Button>
            </>
          )}
        </div>
      </header>
      {view.phase === 'succeeded' ? (
        <Disclosure summary="Show the steps">
          <StepList steps={steps} error={view.error} authorizationUrl={authorizationUrl} />
        </Disclosure>
      ) : (
        <StepList steps={steps} error={view.error} authorizationUrl={authorizationUrl} />
      )}
      {cancelError && <ErrorCallout error={cancelError} />}
    </section>
  );
}
