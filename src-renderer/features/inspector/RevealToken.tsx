import { useEffect } from 'react';
import type { TokenKind } from '../../api/types.js';
import { useAction } from '../../api/use-command.js';
import { Button } from '../../ui/Button.js';
import { ErrorCallout } from '../../ui/Callout.js';
import { CopyButton } from '../../ui/CopyButton.js';

/**
 * The raw token, fetched only on a deliberate click and held only by this component: leaving
 * the screen, switching tabs or hiding the window forgets it.
 */
export function RevealToken({ gateway, kind }: { gateway: string; kind: TokenKind }) {
  const reveal = useAction('tokens.get');
  const { reset } = reveal;
  const token = reveal.result?.token;

  useEffect(() => {
    const hideWhenHidden = () => {
      if (document.visibilityState === 'hidden') reset();
    };
    document.addEventListener('visibilitychange', hideWhenHidden);
    return () => document.removeEventListener('visibilitychange', hideWhenHidden);
  }, [reset]);

  return (
    <section className="section reveal">
      <div className="reveal-bar">
        <h3 className="section-title">Raw token</h3>
        <div className="button-row">
          {token ? (
            <>
              <CopyButton text={token} what="token" variant="secondary" showLabel />
              <Button size="sm" icon="eyeOff" onClick={reset}>
                Hide
              </Button>
            </>
          ) : (
            <Button
              size="sm"
              icon="eye"
              pending={reveal.pending}
              onClick={() => reveal.run({ name: gateway, kind })}
            >
              Reveal
            </Button>
          )}
        </div>
      </div>
      {token ? (
        <pre className="code-block token-raw" aria-label="Raw token">
          {token}
        </pre>
      ) : (
        <p className="faint">
          Hidden. Anyone who sees it can call the gateway as you until it expires.
        </p>
      )}
      {reveal.error && <ErrorCallout error={reveal.error} />}
    </section>
  );
}
