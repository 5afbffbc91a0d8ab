// Sync impersonation on the real control plane (RBAC on): with argocd-cm
// `application.sync.impersonation.enabled: "true"`, a project's apps sync as the service account its
// `destinationServiceAccounts` name, not with the controller's cluster-wide rights. The account here may
// only manage ConfigMaps in the destination namespace: a ConfigMap syncs; a Role (the tenant's way to
// escalate), a hook Job, a prune or a deletion of a Secret fail with the API server's own "forbidden"
// naming the account, and none of them is written. No matching entry is a refusal, never a fallback to
// the controller. With impersonation off, the same app syncs as the controller. A running operation
// whose account can no longer be derived (resumed after the project changed) fails at its next step.
import { RbacAuthorizationV1Api, BatchV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncApp } from '../../src/engine/index.js';
import type { KubeObject } from '../../src/kube/objects.js';
import type { Application } from '../../src/model/index.js';
import { appSpec, configMapYaml, presyncJobYaml, useController, type ControllerFixture } from '../harness/controller.js';
import { configMap, configMapNames, recorder, useEngine } from '../harness/engine.js';
import { waitFor, waitUntil } from '../harness/kube.js';

const IN_CLUSTER = 'https://kubernetes.default.svc';
const ENABLED = { 'application.sync.impersonation.enabled': 'true' };

