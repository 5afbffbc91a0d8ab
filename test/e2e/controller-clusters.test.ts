// Many clusters, with two independent control planes: the test cluster runs kawa's Applications, and a
// second one (`ctl-second`, started here) is registered the way `argocd cluster add` does it — a
// ServiceAccount bound to cluster-admin, its token Secret, and an Argo CD `cluster` Secret holding the
// bearer token and CA. Apps reach it by `name` and by `server`; a cluster Secret that goes away makes
// its apps invalid; an API server that dies turns its apps Unknown and nothing is pruned or re-created.
import { randomBytes } from 'node:crypto';
import type { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configMapYaml, healthOf, syncOf, useController, type ControllerFixture } from '../harness/controller.js';
import { waitUntil } from '../harness/kube.js';
import { SecondCluster, type ClusterAccess } from '../harness/second-cluster.js';
import type { Application } from '../../src/model/index.js';

const SECOND = 'ctl-second';
const CLUSTER_SECRET = 'cluster-second';

async function registerCluster(fx: ControllerFixture, second: SecondCluster, access: ClusterAccess): Promise<void> {
  await fx.core.createNamespacedSecret({ namespace: fx.ns, body: second.clusterSecret(CLUSTER_SECRET, 'second', access) });
}

const conditionOf = (app: Application, type: string): string | undefined => app.status?.conditions?.find((c) => c.type === type)?.message;

describe('controller: many clusters', () => {
  const fx = useController({
    files: {
      'remote/cm.yaml': configMapYaml('remote-cm', 'by-name'),
      'remote2/cm.yaml': configMapYaml('remote-cm-2', 'by-server'),
    },
  });
  const remoteNs = `ctl-remote-${randomBytes(3).toString('hex')}`;
  const second = new SecondCluster(SECOND);
  let remoteCore: CoreV1Api;
  let access: ClusterAccess;

  beforeAll(async () => {
    await second.up(1);
    remoteCore = second.core;
    await remoteCore.createNamespace({ body: { metadata: { name: remoteNs } } });
    access = await second.addClusterAccess();
    await registerCluster(fx, second, access);
  }, 300_000);

  afterAll(async () => {
    await second.down();
  }, 120_000);

  const remoteConfigMap = (name: string): Promise<{ uid?: string; value?: string; tracking?: string } | undefined> =>
    remoteCore.readNamespacedConfigMap({ name, namespace: remoteNs }).then(
      (cm) => ({ ...(cm.metadata?.uid === undefined ? {} : { uid: cm.metadata.uid }), ...(cm.data?.['value'] === undefined ? {} : { value: cm.data['value'] }), ...(cm.metadata?.annotations?.['argocd.argoproj.io/tracking-id'] === undefined ? {} : { tracking: cm.metadata.annotations['argocd.argoproj.io/tracking-id'] }) }),
      () => undefined,
    );

  const remoteApp = (destination: Record<string, string>, sourcePath: string): Record<string, unknown> => ({
    project: 'default',
    source: { repoURL: fx.repoURL, path: sourcePath, targetRevision: 'HEAD' },
    destination: { ...destination, namespace: remoteNs },
    syncPolicy: { automated: { prune: true, selfHeal: true } },
  });

  it('syncs into the second cluster by its name', async () => {
    await fx.createApp('by-name', remoteApp({ name: 'second' }, 'remote'));
    await fx.waitApp('by-name', 'Synced and Healthy', (a) => syncOf(a) === 'Synced' && healthOf(a) === 'Healthy' && a.status?.operationState?.phase === 'Succeeded', { timeoutMs: 90_000 });
    expect(await remoteConfigMap('remote-cm')).toMatchObject({ value: 'by-name', tracking: `by-name:/ConfigMap:${remoteNs}/remote-cm` });
    // Not in the cluster kawa runs against.
    expect(await fx.core.readNamespacedConfigMap({ name: 'remote-cm', namespace: remoteNs }).then(() => true, () => false)).toBe(false);
    const metrics = await fx.metrics.registry.metrics();
    expect(metrics).toContain(`argocd_cluster_connection_status{server="${second.server}"`);
  });

  it('syncs into the second cluster by its server URL', async () => {
    await fx.createApp('by-server', remoteApp({ server: second.server }, 'remote2'));
    await fx.waitApp('by-server', 'Synced and Healthy', (a) => syncOf(a) === 'Synced' && healthOf(a) === 'Healthy' && a.status?.operationState?.phase === 'Succeeded', { timeoutMs: 90_000 });
    expect(await remoteConfigMap('remote-cm-2')).toMatchObject({ value: 'by-server', tracking: `by-server:/ConfigMap:${remoteNs}/remote-cm-2` });
  });

  it('turns the apps of an unreachable cluster Unknown with a ComparisonError, and prunes nothing', async () => {
    const before = await Promise.all([remoteConfigMap('remote-cm'), remoteConfigMap('remote-cm-2')]);
    await second.stopApiserver();

    for (const name of ['by-name', 'by-server']) {
      const unreachable = await fx.waitApp(name, 'Unknown with a ComparisonError', (a) => syncOf(a) === 'Unknown' && conditionOf(a, 'ComparisonError') !== undefined, { timeoutMs: 60_000 });
      expect(conditionOf(unreachable, 'ComparisonError')).toContain(second.server);
      expect(healthOf(unreachable)).toBe('Unknown');
      // The last known resources stay listed; no operation was started against a cluster we cannot see.
      expect(unreachable.status?.resources?.length).toBe(1);
      expect(unreachable.operation).toBeUndefined();
    }

    // The same API server comes back (same port, certificates and etcd): the apps recover on their own.
    await second.startApiserver();
    for (const name of ['by-name', 'by-server']) {
      const back = await fx.waitApp(name, 'Synced again', (a) => syncOf(a) === 'Synced' && conditionOf(a, 'ComparisonError') === undefined, { timeoutMs: 90_000 });
      expect(healthOf(back)).toBe('Healthy');
    }
    // Nothing was pruned, nothing re-created: the very same objects.
    expect(await Promise.all([remoteConfigMap('remote-cm'), remoteConfigMap('remote-cm-2')])).toEqual(before);
    expect((await fx.getApp('by-name')).status?.history).toHaveLength(1);
  });

  it('reports an unknown cluster once its Secret is deleted, and leaves its objects alone', async () => {
    await fx.core.deleteNamespacedSecret({ name: CLUSTER_SECRET, namespace: fx.ns });
    const byName = await fx.waitApp('by-name', 'InvalidSpecError', (a) => conditionOf(a, 'InvalidSpecError') !== undefined);
    expect(conditionOf(byName, 'InvalidSpecError')).toContain('there are no clusters with this name: second');
    expect(syncOf(byName)).toBe('Unknown');
    const byServer = await fx.waitApp('by-server', 'InvalidSpecError', (a) => conditionOf(a, 'InvalidSpecError') !== undefined);
    expect(conditionOf(byServer, 'InvalidSpecError')).toContain(`cluster '${second.server}' has not been configured`);
    await fx.controller.idle();
    expect((await remoteConfigMap('remote-cm'))?.value).toBe('by-name');
    expect((await remoteConfigMap('remote-cm-2'))?.value).toBe('by-server');

    // Registered again: the apps are valid and in sync again.
    await registerCluster(fx, second, access);
    await waitUntil('both apps valid and Synced', () => Promise.all([fx.getApp('by-name'), fx.getApp('by-server')]), (apps) => apps.every((a) => syncOf(a) === 'Synced' && (a.status?.conditions ?? []).length === 0), { timeoutMs: 60_000 });
  });
});
