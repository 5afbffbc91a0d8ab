// The sync engine against a real API server (issue: the GitOps engine):
//   - a sync of 500 ConfigMaps in one wave, in objects/s and as a ratio to a raw server-side-apply loop
//     with the same concurrency against the same API server in the same run (the physical limit);
//   - re-comparing 5,000 unchanged live objects makes no API call (requests counted through KubeRest).
// Needs a cluster: $KAWA_BENCH_KUBECONFIG, else the local one (`.kawa/kubeconfig`, `npm run cluster:up`).
import { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine, type OperationRecord, type SyncApp } from '../src/engine/index.js';
import { messageOf } from '../src/errors.js';
import { serverSideApply, withTrackingMarks } from '../src/kube/apply.js';
import { ClusterCache } from '../src/kube/cache.js';
import type { ApiResource } from '../src/kube/discovery.js';
import type { KubeObject } from '../src/kube/objects.js';
import { KubeRest } from '../src/kube/rest.js';
import { projectRoot } from '../src/tools/pins.js';
import type { BenchResult, Benchmark } from './harness.js';

const SYNC_OBJECTS = 500;
const COMPARE_OBJECTS = 5000;
const CONCURRENCY = 16;
const ROUNDS = 5;

const configMaps: ApiResource = { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true, verbs: [] };

function configMap(name: string, namespace?: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace === undefined ? {} : { namespace }) }, data: { greeting: 'hello from kawa', name } };
}

async function pool(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/** The kubeconfig of a reachable cluster, or why there is none. */
async function findCluster(): Promise<{ kc: KubeConfig } | { skip: string }> {
  const path = process.env['KAWA_BENCH_KUBECONFIG'] ?? join(projectRoot(), '.kawa', 'kubeconfig');
  if (!existsSync(path)) return { skip: `no cluster: ${path} does not exist (set KAWA_BENCH_KUBECONFIG or run npm run cluster:up)` };
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
    const rest = new KubeRest(kc);
    await rest.getJson('/version', { timeoutMs: 3000 });
    rest.close();
    return { kc };
  } catch (err) {
    return { skip: `no cluster at ${path}: ${messageOf(err)}` };
  }
}