const roleYaml = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: tenant-admin
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
`;

const finished = (a: Application): boolean => a.operation === undefined && (a.status?.operationState?.phase === 'Succeeded' || a.status?.operationState?.phase === 'Failed' || a.status?.operationState?.phase === 'Error');

/** A manual sync, and the finished operation. */
async function syncApp(fx: ControllerFixture, name: string, sync: Record<string, unknown> = {}): Promise<Application> {
  const before = (await fx.getApp(name)).status?.operationState?.startedAt;
  await fx.patchApp(name, { operation: { sync, initiatedBy: { username: 'admin' } } });
  return fx.waitApp(name, 'operation finished', (a) => finished(a) && (a.status?.operationState?.startedAt !== before || before === undefined));
}

describe('sync impersonation: a tenant app acts as its project service account', () => {
  const fx = useController({
    files: {
      'configmap/cm.yaml': configMapYaml('tenant-config', '1'),
      'escalate/cm.yaml': configMapYaml('escalate-config', '1'),
      'escalate/role.yaml': roleYaml,
      'hooked/cm.yaml': configMapYaml('hooked-config', '1'),
      'hooked/job.yaml': presyncJobYaml,
      'pruned/cm.yaml': configMapYaml('pruned-config', '1'),
      'deleted/cm.yaml': configMapYaml('deleted-config', '1'),
      'probe/cm.yaml': configMapYaml('probe-config', '1'),
    },
  });
  let sa = '';
  let rbac: RbacAuthorizationV1Api;

  const exists = async (read: () => Promise<unknown>): Promise<boolean> => read().then(() => true, () => false);
  const configMapExists = (name: string): Promise<boolean> => exists(() => fx.core.readNamespacedConfigMap({ name, namespace: fx.dest }));
  const secretExists = (name: string): Promise<boolean> => exists(() => fx.core.readNamespacedSecret({ name, namespace: fx.dest }));
  const roleExists = (): Promise<boolean> => exists(() => rbac.readNamespacedRole({ name: 'tenant-admin', namespace: fx.dest }));
  /** A Secret the app tracks (so prune and deletion want it gone) that the account may not touch. */
  const plantTrackedSecret = async (app: string, name: string): Promise<void> => {
    await fx.core.createNamespacedSecret({
      namespace: fx.dest,
      body: { metadata: { name, namespace: fx.dest, annotations: { 'argocd.argoproj.io/tracking-id': `${app}:/Secret:${fx.dest}/${name}` } }, stringData: { k: 'v' } },
    });
  };

  /**
   * The controller reads argocd-cm through its watch: sync the probe app (its project has no entry for
   * the destination) until it shows the setting is in effect, so no later assertion races the watch.
   */
  const settle = async (enabled: boolean): Promise<void> => {
    for (let i = 0; i < 20; i++) {
      const app = await syncApp(fx, 'probe');
      const refused = app.status?.operationState?.message?.includes('no matching service account found') === true;
      if (refused === enabled) return;
    }
    throw new Error(`the controller never saw impersonation ${enabled ? 'enabled' : 'disabled'}`);
  };

  beforeAll(async () => {
    rbac = fx.kc.makeApiClient(RbacAuthorizationV1Api);
    sa = `system:serviceaccount:${fx.dest}:deployer`;
    await fx.core.createNamespacedServiceAccount({ namespace: fx.dest, body: { metadata: { name: 'deployer' } } });
    await rbac.createNamespacedRole({
      namespace: fx.dest,
      body: { metadata: { name: 'configmaps-only' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: fx.dest,
      body: { metadata: { name: 'deployer' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmaps-only' }, subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: fx.dest }] },
    });
    await fx.createProject('tenant', { destinationServiceAccounts: [{ server: IN_CLUSTER, namespace: fx.dest, defaultServiceAccount: 'deployer' }] });
    // The probe's project names an account for another namespace only.
    await fx.createProject('elsewhere', { destinationServiceAccounts: [{ server: IN_CLUSTER, namespace: 'somewhere-else', defaultServiceAccount: 'deployer' }] });
    await fx.createApp('probe', { ...appSpec(fx.repoURL, fx.dest, 'probe'), project: 'elsewhere' });
    await fx.setArgoCdCm(ENABLED);
    await settle(true);
  });
  afterAll(async () => {
    await fx.setArgoCdCm({});
  });

  it('no matching destinationServiceAccounts entry: the sync fails with a clear message and writes nothing', async () => {
    const app = await fx.getApp('probe');
    expect(app.status?.operationState?.phase).toBe('Failed');
    expect(app.status?.operationState?.message).toBe(
      `cannot sync: no matching service account found for destination server ${IN_CLUSTER} and namespace ${fx.dest} in project elsewhere's destinationServiceAccounts (sync impersonation is enabled); nothing was applied or deleted`,
    );
    expect(await configMapExists('probe-config')).toBe(false);
  });

  it('an app of ConfigMaps syncs as the service account', async () => {
    await fx.createApp('configmap', { ...appSpec(fx.repoURL, fx.dest, 'configmap'), project: 'tenant' });
    const app = await syncApp(fx, 'configmap');
    expect([app.status?.operationState?.phase, app.status?.operationState?.message]).toEqual(['Succeeded', expect.any(String)]);
    expect(await configMapExists('tenant-config')).toBe(true);
    await fx.waitApp('configmap', 'Synced', (a) => a.status?.sync?.status === 'Synced');
  });

  it('a Role in the app fails with the API server forbidding the service account, and no Role is written', async () => {
    await fx.createApp('escalate', { ...appSpec(fx.repoURL, fx.dest, 'escalate'), project: 'tenant' });
    const app = await syncApp(fx, 'escalate');
    expect(app.status?.operationState?.phase).toBe('Failed');
    const failedRole = app.status?.operationState?.syncResult?.resources?.find((r) => r.kind === 'Role');
    const text = `${app.status?.operationState?.message ?? ''} ${failedRole?.message ?? ''}`;
    expect(text).toContain('forbidden');
    expect(text).toContain(`User "${sa}" cannot`);
    expect(await roleExists()).toBe(false);
  });

  it('a hook runs as the service account too: a PreSync Job it may not create is forbidden and never exists', async () => {
    await fx.createApp('hooked', { ...appSpec(fx.repoURL, fx.dest, 'hooked'), project: 'tenant' });
    const app = await syncApp(fx, 'hooked');
    expect(app.status?.operationState?.phase).toBe('Failed');
    const hook = app.status?.operationState?.syncResult?.resources?.find((r) => r.kind === 'Job');
    expect(`${app.status?.operationState?.message ?? ''} ${hook?.message ?? ''}`).toContain(`User "${sa}" cannot`);
    const jobs = await fx.kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: fx.dest });
    expect(jobs.items.map((j) => j.metadata?.name)).not.toContain('migrate');
  });

  it('prune runs as the service account: a tracked Secret it may not delete stays', async () => {
    await plantTrackedSecret('pruned', 'pruned-secret');
    await fx.createApp('pruned', { ...appSpec(fx.repoURL, fx.dest, 'pruned'), project: 'tenant' });
    await fx.waitApp('pruned', 'the Secret to prune is seen', (a) => a.status?.resources?.some((r) => r.kind === 'Secret' && r.requiresPruning === true) === true);
    const app = await syncApp(fx, 'pruned', { prune: true });
    expect(app.status?.operationState?.phase).toBe('Failed');
    const pruned = app.status?.operationState?.syncResult?.resources?.find((r) => r.kind === 'Secret');
    expect(`${app.status?.operationState?.message ?? ''} ${pruned?.message ?? ''}`).toContain(`User "${sa}" cannot`);
    expect(await secretExists('pruned-secret')).toBe(true);
  });

  it('deleting the app deletes its resources as the service account: the Secret it may not delete stays', async () => {
    await plantTrackedSecret('deleted', 'deleted-secret');
    await fx.createApp('deleted', { ...appSpec(fx.repoURL, fx.dest, 'deleted'), project: 'tenant' }, { finalizers: ['resources-finalizer.argocd.argoproj.io'] });
    const synced = await syncApp(fx, 'deleted');
    expect(synced.status?.operationState?.phase).toBe('Succeeded');
    await fx.custom.deleteNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', namespace: fx.ns, name: 'deleted' });
    type Deleting = Application & { status?: { deletionState?: { message?: string } } };
    const app = (await fx.waitApp('deleted', 'deletion forbidden for the account', (a) => (a as Deleting).status?.deletionState?.message?.includes(`User "${sa}" cannot delete resource "secrets"`) === true)) as Deleting;
    expect(app.metadata.finalizers).toContain('resources-finalizer.argocd.argoproj.io');
    expect(await secretExists('deleted-secret')).toBe(true);
    // What the account may delete went.
    await waitFor('its ConfigMap deleted', () => configMapExists('deleted-config').then((there) => (there ? undefined : true)));
    // Once an admin removes the Secret, the deletion finishes and the Application goes.
    await fx.core.deleteNamespacedSecret({ name: 'deleted-secret', namespace: fx.dest });
    await waitFor('the Application to go', () => fx.getApp('deleted').then(() => undefined, () => true), { timeoutMs: 60_000 });
  });

  it('with impersonation off, the same app syncs as the controller', async () => {
    await fx.setArgoCdCm({});
    await settle(false);
    const app = await syncApp(fx, 'escalate');
    expect([app.status?.operationState?.phase, app.status?.operationState?.message]).toEqual(['Succeeded', expect.any(String)]);
    expect(await roleExists()).toBe(true);
  });
});

