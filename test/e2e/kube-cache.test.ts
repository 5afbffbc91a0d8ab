// The live-state cache against the real control plane: initial sync, the app index by tracking id,
// owner trees built by the real controller-manager (Deployment → ReplicaSet → Pods made Ready by kwok),
// change events, CRDs appearing and disappearing at runtime, and recovery from a dropped watch.
import { ApiextensionsV1Api, CoreV1Api, type V1ConfigMap, type V1CustomResourceDefinition, type V1Deployment } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCache, type CacheEvent } from '../../src/kube/cache.js';
import { discoverApiResources } from '../../src/kube/discovery.js';
import { groupKindKey, resourceKey, type KubeObject } from '../../src/kube/objects.js';
import { ResourceFilter } from '../../src/kube/resource-filter.js';
import { KubeRest } from '../../src/kube/rest.js';
import { TRACKING_ID_ANNOTATION, appInstanceName, formatTrackingId } from '../../src/kube/tracking.js';
import { serverSideApply, testKubeConfig, useNamespace, waitFor, waitUntil } from '../harness/kube.js';

const ns = useNamespace('kcache');
const kc = testKubeConfig();
// An app in another namespace than the controller's: instance names look like `<ns>_<app>`.
const app = appInstanceName({ name: 'guestbook', namespace: ns.name }, 'argocd');

function tracked(group: string, kind: string, name: string, instance = app): Record<string, string> {
  return { [TRACKING_ID_ANNOTATION]: formatTrackingId({ app: instance, group, kind, namespace: ns.name, name }) };
}

function configMap(name: string, data: Record<string, string>, instance = app): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns.name, annotations: tracked('', 'ConfigMap', name, instance) }, data };
}

