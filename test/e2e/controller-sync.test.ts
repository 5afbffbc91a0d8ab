// The controller on the real API server with a real git repository: refresh, manual and automated sync,
// history, rollback, self-heal, render failure keeping the last state, invalid specs, deletion cascade.
import { AppsV1Api, BatchV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { RESOURCES_FINALIZER } from '../../src/model/names.js';
import { appSpec, configMapYaml, healthOf, syncOf, useController } from '../harness/controller.js';
import { waitFor, waitUntil } from '../harness/kube.js';

const deployment = (name: string, replicas: number, image = 'nginx:1.27'): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: main
          image: ${image}
`;

describe('controller: sync, history, rollback', () => {
  const fx = useController({
    files: {
      'guestbook/deploy.yaml': deployment('guestbook', 1),
      'guestbook/config.yaml': configMapYaml('guestbook-config', 'one'),
      'broken/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n',
    },
  });

  it('shows an app OutOfSync and Missing until synced, then Synced/Healthy with history', async () => {
    await fx.createApp('guestbook', appSpec(fx.repoURL, fx.dest, 'guestbook'));
    const before = await fx.waitApp('guestbook', 'OutOfSync', (a) => syncOf(a) === 'OutOfSync');
    expect(healthOf(before)).toBe('Missing');
    expect(before.status?.resources?.map((r) => `${r.kind}/${r.name}:${r.status}`).sort()).toEqual(['ConfigMap/guestbook-config:OutOfSync', 'Deployment/guestbook:OutOfSync']);
    expect(before.status?.sync?.revision).toBe(await fx.repo.head());
    expect(before.status?.sourceType).toBe('Directory');
    expect(before.status?.summary?.images).toEqual(['nginx:1.27']);

    await fx.patchApp('guestbook', { operation: { sync: { revision: 'HEAD' }, initiatedBy: { username: 'admin' } } });
    const synced = await fx.waitApp('guestbook', 'Synced and Healthy', (a) => syncOf(a) === 'Synced' && healthOf(a) === 'Healthy' && a.operation === undefined);
    expect(synced.status?.operationState?.phase).toBe('Succeeded');
    expect(synced.status?.operationState?.syncResult?.revision).toBe(await fx.repo.head());
    expect(synced.status?.history).toHaveLength(1);
    expect(synced.status?.history?.[0]).toMatchObject({ id: 0, revision: await fx.repo.head(), initiatedBy: { username: 'admin' } });
    const apps = fx.kc.makeApiClient(AppsV1Api);
    const live = await apps.readNamespacedDeployment({ name: 'guestbook', namespace: fx.dest });
    expect(live.metadata?.annotations?.['argocd.argoproj.io/tracking-id']).toBe(`guestbook:apps/Deployment:${fx.dest}/guestbook`);

    const metrics = await fx.metrics.registry.metrics();
    expect(metrics).toMatch(new RegExp(`argocd_app_info\\{name="guestbook",namespace="${fx.ns}",project="default",.*sync_status="Synced",health_status="Healthy".*\\} 1`));
    expect(metrics).toMatch(/argocd_app_sync_total\{name="guestbook",.*phase="Succeeded".*\} 1/);
    expect(metrics).toMatch(/argocd_cluster_connection_status\{server="https:\/\/kubernetes.default.svc",k8s_version="v1\.\d+\.\d+"\} 1/);
    expect(metrics).toMatch(/argocd_app_k8s_request_total\{server="https:\/\/kubernetes.default.svc",verb="PATCH",response_code="20[01]"\} \d+/);
  });

  it('follows a new commit, syncs it, and rolls back to the first history entry', async () => {
    const first = await fx.repo.head();
    const second = await fx.push('scale to 2', { 'guestbook/deploy.yaml': deployment('guestbook', 2) });
    await fx.patchApp('guestbook', { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } });
    const outOfSync = await fx.waitApp('guestbook', 'OutOfSync at the new commit', (a) => syncOf(a) === 'OutOfSync' && a.status?.sync?.revision === second);
    expect(outOfSync.metadata.annotations?.['argocd.argoproj.io/refresh']).toBeUndefined();
    await fx.patchApp('guestbook', { operation: { sync: {}, initiatedBy: { username: 'admin' } } });
    const synced = await fx.waitApp('guestbook', 'synced to the new commit', (a) => a.status?.history?.length === 2 && syncOf(a) === 'Synced');
    expect(synced.status?.history?.[1]?.revision).toBe(second);
    const apps = fx.kc.makeApiClient(AppsV1Api);
    expect((await apps.readNamespacedDeployment({ name: 'guestbook', namespace: fx.dest })).spec?.replicas).toBe(2);

    // Rollback: what the API server writes for `POST …/rollback` (the history entry's revision and source).
    const entry = synced.status?.history?.[0];
    await fx.patchApp('guestbook', { operation: { sync: { revision: entry?.revision, source: entry?.source, syncStrategy: { apply: {} } }, initiatedBy: { username: 'admin' } } });
    await fx.waitApp('guestbook', 'rolled back', (a) => a.status?.history?.length === 3 && a.operation === undefined);
    expect((await apps.readNamespacedDeployment({ name: 'guestbook', namespace: fx.dest })).spec?.replicas).toBe(1);
    const after = await fx.getApp('guestbook');
    expect(after.status?.history?.[2]?.revision).toBe(first);
    // The target is still HEAD, which has 2 replicas: the app is out of sync with it after the rollback.
    expect(syncOf(after)).toBe('OutOfSync');
  });

  it('keeps the last rendered state when the render fails, with a ComparisonError and no prune', async () => {
    await fx.createApp('auto', appSpec(fx.repoURL, fx.dest, 'guestbook', { syncPolicy: { automated: { prune: true } } }));
    await fx.waitApp('auto', 'auto-synced', (a) => syncOf(a) === 'Synced' && a.status?.operationState?.phase === 'Succeeded');
    await fx.patchApp('auto', { spec: { source: { repoURL: fx.repoURL, path: 'broken', targetRevision: 'HEAD' } } });
    const failed = await fx.waitApp('auto', 'ComparisonError', (a) => a.status?.conditions?.some((c) => c.type === 'ComparisonError') === true);
    expect(failed.status?.conditions?.find((c) => c.type === 'ComparisonError')?.message).toContain('bad.yaml');
    // Nothing was pruned: the objects of the last good render are still there.
    const core = fx.core;
    expect((await core.readNamespacedConfigMap({ name: 'guestbook-config', namespace: fx.dest })).data?.['value']).toBe('one');
    expect(failed.operation).toBeUndefined();
  });

  it('auto-syncs new commits once per revision and self-heals drift', async () => {
    await fx.createApp('selfheal', appSpec(fx.repoURL, fx.dest, 'selfheal', { syncPolicy: { automated: { selfHeal: true } } }));
    await fx.push('selfheal app', { 'selfheal/cm.yaml': configMapYaml('selfheal', 'v1') });
    await fx.patchApp('selfheal', { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } });
    await waitFor('selfheal ConfigMap', async () => (await fx.core.readNamespacedConfigMap({ name: 'selfheal', namespace: fx.dest }).catch(() => undefined)));
    // Drift: someone edits the live object; self-heal puts it back.
    await fx.core.patchNamespacedConfigMap({ name: 'selfheal', namespace: fx.dest, body: [{ op: 'replace', path: '/data/value', value: 'drifted' }] });
    await waitUntil('self-healed', () => fx.core.readNamespacedConfigMap({ name: 'selfheal', namespace: fx.dest }), (cm) => cm.data?.['value'] === 'v1', { timeoutMs: 30_000 });
    const app = await fx.getApp('selfheal');
    expect(app.status?.history?.length).toBeGreaterThanOrEqual(2);
  });

  it('reports an invalid spec and keeps working for the others', async () => {
    await fx.createApp('nowhere', { ...appSpec(fx.repoURL, fx.dest, 'guestbook'), project: 'missing' });
    const app = await fx.waitApp('nowhere', 'InvalidSpecError', (a) => a.status?.conditions?.some((c) => c.type === 'InvalidSpecError') === true);
    expect(app.status?.conditions?.[0]?.message).toContain('project missing which does not exist');
    expect(syncOf(app)).toBe('Unknown');
  });

  it('deletes the managed objects with the resources finalizer, and orphans them without it', async () => {
    const preDelete = `apiVersion: batch/v1
kind: Job
metadata:
  name: pre-delete
  annotations:
    argocd.argoproj.io/hook: PreDelete
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: registry.kawa.example/cleanup:1}]
`;
    await fx.push('deletion apps', { 'del/cm.yaml': configMapYaml('to-delete', 'x'), 'del/hook.yaml': preDelete, 'keep/cm.yaml': configMapYaml('to-keep', 'y') });
    await fx.createApp('cascade', appSpec(fx.repoURL, fx.dest, 'del', { syncPolicy: { automated: {} } }), { finalizers: [RESOURCES_FINALIZER] });
    await fx.createApp('orphan', appSpec(fx.repoURL, fx.dest, 'keep', { syncPolicy: { automated: {} } }));
    await fx.waitApp('cascade', 'synced', (a) => syncOf(a) === 'Synced');
    await fx.waitApp('orphan', 'synced', (a) => syncOf(a) === 'Synced');
    const plural = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', namespace: fx.ns };
    await fx.custom.deleteNamespacedCustomObject({ ...plural, name: 'cascade' });
    await fx.custom.deleteNamespacedCustomObject({ ...plural, name: 'orphan' });
    // The PreDelete hook runs first (a Job the cluster completes), while the app's ConfigMap is still there.
    const batch = fx.kc.makeApiClient(BatchV1Api);
    await waitFor('the PreDelete hook Job', async () => (await batch.listNamespacedJob({ namespace: fx.dest })).items.find((j) => j.metadata?.name?.startsWith('pre-delete') === true), { intervalMs: 50 });
    expect((await fx.core.readNamespacedConfigMap({ name: 'to-delete', namespace: fx.dest })).data?.['value']).toBe('x');
    await waitUntil('cascade app gone', () => fx.getApp('cascade').then(() => true, () => false), (exists) => !exists);
    await waitUntil('its ConfigMap gone', () => fx.core.readNamespacedConfigMap({ name: 'to-delete', namespace: fx.dest }).then(() => true, () => false), (exists) => !exists);
    expect((await fx.core.readNamespacedConfigMap({ name: 'to-keep', namespace: fx.dest })).data?.['value']).toBe('y');
  });
});
