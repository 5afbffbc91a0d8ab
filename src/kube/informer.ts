// One list+watch loop for one resource type: a paginated list, then a watch from the list's
// resourceVersion (with bookmarks, so a reconnect resumes close to "now"), re-list when the server says
// the version is gone (410), exponential backoff with jitter on errors. The I/O (ListWatch), the sleep
// and the random source are injected, so the retry logic is tested without a server and without waiting.
import { messageOf } from '../errors.js';
import { isRecord, type KubeObject } from './objects.js';
import { KubeApiError, isGone, statusCodeOf } from './rest.js';

export interface ListPage {
  items: KubeObject[];
  /** The resourceVersion of the list as a whole (the snapshot every page belongs to). */
  resourceVersion: string;
  /** Continue token for the next page; absent or empty on the last page. */
  continue?: string;
}

export interface WatchHandle {
  /** Settles when the stream ends: resolves when the server closed it cleanly, rejects with the failure otherwise. */
  readonly done: Promise<void>;
  abort(): void;
}

/** The two calls an informer makes. `kubeListWatch` (listwatch.ts) implements them against a real API server. */
export interface ListWatch {
  list(options: { limit: number; continue?: string; signal: AbortSignal }): Promise<ListPage>;
  /** Starts a watch; `onEvent` gets each event's type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) and object. */
  watch(options: { resourceVersion: string; timeoutSeconds: number }, onEvent: (type: string, object: unknown) => void): WatchHandle;
}

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface InformerEvent {
  type: InformerEventType;
  key: string;
  /** The object as stored; for DELETED, its last known state. */
  obj: KubeObject;
  /** For MODIFIED, the object it replaced. */
  old?: KubeObject;
}

export interface BackoffOptions {
  /** First delay (default 500 ms). */
  initialMs: number;
  /** Ceiling (default 30 s). */
  maxMs: number;
  /** Growth per consecutive failure (default 2). */
  factor: number;
  /** Fraction of the delay taken off at random (default 0.3), so informers that failed together do not retry in lockstep. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.3 };

/** The delay before retry number `attempt` (0-based): capped exponential, minus up to `jitter` of it. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** attempt);
  return Math.round(base * (1 - options.jitter * random()));
}

/** Sleeps `ms`; must resolve (not reject) early when `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export interface InformerLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const silentLogger: InformerLogger = { debug: () => undefined, warn: () => undefined };

export interface InformerOptions {
  /** For logs and stats, e.g. `apps/Deployment`. */
  name: string;
  listWatch: ListWatch;
  /** The key of an object in the store; objects without one are ignored. */
  keyOf: (obj: KubeObject) => string | undefined;
  /** Applied to every object before it is stored (the cache strips what it does not need). */
  transform?: (obj: KubeObject) => KubeObject;
  /** Called synchronously for each change of the store, after the store changed. */
  onEvent: (event: InformerEvent) => void;
  /**
   * The store to fill. Passing the previous informer's store (after a version change of the type) turns
   * the first list into a comparison, so unchanged objects raise no events.
   */
  store?: Map<string, KubeObject>;
  /** Page size of lists (default 500). */
  pageSize?: number;
  backoff?: Partial<BackoffOptions>;
  /** A watch that delivered an event or stayed open this long counts as healthy and resets the backoff (default 10 s). */
  healthyAfterMs?: number;
  sleep?: Sleep;
  now?: () => number;
  random?: () => number;
  log?: InformerLogger;
}

/** How a watch ended. */
type WatchOutcome =
  | { kind: 'closed'; healthy: boolean }
  | { kind: 'gone'; healthy: boolean }
  | { kind: 'error'; healthy: boolean; error: unknown };

export interface InformerStats {
  objects: number;
  /** Complete lists done (the first one included). */
  lists: number;
  /** Lists forced by a 410 (resourceVersion or continue token too old). */
  relists: number;
  watches: number;
  errors: number;
  lastError?: string;
  resourceVersion: string;
  synced: boolean;
}

/** 401/403 (RBAC), 404 (the type went away), 405 (not listable): retrying soon will not help. */
function isPermanent(err: unknown): boolean {
  const code = statusCodeOf(err);
  return code === 401 || code === 403 || code === 404 || code === 405;
}

export class Informer {
  /** Resolves after the first complete list. Never rejects. */
  readonly synced: Promise<void>;
  /**
   * Resolves after the first complete list, after the first list failure retrying will not fix (403, 404, …),
   * or on stop: whoever waits for this informer need not wait any longer.
   */
  readonly settled: Promise<void>;
  private resolveSynced!: () => void;
  private resolveSettled!: () => void;
  private readonly store: Map<string, KubeObject>;
  private readonly abort = new AbortController();
  private readonly backoff: BackoffOptions;
  private readonly sleep: Sleep;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: InformerLogger;
  private resourceVersion = '';
  private hasSynced = false;
  private hasSettled = false;
  private running: Promise<void> | undefined;
  private dropCurrentWatch: (() => void) | undefined;
  private counters = { lists: 0, relists: 0, watches: 0, errors: 0 };
  private lastError: string | undefined;

