// The sync operation as a resumable state machine on the real control plane: resumed by a new engine
// (also after a crash between its API calls and persisting them) without creating a hook twice;
// terminated and timed out while a hook runs; an apply failure of one object failing the wave and
// running SyncFail; and the operation's options (dry run, CreateNamespace, ApplyOutOfSyncOnly,
// selective sync, Replace=true), with custom resources sent byte for byte.
import { ApiextensionsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { OPERATION_TERMINATED } from '../../src/engine/sync/index.js';
import type { OperationRecord, SyncApp } from '../../src/engine/index.js';
import type { CacheEvent } from '../../src/kube/cache.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { edit, loadExample, recorder, resultsOf, sync, taskOf, useEngine } from '../harness/engine.js';
import { waitUntil } from '../harness/kube.js';

const fx = useEngine();

function configMap(name: string, annotations: Record<string, string> = {}, data: Record<string, string> = { name }): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(Object.keys(annotations).length === 0 ? {} : { annotations }) }, data };
}

function hookJob(name: string, hook: string, extra: { suspend?: boolean; generateName?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...(extra.generateName === true ? { generateName: `${name}-` } : { name }), annotations: { 'argocd.argoproj.io/hook': hook } },
    spec: {
      backoffLimit: 0,
      ...(extra.suspend === true ? { suspend: true } : {}),
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'registry.kawa.example/run:1.0' }] } },
    },
  };
}

/** Counts ADDED events of Jobs in a namespace, as the cache sees them: creations in the cluster. */
function countJobCreations(ns: string): { count(prefix: string): number; stop(): void } {
  const added: string[] = [];
  const stop = fx.cache.onChange((event: CacheEvent) => {
    if (event.type === 'ADDED' && event.obj.kind === 'Job' && event.obj.metadata?.namespace === ns) added.push(event.obj.metadata.name ?? '');
  });
  return { count: (prefix) => added.filter((name) => name.startsWith(prefix)).length, stop };
}

describe('resume', () => {
  it('continues from the persisted record with a new engine, without creating the PreSync hook twice', async () => {
    const ns = await fx.namespace('rs');
    const app: SyncApp = { name: `${ns}-hooks`, destinationNamespace: ns, desired: loadExample('hooks-waves') };
    const jobs = countJobCreations(ns);
    try {
      const first = recorder();
      let record = await fx.engine.startSync({ app, operation: { sync: {} }, persist: first.persist });
      // Step until the PreSync hook has been created, then throw this engine away.
      while (!Object.keys(record.kawa.tasks).some((id) => id.startsWith('PreSync:create-hook'))) {
        record = (await fx.engine.step({ record, app, persist: first.persist })).record;
      }
      const persisted = JSON.parse(JSON.stringify(first.last())) as OperationRecord;
      expect(persisted.phase).toBe('Running');

      const second = recorder();
      const resumed = await fx.engineWith({}).runToCompletion({ record: persisted, app, persist: second.persist });
      expect(resumed.phase, resumed.message).toBe('Succeeded');
      expect(resumed.kawa.operationId).toBe(persisted.kawa.operationId);
      expect(resumed.startedAt).toBe(persisted.startedAt);
      expect(resultsOf(resumed)).toMatchObject({ 'ConfigMap/app-config': 'Synced', 'Deployment/frontend': 'Synced', 'Job/smoke-test@PostSync': 'Synced Succeeded' });
      expect(jobs.count('schema-migrate-')).toBe(1);
      expect(jobs.count('smoke-test')).toBe(1);
    } finally {
      jobs.stop();
    }
  });

  it('adopts its own hook after a crash between the create call and persisting it', async () => {
    const ns = await fx.namespace('rc');
    const app: SyncApp = { name: `${ns}-hooks`, destinationNamespace: ns, desired: loadExample('hooks-waves') };
    const jobs = countJobCreations(ns);
    try {
      const store = recorder();
      let record = await fx.engine.startSync({ app, operation: { sync: {} }, persist: store.persist });
      record = (await fx.engine.step({ record, app, persist: store.persist })).record; // the dry run
      expect(record.kawa.dryRun).toEqual({ ok: true });
      // The next step creates the PreSync hook, then "dies" before its record is stored.
      const crash = (): void => {
        throw new Error('killed');
      };
      await expect(fx.engine.step({ record, app, persist: crash })).rejects.toThrow('killed');
      const hookName = await waitUntil(
        'the hook in the cluster',
        async () => (await fx.kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: ns })).items.map((j) => j.metadata?.name ?? ''),
        (names) => names.some((n) => n.startsWith('schema-migrate-')),
      );
      const resumed = await fx.engineWith({}).runToCompletion({ record: store.last(), app, persist: store.persist });
      expect(resumed.phase, resumed.message).toBe('Succeeded');
      const presync = resumed.syncResult?.resources?.find((r) => r.hookType === 'PreSync');
      expect(hookName).toContain(presync?.name);
      expect(jobs.count('schema-migrate-')).toBe(1);
    } finally {
      jobs.stop();
    }
  });
});

