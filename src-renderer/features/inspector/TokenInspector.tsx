import { useState } from 'react';
import { useLive } from '../../api/context.js';
import type { TokenKind } from '../../api/types.js';
import { useQuery } from '../../api/use-command.js';
import { ErrorCallout } from '../../ui/Callout.js';
import { TabPanel, Tabs } from '../../ui/Tabs.js';
import { InspectionView } from './InspectionView.js';
import { RevealToken } from './RevealToken.js';
import './inspector.css';

const KIND_TABS: readonly { id: TokenKind; label: string }[] = [
  { id: 'access_token', label: 'Access token' },
  { id: 'id_token', label: 'ID token' },
];

function Inspection({ gateway, kind }: { gateway: string; kind: TokenKind }) {
  // A new expiry means a new token: inspect again.
  const tokenVersion = useLive((state) => state.statuses[gateway]?.expiresAt ?? 0);
  const { data, error, loading } = useQuery(
    'tokens.inspect',
    { name: gateway, kind },
    tokenVersion,
  );
  if (error) return <ErrorCallout error={error} />;
  if (!data)
    return (
      <p className="faint" aria-busy={loading}>
        Inspecting…
      </p>
    );
  return (
    <div className="token-sections">
      <InspectionView report={data} />
      <RevealToken gateway={gateway} kind={kind} />
    </div>
  );
}

/** The gateway's access and ID tokens, decoded and checked. */
export function TokenInspector({ gateway }: { gateway: string }) {
  const [kind, setKind] = useState<TokenKind>('access_token');
  return (
    <div className="token-inspector">
      <Tabs
        label="Token"
        idPrefix="token-kind"
        items={KIND_TABS}
        selected={kind}
        onSelect={setKind}
        className="tabs-pill"
      />
      <TabPanel idPrefix="token-kind" id={kind}>
        <Inspection key={kind} gateway={gateway} kind={kind} />
      </TabPanel>
    </div>
  );
}
