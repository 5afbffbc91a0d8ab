// The informer's ListWatch against a real API server: lists through KubeRest, watches through
// client-node's Watch (newline-delimited JSON events over one long-lived request).
import { Watch } from '@kubernetes/client-node';
import { apiVersionOfResource, collectionPath, namespacedCollectionPath, type ApiResource } from './discovery.js';
import type { ListPage, ListWatch, WatchHandle } from './informer.js';
import { isRecord, type KubeObject } from './objects.js';
import type { KubeRest } from './rest.js';

export interface KubeListWatchOptions {
  /**
   * A watch that has been silent this long past its timeoutSeconds is presumed dead (a half-open TCP
   * connection never errors) and ended. The server sends bookmarks about every minute, so a live watch is
   * never silent that long. Default 60 s.
   */
  idleGraceMs?: number;
  /** Only this namespace (a namespaced resource); default: every namespace. */
  namespace?: string;
  /** Only objects matching this label selector (`key=value,...`); default: all. */
  labelSelector?: string;
}

export function kubeListWatch(rest: KubeRest, resource: ApiResource, options: KubeListWatchOptions = {}): ListWatch {
  const path = options.namespace === undefined ? collectionPath(resource) : namespacedCollectionPath(resource, options.namespace);
  const apiVersion = apiVersionOfResource(resource);
  const watcher = new Watch(rest.kubeConfig);
  return {
    async list({ limit, continue: continueToken, signal }): Promise<ListPage> {
      // No resourceVersion: a consistent read of the newest state, which pagination keeps as one snapshot.
      const body = await rest.getJson(path, { query: { limit, continue: continueToken, labelSelector: options.labelSelector }, signal });
      const meta = isRecord(body) && isRecord(body['metadata']) ? body['metadata'] : {};
      const rawItems = isRecord(body) && Array.isArray(body['items']) ? body['items'] : [];
      const items: KubeObject[] = [];
      for (const item of rawItems) {
        if (!isRecord(item)) continue;
        // Items of built-in lists carry no apiVersion/kind; the list's type says what they are.
        const obj = item as KubeObject;
        obj.apiVersion ??= apiVersion;
        obj.kind ??= resource.kind;
        items.push(obj);
      }
      return {
        items,
        resourceVersion: typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '',
        ...(typeof meta['continue'] === 'string' && meta['continue'] !== '' ? { continue: meta['continue'] } : {}),
      };
    },

    watch({ resourceVersion, timeoutSeconds }, onEvent): WatchHandle {
      let controller: AbortController | undefined;
      let aborted = false;
      let idleTimer: NodeJS.Timeout | undefined;
      const idleMs = timeoutSeconds * 1000 + (options.idleGraceMs ?? 60_000);
      const done = new Promise<void>((resolve, reject) => {
        const armIdle = (): void => {
          clearTimeout(idleTimer);
          idleTimer = setTimeout(() => {
            controller?.abort();
            reject(new Error(`watch ${path} silent for ${idleMs}ms`));
          }, idleMs);
          idleTimer.unref();
        };
        armIdle();
        watcher
          .watch(
            path,
            { resourceVersion: resourceVersion === '' ? undefined : resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector: options.labelSelector },
            (type: string, object: unknown) => {
              armIdle();
              onEvent(type, object);
            },
            (err: unknown) => {
              clearTimeout(idleTimer);
              if (err === null || err === undefined) resolve();
              else reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
            },
          )
          .then(
            (c) => {
              controller = c;
              if (aborted) c.abort();
            },
            (err: unknown) => {
              clearTimeout(idleTimer);
              reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
            },
          );
      });
      // The informer settles the outcome itself when it aborts; nobody else awaits `done` then.
      done.catch(() => undefined);
      return {
        done,
        abort(): void {
          aborted = true;
          clearTimeout(idleTimer);
          controller?.abort();
        },
      };
    },
  };
}