describe('stopping', () => {
  it('terminates while a hook runs: the hook is deleted, nothing else applied, Failed "Operation terminated"', async () => {
    const ns = await fx.namespace('tm');
    // A bare Pod that never exits (kwok keeps it Running): a hook that never completes.
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'forever', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'registry.kawa.example/run:1.0' }] },
    };
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [pod, configMap('after')] };
    const store = recorder();
    let record = await fx.engine.startSync({ app, operation: { sync: {} }, persist: store.persist });
    record = await waitUntil(
      'waiting for the hook',
      async () => (record = (await fx.engine.step({ record, app, persist: store.persist })).record),
      (r) => r.message?.startsWith('waiting for completion of hook Pod') === true,
    );
    const terminating = fx.engine.terminate(record);
    expect(terminating.phase).toBe('Terminating');
    const terminated = await fx.engine.runToCompletion({ record: terminating, app, persist: store.persist });
    expect(terminated.phase).toBe('Failed');
    expect(terminated.message).toBe(OPERATION_TERMINATED);
    expect(resultsOf(terminated)).toEqual({ 'Pod/forever@PreSync': 'Synced Running' });
    const core = fx.kc.makeApiClient(CoreV1Api);
    await waitUntil('the hook Pod deleted', async () => (await core.listNamespacedPod({ namespace: ns })).items.length, (n) => n === 0);
    expect((await core.listNamespacedConfigMap({ namespace: ns })).items.map((c) => c.metadata?.name)).not.toContain('after');
  });

  it('fails a hook that never completes when the operation timeout passes', async () => {
    const ns = await fx.namespace('to');
    let skew = 0;
    const engine = fx.engineWith({ timeoutMs: 60_000, clock: { now: () => Date.now() + skew, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) } });
    // A suspended Job never runs: Suspended counts as still running for a hook.
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [hookJob('stuck', 'PreSync', { suspend: true }), configMap('after')] };
    const store = recorder();
    let record = await engine.startSync({ app, operation: { sync: {} }, persist: store.persist });
    record = await waitUntil(
      'waiting for the hook',
      async () => (record = (await engine.step({ record, app, persist: store.persist })).record),
      (r) => r.message?.startsWith('waiting for completion of hook batch/Job') === true,
    );
    skew = 61_000;
    const timedOut = await engine.runToCompletion({ record, app, persist: store.persist });
    expect(timedOut.phase).toBe('Failed');
    expect(timedOut.message).toBe(`operation timed out after 1m0s (waiting for completion of hook batch/Job ${ns}/stuck)`);
    const batch = fx.kc.makeApiClient(BatchV1Api);
    await waitUntil('the hook deleted', async () => (await batch.listNamespacedJob({ namespace: ns })).items.length, (n) => n === 0);
    expect((await fx.kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns })).items.map((c) => c.metadata?.name)).not.toContain('after');
  });
});

