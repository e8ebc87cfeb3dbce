import { useAction } from '../../api/use-command.js';
import { routeHref } from '../../../src-main/core/api/routes.js';
import { navigate } from '../../app/use-route.js';
import { Button, LinkButton } from '../../ui/Button.js';
import { ErrorCallout } from '../../ui/Callout.js';
import { Icon } from '../../ui/Icon.js';
import { useGateways } from '../gateways/gateways-context.js';
import './first-run.css';

const STEPS = [
  'Add your gateway’s MCP URL; Gatekey finds how it signs in.',
  'Sign in once, in your browser. Tokens go to the OS keychain and refresh by themselves.',
  'Point your IDE at the local URL. No credentials in any config file.',
];

/** The first screen, while no gateway exists: a demo to try, or the real thing. */
export function Welcome() {
  const demo = useAction('demo.start');
  const { reload } = useGateways();

  const startDemo = async () => {
    const outcome = await demo.run({});
    if (!('result' in outcome)) return;
    reload();
    navigate({ screen: 'gateway', name: outcome.result.gateway.name, tab: 'overview' });
  };

  return (
    <section className="welcome" aria-labelledby="welcome-title">
      <div className="welcome-mark" aria-hidden="true">
        <Icon name="key" size={26} />
      </div>
      <h1 id="welcome-title">Welcome to Gatekey</h1>
      <p className="welcome-lead">
        Your IDE talks to a plain localhost URL. Gatekey signs in to the remote MCP gateway and adds
        a fresh token to every request.
      </p>
      <ol className="welcome-steps">
        {STEPS.map((step, index) => (
          <li key={step}>
            <span className="welcome-step-number" aria-hidden="true">
              {index + 1}
            </span>
            {step}
          </li>
        ))}
      </ol>
      <div className="welcome-actions">
        <Button variant="primary" icon="sparkle" pending={demo.pending} onClick={startDemo}>
          Try the demo gateway
        </Button>
        <LinkButton icon="plus" href={routeHref({ screen: 'new-gateway' })}>
          Add gateway
        </LinkButton>
      </div>
      <p className="welcome-note">
        The demo runs a sign-in server and an MCP server on this computer; nothing leaves it.
      </p>
      {demo.error && <ErrorCallout error={demo.error} />}
    </section>
  );
}
