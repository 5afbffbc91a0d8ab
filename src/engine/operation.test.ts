// The operation state machine against an in-memory cluster: resuming, safety rules, timeouts, retries,
// dry-run modes, wave delays. The same behaviour on the real control plane: test/e2e/engine-*.test.ts.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/objects.js';
import { TRACKING_ID_ANNOTATION, formatTrackingId } from '../kube/tracking.js';
import type { SyncOperation } from '../model/index.js';
import {
  confirmPrune,
  requestTermination,
  startOperation,
  stepOperation,
  type OperationDeps,
  type OperationRecord,
  type OperationSettings,
  type SyncApp,
} from './operation.js';
import { OPERATION_ID_ANNOTATION } from './operation-tasks.js';
import { FakeClock, FakeCluster } from './testing/fake-cluster.js';

const NS = 'shop';
const APP = 'shop-app';

function cm(name: string, annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) }, data: { name } };
}

function job(name: string, annotations: Record<string, string>, generateName = false): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...(generateName ? { generateName: `${name}-` } : { name }), annotations },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } },
  };
}

/** A live object tracked by the app, as an earlier sync would have left it. */
function tracked(obj: KubeObject): KubeObject {
  const name = obj.metadata?.name ?? '';
  const group = obj.apiVersion?.includes('/') === true ? (obj.apiVersion.split('/')[0] ?? '') : '';
  const annotations = { ...(obj.metadata?.annotations ?? {}), [TRACKING_ID_ANNOTATION]: formatTrackingId({ app: APP, group, kind: obj.kind ?? '', namespace: NS, name }) };
  return { ...obj, metadata: { ...obj.metadata, namespace: NS, annotations } };
}

const COMPLETE = { conditions: [{ type: 'Complete', status: 'True' }], succeeded: 1 };

interface Harness {
  cluster: FakeCluster;
  clock: FakeClock;
  records: OperationRecord[];
  deps: OperationDeps;
  app: SyncApp;
}

function harness(desired: KubeObject[], settings: OperationSettings = {}, app: Partial<SyncApp> = {}): Harness {
  const cluster = new FakeCluster();
  const clock = new FakeClock();
  const records: OperationRecord[] = [];
  const deps: OperationDeps = {
    rest: cluster.rest,
    cache: cluster,
    clock,
    persist: (r) => {
      records.push(JSON.parse(JSON.stringify(r)) as OperationRecord);
    },
    settings: { waveDelayMs: 0, ...settings },
  };
  return { cluster, clock, records, deps, app: { name: APP, destinationNamespace: NS, desired, ...app } };
}

async function start(h: Harness, sync: SyncOperation = {}): Promise<OperationRecord> {
  return startOperation(h.app, { sync }, h.deps, { operationId: 'op-1' });
}

/** Steps until done, or until `until` holds; completes Jobs as a controller would, when `completeJobs`. */
async function run(h: Harness, record: OperationRecord, options: { until?: (r: OperationRecord) => boolean; completeJobs?: boolean; maxSteps?: number } = {}): Promise<OperationRecord> {
  let current = record;
  for (let i = 0; i < (options.maxSteps ?? 50); i++) {
    if (options.until?.(current) === true) return current;
    const result = await stepOperation(current, h.app, h.deps);
    current = result.record;
    if (result.done) return current;
    if (options.completeJobs !== false) {
      for (const name of h.cluster.names('Job')) {
        const ref = { group: 'batch', kind: 'Job', namespace: NS, name };
        if (h.cluster.getByRef(ref)?.['status'] === undefined) h.cluster.setStatus(ref, COMPLETE);
      }
    }
  }
  return current;
}

function results(record: OperationRecord): string[] {
  return (record.syncResult?.resources ?? []).map((r) => `${r.kind ?? ''}/${r.name ?? ''} ${r.status ?? ''}${r.hookPhase === undefined ? '' : ` ${r.hookPhase}`}`);
}