  constructor(private readonly options: InformerOptions) {
    this.store = options.store ?? new Map<string, KubeObject>();
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLogger;
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
    this.settled = new Promise<void>((resolve) => {
      this.resolveSettled = () => {
        this.hasSettled = true;
        resolve();
      };
    });
  }

  get name(): string {
    return this.options.name;
  }

  get isSynced(): boolean {
    return this.hasSynced;
  }

  get isSettled(): boolean {
    return this.hasSettled;
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** A call, not a property: the loop re-reads it after every await (a property read would be narrowed away). */
  private isStopped(): boolean {
    return this.abort.signal.aborted;
  }

  get(key: string): KubeObject | undefined {
    return this.store.get(key);
  }

  values(): IterableIterator<KubeObject> {
    return this.store.values();
  }

  entries(): IterableIterator<[string, KubeObject]> {
    return this.store.entries();
  }

  get size(): number {
    return this.store.size;
  }

  stats(): InformerStats {
    return {
      objects: this.store.size,
      ...this.counters,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      resourceVersion: this.resourceVersion,
      synced: this.hasSynced,
    };
  }

  start(): void {
    this.running ??= this.run().catch((err: unknown) => {
      // run() handles its own errors; reaching here is a bug, and the type must not silently stop updating.
      this.log.warn({ informer: this.name, err: messageOf(err) }, 'informer loop ended unexpectedly');
    });
  }

  /** Stops the loop and the current request; resolves when the loop has ended. The store keeps its content. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.dropCurrentWatch?.();
    this.resolveSettled();
    await this.running;
  }

  /** Test hook: ends the current watch as if the connection dropped. Returns false when no watch is open. */
  _dropWatch(): boolean {
    if (this.dropCurrentWatch === undefined) return false;
    this.dropCurrentWatch();
    return true;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let needList = true;
    const signal = this.abort.signal;
    while (!this.stopped) {
      if (needList) {
        try {
          await this.listAll();
          needList = false;
        } catch (err) {
          if (this.isStopped()) break;
          this.recordError(err, 'list failed');
          if (isPermanent(err)) this.resolveSettled();
          await this.sleep(backoffDelay(attempt++, this.backoff, this.random), signal);
          continue;
        }
      }
      // stop() may have come while the list finished; a watch opened now would never be aborted.
      if (this.isStopped()) break;
      const outcome = await this.watchOnce();
      if (this.isStopped()) break;
      if (outcome.healthy) attempt = 0;
      switch (outcome.kind) {
        case 'closed':
          // The server ends every watch after timeoutSeconds; resume at once unless it keeps closing on us.
          if (!outcome.healthy) await this.sleep(backoffDelay(attempt++, this.backoff, this.random), signal);
          break;
        case 'gone':
          this.counters.relists++;
          this.log.debug({ informer: this.name, resourceVersion: this.resourceVersion }, 'resourceVersion expired, re-listing');
          needList = true;
          // The first 410 re-lists at once; 410s right after a fresh list mean trouble, so back off then.
          if (attempt > 0) await this.sleep(backoffDelay(attempt, this.backoff, this.random), signal);
          attempt++;
          break;
        case 'error':
          this.recordError(outcome.error, 'watch failed');
          await this.sleep(backoffDelay(attempt++, this.backoff, this.random), signal);
          break;
        default: {
          const unreachable: never = outcome;
          throw new Error(`unknown watch outcome ${JSON.stringify(unreachable)}`);
        }
      }
    }
  }

  private recordError(err: unknown, what: string): void {
    this.counters.errors++;
    const message = messageOf(err);
    // The same failure again (a 403 retried with backoff) is logged once as a warning, then at debug level.
    const repeated = message === this.lastError;
    this.lastError = message;
    const fields = { informer: this.name, err: message, status: statusCodeOf(err) };
    if (repeated) this.log.debug(fields, what);
    else this.log.warn(fields, what);
  }

  /** Lists every page, then replaces the store with the result, raising events for what changed. */
  private async listAll(): Promise<void> {
    const signal = this.abort.signal;
    const fresh = new Map<string, KubeObject>();
    let continueToken: string | undefined;
    let resourceVersion = '';
    let restarts = 0;
    while (!this.isStopped()) {
      let page: ListPage;
      try {
        page = await this.options.listWatch.list({ limit: this.options.pageSize ?? 500, continue: continueToken, signal });
      } catch (err) {
        // The continue token outlived the server's compaction window: start the list again (a bounded number of times).
        if (continueToken !== undefined && isGone(err) && restarts < 3) {
          restarts++;
          fresh.clear();
          continueToken = undefined;
          continue;
        }
        throw err;
      }
      for (const item of page.items) {
        const obj = this.options.transform ? this.options.transform(item) : item;
        const key = this.options.keyOf(obj);
        if (key !== undefined) fresh.set(key, obj);
      }
      resourceVersion = page.resourceVersion;
      continueToken = page.continue === '' ? undefined : page.continue;
      if (continueToken === undefined) break;
    }
    if (this.stopped) return;
    this.replace(fresh, resourceVersion);
    this.counters.lists++;
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.resolveSynced();
      this.resolveSettled();
    }
  }

