import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/objects.js';
import { TRACKING_ID_ANNOTATION } from '../kube/tracking.js';
import type { ApiResource } from '../kube/discovery.js';
import { groupKindKey, resourceKey } from '../kube/objects.js';
import { trackedAppInstance } from '../kube/tracking.js';
import { compareApp, prepareDesired, type LiveStateReader } from './compare.js';
import { desiredHash, ServerSideDiffCache } from './diff/server-side.js';

const APP = 'shop-app';

function cm(name: string, annotations: Record<string, string> = {}, data: Record<string, string> = { name }): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) }, data };
}

/** Live as kawa's apply leaves it: namespace set, tracking mark, kawa's managed fields. */
function applied(obj: KubeObject, app = APP): KubeObject {
  const [prepared] = prepareDesired(app, [obj], cluster(), { destinationNamespace: 'shop' });
  if (prepared === undefined) throw new Error('unreachable');
  const dataFields = Object.fromEntries(Object.keys((obj['data'] as Record<string, string> | undefined) ?? {}).map((k) => [`f:${k}`, {}]));
  return {
    ...prepared.object,
    metadata: {
      ...prepared.object.metadata,
      uid: `uid-${obj.metadata?.name ?? ''}`,
      managedFields: [
        {
          manager: 'kawa',
          operation: 'Apply',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': dataFields, 'f:metadata': { 'f:annotations': { [`f:${TRACKING_ID_ANNOTATION}`]: {} } } },
        },
      ],
    },
  };
}

// Test data, not a fake API: the kinds discovery reports, and live objects as the cache would hold them.
const RESOURCES: ApiResource[] = [
  { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true, verbs: ['list', 'watch'] },
  { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', namespaced: true, verbs: ['list', 'watch'] },
  { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions', namespaced: false, verbs: ['list', 'watch'] },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', resource: 'clusterroles', namespaced: false, verbs: ['list', 'watch'] },
];

/** A live-state reader over fixed objects (the cache's read interface; no API behind it). */
function cluster(...live: KubeObject[]): LiveStateReader {
  const groupOf = (obj: KubeObject): string => (obj.apiVersion?.includes('/') === true ? (obj.apiVersion.split('/')[0] ?? '') : '');
  const byKey = new Map(live.map((obj) => [resourceKey({ group: groupOf(obj), kind: obj.kind ?? '', namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' }), obj]));
  return {
    getByRef: (ref) => byKey.get(resourceKey(ref)),
    objectsOf: (app) => live.filter((obj) => trackedAppInstance(obj) === app),
    lookupResource: (gk) => RESOURCES.find((r) => groupKindKey(r) === groupKindKey(gk)),
  };
}

function lines(desired: KubeObject[], live: LiveStateReader): string[] {
  return compareApp({ appName: APP, desired, live, options: { destinationNamespace: 'shop' } }).resources.map(
    (r) => `${r.kind}/${r.name} ${r.status}${r.requiresPruning === true ? ' prune' : ''}${r.hook === true ? ' hook' : ''} ${r.health?.status ?? '-'}`,
  );
}

describe('prepareDesired', () => {
  it('settles namespaces from discovery (or a CRD of the same render) and adds tracking marks', () => {
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'globals.x.dev' },
      spec: { group: 'x.dev', scope: 'Cluster', names: { kind: 'Global' } },
    };
    const objects: KubeObject[] = [
      crd,
      cm('a'),
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'oops' } },
      { apiVersion: 'x.dev/v1', kind: 'Global', metadata: { name: 'g', namespace: 'oops' } },
      { apiVersion: 'y.dev/v1', kind: 'Unknown', metadata: { name: 'u' } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'hook-', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } } },
    ];
    const prepared = prepareDesired(APP, objects, cluster(), { destinationNamespace: 'shop' });
    expect(prepared.map((p) => `${p.object.kind ?? ''} ${p.object.metadata?.namespace ?? '-'} ${p.object.metadata?.annotations?.[TRACKING_ID_ANNOTATION] ?? '-'}`)).toEqual([
      `CustomResourceDefinition - ${APP}:apiextensions.k8s.io/CustomResourceDefinition:/globals.x.dev`,
      `ConfigMap shop ${APP}:/ConfigMap:shop/a`,
      `ClusterRole - ${APP}:rbac.authorization.k8s.io/ClusterRole:/r`,
      `Global - ${APP}:x.dev/Global:/g`,
      `Unknown shop ${APP}:y.dev/Unknown:shop/u`,
      'Job shop -',
    ]);
    // The input is left alone.
    expect(objects[1]?.metadata?.namespace).toBeUndefined();
  });

  it.each(['annotation', 'label'] as const)('drops null metadata fields (%s tracking), leaving the input alone', (method) => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: null, labels: null, annotations: null, finalizers: null }, data: null } as unknown as KubeObject;
    const [p] = prepareDesired(APP, [obj], cluster(), { destinationNamespace: 'shop', tracking: { method } });
    const mark = method === 'label' ? { labels: { 'app.kubernetes.io/instance': APP } } : { annotations: { [TRACKING_ID_ANNOTATION]: `${APP}:/ConfigMap:shop/a` } };
    expect(p?.object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop', ...mark }, data: null });
    expect(obj.metadata?.labels).toBeNull();
  });

  it('writes the label instead with label tracking', () => {
    const [p] = prepareDesired(APP, [cm('a')], cluster(), { destinationNamespace: 'shop', tracking: { method: 'label' } });
    expect(p?.object.metadata?.labels).toEqual({ 'app.kubernetes.io/instance': APP });
    expect(p?.object.metadata?.annotations).toBeUndefined();
  });
});

