// Faults around the controller on the real API server: the git server goes away. The app keeps what it
// last rendered, shows a ComparisonError, and nothing is pruned (not by automated sync with prune, not by
// a manual sync asking for prune); once git answers again, the condition clears. An empty render with
// automated prune is held back with Argo CD's "auto-sync will wipe out all resources" condition.
import { describe, expect, it } from 'vitest';
import { appSpec, syncOf, useController } from '../harness/controller.js';

const configMap = (name: string, value: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  value: "${value}"
`;

const hasCondition = (type: string) => (a: { status?: { conditions?: { type: string }[] } }): boolean => a.status?.conditions?.some((c) => c.type === type) === true;

describe('controller faults: git server down', () => {
  const fx = useController({
    files: {
      'faulty/one.yaml': configMap('faulty-one', '1'),
      'faulty/two.yaml': configMap('faulty-two', '2'),
    },
  });

  it('keeps the last rendered state with a ComparisonError, prunes nothing, and recovers when git is back', async () => {
    await fx.createApp('faulty', appSpec(fx.repoURL, fx.dest, 'faulty', { syncPolicy: { automated: { prune: true, selfHeal: true } } }));
    const synced = await fx.waitApp('faulty', 'auto-synced', (a) => syncOf(a) === 'Synced' && a.status?.operationState?.phase === 'Succeeded' && a.operation === undefined);
    const revision = synced.status?.sync?.revision;
    expect(revision).toBe(await fx.repo.head());
    const uids = await Promise.all(['faulty-one', 'faulty-two'].map(async (name) => (await fx.core.readNamespacedConfigMap({ name, namespace: fx.dest })).metadata?.uid));

    await fx.stopGit();
    try {
      await fx.patchApp('faulty', { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } });
      const failed = await fx.waitApp('faulty', 'ComparisonError while git is down', hasCondition('ComparisonError'));
      const message = failed.status?.conditions?.find((c) => c.type === 'ComparisonError')?.message ?? '';
      expect(message).toMatch(new RegExp(new URL(fx.repoURL).host.replace(/\./g, '\\.')));
      // The last rendered state stays: same revision, same resources, annotation consumed. The sync
      // status is Unknown, as in Argo CD: nobody can tell whether the cluster matches Git now.
      expect(syncOf(failed)).toBe('Unknown');
      expect(failed.status?.sync?.revision).toBe(revision);
      expect(failed.status?.resources?.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(['ConfigMap/faulty-one', 'ConfigMap/faulty-two']);
      expect(failed.metadata.annotations?.['argocd.argoproj.io/refresh']).toBeUndefined();

      // Drift while git is down: self-heal must not act from a failed render either.
      await fx.core.patchNamespacedConfigMap({ name: 'faulty-two', namespace: fx.dest, body: [{ op: 'replace', path: '/data/value', value: 'drifted' }] });
      // A manual sync with prune cannot render either: it fails and touches nothing.
      await fx.patchApp('faulty', { operation: { sync: { prune: true }, initiatedBy: { username: 'admin' } } });
      const op = await fx.waitApp('faulty', 'the manual sync finished', (a) => a.operation === undefined && a.status?.operationState?.operation.initiatedBy?.username === 'admin' && ['Failed', 'Error'].includes(a.status.operationState.phase));
      expect(op.status?.operationState?.message ?? '').not.toBe('');
      await fx.controller.idle();
      const after = await Promise.all(['faulty-one', 'faulty-two'].map(async (name) => fx.core.readNamespacedConfigMap({ name, namespace: fx.dest })));
      expect(after.map((cm) => cm.metadata?.uid)).toEqual(uids);
      expect(after[1]?.data?.['value']).toBe('drifted');
      const still = await fx.getApp('faulty');
      expect(still.status?.history).toHaveLength(1);
      expect(hasCondition('ComparisonError')(still)).toBe(true);
    } finally {
      await fx.startGit();
    }

    await fx.patchApp('faulty', { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } });
    const recovered = await fx.waitApp('faulty', 'ComparisonError cleared', (a) => !hasCondition('ComparisonError')(a) && a.status?.sync?.revision === revision);
    expect(recovered.status?.conditions ?? []).toEqual([]);
    // With git back, self-heal puts the drifted value back; the objects were never re-created.
    const healed = await fx.waitApp('faulty', 'self-healed', (a) => syncOf(a) === 'Synced' && a.operation === undefined);
    expect(healed.status?.resources?.every((r) => r.status === 'Synced')).toBe(true);
    const cm = await fx.core.readNamespacedConfigMap({ name: 'faulty-two', namespace: fx.dest });
    expect(cm.data?.['value']).toBe('2');
    expect(cm.metadata?.uid).toBe(uids[1]);
  });
});

describe('controller faults: a render that comes back empty', () => {
  const fx = useController({
    files: {
      'emptied/one.yaml': configMap('emptied-one', '1'),
      'emptied/two.yaml': configMap('emptied-two', '2'),
    },
  });

  it('prunes nothing without allowEmpty and says why in a SyncError condition', async () => {
    await fx.createApp('emptied', appSpec(fx.repoURL, fx.dest, 'emptied', { syncPolicy: { automated: { prune: true } } }));
    await fx.waitApp('emptied', 'auto-synced', (a) => syncOf(a) === 'Synced' && a.status?.operationState?.phase === 'Succeeded' && a.operation === undefined);

    // Every manifest goes from the app's directory (a README keeps the directory in git): the render is empty.
    const sha = await fx.push('empty the app', { 'emptied/README.md': 'nothing to deploy here\n' }, ['emptied/one.yaml', 'emptied/two.yaml']);
    await fx.patchApp('emptied', { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } });
    const held = await fx.waitApp('emptied', 'the wipe-out condition', hasCondition('SyncError'));
    expect(held.status?.conditions?.find((c) => c.type === 'SyncError')?.message).toBe(`Skipping sync attempt to ${sha}: auto-sync will wipe out all resources`);
    expect(syncOf(held)).toBe('OutOfSync');
    expect(held.status?.resources?.every((r) => r.requiresPruning === true)).toBe(true);
    await fx.controller.idle();
    const live = await Promise.all(['emptied-one', 'emptied-two'].map(async (name) => fx.core.readNamespacedConfigMap({ name, namespace: fx.dest })));
    expect(live.map((cm) => cm.data?.['value'])).toEqual(['1', '2']);
    expect((await fx.getApp('emptied')).status?.history).toHaveLength(1);

    // Allowing empty renders lets the sync go ahead, and the condition clears.
    await fx.patchApp('emptied', { spec: { syncPolicy: { automated: { prune: true, allowEmpty: true } } } });
    const pruned = await fx.waitApp('emptied', 'synced empty', (a) => syncOf(a) === 'Synced' && !hasCondition('SyncError')(a) && a.operation === undefined && a.status?.operationState?.syncResult?.revision === sha);
    expect(pruned.status?.resources ?? []).toEqual([]);
  });
});
