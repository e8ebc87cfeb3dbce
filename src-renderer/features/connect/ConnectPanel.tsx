import { useQuery } from '../../api/use-command.js';
import { ErrorCallout } from '../../ui/Callout.js';
import { ClientCard } from './ClientCard.js';
import './connect.css';

/** How to point each IDE at the gateway's local URL: snippets, install links, or a file write. */
export function ConnectPanel({ gateway }: { gateway: string }) {
  const { data, error } = useQuery('clients.list', { name: gateway });
  if (error) return <ErrorCallout error={error} />;
  if (!data) return <p className="faint">Loading…</p>;
  return (
    <div className="connect">
      <p className="muted">
        Your IDE talks to Gatekey without credentials; Gatekey adds the token. Pick your client:
      </p>
      {data.map((plan) => (
        <ClientCard key={plan.client} gateway={gateway} plan={plan} />
      ))}
    </div>
  );
}
