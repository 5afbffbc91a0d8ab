// The Applications by repository, for the webhook: a push names a repository, and only the apps with a
// source in it are worth a closer look (match.ts). Kept up to date from the Application watch cache
// (one subscription per namespace), so a webhook request costs a map lookup, never a LIST of every
// Application — the route is public, and a LIST per request would let anyone load the API server.
import { isRecord } from '../../model/validation.js';
import type { AppEvent, AppWatch } from '../streams/app-watch.js';
import type { KubeJson } from '../store.js';
import { repoKey } from './match.js';
import type { PushEvent } from './payload.js';

/** Every repository key (match.ts `repoKey`) of an app's sources. */
export function repoKeysOf(app: KubeJson): string[] {
  const spec = isRecord(app['spec']) ? app['spec'] : {};
  const urls: string[] = [];
  const add = (source: unknown): void => {
    if (isRecord(source) && typeof source['repoURL'] === 'string') urls.push(source['repoURL']);
  };
  add(spec['source']);
  if (Array.isArray(spec['sources'])) spec['sources'].forEach(add);
  return [...new Set(urls.map(repoKey).filter((k): k is string => k !== undefined))];
}

const idOf = (app: KubeJson): string => {
  const meta = isRecord(app['metadata']) ? app['metadata'] : {};
  return `${typeof meta['namespace'] === 'string' ? meta['namespace'] : ''}/${typeof meta['name'] === 'string' ? meta['name'] : ''}`;
};

/** Pure: apps by repository key, changed one watch event at a time. */
export class RepoIndex {
  private readonly byRepo = new Map<string, Map<string, KubeJson>>();
  private readonly keysOfApp = new Map<string, readonly string[]>();

  apply(event: Pick<AppEvent, 'type' | 'app'>): void {
    const id = idOf(event.app);
    for (const key of this.keysOfApp.get(id) ?? []) {
      const apps = this.byRepo.get(key);
      apps?.delete(id);
      if (apps?.size === 0) this.byRepo.delete(key);
    }
    this.keysOfApp.delete(id);
    if (event.type === 'DELETED') return;
    const keys = repoKeysOf(event.app);
    for (const key of keys) {
      let apps = this.byRepo.get(key);
      if (apps === undefined) {
        apps = new Map<string, KubeJson>();
        this.byRepo.set(key, apps);
      }
      apps.set(id, event.app);
    }
    if (keys.length > 0) this.keysOfApp.set(id, keys);
  }

  /** The apps with a source in any repository the pushes name (each once, by namespace/name). */
  candidates(pushes: readonly PushEvent[]): KubeJson[] {
    const found = new Map<string, KubeJson>();
    for (const push of pushes) {
      for (const url of push.repoUrls) {
        const key = repoKey(url);
        if (key === undefined) continue;
        for (const [id, app] of this.byRepo.get(key) ?? []) found.set(id, app);
      }
    }
    return [...found.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, app]) => app);
  }

  /** Repository keys indexed (for tests). */
  get repositories(): number {
    return this.byRepo.size;
  }
}

/** The watches the index follows: AppCache's (src/server/services/app-cache.ts), one per namespace. */
export interface WatchSource {
  watch(namespace: string): AppWatch | undefined;
}

/**
 * A RepoIndex fed by the watch of each namespace. A namespace joins the index once its watch has listed
 * (subscribing earlier would miss the first list, which the watch does not replay as events).
 */
export class WatchedRepoIndex {
  readonly index = new RepoIndex();
  private readonly joined = new Map<string, Promise<boolean>>();
  private readonly unsubscribes: (() => void)[] = [];

  constructor(
    private readonly source: WatchSource,
    private readonly readyTimeoutMs = 10_000,
  ) {}

  /** Whether every namespace is indexed (waiting for a first list up to the timeout); false: not yet. */
  async ready(namespaces: readonly string[]): Promise<boolean> {
    const results = await Promise.all(namespaces.map((ns) => this.join(ns)));
    return results.every(Boolean);
  }

  private join(namespace: string): Promise<boolean> {
    const known = this.joined.get(namespace);
    if (known !== undefined) return known;
    const pending = (async (): Promise<boolean> => {
      const watch = this.source.watch(namespace);
      if (watch === undefined || !(await watch.ready(this.readyTimeoutMs))) return false;
      const subscription = watch.subscribe(undefined, (event) => {
        this.index.apply(event);
      });
      for (const event of subscription.initial) this.index.apply(event);
      this.unsubscribes.push(() => {
        subscription.unsubscribe();
      });
      return true;
    })();
    this.joined.set(namespace, pending);
    // Not ready yet: the next request tries again.
    void pending.then((ok) => {
      if (!ok && this.joined.get(namespace) === pending) this.joined.delete(namespace);
    });
    return pending;
  }

  close(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }
}
