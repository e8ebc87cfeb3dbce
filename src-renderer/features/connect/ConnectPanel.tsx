import { useState } from 'react';
import type { ClientConfigPlan } from '../../api/types.js';
import { useQuery } from '../../api/use-command.js';
import { ErrorCallout } from '../../ui/Callout.js';
import { TabPanel, Tabs } from '../../ui/Tabs.js';
import { ClientCard } from './ClientCard.js';
import './connect.css';

type ClientId = ClientConfigPlan['client'];

/** How to point each IDE at the gateway's local URL: snippets, install links, or a file write. */
export function ConnectPanel({ gateway }: { gateway: string }) {
  const { data, error } = useQuery('clients.list', { name: gateway });
  const [chosen, setChosen] = useState<ClientId>('vscode');
  if (error) return <ErrorCallout error={error} />;
  if (!data) return <p className="faint">Loading…</p>;
  const plan = data.find(({ client }) => client === chosen) ?? data[0];
  if (!plan) return null;
  return (
    <div className="connect">
      <p className="muted">
        Your IDE talks to Gatekey without credentials; Gatekey adds the token.
      </p>
      <Tabs
        label="IDE"
        idPrefix="client"
        items={data.map(({ client, displayName }) => ({ id: client, label: displayName }))}
        selected={plan.client}
        onSelect={setChosen}
        className="tabs-pill"
      />
      <TabPanel idPrefix="client" id={plan.client}>
        <ClientCard key={plan.client} gateway={gateway} plan={plan} />
      </TabPanel>
    </div>
  );
}
