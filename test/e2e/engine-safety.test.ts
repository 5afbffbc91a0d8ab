// Operation rules on the real control plane that the other engine files do not show: when the API
// server dry-runs first (and when kawa applies at once), the pause between waves, a dry-run sync that
// prunes and changes nothing, Prune=confirm, the live state becoming incomplete between the start and
// the prune, hooks that disappear (deleted while running; gone before the cache ever showed them), and
// a finished hook kawa may not delete.
import { BatchV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { confirmPrune, createEngine, type Clock, type Engine, type OperationRecord, type SyncApp } from '../../src/engine/index.js';
import { ClusterCache } from '../../src/kube/cache.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { configMap, configMapNames, deploy, recorder, removeRestricted, restrictedKubeConfig, resultsOf, sync, taskOf, useEngine } from '../harness/engine.js';
import { waitUntil } from '../harness/kube.js';

const fx = useEngine();


/** A Service the API server rejects (422: no such type). */
function badService(annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad', annotations }, spec: { type: 'Sideways', ports: [{ port: 80 }] } };
}

function hookJob(name: string, annotations: Record<string, string>, suspend = false): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, annotations },
    spec: {
      backoffLimit: 0,
      ...(suspend ? { suspend: true } : {}),
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'registry.kawa.example/run:1.0' }] } },
    },
  };
}



/** Steps (waiting a little while idle) until `until` holds for the record. */
async function stepUntil(engine: Engine, record: OperationRecord, app: SyncApp, persist: (r: OperationRecord) => void, what: string, until: (r: OperationRecord) => boolean): Promise<OperationRecord> {
  let current = record;
  return waitUntil(
    what,
    async () => (current = (await engine.step({ record: current, app, persist })).record),
    until,
    { intervalMs: 50, timeoutMs: 30_000 },
  );
}

const waitingForHook = (r: OperationRecord): boolean => r.message?.startsWith('waiting for completion of hook') === true;

/** The real time, with the clock moved forward by `skew.ms`. */
function skewedClock(skew: { ms: number }): Clock {
  return { now: () => Date.now() + skew.ms, sleep: (ms) => sleep(ms) };
}

describe('dry runs and waves', () => {
  it('applies a single hook-less wave at once: the good objects are applied, the bad one fails its apply', async () => {
    const ns = await fx.namespace('sw');
    const store = recorder();
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [configMap('a'), configMap('b'), badService()] };
    const record = await fx.engine.runToCompletion({ record: await fx.engine.startSync({ app, operation: { sync: {} }, persist: store.persist }), app, persist: store.persist });
    expect(record.phase).toBe('Failed');
    expect(record.message).toMatch(new RegExp(`^one or more synchronization tasks failed: apply of Service ${ns}/bad failed: .*Sideways`));
    expect(resultsOf(record)).toMatchObject({ 'ConfigMap/a': 'Synced', 'ConfigMap/b': 'Synced', 'Service/bad': 'SyncFailed' });
    expect(await configMapNames(fx, ns)).toEqual(['a', 'b']);
    // Every step persisted a record: the start, the (client-side) dry run, the apply, the end.
    expect(store.records.length).toBeGreaterThanOrEqual(4);
    expect(store.records[0]?.phase).toBe('Running');
    expect(store.records.at(-1)?.phase).toBe('Failed');
  });

  it('with waves, the API server dry-runs everything first: a bad object in a later wave stops the sync before anything changes', async () => {
    const ns = await fx.namespace('sv');
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [configMap('a'), badService({ 'argocd.argoproj.io/sync-wave': '1' })] };
    const record = await sync(fx.engine, app);
    expect(record.phase).toBe('Failed');
    expect(record.message).toMatch(new RegExp(`^dry run failed: Service ${ns}/bad: .*Sideways`));
    expect(await configMapNames(fx, ns)).toEqual([]);
  });

  it('waits the wave delay before each wave after the first', async () => {
    const ns = await fx.namespace('sd');
    const slept: number[] = [];
    const engine = fx.engineWith({ waveDelayMs: 300, clock: { now: () => Date.now(), sleep: (ms) => (slept.push(ms), sleep(ms)) } });
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [configMap('a'), configMap('b', { 'argocd.argoproj.io/sync-wave': '1' }), configMap('c', { 'argocd.argoproj.io/sync-wave': '2' })] };
    const store = recorder();
    // Stepped by hand, so the only sleeps on the clock are the operation's own.
    const done = await stepUntil(engine, await engine.startSync({ app, operation: { sync: {} }, persist: store.persist }), app, store.persist, 'the sync done', (r) => r.phase !== 'Running');
    expect(done.phase, done.message).toBe('Succeeded');
    expect(slept).toEqual([300, 300]);
  });

  // Found a real bug once: `?dryRun=All` beside a DeleteOptions body is ignored by the API server, so the
  // "dry run" prune deleted for real. The option now travels in the body.
  it('a dry-run sync with waves and a prune reports what it would do and changes nothing', async () => {
    const ns = await fx.namespace('sn');
    const name = `${ns}-app`;
    await deploy(fx, { name, destinationNamespace: ns, desired: [configMap('old')] });
    const app: SyncApp = { name, destinationNamespace: ns, desired: [configMap('a'), configMap('b', { 'argocd.argoproj.io/sync-wave': '1' })] };
    const done = await sync(fx.engine, app, { dryRun: true, prune: true });
    expect([done.phase, done.message]).toEqual(['Succeeded', 'successfully synced (dry run)']);
    expect(resultsOf(done)).toEqual({ 'ConfigMap/old': 'Pruned', 'ConfigMap/a': 'Synced', 'ConfigMap/b': 'Synced' });
    expect(await configMapNames(fx, ns)).toEqual(['old']);
  });
});

