// What the benchmarks that need a real API server share: finding a reachable cluster, a bounded-concurrency
// loop, and percentiles.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { messageOf } from '../src/errors.js';
import { KubeRest } from '../src/kube/index.js';
import { projectRoot } from '../src/tools/pins.js';

/**
 * The kubeconfig of a reachable cluster — `$KAWA_BENCH_KUBECONFIG`, `$KAWA_TEST_KUBECONFIG`, the local
 * `default` cluster (`npm run cluster:up`), then the `test` cluster — or why there is none.
 */
export async function findBenchCluster(): Promise<KubeConfig | string> {
  const root = projectRoot();
  const candidates = [process.env['KAWA_BENCH_KUBECONFIG'], process.env['KAWA_TEST_KUBECONFIG'], path.join(root, '.kawa', 'kubeconfig'), path.join(root, '.kawa', 'test.kubeconfig')];
  for (const file of candidates) {
    if (file === undefined || file === '' || !existsSync(file)) continue;
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
      const rest = new KubeRest(kc);
      await rest.getJson('/version', { timeoutMs: 3000 });
      rest.close();
      return kc;
    } catch (err) {
      return `no cluster at ${file}: ${messageOf(err)}`;
    }
  }
  return 'no cluster (set KAWA_BENCH_KUBECONFIG, or run npm run cluster:up)';
}

/** Runs `fn(0..count-1)` with at most `concurrency` calls in flight. */
export async function pool(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
