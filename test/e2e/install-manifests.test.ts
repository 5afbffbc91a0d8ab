// The committed install manifests against the real API server: every object of manifests/install.yaml
// (into namespace argocd, as `kubectl apply -n argocd -f manifests/install.yaml` would),
// manifests/namespace-install.yaml and manifests/ha/install.yaml (each into a namespace of its own) is
// server-side applied and accepted; the Deployments' Pods become Ready; and each role's ServiceAccount
// has the rights the install means it to have — the server's cannot create a Deployment, the
// controller's can, the repo server's has no token and no rights.
//
// kwok's fake nodes run no container: a Pod is Ready because kwok says so, not because kawa started.
// The proof that the image runs as each role with these ServiceAccounts is test/e2e/install-roles.test.ts
// (podman). This file proves the manifests themselves.
//
// The CRDs: install.yaml's are crds.ts's exactly plus the helm.sh/resource-policy annotation
// (tools/manifests/manifests.test.ts checks that), i.e. what the rest of the suite installs with
// ensureCrds. They are applied for real with conflicts forced (same content, so nothing changes but that
// annotation, owned by this test's field manager); the other flavours carry the same CRDs and skip them.
// The CRDs are never deleted: other tests use them.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppsV1Api, AuthorizationV1Api, CoreV1Api, KubeConfig, PatchStrategy, PolicyV1Api, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { controllerPermissions } from '../../src/controller/permissions.js';
import { describePermission, missingPermissions } from '../../src/kube/access-review.js';
import { serverSideApply } from '../../src/kube/apply.js';
import { discoverApiResources, type ApiResource } from '../../src/kube/discovery.js';
import { kubeErrorStatus } from '../../src/kube/errors.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { kawaCrds } from '../../src/model/crds.js';
import { serverPermissions } from '../../src/server/permissions.js';
import { loadPins, pinnedBinary, projectRoot } from '../../src/tools/pins.js';
import { exec } from '../../src/util/exec.js';
import { TEST_FIELD_MANAGER, testKubeConfig, waitFor, waitUntil } from '../harness/kube.js';

const root = projectRoot();
const kc = testKubeConfig();
const suffix = randomBytes(3).toString('hex');

interface Flavour {
  readonly file: string;
  /** Where it is installed: argocd for install.yaml, as committed; a fresh namespace for the others. */
  readonly namespace: string;
  /** Objects as applied (namespace rewritten; cluster-scoped names suffixed so flavours do not clash). */
  objects: KubeObject[];
}

const flavours: Flavour[] = [
  { file: 'manifests/install.yaml', namespace: 'argocd', objects: [] },
  { file: 'manifests/namespace-install.yaml', namespace: `kawa-nsi-${suffix}`, objects: [] },
  { file: 'manifests/ha/install.yaml', namespace: `kawa-ha-${suffix}`, objects: [] },
];
const [install, namespaceInstall, ha] = flavours as [Flavour, Flavour, Flavour];

async function readManifest(file: string): Promise<KubeObject[]> {
  return parseAllDocuments(await readFile(path.join(root, file), 'utf8'))
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((obj): obj is KubeObject => obj !== null);
}

const nameOf = (obj: KubeObject): string => String(obj.metadata?.name);
const isClusterRbac = (obj: KubeObject): boolean => obj.kind === 'ClusterRole' || obj.kind === 'ClusterRoleBinding';

/**
 * A flavour's objects moved from namespace argocd to `namespace` (what `helm template --namespace` would
 * render): namespaced objects and binding subjects get the namespace; ClusterRoles and their bindings get
 * `-<namespace>` on their names, so two flavours' cluster-wide objects never clash.
 */
function relocate(objects: readonly KubeObject[], namespace: string): KubeObject[] {
  if (namespace === 'argocd') return objects.map((o) => structuredClone(o));
  return objects.map((original) => {
    const obj = structuredClone(original) as KubeObject & { subjects?: { namespace?: string }[]; roleRef?: { kind: string; name: string } };
    const metadata = obj.metadata ?? {};
    if (metadata.namespace !== undefined) metadata.namespace = namespace;
    if (isClusterRbac(obj)) metadata.name = `${String(metadata.name)}-${namespace}`;
    if (obj.roleRef?.kind === 'ClusterRole') obj.roleRef.name = `${obj.roleRef.name}-${namespace}`;
    for (const subject of obj.subjects ?? []) if (subject.namespace !== undefined) subject.namespace = namespace;
    return obj;
  });
}