  private replace(fresh: Map<string, KubeObject>, resourceVersion: string): void {
    this.resourceVersion = resourceVersion;
    for (const [key, old] of [...this.store]) {
      if (!fresh.has(key)) {
        this.store.delete(key);
        this.emit({ type: 'DELETED', key, obj: old });
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.store.get(key);
      this.store.set(key, obj);
      if (old === undefined) this.emit({ type: 'ADDED', key, obj });
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion || old.apiVersion !== obj.apiVersion) {
        this.emit({ type: 'MODIFIED', key, obj, old });
      }
    }
  }

  private emit(event: InformerEvent): void {
    try {
      this.options.onEvent(event);
    } catch (err) {
      // A broken listener must not stop the cache from following the cluster.
      this.log.warn({ informer: this.name, err: messageOf(err) }, 'event listener threw');
    }
  }

  private apply(type: InformerEventType, object: unknown): void {
    if (!isRecord(object)) return;
    const obj: KubeObject = this.options.transform ? this.options.transform(object) : object;
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined) this.resourceVersion = rv;
    const key = this.options.keyOf(obj);
    if (key === undefined) return;
    const old = this.store.get(key);
    if (type === 'DELETED') {
      if (old === undefined) return;
      this.store.delete(key);
      this.emit({ type: 'DELETED', key, obj });
      return;
    }
    // An event for a version we already hold (e.g. replayed after a reconnect) changes nothing.
    if (old !== undefined && old.metadata?.resourceVersion === rv && rv !== undefined) return;
    this.store.set(key, obj);
    this.emit(old === undefined ? { type: 'ADDED', key, obj } : { type: 'MODIFIED', key, obj, old });
  }

  private watchOnce(): Promise<WatchOutcome> {
    return new Promise<WatchOutcome>((resolve) => {
      const startedAt = this.now();
      let events = 0;
      let settled = false;
      let handle: WatchHandle | undefined;
      // Set when the watch must end before watch() returned its handle (an event delivered synchronously).
      const pending = { abort: false };
      const healthy = (): boolean => events > 0 || this.now() - startedAt >= (this.options.healthyAfterMs ?? 10_000);
      const finish = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        this.dropCurrentWatch = undefined;
        if (handle) handle.abort();
        else pending.abort = true;
        resolve(outcome);
      };
      const onEvent = (type: string, object: unknown): void => {
        if (settled || this.stopped) return;
        switch (type) {
          case 'ADDED':
          case 'MODIFIED':
          case 'DELETED':
            events++;
            this.apply(type, object);
            break;
          case 'BOOKMARK': {
            // A bookmark only carries a resourceVersion: nothing changed up to there.
            events++;
            const rv = isRecord(object) && isRecord(object['metadata']) ? object['metadata']['resourceVersion'] : undefined;
            if (typeof rv === 'string') this.resourceVersion = rv;
            break;
          }
          case 'ERROR': {
            const status = isRecord(object) ? object : {};
            const code = typeof status['code'] === 'number' ? status['code'] : undefined;
            if (code === 410) {
              finish({ kind: 'gone', healthy: healthy() });
            } else {
              const message = typeof status['message'] === 'string' ? status['message'] : JSON.stringify(object);
              const reason = typeof status['reason'] === 'string' ? status['reason'] : undefined;
              finish({ kind: 'error', healthy: healthy(), error: new KubeApiError(`watch ${this.name}: ${message}`, code, reason) });
            }
            break;
          }
          default:
            // Unknown event types from a newer server are ignored rather than guessed at.
            break;
        }
      };
      // The server closes the watch after timeoutSeconds; spreading it over 5–10 min keeps reconnects apart.
      const timeoutSeconds = Math.round(300 * (1 + this.random()));
      try {
        this.counters.watches++;
        handle = this.options.listWatch.watch({ resourceVersion: this.resourceVersion, timeoutSeconds }, onEvent);
      } catch (err) {
        finish({ kind: 'error', healthy: false, error: err });
        return;
      }
      if (pending.abort) handle.abort();
      this.dropCurrentWatch = () => {
        finish({ kind: 'error', healthy: healthy(), error: new Error('watch connection dropped') });
      };
      handle.done.then(
        () => {
          finish({ kind: 'closed', healthy: healthy() });
        },
        (err: unknown) => {
          finish(isGone(err) ? { kind: 'gone', healthy: healthy() } : { kind: 'error', healthy: healthy(), error: err });
        },
      );
    });
  }
}
