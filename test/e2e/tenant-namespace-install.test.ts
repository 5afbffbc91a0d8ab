// A namespace install (manifests/namespace-install.yaml, the chart with `namespaced=true`): the controller's
// identity holds the Role the chart renders for it, in its own namespace, and nothing cluster-wide. Against
// the real API server, with a TokenRequest token of that ServiceAccount, a controller run in-process with
// `namespaced: true` caches only its namespace (a list+watch per type there, no cluster-scoped types), syncs
// an app deploying into that namespace to Synced/Healthy, refuses an app targeting another namespace with a
// message naming the namespace and the cluster (nothing written there), and logs no forbidden list or watch.
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Role, type V1RoleBinding, type V1ServiceAccount } from '@kubernetes/client-node';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { ClusterCache } from '../../src/kube/cache.js';
import { loadPins, pinnedBinary, projectRoot } from '../../src/tools/pins.js';
import { exec } from '../../src/util/exec.js';
import { appSpec, configMapYaml, healthOf, syncOf, useController } from '../harness/controller.js';
import { waitFor } from '../harness/kube.js';

const IN_CLUSTER = 'https://kubernetes.default.svc';

const deployment = (name: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: main
          image: nginx:1.27
`;

interface LogLine {
  level: string;
  msg: string;
  obj: Record<string, unknown>;
}

/** The chart's objects for the controller in a namespace install rendered into `namespace`, with the pinned helm. */
async function chartControllerRbac(namespace: string): Promise<{ sa: V1ServiceAccount; role: V1Role; binding: V1RoleBinding; kinds: string[] }> {
  const root = projectRoot();
  const helm = pinnedBinary(loadPins(root), 'helm');
  const out = await exec(helm, ['template', 'kawa', path.join(root, 'charts', 'kawa'), '--namespace', namespace, '--set', 'namespaced=true'], { timeoutMs: 120_000 });
  const docs = parseAllDocuments(out.stdout).map((d) => d.toJSON() as { kind?: string; metadata?: { name?: string } } | null).filter((d) => d !== null);
  const named = (kind: string): object => {
    const found = docs.find((d) => d.kind === kind && d.metadata?.name === 'kawa-application-controller');
    if (found === undefined) throw new Error(`helm template rendered no ${kind} kawa-application-controller`);
    return found;
  };
  return { sa: named('ServiceAccount'), role: named('Role'), binding: named('RoleBinding') as V1RoleBinding, kinds: docs.map((d) => d.kind ?? '') };
}

describe('namespace install: a controller whose only rights are the chart\'s namespaced Role', () => {
  const fx = useController({
    files: {
      'own/config.yaml': configMapYaml('own-config', 'one'),
      'own/deploy.yaml': deployment('own-web'),
      'other/config.yaml': configMapYaml('other-config', 'one'),
    },
  });
  const log: LogLine[] = [];
  const record =
    (level: string) =>
    (obj: object, msg: string): void => {
      log.push({ level, msg, obj: obj as Record<string, unknown> });
    };
  /** Warnings and errors that say a list or watch was refused (403). */
  const forbidden = (): LogLine[] => log.filter((l) => (l.level === 'warn' || l.level === 'error') && (l.obj['status'] === 403 || /forbidden/i.test(JSON.stringify(l.obj['err'] ?? ''))));

  beforeAll(async () => {
    const rbac = fx.kc.makeApiClient(RbacAuthorizationV1Api);
    const core = fx.kc.makeApiClient(CoreV1Api);
    const { sa, role, binding, kinds } = await chartControllerRbac(fx.ns);
    // A namespace install has no cluster-wide rights at all (the point of this test).
    expect(kinds).not.toContain('ClusterRole');
    expect(kinds).not.toContain('ClusterRoleBinding');
    await core.createNamespacedServiceAccount({ namespace: fx.ns, body: sa });
    await rbac.createNamespacedRole({ namespace: fx.ns, body: role });
    await rbac.createNamespacedRoleBinding({ namespace: fx.ns, body: binding });
    const name = sa.metadata?.name ?? '';
    const token = await core.createNamespacedServiceAccountToken({ name, namespace: fx.ns, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const cluster = fx.kc.getCurrentCluster();
    if (cluster === null || token.status?.token === undefined) throw new Error('no cluster or token');
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [cluster], users: [{ name, token: token.status.token }], contexts: [{ name, cluster: cluster.name, user: name }], currentContext: name });
    // RBAC reaches the authorizer through an informer: wait until the token may list ConfigMaps here.
    await waitFor('the Role to take effect', async () => {
      const asSa = kc.makeApiClient(CoreV1Api);
      return asSa.listNamespacedConfigMap({ namespace: fx.ns }).then(
        () => true,
        () => undefined,
      );
    });
    // The admin controller the fixture started goes; the namespaced one, as the install's ServiceAccount, comes.
    await fx.restart({ kubeConfig: kc, namespaced: true, log: { info: record('info'), warn: record('warn'), error: record('error'), debug: record('debug') } });
  });

  const inClusterCache = (): ClusterCache => {
    const handle = (fx.controller as unknown as { registry: { get(server: string): { cache: ClusterCache } | undefined } }).registry.get(IN_CLUSTER);
    if (handle === undefined) throw new Error('no in-cluster handle');
    return handle.cache;
  };

  it('syncs an app deploying into its own namespace to Synced/Healthy', async () => {
    await fx.createApp('own', appSpec(fx.repoURL, fx.ns, 'own', { syncPolicy: { automated: {} } }));
    const app = await fx.waitApp('own', 'Synced and Healthy', (a) => syncOf(a) === 'Synced' && healthOf(a) === 'Healthy', { timeoutMs: 90_000 });
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    expect(app.status?.conditions ?? []).toEqual([]);
    const live = await fx.core.readNamespacedConfigMap({ name: 'own-config', namespace: fx.ns });
    expect(live.data).toEqual({ value: 'one' });
  });

  it('refuses an app targeting another namespace, naming the namespace and the cluster, and writes nothing there', async () => {
    const expected = `namespace ${fx.dest} is not managed on cluster in-cluster: cluster in-cluster (${IN_CLUSTER}) manages only namespace ${fx.ns}; refusing to apply ConfigMap ${fx.dest}/other-config`;
    await fx.createApp('other', appSpec(fx.repoURL, fx.dest, 'other'), { operation: { sync: { revision: 'HEAD' }, initiatedBy: { username: 'admin' } } });
    const app = await fx.waitApp('other', 'its sync to fail', (a) => a.status?.operationState?.phase === 'Failed' && (a.status.conditions ?? []).length > 0);
    expect(app.status?.operationState?.message).toContain(expected);
    expect(app.status?.conditions?.map((c) => [c.type, c.message])).toEqual([['InvalidSpecError', expected]]);
    await expect(fx.core.readNamespacedConfigMap({ name: 'other-config', namespace: fx.dest })).rejects.toMatchObject({ code: 404 });
  });

  it('caches its namespace only (no cluster-scoped type), with no forbidden list or watch in the log', () => {
    const cache = inClusterCache();
    expect(cache.scope()).toEqual({ namespaces: [fx.ns], clusterResources: false });
    const stats = cache.stats();
    const types = Object.entries(stats.types);
    expect(types.length).toBeGreaterThan(10);
    // Every watched type is namespaced and listed; none failed once.
    expect(types.filter(([, t]) => !t.namespaced).map(([gk]) => gk)).toEqual([]);
    expect(types.filter(([, t]) => !t.synced || t.errors > 0).map(([gk, t]) => `${gk}: ${t.lastError ?? 'not synced'}`)).toEqual([]);
    expect(cache.unsyncedTypes()).toEqual([]);
    // The cache holds objects of this namespace only.
    const namespaces = new Set(types.flatMap(([gk]) => cache.list({ group: gk.slice(0, gk.indexOf('/')), kind: gk.slice(gk.indexOf('/') + 1) }).map((o) => o.metadata?.namespace ?? '')));
    expect([...namespaces]).toEqual([fx.ns]);
    expect(forbidden().map((l) => `${l.msg}: ${JSON.stringify(l.obj)}`)).toEqual([]);
  });
});