const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);

/** Creates a namespace, first waiting for one of the same name that is still being deleted (an earlier run). */
async function freshNamespace(name: string): Promise<void> {
  await waitFor(`namespace ${name} gone or usable`, async () => {
    const existing = await core.readNamespace({ name }).catch((err: unknown) => (kubeErrorStatus(err) === 404 ? undefined : Promise.reject(err as Error)));
    if (existing === undefined) {
      await core.createNamespace({ body: { metadata: { name, labels: { 'kawa.dev/test': 'true' } } } });
      return true;
    }
    return existing.metadata?.deletionTimestamp === undefined ? true : undefined;
  }, { timeoutMs: 120_000, intervalMs: 1000 });
}

async function applyAll(rest: KubeRest, objects: readonly KubeObject[], resources: readonly ApiResource[]): Promise<KubeObject[]> {
  const applied: KubeObject[] = [];
  for (const obj of objects) {
    const [group = '', version] = (obj.apiVersion ?? '').includes('/') ? (obj.apiVersion ?? '').split('/') : ['', obj.apiVersion];
    const resource = resources.find((r) => r.group === group && r.kind === obj.kind);
    if (resource === undefined) throw new Error(`the API server serves no ${obj.apiVersion ?? ''} ${obj.kind ?? ''}`);
    applied.push(await serverSideApply(rest, { ...resource, version: version ?? resource.version }, obj, { fieldManager: TEST_FIELD_MANAGER, force: true }));
  }
  return applied;
}

/** A client acting as a ServiceAccount, with a short-lived token from the TokenRequest API (what a kubelet mounts). */
async function clientAs(namespace: string, serviceAccount: string): Promise<KubeConfig> {
  const answer = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 600 } },
  });
  const token = answer.status?.token;
  if (token === undefined) throw new Error(`no token for ${namespace}/${serviceAccount}`);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the test kubeconfig has no cluster');
  const asAccount = new KubeConfig();
  asAccount.loadFromOptions({
    clusters: [cluster],
    users: [{ name: serviceAccount, token }],
    contexts: [{ name: serviceAccount, cluster: cluster.name, user: serviceAccount }],
    currentContext: serviceAccount,
  });
  return asAccount;
}

/** `kubectl auth can-i` for a ServiceAccount: a SelfSubjectAccessReview sent with its own token. */
async function canI(account: KubeConfig, verb: string, group: string, resource: string, namespace?: string): Promise<boolean> {
  const review = await account.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
    body: { spec: { resourceAttributes: { verb, group, resource, ...(namespace === undefined ? {} : { namespace }) } } },
  });
  return review.status?.allowed === true;
}

/** A Deployment created with dryRun=All as the account: 201 when allowed (nothing is stored either way), else the refusal's status. */
async function createDeploymentAs(account: KubeConfig, namespace: string): Promise<number> {
  const body: V1Deployment = {
    metadata: { name: 'rbac-probe' },
    spec: { selector: { matchLabels: { app: 'rbac-probe' } }, template: { metadata: { labels: { app: 'rbac-probe' } }, spec: { containers: [{ name: 'c', image: 'example.invalid/none' }] } } },
  };
  return account
    .makeApiClient(AppsV1Api)
    .createNamespacedDeployment({ namespace, body, dryRun: 'All' })
    .then(() => 201, (err: unknown) => kubeErrorStatus(err) ?? 0);
}

beforeAll(async () => {
  const rest = new KubeRest(kc);
  try {
    for (const flavour of flavours) {
      flavour.objects = relocate(await readManifest(flavour.file), flavour.namespace);
      await freshNamespace(flavour.namespace);
    }
    // The CRDs first (install.yaml's; the other flavours carry the same), then discovery again.
    const crds = install.objects.filter((o) => o.kind === 'CustomResourceDefinition');
    await applyAll(rest, crds, (await discoverApiResources(rest)).resources);
    const { resources } = await discoverApiResources(rest);
    for (const flavour of flavours) flavour.objects = flavour.objects.filter((o) => o.kind !== 'CustomResourceDefinition' || flavour === install);
    // Each flavour in turn, every object: a refused one fails the whole file here, naming it.
    for (const flavour of flavours) await applyAll(rest, flavour.objects.filter((o) => o.kind !== 'CustomResourceDefinition'), resources);
  } finally {
    rest.close();
  }
}, 180_000);

