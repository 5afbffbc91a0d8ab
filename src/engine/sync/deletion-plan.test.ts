import { describe, expect, it } from 'vitest';
import { hookWaves, planDeletionHooks, planObjectDeletion, type DeletionHook } from './deletion-plan.js';
import type { SyncObject } from './objects.js';

function obj(kind: string, name: string, annotations: Record<string, string> = {}, extra: Partial<SyncObject['metadata']> = {}): SyncObject {
  const apiVersion = kind === 'Job' ? 'batch/v1' : kind === 'Deployment' ? 'apps/v1' : kind === 'CustomResourceDefinition' ? 'apiextensions.k8s.io/v1' : 'v1';
  const namespaced = kind !== 'Namespace' && kind !== 'CustomResourceDefinition';
  return { apiVersion, kind, metadata: { name, ...(namespaced ? { namespace: 'shop' } : {}), annotations, ...extra } };
}

const wave = (n: number): Record<string, string> => ({ 'argocd.argoproj.io/sync-wave': String(n) });

function hook(kind: string, name: string, type: string, more: Record<string, string> = {}): SyncObject {
  return obj(kind, name, { 'argocd.argoproj.io/hook': type, ...more });
}

function generated(prefix: string, type: string): SyncObject {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: prefix, namespace: 'shop', annotations: { 'argocd.argoproj.io/hook': type } } };
}

/** `PreDelete/0 Job/backup [HookSucceeded]`; generated names show as their prefix and `*`. */
function compact(h: DeletionHook): string {
  const prefix = h.object.metadata.generateName;
  const name = h.fixedName ? h.ref.name : `${prefix ?? ''}*`;
  return `${h.type}/${h.wave} ${h.ref.kind}/${name} [${h.deletePolicies.join(',')}]`;
}

function hooks(objects: readonly SyncObject[], deletionId = 'del-1'): string[] {
  const plan = planDeletionHooks({ deletionId, objects });
  if (!plan.ok) throw new Error(plan.errors.map((e) => e.message).join('\n'));
  return plan.hooks.map(compact);
}

function errors(objects: readonly SyncObject[]): string[] {
  const plan = planDeletionHooks({ deletionId: 'del-1', objects });
  return plan.ok ? [] : plan.errors.map((e) => `${e.code} ${e.message}`);
}

