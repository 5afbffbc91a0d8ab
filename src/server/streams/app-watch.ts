// One shared watch of the Applications in kawa's namespace per server, fanned out to stream subscribers.
//
// The informer (src/kube/informer.ts) keeps the current set in memory and resumes its watch by itself
// (bookmarks, re-list on 410, backoff). On top of it this keeps a bounded ring of the latest events, so
// a client that reconnects with a resourceVersion gets only what it missed; when that version is older
// than the ring (or not a version this server knows), it gets a full snapshot as ADDED events instead.
//
// Positions: each event is stamped with the informer's resourceVersion at the time it happened. For a
// watch event that is the Application's own resourceVersion; events synthesized by a re-list share the
// list's version (which covers them). Kubernetes resourceVersions of one resource type come from etcd's
// revision and grow monotonically, which is what makes "newer than" meaningful here.
import type { KubeConfig } from '@kubernetes/client-node';
import { messageOf } from '../../errors.js';
import { ARGOPROJ_GROUP, ARGOPROJ_VERSION } from '../../model/index.js';
import { Informer, type InformerEventType, type InformerLogger, type ListWatch } from '../../kube/informer.js';
import { isRecord } from '../../kube/objects.js';
import { kubeListWatch } from '../../kube/listwatch.js';
import { KubeRest } from '../../kube/rest.js';
import type { KubeJson } from '../store.js';

export interface AppEvent {
  readonly type: InformerEventType;
  readonly app: KubeJson;
  /** The stream position this event belongs to (see the file header). */
  readonly position: string;
}

export interface Subscription {
  /** What the subscriber gets first: a replay of missed events, or the snapshot as ADDED events. */
  readonly initial: readonly AppEvent[];
  readonly kind: 'snapshot' | 'replay';
  /** The position the subscriber is at once it has the initial events. */
  readonly position: string;
  unsubscribe(): void;
}

export interface AppWatchOptions {
  readonly listWatch: ListWatch;
  /** Events kept for resuming clients (default 1,000). */
  readonly ringSize?: number;
  readonly log?: InformerLogger;
}

export const DEFAULT_RING_SIZE = 1000;

/** A resourceVersion as a number, when it is one (it is for every real API server). */
function versionOf(rv: string): bigint | undefined {
  return /^\d{1,30}$/.test(rv) ? BigInt(rv) : undefined;
}

export class AppWatch {
  private readonly informer: Informer;
  private readonly ring: AppEvent[] = [];
  private readonly ringSize: number;
  /** Every event after this position is in the ring (set at the first list and as events fall out). */
  private floor: string | undefined;
  private readonly listeners = new Set<(event: AppEvent) => void>();
  private started = false;
  private readonly log: InformerLogger | undefined;

  constructor(options: AppWatchOptions) {
    this.ringSize = Math.max(1, options.ringSize ?? DEFAULT_RING_SIZE);
    this.log = options.log;
    this.informer = new Informer({
      name: 'argoproj.io/Application',
      listWatch: options.listWatch,
      keyOf: (obj) => obj.metadata?.name,
      onEvent: (event) => {
        this.record({ type: event.type, app: event.obj, position: this.informer.stats().resourceVersion });
      },
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    // Runs before the first watch opens (the informer awaits the list before watching), so the floor is
    // the first list's version: the ring is complete from there on.
    void this.informer.synced.then(() => {
      this.floor = this.informer.stats().resourceVersion;
    });
  }

  /** Starts the watch (once) and waits up to `timeoutMs` for the first list; false if it did not come. */
  async ready(timeoutMs: number): Promise<boolean> {
    this.start();
    if (this.informer.isSynced) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.informer.settled, timeout]);
    clearTimeout(timer);
    return this.informer.isSynced;
  }

  /** Starts the watch (once) without waiting for it. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.informer.start();
  }

  /** Whether the first list is in: from then on the cache follows the cluster. */
  get isSynced(): boolean {
    return this.informer.isSynced;
  }

  /** The Application called `name`, as last seen (shared: never mutate it). */
  get(name: string): KubeJson | undefined {
    return this.informer.get(name);
  }

  /** Every Application, as last seen (shared: never mutate them). */
  values(): IterableIterator<KubeJson> {
    return this.informer.values();
  }

  /**
   * Whether the cache has reached resourceVersion `rv` (it has seen every change up to it). False for a
   * version that is not a number, which real API servers never give.
   */
  reached(rv: string): boolean {
    const want = versionOf(rv);
    const now = versionOf(this.position);
    return want !== undefined && now !== undefined && this.informer.isSynced && now >= want;
  }

  /** The current position: the informer's resourceVersion. */
  get position(): string {
    return this.informer.stats().resourceVersion;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /**
   * Registers `listener` for live events and returns what comes before them. Synchronous, so no event can
   * fall between the initial set and the first live one.
   */
  subscribe(from: string | undefined, listener: (event: AppEvent) => void): Subscription {
    const position = this.position;
    const replay = from === undefined || from === '' ? undefined : this.replayAfter(from, position);
    this.listeners.add(listener);
    const unsubscribe = (): void => {
      this.listeners.delete(listener);
    };
    if (replay !== undefined) return { initial: replay, kind: 'replay', position, unsubscribe };
    const snapshot = [...this.informer.values()]
      .map((obj): AppEvent => ({ type: 'ADDED', app: obj, position }))
      .sort((a, b) => nameOf(a.app).localeCompare(nameOf(b.app)));
    return { initial: snapshot, kind: 'snapshot', position, unsubscribe };
  }

  async stop(): Promise<void> {
    this.listeners.clear();
    await this.informer.stop();
  }

  /** Ring events after `from`, or undefined when the ring cannot prove it holds all of them. */
  private replayAfter(from: string, position: string): AppEvent[] | undefined {
    const want = versionOf(from);
    const floor = this.floor === undefined ? undefined : versionOf(this.floor);
    const now = versionOf(position);
    // Older than the ring, or a version from the future (another cluster, a restored etcd): start over.
    if (want === undefined || floor === undefined || now === undefined || want < floor || want > now) return undefined;
    return this.ring.filter((e) => (versionOf(e.position) ?? 0n) > want);
  }

  private record(event: AppEvent): void {
    // The first list's events are the starting state, not news: nobody can have subscribed before it.
    if (!this.informer.isSynced) return;
    this.ring.push(event);
    if (this.ring.length > this.ringSize) {
      const dropped = this.ring.shift();
      if (dropped !== undefined) this.floor = dropped.position;
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        // One broken subscriber must not starve the others.
        this.log?.warn({ err: messageOf(err) }, 'stream subscriber threw');
      }
    }
  }
}

function nameOf(app: KubeJson): string {
  const meta = app['metadata'];
  return isRecord(meta) && typeof meta['name'] === 'string' ? meta['name'] : '';
}

/** List+watch of Applications in one namespace, against a real API server. */
export function namespacedAppListWatch(kubeConfig: KubeConfig, namespace: string): ListWatch {
  const applications = { group: ARGOPROJ_GROUP, version: ARGOPROJ_VERSION, kind: 'Application', resource: 'applications', namespaced: true, verbs: ['list', 'watch'] };
  return kubeListWatch(new KubeRest(kubeConfig), applications, { namespace });
}