describe('compareApp', () => {
  it('reports Missing objects, then Synced with zero differences once applied', () => {
    expect(lines([cm('a')], cluster())).toEqual(['ConfigMap/a OutOfSync Missing']);
    const c = cluster(applied(cm('a')));
    const result = compareApp({ appName: APP, desired: [cm('a')], live: c, options: { destinationNamespace: 'shop' } });
    expect([result.sync, result.health.status, result.resources[0]?.diff?.differences]).toEqual(['Synced', 'Healthy', []]);
  });

  it('detects changed and removed fields', () => {
    const c = cluster(applied(cm('a', {}, { x: '1', y: '2' })));
    const result = compareApp({ appName: APP, desired: [cm('a', {}, { x: '9' })], live: c, options: { destinationNamespace: 'shop' } });
    expect(result.sync).toBe('OutOfSync');
    expect(result.resources[0]?.diff?.differences.map((d) => `${d.kind} ${d.path}`)).toEqual(['changed /data/x', 'removed-from-desired /data/y']);
  });

  it('lists what requires pruning; live hooks are neither pruned nor counted', () => {
    const hook: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate-x', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } } };
    const c = cluster(applied(cm('a')), applied(cm('old')), applied(hook));
    const result = compareApp({ appName: APP, desired: [cm('a')], live: c, options: { destinationNamespace: 'shop' } });
    expect(result.prune.map((o) => o.metadata?.name)).toEqual(['old']);
    expect(lines([cm('a')], c)).toEqual(['ConfigMap/a Synced -', 'ConfigMap/old OutOfSync prune -', 'Job/migrate-x Synced hook Progressing']);
    expect(result.health.status).toBe('Healthy');
  });

  it('IgnoreExtraneous objects never make the app OutOfSync', () => {
    const extraneous = cm('generated', { 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' });
    const result = compareApp({ appName: APP, desired: [cm('a')], live: cluster(applied(cm('a')), applied(extraneous)), options: { destinationNamespace: 'shop' } });
    expect(result.sync).toBe('Synced');
    expect(result.prune.map((o) => o.metadata?.name)).toEqual(['generated']);
  });

  it('hooks are excluded from the app health; Missing and Degraded objects are not', () => {
    const failedHook: KubeObject = {
      ...applied({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'smoke', annotations: { 'argocd.argoproj.io/hook': 'PostSync' } } }),
      status: { conditions: [{ type: 'Failed', status: 'True' }], failed: 1 },
    };
    const hookDesired: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'smoke', annotations: { 'argocd.argoproj.io/hook': 'PostSync' } } };
    const withHook = compareApp({ appName: APP, desired: [cm('a'), hookDesired], live: cluster(applied(cm('a')), failedHook), options: { destinationNamespace: 'shop' } });
    expect(withHook.resources.find((r) => r.name === 'smoke')?.health?.status).toBe('Degraded');
    expect([withHook.sync, withHook.health.status]).toEqual(['Synced', 'Healthy']);
    const missing = compareApp({ appName: APP, desired: [cm('a'), cm('b')], live: cluster(applied(cm('a'))), options: { destinationNamespace: 'shop' } });
    expect(missing.health.status).toBe('Missing');
  });

  it('reports a SharedResource condition when another app tracks a desired object', () => {
    const result = compareApp({ appName: APP, desired: [cm('a')], live: cluster(applied(cm('a'), 'other-app')), options: { destinationNamespace: 'shop' } });
    expect(result.conditions).toEqual([{ type: 'SharedResource', message: `ConfigMap shop/a is part of applications ${APP} and other-app` }]);
    expect(result.resources[0]?.sharedWith).toBe('other-app');
    // Syncing would move the tracking mark: that is a difference.
    expect(result.sync).toBe('OutOfSync');
    expect(result.prune).toEqual([]);
  });

  it('turns malformed desired objects into ComparisonError conditions', () => {
    const result = compareApp({ appName: APP, desired: [{ metadata: { name: 'x' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }], live: cluster() });
    expect(result.conditions.map((c) => c.type)).toEqual(['ComparisonError', 'ComparisonError']);
    expect(result.sync).toBe('OutOfSync');
  });
});