describe('pruning', () => {
  it('Prune=confirm waits for a confirmation, then prunes', async () => {
    const ns = await fx.namespace('pc');
    const name = `${ns}-app`;
    await deploy(fx, { name, destinationNamespace: ns, desired: [configMap('a'), configMap('ask', { 'argocd.argoproj.io/sync-options': 'Prune=confirm' })] });
    const app: SyncApp = { name, destinationNamespace: ns, desired: [configMap('a')] };
    const store = recorder();
    const engine = fx.engine;
    const started = await engine.startSync({ app, operation: { sync: { prune: true } }, persist: store.persist });
    const waiting = await stepUntil(engine, started, app, store.persist, 'the confirmation asked', (r) => r.message?.startsWith('waiting for pruning confirmation') === true);
    expect(waiting.message).toBe(`waiting for pruning confirmation of ConfigMap ${ns}/ask`);
    expect(await configMapNames(fx, ns)).toEqual(['a', 'ask']);
    const done = await engine.runToCompletion({ record: confirmPrune(waiting), app, persist: store.persist });
    expect(done.phase, done.message).toBe('Succeeded');
    expect(resultsOf(done)).toEqual({ 'ConfigMap/a': 'Synced', 'ConfigMap/ask': 'Pruned' });
    await waitUntil('ask pruned', () => configMapNames(fx, ns), (names) => names.join() === 'a');
  });

  it('does not prune when the live state became incomplete after the start', async () => {
    const ns = await fx.namespace('pi');
    const name = `${ns}-app`;
    await deploy(fx, { name, destinationNamespace: ns, desired: [configMap('old', { 'argocd.argoproj.io/sync-wave': '1' })] });
    const app: SyncApp = { name, destinationNamespace: ns, desired: [configMap('a'), configMap('b', { 'argocd.argoproj.io/sync-wave': '1' })] };
    const store = recorder();
    // Started by a controller that sees everything…
    const started = await fx.engine.startSync({ app, operation: { sync: { prune: true } }, persist: store.persist });
    expect(started.kawa.prune.map((p) => p.metadata.name)).toEqual(['old']);
    // …continued by one that may not read Secrets: its cache cannot list them.
    const restricted = await restrictedKubeConfig(fx, ns, (r) => (r.resource === 'secrets' ? [] : ['*']));
    const rest = new KubeRest(restricted);
    const cache = new ClusterCache({ kubeConfig: restricted, rest, discoveryMinIntervalMs: 200 });
    try {
      await cache.start();
      await cache.synced();
      expect(cache.unsyncedTypes()).toContain('/Secret');
      const engine = createEngine({ rest, cache, waveDelayMs: 0, pollMs: 200 });
      const done = await engine.runToCompletion({ record: started, app, persist: store.persist });
      expect(done.phase).toBe('Failed');
      expect(done.message).toMatch(new RegExp(`prune of ConfigMap ${ns}/old failed: not pruned: the live state is incomplete \\(types not listed yet: .*/Secret`));
      expect(await configMapNames(fx, ns)).toContain('old');
    } finally {
      await cache.stop();
      rest.close();
      await removeRestricted(fx, ns);
    }
  });
});

