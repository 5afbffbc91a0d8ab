import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Shutdown, SHUTDOWN_EXIT, type ShutdownPart } from './shutdown.js';

/** A shutdown wired to a fake process: signals from an EventEmitter, a deadline fired by hand, exit recorded. */
function harness(timeoutMs = 10_000) {
  const source = new EventEmitter();
  const lines: string[] = [];
  const exits: number[] = [];
  let fire: (() => void) | undefined;
  const shutdown = new Shutdown({
    timeoutMs,
    log: (line) => lines.push(line),
    exit: (code) => exits.push(code),
    source,
    timers: {
      setTimeout: (fn) => {
        fire = fn;
        return 1;
      },
      clearTimeout: () => {
        fire = undefined;
      },
    },
    now: () => 0,
  }).listen();
  return { source, lines, exits, shutdown, deadline: () => fire?.() };
}

const never = (name: string, pending: string[] = []): ShutdownPart => ({ name, stop: () => new Promise<void>(() => undefined), pending: () => pending });
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Shutdown', () => {
  it('stops every part on the first signal and exits 0 once all stopped', async () => {
    const t = harness();
    const stopped: string[] = [];
    t.shutdown.add({ name: 'server', stop: () => Promise.resolve(void stopped.push('server')) });
    t.shutdown.add({ name: 'controller', stop: () => Promise.resolve(void stopped.push('controller')) });
    t.source.emit('SIGTERM', 'SIGTERM');
    expect(await t.shutdown.wait()).toBe(SHUTDOWN_EXIT.clean);
    expect(stopped.sort()).toEqual(['controller', 'server']);
    expect(t.exits).toEqual([0]);
    expect(t.lines[0]).toMatch(/^stopping \(SIGTERM\): waiting up to 10s/);
  });

  it('stops the parts in parallel: one that hangs does not keep the others running', async () => {
    const t = harness();
    let controllerStopped = false;
    t.shutdown.add(never('server'));
    t.shutdown.add({ name: 'controller', stop: () => Promise.resolve(void (controllerStopped = true)) });
    t.source.emit('SIGINT', 'SIGINT');
    await flush();
    expect(controllerStopped).toBe(true);
    expect(t.exits).toEqual([]);
  });

  it('exits 1 at the deadline and names what is still pending', async () => {
    const t = harness(2_500);
    t.shutdown.add(never('controller', ['operation argocd/guestbook', 'deletion argocd/old']));
    t.shutdown.add({ name: 'server', stop: () => Promise.resolve() });
    t.source.emit('SIGTERM', 'SIGTERM');
    await flush();
    t.deadline();
    expect(await t.shutdown.wait()).toBe(SHUTDOWN_EXIT.deadline);
    expect(t.exits).toEqual([1]);
    expect(t.lines.at(-1)).toBe('shutdown deadline of 2.5s passed; exiting with work still pending: controller (operation argocd/guestbook, deletion argocd/old)');
  });

  it('exits at once on a second signal', async () => {
    const t = harness();
    t.shutdown.add(never('server'));
    t.source.emit('SIGTERM', 'SIGTERM');
    t.source.emit('SIGINT', 'SIGINT');
    expect(await t.shutdown.wait()).toBe(SHUTDOWN_EXIT.forced);
    expect(t.exits).toEqual([130]);
    expect(t.lines.at(-1)).toBe('SIGINT again: exiting now; not stopped: server');
    // Exited: no listener is left behind, and the deadline does not exit a second time.
    expect(t.source.listenerCount('SIGINT') + t.source.listenerCount('SIGTERM')).toBe(0);
    t.deadline();
    await flush();
    expect(t.exits).toEqual([130]);
  });

  it('stops a part added while stopping (a signal that came during start-up)', async () => {
    const t = harness();
    t.source.emit('SIGTERM', 'SIGTERM');
    let stopped = false;
    t.shutdown.add({ name: 'late', stop: () => Promise.resolve(void (stopped = true)) });
    await flush();
    expect(stopped).toBe(true);
  });

  it('a part whose stop fails is logged and counts as stopped', async () => {
    const t = harness();
    t.shutdown.add({ name: 'repo', stop: () => Promise.reject(new Error('boom')) });
    t.source.emit('SIGTERM', 'SIGTERM');
    expect(await t.shutdown.wait()).toBe(SHUTDOWN_EXIT.clean);
    expect(t.lines).toContain('stopping repo failed: boom');
  });
});