describe('compareApp with server-side diff verdicts', () => {
  /** Live that differs from desired in a way only the server can explain (a webhook rewrote data.name). */
  const rewritten = (name: string, annotations: Record<string, string> = {}): KubeObject => {
    const live = applied(cm(name, annotations));
    return { ...live, metadata: { ...live.metadata, resourceVersion: '7' }, data: { name: `${name}-rewritten` } };
  };
  const desiredOf = (obj: KubeObject): KubeObject => {
    const [prepared] = prepareDesired(APP, [obj], cluster(), { destinationNamespace: 'shop' });
    if (prepared === undefined) throw new Error('unreachable');
    return prepared.object;
  };
  const keyOf = (name: string): string => resourceKey({ group: '', kind: 'ConfigMap', namespace: 'shop', name });

  /** [case, desired annotations, verdict cached for (hash, rv 7) (undefined: none), all, expected status, pending] */
  const CASES: readonly (readonly [string, Record<string, string>, boolean | undefined, boolean, string, boolean])[] = [
    ['no verdict yet: client-side verdict kept, server asked', {}, undefined, false, 'OutOfSync', true],
    ['the server says nothing would change: Synced', {}, true, false, 'Synced', false],
    ['the server agrees it differs: OutOfSync', {}, false, false, 'OutOfSync', false],
    ['the object opts out with ServerSideDiff=false', { 'argocd.argoproj.io/compare-options': 'ServerSideDiff=false' }, true, false, 'OutOfSync', false],
  ];
  it.each(CASES)('%s', (_name, annotations, synced, all, status, pending) => {
    const cache = new ServerSideDiffCache();
    const desired = cm('a', annotations);
    if (synced !== undefined) cache.set(keyOf('a'), desiredHash(desiredOf(desired)), '7', { synced, differences: [] });
    const result = compareApp({ appName: APP, desired: [desired], live: cluster(rewritten('a', annotations)), options: { destinationNamespace: 'shop', serverSideDiff: { cache, ...(all ? { all } : {}) } } });
    expect([result.resources[0]?.status, result.serverSideDiffPending !== undefined]).toEqual([status, pending]);
  });

  it('a verdict for another live resourceVersion or another render does not count', () => {
    const cache = new ServerSideDiffCache();
    cache.set(keyOf('a'), desiredHash(desiredOf(cm('a'))), '6', { synced: true, differences: [] });
    cache.set(keyOf('b'), 'another-render', '7', { synced: true, differences: [] });
    const result = compareApp({ appName: APP, desired: [cm('a'), cm('b')], live: cluster(rewritten('a'), rewritten('b')), options: { destinationNamespace: 'shop', serverSideDiff: { cache } } });
    expect(result.resources.map((r) => r.status)).toEqual(['OutOfSync', 'OutOfSync']);
    expect(result.serverSideDiffPending?.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('ServerSideDiff for the whole app also asks about objects the client-side diff finds in sync', () => {
    const result = compareApp({ appName: APP, desired: [cm('a')], live: cluster(applied(cm('a'))), options: { destinationNamespace: 'shop', serverSideDiff: { cache: new ServerSideDiffCache(), all: true } } });
    expect([result.sync, result.serverSideDiffPending?.map((r) => r.name)]).toEqual(['Synced', ['a']]);
  });
});
