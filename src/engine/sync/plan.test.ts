import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { SyncObject } from './objects.js';
import {
  buildSyncPlan,
  planTasks,
  type DesiredResource,
  type ResourceSyncStatus,
  type SyncOperationOptions,
  type SyncPlan,
  type SyncPlanInput,
  type SyncTask,
} from './plan.js';

function load(file: string): SyncObject[] {
  const text = readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8');
  return parseAllDocuments(text).map((doc) => {
    const value: unknown = doc.toJS();
    if (typeof value !== 'object' || value === null || !('kind' in value)) throw new Error(`${file}: not an object`);
    return value as SyncObject;
  });
}

const SHOP = load('shop-desired.yaml');
const SHOP_PRUNE = load('shop-prune.yaml');

/** Diff verdicts of the shop app; everything else is out of sync. `smoke-test` exists from the last sync. */
const SHOP_STATUS: Readonly<Record<string, ResourceSyncStatus>> = {
  'Namespace/shop': 'missing',
  'Service/web': 'synced',
  'Deployment/web': 'synced',
  'Job/smoke-test': 'synced',
  'Job/db-migrate-': 'missing',
  'ServiceAccount/migrate-sa': 'missing',
  'Pod/notify-failure': 'missing',
};

function desired(objects: readonly SyncObject[], status: Readonly<Record<string, ResourceSyncStatus>> = SHOP_STATUS): DesiredResource[] {
  return objects.map((object) => ({
    object,
    status: status[`${object.kind}/${object.metadata.name ?? object.metadata.generateName ?? ''}`] ?? 'out-of-sync',
  }));
}

function plan(input: Partial<SyncPlanInput> & { options?: SyncOperationOptions }): SyncPlan {
  const result = buildSyncPlan({ operationId: 'op-1', desired: desired(SHOP), pruneCandidates: SHOP_PRUNE, ...input });
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.plan;
}

/** `PreSync/0 create-hook Job/db-migrate-*`: generated names show as their prefix and `*`. */
function compact(task: SyncTask): string {
  const generated = task.object.metadata.generateName;
  return `${task.phase}/${task.wave} ${task.action} ${task.ref.kind}/${generated ?? task.ref.name}${generated === undefined ? '' : '*'}`;
}

function order(p: SyncPlan): string[] {
  return planTasks(p).map(compact);
}

const FULL_SYNC = [
  'PreSync/-5 apply Namespace/shop',
  'PreSync/-5 create-hook ServiceAccount/migrate-sa',
  'PreSync/0 create-hook Job/db-migrate-*',
  'Sync/-1 prune Deployment/old-worker',
  'Sync/-1 apply Secret/app-secret',
  'Sync/-1 apply ConfigMap/app-config',
  'Sync/-1 apply CustomResourceDefinition/widgets.example.com',
  'Sync/-1 apply Widget/default-widget',
  'Sync/0 prune ConfigMap/old-config',
  'Sync/0 apply Service/web',
  'Sync/0 apply Deployment/web',
  'Sync/5 prune Service/legacy',
  'Sync/5 apply Deployment/worker',
  'Sync/6 prune ConfigMap/old-cache',
  'PostSync/0 delete-hook-before-creation Job/smoke-test',
  'PostSync/0 create-hook Job/smoke-test',
  'SyncFail/0 create-hook Pod/notify-failure',
];

const APPLY_ONLY = [
  'Sync/-1 apply Namespace/shop',
  'Sync/-1 apply Secret/app-secret',
  'Sync/-1 apply ConfigMap/app-config',
  'Sync/-1 apply CustomResourceDefinition/widgets.example.com',
  'Sync/-1 apply Widget/default-widget',
  'Sync/0 apply Service/web',
  'Sync/0 apply Deployment/web',
  'Sync/5 apply Deployment/worker',
];

