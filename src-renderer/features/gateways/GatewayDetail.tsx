import type { GatewayView } from '../../api/types.js';
import { GATEWAY_TABS, type GatewayTab } from '../../../src-main/core/api/routes.js';
import { navigate } from '../../app/use-route.js';
import { StatusDot } from '../../ui/StatusDot.js';
import { TabPanel, Tabs } from '../../ui/Tabs.js';
import { ActivityLog } from '../activity/ActivityLog.js';
import { ConnectPanel } from '../connect/ConnectPanel.js';
import { TokenInspector } from '../inspector/TokenInspector.js';
import { GatewayActions } from './GatewayActions.js';
import { GatewayOverview } from './GatewayOverview.js';
import { stateLook } from './gateway-state.js';

const TAB_LABELS: Record<GatewayTab, string> = {
  overview: 'Overview',
  token: 'Token',
  connect: 'Connect',
  activity: 'Activity',
};

const TAB_ITEMS = GATEWAY_TABS.map((id) => ({ id, label: TAB_LABELS[id] }));

interface DetailProps {
  view: GatewayView;
  tab: GatewayTab;
  /** The overview asks "Sign in?" (a link or a notification asked for it). */
  askSignIn?: boolean;
}

function TabContent({ view, tab, askSignIn }: DetailProps) {
  switch (tab) {
    case 'overview':
      return <GatewayOverview view={view} askSignIn={askSignIn} />;
    case 'token':
      return <TokenInspector gateway={view.gateway.name} />;
    case 'connect':
      return <ConnectPanel gateway={view.gateway.name} />;
    case 'activity':
      return <ActivityLog gateway={view.gateway.name} />;
  }
}

export function GatewayDetail({ view, tab, askSignIn }: DetailProps) {
  const { name } = view.gateway;
  const { tone, label } = stateLook(view);
  return (
    <article className="gateway-detail" aria-labelledby="gateway-detail-title">
      <header className="gateway-detail-header">
        <div className="gateway-detail-title">
          <h1 id="gateway-detail-title">{name}</h1>
          <StatusDot tone={tone} label={label} />
        </div>
        <GatewayActions view={view} />
      </header>
      <Tabs
        label={`${name} sections`}
        idPrefix="gateway"
        items={TAB_ITEMS}
        selected={tab}
        onSelect={(next) => navigate({ screen: 'gateway', name, tab: next })}
      />
      <TabPanel idPrefix="gateway" id={tab}>
        <TabContent key={`${name}/${tab}`} view={view} tab={tab} askSignIn={askSignIn} />
      </TabPanel>
    </article>
  );
}
