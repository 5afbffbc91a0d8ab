import { describe, expect, it } from 'vitest';
import { WorkQueue, strongerLevel, type RefreshLevel, type Timers } from './queue.js';

/** Timers driven by the test: nothing sleeps. */
function manualTimers(): Timers & { fire(): void; pending(): number } {
  const pending: (() => void)[] = [];
  return {
    setTimeout: (fn) => {
      pending.push(fn);
      return pending.length - 1;
    },
    clearTimeout: (handle) => {
      pending[handle as number] = () => undefined;
    },
    fire: () => {
      for (const fn of pending.splice(0)) fn();
    },
    pending: () => pending.length,
  };
}

describe('WorkQueue', () => {
  it('merges repeated adds of a key into one reconcile with the strongest level', async () => {
    const seen: [string, RefreshLevel][] = [];
    const queue = new WorkQueue(
      async (key, level) => {
        seen.push([key, level]);
        await Promise.resolve();
      },
      { concurrency: 1, timers: manualTimers() },
    );
    queue.add('a', 'compare');
    queue.add('b', 'compare');
    queue.add('b', 'hard');
    queue.add('b', 'normal');
    await queue.idle();
    expect(seen).toEqual([
      ['a', 'compare'],
      ['b', 'hard'],
    ]);
  });

  it('never runs a key twice at once; an add during its reconcile runs it once more afterwards', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const queue = new WorkQueue(
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
        running--;
      },
      { concurrency: 4, timers: manualTimers() },
    );
    queue.add('a');
    await Promise.resolve();
    queue.add('a');
    queue.add('a');
    release();
    await queue.idle();
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('delays adds, keeping the earliest, and forgets a key', async () => {
    const timers = manualTimers();
    const seen: string[] = [];
    const queue = new WorkQueue(
      (key) => {
        seen.push(key);
        return Promise.resolve();
      },
      { timers },
    );
    queue.add('a', 'normal', 1_000, 0);
    queue.add('a', 'normal', 5_000, 0);
    queue.add('b', 'normal', 1_000, 0);
    queue.forget('b');
    expect(seen).toEqual([]);
    timers.fire();
    await queue.idle();
    expect(seen).toEqual(['a']);
  });

  it('reports handler errors and keeps going', async () => {
    const errors: string[] = [];
    const queue = new WorkQueue((key) => (key === 'bad' ? Promise.reject(new Error('boom')) : Promise.resolve()), { timers: manualTimers(), onError: (key) => errors.push(key) });
    queue.add('bad');
    queue.add('good');
    await queue.idle();
    expect(errors).toEqual(['bad']);
  });

  it('after stop() runs nothing new, names what is in flight, and idle() waits for it', async () => {
    const started: string[] = [];
    let release: () => void = () => undefined;
    const queue = new WorkQueue(
      (key) => {
        started.push(key);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      { concurrency: 1, timers: manualTimers() },
    );
    queue.add('a');
    queue.add('b');
    queue.stop();
    queue.add('c');
    expect(queue.activeKeys()).toEqual(['a']);
    let idle = false;
    const waiting = queue.idle().then(() => {
      idle = true;
    });
    await Promise.resolve();
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(started).toEqual(['a']);
    expect(queue.activeKeys()).toEqual([]);
  });

  it('orders levels', () => {
    expect(strongerLevel('compare', 'normal')).toBe('normal');
    expect(strongerLevel('hard', 'normal')).toBe('hard');
  });
});
