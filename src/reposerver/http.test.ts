import { describe, expect, it } from 'vitest';
import { errorCodes } from '../errors.js';
import { ConcurrencyLimiter } from './http.js';

/** A task the test finishes by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('ConcurrencyLimiter', () => {
  it('runs at most max tasks, queues the rest first come first served, and frees slots on failure', async () => {
    const limiter = new ConcurrencyLimiter(2, 2);
    const order: string[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const run = (i: number, fail = false): Promise<void> =>
      limiter.run(async () => {
        order.push(`start ${i}`);
        await gates[i]?.promise;
        if (fail) throw new Error(`task ${i} failed`);
      });
    const tasks = [run(0, true), run(1), run(2), run(3)];
    await Promise.resolve();
    expect(order).toEqual(['start 0', 'start 1']);
    expect({ running: limiter.running, queued: limiter.queued, accept: limiter.canAccept() }).toEqual({ running: 2, queued: 2, accept: false });
    gates[0]?.open();
    await expect(tasks[0]).rejects.toThrow('task 0 failed');
    expect(order).toEqual(['start 0', 'start 1', 'start 2']);
    expect({ running: limiter.running, queued: limiter.queued, accept: limiter.canAccept() }).toEqual({ running: 2, queued: 1, accept: true });
    for (const g of gates) g.open();
    await Promise.all(tasks.slice(1));
    expect(order).toEqual(['start 0', 'start 1', 'start 2', 'start 3']);
    expect({ running: limiter.running, queued: limiter.queued }).toEqual({ running: 0, queued: 0 });
  });

  it('refuses a limit below one', () => {
    expect(() => new ConcurrencyLimiter(0, 5)).toThrow(expect.objectContaining({ code: errorCodes.CLI_INVALID_ARGUMENT }));
  });
});
