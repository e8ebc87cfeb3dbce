import { useState } from 'react';
import type { GatewayView } from '../../api/types.js';
import { useAction } from '../../api/use-command.js';
import { navigate } from '../../app/use-route.js';
import { formatRelative } from '../../common/time.js';
import { useNow } from '../../common/use-now.js';
import { Button } from '../../ui/Button.js';
import { Callout, ErrorCallout } from '../../ui/Callout.js';
import { Chip, ChipList } from '../../ui/Chip.js';
import { CopyButton } from '../../ui/CopyButton.js';
import { TestConnection } from '../gateway-form/TestConnection.js';
import { SignInPrompt } from '../sign-in/SignInPrompt.js';
import { SignInStepper } from '../sign-in/SignInStepper.js';
import { useSignInAttempts, useSignInView } from '../sign-in/sign-in-context.js';
import { Expiry } from './Expiry.js';
import { useGateways } from './gateways-context.js';

const AUTH_LABELS = {
  pkce: 'Browser sign-in (PKCE)',
  client_credentials: 'Client credentials',
  cross_app: 'Cross-app access (enterprise IdP)',
  none: 'None',
};
const TOKEN_LABELS = { access_token: 'Access token', id_token: 'ID token' };

function LocalUrl({ view }: { view: GatewayView }) {
  return (
    <div className="local-url card">
      <div className="local-url-text">
        <span className="section-title">Point your IDE at</span>
        <code>{view.localUrl}</code>
      </div>
      <CopyButton text={view.localUrl} what="local URL" variant="secondary" showLabel />
    </div>
  );
}

function TokenFacts({ view }: { view: GatewayView }) {
  const now = useNow();
  const { status, gateway } = view;
  return (
    <dl className="facts">
      <dt>Token</dt>
      <dd>
        {status.expiresAt !== undefined ? (
          <Expiry expiresAt={status.expiresAt} />
        ) : (
          <span className="faint">none yet</span>
        )}
      </dd>
      {status.lastRefreshAt !== undefined && (
        <>
          <dt>Last refresh</dt>
          <dd>{formatRelative(status.lastRefreshAt, now)}</dd>
        </>
      )}
      <dt>Scopes</dt>
      <dd>
        {status.grantedScopes.length > 0 ? (
          <ChipList label="Granted scopes">
            {status.grantedScopes.map((scope) => (
              <Chip key={scope} tone="accent">
                {scope}
              </Chip>
            ))}
          </ChipList>
        ) : (
          <span className="faint">none granted</span>
        )}
      </dd>
      <dt>Upstream</dt>
      <dd>
        <code>{gateway.url}</code>
      </dd>
      <dt>Sign-in</dt>
      <dd>{AUTH_LABELS[gateway.auth]}</dd>
      <dt>Sends</dt>
      <dd>
        {TOKEN_LABELS[gateway.tokenToSend]} as <code>{gateway.header}</code>
      </dd>
      {gateway.extraHeaders && (
        <>
          <dt>Extra headers</dt>
          <dd className="header-lines">
            {Object.entries(gateway.extraHeaders).map(([header, value]) => (
              <code key={header}>{`${header}: ${value}`}</code>
            ))}
          </dd>
        </>
      )}
    </dl>
  );
}

function StepUpNotice({ view }: { view: GatewayView }) {
  const attempts = useSignInAttempts();
  const scopes = view.status.stepUpScopes ?? [];
  if (scopes.length === 0) return null;
  return (
    <Callout
      tone="warn"
      title="The gateway asked for more scopes"
      actions={
        <Button size="sm" variant="primary" onClick={() => attempts.start(view.gateway.name)}>
          Sign in again to grant them
        </Button>
      }
    >
      <ChipList label="Scopes the gateway asked for">
        {scopes.map((scope) => (
          <Chip key={scope} tone="warn">
            {scope}
          </Chip>
        ))}
      </ChipList>
    </Callout>
  );
}

function RemoveGateway({ name }: { name: string }) {
  const [confirming, setConfirming] = useState(false);
  const remove = useAction('gateways.remove');
  const { reload } = useGateways();
  const confirm = async () => {
    if (!('result' in (await remove.run({ name })))) return;
    reload();
    navigate({ screen: 'gateways' });
  };
  return (
    <section className="section danger-zone">
      {confirming ? (
        <Callout
          tone="warn"
          title={`Remove ${name}?`}
          actions={
            <>
              <Button
                size="sm"
                variant="danger"
                icon="trash"
                pending={remove.pending}
                onClick={confirm}
              >
                Remove gateway
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setConfirming(false)}>
                Keep it
              </Button>
            </>
          }
        >
          Its tokens and client secret leave the keychain; IDEs pointed at its local URL stop
          working.
        </Callout>
      ) : (
        <Button variant="ghost" icon="trash" onClick={() => setConfirming(true)}>
          Remove gateway…
        </Button>
      )}
      {remove.error && <ErrorCallout error={remove.error} />}
    </section>
  );
}

export function GatewayOverview({ view, askSignIn }: { view: GatewayView; askSignIn?: boolean }) {
  const { name } = view.gateway;
  const { lastError, state } = view.status;
  const signIn = useSignInView(name, view.status);
  return (
    <div className="overview">
      {askSignIn && <SignInPrompt view={view} />}
      <LocalUrl view={view} />
      {signIn && <SignInStepper gateway={name} view={signIn} />}
      {!signIn && lastError && state !== 'signed-in' && <ErrorCallout error={lastError} />}
      <StepUpNotice view={view} />
      <section className="section">
        <h3 className="section-title">Token</h3>
        <TokenFacts view={view} />
      </section>
      <section className="section">
        <h3 className="section-title">Connection</h3>
        <TestConnection gateway={name} />
      </section>
      <RemoveGateway name={name} />
    </div>
  );
}