/** [case, plan input, expected order] */
const ORDER_CASES: readonly (readonly [string, Partial<SyncPlanInput>, readonly string[]])[] = [
  // Namespace pulled forward to the first hook that lives in it; CRD pulled to its CR's wave; prunes
  // mirrored (wave 5 pruned first, -1 last), PruneLast after the last wave, Prune=false left out.
  ['full sync with prune', { options: { prune: true } }, FULL_SYNC],
  ['without prune nothing is deleted', {}, FULL_SYNC.filter((t) => !t.includes(' prune '))],
  ['apply strategy runs no hooks', { options: { strategy: 'apply' } }, APPLY_ONLY],
  [
    'selective sync: only the chosen objects, no hooks, only chosen prunes',
    {
      options: {
        prune: true,
        resources: [
          { group: 'apps', kind: 'Deployment', name: 'web' },
          { group: '', kind: 'ConfigMap', name: 'old-config', namespace: 'shop' },
          { group: 'batch', kind: 'Job', name: 'smoke-test' },
        ],
      },
    },
    ['Sync/0 prune ConfigMap/old-config', 'Sync/0 apply Deployment/web'],
  ],
  [
    'ApplyOutOfSyncOnly (app option) drops synced objects but keeps hooks',
    { appSyncOptions: ['ApplyOutOfSyncOnly=true'] },
    FULL_SYNC.filter((t) => !t.includes(' prune ') && !t.endsWith('apply Service/web') && !t.endsWith('apply Deployment/web')),
  ],
  [
    'ApplyOutOfSyncOnly (operation flag) with apply strategy',
    { options: { applyOutOfSyncOnly: true, strategy: 'apply' } },
    APPLY_ONLY.filter((t) => !t.endsWith('/web')),
  ],
  [
    'PruneLast for the whole app puts every prune after the last wave',
    { appSyncOptions: ['PruneLast=true'], options: { prune: true, strategy: 'apply' } },
    [
      ...APPLY_ONLY,
      'Sync/6 prune ConfigMap/old-cache',
      'Sync/6 prune ConfigMap/old-config',
      'Sync/6 prune Service/legacy',
      'Sync/6 prune Deployment/old-worker',
    ],
  ],
  [
    'app-level Prune=false is overridden per resource only',
    { appSyncOptions: ['Prune=false'], options: { prune: true, strategy: 'apply' } },
    APPLY_ONLY,
  ],
];

describe('buildSyncPlan ordering', () => {
  it.each(ORDER_CASES)('%s', (_name, input, expected) => {
    expect(order(plan(input))).toEqual(expected);
  });
});

function find(p: SyncPlan, label: string): SyncTask {
  const task = planTasks(p).find((t) => compact(t) === label);
  if (task === undefined) throw new Error(`no task ${label} in\n${order(p).join('\n')}`);
  return task;
}

