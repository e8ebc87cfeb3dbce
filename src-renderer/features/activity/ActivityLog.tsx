import { useState } from 'react';
import { useLive } from '../../api/context.js';
import type { RequestLogEntry } from '../../api/types.js';
import { useQuery } from '../../api/use-command.js';
import { classNames } from '../../common/class-names.js';
import { formatClock } from '../../common/time.js';
import { ErrorCallout } from '../../ui/Callout.js';
import { Chip } from '../../ui/Chip.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { Icon } from '../../ui/Icon.js';
import { Segmented } from '../../ui/Segmented.js';
import { useGateways } from '../gateways/gateways-context.js';
import {
  describeCall,
  formatBytes,
  formatDuration,
  isErrorEntry,
  mergeLog,
  type LogFilter,
  type StatusFilter,
} from './activity-log.js';
import './activity.css';

type StatusChoice = StatusFilter | 'all';

const STATUS_OPTIONS: readonly { value: StatusChoice; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'ok', label: 'OK' },
  { value: 'error', label: 'Errors' },
];

function GatewayFilter({ value, onChange }: { value: string; onChange(value: string): void }) {
  const { views } = useGateways();
  return (
    <label className="activity-gateway-filter">
      <span className="visually-hidden">Gateway</span>
      <select className="select" value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">All gateways</option>
        {views?.map(({ gateway }) => (
          <option key={gateway.name} value={gateway.name}>
            {gateway.name}
          </option>
        ))}
      </select>
    </label>
  );
}

function EntryRow({ entry, showGateway }: { entry: RequestLogEntry; showGateway: boolean }) {
  const failed = isErrorEntry(entry);
  const call = describeCall(entry);
  return (
    <tr className={classNames('log-row', failed && 'log-row-error')}>
      <td className="log-time">{formatClock(entry.time)}</td>
      {showGateway && <td className="log-gateway">{entry.gateway}</td>}
      <td className="log-call">
        <span className="log-call-primary">{call.primary}</span>
        {call.secondary && <span className="log-call-secondary">{call.secondary}</span>}
        {entry.error && <span className="log-error">{entry.error}</span>}
      </td>
      <td className="log-status">
        <span className={failed ? 'status-danger' : 'status-ok'}>
          <Icon name={failed ? 'x' : 'check'} size={12} />
          {entry.status || '—'}
        </span>
      </td>
      <td className="log-duration">{formatDuration(entry.durationMs)}</td>
      <td className="log-bytes">
        {formatBytes(entry.bytesIn)} / {formatBytes(entry.bytesOut)}
      </td>
      <td className="log-marks">
        {entry.refreshed && (
          <Chip tone="accent" icon="key" title="Gatekey refreshed the token for this request">
            refreshed
          </Chip>
        )}
        {entry.retried && (
          <Chip tone="warn" icon="refresh" title="Sent again after the gateway answered 401">
            retried
          </Chip>
        )}
      </td>
    </tr>
  );
}

function LogTable({
  entries,
  showGateway,
}: {
  entries: readonly RequestLogEntry[];
  showGateway: boolean;
}) {
  return (
    <div className="log-scroll">
      <table className="log-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            {showGateway && <th scope="col">Gateway</th>}
            <th scope="col">Method / tool</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col" className="log-bytes">
              In / out
            </th>
            <th scope="col">
              <span className="visually-hidden">Marks</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <EntryRow key={entry.id} entry={entry} showGateway={showGateway} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Requests through the proxy, live; `gateway` pins the log to one gateway. */
export function ActivityLog({ gateway }: { gateway?: string }) {
  const [chosenGateway, setChosenGateway] = useState('');
  const [status, setStatus] = useState<StatusChoice>('all');
  const filter: LogFilter = {
    gateway: gateway ?? (chosenGateway || undefined),
    status: status === 'all' ? undefined : status,
  };
  const revision = useLive((state) => state.revision);
  const live = useLive((state) => state.log);
  const listing = useQuery('log.recent', filter, revision);
  const entries = mergeLog(listing.data ?? [], live, filter);

  return (
    <section className="activity" aria-label="Activity">
      <div className="activity-toolbar">
        {!gateway && <GatewayFilter value={chosenGateway} onChange={setChosenGateway} />}
        <Segmented label="Status" options={STATUS_OPTIONS} value={status} onChange={setStatus} />
        <span className="activity-live" aria-hidden="true">
          <span className="activity-live-dot" /> Live
        </span>
      </div>
      {listing.error && <ErrorCallout error={listing.error} />}
      {entries.length > 0 ? (
        <LogTable entries={entries} showGateway={!gateway} />
      ) : (
        listing.data && (
          <EmptyState
            icon="activity"
            title={filter.status === 'error' ? 'No failed requests' : 'No requests yet'}
          >
            Requests your IDE sends through Gatekey show up here as they happen.
          </EmptyState>
        )
      )}
    </section>
  );
}
