import type { GatewayView } from '../../api/types.js';
import { navigate } from '../../app/use-route.js';
import { Button } from '../../ui/Button.js';
import { QuestionCallout } from '../../ui/Callout.js';
import { canSignIn } from '../gateways/gateway-state.js';
import { useSignInAttempts } from './sign-in-context.js';

/**
 * "Sign in to <name>?", asked for by a `gatekey://login` link or a notification. Nothing starts
 * until the person answers; either answer leaves the prompt's route, so Back does not ask again.
 * A gateway that needs no sign-in now (it holds a token, or is signing in) is not asked about.
 */
export function SignInPrompt({ view }: { view: GatewayView }) {
  const attempts = useSignInAttempts();
  const { name, auth } = view.gateway;
  const question = `Sign in to ${name}?`;
  if (!canSignIn(view)) return null;
  const answer = (signIn: boolean) => {
    if (signIn) void attempts.start(name);
    navigate({ screen: 'gateway', name, tab: 'overview' }, { replace: true });
  };
  return (
    <QuestionCallout
      question={question}
      answers={
        <>
          <Button variant="primary" icon="signIn" onClick={() => answer(true)}>
            Sign in
          </Button>
          <Button variant="ghost" onClick={() => answer(false)}>
            Not now
          </Button>
        </>
      }
    >
      {auth === 'pkce'
        ? 'Sign in opens the sign-in page in your browser.'
        : 'Sign in gets a token with the gateway’s client credentials.'}
    </QuestionCallout>
  );
}