describe('buildSyncPlan details', () => {
  const full = plan({ options: { prune: true } });

  it('groups tasks into (phase, wave) steps and waits on waves', () => {
    expect(full.steps.map((s) => `${s.phase}/${s.wave}:${s.tasks.length}`)).toEqual([
      'PreSync/-5:2',
      'PreSync/0:1',
      'Sync/-1:5',
      'Sync/0:3',
      'Sync/5:2',
      'Sync/6:1',
      'PostSync/0:2',
    ]);
    expect(full.syncFailSteps.map((s) => `${s.phase}/${s.wave}:${s.tasks.length}`)).toEqual(['SyncFail/0:1']);
    expect(full.waitForWaves).toBe(true);
    expect(full.waveDelayMs).toBe(2000);
  });

  it('reports skipped prunes as PruneSkipped', () => {
    expect(full.results.map((r) => `${r.status} ${r.ref.kind}/${r.ref.name}: ${r.message}`)).toEqual([
      'PruneSkipped PersistentVolumeClaim/keep-me: ignored (no prune)',
    ]);
    expect(plan({}).results.map((r) => `${r.ref.name}: ${r.message}`)).toEqual([
      'old-config: ignored (requires pruning)',
      'old-worker: ignored (requires pruning)',
      'legacy: ignored (requires pruning)',
      'old-cache: ignored (requires pruning)',
      'keep-me: ignored (requires pruning)',
    ]);
  });

  it('carries hook types, delete policies and merged options on each task', () => {
    const migrate = find(full, 'PreSync/0 create-hook Job/db-migrate-*');
    expect(migrate.hook).toEqual({ types: ['PreSync'], deletePolicies: ['HookSucceeded'] });
    expect(find(full, 'PreSync/-5 create-hook ServiceAccount/migrate-sa').hook).toEqual({ types: ['PreSync'], deletePolicies: ['BeforeHookCreation'] });
    const withSsa = plan({ appSyncOptions: ['ServerSideApply=true'], options: { prune: true, replace: true } });
    expect(find(withSsa, 'Sync/0 apply Deployment/web').syncOptions).toMatchObject({ serverSideApply: true, replace: true, validate: true });
    expect(find(full, 'Sync/6 prune ConfigMap/old-cache').syncOptions.pruneLast).toBe(true);
  });

  it('gives generateName hooks a deterministic name per operation and phase', () => {
    const name = (p: SyncPlan) => find(p, 'PreSync/0 create-hook Job/db-migrate-*').ref.name;
    const first = name(full);
    expect(first).toMatch(/^db-migrate-[bcdfghjklmnpqrstvwxz2456789]{8}$/);
    expect(name(plan({ options: { prune: true } }))).toBe(first);
    expect(name(plan({ operationId: 'op-2', options: { prune: true } }))).not.toBe(first);

    const twoPhases: SyncObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { generateName: 'check-', namespace: 'shop', annotations: { 'argocd.argoproj.io/hook': 'PreSync,PostSync' } },
    };
    const p = plan({ desired: [{ object: twoPhases, status: 'missing' }] });
    const names = planTasks(p).map((t) => t.ref.name);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    // Nothing can exist under a name made for this operation, so there is nothing to delete first.
    expect(planTasks(p).map((t) => t.action)).toEqual(['create-hook', 'create-hook']);
  });

  it('deletes a fixed-name hook before re-creating it, also between its own phases', () => {
    const hook = (status: ResourceSyncStatus, policy?: string): DesiredResource => ({
      status,
      object: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: 'check',
          namespace: 'shop',
          annotations: { 'argocd.argoproj.io/hook': 'PreSync,PostSync', ...(policy && { 'argocd.argoproj.io/hook-delete-policy': policy }) },
        },
      },
    });
    expect(order(plan({ desired: [hook('missing')] }))).toEqual([
      'PreSync/0 create-hook Job/check',
      'PostSync/0 delete-hook-before-creation Job/check',
      'PostSync/0 create-hook Job/check',
    ]);
    expect(order(plan({ desired: [hook('out-of-sync', 'HookSucceeded')] }))).toEqual(['PreSync/0 create-hook Job/check', 'PostSync/0 create-hook Job/check']);
    const p = plan({ desired: [hook('synced')] });
    expect(find(p, 'PreSync/0 delete-hook-before-creation Job/check').createTaskId).toBe(find(p, 'PreSync/0 create-hook Job/check').id);
  });

  it('skips the dry-run of CRs whose CRD and of objects whose namespace arrive in this sync', () => {
    const skips = planTasks(full)
      .filter((t) => t.skipDryRun !== undefined)
      .map((t) => `${t.ref.kind}/${t.ref.name}: ${t.skipDryRun ?? ''}`);
    expect(skips).toEqual([
      expect.stringMatching(/^ServiceAccount\/migrate-sa: namespace-in-sync$/),
      expect.stringMatching(/^Job\/db-migrate-\w+: namespace-in-sync$/),
      'Secret/app-secret: namespace-in-sync',
      'ConfigMap/app-config: namespace-in-sync',
      'Widget/default-widget: crd-in-sync',
      'Service/web: namespace-in-sync',
      'Deployment/web: namespace-in-sync',
      'Deployment/worker: namespace-in-sync',
      'Job/smoke-test: namespace-in-sync',
      'Pod/notify-failure: namespace-in-sync',
    ]);
    const existing = plan({ desired: desired(SHOP, { ...SHOP_STATUS, 'Namespace/shop': 'synced' }) });
    expect(planTasks(existing).flatMap((t) => t.skipDryRun ?? [])).toEqual(['crd-in-sync']);
  });

  it('ranks a CR after its CRD even when its kind shares a built-in name', () => {
    const crd: SyncObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'services.serving.example.com' },
      spec: { group: 'serving.example.com', names: { kind: 'Service' } },
    };
    const knative: SyncObject = { apiVersion: 'serving.example.com/v1', kind: 'Service', metadata: { name: 'a', namespace: 'shop' } };
    const core: SyncObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'shop' } };
    const p = plan({ desired: [knative, core, crd].map((object) => ({ object, status: 'missing' as const })) });
    expect(order(p)).toEqual(['Sync/0 apply CustomResourceDefinition/services.serving.example.com', 'Sync/0 apply Service/b', 'Sync/0 apply Service/a']);
  });

  it('pulls a CRD forward to the earliest wave of its CRs', () => {
    const crd: SyncObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com', annotations: { 'argocd.argoproj.io/sync-wave': '10' } },
      spec: { group: 'example.com', names: { kind: 'Widget' } },
    };
    const cr = (name: string, wave: string): SyncObject => ({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name, namespace: 'shop', annotations: { 'argocd.argoproj.io/sync-wave': wave } },
    });
    const p = plan({ desired: [crd, cr('late', '3'), cr('early', '-2')].map((object) => ({ object, status: 'missing' as const })) });
    expect(order(p)).toEqual(['Sync/-2 apply CustomResourceDefinition/widgets.example.com', 'Sync/-2 apply Widget/early', 'Sync/3 apply Widget/late']);
  });

  it('marks Prune=confirm prunes', () => {
    const p = plan({ appSyncOptions: ['Prune=confirm'], options: { prune: true } });
    expect(planTasks(p).filter((t) => t.requiresConfirmation === true).map((t) => t.ref.name)).toEqual(['old-worker', 'old-config', 'legacy', 'old-cache']);
  });

  it('waits on waves only when there is more than one step', () => {
    const cm: SyncObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop' } };
    const single = plan({ desired: [{ object: cm, status: 'out-of-sync' }], pruneCandidates: [] });
    expect(single.steps).toHaveLength(1);
    expect(single.waitForWaves).toBe(false);
  });
});

