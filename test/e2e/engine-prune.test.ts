// Pruning on the real control plane, and the rules that keep it safe: only when asked, never with
// `Prune=false`, PruneLast after the last wave, never after a failed or empty render, never while the
// live state is incomplete (a type kawa may not list), never an object another app tracks.
import { KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createEngine, type SyncApp } from '../../src/engine/index.js';
import { ClusterCache } from '../../src/kube/cache.js';
import { KubeRest } from '../../src/kube/rest.js';
import { configMap, configMapNames, deploy, recorder, restrictedKubeConfig, resultsOf, startedIn, sync, useEngine } from '../harness/engine.js';
import { waitUntil } from '../harness/kube.js';

const fx = useEngine();




describe('prune', () => {
  it('reports requiresPruning, deletes only when asked, keeps Prune=false objects', async () => {
    const ns = await fx.namespace('pr');
    const name = `${ns}-app`;
    await deploy(fx, { name, destinationNamespace: ns, desired: [configMap('keep'), configMap('old'), configMap('sticky', { 'argocd.argoproj.io/sync-options': 'Prune=false' })] });

    const app: SyncApp = { name, destinationNamespace: ns, desired: [configMap('keep')] };
    const compared = fx.engine.compare(app);
    expect(compared.sync).toBe('OutOfSync');
    expect(compared.resources.filter((r) => r.requiresPruning === true).map((r) => r.name)).toEqual(['old', 'sticky']);

    const withoutPrune = await sync(fx.engine, app);
    expect(withoutPrune.phase).toBe('Succeeded');
    expect(resultsOf(withoutPrune)).toEqual({ 'ConfigMap/keep': 'Synced', 'ConfigMap/old': 'PruneSkipped', 'ConfigMap/sticky': 'PruneSkipped' });
    expect(await configMapNames(fx, ns)).toEqual(['keep', 'old', 'sticky']);

    const withPrune = await sync(fx.engine, app, { prune: true });
    expect(withPrune.phase, withPrune.message).toBe('Succeeded');
    expect(resultsOf(withPrune)).toEqual({ 'ConfigMap/keep': 'Synced', 'ConfigMap/old': 'Pruned', 'ConfigMap/sticky': 'PruneSkipped' });
    expect(withPrune.syncResult?.resources?.find((r) => r.name === 'sticky')?.message).toBe('ignored (no prune)');
    await waitUntil('old deleted', () => configMapNames(fx, ns), (names) => names.join() === 'keep,sticky');
  });

  it('prunes in reverse wave order, PruneLast ones after the last wave', async () => {
    const ns = await fx.namespace('pl');
    const name = `${ns}-app`;
    const wave = (n: number) => ({ 'argocd.argoproj.io/sync-wave': String(n) });
    await deploy(fx, {
      name,
      destinationNamespace: ns,
      desired: [configMap('w1', wave(1)), configMap('old-w0', wave(0)), configMap('old-w2', wave(2)), configMap('last', { 'argocd.argoproj.io/sync-options': 'PruneLast=true' })],
    });
    const rec = recorder();
    const app: SyncApp = { name, destinationNamespace: ns, desired: [configMap('w1', wave(1)), configMap('w3', wave(3))] };
    const record = await fx.engine.runToCompletion({ record: await fx.engine.startSync({ app, operation: { sync: { prune: true } }, persist: rec.persist }), app, persist: rec.persist });
    expect(record.phase, record.message).toBe('Succeeded');
    // One step per persisted record: prune waves are mirrored (old-w2 first, old-w0 later) and interleave
    // with the apply waves; the PruneLast prune comes after the last wave.
    const order = ['old-w2', 'w1', 'old-w0', 'w3', 'last'].map((what) => startedIn(rec.records, `/${what}`));
    expect(order.every((index, i) => index > (order[i - 1] ?? -1))).toBe(true);
    // Prunes are foreground deletions: the last one may still be finishing when the operation ends.
    await waitUntil('the PruneLast object deleted', () => configMapNames(fx, ns), (names) => names.join() === 'w1,w3');
  });
});

