// Resuming sync operations on the real control plane: from the record persisted after every step, by a
// fresh engine, with the same result and the same writes as a run that never stopped; a hook of the
// same name in the way that kawa did not create; and what a resumed operation keeps from its start
// (the desired objects, the app's settings, its own record format).
import { BatchV1Api } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isTerminal, type Engine, type OperationRecord, type SyncApp } from '../../src/engine/index.js';
import type { CacheEvent } from '../../src/kube/cache.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { formatTrackingId, TRACKING_ID_ANNOTATION } from '../../src/kube/tracking.js';
import { configMap, configMapNames, recorder, resultsOf, startedIn, sync, taskOf, useEngine } from '../harness/engine.js';
import { serverSideApply, waitUntil } from '../harness/kube.js';

const fx = useEngine();


function hookJob(name: string, annotations: Record<string, string>, generateName = false): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...(generateName ? { generateName: `${name}-` } : { name }), annotations },
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'registry.kawa.example/run:1.0' }] } } },
  };
}


/** What a step can change; a step that changes none of it only waited for the cluster. */
function progressOf(record: OperationRecord): string {
  return JSON.stringify([record.phase, record.kawa.tasks, record.kawa.dryRun]);
}

/**
 * Steps until `count` steps made progress (steps that only waited for the cluster do not count) or the
 * operation ended; returns the last record and the number of steps that made progress.
 */
async function advance(engine: Engine, record: OperationRecord, app: SyncApp, persist: (r: OperationRecord) => void, count: number): Promise<{ record: OperationRecord; steps: number }> {
  let current = record;
  let steps = 0;
  while (steps < count && !isTerminal(current.phase)) {
    const result = await engine.step({ record: current, app, persist });
    if (progressOf(result.record) !== progressOf(current)) steps++;
    current = result.record;
    if (result.idle) await sleep(50);
  }
  return { record: current, steps };
}

interface Run {
  ns: string;
  final: OperationRecord;
  records: OperationRecord[];
  /** Non-GET requests to the namespace, `METHOD path-below-the-namespace`, sorted. */
  writes: string[];
  /** Names of the Jobs created in the namespace, as the cache saw them. */
  jobsCreated: string[];
  /** Steps that made progress before the operation ended or was resumed. */
  steps: number;
}

const RESUME_DESIRED = [hookJob('migrate', { 'argocd.argoproj.io/hook': 'PreSync' }, true), configMap('a'), configMap('b', { 'argocd.argoproj.io/sync-wave': '1' })];

/** One operation in a new namespace: `before` productive steps by one engine, the rest by a fresh one from the persisted record. */
async function runResumedAfter(before: number | undefined): Promise<Run> {
  const ns = await fx.namespace('rv');
  const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: RESUME_DESIRED };
  const writes: string[] = [];
  const stopRequests = fx.rest.onRequest((e) => {
    const marker = `/namespaces/${ns}/`;
    if (e.method !== 'GET' && e.path.includes(marker)) writes.push(`${e.method} ${e.path.slice(e.path.indexOf(marker) + marker.length)}`);
  });
  const jobsCreated: string[] = [];
  const stopCache = fx.cache.onChange((event: CacheEvent) => {
    if (event.type === 'ADDED' && event.obj.kind === 'Job' && event.obj.metadata?.namespace === ns) jobsCreated.push(event.obj.metadata.name ?? '');
  });
  try {
    const store = recorder();
    const first = fx.engineWith({});
    const started = await first.startSync({ app, operation: { sync: {} }, persist: store.persist, operationId: 'resume-every-step' });
    let final: OperationRecord;
    let steps: number;
    if (before === undefined) {
      ({ record: final, steps } = await advance(first, started, app, store.persist, Number.POSITIVE_INFINITY));
    } else {
      ({ steps } = await advance(first, started, app, store.persist, before));
      // The process stops here; a new one reads the persisted record (plain JSON) and finishes.
      const persisted = JSON.parse(JSON.stringify(store.last())) as OperationRecord;
      final = await fx.engineWith({}).runToCompletion({ record: persisted, app, persist: store.persist });
    }
    return { ns, final, records: store.records, writes: writes.sort(), jobsCreated, steps };
  } finally {
    stopRequests();
    stopCache();
  }
}

/** `resultsOf` without the generated hook. */
function withoutHooks(record: OperationRecord): Record<string, string> {
  return Object.fromEntries(Object.entries(resultsOf(record)).filter(([key]) => !key.endsWith('@PreSync')));
}