describe('CreateNamespace', () => {
  const cm: SyncObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop' } };
  const base = { desired: [{ object: cm, status: 'missing' as const }], pruneCandidates: [], appSyncOptions: ['CreateNamespace=true'] };

  it.each([
    ['missing namespace is created first', { name: 'shop', exists: false }, ['CreateNamespace=true'], 'PreSync/0 apply Namespace/shop'],
    ['existing namespace is left alone', { name: 'shop', exists: true }, ['CreateNamespace=true'], undefined],
    ['without the option nothing is created', { name: 'shop', exists: false }, [], undefined],
    [
      'managed metadata is applied to an existing namespace too',
      { name: 'shop', exists: true, managedNamespaceMetadata: { labels: { team: 'a' } } },
      ['CreateNamespace=true'],
      'PreSync/0 apply Namespace/shop',
    ],
  ])('%s', (_name, destinationNamespace, appSyncOptions, expected) => {
    const p = plan({ ...base, destinationNamespace, appSyncOptions });
    expect(p.namespaceTask && compact(p.namespaceTask)).toBe(expected);
  });

  it('carries managedNamespaceMetadata on the namespace', () => {
    const p = plan({ ...base, destinationNamespace: { name: 'shop', exists: false, managedNamespaceMetadata: { labels: { team: 'a' }, annotations: { owner: 'b' } } } });
    expect(p.namespaceTask?.object.metadata).toEqual({ name: 'shop', labels: { team: 'a' }, annotations: { owner: 'b' } });
  });

  it('does not duplicate a namespace the app declares', () => {
    const p = plan({ desired: desired(SHOP), appSyncOptions: ['CreateNamespace=true'], destinationNamespace: { name: 'shop', exists: false } });
    expect(p.namespaceTask).toBeUndefined();
  });

  it('in dry-run mode, objects in the namespace to create skip the dry-run', () => {
    const p = plan({ ...base, destinationNamespace: { name: 'shop', exists: false }, options: { dryRun: true } });
    expect(p.dryRun).toBe(true);
    expect(planTasks(p).map((t) => `${t.ref.kind}: ${t.skipDryRun ?? '-'}`)).toEqual(['Namespace: -', 'ConfigMap: namespace-in-sync']);
  });
});