describe('sync operation', () => {
  it('applies a single wave without a server dry-run, and persists every step', async () => {
    const h = harness([cm('a'), cm('b')]);
    const done = await run(h, await start(h));
    expect(done.phase).toBe('Succeeded');
    expect(results(done)).toEqual(['ConfigMap/a Synced', 'ConfigMap/b Synced']);
    // One hook-less wave goes out at once: the dry-run is kawa's own check, no API calls.
    expect(h.cluster.writes().map((w) => `${w.method} ${w.name ?? ''}${w.dryRun ? ' dry' : ''}`)).toEqual(['PATCH a', 'PATCH b']);
    expect(h.records.map((r) => r.phase)).toEqual(['Running', 'Running', 'Running', 'Succeeded']);
    const live = h.cluster.getByRef({ group: '', kind: 'ConfigMap', namespace: NS, name: 'a' });
    expect(live?.metadata?.annotations?.[TRACKING_ID_ANNOTATION]).toBe(`${APP}:/ConfigMap:${NS}/a`);
  });

  it('dry-runs everything on the server first when there are waves or hooks', async () => {
    const h = harness([cm('a'), cm('b', { 'argocd.argoproj.io/sync-wave': '1' })]);
    const done = await run(h, await start(h));
    expect(done.phase).toBe('Succeeded');
    expect(h.cluster.writes().map((w) => `${w.name ?? ''}${w.dryRun ? ' dry' : ''}`)).toEqual(['a dry', 'b dry', 'a', 'b']);
  });

  it('waits the wave delay before each wave after the first', async () => {
    const h = harness([cm('a'), cm('b', { 'argocd.argoproj.io/sync-wave': '1' })], { waveDelayMs: 2000 });
    await run(h, await start(h));
    expect(h.clock.slept).toEqual([2000]);
  });

  it('resumes from any persisted record with the same hook names and without repeating finished work', async () => {
    const desired = [job('migrate', { 'argocd.argoproj.io/hook': 'PreSync' }, true), cm('a'), cm('b', { 'argocd.argoproj.io/sync-wave': '1' })];
    const straight = harness(desired);
    const expected = await run(straight, await start(straight));
    expect(expected.phase).toBe('Succeeded');
    const writes = straight.cluster.writes().map((w) => `${w.method} ${w.name ?? ''}${w.dryRun ? ' dry' : ''}`);

    // Restart after every step: a fresh JSON copy of the last record each time.
    const h = harness(desired);
    let record = await start(h);
    for (let i = 0; i < 20 && record.phase === 'Running'; i++) {
      const copy = JSON.parse(JSON.stringify(h.records.at(-1))) as OperationRecord;
      record = (await stepOperation(copy, h.app, h.deps)).record;
      for (const name of h.cluster.names('Job')) h.cluster.setStatus({ group: 'batch', kind: 'Job', namespace: NS, name }, COMPLETE);
    }
    expect(record.phase).toBe('Succeeded');
    expect(results(record)).toEqual(results(expected));
    expect(h.cluster.writes().map((w) => `${w.method} ${w.name ?? ''}${w.dryRun ? ' dry' : ''}`)).toEqual(writes);
    expect(h.cluster.names('Job')).toEqual([record.syncResult?.resources?.[0]?.name]);
  });

  it('adopts a hook it created before a crash, and refuses one in the way that it did not create', async () => {
    const h = harness([job('migrate', { 'argocd.argoproj.io/hook': 'PreSync' }, true), cm('a')]);
    let record = await start(h);
    record = (await stepOperation(record, h.app, h.deps)).record; // dry run
    // The create call succeeds, persisting fails: the process "dies".
    await expect(stepOperation(record, h.app, { ...h.deps, persist: () => Promise.reject(new Error('killed')) })).rejects.toThrow('killed');
    const created = h.cluster.names('Job');
    expect(created).toHaveLength(1);
    const done = await run(h, record);
    expect(done.phase).toBe('Succeeded');
    expect(h.cluster.names('Job')).toEqual(created);
    expect(h.cluster.writes().filter((w) => w.method === 'POST' && !w.dryRun)).toHaveLength(2);

    // A fixed-name hook whose old copy (not ours, no BeforeHookCreation) is in the way fails clearly.
    const other = harness([job('smoke', { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' }), cm('a')]);
    other.cluster.seed({ ...tracked(job('smoke', { 'argocd.argoproj.io/hook': 'PostSync' })), status: COMPLETE });
    const failed = await run(other, await start(other));
    expect(failed.phase).toBe('Failed');
    expect(failed.message).toMatch(/^dry run failed: batch\/Job shop\/smoke: jobs "smoke" already exists \(an older copy is in the way; the hook-delete-policy BeforeHookCreation replaces it/);
  });

  it('marks created hooks with the operation id and deletes them per policy', async () => {
    const h = harness([job('migrate', { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }), cm('a')]);
    let sawHook: KubeObject | undefined;
    const done = await run(h, await start(h), {
      until: () => {
        sawHook ??= h.cluster.getByRef({ group: 'batch', kind: 'Job', namespace: NS, name: 'migrate' });
        return false;
      },
    });
    expect(done.phase).toBe('Succeeded');
    expect(sawHook?.metadata?.annotations?.[OPERATION_ID_ANNOTATION]).toBe('op-1');
    expect(h.cluster.names('Job')).toEqual([]);
    expect(results(done)).toEqual(['Job/migrate Synced Succeeded', 'ConfigMap/a Synced']);
  });

  it('fails when the desired objects change mid-operation', async () => {
    const h = harness([cm('a'), cm('b', { 'argocd.argoproj.io/sync-wave': '1' })]);
    const record = await start(h);
    const changed = await stepOperation(record, { ...h.app, desired: [cm('a')] }, h.deps);
    expect(changed.done).toBe(true);
    expect(changed.record.message).toMatch(/^the desired objects changed while the operation was running/);
  });

  it('refuses to resume a record it did not write', async () => {
    const h = harness([cm('a')]);
    const foreign = { operation: {}, phase: 'Running', startedAt: '2025-01-01T00:00:00Z' } as unknown as OperationRecord;
    await expect(stepOperation(foreign, h.app, h.deps)).rejects.toMatchObject({ code: 'KAWA_OPERATION_STATE_INVALID' });
  });
});

describe('failures and retries', () => {
  it('retries transient answers and never a rejected object', async () => {
    const h = harness([cm('flaky'), cm('bad'), cm('later', { 'argocd.argoproj.io/sync-wave': '1' })]);
    let flaky = 0;
    h.cluster.reject = (req) => {
      if (req.dryRun) return undefined;
      if (req.name === 'flaky' && flaky++ < 2) return { status: 503, message: 'the server is currently unable to handle the request' };
      if (req.name === 'bad') return { status: 500, message: 'failed to create typed patch object (/v1, Kind=ConfigMap) shop/bad: .data.x: expected string, got &value.valueUnstructured{Value:1}' };
      return undefined;
    };
    const done = await run(h, await start(h));
    expect(done.phase).toBe('Failed');
    expect(done.message).toBe('one or more synchronization tasks failed: apply of ConfigMap shop/bad failed: failed to create typed patch object (/v1, Kind=ConfigMap) shop/bad: .data.x: expected string, got &value.valueUnstructured{Value:1}');
    expect(results(done)).toEqual(['ConfigMap/bad SyncFailed', 'ConfigMap/flaky Synced']);
    const attempts = (name: string) => h.cluster.writes().filter((w) => w.name === name && !w.dryRun).length;
    expect([attempts('flaky'), attempts('bad'), attempts('later')]).toEqual([3, 1, 0]);
    expect(h.clock.slept).toEqual([200, 400]);
  });

  it('runs SyncFail hooks after a failed wave', async () => {
    const h = harness([cm('bad'), job('notify', { 'argocd.argoproj.io/hook': 'SyncFail' }, true)]);
    h.cluster.reject = (req) => (req.name === 'bad' && !req.dryRun ? { status: 422, message: 'ConfigMap "bad" is invalid' } : undefined);
    const done = await run(h, await start(h));
    expect(done.phase).toBe('Failed');
    expect(results(done)).toEqual(['ConfigMap/bad SyncFailed', expect.stringMatching(/^Job\/notify-[a-z0-9]{8} Synced Succeeded$/) as string]);
  });

  it('times out a hook that never completes: the hook is deleted and the operation fails', async () => {
    const h = harness([job('stuck', { 'argocd.argoproj.io/hook': 'PreSync' }), cm('a')], { timeoutMs: 300_000 });
    let record = await run(h, await start(h), { completeJobs: false, until: (r) => r.message?.startsWith('waiting for completion') === true });
    record = (await stepOperation(record, h.app, h.deps)).record;
    expect(record.phase).toBe('Running');
    h.clock.time += 300_000;
    const done = await run(h, record, { completeJobs: false });
    expect(done.phase).toBe('Failed');
    expect(done.message).toBe('operation timed out after 5m0s (waiting for completion of hook batch/Job shop/stuck)');
    expect(h.cluster.names('Job')).toEqual([]);
    expect(h.cluster.names('ConfigMap')).toEqual([]);
  });

  it('fails a running hook that was deleted behind its back, and one that never appears', async () => {
    const h = harness([job('gone', { 'argocd.argoproj.io/hook': 'PreSync' }), cm('a')]);
    let running = await run(h, await start(h), { completeJobs: false, until: (r) => r.message?.startsWith('waiting for completion') === true });
    running = (await stepOperation(running, h.app, h.deps)).record;
    expect(running.kawa.tasks['PreSync:create-hook:batch/Job:shop/gone']?.health).toBe('Progressing');
    await h.cluster.rest.request('DELETE', '/apis/batch/v1/namespaces/shop/jobs/gone');
    const done = await run(h, running, { completeJobs: false });
    expect(done.message).toBe('one or more synchronization tasks failed: create-hook of batch/Job shop/gone failed: the hook was deleted before it completed');

    // Created, but the cache never shows it: after kindWaitMs the API is asked. A lagging cache is no failure…
    const lag = harness([job('slow', { 'argocd.argoproj.io/hook': 'PreSync' }), cm('a')], { kindWaitMs: 10_000 });
    lag.cluster.lagging.add('batch/Job/shop/slow');
    let record = await run(lag, await start(lag), { completeJobs: false, until: (r) => r.message?.startsWith('waiting for completion') === true });
    lag.clock.time += 10_001;
    record = (await stepOperation(record, lag.app, lag.deps)).record;
    expect(record.kawa.tasks['PreSync:create-hook:batch/Job:shop/slow']?.health).toBe('Progressing');
    lag.cluster.setStatus({ group: 'batch', kind: 'Job', namespace: 'shop', name: 'slow' }, COMPLETE);
    lag.cluster.lagging.clear();
    expect((await run(lag, record, { completeJobs: false })).phase).toBe('Succeeded');

    // …but a hook that is not there at all has failed.
    const never = harness([job('ghost', { 'argocd.argoproj.io/hook': 'PreSync' }), cm('a')], { kindWaitMs: 10_000 });
    record = await run(never, await start(never), { completeJobs: false, until: (r) => r.message?.startsWith('waiting for completion') === true });
    await never.cluster.rest.request('DELETE', '/apis/batch/v1/namespaces/shop/jobs/ghost');
    record = (await stepOperation(record, never.app, never.deps)).record;
    expect(record.phase).toBe('Running');
    never.clock.time += 10_001;
    const failed = await run(never, record, { completeJobs: false });
    expect(failed.message).toMatch(/the hook disappeared within 10s of its creation, before kawa saw it run$/);
  });

  it('ends even when a finished hook cannot be deleted, saying so', async () => {
    const h = harness([job('migrate', { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }), cm('a')]);
    h.cluster.reject = (req) => (req.method === 'DELETE' ? { status: 403, message: 'jobs.batch "migrate" is forbidden' } : undefined);
    const done = await run(h, await start(h));
    expect(done.phase).toBe('Succeeded');
    expect(done.message).toBe('successfully synced (all tasks run) (hooks not deleted: batch/Job shop/migrate: jobs.batch "migrate" is forbidden)');
  });

  it('keeps the app settings it started with', async () => {
    const h = harness([cm('a'), cm('b', { 'argocd.argoproj.io/sync-wave': '1' })], {}, { destinationNamespace: 'shop' });
    const record = await start(h);
    // The spec moved to another namespace meanwhile: this operation still syncs into shop.
    const done = await run({ ...h, app: { ...h.app, destinationNamespace: 'elsewhere' } }, record);
    expect(done.phase).toBe('Succeeded');
    expect(h.cluster.writes().every((w) => w.path.includes('/namespaces/shop/'))).toBe(true);
    await expect(stepOperation(record, { ...h.app, name: 'other-app' }, h.deps)).rejects.toThrow(/belongs to app shop-app/);
  });

  it('terminates: running hooks deleted, Failed "Operation terminated"', async () => {
    const h = harness([job('stuck', { 'argocd.argoproj.io/hook': 'PreSync' }), cm('a')]);
    const running = await run(h, await start(h), { completeJobs: false, until: (r) => r.message?.startsWith('waiting for completion') === true });
    const done = await run(h, requestTermination(running), { completeJobs: false });
    expect([done.phase, done.message]).toEqual(['Failed', 'Operation terminated']);
    expect(h.cluster.names('Job')).toEqual([]);
  });
});

describe('safety rules', () => {
  function withLive(desired: KubeObject[], live: KubeObject[], settings: OperationSettings = {}, app: Partial<SyncApp> = {}): Harness {
    const h = harness(desired, settings, app);
    for (const obj of live) h.cluster.seed(tracked(obj));
    return h;
  }

  it('never prunes after a failed or empty render', async () => {
    const failed = withLive([], [cm('a')], {}, { renderFailed: 'kustomize build: exit status 1' });
    const record = await start(failed, { prune: true });
    expect([record.phase, record.message]).toEqual(['Failed', 'cannot sync: rendering the desired state failed, so nothing was applied or deleted: kustomize build: exit status 1']);
    const empty = withLive([], [cm('a')]);
    expect((await start(empty, { prune: true })).phase).toBe('Failed');
    expect([...failed.cluster.writes(), ...empty.cluster.writes()]).toEqual([]);
  });

  it('never prunes while discovery is incomplete: at the start, and again at the prune itself', async () => {
    const atStart = withLive([cm('a')], [cm('a'), cm('old')]);
    atStart.cluster.failedGroups = ['metrics.k8s.io/v1beta1'];
    const refused = await start(atStart, { prune: true });
    expect(refused.message).toBe('refusing to prune 1 object(s): the live state is incomplete (API groups not reachable: metrics.k8s.io/v1beta1); nothing was applied or deleted');

    // Discovery breaks after the start: the prune task fails, nothing is deleted.
    const later = withLive([cm('a'), cm('b', { 'argocd.argoproj.io/sync-wave': '1' })], [cm('old', { 'argocd.argoproj.io/sync-wave': '1' })]);
    const record = await start(later, { prune: true });
    expect(record.phase).toBe('Running');
    later.cluster.unsynced = ['/Secret'];
    const done = await run(later, record);
    expect(done.phase).toBe('Failed');
    expect(done.message).toContain('prune of ConfigMap shop/old failed: not pruned: the live state is incomplete (types not listed yet: /Secret)');
    expect(later.cluster.names('ConfigMap')).toContain('old');
  });

  it('prunes only when asked; Prune=false and Prune=confirm are honoured', async () => {
    const h = withLive([cm('a')], [cm('a'), cm('old'), cm('keep', { 'argocd.argoproj.io/sync-options': 'Prune=false' }), cm('ask', { 'argocd.argoproj.io/sync-options': 'Prune=confirm' })]);
    const skipped = await run(h, await start(h));
    expect(results(skipped)).toEqual(['ConfigMap/a Synced', 'ConfigMap/old PruneSkipped', 'ConfigMap/keep PruneSkipped', 'ConfigMap/ask PruneSkipped']);
    const waiting = await run(h, await start(h, { prune: true }), { until: (r) => r.message?.startsWith('waiting for pruning confirmation') === true });
    expect(waiting.message).toBe('waiting for pruning confirmation of ConfigMap shop/ask');
    const done = await run(h, confirmPrune(waiting));
    expect(done.phase).toBe('Succeeded');
    expect(h.cluster.names('ConfigMap')).toEqual(['a', 'keep']);
  });

  it('dry-run operations change nothing', async () => {
    const h = withLive([cm('a'), cm('b', { 'argocd.argoproj.io/sync-wave': '1' })], [cm('old')]);
    const done = await run(h, await start(h, { dryRun: true, prune: true }));
    expect([done.phase, done.message]).toEqual(['Succeeded', 'successfully synced (dry run)']);
    expect(results(done)).toEqual(['ConfigMap/old Pruned', 'ConfigMap/a Synced', 'ConfigMap/b Synced']);
    expect(h.cluster.writes().every((w) => w.dryRun)).toBe(true);
  });
});
