// Faults on the real control plane: a controller stopped in the middle of a sync (hooks and waves) and a
// new one started in its place resumes the operation from `status.operationState` without creating the
// hook twice; an operation that fails is retried by the retry policy; a project restriction blocks a sync.
import { BatchV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { appSpec, presyncJobYaml, syncOf, useController, waveConfigMapYaml } from '../harness/controller.js';

describe('controller: resume, retry, project rules', () => {
  const fx = useController({
    waveDelayMs: 1_500,
    files: {
      'waves/job.yaml': presyncJobYaml,
      'waves/a.yaml': waveConfigMapYaml('wave-a', 0),
      'waves/b.yaml': waveConfigMapYaml('wave-b', 1),
      'waves/c.yaml': waveConfigMapYaml('wave-c', 2),
      'forbidden/role.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: kawa-e2e-forbidden\nrules: []\n',
      'badns/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: elsewhere\n  namespace: kawa-e2e-does-not-exist\n',
    },
  });

  it('a controller restarted mid-sync resumes the operation and does not run the hook twice', async () => {
    await fx.createApp('waves', appSpec(fx.repoURL, fx.dest, 'waves'), { operation: { sync: {}, initiatedBy: { username: 'admin' } } });
    // Stop once the first wave is applied but before the last.
    await fx.waitApp('waves', 'first wave applied', (a) => a.status?.operationState?.syncResult?.resources?.some((r) => r.name === 'wave-a') === true);
    const batch = fx.kc.makeApiClient(BatchV1Api);
    const jobBefore = await batch.readNamespacedJob({ name: 'migrate', namespace: fx.dest });
    await fx.stop();
    const midway = await fx.getApp('waves');
    expect(midway.status?.operationState?.phase).toBe('Running');
    expect(midway.status?.operationState?.syncResult?.resources?.some((r) => r.name === 'wave-c')).toBe(false);

    await fx.restart();
    const done = await fx.waitApp('waves', 'operation Succeeded', (a) => a.status?.operationState?.phase === 'Succeeded' && a.operation === undefined);
    expect(done.status?.operationState?.syncResult?.resources?.map((r) => r.name).sort()).toEqual(['migrate', 'wave-a', 'wave-b', 'wave-c']);
    const jobAfter = await batch.readNamespacedJob({ name: 'migrate', namespace: fx.dest });
    expect(jobAfter.metadata?.uid).toBe(jobBefore.metadata?.uid);
    expect(syncOf(done)).toBe('Synced');
    expect(done.status?.history).toHaveLength(1);
  });

  it('retries a failed sync with the retry policy and records the attempts', async () => {
    await fx.createApp('retry', appSpec(fx.repoURL, fx.dest, 'badns'), {
      operation: { sync: {}, initiatedBy: { username: 'admin' }, retry: { limit: 2, backoff: { duration: '1s', factor: 1 } } },
    });
    const failed = await fx.waitApp('retry', 'retries exhausted', (a) => a.status?.operationState?.retryCount === 2 && a.status.operationState.phase !== 'Running' && a.operation === undefined, { timeoutMs: 60_000 });
    expect(failed.status?.operationState?.phase).toMatch(/Failed|Error/);
    expect(failed.status?.operationState?.message).toContain('kawa-e2e-does-not-exist');
  });

  it('refuses kinds the project does not allow, with InvalidSpecError, and a sync fails without touching the cluster', async () => {
    await fx.createProject('restricted');
    await fx.createApp('forbidden', { ...appSpec(fx.repoURL, fx.dest, 'forbidden'), project: 'restricted' });
    const app = await fx.waitApp('forbidden', 'InvalidSpecError', (a) => a.status?.conditions?.some((c) => c.type === 'InvalidSpecError') === true);
    expect(app.status?.conditions?.find((c) => c.type === 'InvalidSpecError')?.message).toContain('ClusterRole is not permitted in project restricted');
    await fx.patchApp('forbidden', { operation: { sync: {}, initiatedBy: { username: 'admin' } } });
    const failed = await fx.waitApp('forbidden', 'sync failed', (a) => a.status?.operationState?.phase === 'Failed');
    expect(failed.status?.operationState?.message).toContain('not permitted');
    const created = await fx.kc.makeApiClient(RbacAuthorizationV1Api).readClusterRole({ name: 'kawa-e2e-forbidden' }).then(() => true, () => false);
    expect(created).toBe(false);
  });

  it('sync windows: a deny window blocks automated and manual syncs; manualSync lets a manual one through', async () => {
    const window = (manualSync: boolean): Record<string, unknown> => ({ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['windowed'], manualSync });
    await fx.createProject('frozen', { syncWindows: [window(false)] });
    await fx.createApp('windowed', { ...appSpec(fx.repoURL, fx.dest, 'waves'), project: 'frozen', syncPolicy: { automated: {} } });
    const outOfSync = await fx.waitApp('windowed', 'OutOfSync', (a) => syncOf(a) === 'OutOfSync');
    expect(outOfSync.operation).toBeUndefined();
    expect(outOfSync.status?.operationState).toBeUndefined();

    await fx.patchApp('windowed', { operation: { sync: {}, initiatedBy: { username: 'admin' } } });
    const blocked = await fx.waitApp('windowed', 'manual sync blocked', (a) => a.status?.operationState?.message?.startsWith('Sync operation blocked by sync window') === true);
    expect(blocked.status?.operationState?.phase).toBe('Running');
    const tracked = (await fx.core.listNamespacedConfigMap({ namespace: fx.dest })).items.filter((cm) => cm.metadata?.annotations?.['argocd.argoproj.io/tracking-id']?.startsWith('windowed:') === true);
    expect(tracked).toEqual([]);

    await fx.custom.patchNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: fx.ns,
      plural: 'appprojects',
      name: 'frozen',
      body: [{ op: 'replace', path: '/spec/syncWindows', value: [window(true)] }],
    });
    await fx.waitApp('windowed', 'manual sync let through', (a) => a.status?.operationState?.phase === 'Succeeded', { timeoutMs: 60_000 });
  });

  it('warns about orphaned resources in the destination namespace when the project asks', async () => {
    await fx.createProject('tidy', { orphanedResources: { warn: true } });
    await fx.core.createNamespace({ body: { metadata: { name: `${fx.dest}-tidy` } } });
    try {
      await fx.createApp('tidy', { ...appSpec(fx.repoURL, `${fx.dest}-tidy`, 'waves'), project: 'tidy', syncPolicy: { automated: {} } });
      await fx.waitApp('tidy', 'synced', (a) => a.status?.operationState?.phase === 'Succeeded' && syncOf(a) === 'Synced');
      await fx.core.createNamespacedConfigMap({ namespace: `${fx.dest}-tidy`, body: { metadata: { name: 'stray' } } });
      const warned = await fx.waitApp('tidy', 'OrphanedResourceWarning', (a) => a.status?.conditions?.some((c) => c.type === 'OrphanedResourceWarning') === true);
      expect(warned.status?.conditions?.find((c) => c.type === 'OrphanedResourceWarning')?.message).toMatch(/orphaned resource/);
      await fx.core.deleteNamespacedConfigMap({ name: 'stray', namespace: `${fx.dest}-tidy` });
      await fx.waitApp('tidy', 'warning gone', (a) => a.status?.conditions?.some((c) => c.type === 'OrphanedResourceWarning') !== true);
    } finally {
      await fx.core.deleteNamespace({ name: `${fx.dest}-tidy` }).catch(() => undefined);
    }
  });
});
