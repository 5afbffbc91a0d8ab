// The controller's work queue: one entry per app key, de-duplicated (ten watch events in a burst are one
// reconcile), never two reconciles of the same key at once (an event during a reconcile re-queues the key
// once), a bounded number in flight, and delayed adds for periodic refreshes and backoff. Each entry keeps
// the strongest refresh level asked for, so a hard refresh is never swallowed by a cheaper request.

/** What a reconcile must do: re-diff against the cache only, re-resolve and re-render if changed, or bypass caches. */
export type RefreshLevel = 'compare' | 'normal' | 'hard';

const LEVEL_RANK: Record<RefreshLevel, number> = { compare: 0, normal: 1, hard: 2 };

export function strongerLevel(a: RefreshLevel, b: RefreshLevel): RefreshLevel {
  return LEVEL_RANK[a] >= LEVEL_RANK[b] ? a : b;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export interface WorkQueueOptions {
  /** Reconciles in flight at once (default 10, Argo CD's status processors default is 20 on bigger machines). */
  concurrency?: number;
  timers?: Timers;
  /** Called when a handler throws; the key is not re-queued by the queue itself. */
  onError?: (key: string, err: unknown) => void;
}

export type WorkHandler = (key: string, level: RefreshLevel) => Promise<void>;

export class WorkQueue {
  private readonly ready: string[] = [];
  /** Keys waiting in `ready` or to be re-run after their current reconcile, with the level asked. */
  private readonly pending = new Map<string, RefreshLevel>();
  private readonly active = new Set<string>();
  /** Delayed adds: one timer per key, the earliest wins. */
  private readonly delayed = new Map<string, { due: number; level: RefreshLevel; handle: unknown }>();
  private readonly concurrency: number;
  private readonly timers: Timers;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: WorkHandler,
    private readonly options: WorkQueueOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 10;
    this.timers = options.timers ?? realTimers;
  }

  /** Queue `key` now (or after `delayMs`), merging with any request already waiting. */
  add(key: string, level: RefreshLevel = 'compare', delayMs = 0, now: number = Date.now()): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const due = now + delayMs;
      const existing = this.delayed.get(key);
      if (existing !== undefined && existing.due <= due) {
        existing.level = strongerLevel(existing.level, level);
        return;
      }
      if (existing !== undefined) this.timers.clearTimeout(existing.handle);
      const entry = { due, level: existing === undefined ? level : strongerLevel(existing.level, level), handle: undefined as unknown };
      entry.handle = this.timers.setTimeout(() => {
        if (this.delayed.get(key) !== entry) return;
        this.delayed.delete(key);
        this.add(key, entry.level);
      }, delayMs);
      this.delayed.set(key, entry);
      return;
    }
    const waiting = this.pending.get(key);
    this.pending.set(key, waiting === undefined ? level : strongerLevel(waiting, level));
    if (waiting === undefined && !this.active.has(key)) this.ready.push(key);
    this.pump();
  }

  /** Drop everything queued for `key` (the app is gone). A reconcile in flight finishes. */
  forget(key: string): void {
    this.pending.delete(key);
    const d = this.delayed.get(key);
    if (d !== undefined) this.timers.clearTimeout(d.handle);
    this.delayed.delete(key);
    const i = this.ready.indexOf(key);
    if (i >= 0) this.ready.splice(i, 1);
  }

  get length(): number {
    return this.ready.length;
  }

  get inFlight(): number {
    return this.active.size;
  }

  /** The keys being reconciled right now (shutdown names them when it cannot wait for them). */
  activeKeys(): string[] {
    return [...this.active];
  }

  /** Resolves when nothing is ready or in flight (delayed adds do not count); after stop(): when the reconciles in flight are done. */
  idle(): Promise<void> {
    if (this.ready.length === 0 && this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const d of this.delayed.values()) this.timers.clearTimeout(d.handle);
    this.delayed.clear();
    this.ready.length = 0;
    this.pending.clear();
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift();
      if (key === undefined) break;
      const level = this.pending.get(key);
      if (level === undefined) continue;
      this.pending.delete(key);
      this.active.add(key);
      void this.run(key, level);
    }
    if (this.ready.length === 0 && this.active.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(key: string, level: RefreshLevel): Promise<void> {
    try {
      await this.handler(key, level);
    } catch (err) {
      this.options.onError?.(key, err);
    } finally {
      this.active.delete(key);
      // Asked again while running: run once more, after the others waiting.
      if (this.pending.has(key)) this.ready.push(key);
      this.pump();
    }
  }
}
