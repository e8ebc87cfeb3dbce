import type { GatewayView } from '../../api/types.js';
import { GatewayRow } from './GatewayRow.js';
import './gateways.css';

export function GatewayList({
  views,
  selected,
}: {
  views: readonly GatewayView[];
  selected?: string;
}) {
  return (
    <ul className="gateway-list" aria-label="Gateways">
      {views.map((view) => (
        <GatewayRow key={view.gateway.name} view={view} selected={view.gateway.name === selected} />
      ))}
    </ul>
  );
}
