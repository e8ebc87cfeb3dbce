import {
  COMMAND_NAMES,
  DASHBOARD_LOGIN_PATH,
  DASHBOARD_LOGOUT_PATH,
  DASHBOARD_SESSION_PATH,
  SESSION_HEADER,
  SESSION_QUERY,
} from '../../src-main/core/api/contract.js';
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH } from '../../src-main/core/api/http-paths.js';
import { ApiCallError } from './errors.js';
import type { ConnectionState, RendererApi } from './renderer-api.js';
import type { ApiError, ApiEvent, CommandName, CommandOutput } from './types.js';

/** Backoff after the server closed the stream for good (the browser retries drops by itself). */
const RECONNECT_DELAYS_MS = [500, 1_000, 2_000, 5_000, 10_000];

const unreachable: ApiError = {
  code: 'instance_unreachable',
  message: 'Gatekey did not answer: the dashboard lost its connection to `gatekey serve`.',
  hint: 'Check that `gatekey serve --ui` is still running, then reload this page.',
};

const sessionExpired: ApiError = {
  code: 'unauthorized',
  message: 'Gatekey refused this page: its dashboard session is missing or expired.',
  hint: 'Run `gatekey dashboard` in a terminal: it opens the dashboard again with a new link.',
};

/** Where this tab keeps its session: storage that only Gatekey's own origin (and port) can read. */
const SESSION_STORAGE_KEY = 'gatekey.session';
/** Set when this tab ended its session; a new login link clears it. */
const ENDED_STORAGE_KEY = 'gatekey.session-ended';

/**
 * This tab's dashboard session. Opened from a one-time login link, the page trades the link's
 * ticket for a session and takes the ticket out of the address bar; a reload finds it stored.
 */
async function dashboardSession(): Promise<string | undefined> {
  const ticket =
    window.location.pathname === DASHBOARD_LOGIN_PATH
      ? new URLSearchParams(window.location.search).get('ticket')
      : null;
  if (ticket === null) return sessionStorage.getItem(SESSION_STORAGE_KEY) ?? undefined;
  sessionStorage.removeItem(ENDED_STORAGE_KEY);
  window.history.replaceState(null, '', `/${window.location.hash}`);
  const response = await fetch(DASHBOARD_SESSION_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ticket }),
  });
  const { session } = (await readEnvelope(response)) as { session: string };
  sessionStorage.setItem(SESSION_STORAGE_KEY, session);
  return session;
}

function isEnvelope(body: unknown): body is { result: unknown } | { error: ApiError } {
  return typeof body === 'object' && body !== null && ('result' in body || 'error' in body);
}

async function readEnvelope(response: Response): Promise<unknown> {
  const body: unknown = await response.json().catch(() => undefined);
  if (isEnvelope(body)) {
    if ('error' in body) throw new ApiCallError(body.error);
    return body.result;
  }
  if (response.status === 401 || response.status === 403) throw new ApiCallError(sessionExpired);
  throw new ApiCallError({
    code: 'internal',
    message: `Gatekey answered HTTP ${response.status} without a result or an error.`,
    hint: 'Restart `gatekey serve`; if it keeps happening, report it.',
  });
}

function parseEvent(data: string): ApiEvent | undefined {
  try {
    const event: unknown = JSON.parse(data);
    if (typeof event === 'object' && event !== null && 'type' in event) return event as ApiEvent;
  } catch {
    // A malformed message is dropped: the next resync restores what it carried.
  }
  return undefined;
}

/**
 * One EventSource shared by every subscriber, opened on the first and closed after the last;
 * never opened without a session (`streamUrl` gives undefined then).
 */
function createEventStream(streamUrl: () => Promise<string | undefined>) {
  const listeners = new Set<(event: ApiEvent) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = 'connecting';
  let source: EventSource | undefined;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const listener of connectionListeners) listener(next);
  };

  const scheduleReconnect = () => {
    const delay = RECONNECT_DELAYS_MS[Math.min(failures, RECONNECT_DELAYS_MS.length - 1)];
    failures += 1;
    reconnectTimer = setTimeout(() => void open(), delay);
  };

  /** Set while the session is awaited, before `source` exists. */
  let opening = false;

  async function open() {
    opening = true;
    const url = await streamUrl().catch(() => undefined);
    opening = false;
    if (listeners.size === 0 || url === undefined) return;
    const current = new EventSource(url);
    source = current;
    current.onopen = () => {
      failures = 0;
      setState('open');
    };
    current.onmessage = (message: MessageEvent<string>) => {
      const event = parseEvent(message.data);
      if (event) for (const listener of listeners) listener(event);
    };
    current.onerror = () => {
      setState('reconnecting');
      if (current.readyState !== EventSource.CLOSED) return;
      current.close();
      scheduleReconnect();
    };
  }

  function close() {
    clearTimeout(reconnectTimer);
    source?.close();
    source = undefined;
    state = 'connecting';
  }

  return {
    subscribe(listener: (event: ApiEvent) => void): () => void {
      listeners.add(listener);
      if (!source && !opening) void open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) close();
      };
    },
    onConnectionChange(listener: (state: ConnectionState) => void): () => void {
      connectionListeners.add(listener);
      listener(state);
      return () => connectionListeners.delete(listener);
    },
    close,
  };
}

/** The dashboard's transport: `POST /api/<command>` and `GET /api/events`, same origin. */
export function createHttpClient(): RendererApi {
  let session = dashboardSession();
  // A failed login is reported by the first call; nothing else is waiting for it.
  session.catch(() => undefined);
  const events = createEventStream(async () => {
    const current = await session;
    return current === undefined
      ? undefined
      : `${HTTP_EVENTS_PATH}?${SESSION_QUERY}=${encodeURIComponent(current)}`;
  });
  const end = async (): Promise<void> => {
    const current = await session.catch(() => undefined);
    session = Promise.resolve(undefined);
    sessionStorage.removeItem(SESSION_STORAGE_KEY);
    sessionStorage.setItem(ENDED_STORAGE_KEY, '1');
    events.close();
    if (current === undefined) return;
    const response = await fetch(DASHBOARD_LOGOUT_PATH, {
      method: 'POST',
      credentials: 'omit',
      headers: { [SESSION_HEADER]: current },
    }).catch(() => {
      throw new ApiCallError(unreachable);
    });
    await readEnvelope(response);
  };
  return {
    session: { ended: () => sessionStorage.getItem(ENDED_STORAGE_KEY) !== null, end },
    async call<C extends CommandName>(command: C, input: unknown): Promise<CommandOutput<C>> {
      if (!COMMAND_NAMES.includes(command)) throw new Error(`unknown command ${command}`);
      const current = await session;
      const response = await fetch(`${HTTP_API_PREFIX}${command}`, {
        method: 'POST',
        credentials: 'omit',
        headers: {
          'content-type': 'application/json',
          ...(current === undefined ? {} : { [SESSION_HEADER]: current }),
        },
        body: JSON.stringify(input),
      }).catch(() => {
        throw new ApiCallError(unreachable);
      });
      return (await readEnvelope(response)) as CommandOutput<C>;
    },
    subscribe: events.subscribe,
    onConnectionChange: events.onConnectionChange,
  };
}
