import { useLive } from '../api/context.js';
import { ActivityLog } from '../features/activity/ActivityLog.js';
import { PasteToken } from '../features/inspector/PasteToken.js';
import { LinkButton } from '../ui/Button.js';
import { Icon, type IconName } from '../ui/Icon.js';
import { LockButton, LockQuestion, SessionEnded, useDashboardLock } from './DashboardSession.js';
import { GatewaysScreen } from './GatewaysScreen.js';
import { routeHref, type Route } from '../../src-main/core/api/routes.js';
import { useRoute } from './use-route.js';
import './app.css';

type Section = 'gateways' | 'activity' | 'inspect';

const SECTIONS: readonly { section: Section; label: string; icon: IconName; route: Route }[] = [
  { section: 'gateways', label: 'Gateways', icon: 'plug', route: { screen: 'gateways' } },
  { section: 'activity', label: 'Activity', icon: 'activity', route: { screen: 'activity' } },
  { section: 'inspect', label: 'Inspect', icon: 'search', route: { screen: 'inspect' } },
];

const sectionOf = (route: Route): Section =>
  route.screen === 'activity' || route.screen === 'inspect' ? route.screen : 'gateways';

function ConnectionNotice() {
  const connection = useLive((state) => state.connection);
  if (connection !== 'reconnecting') return null;
  return (
    <span className="connection-notice" role="status">
      <Icon name="spinner" size={12} />
      Reconnecting…
    </span>
  );
}

function TopBar({ current, onLock }: { current: Section; onLock: (() => void) | undefined }) {
  return (
    <header className="topbar">
      <a className="brand" href={routeHref({ screen: 'gateways' })} aria-label="Gatekey: gateways">
        <span className="brand-mark" aria-hidden="true">
          <Icon name="key" size={13} />
        </span>
        <span className="brand-name">Gatekey</span>
      </a>
      <nav className="nav" aria-label="Main">
        {SECTIONS.map(({ section, label, icon, route }) => (
          <a
            key={section}
            className="nav-link"
            href={routeHref(route)}
            aria-current={section === current ? 'page' : undefined}
          >
            <Icon name={icon} size={14} />
            <span>{label}</span>
          </a>
        ))}
      </nav>
      <div className="topbar-end">
        <ConnectionNotice />
        <LinkButton
          size="sm"
          variant="primary"
          icon="plus"
          href={routeHref({ screen: 'new-gateway' })}
        >
          Add
        </LinkButton>
        {onLock && <LockButton onClick={onLock} />}
      </div>
    </header>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'activity':
      return (
        <div className="page">
          <header className="page-header">
            <h1>Activity</h1>
            <p className="muted">Every request your IDEs sent through Gatekey, as it happens.</p>
          </header>
          <ActivityLog />
        </div>
      );
    case 'inspect':
      return (
        <div className="page page-narrow">
          <PasteToken />
        </div>
      );
    default:
      return <GatewaysScreen route={route} />;
  }
}

export function App() {
  const route = useRoute();
  const lock = useDashboardLock();
  const { step } = lock.state;
  if (lock.state.step === 'ended') return <SessionEnded unconfirmed={lock.state.unconfirmed} />;
  return (
    <div className="app">
      <TopBar current={sectionOf(route)} onLock={lock.ask} />
      <main className="content">
        {step !== 'open' && (
          <LockQuestion ending={step === 'ending'} onEnd={lock.end} onCancel={lock.cancel} />
        )}
        <Screen route={route} />
      </main>
    </div>
  );
}
