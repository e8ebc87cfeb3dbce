import type { GatewayView } from '../../api/types.js';
import { useAction } from '../../api/use-command.js';
import { routeHref } from '../../../src-main/core/api/routes.js';
import { describeRevocation, type Revocation } from '../../../src-main/core/api/revocation.js';
import { Button, LinkButton } from '../../ui/Button.js';
import { Callout, ErrorCallout } from '../../ui/Callout.js';
import { useSignInAttempts } from '../sign-in/sign-in-context.js';
import { canSignIn, holdsToken } from './gateway-state.js';

/** Sign in, refresh, sign out and edit, offered as the gateway's state allows. */
export function GatewayActions({ view }: { view: GatewayView }) {
  const attempts = useSignInAttempts();
  const refresh = useAction('auth.refresh');
  const signOut = useAction('auth.signOut');
  const { name, auth } = view.gateway;
  const { state } = view.status;
  const hasToken = holdsToken(state);
  const error = refresh.error ?? signOut.error;

  return (
    <div className="gateway-actions">
      <div className="button-row">
        {canSignIn(view) && (
          <Button variant="primary" icon="signIn" onClick={() => attempts.start(name)}>
            Sign in
          </Button>
        )}
        {auth !== 'none' && hasToken && (
          <>
            <Button
              icon="refresh"
              pending={refresh.pending || state === 'refreshing'}
              onClick={() => refresh.run({ name })}
            >
              Refresh now
            </Button>
            <Button icon="signOut" pending={signOut.pending} onClick={() => signOut.run({ name })}>
              Sign out
            </Button>
          </>
        )}
        <LinkButton
          variant="ghost"
          icon="pencil"
          href={routeHref({ screen: 'edit-gateway', name })}
        >
          Edit
        </LinkButton>
      </div>
      {error && <ErrorCallout error={error} />}
      {signOut.result && !hasToken && (
        <SignOutOutcome name={name} revocation={signOut.result.revocation} />
      )}
    </div>
  );
}

/** What the sign-out did at the IdP; a warning when tokens stay valid there. */
function SignOutOutcome({ name, revocation }: { name: string; revocation: Revocation }) {
  const [headline, ...details] = describeRevocation(name, revocation);
  return (
    <Callout
      tone={revocation.outcome === 'not-revoked' ? 'warn' : 'ok'}
      title={headline}
      className="sign-out-outcome"
    >
      {details.length > 0 && details.map((line) => <p key={line}>{line}</p>)}
    </Callout>
  );
}
