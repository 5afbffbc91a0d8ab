// Login throttling per username, after Argo CD's settings (ARGOCD_SESSION_FAILURE_MAX_FAIL_COUNT = 5,
// ARGOCD_SESSION_FAILURE_WINDOW_SECONDS = 300, ARGOCD_SESSION_MAX_CACHE_SIZE = 1000): after `maxFailures`
// failures inside the window, each further attempt must wait an exponentially growing delay after the
// last failure (1 s, 2 s, 4 s … capped). An attempt inside the delay is refused at once without looking
// at the password, so it is no oracle and costs no bcrypt work; the server never sleeps holding a
// connection. Unknown usernames are throttled exactly like real ones, so refusals say nothing about
// which accounts exist.
//
// Attempts are counted when they start, not when bcrypt has answered: check() admits an attempt and
// counts it as a failure at once, recordFailure() settles it, recordSuccess() takes back that one attempt
// only. Counting at the end let a burst of concurrent guesses all pass check() before the first failure
// was recorded (20 at once = 20 guesses). A success no longer clears the counter either: it cannot tell
// the user's own typos from an attacker's guesses running beside it, and clearing handed the attacker a
// fresh allowance whenever the victim logged in. Failures age out with the window instead.
//
// Memory is bounded: at most `maxTracked` usernames are remembered, each by a key of at most 64
// characters (longer names, which no account can have, are kept as their SHA-256). When full, the oldest
// entry still below the threshold goes first, so flooding random usernames evicts other flood entries
// rather than the counter of the account under attack.
import { createHash, timingSafeEqual } from 'node:crypto';
import { UserError, errorCodes } from '../../errors.js';

export interface ThrottleOptions {
  readonly maxFailures?: number;
  /** Failures older than this are forgotten; 0 = never forget. */
  readonly windowMs?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly maxTracked?: number;
  readonly now?: () => number;
}

interface Entry {
  /** Finished failures plus admitted attempts not settled yet. */
  failures: number;
  /** Admitted by check() and not yet settled by recordFailure/recordSuccess. */
  pending: number;
  lastFailureAt: number;
}

/** How far from the oldest end eviction looks for an entry below the threshold. */
const EVICTION_SCAN = 64;
const MAX_KEY_LENGTH = 64;

function keyOf(username: string): string {
  return username.length <= MAX_KEY_LENGTH ? username : `sha256:${createHash('sha256').update(username).digest('hex')}`;
}

export class LoginThrottledError extends UserError {
  constructor(readonly retryAfterMs: number) {
    super(errorCodes.AUTH_THROTTLED, `too many failed logins for this user; retry in ${Math.ceil(retryAfterMs / 1000)}s`);
  }
}

export class LoginThrottle {
  readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  // Map iteration order is insertion order: re-inserting on each failure keeps the oldest first.
  private readonly entries = new Map<string, Entry>();

  constructor(options: ThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 300_000;
    this.baseDelayMs = options.baseDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.maxTracked = Math.max(1, options.maxTracked ?? 1_000);
    this.now = options.now ?? Date.now;
  }

  /** Usernames currently tracked. */
  get size(): number {
    return this.entries.size;
  }

  /** Milliseconds until `username` may try again; 0 = now. */
  retryAfterMs(username: string): number {
    const entry = this.live(keyOf(username));
    if (entry === undefined || entry.failures < this.maxFailures) return 0;
    const delay = Math.min(this.baseDelayMs * 2 ** (entry.failures - this.maxFailures), this.maxDelayMs);
    return Math.max(0, entry.lastFailureAt + delay - this.now());
  }

  /**
   * Admit one attempt of `username`, or throw LoginThrottledError (AUTH_THROTTLED) while it must wait.
   * The admitted attempt counts as a failure from now on; settle it with recordFailure or recordSuccess.
   */
  check(username: string): void {
    const wait = this.retryAfterMs(username);
    if (wait > 0) throw new LoginThrottledError(wait);
    const entry = this.touch(keyOf(username));
    entry.failures++;
    entry.pending++;
    entry.lastFailureAt = this.now();
  }

  /** The attempt failed: it was already counted by check(); a failure without check() is counted now. */
  recordFailure(username: string): void {
    const entry = this.touch(keyOf(username));
    if (entry.pending > 0) entry.pending--;
    else entry.failures++;
    // The delay runs from when the password check ended.
    entry.lastFailureAt = this.now();
  }

  /** The attempt succeeded: take back its own count. Other attempts, finished or running, stay counted. */
  recordSuccess(username: string): void {
    const key = keyOf(username);
    const entry = this.live(key);
    if (entry === undefined || entry.pending === 0) return;
    entry.pending--;
    entry.failures--;
    if (entry.failures <= 0 && entry.pending === 0) this.entries.delete(key);
  }

  /** The live entry under `key`, created if absent, moved to the newest end. */
  private touch(key: string): Entry {
    const previous = this.live(key);
    this.entries.delete(key);
    if (previous === undefined && this.entries.size >= this.maxTracked) this.evictOne();
    const entry = previous ?? { failures: 0, pending: 0, lastFailureAt: this.now() };
    this.entries.set(key, entry);
    return entry;
  }

  /** The entry under `key` if it is still inside the window; an expired one is dropped. */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.windowMs > 0 && this.now() - entry.lastFailureAt > this.windowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private evictOne(): void {
    let scanned = 0;
    let oldest: string | undefined;
    for (const [name, entry] of this.entries) {
      oldest ??= name;
      // An entry with attempts still running is kept if possible: its settling would otherwise be lost.
      const idle = entry.pending === 0 && entry.failures < this.maxFailures;
      if (idle || (this.windowMs > 0 && this.now() - entry.lastFailureAt > this.windowMs)) {
        this.entries.delete(name);
        return;
      }
      if (++scanned >= EVICTION_SCAN) break;
    }
    if (oldest !== undefined) this.entries.delete(oldest);
  }
}

/**
 * Compare secrets without leaking, through timing, where they first differ or how long the expected
 * one is: both sides are hashed to equal-length digests first.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}
