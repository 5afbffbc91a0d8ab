// The retry logic of the informer, driven through a scripted ListWatch: no server, no waiting. Everything
// else about informers runs against the real API server (test/e2e/kube-cache.test.ts).
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, Informer, backoffDelay, type InformerEvent, type ListPage, type ListWatch, type WatchHandle } from './informer.js';
import { keyOf, type KubeObject } from './objects.js';
import { KubeApiError } from './rest.js';

function cm(name: string, rv: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv } };
}

interface OpenWatch {
  resourceVersion: string;
  timeoutSeconds: number;
  emit(type: string, object: unknown): void;
  close(): void;
  fail(err: unknown): void;
  aborted: boolean;
}

type ListAnswer = ListPage | Error;

/** A ListWatch whose answers the test scripts: list answers are queued, watches are handed to the test to drive. */
class ScriptedListWatch implements ListWatch {
  readonly listCalls: { limit: number; continue?: string }[] = [];
  private readonly answers: ListAnswer[] = [];
  private readonly waiting: ((w: OpenWatch) => void)[] = [];
  private readonly opened: OpenWatch[] = [];

  answer(...answers: ListAnswer[]): void {
    this.answers.push(...answers);
  }

  list(options: { limit: number; continue?: string; signal: AbortSignal }): Promise<ListPage> {
    this.listCalls.push({ limit: options.limit, ...(options.continue === undefined ? {} : { continue: options.continue }) });
    const next = this.answers.shift();
    if (next === undefined) {
      // Unscripted: hang until the informer stops.
      return new Promise((_, reject) => {
        options.signal.addEventListener('abort', () => {
          reject(new Error('aborted'));
        });
      });
    }
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(structuredClone(next));
  }

  watch(options: { resourceVersion: string; timeoutSeconds: number }, onEvent: (type: string, object: unknown) => void): WatchHandle {
    let resolveDone!: () => void;
    let rejectDone!: (err: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    done.catch(() => undefined);
    const w: OpenWatch = {
      ...options,
      emit: (type, object) => {
        onEvent(type, structuredClone(object));
      },
      close: () => {
        resolveDone();
      },
      fail: (err) => {
        rejectDone(err);
      },
      aborted: false,
    };
    const waiter = this.waiting.shift();
    if (waiter) waiter(w);
    else this.opened.push(w);
    return {
      done,
      abort: () => {
        w.aborted = true;
      },
    };
  }

  /** The next watch the informer opens. */
  nextWatch(): Promise<OpenWatch> {
    const ready = this.opened.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

function setup(options: { random?: number; store?: Map<string, KubeObject> } = {}) {
  const lw = new ScriptedListWatch();
  const events: string[] = [];
  const sleeps: number[] = [];
  let now = 0;
  const informer = new Informer({
    name: '/ConfigMap',
    listWatch: lw,
    keyOf,
    onEvent: (e: InformerEvent) => events.push(`${e.type} ${e.obj.metadata?.name ?? ''}@${e.obj.metadata?.resourceVersion ?? ''}`),
    pageSize: 2,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    now: () => now,
    random: () => options.random ?? 0,
    ...(options.store ? { store: options.store } : {}),
  });
  return {
    lw,
    informer,
    events,
    sleeps,
    advance: (ms: number) => (now += ms),
    names: () => [...informer.values()].map((o) => `${o.metadata?.name ?? ''}@${o.metadata?.resourceVersion ?? ''}`).sort(),
  };
}

const gone = { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (50)' } };

describe('backoffDelay', () => {
  it('doubles up to the ceiling', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, DEFAULT_BACKOFF, () => 0))).toEqual([500, 1000, 2000, 4000, 30_000]);
  });
  it('takes up to `jitter` off at random', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 1)).toBe(700);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0.5)).toBe(850);
  });
});

