// Deleting an Application's resources on the real control plane (the resources finalizer): PreDelete
// hooks first (a failing one stops everything), the app's objects in reverse wave order with each wave
// gone before the next, Delete=false objects kept, PostDelete hooks after and deleted per their policy;
// resumed by a fresh engine from the persisted record (also after a crash between API calls and
// persisting); an object held by its own finalizer reported as stuck by name.
import { BatchV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { DeletionApp, DeletionRecord, Engine } from '../../src/engine/index.js';
import type { CacheEvent } from '../../src/kube/cache.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { configMap, configMapNames, deploy, edit, loadExample, useEngine } from '../harness/engine.js';
import { waitUntil } from '../harness/kube.js';

const fx = useEngine();

function hookJob(name: string, hook: string, options: { policy?: string; fail?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      annotations: { 'argocd.argoproj.io/hook': hook, ...(options.policy === undefined ? {} : { 'argocd.argoproj.io/hook-delete-policy': options.policy }) },
    },
    spec: {
      backoffLimit: 0,
      template: {
        ...(options.fail === true ? { metadata: { labels: { 'kawa.dev/kwok-outcome': 'fail' } } } : {}),
        spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'registry.kawa.example/run:1.0' }] },
      },
    },
  };
}

const wave = (n: number): Record<string, string> => ({ 'argocd.argoproj.io/sync-wave': String(n) });

/** Keeps every persisted record, as the controller's store would (JSON round trip). */
function store(): { records: DeletionRecord[]; persist: (r: DeletionRecord) => void; last(): DeletionRecord } {
  const records: DeletionRecord[] = [];
  return {
    records,
    persist: (r) => {
      records.push(JSON.parse(JSON.stringify(r)) as DeletionRecord);
    },
    last: () => {
      const r = records.at(-1);
      if (r === undefined) throw new Error('nothing persisted');
      return r;
    },
  };
}

/** `ADDED Job/backup`, `DELETED ConfigMap/w2`, … in the namespace, in the order the cache saw them. */
function events(ns: string): { seen: string[]; stop(): void } {
  const seen: string[] = [];
  const stop = fx.cache.onChange((event: CacheEvent) => {
    const kind = event.obj.kind ?? '';
    if (event.obj.metadata?.namespace !== ns || !['Job', 'ConfigMap', 'Deployment'].includes(kind)) return;
    if (event.type === 'ADDED' || event.type === 'DELETED') seen.push(`${event.type} ${kind}/${event.obj.metadata.name ?? ''}`);
  });
  return { seen, stop };
}

/** `Kind/name@hook → status hookPhase` of a deletion's results. */
function resultsOf(record: DeletionRecord): Record<string, string> {
  return Object.fromEntries(
    record.resources.map((r) => [`${r.kind ?? ''}/${r.name ?? ''}${r.hookType === undefined ? '' : `@${r.hookType}`}`, `${r.status ?? ''}${r.hookPhase === undefined ? '' : ` ${r.hookPhase}`}`]),
  );
}

async function jobNames(ns: string): Promise<string[]> {
  const jobs = await fx.kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: ns });
  return jobs.items.map((j) => j.metadata?.name ?? '').sort();
}

async function deleteApp(engine: Engine, app: DeletionApp & { desired: readonly KubeObject[] }, propagation: 'foreground' | 'background' = 'foreground'): Promise<{ record: DeletionRecord; records: DeletionRecord[] }> {
  const s = store();
  const started = await engine.startDeletion({ app, persist: s.persist, propagation });
  const record = await engine.runDeletionToCompletion({ record: started, app, persist: s.persist });
  return { record, records: s.records };
}

