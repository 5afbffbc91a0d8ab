// A namespace install (manifests/namespace-install.yaml, the chart with `namespaced=true`): the controller's
// identity holds the Role the chart renders for it, in its own namespace, and nothing cluster-wide. Against
// the real API server, with a TokenRequest token of that ServiceAccount, a controller run in-process with
// `namespaced: true` caches only its namespace (a list+watch per type there, no cluster-scoped types), syncs
// an app deploying into that namespace to Synced/Healthy, refuses an app targeting another namespace with a
// message naming the namespace and the cluster (nothing written there), and logs no forbidden list or watch.
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Role, type V1RoleBinding, type V1ServiceAccount } from '@kubernetes/client-node';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseAllDocuments } from 'yaml';
import { ClusterCache } from '../../src/kube/cache.js';
import { startServer } from '../../src/server/index.js';
import { loadPins, pinnedBinary, projectRoot } from '../../src/tools/pins.js';
import { exec } from '../../src/util/exec.js';
import { appSpec, configMapYaml, healthOf, syncOf, useController } from '../harness/controller.js';
import { testKubeConfig, useNamespace, waitFor } from '../harness/kube.js';

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

/** The chart's namespace install rendered into `namespace` with the pinned helm: every object's kind, and the RBAC objects of `role`. */
async function chartRender(namespace: string): Promise<{ kinds: string[]; rbacOf(role: string): { sa: V1ServiceAccount; role: V1Role; binding: V1RoleBinding } }> {
  const root = projectRoot();
  const helm = pinnedBinary(loadPins(root), 'helm');
  const out = await exec(helm, ['template', 'kawa', path.join(root, 'charts', 'kawa'), '--namespace', namespace, '--set', 'namespaced=true'], { timeoutMs: 120_000 });
  const docs = parseAllDocuments(out.stdout).map((d) => d.toJSON() as { kind?: string; metadata?: { name?: string } } | null).filter((d) => d !== null);
  const named = (kind: string, name: string): object => {
    const found = docs.find((d) => d.kind === kind && d.metadata?.name === name);
    if (found === undefined) throw new Error(`helm template rendered no ${kind} ${name}`);
    return found;
  };
  return {
    kinds: docs.map((d) => d.kind ?? ''),
    rbacOf: (role) => ({ sa: named('ServiceAccount', role), role: named('Role', role), binding: named('RoleBinding', role) as V1RoleBinding }),
  };
}

