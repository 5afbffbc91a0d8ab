// Issue 13 item 6: patching or deleting a live resource of an app needs Argo CD 3's fine-grained action
// (`update/<group>/<kind>/<ns>/<name>`, `delete/…`), not plain `update`/`delete` on the app, unless argocd-cm
// `server.rbac.disableApplicationFineGrainedRBACInheritance` is "false". The attack: a tenant allowed to
// edit an Application's spec (`applications, update`) reaches into the cluster through the app and
// rewrites or deletes its live objects (a Deployment's image, a Secret) without Git or a sync. Against the
// real API server with the standalone server's own live-state cache; every refusal is checked on the live
// object too.
import { AppsV1Api, CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareDesired } from '../../src/engine/compare.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { changePassword } from '../../src/server/auth/index.js';
import { serverSideApply, testKubeConfig, useNamespace, waitUntil } from '../harness/kube.js';
import { PASSWORD, useApiServer, type Json } from '../harness/server-api.js';

const USERS = ['editor', 'patcher', 'janitor'] as const;
const POLICY = `
p, editor, applications, get, default/*, allow
p, editor, applications, update, default/*, allow
p, editor, applications, delete, default/*, allow
p, role:deployment-patcher, applications, get, default/*, allow
p, role:deployment-patcher, applications, update/apps/Deployment/*/*, default/*, allow
g, patcher, role:deployment-patcher
p, janitor, applications, delete/*/*/*/*, default/*, allow
p, janitor, applications, delete//Secret/*/*, default/*, deny
`;

const api = useApiServer('rbacfg', {
  configMap: () => Object.fromEntries(USERS.map((u) => [`accounts.${u}`, 'login'])),
  rbacPolicy: POLICY,
});
const dest = useNamespace('rbacfg-dest');
// Unique per run: objects of an earlier run (in a namespace still terminating) must not count as this app's.
const APP = `fg-${Date.now().toString(36)}`;
const INHERITANCE_KEY = 'server.rbac.disableApplicationFineGrainedRBACInheritance';

const tokens: Record<string, string> = {};
let apps: AppsV1Api;
let core: CoreV1Api;

/** `body` goes out as JSON; POST …/resource takes its patch as a JSON string, so pass `patch` there. */
async function call(method: 'GET' | 'POST' | 'DELETE', url: string, user: string, send: { body?: Json; patch?: Json } = {}) {
  const payload = send.patch !== undefined ? JSON.stringify(JSON.stringify(send.patch)) : send.body !== undefined ? JSON.stringify(send.body) : undefined;
  const res = await api.app.inject({
    method,
    url,
    headers: { ...api.auth(tokens[user] ?? ''), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: res.statusCode, body: res.body === '' ? {} : res.json<Json>() };
}

const query = (kind: string, name: string, group = ''): string => `namespace=${dest.name}&resourceName=${name}&kind=${kind}${group === '' ? '' : `&group=${group}`}`;
const patchResource = (user: string, kind: string, name: string, group: string, patch: Json) =>
  call('POST', `/api/v1/applications/${APP}/resource?${query(kind, name, group)}&patchType=merge`, user, { patch });
const deleteResource = (user: string, kind: string, name: string, group = '') => call('DELETE', `/api/v1/applications/${APP}/resource?${query(kind, name, group)}`, user);
const mark = (who: string): Json => ({ metadata: { annotations: { 'kawa.test/patched-by': who } } });

async function deploymentMark(name: string): Promise<string | undefined> {
  const d = await apps.readNamespacedDeployment({ name, namespace: dest.name });
  return d.metadata?.annotations?.['kawa.test/patched-by'];
}

async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
}

/** Gone, or on its way out (foreground deletion waits for the garbage collector to remove dependents). */
async function deleted(read: () => Promise<{ metadata?: { deletionTimestamp?: unknown } }>): Promise<boolean> {
  try {
    return (await read()).metadata?.deletionTimestamp !== undefined;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return true;
    throw err;
  }
}

async function setInheritance(value: string | undefined): Promise<void> {
  const cm = await core.readNamespacedConfigMap({ name: 'argocd-cm', namespace: api.ns });
  const data = Object.fromEntries(Object.entries(cm.data ?? {}).filter(([key]) => key !== INHERITANCE_KEY));
  if (value !== undefined) data[INHERITANCE_KEY] = value;
  await core.replaceNamespacedConfigMap({ name: 'argocd-cm', namespace: api.ns, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: cm.metadata, data } });
  await api.reloadRbac();
}

const deployment = (name: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
  },
});

beforeAll(async () => {
  const kc = testKubeConfig();
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
  for (const user of USERS) await changePassword(api.accounts, user, PASSWORD);
  for (const user of USERS) tokens[user] = await api.loginAs(user);
  tokens['admin'] = api.adminToken;

  const created = await call('POST', '/api/v1/applications', 'admin', {
    body: {
      metadata: { name: APP },
      spec: { project: 'default', source: { repoURL: 'https://git.example.invalid/apps.git', path: 'web', targetRevision: 'HEAD' }, destination: { server: 'https://kubernetes.default.svc', namespace: dest.name } },
    },
  });
  expect(created.status).toBe(200);
  // What a sync would leave behind: the objects with the app's tracking marks.
  const objects: KubeObject[] = [
    deployment('web'),
    deployment('api'),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { colour: 'blue' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: 'hunter2' } },
  ];
  const noDiscovery = { getByRef: () => undefined, objectsOf: () => [], lookupResource: () => undefined };
  for (const { object } of prepareDesired(APP, objects, noDiscovery, { destinationNamespace: dest.name })) await serverSideApply(kc, object as KubernetesObject);
  // A Deployment of the namespace that is not the app's.
  await serverSideApply(kc, { ...deployment('bystander'), metadata: { name: 'bystander', namespace: dest.name } });
  await waitUntil(
    "the app's objects in its resource tree",
    async () => ((await call('GET', `/api/v1/applications/${APP}/resource-tree`, 'admin')).body['nodes'] as Json[] | undefined) ?? [],
    (nodes) => ['web', 'api', 'settings', 'creds'].every((name) => nodes.some((n) => n['name'] === name)),
    { timeoutMs: 60_000 },
  );
});