describe('safety rules', () => {
  it('never prunes after a failed or empty render', async () => {
    const ns = await fx.namespace('sr');
    const name = `${ns}-app`;
    await deploy(fx, { name, destinationNamespace: ns, desired: [configMap('a'), configMap('b')] });

    const failed = await sync(fx.engine, { name, destinationNamespace: ns, desired: [], renderFailed: 'helm template: exit status 1' }, { prune: true });
    expect(failed.phase).toBe('Failed');
    expect(failed.message).toBe('cannot sync: rendering the desired state failed, so nothing was applied or deleted: helm template: exit status 1');

    const empty = await sync(fx.engine, { name, destinationNamespace: ns, desired: [] }, { prune: true });
    expect(empty.phase).toBe('Failed');
    expect(empty.message).toMatch(/^cannot sync: the source rendered no objects.*set allowEmpty/);
    expect(await configMapNames(fx, ns)).toEqual(['a', 'b']);

    // Said explicitly, an empty app is synced to empty.
    const allowed = await sync(fx.engine, { name, destinationNamespace: ns, desired: [], allowEmpty: true }, { prune: true });
    expect(allowed.phase, allowed.message).toBe('Succeeded');
    expect(resultsOf(allowed)).toEqual({ 'ConfigMap/a': 'Pruned', 'ConfigMap/b': 'Pruned' });
    await waitUntil('everything pruned', () => configMapNames(fx, ns), (names) => names.length === 0);
  });

  it('never prunes while a type cannot be listed (incomplete live state)', async () => {
    const ns = await fx.namespace('sl');
    const name = `${ns}-app`;
    await deploy(fx, { name, destinationNamespace: ns, desired: [configMap('a'), configMap('b')] });

    // A controller identity that may do everything except read Secrets: its cache cannot list them.
    const restricted = await restrictedKubeConfig(fx, ns, (r) => (r.resource === 'secrets' ? [] : ['*']));
    const rest = new KubeRest(restricted);
    const cache = new ClusterCache({ kubeConfig: restricted, rest, discoveryMinIntervalMs: 200 });
    try {
      await cache.start();
      await cache.synced();
      expect(cache.unsyncedTypes()).toContain('/Secret');
      const engine = createEngine({ rest, cache, waveDelayMs: 0, pollMs: 200 });
      await waitUntil('the restricted cache to see the app', () => Promise.resolve(cache.objectsOf(name).length), (n) => n === 2);
      const record = await sync(engine, { name, destinationNamespace: ns, desired: [configMap('a')] }, { prune: true });
      expect(record.phase).toBe('Failed');
      expect(record.message).toMatch(/^refusing to prune 1 object\(s\): the live state is incomplete \(types not listed yet: .*\/Secret.*\); nothing was applied or deleted$/);
      expect(await configMapNames(fx, ns)).toEqual(['a', 'b']);
      // Without pruning the sync goes ahead: applying never depends on what is absent.
      const applied = await sync(engine, { name, destinationNamespace: ns, desired: [configMap('a')] });
      expect(applied.phase, applied.message).toBe('Succeeded');
    } finally {
      await cache.stop();
      rest.close();
      const rbac = fx.kc.makeApiClient(RbacAuthorizationV1Api);
      await rbac.deleteClusterRoleBinding({ name: `restricted-${ns}` }).catch(() => undefined);
      await rbac.deleteClusterRole({ name: `restricted-${ns}` }).catch(() => undefined);
    }
  });

  it('never prunes while an API group cannot be discovered', async () => {
    const ns = await fx.namespace('sd');
    const name = `${ns}-app`;
    await deploy(fx, { name, destinationNamespace: ns, desired: [configMap('a'), configMap('b')] });

    // The real API server seen through a proxy that reports one group as Stale in aggregated discovery,
    // which is what the server itself says when an aggregated API server is down.
    const proxy = await staleDiscoveryProxy('autoscaling');
    const rest = new KubeRest(proxy.kc);
    const cache = new ClusterCache({ kubeConfig: proxy.kc, rest, discoveryMinIntervalMs: 200 });
    try {
      await cache.start();
      await cache.synced();
      expect(cache.failedDiscoveryGroups()).toContain('autoscaling/v2');
      await waitUntil('the cache to see the app', () => Promise.resolve(cache.objectsOf(name).length), (n) => n === 2);
      const engine = createEngine({ rest, cache, waveDelayMs: 0, pollMs: 200 });
      const record = await sync(engine, { name, destinationNamespace: ns, desired: [configMap('a')] }, { prune: true });
      expect(record.phase).toBe('Failed');
      expect(record.message).toMatch(/^refusing to prune 1 object\(s\): the live state is incomplete \(API groups not reachable: autoscaling\/v2.*\); nothing was applied or deleted$/);
      expect(await configMapNames(fx, ns)).toEqual(['a', 'b']);
    } finally {
      await cache.stop();
      rest.close();
      await proxy.close();
    }
  });

  it('never prunes an object another app tracks, and reports SharedResource', async () => {
    const ns = await fx.namespace('ss');
    const a = `${ns}-a`;
    const b = `${ns}-b`;
    await deploy(fx, { name: a, destinationNamespace: ns, desired: [configMap('mine'), configMap('shared'), configMap('moved')] });

    // B declares `shared` too: the comparison says so, and FailOnSharedResource refuses to take it over.
    const appB: SyncApp = { name: b, destinationNamespace: ns, desired: [configMap('shared')] };
    const compared = fx.engine.compare(appB);
    expect(compared.conditions).toEqual([{ type: 'SharedResource', message: `ConfigMap ${ns}/shared is part of applications ${b} and ${a}` }]);
    const refused = await sync(fx.engine, { ...appB, syncOptions: ['FailOnSharedResource=true'] });
    expect(refused.phase).toBe('Failed');
    expect(refused.message).toContain(`ConfigMap ${ns}/shared: is already managed by Application "${a}" (FailOnSharedResource=true)`);
    // Without the option B takes it over (as in Argo CD), and A no longer counts it as its own.
    expect((await sync(fx.engine, appB)).phase).toBe('Succeeded');
    await waitUntil('shared tracked by B', () => Promise.resolve(fx.cache.objectsOf(b).length), (n) => n === 1);

    // A drops `shared` and `moved`; between A's start and its prune, app C takes `moved` over.
    const appA: SyncApp = { name: a, destinationNamespace: ns, desired: [configMap('mine')] };
    expect(fx.engine.compare(appA).prune.map((o) => o.metadata?.name)).toEqual(['moved']);
    const rec = recorder();
    const started = await fx.engine.startSync({ app: appA, operation: { sync: { prune: true } }, persist: rec.persist });
    expect(started.kawa.prune.map((p) => p.metadata.name)).toEqual(['moved']);
    expect((await sync(fx.engine, { name: `${ns}-c`, destinationNamespace: ns, desired: [configMap('moved')] })).phase).toBe('Succeeded');
    await waitUntil('moved tracked by C', () => Promise.resolve(fx.cache.objectsOf(`${ns}-c`).length), (n) => n === 1);
    const record = await fx.engine.runToCompletion({ record: started, app: appA, persist: rec.persist });
    expect(record.phase, record.message).toBe('Succeeded');
    expect(resultsOf(record)).toEqual({ 'ConfigMap/mine': 'Synced', 'ConfigMap/moved': 'PruneSkipped' });
    expect(record.syncResult?.resources?.find((r) => r.name === 'moved')?.message).toBe(`not pruned: now tracked by application ${ns}-c (SharedResource)`);
    expect(await configMapNames(fx, ns)).toEqual(['mine', 'moved', 'shared']);
  });
});

