import { useSyncExternalStore } from 'react';
import { parseRoute, routeHref, type Route } from '../../src-main/core/api/routes.js';

const subscribe = (listener: () => void) => {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
};

/** The current route: a hash, so reloads, the back button and deep links just work. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}

/** Opens a route; `replace` swaps the current history entry, so Back does not return to it. */
export function navigate(route: Route, { replace = false } = {}): void {
  const href = routeHref(route);
  if (replace) window.location.replace(href);
  else window.location.hash = href;
}
