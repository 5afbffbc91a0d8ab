// Client-side apply migration (`ClientSideApplyMigration`, on by default) on the real control plane:
// objects Argo CD wrote with its client-side apply (manager `argocd-controller`, an Update entry and the
// last-applied annotation) or `kubectl apply` wrote (`kubectl-client-side-apply`) show a field Git has
// dropped as drift, and kawa's sync moves their fields to kawa before its server-side apply, so the field
// goes; with `ClientSideApplyMigration=false` the old managers keep their fields (and the field stays).
import { describe, expect, it } from 'vitest';
import { prepareDesired, type SyncApp } from '../../src/engine/index.js';
import { resourcePath } from '../../src/kube/apply.js';
import type { ApiResource } from '../../src/kube/discovery.js';
import { isRecord, type KubeObject } from '../../src/kube/objects.js';
import { resultsOf, sync, useEngine } from '../harness/engine.js';
import { waitUntil } from '../harness/kube.js';

const fx = useEngine();

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const OLD_MANAGERS = ['argocd-controller', 'kubectl-client-side-apply'];
const configMaps: ApiResource = { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true, verbs: [] };
const deployments: ApiResource = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, verbs: [] };

function configMap(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

function deployment(env: { name: string; value: string }[]): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'registry.kawa.example/web:1.0', env }] } },
    },
  };
}

/** What Git had when Argo CD last synced: a greeting and a DEBUG variable, since deleted. */
const before = [
  configMap('by-argocd', { greeting: 'hello', other: 'kept' }),
  configMap('by-kubectl', { greeting: 'hello', other: 'kept' }),
  deployment([{ name: 'MODE', value: 'prod' }, { name: 'DEBUG', value: '1' }]),
];
const after = [configMap('by-argocd', { other: 'kept' }), configMap('by-kubectl', { other: 'kept' }), deployment([{ name: 'MODE', value: 'prod' }])];
const managers: Record<string, string> = { 'by-argocd': 'argocd-controller', 'by-kubectl': 'kubectl-client-side-apply', web: 'argocd-controller' };

function resourceOf(obj: KubeObject): ApiResource {
  return obj.kind === 'Deployment' ? deployments : configMaps;
}

/**
 * Writes `objects` as a client-side apply does: created by `manager` (an Update entry), with the
 * last-applied annotation, carrying the app's tracking marks as Argo CD sets them.
 */
async function clientSideApply(app: SyncApp, objects: readonly KubeObject[]): Promise<void> {
  for (const { object } of prepareDesired(app.name, objects, fx.cache, { destinationNamespace: app.destinationNamespace ?? '' })) {
    const name = object.metadata?.name ?? '';
    const annotations = { ...(isRecord(object.metadata?.annotations) ? object.metadata.annotations : {}), [LAST_APPLIED]: JSON.stringify(object) };
    const body = { ...object, metadata: { ...object.metadata, annotations } };
    await fx.rest.request('POST', resourcePath(resourceOf(object), 'v1', object.metadata?.namespace ?? '', undefined), {
      query: { fieldManager: managers[name] ?? 'argocd-controller' },
      body,
    });
  }
}

async function live(ns: string, obj: KubeObject): Promise<KubeObject> {
  const answer = await fx.rest.getJson(resourcePath(resourceOf(obj), 'v1', ns, obj.metadata?.name ?? ''));
  if (!isRecord(answer)) throw new Error('not an object');
  return answer;
}

interface Entry {
  manager?: string;
  operation?: string;
  subresource?: string;
}

function entries(obj: KubeObject): Entry[] {
  const list = obj.metadata?.managedFields;
  return Array.isArray(list) ? list.filter(isRecord).map((e) => ({ manager: e['manager'] as string, operation: e['operation'] as string, ...(typeof e['subresource'] === 'string' ? { subresource: e['subresource'] } : {}) })) : [];
}

function env(obj: KubeObject): string[] {
  const spec = obj['spec'] as { template: { spec: { containers: { env?: { name: string }[] }[] } } };
  return (spec.template.spec.containers[0]?.env ?? []).map((e) => e.name);
}

function data(obj: KubeObject): unknown {
  return obj['data'];
}

/** Written client-side, seen by the cache, the Deployment's status written by its controller (a status entry to keep). */
async function setUp(prefix: string, syncOptions?: string[]): Promise<{ ns: string; app: SyncApp }> {
  const ns = await fx.namespace(prefix);
  const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: after, ...(syncOptions === undefined ? {} : { syncOptions }) };
  await clientSideApply(app, before);
  await waitUntil('the cache to show the objects', () => Promise.resolve(fx.engine.compare(app)), (c) => c.resources.every((r) => r.live !== undefined));
  await waitUntil('the Deployment status written', () => live(ns, deployment([])), (d) => entries(d).some((e) => e.subresource === 'status'));
  return { ns, app };
}