describe('Informer', () => {
  it('lists every page, then watches from the list resourceVersion', async () => {
    const t = setup();
    t.lw.answer({ items: [cm('a', '1'), cm('b', '2')], resourceVersion: '10', continue: 'page2' }, { items: [cm('c', '3')], resourceVersion: '10' });
    t.informer.start();
    await t.informer.synced;
    expect(t.lw.listCalls).toEqual([{ limit: 2 }, { limit: 2, continue: 'page2' }]);
    expect(t.events).toEqual(['ADDED a@1', 'ADDED b@2', 'ADDED c@3']);
    const w = await t.lw.nextWatch();
    expect(w.resourceVersion).toBe('10');
    expect(w.timeoutSeconds).toBeGreaterThanOrEqual(300);
    await t.informer.stop();
  });

  it('applies watch events and ignores replays of a version it holds', async () => {
    const t = setup();
    t.lw.answer({ items: [cm('a', '1')], resourceVersion: '10' });
    t.informer.start();
    const w = await t.lw.nextWatch();
    w.emit('ADDED', cm('b', '11'));
    w.emit('MODIFIED', cm('a', '12'));
    w.emit('MODIFIED', cm('a', '12'));
    w.emit('DELETED', cm('b', '13'));
    w.emit('DELETED', cm('never-seen', '14'));
    w.emit('SOMETHING_NEW', cm('x', '15'));
    expect(t.events).toEqual(['ADDED a@1', 'ADDED b@11', 'MODIFIED a@12', 'DELETED b@13']);
    expect(t.names()).toEqual(['a@12']);
    expect(t.informer.stats().resourceVersion).toBe('14');
    await t.informer.stop();
  });

  it('resumes from the last bookmark at once when the server closes the watch', async () => {
    const t = setup();
    t.lw.answer({ items: [], resourceVersion: '10' });
    t.informer.start();
    const first = await t.lw.nextWatch();
    first.emit('BOOKMARK', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '42' } });
    first.close();
    const second = await t.lw.nextWatch();
    expect(second.resourceVersion).toBe('42');
    expect(t.sleeps).toEqual([]);
    expect(t.events).toEqual([]);
    expect(t.lw.listCalls).toHaveLength(1);
    await t.informer.stop();
  });

  it('re-lists on 410 Gone and turns the difference into events', async () => {
    const t = setup();
    t.lw.answer({ items: [cm('a', '1'), cm('b', '2'), cm('c', '3')], resourceVersion: '10' });
    t.informer.start();
    const w = await t.lw.nextWatch();
    w.emit('MODIFIED', cm('c', '11'));
    t.events.length = 0;
    // While disconnected: a deleted, b changed, c unchanged, d created.
    t.lw.answer({ items: [cm('b', '20'), cm('c', '11'), cm('d', '21')], resourceVersion: '30' });
    w.emit(gone.type, gone.object);
    expect(w.aborted).toBe(true);
    const next = await t.lw.nextWatch();
    expect(next.resourceVersion).toBe('30');
    expect(t.events).toEqual(['DELETED a@1', 'MODIFIED b@20', 'ADDED d@21']);
    expect(t.names()).toEqual(['b@20', 'c@11', 'd@21']);
    expect(t.sleeps).toEqual([]);
    expect(t.informer.stats()).toMatchObject({ lists: 2, relists: 1, watches: 2 });
    await t.informer.stop();
  });

  it('re-lists when the watch request itself answers 410', async () => {
    const t = setup();
    t.lw.answer({ items: [], resourceVersion: '10' }, { items: [cm('a', '5')], resourceVersion: '20' });
    t.informer.start();
    (await t.lw.nextWatch()).fail(new KubeApiError('gone', 410, 'Gone'));
    expect((await t.lw.nextWatch()).resourceVersion).toBe('20');
    expect(t.events).toEqual(['ADDED a@5']);
    await t.informer.stop();
  });

  it('backs off when 410 follows every fresh list', async () => {
    const t = setup();
    for (let i = 0; i < 4; i++) t.lw.answer({ items: [], resourceVersion: String(10 + i) });
    t.informer.start();
    for (let i = 0; i < 3; i++) (await t.lw.nextWatch()).emit(gone.type, gone.object);
    await t.lw.nextWatch();
    expect(t.sleeps).toEqual([1000, 2000]);
    expect(t.informer.stats().relists).toBe(3);
    await t.informer.stop();
  });

  it('restarts a list whose continue token expired, without backing off', async () => {
    const t = setup();
    t.lw.answer(
      { items: [cm('a', '1'), cm('b', '2')], resourceVersion: '10', continue: 'stale' },
      new KubeApiError('continue token too old', 410, 'Expired'),
      { items: [cm('a', '1'), cm('c', '3')], resourceVersion: '12' },
    );
    t.informer.start();
    await t.informer.synced;
    expect(t.lw.listCalls).toEqual([{ limit: 2 }, { limit: 2, continue: 'stale' }, { limit: 2 }]);
    expect(t.events).toEqual(['ADDED a@1', 'ADDED c@3']);
    expect(t.sleeps).toEqual([]);
    await t.informer.stop();
  });

  it('backs off exponentially on watch errors and retries from the same resourceVersion', async () => {
    const t = setup();
    t.lw.answer({ items: [], resourceVersion: '10' });
    t.informer.start();
    for (let i = 0; i < 4; i++) (await t.lw.nextWatch()).fail(new Error('ECONNRESET'));
    const w = await t.lw.nextWatch();
    expect(w.resourceVersion).toBe('10');
    expect(t.sleeps).toEqual([500, 1000, 2000, 4000]);
    expect(t.informer.stats()).toMatchObject({ errors: 4, lastError: 'ECONNRESET', lists: 1 });
    await t.informer.stop();
  });

  it('treats a watch error event as a failure, not a re-list', async () => {
    const t = setup();
    t.lw.answer({ items: [], resourceVersion: '10' });
    t.informer.start();
    (await t.lw.nextWatch()).emit('ERROR', { kind: 'Status', code: 500, message: 'etcd unavailable' });
    await t.lw.nextWatch();
    expect(t.sleeps).toEqual([500]);
    expect(t.informer.stats()).toMatchObject({ lists: 1, relists: 0, lastError: 'watch /ConfigMap: etcd unavailable' });
    await t.informer.stop();
  });

  it('resets the backoff after a healthy watch', async () => {
    const t = setup();
    t.lw.answer({ items: [], resourceVersion: '10' });
    t.informer.start();
    (await t.lw.nextWatch()).fail(new Error('reset 1'));
    (await t.lw.nextWatch()).fail(new Error('reset 2'));
    const healthy = await t.lw.nextWatch();
    healthy.emit('ADDED', cm('a', '11'));
    healthy.fail(new Error('reset 3'));
    const quiet = await t.lw.nextWatch();
    t.advance(10_000); // open long enough without events counts as healthy too
    quiet.fail(new Error('reset 4'));
    await t.lw.nextWatch();
    expect(t.sleeps).toEqual([500, 1000, 500, 500]);
    await t.informer.stop();
  });

  it('backs off when the server keeps closing the watch at once', async () => {
    const t = setup();
    t.lw.answer({ items: [], resourceVersion: '10' });
    t.informer.start();
    (await t.lw.nextWatch()).close();
    (await t.lw.nextWatch()).close();
    await t.lw.nextWatch();
    expect(t.sleeps).toEqual([500, 1000]);
    await t.informer.stop();
  });

  it('retries a failing list with backoff and jitter', async () => {
    const t = setup({ random: 1 });
    t.lw.answer(new KubeApiError('connection refused'), new KubeApiError('503', 503), { items: [cm('a', '1')], resourceVersion: '10' });
    t.informer.start();
    await t.informer.synced;
    expect(t.sleeps).toEqual([350, 700]);
    expect(t.informer.isSynced).toBe(true);
    await t.informer.stop();
  });

  it('settles without syncing when the list is forbidden, and keeps trying', async () => {
    const t = setup();
    t.lw.answer(new KubeApiError('forbidden', 403, 'Forbidden'), new KubeApiError('forbidden', 403, 'Forbidden'), { items: [], resourceVersion: '1' });
    t.informer.start();
    await t.informer.settled;
    expect(t.informer.isSynced).toBe(false);
    await t.informer.synced;
    expect(t.sleeps).toEqual([500, 1000]);
    await t.informer.stop();
  });

  it('re-watches from the same resourceVersion after the connection drops', async () => {
    const t = setup();
    t.lw.answer({ items: [], resourceVersion: '10' });
    t.informer.start();
    const w = await t.lw.nextWatch();
    w.emit('ADDED', cm('a', '11'));
    expect(t.informer._dropWatch()).toBe(true);
    expect(w.aborted).toBe(true);
    const next = await t.lw.nextWatch();
    expect(next.resourceVersion).toBe('11');
    expect(t.sleeps).toEqual([500]);
    expect(t.informer.stats()).toMatchObject({ lists: 1, watches: 2 });
    await t.informer.stop();
  });

  it('compares its first list with a store it inherits', async () => {
    const store = new Map<string, KubeObject>([
      ['/ConfigMap/ns/a', cm('a', '1')],
      ['/ConfigMap/ns/gone', cm('gone', '2')],
    ]);
    const t = setup({ store });
    t.lw.answer({ items: [cm('a', '1'), cm('b', '3')], resourceVersion: '10' });
    t.informer.start();
    await t.informer.synced;
    expect(t.events).toEqual(['DELETED gone@2', 'ADDED b@3']);
    await t.informer.stop();
  });

  it('stops during a list, a watch or a backoff, and raises nothing afterwards', async () => {
    const hanging = setup();
    hanging.informer.start();
    await hanging.informer.stop();
    expect(hanging.informer.isSettled).toBe(true);
    expect(hanging.informer.isSynced).toBe(false);

    const watching = setup();
    watching.lw.answer({ items: [], resourceVersion: '10' });
    watching.informer.start();
    const w = await watching.lw.nextWatch();
    await watching.informer.stop();
    expect(w.aborted).toBe(true);
    w.emit('ADDED', cm('late', '11'));
    expect(watching.events).toEqual([]);
    expect(watching.informer._dropWatch()).toBe(false);
  });

  it('survives a listener that throws', async () => {
    const lw = new ScriptedListWatch();
    lw.answer({ items: [cm('a', '1')], resourceVersion: '10' });
    const informer = new Informer({
      name: '/ConfigMap',
      listWatch: lw,
      keyOf,
      onEvent: () => {
        throw new Error('listener bug');
      },
      sleep: () => Promise.resolve(),
    });
    informer.start();
    await informer.synced;
    const w = await lw.nextWatch();
    w.emit('ADDED', cm('b', '11'));
    expect(informer.size).toBe(2);
    await informer.stop();
  });
});