describe('hooks that go away', () => {
  it('fails a running hook that was deleted behind its back', async () => {
    const ns = await fx.namespace('hd');
    // Suspended: the Job runs (Progressing) until someone else deletes it.
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [hookJob('gone', { 'argocd.argoproj.io/hook': 'PreSync' }, true), configMap('a')] };
    const store = recorder();
    const running = await stepUntil(fx.engine, await fx.engine.startSync({ app, operation: { sync: {} }, persist: store.persist }), app, store.persist, 'the hook running', (r) =>
      waitingForHook(r) && taskOf(r, `batch/Job:${ns}/gone`)?.health === 'Suspended',
    );
    await fx.kc.makeApiClient(BatchV1Api).deleteNamespacedJob({ name: 'gone', namespace: ns, propagationPolicy: 'Background' });
    const done = await fx.engine.runToCompletion({ record: running, app, persist: store.persist });
    expect(done.phase).toBe('Failed');
    expect(done.message).toBe(`one or more synchronization tasks failed: create-hook of batch/Job ${ns}/gone failed: the hook was deleted before it completed`);
    expect(await configMapNames(fx, ns)).toEqual([]);
  });

  it('looks a hook the cache never showed up after kindWaitMs: running is no failure, gone is', async () => {
    const ns = await fx.namespace('hl');
    // A real cache that stops after its first sync: it never shows what is created later (a watch lagging
    // behind, for as long as the test needs).
    const frozen = new ClusterCache({ kubeConfig: fx.kc, rest: fx.rest, discoveryMinIntervalMs: 200 });
    await frozen.start();
    await frozen.synced();
    await frozen.stop();
    const skew = { ms: 0 };
    const lagging = createEngine({ rest: fx.rest, cache: frozen, clock: skewedClock(skew), waveDelayMs: 0, pollMs: 100, kindWaitMs: 10_000 });
    const batch = fx.kc.makeApiClient(BatchV1Api);

    // Created and still running (suspended), but unseen: after kindWaitMs the API is asked, and finds it.
    const slow: SyncApp = { name: `${ns}-slow`, destinationNamespace: ns, desired: [hookJob('slow', { 'argocd.argoproj.io/hook': 'PreSync' }, true), configMap('a')] };
    const store = recorder();
    let record = await stepUntil(lagging, await lagging.startSync({ app: slow, operation: { sync: {} }, persist: store.persist }), slow, store.persist, 'waiting for slow', waitingForHook);
    skew.ms = 10_001;
    record = (await lagging.step({ record, app: slow, persist: store.persist })).record;
    expect(record.phase).toBe('Running');
    expect(taskOf(record, `batch/Job:${ns}/slow`)?.health).toBe('Suspended');
    // Let it run, and continue with a cache that sees it.
    await batch.patchNamespacedJob({ name: 'slow', namespace: ns, body: [{ op: 'replace', path: '/spec/suspend', value: false }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    const finished = await fx.engine.runToCompletion({ record, app: slow, persist: store.persist });
    expect(finished.phase, finished.message).toBe('Succeeded');

    // Created, then deleted before any cache showed it: failed once kindWaitMs has passed.
    skew.ms = 0;
    const ghost: SyncApp = { name: `${ns}-ghost`, destinationNamespace: ns, desired: [hookJob('ghost', { 'argocd.argoproj.io/hook': 'PreSync' }, true), configMap('g')] };
    record = await stepUntil(lagging, await lagging.startSync({ app: ghost, operation: { sync: {} }, persist: store.persist }), ghost, store.persist, 'waiting for ghost', waitingForHook);
    await batch.deleteNamespacedJob({ name: 'ghost', namespace: ns, propagationPolicy: 'Background' });
    record = (await lagging.step({ record, app: ghost, persist: store.persist })).record;
    expect(record.phase).toBe('Running');
    skew.ms = 10_001;
    const failed = await lagging.runToCompletion({ record, app: ghost, persist: store.persist });
    expect(failed.phase).toBe('Failed');
    expect(failed.message).toMatch(/the hook disappeared within 10s of its creation, before kawa saw it run$/);
  });

  it('ends even when a finished hook may not be deleted, saying so', async () => {
    const ns = await fx.namespace('hf');
    // A controller identity that may do everything except delete Jobs.
    const restricted = await restrictedKubeConfig(fx, ns, (r) => (r.resource === 'jobs' ? ['get', 'list', 'watch', 'create', 'patch', 'update'] : ['*']));
    const rest = new KubeRest(restricted);
    const cache = new ClusterCache({ kubeConfig: restricted, rest, discoveryMinIntervalMs: 200 });
    try {
      await cache.start();
      await cache.synced();
      const engine = createEngine({ rest, cache, waveDelayMs: 0, pollMs: 200 });
      const app: SyncApp = {
        name: `${ns}-app`,
        destinationNamespace: ns,
        desired: [hookJob('migrate', { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }), configMap('a')],
      };
      const done = await sync(engine, app);
      expect(done.phase, done.message).toBe('Succeeded');
      expect(done.message).toMatch(new RegExp(`^successfully synced \\(all tasks run\\) \\(hooks not deleted: batch/Job ${ns}/migrate: jobs.batch "migrate" is forbidden: .*\\)$`));
      const jobs = await fx.kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: ns });
      expect(jobs.items.map((j) => j.metadata?.name)).toEqual(['migrate']);
    } finally {
      await cache.stop();
      rest.close();
      await removeRestricted(fx, ns);
    }
  });
});
