// The applications the UI knows, kept up to date from a list plus the watch stream. Pure: the state
// is replaced, never mutated, so React re-renders exactly what changed (unchanged apps keep their
// object identity and memoized rows skip rendering).

import type { Application, ApplicationWatchEvent } from '../api/types';

export interface AppsState {
  /** By key (`namespace/name`). */
  readonly byKey: ReadonlyMap<string, Application>;
  /** Keys sorted by application name, then namespace. */
  readonly keys: readonly string[];
  /** The list's resourceVersion, where the watch starts. */
  readonly resourceVersion: string | undefined;
  readonly loaded: boolean;
}

export type AppsAction =
  | { readonly type: 'listed'; readonly items: readonly Application[]; readonly resourceVersion?: string | undefined }
  | { readonly type: 'events'; readonly events: readonly ApplicationWatchEvent[] }
  | { readonly type: 'reset' };

export const initialAppsState: AppsState = { byKey: new Map(), keys: [], resourceVersion: undefined, loaded: false };

export function appKey(app: Application): string {
  return `${app.metadata.namespace ?? ''}/${app.metadata.name}`;
}

/** Numeric resourceVersions compare as numbers; anything else is treated as "newer". */
export function isOlder(candidate: string | undefined, current: string | undefined): boolean {
  if (candidate === undefined || current === undefined) return false;
  if (!/^\d+$/.test(candidate) || !/^\d+$/.test(current)) return false;
  return BigInt(candidate) < BigInt(current);
}

function compareKeys(byKey: ReadonlyMap<string, Application>) {
  return (a: string, b: string): number => {
    const x = byKey.get(a);
    const y = byKey.get(b);
    const byName = (x?.metadata.name ?? '').localeCompare(y?.metadata.name ?? '');
    return byName !== 0 ? byName : a.localeCompare(b);
  };
}

export function appsReducer(state: AppsState, action: AppsAction): AppsState {
  switch (action.type) {
    case 'reset':
      return initialAppsState;
    case 'listed': {
      const byKey = new Map<string, Application>();
      for (const app of action.items) byKey.set(appKey(app), app);
      const keys = [...byKey.keys()].sort(compareKeys(byKey));
      return { byKey, keys, resourceVersion: action.resourceVersion, loaded: true };
    }
    case 'events': {
      if (action.events.length === 0) return state;
      let byKey: Map<string, Application> | undefined;
      let membershipChanged = false;
      for (const event of action.events) {
        const app = event.application;
        const key = appKey(app);
        const map: ReadonlyMap<string, Application> = byKey ?? state.byKey;
        const current = map.get(key);
        if (event.type === 'DELETED') {
          if (current === undefined) continue;
          byKey ??= new Map(state.byKey);
          byKey.delete(key);
          membershipChanged = true;
          continue;
        }
        // A stale event (a replayed older version) never overwrites a newer object.
        if (current !== undefined && isOlder(app.metadata.resourceVersion, current.metadata.resourceVersion)) continue;
        if (current !== undefined && current.metadata.resourceVersion !== undefined && current.metadata.resourceVersion === app.metadata.resourceVersion) continue;
        byKey ??= new Map(state.byKey);
        byKey.set(key, app);
        if (current === undefined) membershipChanged = true;
      }
      if (byKey === undefined) return state;
      const keys = membershipChanged ? [...byKey.keys()].sort(compareKeys(byKey)) : state.keys;
      return { ...state, byKey, keys };
    }
  }
}

/** The applications in display order. */
export function appsOf(state: AppsState): Application[] {
  const out: Application[] = [];
  for (const key of state.keys) {
    const app = state.byKey.get(key);
    if (app !== undefined) out.push(app);
  }
  return out;
}
