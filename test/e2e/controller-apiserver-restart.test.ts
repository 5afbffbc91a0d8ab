// Fault: the destination cluster's API server restarts in the middle of a sync. An Application deploys
// into a second control plane (`ctl-restart`, started here) a PreSync hook Job and ConfigMaps in sync
// waves 0, 1 and 2. Once the first wave is applied, that cluster's kube-apiserver is killed; while it is
// away the app turns Unknown with a ComparisonError and the operation must neither fail for good nor
// apply anything twice. The very same kube-apiserver (same binary and arguments: same port, certificates
// and etcd) is started again, and the operation resumes and succeeds: every wave applied, the hook
// created once, one history entry.
import { randomBytes } from 'node:crypto';
import { BatchV1Api, type V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthOf, presyncJobYaml, syncOf, useController, waveConfigMapYaml } from '../harness/controller.js';
import { waitUntil } from '../harness/kube.js';
import { SecondCluster } from '../harness/second-cluster.js';
import type { Application } from '../../src/model/index.js';

const CLUSTER = 'ctl-restart';
const CLUSTER_NAME = 'restart';
const CLUSTER_SECRET = 'cluster-restart';
/** Long enough to kill the API server between two waves. */
const WAVE_DELAY_MS = 6_000;

const conditionOf = (app: Application, type: string): string | undefined => app.status?.conditions?.find((c) => c.type === type)?.message;
const appliedNames = (app: Application): string[] => (app.status?.operationState?.syncResult?.resources ?? []).filter((r) => r.status === 'Synced').map((r) => r.name ?? '');
const describeOperation = (app: Application): string => {
  const op = app.status?.operationState;
  return op === undefined ? 'no operation' : `${op.phase}: ${op.message ?? ''} [${(op.syncResult?.resources ?? []).map((r) => `${r.name}=${r.status}${r.message === undefined ? '' : ` (${r.message})`}`).join(', ')}]`;
};

describe('controller: API server restarted during a sync', () => {
  const fx = useController({
    waveDelayMs: WAVE_DELAY_MS,
    files: {
      'waves/job.yaml': presyncJobYaml,
      'waves/a.yaml': waveConfigMapYaml('wave-a', 0),
      'waves/b.yaml': waveConfigMapYaml('wave-b', 1),
      'waves/c.yaml': waveConfigMapYaml('wave-c', 2),
    },
  });
  const second = new SecondCluster(CLUSTER);
  const remoteNs = `ctl-restart-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    await second.up(1);
    await second.core.createNamespace({ body: { metadata: { name: remoteNs } } });
    const access = await second.addClusterAccess();
    await fx.core.createNamespacedSecret({ namespace: fx.ns, body: second.clusterSecret(CLUSTER_SECRET, CLUSTER_NAME, access) });
  }, 300_000);

  afterAll(async () => {
    await second.down();
  }, 120_000);

  const remoteJobs = async (): Promise<V1Job[]> => (await second.kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: remoteNs })).items;
  const remoteConfigMap = (name: string): Promise<{ uid?: string; resourceVersion?: string; wave?: string } | undefined> =>
    second.core.readNamespacedConfigMap({ name, namespace: remoteNs }).then(
      (cm) => ({
        ...(cm.metadata?.uid === undefined ? {} : { uid: cm.metadata.uid }),
        ...(cm.metadata?.resourceVersion === undefined ? {} : { resourceVersion: cm.metadata.resourceVersion }),
        ...(cm.data?.['wave'] === undefined ? {} : { wave: cm.data['wave'] }),
      }),
      () => undefined,
    );

  it('resumes the operation once the API server is back: every wave applied once, the hook created once', async () => {
    await fx.createApp('restart', {
      project: 'default',
      source: { repoURL: fx.repoURL, path: 'waves', targetRevision: 'HEAD' },
      destination: { name: CLUSTER_NAME, namespace: remoteNs },
    }, { operation: { sync: {}, initiatedBy: { username: 'admin' } } });

    // The PreSync hook ran and the first Sync wave is applied; the next wave waits WAVE_DELAY_MS.
    const midway = await fx.waitApp('restart', 'first wave applied', (a) => appliedNames(a).includes('wave-a'), { timeoutMs: 120_000, intervalMs: 100 });
    expect(midway.status?.operationState?.phase).toBe('Running');
    expect(appliedNames(midway)).not.toContain('wave-c');
    const jobsBefore = await remoteJobs();
    expect(jobsBefore.map((j) => j.metadata?.name)).toEqual(['migrate']);
    const jobUid = jobsBefore[0]?.metadata?.uid;
    expect(jobUid).toBeDefined();
    const waveABefore = await remoteConfigMap('wave-a');
    expect(waveABefore?.wave).toBe('0');

    // The destination's API server goes away.
    await second.stopApiserver();
    const killedAt = Date.now();

    // While it is away: the app turns Unknown with a ComparisonError naming the cluster. The outage lasts
    // at least one wave delay more, so the operation has tried the next wave against the dead server.
    const seen = new Set<string>();
    const unreachable = await fx.waitApp(
      'restart',
      'Unknown with a ComparisonError, for longer than a wave delay',
      (a) => {
        seen.add(describeOperation(a));
        return syncOf(a) === 'Unknown' && conditionOf(a, 'ComparisonError') !== undefined && Date.now() - killedAt > WAVE_DELAY_MS + 3_000;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(conditionOf(unreachable, 'ComparisonError')).toContain(second.server);
    expect(healthOf(unreachable)).toBe('Unknown');
    // The operation did not end (a transient error is no reason to fail it) and is still requested.
    const ended = [...seen].filter((s) => /^(Failed|Error|Succeeded):/.test(s));
    expect(ended, 'the operation ended while the API server was down').toEqual([]);
    expect(unreachable.status?.operationState?.phase).toBe('Running');
    expect(unreachable.operation).toBeDefined();

    // The same API server comes back: the operation goes on where it stopped.
    await second.startApiserver();
    const done = await fx.waitApp('restart', 'operation Succeeded', (a) => a.status?.operationState?.phase !== 'Running' && a.operation === undefined, { timeoutMs: 120_000 });
    expect(done.status?.operationState?.phase, describeOperation(done)).toBe('Succeeded');
    expect(done.status?.operationState?.syncResult?.resources?.map((r) => r.name).sort()).toEqual(['migrate', 'wave-a', 'wave-b', 'wave-c']);
    expect(done.status?.history).toHaveLength(1);

    // Every wave is there, the first one untouched; the hook was created once (the same Job).
    const jobsAfter = await remoteJobs();
    expect(jobsAfter.map((j) => j.metadata?.uid)).toEqual([jobUid]);
    expect(await remoteConfigMap('wave-a')).toEqual(waveABefore);
    expect((await remoteConfigMap('wave-b'))?.wave).toBe('1');
    expect((await remoteConfigMap('wave-c'))?.wave).toBe('2');

    // And the app recovers: Synced, Healthy, no ComparisonError left.
    const back = await waitUntil('the app Synced and Healthy again', () => fx.getApp('restart'), (a) => syncOf(a) === 'Synced' && healthOf(a) === 'Healthy' && conditionOf(a, 'ComparisonError') === undefined, { timeoutMs: 90_000 });
    expect(back.status?.history).toHaveLength(1);
  });
});
