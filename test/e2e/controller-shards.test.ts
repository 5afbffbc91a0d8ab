// Scale-out through Leases on the real API server: two replicas split the shards; when the owner of the
// in-cluster shard dies (its Lease is left to expire), the other takes the shard over within two lease
// durations and keeps syncing.
import { describe, expect, it } from 'vitest';
import { shardOf } from '../../src/controller/shards.js';
import { KubeRest } from '../../src/kube/index.js';
import { appSpec, syncOf, useController } from '../harness/controller.js';
import { waitUntil } from '../harness/kube.js';

const IN_CLUSTER = 'https://kubernetes.default.svc';
const LEASE_MS = 2_000;
const shard = shardOf(IN_CLUSTER, 2);

describe('controller: two replicas with Lease-based shards', () => {
  const fx = useController({
    sharding: { replicas: 2, shard, identity: 'replica-a', leaseDurationMs: LEASE_MS },
    files: { 'one/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n', 'two/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n' },
  });

  it('the shard owner syncs; after it dies the other replica takes the shard over and syncs', async () => {
    const other = await fx.spawn({ sharding: { replicas: 2, shard: 1 - shard, identity: 'replica-b', leaseDurationMs: LEASE_MS } });
    try {
      const rest = new KubeRest(fx.kc);
      const holder = async (): Promise<string | undefined> =>
        ((await rest.getJson(`/apis/coordination.k8s.io/v1/namespaces/${fx.ns}/leases/kawa-controller-shard-${shard}`)) as { spec?: { holderIdentity?: string } }).spec?.holderIdentity;
      expect(await holder()).toBe('replica-a');

      await fx.createApp('one', appSpec(fx.repoURL, fx.dest, 'one', { syncPolicy: { automated: {} } }));
      await fx.waitApp('one', 'synced by replica a', (a) => syncOf(a) === 'Synced');

      await fx.stop({ crash: true });
      const crashedAt = Date.now();
      await fx.createApp('two', appSpec(fx.repoURL, fx.dest, 'two', { syncPolicy: { automated: {} } }));
      await waitUntil('replica b to hold the shard', holder, (h) => h === 'replica-b', { timeoutMs: 4 * LEASE_MS, intervalMs: 100 });
      expect(Date.now() - crashedAt).toBeLessThanOrEqual(2 * LEASE_MS + 1_500);
      const two = await fx.waitApp('two', 'synced by replica b', (a) => syncOf(a) === 'Synced', { timeoutMs: 30_000 });
      expect(two.status?.operationState?.phase).toBe('Succeeded');
    } finally {
      await other.stop();
    }
  });
});
