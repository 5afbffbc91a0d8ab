// Applications served from memory instead of a LIST per request: one AppWatch (list+watch informer, see
// streams/app-watch.ts) per namespace, shared with the SSE stream of that namespace.
//
// - Until a namespace's first list is in, reads go to the API server as before (view() answers
//   undefined), so the first requests after a start are never refused or empty.
// - Read-your-writes: a write this server made (through ArgoStore) is remembered until the cache shows
//   it (resourceVersion reached, or the deleted app gone). A read waits for that, briefly, and otherwise
//   asks the API server. Changes made by others (the controller, kubectl) show up as the watch delivers
//   them, as in Argo CD, whose API server lists from its informer too.
// - The objects are the informer's own: callers must not mutate them.
import type { InformerLogger, ListWatch } from '../../kube/informer.js';
import { isRecord } from '../../kube/objects.js';
import { AppWatch } from '../streams/app-watch.js';
import type { KubeJson } from '../store.js';

export interface AppCacheOptions {
  /** The list+watch of Applications in a namespace; undefined: that namespace is not cached. */
  readonly listWatchFor: (namespace: string) => ListWatch | undefined;
  /** Events kept for resuming stream clients (default 1,000). */
  readonly ringSize?: number;
  readonly log?: InformerLogger;
  /** How long a read waits for the cache to show this server's latest write before asking the API (default 2 s). */
  readonly catchUpMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

interface PendingWrites {
  /** The newest resourceVersion this server wrote. */
  rv: bigint | undefined;
  /** Apps this server deleted outright (no resourceVersion to wait for): pending until the cache drops them. */
  readonly deleted: Set<string>;
}

const versionOf = (rv: unknown): bigint | undefined => (typeof rv === 'string' && /^\d{1,30}$/.test(rv) ? BigInt(rv) : undefined);

function metaOf(obj: unknown): Record<string, unknown> | undefined {
  return isRecord(obj) && isRecord(obj['metadata']) ? obj['metadata'] : undefined;
}

export class AppCache {
  private readonly watches = new Map<string, AppWatch>();
  private readonly pending = new Map<string, PendingWrites>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly options: AppCacheOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  /** The watch of `namespace` (created, not started, on first use); undefined when it cannot be watched. */
  watch(namespace: string): AppWatch | undefined {
    const found = this.watches.get(namespace);
    if (found !== undefined || this.stopped) return found;
    const listWatch = this.options.listWatchFor(namespace);
    if (listWatch === undefined) return undefined;
    const watch = new AppWatch({
      listWatch,
      ...(this.options.ringSize === undefined ? {} : { ringSize: this.options.ringSize }),
      ...(this.options.log === undefined ? {} : { log: this.options.log }),
    });
    this.watches.set(namespace, watch);
    return watch;
  }

  /**
   * The synced watch of `namespace`, caught up with this server's own writes; undefined means "ask the
   * API server" (not synced yet, not cached, or still behind after the catch-up wait).
   */
  async view(namespace: string): Promise<AppWatch | undefined> {
    const watch = this.watch(namespace);
    if (watch === undefined) return undefined;
    watch.start();
    if (!watch.isSynced) return undefined;
    return (await this.caughtUp(namespace, watch)) ? watch : undefined;
  }

  /** Record a write this server made: `result` is what the API server answered (an object, or a Status for a delete). */
  noteWrite(namespace: string, name: string, result: unknown, deleted: boolean): void {
    if (!this.watches.has(namespace)) return;
    const entry = this.pending.get(namespace) ?? { rv: undefined, deleted: new Set<string>() };
    const rv = result !== undefined && isRecord(result) && result['kind'] !== 'Status' ? versionOf(metaOf(result)?.['resourceVersion']) : undefined;
    if (rv !== undefined) {
      if (entry.rv === undefined || rv > entry.rv) entry.rv = rv;
    } else if (deleted) {
      entry.deleted.add(name);
    }
    this.pending.set(namespace, entry);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const watches = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(watches.map((w) => w.stop()));
  }

  private reflected(watch: AppWatch, entry: PendingWrites): boolean {
    for (const name of entry.deleted) if (watch.get(name) === undefined) entry.deleted.delete(name);
    return entry.deleted.size === 0 && (entry.rv === undefined || watch.reached(entry.rv.toString()));
  }

  private async caughtUp(namespace: string, watch: AppWatch): Promise<boolean> {
    const entry = this.pending.get(namespace);
    if (entry === undefined) return true;
    const deadline = this.now() + (this.options.catchUpMs ?? 2000);
    for (;;) {
      if (this.reflected(watch, entry)) {
        if (this.pending.get(namespace) === entry && this.reflected(watch, entry)) this.pending.delete(namespace);
        return true;
      }
      if (this.now() >= deadline) {
        // The watch is slow or stuck: this read goes to the API; later ones stop waiting for this write.
        if (this.pending.get(namespace) === entry) this.pending.delete(namespace);
        this.options.log?.warn({ namespace }, 'the Application cache did not show a write in time; answered from the API server');
        return false;
      }
      await this.sleep(5);
    }
  }
}

/** JSON of each cached object, once: informer objects are replaced, never mutated, so the text stays right. */
const jsonCache = new WeakMap<object, string>();

export function jsonOf(obj: KubeJson): string {
  let json = jsonCache.get(obj);
  if (json === undefined) {
    json = JSON.stringify(obj);
    jsonCache.set(obj, json);
  }
  return json;
}

/**
 * A response whose JSON is assembled from pieces serialized earlier (1,000 apps are 1 MB of JSON: writing
 * it anew per request would dominate a cached list). app.ts's serializer sends `json()` as it is, after
 * checking `value` against the schema when response validation is on.
 */
export class PreSerialized {
  constructor(
    readonly value: unknown,
    readonly json: () => string,
  ) {}
}

/** Apps of `namespace` from a view, and the view's position (the list's resourceVersion). */
export function listFrom(view: AppWatch): { resourceVersion: string; items: KubeJson[] } {
  return { resourceVersion: view.position, items: [...view.values()] };
}
