// A minimal history router: the location is an external store read with useSyncExternalStore.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

export interface Location {
  readonly pathname: string;
  readonly search: string;
}

const listeners = new Set<() => void>();
let current: Location = { pathname: window.location.pathname, search: window.location.search };

function update(): void {
  const next = { pathname: window.location.pathname, search: window.location.search };
  if (next.pathname === current.pathname && next.search === current.search) return;
  current = next;
  for (const l of listeners) l();
}

window.addEventListener('popstate', update);

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  update();
}

export function useLocation(): Location {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

export function Link({ to, children, onClick, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
