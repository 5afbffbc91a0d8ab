// Many clusters, with two independent control planes: the test cluster runs kawa's Applications, and a
// second one (`ctl-second`, started here) is registered the way `argocd cluster add` does it — a
// ServiceAccount bound to cluster-admin, its token Secret, and an Argo CD `cluster` Secret holding the
// bearer token and CA. Apps reach it by `name` and by `server`; a cluster Secret that goes away makes
// its apps invalid; an API server that dies turns its apps Unknown and nothing is pruned or re-created.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, status, up, type ClusterState } from '../../src/localcluster/cluster.js';
import { projectRoot } from '../../src/localcluster/pins.js';
import { startDetached, stopProcess } from '../../src/localcluster/processes.js';
import { healthOf, syncOf, useController, type ControllerFixture } from '../harness/controller.js';
import { waitFor, waitUntil } from '../harness/kube.js';
import type { Application } from '../../src/model/index.js';

const SECOND = 'ctl-second';
const CLUSTER_SECRET = 'cluster-second';

const configMap = (name: string, value: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  value: "${value}"
`;

/** What `argocd cluster add` creates in the target cluster; returns the token and the CA (base64). */
async function addClusterAccess(kc: KubeConfig): Promise<{ bearerToken: string; caData: string }> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const namespace = 'kube-system';
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'argocd-manager' } } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'argocd-manager-role-binding' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'argocd-manager', namespace }],
    },
  });
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: 'argocd-manager-long-lived-token', annotations: { 'kubernetes.io/service-account.name': 'argocd-manager' } },
      type: 'kubernetes.io/service-account-token',
    },
  });
  // The token controller of kube-controller-manager fills in the token and the cluster's CA.
  const secret = await waitFor('the service-account token', async () => {
    const s = await core.readNamespacedSecret({ name: 'argocd-manager-long-lived-token', namespace });
    return s.data?.['token'] !== undefined && s.data['ca.crt'] !== undefined ? s : undefined;
  });
  return { bearerToken: Buffer.from(secret.data?.['token'] ?? '', 'base64').toString('utf8'), caData: secret.data?.['ca.crt'] ?? '' };
}

async function registerCluster(fx: ControllerFixture, server: string, access: { bearerToken: string; caData: string }): Promise<void> {
  await fx.core.createNamespacedSecret({
    namespace: fx.ns,
    body: {
      metadata: { name: CLUSTER_SECRET, labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
      type: 'Opaque',
      stringData: { name: 'second', server, config: JSON.stringify({ bearerToken: access.bearerToken, tlsClientConfig: { caData: access.caData } }) },
    },
  });
}

const conditionOf = (app: Application, type: string): string | undefined => app.status?.conditions?.find((c) => c.type === type)?.message;

describe('controller: many clusters', () => {
  const fx = useController({
    files: {
      'remote/cm.yaml': configMap('remote-cm', 'by-name'),
      'remote2/cm.yaml': configMap('remote-cm-2', 'by-server'),
    },
  });
  const root = projectRoot();
  const remoteNs = `ctl-remote-${randomBytes(3).toString('hex')}`;
  let second: ClusterState;
  let remoteCore: CoreV1Api;
  let access: { bearerToken: string; caData: string };
  /** The kube-apiserver this test restarted (not in the cluster's state file: stopped here). */
  let restartedApiserver: number | undefined;

  beforeAll(async () => {
    second = await up({ root, name: SECOND, nodes: 1 });
    const kc = new KubeConfig();
    kc.loadFromFile(second.kubeconfig);
    remoteCore = kc.makeApiClient(CoreV1Api);
    await remoteCore.createNamespace({ body: { metadata: { name: remoteNs } } });
    access = await addClusterAccess(kc);
    await registerCluster(fx, second.server, access);
  }, 300_000);

  afterAll(async () => {
    if (restartedApiserver !== undefined) await stopProcess(restartedApiserver);
    await down({ root, name: SECOND });
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
    const { state } = await status({ root, name: SECOND });
    const apiserver = state?.processes['kube-apiserver'];
    if (apiserver === undefined) throw new Error('no kube-apiserver in the state of the second cluster');
    const args = (await readFile(`/proc/${apiserver.pid}/cmdline`, 'utf8')).split('\0').filter((a) => a !== '').slice(1);
    await stopProcess(apiserver.pid);

    for (const name of ['by-name', 'by-server']) {
      const unreachable = await fx.waitApp(name, 'Unknown with a ComparisonError', (a) => syncOf(a) === 'Unknown' && conditionOf(a, 'ComparisonError') !== undefined, { timeoutMs: 60_000 });
      expect(conditionOf(unreachable, 'ComparisonError')).toContain(second.server);
      expect(healthOf(unreachable)).toBe('Unknown');
      // The last known resources stay listed; no operation was started against a cluster we cannot see.
      expect(unreachable.status?.resources?.length).toBe(1);
      expect(unreachable.operation).toBeUndefined();
    }

    // The same API server comes back (same port, certificates and etcd): the apps recover on their own.
    const logFile = path.join(root, '.kawa', 'clusters', SECOND, 'logs', 'kube-apiserver.log');
    restartedApiserver = startDetached(apiserver.binary, args, logFile).pid;
    await waitFor('the second API server answers', () => remoteCore.listNamespace().then(() => true, () => undefined), { timeoutMs: 90_000, intervalMs: 500 });
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
    await registerCluster(fx, second.server, access);
    await waitUntil('both apps valid and Synced', () => Promise.all([fx.getApp('by-name'), fx.getApp('by-server')]), (apps) => apps.every((a) => syncOf(a) === 'Synced' && (a.status?.conditions ?? []).length === 0), { timeoutMs: 60_000 });
  });
});
