// Tenant isolation on the real control plane: an app of a project limited to its own namespace carries a
// manifest (and a PreSync hook) with `metadata.namespace` pointing elsewhere. The controller writes with
// its own, cluster-wide credentials, so the project check must look at every object's namespace, not only
// at `spec.destination`: nothing is written outside, the app says why, and the sync fails before any write.
// Named allow/deny entries of the project's resource lists are checked against each object's name.
import { BatchV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appSpec, configMapYaml, syncOf, useController } from '../harness/controller.js';

const victim = `victim-${Math.random().toString(16).slice(2, 8)}`;

const hookInVictim = `apiVersion: batch/v1
kind: Job
metadata:
  name: escape-hook
  namespace: ${victim}
  annotations:
    argocd.argoproj.io/hook: PreSync
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: c
          image: busybox
`;

describe('tenant isolation: every object is checked against the project', () => {
  const fx = useController({
    files: {
      'escape/own.yaml': configMapYaml('own', '1'),
      'escape/victim.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: planted\n  namespace: ${victim}\ndata:\n  value: "x"\n`,
      'hook-escape/own.yaml': configMapYaml('own-hooked', '1'),
      'hook-escape/job.yaml': hookInVictim,
      'named/allowed.yaml': configMapYaml('plain-config', '1'),
      'named/denied.yaml': configMapYaml('secret-config', '1'),
    },
  });

  beforeAll(async () => {
    await fx.core.createNamespace({ body: { metadata: { name: victim } } });
  });
  afterAll(async () => {
    await fx.core.deleteNamespace({ name: victim }).catch(() => undefined);
  });

  const planted = async (): Promise<boolean> => fx.core.readNamespacedConfigMap({ name: 'planted', namespace: victim }).then(() => true, () => false);

  it('refuses a manifest whose own namespace is outside the project, also with automated sync, and writes nothing', async () => {
    await fx.createProject('tenant', { destinations: [{ server: '*', namespace: fx.dest }] });
    await fx.createApp('escape', { ...appSpec(fx.repoURL, fx.dest, 'escape', { syncPolicy: { automated: { prune: true, selfHeal: true } } }), project: 'tenant' });
    const app = await fx.waitApp('escape', 'InvalidSpecError', (a) => a.status?.conditions?.some((c) => c.type === 'InvalidSpecError') === true);
    expect(app.status?.conditions?.find((c) => c.type === 'InvalidSpecError')?.message).toBe(`namespace ${victim} is not permitted in project 'tenant'`);
    await fx.controller.idle();
    expect(await planted()).toBe(false);
    // Automated sync held back; a manual sync fails before anything is written, the allowed object included.
    expect((await fx.getApp('escape')).status?.operationState).toBeUndefined();
    await fx.patchApp('escape', { operation: { sync: {}, initiatedBy: { username: 'admin' } } });
    const failed = await fx.waitApp('escape', 'sync failed', (a) => a.operation === undefined && a.status?.operationState?.phase === 'Failed');
    expect(failed.status?.operationState?.message).toContain(`namespace ${victim} is not permitted in project 'tenant'`);
    expect(await planted()).toBe(false);
    expect(await fx.core.readNamespacedConfigMap({ name: 'own', namespace: fx.dest }).then(() => true, () => false)).toBe(false);
  });

  it('refuses a hook whose namespace is outside the project: the hook never runs', async () => {
    await fx.createProject('tenant-hooks', { destinations: [{ server: '*', namespace: fx.dest }] });
    await fx.createApp('hook-escape', { ...appSpec(fx.repoURL, fx.dest, 'hook-escape'), project: 'tenant-hooks' }, { operation: { sync: {}, initiatedBy: { username: 'admin' } } });
    const failed = await fx.waitApp('hook-escape', 'sync failed', (a) => a.operation === undefined && a.status?.operationState?.phase === 'Failed');
    expect(failed.status?.operationState?.message).toContain(`namespace ${victim} is not permitted in project 'tenant-hooks'`);
    const jobs = await fx.kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: victim });
    expect(jobs.items).toEqual([]);
  });

  it('the same objects sync when the project allows the namespace', async () => {
    await fx.createProject('tenant-wide', { destinations: [{ server: '*', namespace: fx.dest }, { server: '*', namespace: victim }] });
    await fx.createApp('allowed', { ...appSpec(fx.repoURL, fx.dest, 'escape'), project: 'tenant-wide' }, { operation: { sync: {}, initiatedBy: { username: 'admin' } } });
    const done = await fx.waitApp('allowed', 'synced', (a) => a.operation === undefined && a.status?.operationState?.phase === 'Succeeded');
    expect(syncOf(done)).toBe('Synced');
    expect(await planted()).toBe(true);
  });

  it('named deny-list entries refuse matching names only', async () => {
    await fx.createProject('named', { namespaceResourceBlacklist: [{ group: '', kind: 'ConfigMap', name: 'secret-*' }] });
    await fx.createApp('named', { ...appSpec(fx.repoURL, fx.dest, 'named'), project: 'named' }, { operation: { sync: {}, initiatedBy: { username: 'admin' } } });
    const failed = await fx.waitApp('named', 'sync failed', (a) => a.operation === undefined && a.status?.operationState?.phase === 'Failed');
    expect(failed.status?.operationState?.message).toContain('resource :ConfigMap is not permitted in project named');
    const exists = async (name: string): Promise<boolean> => fx.core.readNamespacedConfigMap({ name, namespace: fx.dest }).then(() => true, () => false);
    expect(await exists('secret-config')).toBe(false);

    // Only the denied name goes: the rest syncs.
    await fx.push('drop the denied config', {}, ['named/denied.yaml']);
    await fx.patchApp('named', { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } });
    await fx.waitApp('named', 'no InvalidSpecError', (a) => a.status?.conditions?.some((c) => c.type === 'InvalidSpecError') !== true && a.status?.sync?.status === 'OutOfSync');
    await fx.patchApp('named', { operation: { sync: {}, initiatedBy: { username: 'admin' } } });
    await fx.waitApp('named', 'synced', (a) => a.operation === undefined && a.status?.operationState?.phase === 'Succeeded');
    expect(await exists('plain-config')).toBe(true);
  });
});