describe('apply failures', () => {
  const group = `e2e${randomBytes(3).toString('hex')}.kawa.dev`;
  afterAll(async () => {
    await fx.kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: `widgets.${group}` }).catch(() => undefined);
  });
  const crd: KubeObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    size: { type: 'integer' },
                    // Free-form data below a typed field: typed client models drop it.
                    config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
  const widget = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name }, spec });

  it('applies a CRD and its custom resources in one sync, unknown fields kept byte for byte, with zero drift after', async () => {
    const ns = await fx.namespace('cr');
    const config = { anything: { nested: [1, 'two', { three: true }] }, 'weird-key': null };
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [crd, widget('small', { size: 1, config })] };
    const record = await sync(fx.engine, app);
    expect(record.phase, record.message).toBe('Succeeded');
    const live = (await fx.kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural: 'widgets', name: 'small' })) as { spec: unknown };
    expect(live.spec).toEqual({ size: 1, config });
    const compared = await waitUntil('the widget in the cache', () => Promise.resolve(fx.engine.compare(app)), (c) => c.resources.every((r) => r.live !== undefined));
    expect(compared.sync).toBe('Synced');
  });

  it('fails the wave on one bad object (500 typed patch error, not retried), keeps the others, runs SyncFail', async () => {
    const ns = await fx.namespace('af');
    const syncFail = hookJob('report', 'SyncFail', { generateName: true });
    // The dry run cannot check Widgets while their CRD is part of the sync, so the bad one fails for real.
    const app: SyncApp = {
      name: `${ns}-app`,
      destinationNamespace: ns,
      desired: [crd, widget('good', { size: 2 }), widget('bad', { size: 'large' }), configMap('fine'), syncFail, configMap('later', { 'argocd.argoproj.io/sync-wave': '1' })],
    };
    const patches: string[] = [];
    const stop = fx.rest.onRequest((e) => {
      if (e.method === 'PATCH' && e.path.endsWith('/widgets/bad')) patches.push(`${e.statusCode ?? 0}`);
    });
    try {
      const record = await sync(fx.engine, app);
      expect(record.phase).toBe('Failed');
      expect(record.message).toMatch(new RegExp(`^one or more synchronization tasks failed: apply of ${group.replaceAll('.', '\\.')}/Widget ${ns}/bad failed: .+`));
      const bad = record.syncResult?.resources?.find((r) => r.name === 'bad');
      expect(bad?.status).toBe('SyncFailed');
      expect(bad?.message).toMatch(/size/);
      expect(resultsOf(record)).toMatchObject({ 'Widget/good': 'Synced', 'ConfigMap/fine': 'Synced', [`CustomResourceDefinition/widgets.${group}`]: 'Synced' });
      // The next wave never ran; the SyncFail hook did and succeeded.
      expect(resultsOf(record)['ConfigMap/later']).toBeUndefined();
      const report = record.syncResult?.resources?.find((r) => r.hookType === 'SyncFail');
      expect(report).toMatchObject({ hookPhase: 'Succeeded', status: 'Synced' });
      // A schema mismatch is the user's to fix: one attempt, no retries.
      expect(patches).toEqual(['500']);
    } finally {
      stop();
    }
  });
});

