import { afterEach, describe, expect, it } from 'vitest';
import type { ListWatch, WatchHandle } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/objects.js';
import { AppWatch, type AppEvent } from './app-watch.js';

const app = (name: string, rv: number, project = 'default'): KubeObject => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name, resourceVersion: String(rv) },
  spec: { project },
});

/** A ListWatch whose list answers `items` at `listRv` and whose watch events the test pushes. */
function fakeListWatch(items: KubeObject[], listRv: number) {
  let push: ((type: string, obj: unknown) => void) | undefined;
  const lw: ListWatch = {
    list: () => Promise.resolve({ items, resourceVersion: String(listRv) }),
    watch: (_options, onEvent): WatchHandle => {
      push = onEvent;
      return { done: new Promise<void>(() => undefined), abort: () => undefined };
    },
  };
  return {
    lw,
    emit: async (type: string, obj: KubeObject): Promise<void> => {
      // The informer opens its watch a few microtasks after the list.
      for (let i = 0; i < 100 && push === undefined; i++) await Promise.resolve();
      if (push === undefined) throw new Error('watch not open');
      push(type, obj);
    },
  };
}

const summary = (events: readonly AppEvent[]): string[] => events.map((e) => `${e.type} ${(e.app as KubeObject).metadata?.name ?? ''}@${e.position}`);

let watches: AppWatch[] = [];
afterEach(async () => {
  await Promise.all(watches.map((w) => w.stop()));
  watches = [];
});

async function started(items: KubeObject[], listRv: number, ringSize?: number) {
  const fake = fakeListWatch(items, listRv);
  const watch = new AppWatch({ listWatch: fake.lw, ...(ringSize === undefined ? {} : { ringSize }) });
  watches.push(watch);
  expect(await watch.ready(1000)).toBe(true);
  return { watch, emit: fake.emit };
}

describe('AppWatch', () => {
  it('gives a new subscriber every app as ADDED at the current position, then live events', async () => {
    const { watch, emit } = await started([app('b', 5), app('a', 7)], 10);
    const live: AppEvent[] = [];
    const sub = watch.subscribe(undefined, (e) => live.push(e));
    expect([sub.kind, sub.position, summary(sub.initial)]).toEqual(['snapshot', '10', ['ADDED a@10', 'ADDED b@10']]);
    await emit('MODIFIED', app('a', 11));
    await emit('ADDED', app('c', 12));
    await emit('DELETED', app('b', 13));
    expect(summary(live)).toEqual(['MODIFIED a@11', 'ADDED c@12', 'DELETED b@13']);
    sub.unsubscribe();
    await emit('MODIFIED', app('a', 14));
    expect(live).toHaveLength(3);
  });

  it('replays only the events newer than the version a client resumes from', async () => {
    const { watch, emit } = await started([app('a', 5)], 10);
    await emit('MODIFIED', app('a', 11));
    await emit('ADDED', app('b', 12));
    await emit('MODIFIED', app('a', 13));
    const sub = watch.subscribe('11', () => undefined);
    expect([sub.kind, sub.position, summary(sub.initial)]).toEqual(['replay', '13', ['ADDED b@12', 'MODIFIED a@13']]);
    // Up to date (the list version itself, or the newest event): nothing to replay.
    expect(summary(watch.subscribe('13', () => undefined).initial)).toEqual([]);
    expect(summary(watch.subscribe('10', () => undefined).initial)).toHaveLength(3);
  });

  it('falls back to a full snapshot when the version is older than the ring, unknown, or from the future', async () => {
    const { watch, emit } = await started([app('a', 5)], 10, 2);
    await emit('MODIFIED', app('a', 11));
    await emit('MODIFIED', app('a', 12));
    await emit('ADDED', app('b', 13)); // pushes the event at 11 out of the ring
    expect(watch.subscribe('10', () => undefined).kind).toBe('snapshot');
    const resumed = watch.subscribe('11', () => undefined);
    expect([resumed.kind, summary(resumed.initial)]).toEqual(['replay', ['MODIFIED a@12', 'ADDED b@13']]);
    expect(watch.subscribe('99', () => undefined).kind).toBe('snapshot');
    expect(watch.subscribe('not-a-version', () => undefined).kind).toBe('snapshot');
    const snap = watch.subscribe('', () => undefined);
    expect(summary(snap.initial)).toEqual(['ADDED a@13', 'ADDED b@13']);
  });

  it('keeps delivering to the others when one subscriber throws', async () => {
    const { watch, emit } = await started([], 1);
    const got: AppEvent[] = [];
    watch.subscribe(undefined, () => {
      throw new Error('broken');
    });
    watch.subscribe(undefined, (e) => got.push(e));
    await emit('ADDED', app('a', 2));
    expect(summary(got)).toEqual(['ADDED a@2']);
  });
});