export const engineSyncBenchmarks: Benchmark = {
  name: 'engine-sync',
  run: async (): Promise<BenchResult[]> => {
    const found = await findCluster();
    if ('skip' in found) {
      process.stderr.write(`[bench] engine-sync skipped: ${found.skip}\n`);
      return [];
    }
    const { kc } = found;
    const rest = new KubeRest(kc);
    const namespace = `bench-${randomBytes(3).toString('hex')}`;
    await rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'kawa.dev/bench': 'true' } } } });
    const cache = new ClusterCache({ kubeConfig: kc, rest, discoveryMinIntervalMs: 200 });
    try {
      await cache.start();
      await cache.synced();
      const engine = createEngine({ rest, cache, waveDelayMs: 0, pollMs: 100, concurrency: CONCURRENCY });

      // Alternate raw and engine rounds so both see the same server conditions; keep the best of each.
      let raw = 0;
      let synced = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // The raw loop sends what the engine sends: the same objects with their tracking marks.
        const rawObjects = Array.from({ length: SYNC_OBJECTS }, (_, i) => {
          const name = `raw-${round}-${i}`;
          return withTrackingMarks(configMap(name, namespace), `${namespace}-raw-${round}`, { group: '', kind: 'ConfigMap', namespace, name });
        });
        const rawStart = performance.now();
        await pool(SYNC_OBJECTS, CONCURRENCY, (i) => serverSideApply(rest, configMaps, rawObjects[i] as KubeObject, { fieldManager: 'kawa' }));
        raw = Math.max(raw, SYNC_OBJECTS / ((performance.now() - rawStart) / 1000));

        const app: SyncApp = {
          name: `${namespace}-sync-${round}`,
          destinationNamespace: namespace,
          desired: Array.from({ length: SYNC_OBJECTS }, (_, i) => configMap(`sync-${round}-${i}`)),
        };
        const persist = (_record: OperationRecord): void => undefined;
        const syncStart = performance.now();
        const record = await engine.runToCompletion({ record: await engine.startSync({ app, operation: { sync: {} }, persist }), app, persist });
        const seconds = (performance.now() - syncStart) / 1000;
        if (record.phase !== 'Succeeded') throw new Error(`bench sync ${record.phase}: ${record.message ?? ''}`);
        synced = Math.max(synced, SYNC_OBJECTS / seconds);
      }

      // For comparison: the same sync when the server dry-runs every object first (what kawa does when
      // there are waves, hooks or prunes to protect): about two requests per object.
      const serverDryRun = createEngine({ rest, cache, waveDelayMs: 0, pollMs: 100, concurrency: CONCURRENCY, dryRunMode: 'server' });
      let checked = 0;
      for (let round = 0; round < 2; round++) {
        const app: SyncApp = {
          name: `${namespace}-checked-${round}`,
          destinationNamespace: namespace,
          desired: Array.from({ length: SYNC_OBJECTS }, (_, i) => configMap(`checked-${round}-${i}`)),
        };
        const persist = (_record: OperationRecord): void => undefined;
        const start = performance.now();
        const record = await serverDryRun.runToCompletion({ record: await serverDryRun.startSync({ app, operation: { sync: {} }, persist }), app, persist });
        if (record.phase !== 'Succeeded') throw new Error(`bench sync ${record.phase}: ${record.message ?? ''}`);
        checked = Math.max(checked, SYNC_OBJECTS / ((performance.now() - start) / 1000));
      }

      // 5,000 tracked objects, applied the way a sync leaves them; then only compares.
      const big: SyncApp = { name: `${namespace}-big`, destinationNamespace: namespace, desired: Array.from({ length: COMPARE_OBJECTS }, (_, i) => configMap(`big-${i}`)) };
      await pool(COMPARE_OBJECTS, 32, (i) => {
        const obj = configMap(`big-${i}`, namespace);
        const marked = withTrackingMarks(obj, big.name, { group: '', kind: 'ConfigMap', namespace, name: `big-${i}` });
        return serverSideApply(rest, configMaps, marked, { fieldManager: 'kawa' });
      });
      const deadline = Date.now() + 60_000;
      while (cache.objectsOf(big.name).length < COMPARE_OBJECTS) {
        if (Date.now() > deadline) throw new Error('the cache did not show the 5,000 objects within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const before = rest.requestCount;
      let best = Infinity;
      for (let round = 0; round < 5; round++) {
        const start = performance.now();
        const compared = engine.compare(big);
        best = Math.min(best, performance.now() - start);
        if (compared.sync !== 'Synced') throw new Error(`the 5,000 objects compare ${compared.sync}`);
      }
      const calls = rest.requestCount - before;

      return [
        {
          name: `sync: ${SYNC_OBJECTS} ConfigMaps, one wave, concurrency ${CONCURRENCY}`,
          figure: synced,
          unit: 'objects/s',
          target: 0.8 * raw,
          higherIsBetter: true,
          notes: `target = 0.8 × a raw SSA loop of the same objects (${Math.round(raw)} objects/s); engine/raw = ${(synced / raw).toFixed(2)}; best of ${ROUNDS} alternating rounds`,
        },
        {
          name: `sync: the same with a server-side dry-run first`,
          figure: checked,
          unit: 'objects/s',
          higherIsBetter: true,
          notes: `engine/raw = ${(checked / raw).toFixed(2)}; the mode for several waves, hooks or prunes (dryRunMode auto)`,
        },
        {
          name: `re-compare ${COMPARE_OBJECTS.toLocaleString('en-US')} unchanged live objects`,
          figure: calls,
          unit: 'API calls',
          higherIsBetter: false,
          notes: `target 0; one compare takes ${Math.round(best)} ms (${Math.round(COMPARE_OBJECTS / (best / 1000)).toLocaleString('en-US')} objects/s)`,
        },
      ];
    } finally {
      await cache.stop();
      await rest.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
      rest.close();
    }
  },
};
