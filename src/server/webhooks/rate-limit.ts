// A per-source request limit for the public webhook: anyone can reach it, so one address must not be
// able to make the server (and through it the Kubernetes API) work without bound. Pure apart from the
// clock, which is passed in.
//
// A sliding window approximated by two fixed ones (the previous window's count weighted by how much of
// it still overlaps): no burst of 2× the limit at a window edge, and two numbers per address.

export interface RateLimitOptions {
  /** Requests one source may make per window. */
  readonly limit: number;
  /** The window, in ms (default one minute). */
  readonly windowMs?: number;
  /** Sources remembered at most; beyond, the least recently seen are forgotten (default 10,000). */
  readonly maxSources?: number;
  readonly now?: () => number;
}

export type Admission = { readonly ok: true } | { readonly ok: false; /** Seconds until a request would pass again (at least 1). */ readonly retryAfterSec: number };

interface Counter {
  windowStart: number;
  current: number;
  previous: number;
}

export const DEFAULT_WINDOW_MS = 60_000;
const DEFAULT_MAX_SOURCES = 10_000;

export class RateLimiter {
  private readonly counters = new Map<string, Counter>();
  private readonly windowMs: number;
  private readonly maxSources: number;
  private readonly now: () => number;
  limit: number;

  constructor(options: RateLimitOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.maxSources = options.maxSources ?? DEFAULT_MAX_SOURCES;
    this.now = options.now ?? Date.now;
  }

  /** Counts one request of `source` and says whether it may go on. Refused requests count too. */
  admit(source: string): Admission {
    const now = this.now();
    const start = now - (now % this.windowMs);
    let counter = this.counters.get(source);
    if (counter === undefined) {
      counter = { windowStart: start, current: 0, previous: 0 };
    } else {
      this.counters.delete(source);
      if (counter.windowStart !== start) {
        // One window later: the old current becomes previous; more than one: both are history.
        counter.previous = start - counter.windowStart === this.windowMs ? counter.current : 0;
        counter.current = 0;
        counter.windowStart = start;
      }
    }
    // Re-inserted: Map order is then least recently seen first, which is what eviction drops.
    this.counters.set(source, counter);
    if (this.counters.size > this.maxSources) this.counters.delete(this.counters.keys().next().value ?? source);
    counter.current += 1;
    const overlap = 1 - (now - start) / this.windowMs;
    const estimate = counter.current + counter.previous * overlap;
    if (estimate <= this.limit) return { ok: true };
    // When the previous window's weight has fallen enough, or at the latest when this window ends.
    const excess = estimate - this.limit;
    const waitMs = counter.previous > 0 ? Math.min((excess / counter.previous) * this.windowMs, start + this.windowMs - now) : start + this.windowMs - now;
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Sources currently remembered (for tests and metrics). */
  get size(): number {
    return this.counters.size;
  }
}