describe('options', () => {
  it('dry run: everything validated by the API server, nothing changed', async () => {
    const ns = await fx.namespace('dr');
    const app: SyncApp = { name: `${ns}-gb`, destinationNamespace: ns, desired: loadExample('guestbook') };
    const record = await sync(fx.engine, app, { dryRun: true });
    expect(record.phase, record.message).toBe('Succeeded');
    expect(record.message).toBe('successfully synced (dry run)');
    expect(resultsOf(record)).toEqual({ 'Deployment/guestbook-ui': 'Synced', 'Service/guestbook-ui': 'Synced' });
    expect(record.syncResult?.resources?.every((r) => r.message === 'applied (dry run)')).toBe(true);
    expect((await fx.kc.makeApiClient(CoreV1Api).listNamespacedService({ namespace: ns })).items).toEqual([]);

    // A dry run with an invalid object fails with that object's message and changes nothing either.
    const broken = edit(app.desired, (obj) => (obj.kind === 'Service' ? { ...obj, spec: { ...(obj['spec'] as object), type: 'Sideways' } } : obj));
    const failed = await sync(fx.engine, { ...app, desired: broken }, { dryRun: true });
    expect(failed.phase).toBe('Failed');
    expect(failed.message).toMatch(new RegExp(`^dry run failed: Service ${ns}/guestbook-ui: .*Sideways`));
    expect(failed.syncResult?.resources?.find((r) => r.kind === 'Service')?.status).toBe('SyncFailed');
  });

  it('CreateNamespace=true creates the destination namespace (untracked) before anything else', async () => {
    const ns = fx.reserveNamespace('cn');
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, syncOptions: ['CreateNamespace=true'], desired: [configMap('a')] };
    const record = await sync(fx.engine, app);
    expect(record.phase, record.message).toBe('Succeeded');
    expect(resultsOf(record)).toEqual({ [`Namespace/${ns}`]: 'Synced', 'ConfigMap/a': 'Synced' });
    const namespace = await fx.kc.makeApiClient(CoreV1Api).readNamespace({ name: ns });
    expect(namespace.metadata?.annotations?.['argocd.argoproj.io/tracking-id']).toBeUndefined();
  });

  it('ApplyOutOfSyncOnly applies only what differs; a selective sync only what is chosen, without hooks', async () => {
    const ns = await fx.namespace('oo');
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [configMap('a'), configMap('b'), hookJob('pre', 'PreSync')] };
    expect((await sync(fx.engine, app)).phase).toBe('Succeeded');
    const core = fx.kc.makeApiClient(CoreV1Api);
    await core.replaceNamespacedConfigMap({ name: 'b', namespace: ns, body: { metadata: { name: 'b', namespace: ns, annotations: { [`argocd.argoproj.io/tracking-id`]: `${ns}-app:/ConfigMap:${ns}/b` } }, data: { name: 'changed' } } });
    await waitUntil('b drifted', () => Promise.resolve(fx.engine.compare(app).resources.find((r) => r.name === 'b')?.status), (s) => s === 'OutOfSync');

    const outOfSyncOnly = await sync(fx.engine, { ...app, desired: app.desired.filter((o) => o.kind !== 'Job') }, { syncOptions: ['ApplyOutOfSyncOnly=true'] });
    expect(outOfSyncOnly.phase, outOfSyncOnly.message).toBe('Succeeded');
    expect(resultsOf(outOfSyncOnly)).toEqual({ 'ConfigMap/b': 'Synced' });

    const selective = await sync(fx.engine, app, { resources: [{ kind: 'ConfigMap', name: 'a' }] });
    expect(selective.phase, selective.message).toBe('Succeeded');
    expect(resultsOf(selective)).toEqual({ 'ConfigMap/a': 'Synced' });
  });

  it('Replace=true replaces the object instead of applying it', async () => {
    const ns = await fx.namespace('rp');
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [configMap('r', { 'argocd.argoproj.io/sync-options': 'Replace=true' })] };
    const created = await sync(fx.engine, app);
    expect(created.phase, created.message).toBe('Succeeded');
    expect(created.syncResult?.resources?.[0]?.message).toBe('replaced');
    const replaced = await sync(fx.engine, { ...app, desired: [configMap('r', { 'argocd.argoproj.io/sync-options': 'Replace=true' }, { v: '2' })] });
    expect(replaced.phase, replaced.message).toBe('Succeeded');
    const live = await fx.kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'r', namespace: ns });
    expect(live.data).toEqual({ v: '2' });
    expect(live.metadata?.managedFields?.map((m) => `${m.manager ?? ''} ${m.operation ?? ''}`)).toEqual(['kawa Update']);
    expect(taskOf(replaced, `/ConfigMap:${ns}/r`)?.progress).toBe('done');
  });
});