describe('a running operation whose account can no longer be derived', () => {
  const engineFx = useEngine({ waveDelayMs: 0 });

  it('fails at its next step with the refusal, and the rest of the sync never runs', async () => {
    const ns = await engineFx.namespace('imp-resume');
    // A suspended PreSync Job keeps the operation waiting; the ConfigMap would follow in the Sync phase.
    const hook: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'held', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } },
      spec: { suspend: true, backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'registry.kawa.example/run:1.0' }] } } },
    };
    const app: SyncApp = { name: 'resumed', destinationNamespace: ns, desired: [hook, configMap('after-hook')] };
    const store = recorder();
    let record = await engineFx.engine.startSync({ app, operation: { sync: {} }, persist: store.persist });
    record = await waitUntil('waiting for the hook', async () => (record = (await engineFx.engine.step({ record, app, persist: store.persist })).record), (r) => r.message?.startsWith('waiting for completion of hook') === true, { intervalMs: 50, timeoutMs: 30_000 });
    const refused = 'no matching service account found for destination server https://kubernetes.default.svc and namespace x';
    const result = await engineFx.engine.step({ record, app: { ...app, refused }, persist: store.persist });
    expect([result.done, result.record.phase, result.record.message]).toEqual([true, 'Failed', `stopped: ${refused}`]);
    expect(store.last().phase).toBe('Failed');
    expect(await configMapNames(engineFx, ns)).toEqual([]);
  });
});
