// The sync engine on the real control plane: the guestbook example synced, re-compared with zero
// differences (also after the controllers wrote status), scale-style drift detected and healed; the
// hooks-and-waves example in order with its delete policies; a failing PostSync hook running SyncFail.
import { AppsV1Api, BatchV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { OperationRecord, SyncApp } from '../../src/engine/index.js';
import { OPERATION_ID_ANNOTATION } from '../../src/engine/index.js';
import { edit, loadExample, recorder, resultsOf, startedIn, sync, taskOf, useEngine } from '../harness/engine.js';
import { waitUntil } from '../harness/kube.js';

const fx = useEngine();

describe('guestbook', () => {
  it('syncs Synced and Healthy, re-compares with zero differences, detects and heals scale drift', async () => {
    const ns = await fx.namespace('gb');
    const app: SyncApp = { name: `${ns}-guestbook`, destinationNamespace: ns, desired: loadExample('guestbook') };
    expect(fx.engine.compare(app).sync).toBe('OutOfSync');

    const record = await sync(fx.engine, app);
    expect(record.phase, record.message).toBe('Succeeded');
    expect(resultsOf(record)).toEqual({ 'Deployment/guestbook-ui': 'Synced', 'Service/guestbook-ui': 'Synced' });

    // From the moment the cache shows the applied objects until the controllers and kwok have made the
    // app Healthy (status written by the controller-manager, Pods made Ready), never a difference.
    const seen: string[] = [];
    const healthy = await waitUntil(
      'guestbook Healthy',
      () => Promise.resolve(fx.engine.compare(app)),
      (c) => {
        if (c.resources.some((r) => r.live === undefined)) return false;
        seen.push(`${c.sync} ${c.health.status} ${c.resources.flatMap((r) => r.diff?.differences ?? []).map((d) => d.path).join(',')}`);
        return c.health.status === 'Healthy';
      },
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    expect(seen.filter((line) => !line.startsWith('Synced ') || !line.endsWith(' '))).toEqual([]);
    // Sorted by group, kind, namespace, name: the core group comes first.
    expect(healthy.resources.map((r) => `${r.kind} ${r.status} ${r.health?.status ?? '-'} ${r.diff?.differences.length ?? '-'}`)).toEqual([
      'Service Synced Healthy 0',
      'Deployment Synced Healthy 0',
    ]);
    const live = fx.cache.getByRef({ group: 'apps', kind: 'Deployment', namespace: ns, name: 'guestbook-ui' });
    expect((live?.['status'] as { readyReplicas?: number } | undefined)?.readyReplicas).toBe(2);

    // `kubectl scale`: another field manager changes replicas.
    const apps = fx.kc.makeApiClient(AppsV1Api);
    await apps.patchNamespacedDeployment(
      { name: 'guestbook-ui', namespace: ns, body: [{ op: 'replace', path: '/spec/replicas', value: 5 }], fieldManager: 'kubectl' },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    const drifted = await waitUntil('drift detected', () => Promise.resolve(fx.engine.compare(app)), (c) => c.sync === 'OutOfSync');
    const deployment = drifted.resources.find((r) => r.kind === 'Deployment');
    expect(deployment?.status).toBe('OutOfSync');
    expect(deployment?.diff?.differences).toEqual([{ path: '/spec/replicas', kind: 'changed', desired: 2, live: 5 }]);

    const healed = await sync(fx.engine, app);
    expect(healed.phase, healed.message).toBe('Succeeded');
    const after = await waitUntil('healed', () => Promise.resolve(fx.engine.compare(app)), (c) => c.sync === 'Synced' && c.health.status === 'Healthy', { timeoutMs: 30_000 });
    expect(after.resources.every((r) => r.diff?.differences.length === 0)).toBe(true);
    const scaled = await apps.readNamespacedDeployment({ name: 'guestbook-ui', namespace: ns });
    expect(scaled.spec?.replicas).toBe(2);
  });
});

describe('hooks and waves', () => {
  it('runs PreSync before wave -1, waves in order, PostSync last, and honours delete policies', async () => {
    const ns = await fx.namespace('hw');
    const app: SyncApp = { name: `${ns}-hooks`, destinationNamespace: ns, desired: loadExample('hooks-waves') };
    const rec = recorder();
    const start = await fx.engine.startSync({ app, operation: { sync: {} }, persist: rec.persist });
    const record = await fx.engine.runToCompletion({ record: start, app, persist: rec.persist });
    expect(record.phase, record.message).toBe('Succeeded');
    expect(resultsOf(record)).toMatchObject({
      'ConfigMap/app-config': 'Synced',
      'Deployment/backend': 'Synced',
      'Deployment/frontend': 'Synced',
      'Job/smoke-test@PostSync': 'Synced Succeeded',
    });
    const results = record.syncResult?.resources ?? [];
    const presync = results.find((r) => r.hookType === 'PreSync');
    expect(presync).toMatchObject({ status: 'Synced', hookPhase: 'Succeeded' });
    expect(presync?.name).toMatch(/^schema-migrate-[a-z0-9]{8}$/);
    // SyncFail hooks did not run.
    expect(results.some((r) => r.hookType === 'SyncFail')).toBe(false);

    // Order, from the records persisted step by step: each task starts only once the one before it is
    // done — the hook complete, the wave Healthy — and the timestamps agree.
    const presyncTask = `Job:${ns}/${presync?.name ?? ''}`;
    const order = [presyncTask, `/ConfigMap:${ns}/app-config`, `apps/Deployment:${ns}/backend`, `apps/Deployment:${ns}/frontend`, `batch/Job:${ns}/smoke-test`];
    const steps = order.map((suffix) => startedIn(rec.records, suffix));
    expect(steps.every((index, i) => index > (steps[i - 1] ?? -1)), JSON.stringify(steps)).toBe(true);
    const before = (i: number): OperationRecord => rec.records[(steps[i] ?? 0)] ?? record;
    expect(taskOf(before(1), presyncTask)?.health).toBe('Healthy');
    expect(taskOf(before(3), `apps/Deployment:${ns}/backend`)?.health).toBe('Healthy');
    expect(taskOf(before(4), `apps/Deployment:${ns}/frontend`)?.health).toBe('Healthy');
    for (let i = 1; i < order.length; i++) {
      const previous = taskOf(record, order[i - 1] ?? '')?.finishedAt ?? '';
      expect(Date.parse(taskOf(record, order[i] ?? '')?.startedAt ?? ''), order[i]).toBeGreaterThanOrEqual(Date.parse(previous));
    }
    // The messages persisted while running show the waits: for the hook, then for the waves' health.
    const messages = rec.records.map((r) => r.message ?? '');
    expect(messages.some((m) => m.startsWith('waiting for completion of hook batch/Job'))).toBe(true);
    expect(messages.some((m) => m.startsWith('waiting for healthy state of apps/Deployment'))).toBe(true);

    // The cluster's own record agrees: the ConfigMap was written before the frontend Deployment.
    const batch = fx.kc.makeApiClient(BatchV1Api);
    await waitUntil(
      'the PreSync hook deleted (HookSucceeded)',
      async () => (await batch.listNamespacedJob({ namespace: ns })).items.map((j) => j.metadata?.name ?? ''),
      (names) => names.length === 1 && names[0] === 'smoke-test',
    );
    const smoke = await batch.readNamespacedJob({ name: 'smoke-test', namespace: ns });
    expect(smoke.metadata?.annotations?.[OPERATION_ID_ANNOTATION]).toBe(record.kawa.operationId);
    const compared = fx.engine.compare(app);
    expect(compared.sync).toBe('Synced');
    expect(compared.health.status).toBe('Healthy');
    expect(compared.prune).toEqual([]);

    // A second sync: the PostSync hook's old copy is deleted first (BeforeHookCreation), then re-created.
    const again = await sync(fx.engine, app);
    expect(again.phase, again.message).toBe('Succeeded');
    expect(taskOf(again, `delete-hook-before-creation:batch/Job:${ns}/smoke-test`)?.progress).toBe('done');
    const second = await batch.readNamespacedJob({ name: 'smoke-test', namespace: ns });
    expect(second.metadata?.uid).not.toBe(smoke.metadata?.uid);
    expect(second.metadata?.annotations?.[OPERATION_ID_ANNOTATION]).toBe(again.kawa.operationId);
  });

  it('fails the operation when the PostSync hook fails, and runs the SyncFail hook', async () => {
    const ns = await fx.namespace('hf');
    const desired = edit(loadExample('hooks-waves'), (obj) => {
      if (obj.metadata?.name === 'smoke-test') {
        const spec = obj['spec'] as { template: { metadata?: { labels?: Record<string, string> } } };
        spec.template.metadata = { labels: { 'kawa.dev/kwok-outcome': 'fail' } };
      }
      return obj;
    });
    const app: SyncApp = { name: `${ns}-hooks`, destinationNamespace: ns, desired };
    const record = await sync(fx.engine, app);
    expect(record.phase).toBe('Failed');
    expect(record.message).toMatch(/^one or more synchronization tasks failed: hook batch\/Job .*\/smoke-test failed \(Degraded\)/);
    const results = record.syncResult?.resources ?? [];
    expect(results.find((r) => r.name === 'smoke-test')).toMatchObject({ hookType: 'PostSync', hookPhase: 'Failed' });
    const syncFail = results.find((r) => r.hookType === 'SyncFail');
    expect(syncFail).toMatchObject({ status: 'Synced', hookPhase: 'Succeeded' });
    expect(syncFail?.name).toMatch(/^notify-failure-/);
    // HookSucceeded: the SyncFail hook is gone; the failed PostSync hook stays for inspection.
    const batch = fx.kc.makeApiClient(BatchV1Api);
    await waitUntil(
      'only the failed hook left',
      async () => (await batch.listNamespacedJob({ namespace: ns })).items.map((j) => j.metadata?.name ?? ''),
      (names) => names.length === 1 && names[0] === 'smoke-test',
    );
  });
});