describe('resume', () => {
  it('resumes after every step with a fresh engine: hooks created once, waves in order, the same writes as an uninterrupted run', async () => {
    const straight = await runResumedAfter(undefined);
    expect(straight.final.phase, straight.final.message).toBe('Succeeded');
    expect(Object.keys(resultsOf(straight.final))).toHaveLength(3);
    // Dry run, hook created, hook done, wave 0, wave 1, success: at least these steps make progress.
    expect(straight.steps).toBeGreaterThanOrEqual(5);

    // Stopped after 0, 1, … steps (one operation per namespace, all at once), then resumed.
    const resumed = await Promise.all(Array.from({ length: straight.steps }, (_, k) => runResumedAfter(k)));
    for (const [k, run] of resumed.entries()) {
      const what = `resumed after step ${k} (${run.ns})`;
      expect(run.steps, what).toBe(Math.min(k, straight.steps));
      expect(run.final.phase, `${what}: ${run.final.message ?? ''}`).toBe('Succeeded');
      expect(run.final.kawa.operationId, what).toBe('resume-every-step');
      // The generated hook name depends on the namespace; the rest is the same as without stopping.
      const hook = run.final.syncResult?.resources?.find((r) => r.hookType === 'PreSync')?.name ?? '';
      expect(run.jobsCreated, what).toEqual([hook]);
      expect(resultsOf(run.final), what).toEqual({ ...withoutHooks(straight.final), [`Job/${hook}@PreSync`]: 'Synced Succeeded' });
      expect(run.writes, what).toEqual(straight.writes);
      const order = [`batch/Job:${run.ns}/${hook}`, `/ConfigMap:${run.ns}/a`, `/ConfigMap:${run.ns}/b`].map((suffix) => startedIn(run.records, suffix));
      expect(order.every((index, i) => index > (order[i - 1] ?? -1)), `${what}: ${JSON.stringify(order)}`).toBe(true);
      expect(taskOf(run.records[order[1] ?? 0] ?? run.final, `batch/Job:${run.ns}/${hook}`)?.health, what).toBe('Healthy');
    }
  });

  it('refuses a fixed-name hook in the way that it did not create', async () => {
    const ns = await fx.namespace('rw');
    const name = `${ns}-app`;
    // An old copy of the hook, tracked by the app but not created by this operation.
    const old = hookJob('smoke', { 'argocd.argoproj.io/hook': 'PostSync' });
    await serverSideApply(fx.kc, {
      ...old,
      metadata: { name: 'smoke', namespace: ns, annotations: { 'argocd.argoproj.io/hook': 'PostSync', [TRACKING_ID_ANNOTATION]: formatTrackingId({ app: name, group: 'batch', kind: 'Job', namespace: ns, name: 'smoke' }) } },
    });
    await waitUntil('the old hook in the cache', () => Promise.resolve(fx.cache.getByRef({ group: 'batch', kind: 'Job', namespace: ns, name: 'smoke' })), (o) => o !== undefined);
    const app: SyncApp = {
      name,
      destinationNamespace: ns,
      desired: [hookJob('smoke', { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' }), configMap('a')],
    };
    const failed = await sync(fx.engine, app);
    expect(failed.phase).toBe('Failed');
    expect(failed.message).toMatch(
      new RegExp(`^dry run failed: batch/Job ${ns}/smoke: jobs(\\.batch)? "smoke" already exists \\(an older copy is in the way; the hook-delete-policy BeforeHookCreation replaces it`),
    );
    expect(await configMapNames(fx, ns)).toEqual([]);
    const jobs = await fx.kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: ns });
    expect(jobs.items.map((j) => j.metadata?.name)).toEqual(['smoke']);
  });

  it('keeps what it started with: the app settings, the desired objects, its own record', async () => {
    const ns = await fx.namespace('rk');
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [configMap('a'), configMap('b', { 'argocd.argoproj.io/sync-wave': '1' })] };
    const store = recorder();
    const record = await fx.engine.startSync({ app, operation: { sync: {} }, persist: store.persist });

    // Another app's name: refused. A record kawa did not write: refused.
    await expect(fx.engine.step({ record, app: { ...app, name: 'other-app' }, persist: store.persist })).rejects.toThrow(`belongs to app ${ns}-app`);
    const foreign = { operation: {}, phase: 'Running', startedAt: '2025-01-01T00:00:00Z' } as unknown as OperationRecord;
    await expect(fx.engine.step({ record: foreign, app, persist: store.persist })).rejects.toMatchObject({ code: 'KAWA_OPERATION_STATE_INVALID' });

    // Other desired objects (a different render): the operation fails, nothing applied.
    const changed = await fx.engine.step({ record, app: { ...app, desired: [configMap('a')] }, persist: store.persist });
    expect(changed.done).toBe(true);
    expect(changed.record.message).toMatch(/^the desired objects changed while the operation was running/);

    // The spec moved to a namespace that does not exist meanwhile: this operation still syncs into ns.
    const done = await fx.engine.runToCompletion({ record, app: { ...app, destinationNamespace: `${ns}-elsewhere` }, persist: store.persist });
    expect(done.phase, done.message).toBe('Succeeded');
    expect(await configMapNames(fx, ns)).toEqual(['a', 'b']);
  });
});