describe('app deletion', () => {
  it('runs PreDelete hooks, deletes waves in reverse order (each gone first), keeps Delete=false, then runs PostDelete hooks', async () => {
    const ns = await fx.namespace('del');
    const desired = [
      hookJob('backup', 'PreDelete'),
      hookJob('cleanup', 'PostDelete', { policy: 'HookSucceeded' }),
      configMap('w0'),
      configMap('w1', wave(1)),
      configMap('w2', wave(2)),
      configMap('kept', { ...wave(2), 'argocd.argoproj.io/sync-options': 'Delete=false' }),
      ...edit(loadExample('guestbook'), (o) => (o.kind === 'Deployment' ? { ...o, metadata: { ...o.metadata, annotations: wave(1) } } : undefined)),
    ];
    const app = { name: `${ns}-app`, destinationNamespace: ns, desired };
    await deploy(fx, app);
    expect(await jobNames(ns)).toEqual([]);

    const seen = events(ns);
    try {
      const { record, records } = await deleteApp(fx.engine, app);
      expect(record.phase, record.message).toBe('Succeeded');
      expect(record.message).toBe('deleted 5 resources in 3 waves; kept 1 (ConfigMap/kept)');
      expect(resultsOf(record)).toEqual({
        'Job/backup@PreDelete': 'Synced Succeeded',
        'Job/cleanup@PostDelete': 'Synced Succeeded',
        'ConfigMap/kept': 'PruneSkipped',
      });
      expect(record.kawa.waves.map((w) => `${String(w.wave)}:${String(w.objects)}`)).toEqual(['2:1', '1:2', '0:2']);
      // One deletion throughout: every persisted record carries its id (the seed of hook names).
      expect(new Set(records.map((r) => r.kawa.deletionId)).size).toBe(1);

      await waitUntil('the PostDelete hook deleted', () => jobNames(ns), (names) => names.length === 0);
      const order = seen.seen;
      const at = (what: string): number => order.indexOf(what);
      // The PreDelete hook was created before anything was deleted; then wave 2, 1 (the Deployment and
      // its wave mate), 0 (with the finished PreDelete hook, which the app tracks), then the PostDelete hook.
      expect(at('ADDED Job/backup')).toBeGreaterThanOrEqual(0);
      const deletions = order.filter((e) => e.startsWith('DELETED'));
      expect(order.indexOf(deletions[0] ?? '')).toBeGreaterThan(at('ADDED Job/backup'));
      expect(at('DELETED ConfigMap/w2')).toBeLessThan(at('DELETED ConfigMap/w1'));
      expect(at('DELETED Deployment/guestbook-ui')).toBeLessThan(at('DELETED ConfigMap/w0'));
      expect(at('DELETED ConfigMap/w1')).toBeLessThan(at('DELETED ConfigMap/w0'));
      expect(at('DELETED ConfigMap/w1')).toBeLessThan(at('DELETED Job/backup'));
      expect(at('ADDED Job/cleanup')).toBeGreaterThan(Math.max(at('DELETED ConfigMap/w0'), at('DELETED Job/backup')));
      expect(at('DELETED Job/cleanup')).toBeGreaterThan(at('ADDED Job/cleanup'));
      expect(await configMapNames(fx, ns)).toEqual(['kept']);
    } finally {
      seen.stop();
    }
  });

  it('a failing PreDelete hook stops the deletion before anything is deleted', async () => {
    const ns = await fx.namespace('dpf');
    const desired = [hookJob('backup', 'PreDelete', { fail: true }), hookJob('cleanup', 'PostDelete'), configMap('a'), configMap('b', wave(1))];
    const app = { name: `${ns}-app`, destinationNamespace: ns, desired };
    await deploy(fx, app);
    const { record } = await deleteApp(fx.engine, app);
    expect(record.phase).toBe('Failed');
    expect(record.message).toMatch(new RegExp(`^PreDelete hook batch/Job ${ns}/backup failed \\(Degraded\\).*; no resources were deleted$`));
    expect(resultsOf(record)).toEqual({ 'Job/backup@PreDelete': 'Synced Failed' });
    expect(record.kawa.waves).toEqual([]);
    expect(await configMapNames(fx, ns)).toEqual(['a', 'b']);
    expect(await jobNames(ns)).toEqual(['backup']);
  });

  it('a PreDelete hook that never completes is bounded by the operation timeout: deleted, nothing else deleted', async () => {
    const ns = await fx.namespace('dto');
    const slow = hookJob('slow', 'PreDelete');
    (slow['spec'] as Record<string, unknown>)['suspend'] = true;
    const app = { name: `${ns}-app`, destinationNamespace: ns, desired: [slow, configMap('a')] };
    await deploy(fx, app);
    const { record } = await deleteApp(fx.engineWith({ timeoutMs: 1500 }), app);
    expect(record.phase).toBe('Failed');
    expect(record.message).toBe(`deletion timed out after 1.5s waiting for PreDelete hook batch/Job ${ns}/slow; no resources were deleted`);
    expect(await configMapNames(fx, ns)).toEqual(['a']);
    await waitUntil('the running hook deleted', () => jobNames(ns), (names) => names.length === 0);
  });

  it('refuses to start when the render failed: its PreDelete hooks are unknown', async () => {
    const ns = await fx.namespace('drf');
    const app = { name: `${ns}-app`, destinationNamespace: ns, desired: [configMap('a')] };
    await deploy(fx, app);
    const { record } = await deleteApp(fx.engine, { ...app, desired: [], renderFailed: 'helm template: exit status 1' });
    expect(record.phase).toBe('Failed');
    expect(record.message).toMatch(/^cannot delete: rendering the desired state failed.*nothing was deleted: helm template: exit status 1$/);
    expect(await configMapNames(fx, ns)).toEqual(['a']);
  });

  it('resumes with a fresh engine after a crash, also between its API calls and persisting them, without running a hook twice', async () => {
    const ns = await fx.namespace('drs');
    const desired = [hookJob('backup', 'PreDelete', { policy: 'HookSucceeded' }), configMap('a'), configMap('b', wave(1)), configMap('c', wave(2))];
    const app = { name: `${ns}-app`, destinationNamespace: ns, desired };
    await deploy(fx, app);
    const seen = events(ns);
    try {
      // First process: crashes in the step that creates the hook, after the API call, before persisting.
      const s = store();
      let record = await fx.engine.startDeletion({ app, persist: s.persist, propagation: 'background' });
      const crashing = (r: DeletionRecord): void => {
        if (Object.values(r.kawa.hooks).some((h) => h.status === 'created')) throw new Error('crash');
        s.persist(r);
      };
      await expect(fx.engine.stepDeletion({ record, app, persist: crashing })).rejects.toThrow('crash');
      await waitUntil('the hook in the cache', () => Promise.resolve(seen.seen.includes('ADDED Job/backup')), (v) => v);

      // Second process: from the last stored record (hook not recorded as created); runs until wave 2 is asked to go.
      const second = fx.engineWith({});
      record = JSON.parse(JSON.stringify(s.last())) as DeletionRecord;
      while (record.kawa.waves.length < 1) {
        const result = await second.stepDeletion({ record, app, persist: s.persist });
        record = result.record;
        expect(result.done, record.message).toBe(false);
        if (result.idle) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(record.kawa.stage).toBe('Delete');

      // Third process: finishes from the stored record, without the desired objects (no hook left to create).
      const { desired: _unused, ...withoutRender } = app;
      const final = await fx.engineWith({}).runDeletionToCompletion({ record: JSON.parse(JSON.stringify(s.last())) as DeletionRecord, app: withoutRender, persist: s.persist });
      expect(final.phase, final.message).toBe('Succeeded');
      expect(final.kawa.waves.map((w) => w.wave)).toEqual([2, 1, 0]);
      expect(seen.seen.filter((e) => e === 'ADDED Job/backup')).toHaveLength(1);
      expect(resultsOf(final)).toEqual({ 'Job/backup@PreDelete': 'Synced Succeeded' });
      await waitUntil('everything gone', () => configMapNames(fx, ns), (names) => names.length === 0);
      const deleted = seen.seen.filter((e) => e.startsWith('DELETED ConfigMap'));
      expect(deleted).toEqual(['DELETED ConfigMap/c', 'DELETED ConfigMap/b', 'DELETED ConfigMap/a']);
    } finally {
      seen.stop();
    }
  });

  it('names an object its own finalizer holds, keeps waiting, and finishes once it goes', async () => {
    const ns = await fx.namespace('dst');
    const blocked = { ...configMap('blocked'), metadata: { name: 'blocked', finalizers: ['kawa.dev/test-block'] } };
    const app = { name: `${ns}-app`, destinationNamespace: ns, desired: [blocked, configMap('free')] };
    await deploy(fx, app);
    const engine = fx.engineWith({ deletionStuckMs: 500 });
    const s = store();
    let record = await engine.startDeletion({ app, persist: s.persist, propagation: 'foreground' });
    let stuck: readonly { name: string; finalizers: string[]; message: string }[] = [];
    const deadline = Date.now() + 30_000;
    while (stuck.length === 0 && Date.now() < deadline) {
      const result = await engine.stepDeletion({ record, app, persist: s.persist });
      record = result.record;
      stuck = result.stuck.filter((o) => o.name === 'blocked');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(stuck.map((o) => [o.name, o.finalizers])).toEqual([['blocked', ['kawa.dev/test-block']]]);
    expect(stuck[0]?.message).toMatch(new RegExp(`^ConfigMap ${ns}/blocked: deletion requested at .*, held by finalizer kawa.dev/test-block$`));
    expect(record.phase).toBe('Running');
    expect(record.message).toMatch(/^deleting wave 0: stuck since .*: ConfigMap .*\/blocked: deletion requested/);
    expect(s.last().stuck?.map((o) => o.name)).toEqual(['blocked']);

    // Someone removes the finalizer: the deletion finishes on its own.
    await fx.rest.request('PATCH', `/api/v1/namespaces/${ns}/configmaps/blocked`, { body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' });
    const final = await engine.runDeletionToCompletion({ record, app, persist: s.persist });
    expect(final.phase, final.message).toBe('Succeeded');
    expect(final.stuck).toBeUndefined();
    expect(await configMapNames(fx, ns)).toEqual([]);
  });
});
