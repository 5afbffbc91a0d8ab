// Data hooks: the applications list kept live (list, then the watch stream through appsReducer, events
// batched per animation frame so 100 updates a second cost one render each frame), one application kept
// live, its resource tree kept live (the resource-tree stream), and a generic loader for one-off requests.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { applicationService, type AppId } from '../api/applications';
import { sessionService } from '../api/session';
import { watchApplications, watchResourceTree } from '../api/stream';
import type { Application, ApplicationTree, ApplicationWatchEvent } from '../api/types';
import { appsReducer, initialAppsState, isOlder, type AppsState } from './apps-reducer';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

/** When the stream fails, ask who we are: a 401 there sends the app back to the login page. */
function probeSession(): void {
  sessionService
    .userInfo()
    .then((info) => {
      if (!info.loggedIn) window.dispatchEvent(new CustomEvent('kawa:unauthenticated'));
    })
    .catch(() => undefined);
}

export function useApplications(): { state: AppsState; error: unknown; live: LiveState; reload: () => void } {
  const [state, dispatch] = useReducer(appsReducer, initialAppsState);
  const [error, setError] = useState<unknown>(undefined);
  const [live, setLive] = useState<LiveState>('connecting');
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    let stop: (() => void) | undefined;
    let pending: ApplicationWatchEvent[] = [];
    let frame: number | undefined;
    const flush = () => {
      frame = undefined;
      const events = pending;
      pending = [];
      dispatch({ type: 'events', events });
    };
    applicationService
      .list({}, abort.signal)
      .then((list) => {
        if (abort.signal.aborted) return;
        setError(undefined);
        dispatch({ type: 'listed', items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion });
        stop = watchApplications(list.metadata?.resourceVersion === undefined ? {} : { resourceVersion: list.metadata.resourceVersion }, {
          onEvent: (event) => {
            pending.push(event);
            frame ??= requestAnimationFrame(flush);
          },
          onOpen: () => {
            setLive('live');
          },
          onError: () => {
            setLive('reconnecting');
            probeSession();
          },
        });
      })
      .catch((err: unknown) => {
        if (!abort.signal.aborted) setError(err);
      });
    return () => {
      abort.abort();
      stop?.();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [generation]);

  const reload = useCallback(() => {
    setGeneration((g) => g + 1);
  }, []);
  return { state, error, live, reload };
}

/** One application, kept live through the stream (`?name=`, and `appNamespace=` when given). */
export function useApplication(id: AppId): { app: Application | undefined; error: unknown; deleted: boolean; live: LiveState; setApp: (app: Application) => void } {
  const [app, setAppState] = useState<Application | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [deleted, setDeleted] = useState(false);
  const [live, setLive] = useState<LiveState>('connecting');
  const latest = useRef<Application | undefined>(undefined);

  const setApp = useCallback((next: Application) => {
    if (latest.current !== undefined && isOlder(next.metadata.resourceVersion, latest.current.metadata.resourceVersion)) return;
    latest.current = next;
    setAppState(next);
  }, []);

  const { name, appNamespace } = id;
  useEffect(() => {
    let cancelled = false;
    latest.current = undefined;
    setAppState(undefined);
    setDeleted(false);
    setError(undefined);
    const stop = watchApplications(
      { name, appNamespace },
      {
        onEvent: (event) => {
          // The same name may exist in another namespace: only this app's events count.
          const meta = event.application.metadata;
          if (cancelled || meta.name !== name || (appNamespace !== undefined && meta.namespace !== undefined && meta.namespace !== appNamespace)) return;
          if (event.type === 'DELETED') {
            setDeleted(true);
            return;
          }
          setDeleted(false);
          setApp(event.application);
        },
        onOpen: () => {
          setLive('live');
        },
        onError: () => {
          setLive('reconnecting');
          probeSession();
        },
      },
    );
    applicationService
      .get({ name, appNamespace })
      .then((a) => {
        if (!cancelled) setApp(a);
      })
      .catch((err: unknown) => {
        if (!cancelled) setError(err);
      });
    return () => {
      cancelled = true;
      stop();
    };
  }, [name, appNamespace, setApp]);
  return { app, error, deleted, live, setApp };
}

/** How long to wait before opening the tree stream again after the server refused it. */
const TREE_RETRY_MS = 10_000;

/**
 * The app's resource tree, live from `/api/v1/stream/applications/{name}/resource-tree`: no polling, the
 * server sends the whole tree on connect and after each change. Trees arriving faster than the screen
 * refreshes are coalesced (the last one of a frame wins). When the server refuses the stream (no live
 * state on this server, no permission), the tree is read once with GET and the stream tried again later;
 * undefined means "no tree" (the page falls back to status.resources).
 */
export function useResourceTree(id: AppId | undefined): ApplicationTree | undefined {
  const [tree, setTree] = useState<ApplicationTree | undefined>(undefined);
  const name = id?.name;
  const appNamespace = id?.appNamespace;
  useEffect(() => {
    setTree(undefined);
    if (name === undefined) return;
    let cancelled = false;
    let stop: (() => void) | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let frame: number | undefined;
    let pending: ApplicationTree | undefined;
    const flush = () => {
      frame = undefined;
      if (!cancelled && pending !== undefined) setTree(pending);
      pending = undefined;
    };
    const open = () => {
      stop = watchResourceTree({ name, appNamespace }, {
        onEvent: (t) => {
          pending = t;
          frame ??= requestAnimationFrame(flush);
        },
        onError: (closed) => {
          if (!closed || cancelled) return;
          stop?.();
          applicationService
            .resourceTree({ name, appNamespace })
            .then((t) => {
              if (!cancelled) setTree(t);
            })
            .catch(() => undefined);
          retry = setTimeout(open, TREE_RETRY_MS);
        },
      });
    };
    open();
    return () => {
      cancelled = true;
      stop?.();
      clearTimeout(retry);
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [name, appNamespace]);
  return tree;
}

/** Runs a loader when its dependencies change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    load()
      .then((value) => {
        if (cancelled) return;
        setData(value);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (!cancelled) setError(err);
      })
      .finally(() => {
        if (!cancelled) setLoading(false);
      });
    return () => {
      cancelled = true;
    };
    // The loader closes over `deps`; they are its real dependencies.
  }, [...deps, generation]);
  return { data, error, loading, reload: () => { setGeneration((g) => g + 1); } };
}