describe('ClientSideApplyMigration', () => {
  it('shows fields Argo CD or kubectl applied and Git dropped as drift, and the sync removes them', async () => {
    const { ns, app } = await setUp('csa');
    expect(entries(await live(ns, before[0] as KubeObject))).toEqual([{ manager: 'argocd-controller', operation: 'Update' }]);

    // Before kawa's first sync, as Argo CD's own three-way diff shows it.
    const first = fx.engine.compare(app);
    expect(first.sync).toBe('OutOfSync');
    expect(first.resources.map((r) => `${r.name}: ${(r.diff?.differences ?? []).map((d) => `${d.kind} ${d.path}`).join(', ')}`)).toEqual([
      'by-argocd: removed-from-desired /data/greeting',
      'by-kubectl: removed-from-desired /data/greeting',
      'web: removed-from-desired /spec/template/spec/containers/0/env/1',
    ]);
    const statusEntriesBefore = entries(await live(ns, deployment([]))).filter((e) => e.subresource === 'status');

    const record = await sync(fx.engine, app);
    expect(record.phase, record.message).toBe('Succeeded');
    expect(resultsOf(record)).toEqual({ 'ConfigMap/by-argocd': 'Synced', 'ConfigMap/by-kubectl': 'Synced', 'Deployment/web': 'Synced' });

    for (const obj of after) {
      const current = await live(ns, obj);
      const main = entries(current).filter((e) => e.subresource === undefined);
      expect(main.filter((e) => OLD_MANAGERS.includes(e.manager ?? '')), `${obj.kind} ${obj.metadata?.name ?? ''}`).toEqual([]);
      expect(main).toContainEqual({ manager: 'kawa', operation: 'Apply' });
      // The annotation was the old managers' and Git does not set it: moved to kawa, the apply drops it.
      expect(current.metadata?.annotations?.[LAST_APPLIED]).toBeUndefined();
    }
    expect(data(await live(ns, after[0] as KubeObject))).toEqual({ other: 'kept' });
    expect(data(await live(ns, after[1] as KubeObject))).toEqual({ other: 'kept' });
    const web = await live(ns, deployment([]));
    expect(env(web)).toEqual(['MODE']);
    // The status subresource's entries are not the migration's to touch.
    expect(entries(web).filter((e) => e.subresource === 'status')).toEqual(expect.arrayContaining(statusEntriesBefore));

    await waitUntil('Synced after the sync', () => Promise.resolve(fx.engine.compare(app)), (c) => c.sync === 'Synced');
    // A second sync has nothing left to move.
    const again = await sync(fx.engine, app);
    expect(again.phase, again.message).toBe('Succeeded');
    expect(data(await live(ns, after[0] as KubeObject))).toEqual({ other: 'kept' });
  });

  it('=false leaves the old managers their fields: Synced before and after, the dropped field stays', async () => {
    const { ns, app } = await setUp('csa-off', ['ClientSideApplyMigration=false']);
    expect(fx.engine.compare(app).sync).toBe('Synced');

    const record = await sync(fx.engine, app);
    expect(record.phase, record.message).toBe('Succeeded');
    expect(data(await live(ns, after[0] as KubeObject))).toEqual({ greeting: 'hello', other: 'kept' });
    expect(data(await live(ns, after[1] as KubeObject))).toEqual({ greeting: 'hello', other: 'kept' });
    expect(env(await live(ns, deployment([])))).toEqual(['MODE', 'DEBUG']);
    expect(entries(await live(ns, after[0] as KubeObject))).toContainEqual({ manager: 'argocd-controller', operation: 'Update' });
    expect(entries(await live(ns, after[1] as KubeObject))).toContainEqual({ manager: 'kubectl-client-side-apply', operation: 'Update' });
    await waitUntil('Synced after the sync', () => Promise.resolve(fx.engine.compare(app)), (c) => c.sync === 'Synced');
  });

  it("an object's own sync-options annotation turns it off for that object only", async () => {
    const ns = await fx.namespace('csa-obj');
    const optedOut = configMap('by-kubectl', { other: 'kept' });
    optedOut.metadata = { ...optedOut.metadata, annotations: { 'argocd.argoproj.io/sync-options': 'ClientSideApplyMigration=false' } };
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [configMap('by-argocd', { other: 'kept' }), optedOut] };
    await clientSideApply(app, [before[0] as KubeObject, { ...(before[1] as KubeObject), metadata: optedOut.metadata }]);
    await waitUntil('the cache to show the objects', () => Promise.resolve(fx.engine.compare(app)), (c) => c.resources.every((r) => r.live !== undefined));

    const record = await sync(fx.engine, app);
    expect(record.phase, record.message).toBe('Succeeded');
    expect(data(await live(ns, app.desired[0] as KubeObject))).toEqual({ other: 'kept' });
    expect(data(await live(ns, optedOut))).toEqual({ greeting: 'hello', other: 'kept' });
    await waitUntil('Synced after the sync', () => Promise.resolve(fx.engine.compare(app)), (c) => c.sync === 'Synced');
  });
});
