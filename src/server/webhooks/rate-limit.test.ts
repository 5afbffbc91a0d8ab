import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

/** A limiter on a clock the test moves. */
function limiter(limit: number, options: { maxSources?: number } = {}) {
  const clock = { now: 1_000_000 * 60_000 };
  const l = new RateLimiter({ limit, windowMs: 60_000, now: () => clock.now, ...options });
  return { l, clock };
}

const burst = (l: RateLimiter, source: string, n: number): boolean[] => Array.from({ length: n }, () => l.admit(source).ok);

describe('RateLimiter', () => {
  it('admits `limit` requests of one source per window, then refuses with Retry-After', () => {
    const { l } = limiter(5);
    expect(burst(l, '10.0.0.1', 7)).toEqual([true, true, true, true, true, false, false]);
    const refused = l.admit('10.0.0.1');
    expect(refused).toEqual({ ok: false, retryAfterSec: 60 });
  });

  it('counts each source apart', () => {
    const { l } = limiter(2);
    expect(burst(l, 'a', 3)).toEqual([true, true, false]);
    expect(burst(l, 'b', 2)).toEqual([true, true]);
  });

  it('lets requests through again as the window slides', () => {
    const { l, clock } = limiter(4);
    expect(burst(l, 'a', 4)).toEqual([true, true, true, true]);
    expect(l.admit('a').ok).toBe(false);
    // Half into the next window the previous 5 weigh 2.5: one more fits (1 + 2.5 ≤ 4), the second not.
    clock.now += 90_000;
    expect(burst(l, 'a', 2)).toEqual([true, false]);
    // Two windows on, the past is forgotten.
    clock.now += 120_000;
    expect(burst(l, 'a', 4)).toEqual([true, true, true, true]);
  });

  it('no double burst at a window edge', () => {
    const { l, clock } = limiter(10);
    clock.now += 59_999;
    expect(burst(l, 'a', 10).every(Boolean)).toBe(true);
    clock.now += 2;
    // Just after the edge the previous window still weighs almost fully.
    expect(l.admit('a')).toMatchObject({ ok: false });
  });

  it('remembers a bounded number of sources, dropping the least recently seen', () => {
    const { l } = limiter(1, { maxSources: 3 });
    for (const s of ['a', 'b', 'c']) l.admit(s);
    expect(l.admit('a').ok).toBe(false);
    l.admit('d');
    expect(l.size).toBe(3);
    // b was the least recently seen: forgotten, so it starts afresh; a is still counted.
    expect(l.admit('b').ok).toBe(true);
    expect(l.admit('a').ok).toBe(false);
  });
});