describe('namespace install: a controller whose only rights are the chart\'s namespaced Role', () => {
  const fx = useController({
    files: {
      'own/config.yaml': configMapYaml('own-config', 'one'),
      'own/deploy.yaml': deployment('own-web'),
      'other/config.yaml': configMapYaml('other-config', 'one'),
      'cluster/config.yaml': configMapYaml('cluster-config', 'one'),
      'cluster/role.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: kawa-e2e-namespace-install-reader\nrules: []\n',
    },
  });
  const log: LogLine[] = [];
  let serverKc: KubeConfig;
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
    const render = await chartRender(fx.ns);
    // A namespace install has no cluster-wide rights at all (the point of this test).
    expect(render.kinds).not.toContain('ClusterRole');
    expect(render.kinds).not.toContain('ClusterRoleBinding');
    /** The role's ServiceAccount, Role and RoleBinding as the chart renders them; a kubeconfig with a TokenRequest token for it. */
    const identity = async (roleName: string): Promise<KubeConfig> => {
      const { sa, role, binding } = render.rbacOf(roleName);
      await core.createNamespacedServiceAccount({ namespace: fx.ns, body: sa });
      await rbac.createNamespacedRole({ namespace: fx.ns, body: role });
      await rbac.createNamespacedRoleBinding({ namespace: fx.ns, body: binding });
      const token = await core.createNamespacedServiceAccountToken({ name: roleName, namespace: fx.ns, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
      const cluster = fx.kc.getCurrentCluster();
      if (cluster === null || token.status?.token === undefined) throw new Error('no cluster or token');
      const kc = new KubeConfig();
      kc.loadFromOptions({ clusters: [cluster], users: [{ name: roleName, token: token.status.token }], contexts: [{ name: roleName, cluster: cluster.name, user: roleName }], currentContext: roleName });
      // RBAC reaches the authorizer through an informer: wait until the token may list ConfigMaps here.
      await waitFor(`the Role ${roleName} to take effect`, async () =>
        kc
          .makeApiClient(CoreV1Api)
          .listNamespacedConfigMap({ namespace: fx.ns })
          .then(
            () => true,
            () => undefined,
          ),
      );
      return kc;
    };
    const kc = await identity('kawa-application-controller');
    serverKc = await identity('kawa-server');
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

  it('refuses a cluster-scoped object (no clusterResources), and applies nothing of that app', async () => {
    const expected = `cluster-scoped resources are not managed on cluster in-cluster: cluster in-cluster (${IN_CLUSTER}) manages only namespace ${fx.ns} (clusterResources is not enabled); refusing to apply ClusterRole kawa-e2e-namespace-install-reader`;
    await fx.createApp('cluster-wide', appSpec(fx.repoURL, fx.ns, 'cluster'), { operation: { sync: { revision: 'HEAD' }, initiatedBy: { username: 'admin' } } });
    const app = await fx.waitApp('cluster-wide', 'its sync to fail', (a) => a.status?.operationState?.phase === 'Failed' && (a.status.conditions ?? []).length > 0);
    expect(app.status?.operationState?.message).toContain(expected);
    expect(app.status?.conditions?.map((c) => [c.type, c.message])).toEqual([['InvalidSpecError', expected]]);
    // Refused before any request: not even the ConfigMap in its own namespace was applied.
    await expect(fx.core.readNamespacedConfigMap({ name: 'cluster-config', namespace: fx.ns })).rejects.toMatchObject({ code: 404 });
  });

  it('serves the resource tree, a live object and events of the app as the server\'s own namespaced identity, with no forbidden request', async () => {
    const serverLog: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => serverLog.push(line) });
    const server = await startServer({ kubeConfig: serverKc, namespace: fx.ns, namespaced: true, host: '127.0.0.1', port: 0, logger });
    try {
      const secret = await fx.core.readNamespacedSecret({ name: 'argocd-initial-admin-secret', namespace: fx.ns });
      const password = Buffer.from(secret.data?.['password'] ?? '', 'base64').toString('utf8');
      const login = await fetch(`${server.address}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const get = async (url: string): Promise<unknown> => {
        const res = await fetch(`${server.address}${url}`, { headers: { authorization: `Bearer ${token}` } });
        const body = await res.text();
        expect([url, res.status, res.status === 200 ? '' : body]).toEqual([url, 200, '']);
        return JSON.parse(body) as unknown;
      };
      const tree = (await get('/api/v1/applications/own/resource-tree')) as { nodes: { kind: string; name: string; namespace?: string; uid?: string }[] };
      const kinds = tree.nodes.map((n) => `${n.kind}/${n.namespace ?? ''}`).sort();
      expect(kinds).toEqual(expect.arrayContaining([`ConfigMap/${fx.ns}`, `Deployment/${fx.ns}`, `ReplicaSet/${fx.ns}`]));
      const web = tree.nodes.find((n) => n.kind === 'Deployment' && n.name === 'own-web');
      const live = (await get(`/api/v1/applications/own/resource?namespace=${fx.ns}&resourceName=own-web&group=apps&kind=Deployment&version=v1`)) as { manifest: string };
      expect((JSON.parse(live.manifest) as { metadata: { name: string } }).metadata.name).toBe('own-web');
      const events = (await get(`/api/v1/applications/own/events?resourceName=own-web&resourceNamespace=${fx.ns}&resourceUID=${web?.uid ?? ''}`)) as { items?: unknown[] };
      expect(Array.isArray(events.items)).toBe(true);
      // The API lists the in-cluster destination as limited to this namespace, without cluster-scoped resources.
      const clusters = (await get('/api/v1/clusters')) as { items: { server: string; namespaces?: string[]; clusterResources?: boolean }[] };
      const inCluster = clusters.items.find((c) => c.server === IN_CLUSTER);
      expect([inCluster?.namespaces, inCluster?.clusterResources]).toEqual([[fx.ns], undefined]);
      // The server's cache lists and watches this namespace only: no 403 from the API server anywhere.
      expect(serverLog.filter((line) => /forbidden|"status":403/i.test(line))).toEqual([]);
    } finally {
      await server.close();
    }
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

  it('manages another namespace once a cluster Secret for in-cluster names it (and the Role is granted there)', async () => {
    // The install's admin grants the controller the same Role in the other namespace, and says so in a cluster Secret.
    const rbac = fx.kc.makeApiClient(RbacAuthorizationV1Api);
    const { role, binding } = (await chartRender(fx.ns)).rbacOf('kawa-application-controller');
    await rbac.createNamespacedRole({ namespace: fx.dest, body: { rules: role.rules ?? [], metadata: { name: 'kawa-application-controller', namespace: fx.dest } } });
    await rbac.createNamespacedRoleBinding({ namespace: fx.dest, body: { roleRef: binding.roleRef, subjects: binding.subjects ?? [], metadata: { name: 'kawa-application-controller', namespace: fx.dest } } });
    await fx.core.createNamespacedSecret({
      namespace: fx.ns,
      body: {
        metadata: { name: 'in-cluster', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
        stringData: { name: 'in-cluster', server: IN_CLUSTER, namespaces: `${fx.ns},${fx.dest}` },
      },
    });
    await waitFor('the in-cluster cache to follow both namespaces', () => Promise.resolve(inClusterCache().scope().namespaces.length === 2 ? true : undefined));
    expect(inClusterCache().scope()).toEqual({ namespaces: [fx.ns, fx.dest].sort(), clusterResources: false });
    await fx.waitApp('other', 'no refusal any more', (a) => (a.status?.conditions ?? []).length === 0);
    await fx.patchApp('other', { operation: { sync: { revision: 'HEAD' }, initiatedBy: { username: 'admin' } } });
    await fx.waitApp('other', 'Synced', (a) => syncOf(a) === 'Synced' && a.status?.operationState?.phase === 'Succeeded');
    const live = await fx.core.readNamespacedConfigMap({ name: 'other-config', namespace: fx.dest });
    expect(live.data).toEqual({ value: 'one' });
    expect(forbidden().map((l) => `${l.msg}: ${JSON.stringify(l.obj)}`)).toEqual([]);
  });
});

describe('ClusterCache limited to namespaces (a cluster Secret\'s `namespaces`)', () => {
  const a = useNamespace('nscache-a');
  const b = useNamespace('nscache-b');
  const c = useNamespace('nscache-c');

  it('lists and watches each managed namespace, and nothing of the others nor cluster-scoped types', async () => {
    const kc = testKubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    for (const ns of [a, b, c]) await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'before' } } });
    const cache = new ClusterCache({ kubeConfig: kc, namespaces: [a.name, b.name], clusterResources: false });
    try {
      await cache.start();
      await cache.synced();
      const configMaps = (): string[] => cache.list({ group: '', kind: 'ConfigMap' }).filter((o) => o.metadata?.name !== 'kube-root-ca.crt').map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`).sort();
      expect(configMaps()).toEqual([`${a.name}/before`, `${b.name}/before`]);
      const stats = cache.stats().types['/ConfigMap'];
      // One list and one watch per managed namespace.
      expect([stats?.lists, stats?.namespaced]).toEqual([2, true]);
      expect(cache.isWatched({ group: '', kind: 'Namespace' })).toBe(false);
      expect(cache.isWatched({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' })).toBe(false);
      // Watch events of each managed namespace arrive; the other namespace's do not.
      for (const ns of [a, b, c]) await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'after' } } });
      await waitFor('the watch events', () => Promise.resolve(configMaps().length === 4 ? true : undefined));
      expect(configMaps()).toEqual([`${a.name}/after`, `${a.name}/before`, `${b.name}/after`, `${b.name}/before`]);
      expect(cache.getByRef({ group: '', kind: 'ConfigMap', namespace: b.name, name: 'after' })?.metadata?.name).toBe('after');
      expect(cache.objectsInNamespace(c.name)).toEqual([]);
      await core.deleteNamespacedConfigMap({ name: 'before', namespace: b.name });
      await waitFor('the deletion', () => Promise.resolve(configMaps().length === 3 ? true : undefined));
    } finally {
      await cache.stop();
      cache.rest.close();
    }
  });
});
