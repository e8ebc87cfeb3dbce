import { useState } from 'react';
import { useApi } from '../api/context.js';
import { toApiError } from '../api/errors.js';
import type { ApiError } from '../api/types.js';
import { Button } from '../ui/Button.js';
import { Callout, QuestionCallout } from '../ui/Callout.js';
import { CodeWithCopy } from '../ui/CodeWithCopy.js';
import { Icon } from '../ui/Icon.js';

/** Asks the running Gatekey for a new one-time link and opens it: nothing restarts. */
const REOPEN_COMMAND = 'gatekey dashboard';

export type LockState =
  { step: 'open' | 'asking' | 'ending' } | { step: 'ended'; unconfirmed?: ApiError };

/** Locking the browser dashboard: ask, end the session, then show that it ended. */
export function useDashboardLock() {
  const session = useApi().session;
  const [state, setState] = useState<LockState>(() => ({
    step: session?.ended() ? 'ended' : 'open',
  }));
  const end = async () => {
    if (session === undefined) return;
    setState({ step: 'ending' });
    try {
      await session.end();
      setState({ step: 'ended' });
    } catch (error) {
      setState({ step: 'ended', unconfirmed: toApiError(error) });
    }
  };
  return {
    state,
    /** Absent in the Electron window, which has no session. */
    ask: session && (() => setState({ step: 'asking' })),
    cancel: () => setState({ step: 'open' }),
    end,
  };
}

/** In the top bar of the browser dashboard only. */
export function LockButton({ onClick }: { onClick: () => void }) {
  return (
    <Button
      size="sm"
      variant="ghost"
      icon="lock"
      className="lock-button"
      aria-label="Lock: end this dashboard session"
      title="End this dashboard session"
      onClick={onClick}
    >
      Lock
    </Button>
  );
}

export function LockQuestion({
  ending,
  onEnd,
  onCancel,
}: {
  ending: boolean;
  onEnd: () => void;
  onCancel: () => void;
}) {
  return (
    <div className="lock-question">
      <QuestionCallout
        question="End this dashboard session?"
        tone="warn"
        answers={
          <>
            <Button variant="danger" icon="lock" pending={ending} onClick={onEnd}>
              End session
            </Button>
            <Button onClick={onCancel} disabled={ending}>
              Cancel
            </Button>
          </>
        }
      >
        <p>
          This tab loses its access to Gatekey at once. To open the dashboard again, run{' '}
          <code>{REOPEN_COMMAND}</code> in a terminal: it opens a new one-time link.
        </p>
      </QuestionCallout>
    </div>
  );
}

/** What the tab shows once its session ended, reloaded or not. */
export function SessionEnded({ unconfirmed }: { unconfirmed?: ApiError | undefined }) {
  return (
    <main className="content">
      <div className="page page-narrow session-ended">
        <header className="page-header">
          <h1>
            <Icon name="lock" size={18} /> Dashboard session ended
          </h1>
          <p className="muted">
            This tab keeps nothing of its session and can no longer see or change anything in
            Gatekey.{unconfirmed ? '' : ' Gatekey keeps running, and your IDEs keep working.'}
          </p>
        </header>
        {unconfirmed && (
          <Callout tone="warn" title="Gatekey did not confirm that the session ended.">
            <p>
              {unconfirmed.message} The session ends anyway when Gatekey stops, or 8 hours after it
              began.
            </p>
          </Callout>
        )}
        <section className="card session-reopen">
          <h2>Open the dashboard again</h2>
          <p>
            In a terminal, run this command (with Gatekey&apos;s <code>--home</code>, if it has
            one): it opens a new one-time link in your browser. Gatekey keeps running.
          </p>
          <CodeWithCopy code={REOPEN_COMMAND} what="command" />
        </section>
      </div>
    </main>
  );
}