function isReady(pod: KubeObject): boolean {
  const status = pod['status'] as { conditions?: { type: string; status: string }[] } | undefined;
  return (status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

describe('ClusterCache on the real control plane', () => {
  let cache: ClusterCache;
  const events: CacheEvent[] = [];
  const eventsFor = (key: string): string[] => events.filter((e) => e.key === key).map((e) => `${e.type}${e.app === undefined ? '' : ` ${e.app}`}`);

  beforeAll(async () => {
    cache = new ClusterCache({ kubeConfig: kc, discoveryMinIntervalMs: 300, backoff: { initialMs: 100, maxMs: 2000 } });
    cache.onChange((e) => events.push(e));
    await cache.start();
    await cache.synced();
  });

  afterAll(async () => {
    await cache.stop();
  });

  it('syncs every watched type and leaves the excluded ones out', () => {
    const watched = new Set(cache.watchedResources().map((r) => groupKindKey(r)));
    for (const gk of ['apps/Deployment', 'apps/ReplicaSet', '/Pod', '/ConfigMap', '/Namespace', 'apiextensions.k8s.io/CustomResourceDefinition']) {
      expect(watched, gk).toContain(gk);
    }
    for (const gk of ['/Event', 'events.k8s.io/Event', '/Endpoints', 'discovery.k8s.io/EndpointSlice', 'coordination.k8s.io/Lease', '/Binding']) {
      expect(watched, gk).not.toContain(gk);
    }
    expect(cache.unsyncedTypes()).toEqual([]);
    expect(cache.getByRef({ group: '', kind: 'Namespace', namespace: '', name: ns.name })).toBeDefined();
    const stats = cache.stats();
    expect(stats.types['/Namespace']?.synced).toBe(true);
    expect(stats.objects).toBeGreaterThan(0);
    expect(stats.estimatedBytes).toBeGreaterThan(stats.jsonBytes);
  });

  it('indexes a tracked Deployment with its ReplicaSet and Ready Pods as children', async () => {
    const deployment: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: ns.name,
        annotations: { ...tracked('apps', 'Deployment', 'web'), 'kubectl.kubernetes.io/last-applied-configuration': '{"a":"copy"}' },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0' }] },
        },
      },
    };
    await serverSideApply(kc, deployment);
    const tree = await waitUntil(
      'the Deployment, its ReplicaSet and 2 Ready Pods in the cache',
      () => {
        const live = cache.objectsOf(app).find((o) => o.kind === 'Deployment');
        const uid = live?.metadata?.uid ?? '';
        const replicaSets = cache.childrenOf(uid);
        const pods = replicaSets.flatMap((rs) => cache.childrenOf(rs.metadata?.uid ?? ''));
        return Promise.resolve({ live, replicaSets, pods });
      },
      ({ live, replicaSets, pods }) => live !== undefined && replicaSets.length === 1 && pods.length === 2 && pods.every(isReady),
      { timeoutMs: 45_000 },
    );
    const live = tree.live;
    if (live === undefined) throw new Error('unreachable');
    expect(tree.replicaSets.map((rs) => rs.kind)).toEqual(['ReplicaSet']);
    expect(tree.pods.map((p) => p.kind)).toEqual(['Pod', 'Pod']);
    expect(cache.descendantsOf(live.metadata?.uid ?? '')).toHaveLength(3);
    // Children are not tracked themselves, but belong to the app through their owners.
    expect(cache.objectsOf(app).map((o) => o.kind)).toEqual(['Deployment']);
    for (const child of [...tree.replicaSets, ...tree.pods]) expect(cache.appOf(child)).toBe(app);
    const podKey = resourceKey({ group: '', kind: 'Pod', namespace: ns.name, name: tree.pods[0]?.metadata?.name ?? '' });
    // Watches of different types are not ordered with each other: a Pod's events can come before its
    // ReplicaSet is cached, and then carry no app. What holds: the Pod changed, and belongs to the app now.
    expect(eventsFor(podKey).some((e) => e.startsWith('MODIFIED'))).toBe(true);
    // What the cache keeps: managedFields for the diff, minus status entries; no last-applied copy.
    expect(live.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    expect(live.metadata?.managedFields?.some((f) => (f as { manager?: string }).manager === 'kawa-e2e')).toBe(true);
    for (const pod of tree.pods) {
      expect(pod.metadata?.managedFields?.some((f) => (f as { subresource?: string }).subresource === 'status')).toBe(false);
      expect(pod['status']).toBeDefined();
    }
    expect(cache.apps()).toContain(app);
  });

  it('reports creation, update, a move between apps and deletion as events', async () => {
    const key = resourceKey({ group: '', kind: 'ConfigMap', namespace: ns.name, name: 'settings' });
    await serverSideApply(kc, configMap('settings', { mode: 'a' }));
    await waitFor('ADDED', () => Promise.resolve(eventsFor(key).includes(`ADDED ${app}`) ? true : undefined));
    await serverSideApply(kc, configMap('settings', { mode: 'b' }));
    await waitUntil('the update', () => Promise.resolve(cache.get(key)?.['data']), (data) => (data as { mode?: string } | undefined)?.mode === 'b');
    const other = `${ns.name}_other`;
    await serverSideApply(kc, configMap('settings', { mode: 'b' }, other));
    const moved = await waitFor('the move to another app', () => Promise.resolve(events.find((e) => e.key === key && e.app === other)));
    expect(moved).toMatchObject({ type: 'MODIFIED', previousApp: app });
    expect(cache.objectsOf(other).map((o) => o.metadata?.name)).toEqual(['settings']);
    expect(cache.objectsOf(app).map((o) => o.metadata?.name)).not.toContain('settings');
    await kc.makeApiClient(CoreV1Api).deleteNamespacedConfigMap({ name: 'settings', namespace: ns.name });
    await waitFor('DELETED', () => Promise.resolve(cache.get(key) === undefined ? true : undefined));
    expect(eventsFor(key)).toEqual([`ADDED ${app}`, `MODIFIED ${app}`, `MODIFIED ${other}`, `DELETED ${other}`]);
    expect(cache.apps()).not.toContain(other);
  });

  it('watches a CRD created at runtime and forgets it when deleted', async () => {
    const group = `e2e${randomBytes(3).toString('hex')}.kawa.dev`;
    const crdName = `widgets.${group}`;
    const crd: V1CustomResourceDefinition = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName },
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
              openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } },
            },
          },
        ],
      },
    };
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    const gk = { group, kind: 'Widget' };
    expect(await cache.resolveResource(gk)).toBeUndefined();
    await extensions.createCustomResourceDefinition({ body: crd });
    try {
      await waitFor('the Widget type to be watched', () => Promise.resolve(cache.isWatched(gk) ? true : undefined), { timeoutMs: 20_000 });
      expect(await cache.resolveResource(gk)).toMatchObject({ version: 'v1', resource: 'widgets', namespaced: true });
      const widget = {
        apiVersion: `${group}/v1`,
        kind: 'Widget',
        metadata: { name: 'w1', namespace: ns.name, annotations: tracked(group, 'Widget', 'w1') },
        spec: { size: 3 },
      };
      // The server's apply machinery learns a new CRD's schema a moment after discovery shows it.
      await waitFor('the Widget to be applied', () => serverSideApply(kc, widget), { timeoutMs: 10_000 });
      const key = resourceKey({ ...gk, namespace: ns.name, name: 'w1' });
      await waitFor('the Widget in the cache', () => Promise.resolve(cache.get(key)));
      expect(cache.objectsOf(app).map((o) => o.kind)).toContain('Widget');
      await extensions.deleteCustomResourceDefinition({ name: crdName });
      await waitFor('the Widget type to be dropped', () => Promise.resolve(cache.isWatched(gk) ? undefined : true), { timeoutMs: 20_000 });
      expect(cache.get(key)).toBeUndefined();
      expect(eventsFor(key)).toEqual([`ADDED ${app}`, `DELETED ${app}`]);
      expect(cache.stats().types[groupKindKey(gk)]).toBeUndefined();
    } finally {
      await extensions.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
    }
  });

  it('recovers when a watch connection drops', async () => {
    const gk = { group: '', kind: 'ConfigMap' };
    const before = cache.stats().types['/ConfigMap'];
    expect(cache._dropWatch(gk)).toBe(true);
    await serverSideApply(kc, configMap('after-drop', { x: '1' }));
    const key = resourceKey({ ...gk, namespace: ns.name, name: 'after-drop' });
    await waitFor('the ConfigMap created after the drop', () => Promise.resolve(cache.get(key)));
    const after = cache.stats().types['/ConfigMap'];
    expect(after?.watches).toBeGreaterThan(before?.watches ?? 0);
    expect(after?.errors).toBeGreaterThan(before?.errors ?? 0);
    // Resumed from its last resourceVersion: no full re-list was needed.
    expect(after?.lists).toBe(before?.lists);
  });

  it('watches only what the filter lets through', async () => {
    const narrow = new ClusterCache({
      kubeConfig: kc,
      resourceFilter: new ResourceFilter({ inclusions: [{ apiGroups: [''], kinds: ['ConfigMap', 'Event'] }] }),
      discoveryResyncMs: 0,
    });
    try {
      await narrow.start();
      await narrow.synced();
      expect(narrow.watchedResources().map((r) => groupKindKey(r))).toEqual(['/ConfigMap']);
      expect(narrow.exclusionReason({ group: '', kind: 'Event' })).toBe('always-excluded');
      expect(narrow.exclusionReason({ group: 'apps', kind: 'Deployment' })).toBe('not-included');
      expect(narrow.list({ group: '', kind: 'ConfigMap' }, ns.name).map((o) => o.metadata?.name)).toContain('after-drop');
    } finally {
      await narrow.stop();
    }
  });

  it('fails to start, with a code and the address, when the API server is unreachable', async () => {
    const unreachable = testKubeConfig();
    const cluster = unreachable.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    unreachable.clusters = unreachable.clusters.map((c) => (c.name === cluster.name ? { ...c, server: 'https://127.0.0.1:1' } : c));
    const dead = new ClusterCache({ kubeConfig: unreachable, discoveryResyncMs: 0 });
    await expect(dead.start()).rejects.toMatchObject({ code: 'KAWA_KUBE_API_FAILED', message: expect.stringMatching(/^API discovery failed: GET \/api.*ECONNREFUSED/) as unknown });
    await dead.stop();
  });

  it('finds the same types through legacy per-group discovery', async () => {
    const rest = new KubeRest(kc);
    const [aggregated, legacy] = await Promise.all([discoverApiResources(rest), discoverApiResources(rest, { legacy: true })]);
    const brief = (r: { group: string; kind: string; version: string; namespaced: boolean }): string => `${r.group}/${r.kind}@${r.version}:${String(r.namespaced)}`;
    expect(legacy.resources.map(brief).sort()).toEqual(aggregated.resources.map(brief).sort());
    expect(legacy.failedGroups).toEqual([]);
  });
});
