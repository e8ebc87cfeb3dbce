import type { ReactNode } from 'react';
import type { GatewayView } from '../api/types.js';
import { useMediaQuery } from '../common/use-media-query.js';
import { Welcome } from '../features/first-run/Welcome.js';
import { GatewayForm } from '../features/gateway-form/GatewayForm.js';
import { GatewayDetail } from '../features/gateways/GatewayDetail.js';
import { GatewayList } from '../features/gateways/GatewayList.js';
import { useGateways } from '../features/gateways/gateways-context.js';
import { Button, LinkButton } from '../ui/Button.js';
import { ErrorCallout } from '../ui/Callout.js';
import { EmptyState } from '../ui/EmptyState.js';
import { routeGateway, routeHref, type Route } from '../../src-main/core/api/routes.js';
import { navigate } from './use-route.js';

/** Wide enough for the list and the details side by side. */
const SPLIT_QUERY = '(min-width: 780px)';

type GatewayRoute = Exclude<Route, { screen: 'activity' | 'inspect' }>;

function NotFound({ name }: { name: string }) {
  return (
    <EmptyState
      icon="search"
      title={`No gateway named “${name}”`}
      actions={<LinkButton href={routeHref({ screen: 'gateways' })}>Show all gateways</LinkButton>}
    >
      It may have been removed from another window or the command line.
    </EmptyState>
  );
}

function detailFor(
  route: GatewayRoute,
  views: readonly GatewayView[],
  onSaved: (view: GatewayView) => void,
): ReactNode {
  if (route.screen === 'gateways') return undefined;
  if (route.screen === 'new-gateway') return <GatewayForm onSaved={onSaved} />;
  if (route.screen === 'add-from-link')
    // A second link while this one shows starts over from the new link.
    return <GatewayForm key={routeHref(route)} draft={route.draft} onSaved={onSaved} />;
  const view = views.find(({ gateway }) => gateway.name === route.name);
  if (!view) return <NotFound name={route.name} />;
  switch (route.screen) {
    case 'edit-gateway':
      return <GatewayForm key={route.name} existing={view} onSaved={onSaved} />;
    case 'sign-in-prompt':
      return <GatewayDetail view={view} tab="overview" askSignIn />;
    case 'gateway':
      return <GatewayDetail view={view} tab={route.tab} />;
  }
}

function ListPane({ views, selected }: { views: readonly GatewayView[]; selected?: string }) {
  return (
    <div className="list-pane">
      <h1 className="pane-title">
        Gateways <span className="pane-count">{views.length}</span>
      </h1>
      {views.length > 0 ? (
        <GatewayList views={views} selected={selected} />
      ) : (
        <p className="faint">No gateways yet.</p>
      )}
    </div>
  );
}

/** The detail keeps its place in the tree in both layouts, so resizing never resets a form. */
function Layout({ wide, list, detail }: { wide: boolean; list: ReactNode; detail: ReactNode }) {
  return (
    <div className={wide ? 'split' : 'stack'}>
      {(wide || !detail) && (
        <aside className="split-list" aria-label="Gateway list">
          {list}
        </aside>
      )}
      {(wide || detail) && (
        <div className="split-detail">
          {detail ?? (
            <EmptyState icon="plug" title="Select a gateway">
              Its state, token and IDE setup show here.
            </EmptyState>
          )}
        </div>
      )}
    </div>
  );
}

/** The list and one gateway's details: side by side when wide, one at a time in the tray popover. */
export function GatewaysScreen({ route }: { route: GatewayRoute }) {
  const wide = useMediaQuery(SPLIT_QUERY);
  const { views, error, reload } = useGateways();
  const onSaved = (view: GatewayView) => {
    reload();
    navigate({ screen: 'gateway', name: view.gateway.name, tab: 'overview' });
  };

  if (!views) {
    if (!error) return <p className="faint loading">Loading gateways…</p>;
    return (
      <ErrorCallout
        error={error}
        actions={
          <Button size="sm" icon="refresh" onClick={reload}>
            Try again
          </Button>
        }
      />
    );
  }
  if (views.length === 0 && route.screen === 'gateways') return <Welcome />;

  const detail = detailFor(route, views, onSaved);
  const backLink = !wide && detail && (
    <LinkButton
      variant="ghost"
      size="sm"
      icon="back"
      href={routeHref({ screen: 'gateways' })}
      className="back-link"
    >
      Gateways
    </LinkButton>
  );
  return (
    <Layout
      wide={wide}
      list={<ListPane views={views} selected={routeGateway(route)} />}
      detail={
        detail && (
          <div className="detail-pane">
            {backLink}
            {detail}
          </div>
        )
      }
    />
  );
}
