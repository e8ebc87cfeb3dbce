import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { useLive, useLiveStore } from '../../api/context.js';
import { applyStatuses } from '../../api/live-state.js';
import type { ApiError, GatewayView } from '../../api/types.js';
import { useQuery } from '../../api/use-command.js';
import { withLiveStatus } from './gateway-state.js';

interface Gateways {
  /** Undefined until the first listing arrives. */
  views?: GatewayView[];
  error?: ApiError;
  reload(): void;
}

const GatewaysContext = createContext<Gateways | undefined>(undefined);

/** Lists the gateways once for the whole window, again when events say the set changed. */
export function GatewaysProvider({ children }: { children: ReactNode }) {
  const live = useLiveStore();
  const revision = useLive((state) => state.revision);
  const statuses = useLive((state) => state.statuses);
  const { data, error, reload } = useQuery('gateways.list', {}, revision);

  useEffect(() => {
    if (data)
      live.update((state) =>
        applyStatuses(
          state,
          data.map((view) => view.status),
        ),
      );
  }, [data, live]);

  const views = useMemo(() => data && withLiveStatus(data, statuses), [data, statuses]);
  const value = useMemo(() => ({ views, error, reload }), [views, error, reload]);
  return <GatewaysContext value={value}>{children}</GatewaysContext>;
}

export function useGateways(): Gateways {
  const gateways = useContext(GatewaysContext);
  if (!gateways) throw new Error('useGateways outside <GatewaysProvider>');
  return gateways;
}