afterAll(async () => {
  for (const flavour of flavours) await core.deleteNamespace({ name: flavour.namespace }).catch(() => undefined);
  const rest = new KubeRest(kc);
  try {
    for (const obj of flavours.flatMap((f) => f.objects).filter(isClusterRbac)) {
      await rest.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/${obj.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings'}/${nameOf(obj)}`).catch(() => undefined);
    }
  } finally {
    rest.close();
  }
});

describe('the install manifests on the real API server', () => {
  it('every object is accepted and stored as applied', async () => {
    const rest = new KubeRest(kc);
    try {
      const { resources } = await discoverApiResources(rest);
      for (const flavour of flavours) {
        expect(flavour.objects.length, flavour.file).toBeGreaterThan(15);
        for (const obj of flavour.objects) {
          const [group = ''] = (obj.apiVersion ?? '').includes('/') ? (obj.apiVersion ?? '').split('/') : [''];
          const resource = resources.find((r) => r.group === group && r.kind === obj.kind);
          const ns = obj.metadata?.namespace;
          const url = `${group === '' ? '/api/v1' : `/apis/${obj.apiVersion ?? ''}`}${ns === undefined ? '' : `/namespaces/${ns}`}/${resource?.resource ?? '?'}/${nameOf(obj)}`;
          const stored = (await rest.getJson(url)) as KubeObject;
          expect(stored.metadata?.labels, `${flavour.file} ${obj.kind}/${nameOf(obj)}`).toMatchObject(obj.metadata?.labels ?? {});
        }
      }
    } finally {
      rest.close();
    }
  });

  it("the CRDs are crds.ts's, unpruned, with the keep annotation", async () => {
    const rest = new KubeRest(kc);
    try {
      for (const crd of kawaCrds()) {
        const stored = (await rest.getJson(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`)) as KubeObject & { spec: typeof crd.spec };
        expect(stored.metadata?.annotations?.['helm.sh/resource-policy']).toBe('keep');
        expect(stored.spec.versions.map((v) => v.schema)).toEqual(crd.spec.versions.map((v) => v.schema));
      }
    } finally {
      rest.close();
    }
  });

  it("the Deployments' Pods become Ready (kwok marks them Ready without running a container; install-roles.test.ts runs the image)", async () => {
    for (const flavour of flavours) {
      for (const deployment of flavour.objects.filter((o) => o.kind === 'Deployment')) {
        const want = (deployment as V1Deployment).spec?.replicas ?? 1;
        await waitUntil(
          `${flavour.file}: Deployment ${flavour.namespace}/${nameOf(deployment)} with ${want} ready replicas`,
          () => apps.readNamespacedDeployment({ name: nameOf(deployment), namespace: flavour.namespace }),
          (d) => d.status?.readyReplicas === want && d.status.updatedReplicas === want,
          { timeoutMs: 90_000, intervalMs: 500 },
        );
      }
    }
    expect(ha.objects.filter((o) => o.kind === 'Deployment').map((d) => (d as V1Deployment).spec?.replicas)).toEqual([2, 2, 2]);
  });

  it('the repo server gets no ServiceAccount token; the controller and the server get theirs', async () => {
    const pods = await core.listNamespacedPod({ namespace: install.namespace });
    const byRole = (role: string) => pods.items.filter((p) => p.metadata?.labels?.['app.kubernetes.io/component'] === role);
    const tokenMounted = (role: string): boolean[] => byRole(role).map((p) => (p.spec?.volumes ?? []).some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken !== undefined) === true));
    expect(tokenMounted('repo-server')).toEqual([false]);
    expect(tokenMounted('application-controller')).toEqual([true]);
    expect(tokenMounted('server')).toEqual([true]);
  });

  it('HA: the PodDisruptionBudgets see every replica healthy', async () => {
    const policy = kc.makeApiClient(PolicyV1Api);
    for (const pdb of ha.objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
      const status = await waitUntil(
        `PodDisruptionBudget ${ha.namespace}/${nameOf(pdb)} healthy`,
        () => policy.readNamespacedPodDisruptionBudget({ name: nameOf(pdb), namespace: ha.namespace }),
        (p) => p.status?.currentHealthy === 2 && p.status.disruptionsAllowed === 1,
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(status.status?.expectedPods).toBe(2);
    }
  });

  it("install.yaml: the server's ServiceAccount cannot create a Deployment, the controller's can", async () => {
    const ns = install.namespace;
    const [controller, server, repoServer] = await Promise.all([clientAs(ns, 'kawa-application-controller'), clientAs(ns, 'kawa-server'), clientAs(ns, 'kawa-repo-server')]);
    expect(await createDeploymentAs(server, 'default')).toBe(403);
    expect(await createDeploymentAs(server, ns)).toBe(403);
    expect(await createDeploymentAs(controller, 'default')).toBe(201);
    // kubectl auth can-i --as=system:serviceaccount:argocd:<role> …
    const expectations: [KubeConfig, string, string, string, string, string | undefined, boolean][] = [
      [controller, 'controller', 'create', 'apps', 'deployments', 'default', true],
      [controller, 'controller', 'delete', '', 'namespaces', undefined, true],
      [controller, 'controller', 'impersonate', '', 'serviceaccounts', 'default', true],
      [controller, 'controller', 'update', 'coordination.k8s.io', 'leases', ns, true],
      [controller, 'controller', 'patch', 'argoproj.io', 'applications/status', ns, true],
      [server, 'server', 'create', 'apps', 'deployments', 'default', false],
      [server, 'server', 'update', 'apps', 'deployments', 'default', false],
      [server, 'server', 'create', '', 'pods', ns, false],
      [server, 'server', 'create', 'batch', 'jobs', 'default', false],
      [server, 'server', 'update', '', 'configmaps', ns, false],
      [server, 'server', 'impersonate', '', 'serviceaccounts', 'default', false],
      [server, 'server', 'create', 'rbac.authorization.k8s.io', 'clusterrolebindings', undefined, false],
      [server, 'server', 'watch', 'apps', 'deployments', undefined, true],
      [server, 'server', 'get', '', 'pods/log', 'default', true],
      // No patch or delete of live objects unless the chart's server.resourceActions is on.
      [server, 'server', 'delete', 'apps', 'deployments', 'default', false],
      [server, 'server', 'patch', 'apps', 'deployments', 'default', false],
      [server, 'server', 'create', 'argoproj.io', 'applications', ns, true],
      [server, 'server', 'update', '', 'secrets', ns, true],
      [server, 'server', 'create', '', 'secrets', 'default', false],
      [repoServer, 'repo-server', 'list', '', 'configmaps', ns, false],
      [repoServer, 'repo-server', 'get', '', 'secrets', ns, false],
      [repoServer, 'repo-server', 'list', 'argoproj.io', 'applications', ns, false],
    ];
    const seen = await Promise.all(expectations.map(async ([account, role, verb, group, resource, namespace]) => `${role} ${verb} ${group}/${resource} in ${namespace ?? '(cluster)'}: ${String(await canI(account, verb, group, resource, namespace))}`));
    expect(seen).toEqual(expectations.map(([, role, verb, group, resource, namespace, allowed]) => `${role} ${verb} ${group}/${resource} in ${namespace ?? '(cluster)'}: ${String(allowed)}`));
  });

  it('namespace-install.yaml: the controller and the server act in their own namespace only; the server still cannot create a Deployment', async () => {
    const ns = namespaceInstall.namespace;
    expect(namespaceInstall.objects.filter(isClusterRbac)).toEqual([]);
    const [controller, server] = await Promise.all([clientAs(ns, 'kawa-application-controller'), clientAs(ns, 'kawa-server')]);
    expect(await createDeploymentAs(controller, ns)).toBe(201);
    expect(await createDeploymentAs(controller, 'default')).toBe(403);
    expect(await createDeploymentAs(server, ns)).toBe(403);
    const expectations: [KubeConfig, string, string, string, string, string | undefined, boolean][] = [
      [controller, 'controller', 'list', 'apps', 'deployments', ns, true],
      [controller, 'controller', 'list', 'apps', 'deployments', undefined, false],
      [controller, 'controller', 'list', '', 'secrets', 'default', false],
      [server, 'server', 'list', 'apps', 'deployments', ns, true],
      [server, 'server', 'list', 'apps', 'deployments', 'default', false],
      [server, 'server', 'delete', 'apps', 'deployments', ns, false],
      [server, 'server', 'update', 'apps', 'deployments', ns, false],
      [server, 'server', 'create', '', 'secrets', ns, true],
    ];
    const seen = await Promise.all(expectations.map(async ([account, role, verb, group, resource, namespace]) => `${role} ${verb} ${group}/${resource} in ${namespace ?? '(cluster)'}: ${String(await canI(account, verb, group, resource, namespace))}`));
    expect(seen).toEqual(expectations.map(([, role, verb, group, resource, namespace, allowed]) => `${role} ${verb} ${group}/${resource} in ${namespace ?? '(cluster)'}: ${String(allowed)}`));
  });

  it('each flavour grants the controller and the server every permission they check at start', async () => {
    for (const flavour of flavours) {
      const namespaced = flavour === namespaceInstall;
      const checks = [
        ['kawa-application-controller', controllerPermissions(flavour.namespace, { namespaced })],
        ['kawa-server', serverPermissions(flavour.namespace, { namespaced })],
      ] as const;
      for (const [account, required] of checks) {
        const missing = await missingPermissions(await clientAs(flavour.namespace, account), required);
        expect(missing.map(describePermission), `${flavour.file}: ${account}`).toEqual([]);
      }
    }
  });
});

describe('upgrades keep what kawa wrote', () => {
  it('re-applying install.yaml (an upgrade) leaves argocd-secret\'s keys and argocd-cm\'s added keys alone', async () => {
    const ns = install.namespace;
    // What the server writes at its first start, and a key an administrator adds.
    await core.patchNamespacedSecret({ name: 'argocd-secret', namespace: ns, body: { data: { 'server.secretkey': Buffer.from('kept').toString('base64') } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await core.patchNamespacedConfigMap({ name: 'argocd-cm', namespace: ns, body: { data: { 'timeout.reconciliation': '300s' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const rest = new KubeRest(kc);
    try {
      const settings = install.objects.filter((o) => o.kind === 'Secret' || o.kind === 'ConfigMap');
      expect(settings.map(nameOf).sort()).toEqual(['argocd-cm', 'argocd-rbac-cm', 'argocd-secret']);
      await applyAll(rest, settings, (await discoverApiResources(rest)).resources);
    } finally {
      rest.close();
    }
    expect((await core.readNamespacedSecret({ name: 'argocd-secret', namespace: ns })).data).toEqual({ 'server.secretkey': Buffer.from('kept').toString('base64') });
    expect((await core.readNamespacedConfigMap({ name: 'argocd-cm', namespace: ns })).data).toEqual({ 'timeout.reconciliation': '300s' });
  });

  it('helm install, upgrade and uninstall with the pinned helm: the upgrade keeps argocd-secret, the uninstall removes the release', async () => {
    const helm = pinnedBinary(loadPins(root), 'helm');
    const ns = `kawa-helm-${suffix}`;
    const release = `kawa-${suffix}`;
    const home = await mkdtemp(path.join(tmpdir(), 'kawa-helm-home-'));
    // The CRDs exist already and belong to no release (helm would refuse to adopt them): left out here.
    const base = ['--namespace', ns, '--kubeconfig', inject('kubeconfig'), '--set', 'namespaced=true', '--set', 'crds.install=false'];
    const env = { ...process.env, HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') };
    const helmRun = (args: string[]) => exec(helm, args, { env, timeoutMs: 120_000 });
    try {
      await helmRun(['install', release, path.join(root, 'charts', 'kawa'), '--create-namespace', ...base]);
      const deployments = await apps.listNamespacedDeployment({ namespace: ns });
      expect(deployments.items.map((d) => d.metadata?.name).sort()).toEqual([`${release}-application-controller`, `${release}-repo-server`, `${release}-server`]);
      await core.patchNamespacedSecret({ name: 'argocd-secret', namespace: ns, body: { data: { 'server.secretkey': Buffer.from('kept').toString('base64') } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

      await helmRun(['upgrade', release, path.join(root, 'charts', 'kawa'), ...base, '--set', 'server.replicas=2', '--set', 'configs.cm.timeout\\.reconciliation=240s']);
      expect((await apps.readNamespacedDeployment({ name: `${release}-server`, namespace: ns })).spec?.replicas).toBe(2);
      expect((await core.readNamespacedConfigMap({ name: 'argocd-cm', namespace: ns })).data).toEqual({ 'timeout.reconciliation': '240s' });
      expect((await core.readNamespacedSecret({ name: 'argocd-secret', namespace: ns })).data).toEqual({ 'server.secretkey': Buffer.from('kept').toString('base64') });

      await helmRun(['uninstall', release, '--namespace', ns, '--kubeconfig', inject('kubeconfig'), '--wait']);
      expect((await apps.listNamespacedDeployment({ namespace: ns })).items).toEqual([]);
    } finally {
      await core.deleteNamespace({ name: ns }).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    }
  });
});
