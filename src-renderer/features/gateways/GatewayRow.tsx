import type { GatewayView } from '../../api/types.js';
import { useAction } from '../../api/use-command.js';
import { navigate } from '../../app/use-route.js';
import { routeHref } from '../../../src-main/core/api/routes.js';
import { classNames } from '../../common/class-names.js';
import { useNow } from '../../common/use-now.js';
import { Button, LinkButton } from '../../ui/Button.js';
import { Chip, ChipList } from '../../ui/Chip.js';
import { CopyButton } from '../../ui/CopyButton.js';
import { StatusDot } from '../../ui/StatusDot.js';
import { useSignInAttempts } from '../sign-in/sign-in-context.js';
import { Expiry } from './Expiry.js';
import { primaryAction, stateLook } from './gateway-state.js';

function RowAction({ view }: { view: GatewayView }) {
  const now = useNow();
  const attempts = useSignInAttempts();
  const refresh = useAction('auth.refresh');
  const { name } = view.gateway;
  switch (primaryAction(view, now)) {
    case 'sign-in':
      return (
        <Button
          size="sm"
          variant="primary"
          icon="signIn"
          onClick={() => {
            void attempts.start(name);
            navigate({ screen: 'gateway', name, tab: 'overview' });
          }}
        >
          Sign in
        </Button>
      );
    case 'refresh':
      return (
        <Button
          size="sm"
          icon="refresh"
          pending={refresh.pending}
          title={refresh.error?.message}
          onClick={() => refresh.run({ name })}
        >
          Refresh
        </Button>
      );
    case 'details':
      return (
        <LinkButton
          size="sm"
          variant="ghost"
          href={routeHref({ screen: 'gateway', name, tab: 'overview' })}
        >
          Details
        </LinkButton>
      );
  }
}

export function GatewayRow({ view, selected }: { view: GatewayView; selected: boolean }) {
  const { name } = view.gateway;
  const { tone, label } = stateLook(view);
  const { expiresAt, grantedScopes } = view.status;
  return (
    <li className={classNames('gateway-row', selected && 'is-selected')} data-gateway={name}>
      <div className="gateway-row-head">
        <a
          className="gateway-row-name"
          href={routeHref({ screen: 'gateway', name, tab: 'overview' })}
          aria-current={selected ? 'page' : undefined}
        >
          {name}
        </a>
        <StatusDot tone={tone} label={label} />
      </div>
      <div className="gateway-row-body">
        <div className="gateway-row-info">
          <div className="gateway-row-url">
            <code title={view.localUrl}>{view.localUrl}</code>
            <CopyButton text={view.localUrl} what={`local URL of ${name}`} />
          </div>
          {(expiresAt !== undefined || grantedScopes.length > 0) && (
            <div className="gateway-row-meta">
              {expiresAt !== undefined && view.status.state === 'signed-in' && (
                <Expiry expiresAt={expiresAt} />
              )}
              {grantedScopes.length > 0 && (
                <ChipList label={`Scopes granted to ${name}`}>
                  {grantedScopes.map((scope) => (
                    <Chip key={scope}>{scope}</Chip>
                  ))}
                </ChipList>
              )}
            </div>
          )}
        </div>
        <RowAction view={view} />
      </div>
    </li>
  );
}