/** [case, desired objects, hooks in execution order] */
const HOOK_CASES: readonly (readonly [string, SyncObject[], string[]])[] = [
  ['no hooks: nothing to run', [obj('ConfigMap', 'a'), hook('Job', 'migrate', 'PreSync')], []],
  ['PreDelete before PostDelete, sync hooks ignored', [hook('Job', 'after', 'PostDelete'), hook('Job', 'before', 'PreDelete'), hook('Job', 'smoke', 'PostSync')], ['PreDelete/0 Job/before [BeforeHookCreation]', 'PostDelete/0 Job/after [BeforeHookCreation]']],
  [
    'waves, then kind order, then name',
    [hook('Job', 'b', 'PreDelete', wave(1)), hook('Job', 'a', 'PreDelete', wave(1)), hook('ConfigMap', 'cfg', 'PreDelete', wave(1)), hook('Job', 'z', 'PreDelete', wave(-1))],
    ['PreDelete/-1 Job/z [BeforeHookCreation]', 'PreDelete/1 ConfigMap/cfg [BeforeHookCreation]', 'PreDelete/1 Job/a [BeforeHookCreation]', 'PreDelete/1 Job/b [BeforeHookCreation]'],
  ],
  ['one manifest in both phases runs twice', [hook('Job', 'both', 'PreDelete,PostDelete', { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' })], ['PreDelete/0 Job/both [HookSucceeded]', 'PostDelete/0 Job/both [HookSucceeded]']],
  ['Helm pre-delete/post-delete map to PreDelete/PostDelete', [obj('Job', 'h1', { 'helm.sh/hook': 'pre-delete', 'helm.sh/hook-weight': '2' }), obj('Job', 'h2', { 'helm.sh/hook': 'post-delete' })], ['PreDelete/2 Job/h1 [BeforeHookCreation]', 'PostDelete/0 Job/h2 [BeforeHookCreation]']],
  ['Skip wins: never run', [hook('Job', 'skipped', 'PreDelete,Skip')], []],
  ['generateName gets a name', [generated('cleanup-', 'PostDelete')], ['PostDelete/0 Job/cleanup-* [BeforeHookCreation]']],
  [
    'null annotations and a null hook are no hook',
    [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n', annotations: null } } as unknown as SyncObject, obj('ConfigMap', 'h', { 'argocd.argoproj.io/hook': null } as unknown as Record<string, string>)],
    [],
  ],
];

describe('planDeletionHooks', () => {
  it.each(HOOK_CASES)('%s', (_name, objects, expected) => {
    expect(hooks(objects)).toEqual(expected);
  });

  it('generated names are the same for one deletion, new for the next, distinct for identical manifests', () => {
    const names = (id: string) => {
      const plan = planDeletionHooks({ deletionId: id, objects: [generated('cleanup-', 'PreDelete'), generated('cleanup-', 'PreDelete')] });
      return plan.ok ? plan.hooks.map((h) => h.ref.name) : [];
    };
    const first = names('del-1');
    expect(first).toHaveLength(2);
    expect(new Set(first).size).toBe(2);
    expect(first.every((n) => /^cleanup-[a-z0-9]{8}$/.test(n))).toBe(true);
    expect(names('del-1')).toEqual(first);
    expect(names('del-2')).not.toEqual(first);
  });

  /** [case, desired objects, expected error (code and start of message)] */
  const ERROR_CASES: readonly (readonly [string, SyncObject[], string])[] = [
    ['a mistyped hook is an error, not a skipped hook', [hook('Job', 'backup', 'PreDelet')], 'KAWA_SYNC_ANNOTATION_INVALID batch/Job shop/backup: unknown hook "PreDelet"'],
    ['a bad delete policy', [hook('Job', 'backup', 'PreDelete', { 'argocd.argoproj.io/hook-delete-policy': 'OnSuccess' })], 'KAWA_SYNC_ANNOTATION_INVALID batch/Job shop/backup: unknown hook delete policy'],
    ['a hook without a name', [{ apiVersion: 'batch/v1', kind: 'Job', metadata: { annotations: { 'argocd.argoproj.io/hook': 'PostDelete' } } }], 'KAWA_SYNC_NAME_INVALID'],
    ['the same hook twice', [hook('Job', 'x', 'PreDelete'), hook('Job', 'x', 'PreDelete')], 'KAWA_SYNC_DUPLICATE_RESOURCE batch/Job shop/x'],
  ];
  it.each(ERROR_CASES)('%s', (_name, objects, expected) => {
    expect(errors(objects)[0]).toMatch(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('a bad annotation on an object that is no hook does not block the deletion', () => {
    expect(hooks([obj('ConfigMap', 'a', { 'argocd.argoproj.io/sync-wave': 'one' }), hook('Job', 'b', 'PreDelete')])).toEqual(['PreDelete/0 Job/b [BeforeHookCreation]']);
  });

  it('hookWaves groups one type by ascending wave', () => {
    const plan = planDeletionHooks({ deletionId: 'd', objects: [hook('Job', 'a', 'PreDelete', wave(2)), hook('Job', 'b', 'PreDelete'), hook('Job', 'c', 'PostDelete'), hook('Job', 'd', 'PreDelete', wave(2))] });
    if (!plan.ok) throw new Error('invalid');
    expect(hookWaves(plan.hooks, 'PreDelete').map((w) => w.map((h) => h.ref.name))).toEqual([['b'], ['a', 'd']]);
  });
});

/** `wave:2 ConfigMap/a,ConfigMap/b` per group, in execution order. */
function groups(live: readonly SyncObject[], appSyncOptions?: Parameters<typeof planObjectDeletion>[0]['appSyncOptions']): string[] {
  const plan = planObjectDeletion({ live, ...(appSyncOptions === undefined ? {} : { appSyncOptions }) });
  return plan.groups.map((g) => `${g.key} ${g.objects.map((o) => `${o.kind}/${o.metadata.name ?? ''}`).join(',')}`);
}

function kept(live: readonly SyncObject[], appSyncOptions?: Parameters<typeof planObjectDeletion>[0]['appSyncOptions']): string[] {
  return planObjectDeletion({ live, ...(appSyncOptions === undefined ? {} : { appSyncOptions }) }).kept.map((k) => `${k.ref.kind}/${k.ref.name}: ${k.reason}`);
}

/** [case, live objects, groups in execution order] */
const GROUP_CASES: readonly (readonly [string, SyncObject[], string[]])[] = [
  ['nothing live: nothing to delete', [], []],
  ['one wave', [obj('ConfigMap', 'a'), obj('Service', 'b')], ['wave:0 ConfigMap/a,Service/b']],
  [
    'highest wave first, negative waves last',
    [obj('ConfigMap', 'w0'), obj('ConfigMap', 'w2', wave(2)), obj('ConfigMap', 'wm1', wave(-1)), obj('ConfigMap', 'w2b', wave(2))],
    ['wave:2 ConfigMap/w2,ConfigMap/w2b', 'wave:0 ConfigMap/w0', 'wave:-1 ConfigMap/wm1'],
  ],
  [
    'Namespaces and CRDs after everything else, whatever their wave',
    [obj('Namespace', 'shop', wave(5)), obj('CustomResourceDefinition', 'widgets.example.com', wave(-2)), obj('Deployment', 'web', wave(1)), obj('ConfigMap', 'cfg')],
    ['wave:1 Deployment/web', 'wave:0 ConfigMap/cfg', 'last:5 Namespace/shop', 'last:-2 CustomResourceDefinition/widgets.example.com'],
  ],
  ['Helm hook-weight is the wave when there is no sync-wave', [obj('ConfigMap', 'a', { 'helm.sh/hook-weight': '3' }), obj('ConfigMap', 'b')], ['wave:3 ConfigMap/a', 'wave:0 ConfigMap/b']],
  ['an unreadable wave deletes with wave 0', [obj('ConfigMap', 'a', { 'argocd.argoproj.io/sync-wave': 'one' }), obj('ConfigMap', 'b', wave(1))], ['wave:1 ConfigMap/b', 'wave:0 ConfigMap/a']],
  [
    'objects with a controller owner go with their owner',
    [obj('Pod', 'web-1', {}, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u1', controller: true }] }), obj('ConfigMap', 'a')],
    ['wave:0 ConfigMap/a'],
  ],
];

describe('planObjectDeletion', () => {
  it.each(GROUP_CASES)('%s', (_name, live, expected) => {
    expect(groups(live)).toEqual(expected);
  });

  /** [case, live objects, app sync options, kept] */
  const KEPT_CASES: readonly (readonly [string, SyncObject[], { delete?: boolean } | undefined, string[]])[] = [
    ['Delete=false', [obj('ConfigMap', 'a', { 'argocd.argoproj.io/sync-options': 'Delete=false' }), obj('ConfigMap', 'b')], undefined, ['ConfigMap/a: kept (Delete=false)']],
    ['helm.sh/resource-policy: keep', [obj('Secret', 's', { 'helm.sh/resource-policy': 'keep' })], undefined, ['Secret/s: kept (helm.sh/resource-policy: keep)']],
    ['an explicit Delete=true wins over Helm keep', [obj('Secret', 's', { 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-options': 'Delete=true' })], undefined, []],
    ['app-level Delete=false keeps everything', [obj('ConfigMap', 'a')], { delete: false }, ['ConfigMap/a: kept (Delete=false in spec.syncPolicy.syncOptions)']],
    ['the resource overrides the app', [obj('ConfigMap', 'a', { 'argocd.argoproj.io/sync-options': 'Delete=true' })], { delete: false }, []],
    [
      'a typo in the sync options keeps the object',
      [obj('ConfigMap', 'a', { 'argocd.argoproj.io/sync-options': 'Delete=False' })],
      undefined,
      ['ConfigMap/a: kept: ConfigMap shop/a: invalid sync option "Delete=False" in argocd.argoproj.io/sync-options: Delete must be true, false or confirm'],
    ],
  ];
  it.each(KEPT_CASES)('keeps: %s', (_name, live, app, expected) => {
    expect(kept(live, app)).toEqual(expected);
    const deleted = planObjectDeletion({ live, ...(app === undefined ? {} : { appSyncOptions: app }) }).groups.flatMap((g) => g.objects.map((o) => `${o.kind}/${o.metadata.name ?? ''}`));
    expect(deleted.filter((d) => expected.some((k) => k.startsWith(`${d}:`)))).toEqual([]);
  });

  it('Delete=confirm objects are deleted after confirmation, and said so', () => {
    const plan = planObjectDeletion({ live: [obj('ConfigMap', 'a', { 'argocd.argoproj.io/sync-options': 'Delete=confirm' }), obj('ConfigMap', 'b')] });
    expect(plan.groups.map((g) => g.needConfirmation.map((o) => o.metadata.name))).toEqual([['a']]);
  });
});
