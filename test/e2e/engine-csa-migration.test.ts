// Client-side apply migration (`ClientSideApplyMigration`, on by default) on the real control plane:
// objects Argo CD wrote with its client-side apply (manager `argocd-controller`, an Update entry and the
// last-applied annotation) or `kubectl apply` wrote (`kubectl-client-side-apply`) show a field Git has
// dropped as drift, and kawa's sync moves their fields to kawa before its server-side apply, so the field
// goes; with `ClientSideApplyMigration=false` the old managers keep their fields (and the field stays).
// A proxy that changes the object just before kawa's managedFields patch makes its resourceVersion test
// fail for real: kawa reads again and retries once, then leaves the move to the next sync.
import { KubeConfig } from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { prepareDesired, type SyncApp } from '../../src/engine/index.js';
import { resourcePath } from '../../src/kube/apply.js';
import type { ApiResource } from '../../src/kube/discovery.js';
import { isRecord, type KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
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
    // A server-side dry-run apply keeps those fields (they are not kawa's yet): its verdict must not hide the drift.
    await fx.engine.refreshServerSideDiff(app);
    expect(fx.engine.compare(app).sync).toBe('OutOfSync');
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

/**
 * A proxy to the test cluster that runs `beforeJsonPatch` (which changes the object through the cluster
 * directly) before forwarding each JSON patch, so that the patch's resourceVersion test fails.
 */
async function meddlingProxy(beforeJsonPatch: () => Promise<void>): Promise<{ rest: KubeRest; patches: number[]; close: () => Promise<void> }> {
  const cluster = fx.kc.getCurrentCluster();
  if (cluster === null) throw new Error('no cluster');
  const upstream = new URL(cluster.server);
  const tls: https.RequestOptions = {};
  await fx.kc.applyToHTTPSOptions(tls);
  const patches: number[] = [];
  const server = http.createServer((req, res) => {
    const forward = (): void => {
      const { host: _host, ...headers } = req.headers;
      const upstreamReq = https.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, ca: tls.ca, cert: tls.cert, key: tls.key }, (answer) => {
        if (req.headers['content-type'] === 'application/json-patch+json') patches.push(answer.statusCode ?? 0);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstreamReq.on('error', () => res.destroy());
      req.pipe(upstreamReq);
    };
    if (req.method === 'PATCH' && req.headers['content-type'] === 'application/json-patch+json') beforeJsonPatch().then(forward, () => res.destroy());
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'proxy', server: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, skipTLSVerify: true }],
    users: [{ name: 'proxy' }],
    contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
    currentContext: 'proxy',
  });
  const rest = new KubeRest(kc);
  return {
    rest,
    patches,
    close: async () => {
      rest.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
}

describe('ClientSideApplyMigration on an object that changes meanwhile', () => {
  const desired = [configMap('by-argocd', { other: 'kept' })];

  async function touch(ns: string, n: number): Promise<void> {
    await fx.rest.request('PATCH', resourcePath(configMaps, 'v1', ns, 'by-argocd'), {
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'someone-else' },
      body: { metadata: { labels: { touched: String(n) } } },
    });
  }

  async function setUpOne(prefix: string): Promise<{ ns: string; app: SyncApp }> {
    const ns = await fx.namespace(prefix);
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired };
    await clientSideApply(app, [before[0] as KubeObject]);
    await waitUntil('the cache to show the object', () => Promise.resolve(fx.engine.compare(app)), (c) => c.resources.every((r) => r.live !== undefined));
    return { ns, app };
  }

  it('reads the object again and retries once when its resourceVersion test fails', async () => {
    const { ns, app } = await setUpOne('csa-race');
    let n = 0;
    const proxy = await meddlingProxy(async () => {
      if (++n === 1) await touch(ns, n);
    });
    try {
      const record = await sync(fx.engineWith({ rest: proxy.rest }), app);
      expect(record.phase, record.message).toBe('Succeeded');
      expect(proxy.patches).toEqual([422, 200]);
    } finally {
      await proxy.close();
    }
    const current = await live(ns, desired[0] as KubeObject);
    expect(data(current)).toEqual({ other: 'kept' });
    // The change made meanwhile survives: its manager's entry was read again and kept.
    expect(current.metadata?.labels?.['touched']).toBe('1');
    expect(entries(current).filter((e) => e.subresource === undefined).map((e) => e.manager).sort()).toEqual(['kawa', 'someone-else']);
  });

  it('gives up after the second failed test: the apply still runs, the task says the move is left for the next sync', async () => {
    const { ns, app } = await setUpOne('csa-busy');
    let n = 0;
    const proxy = await meddlingProxy(() => touch(ns, ++n));
    try {
      const record = await sync(fx.engineWith({ rest: proxy.rest }), app);
      expect(record.phase, record.message).toBe('Succeeded');
      expect(proxy.patches).toEqual([422, 422]);
      expect(record.syncResult?.resources?.[0]?.message).toMatch(/client-side apply fields not moved to kawa: the object kept changing; the next sync moves them/);
    } finally {
      await proxy.close();
    }
    expect(data(await live(ns, desired[0] as KubeObject))).toEqual({ greeting: 'hello', other: 'kept' });
    // The next sync, undisturbed, moves them.
    const next = await sync(fx.engine, app);
    expect(next.phase, next.message).toBe('Succeeded');
    expect(data(await live(ns, desired[0] as KubeObject))).toEqual({ other: 'kept' });
  });
});