describe('buildSyncPlan validation', () => {
  const cm = (metadata: SyncObject['metadata']): SyncObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'shop', ...metadata } });

  it.each([
    [
      'invalid wave names the object',
      [{ object: cm({ name: 'a', annotations: { 'argocd.argoproj.io/sync-wave': 'soon' } }), status: 'missing' }],
      [],
      'KAWA_SYNC_ANNOTATION_INVALID',
      'ConfigMap shop/a: annotation argocd.argoproj.io/sync-wave must be an integer, got "soon"',
    ],
    ['invalid app-level option', [], ['Prune=never'], 'KAWA_SYNC_OPTION_INVALID', 'Application: invalid sync option "Prune=never"'],
    ['generateName on a plain resource', [{ object: cm({ generateName: 'a-' }), status: 'missing' }], [], 'KAWA_SYNC_NAME_INVALID', 'ConfigMap shop/a-*: uses metadata.generateName'],
    ['no name at all', [{ object: cm({}), status: 'missing' }], [], 'KAWA_SYNC_NAME_INVALID', 'has no metadata.name'],
    [
      'same object twice',
      [{ object: cm({ name: 'a' }), status: 'missing' }, { object: cm({ name: 'a' }), status: 'missing' }],
      [],
      'KAWA_SYNC_DUPLICATE_RESOURCE',
      'ConfigMap shop/a: appears more than once',
    ],
    [
      'FailOnSharedResource',
      [{ object: cm({ name: 'a' }), status: 'synced', sharedWith: 'other-app' }],
      ['FailOnSharedResource=true'],
      'KAWA_SYNC_SHARED_RESOURCE',
      'ConfigMap shop/a: is already managed by Application "other-app"',
    ],
  ] as const)('%s', (_name, desiredObjects, appSyncOptions, code, message) => {
    const result = buildSyncPlan({ operationId: 'op-1', desired: desiredObjects, appSyncOptions });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([expect.objectContaining({ code, message: expect.stringContaining(message) as unknown })]);
  });

  it('reports every error at once', () => {
    const bad = (name: string) => ({ object: cm({ name, annotations: { 'argocd.argoproj.io/hook': 'Later' } }), status: 'missing' as const });
    const result = buildSyncPlan({ operationId: 'op-1', desired: [bad('a'), bad('b')] });
    expect(result.ok ? [] : result.errors.map((e) => e.object)).toEqual(['ConfigMap shop/a', 'ConfigMap shop/b']);
  });

  it('a typo in a prune candidate\'s options blocks pruning syncs only', () => {
    const live = cm({ name: 'old', annotations: { 'argocd.argoproj.io/sync-options': 'Prune=flase' } });
    const pruning = buildSyncPlan({ operationId: 'op-1', desired: [], pruneCandidates: [live], options: { prune: true } });
    expect(pruning.ok ? [] : pruning.errors.map((e) => e.message)).toEqual([
      'ConfigMap shop/old: invalid sync option "Prune=flase" in argocd.argoproj.io/sync-options: Prune must be true, false or confirm',
    ]);
    expect(buildSyncPlan({ operationId: 'op-1', desired: [], pruneCandidates: [live] }).ok).toBe(true);
  });

  it('never prunes a leftover hook', () => {
    const hook = cm({ name: 'old-hook', annotations: { 'argocd.argoproj.io/hook': 'PostSync' } });
    const result = buildSyncPlan({ operationId: 'op-1', desired: [], pruneCandidates: [hook], options: { prune: true } });
    expect(result.ok && [planTasks(result.plan).length, result.plan.results.length]).toEqual([0, 0]);
  });

  it('a shared resource is fine without FailOnSharedResource', () => {
    expect(buildSyncPlan({ operationId: 'op-1', desired: [{ object: cm({ name: 'a' }), status: 'out-of-sync', sharedWith: 'x' }] }).ok).toBe(true);
  });
});