describe('fine-grained RBAC on live resources', () => {
  it('with inheritance disabled (the default), plain update/delete on the app cannot patch or delete its Deployment', async () => {
    expect((await patchResource('editor', 'Deployment', 'web', 'apps', mark('editor'))).status).toBe(403);
    expect((await deleteResource('editor', 'Deployment', 'web', 'apps')).status).toBe(403);
    expect(await deploymentMark('web')).toBeUndefined();
    expect(await deleted(() => apps.readNamespacedDeployment({ name: 'web', namespace: dest.name }))).toBe(false);
    // The same user may still edit the Application itself: only its live resources are out of reach.
    const app = await call('GET', `/api/v1/applications/${APP}`, 'editor');
    expect(app.status).toBe(200);
  });

  it('update/apps/Deployment/*/* patches a Deployment of the app, and nothing else', async () => {
    const patched = await patchResource('patcher', 'Deployment', 'web', 'apps', mark('patcher'));
    expect(patched.status).toBe(200);
    expect(await deploymentMark('web')).toBe('patcher');

    expect((await deleteResource('patcher', 'Deployment', 'web', 'apps')).status).toBe(403);
    expect(await deleted(() => apps.readNamespacedDeployment({ name: 'web', namespace: dest.name }))).toBe(false);

    expect((await patchResource('patcher', 'ConfigMap', 'settings', '', { data: { colour: 'red' } })).status).toBe(403);
    expect((await core.readNamespacedConfigMap({ name: 'settings', namespace: dest.name })).data).toEqual({ colour: 'blue' });

    // A Deployment the app does not manage is not reachable through it, whatever the rule says.
    expect((await patchResource('patcher', 'Deployment', 'bystander', 'apps', mark('patcher'))).status).toBe(404);
    expect(await deploymentMark('bystander')).toBeUndefined();
  });

  it('refuses request text that would make the action name another resource', async () => {
    const crafted = await call('POST', `/api/v1/applications/${APP}/resource?namespace=${dest.name}&resourceName=web&kind=Deployment/x&group=apps&patchType=merge`, 'patcher', { patch: mark('crafted') });
    expect(crafted.status).toBe(400);
    expect(await deploymentMark('web')).toBe('patcher');
  });

  it('a deny on Secrets holds against a broad delete rule', async () => {
    expect((await deleteResource('janitor', 'Secret', 'creds')).status).toBe(403);
    expect(await exists(() => core.readNamespacedSecret({ name: 'creds', namespace: dest.name }))).toBe(true);
    expect((await deleteResource('janitor', 'ConfigMap', 'settings')).status).toBe(200);
    expect(await deleted(() => core.readNamespacedConfigMap({ name: 'settings', namespace: dest.name }))).toBe(true);
  });

  it('with inheritance enabled in argocd-cm, plain update/delete reach the resources again; disabling it again closes them', async () => {
    await setInheritance('false');
    const patched = await patchResource('editor', 'Deployment', 'web', 'apps', mark('editor'));
    expect(patched.status).toBe(200);
    expect(await deploymentMark('web')).toBe('editor');
    // The fine-grained rules keep their meaning: patcher still cannot delete.
    expect((await deleteResource('patcher', 'Deployment', 'api', 'apps')).status).toBe(403);
    expect(await deleted(() => apps.readNamespacedDeployment({ name: 'api', namespace: dest.name }))).toBe(false);

    expect((await deleteResource('editor', 'Deployment', 'web', 'apps')).status).toBe(200);
    expect(await deleted(() => apps.readNamespacedDeployment({ name: 'web', namespace: dest.name }))).toBe(true);

    await setInheritance('true');
    expect((await deleteResource('editor', 'Deployment', 'api', 'apps')).status).toBe(403);
    expect((await patchResource('editor', 'Deployment', 'api', 'apps', mark('editor'))).status).toBe(403);
    expect(await deploymentMark('api')).toBeUndefined();
    expect(await deleted(() => apps.readNamespacedDeployment({ name: 'api', namespace: dest.name }))).toBe(false);
  });

  it('deletes with orphan as Argo CD does: the Deployment goes, its ReplicaSet stays', async () => {
    const replicaSets = async () => (await apps.listNamespacedReplicaSet({ namespace: dest.name, labelSelector: 'app=api' })).items;
    const [rs] = await waitUntil('the ReplicaSet of api', replicaSets, (items) => items.length === 1, { timeoutMs: 60_000 });
    expect((await call('DELETE', `/api/v1/applications/${APP}/resource?${query('Deployment', 'api', 'apps')}&orphan=true`, 'janitor')).status).toBe(200);
    await waitUntil('api to be gone', () => exists(() => apps.readNamespacedDeployment({ name: 'api', namespace: dest.name })), (present) => !present, { timeoutMs: 60_000 });
    const left = await replicaSets();
    expect(left.map((r) => [r.metadata?.uid, r.metadata?.ownerReferences ?? []])).toEqual([[rs?.metadata?.uid, []]]);
  });
});