/**
 * A plain-HTTP proxy to the test cluster (it adds the admin's client certificate) that marks every
 * version of `group` Stale in aggregated discovery answers and passes everything else through, watches
 * included.
 */
async function staleDiscoveryProxy(group: string): Promise<{ kc: KubeConfig; close(): Promise<void> }> {
  const cluster = fx.kc.getCurrentCluster();
  if (cluster === null) throw new Error('no cluster');
  const upstream = new URL(cluster.server);
  const tls: https.RequestOptions = {};
  await fx.kc.applyToHTTPSOptions(tls);
  const server = http.createServer((req, res) => {
    const aggregated = (req.url ?? '').split('?')[0] === '/apis' && (req.headers.accept ?? '').includes('apidiscovery.k8s.io');
    const { host: _host, ...headers } = req.headers;
    const forward = https.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, ca: tls.ca, cert: tls.cert, key: tls.key },
      (answer) => {
        if (!aggregated) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items?: { metadata?: { name?: string }; versions?: { freshness?: string }[] }[] };
          for (const item of list.items ?? []) if (item.metadata?.name === group) for (const v of item.versions ?? []) v.freshness = 'Stale';
          res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
          res.end(JSON.stringify(list));
        });
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'proxy', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'proxy' }],
    contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
    currentContext: 'proxy',
  });
  return {
    kc,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
