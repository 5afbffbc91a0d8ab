// The application controller against a real API server (issue: the application controller):
//   - the "one ConfigMap per app" workload of published Argo CD scale tests, scaled to this machine: APPS
//     Applications (each one 2 KB ConfigMap, one git repository), automated sync, time until all are
//     Synced and Healthy → apps/s (target ≥ 30 apps/s on 2 cores, API server included);
//   - steady state: one full refresh pass with nothing changed costs 0 renders, 0 API writes and one
//     `ls-remote` per repository; CPU seconds per pass and the process RSS;
//   - push-to-applied latency: commit + webhook-style refresh → object updated in the cluster, p50/p99
//     over 50 changes with the other apps idle.
// Needs a cluster: $KAWA_BENCH_KUBECONFIG, else `.kawa/kubeconfig` (`npm run cluster:up`), else the test cluster.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApplicationController } from '../src/controller/index.js';
import { startGitHttpServer } from '../src/git/http-server.js';
import { GitMirrorCache } from '../src/git/mirror.js';
import { KubeRest } from '../src/kube/index.js';
import { applicationCrd, appProjectCrd, defaultProject } from '../src/model/index.js';
import { RepoService } from '../src/reposerver/index.js';
import { createRepo } from '../test/harness/git.js';
import { findBenchCluster, percentile, pool } from './cluster.js';
import type { BenchResult, Benchmark } from './harness.js';

const APPS = Number(process.env['KAWA_BENCH_APPS'] ?? 1000);
const CHANGES = 50;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };


function configMap(i: number, value: string): string {
  // About 2 KB of data, as in the published "one ConfigMap per app" tests.
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  value: "${value}"\n  payload: "${'x'.repeat(2000)}"\n`;
}

export const controllerBenchmarks: Benchmark = {
  name: 'controller',
  run: async (): Promise<BenchResult[]> => {
    const found = await findBenchCluster();
    if (typeof found === 'string') return [{ name: 'controller: skipped', figure: 0, unit: '', higherIsBetter: true, notes: found }];
    const kc = found;
    const rest = new KubeRest(kc);
    const id = randomBytes(3).toString('hex');
    const ns = `bench-ctl-${id}`;
    const dest = `bench-ctl-dest-${id}`;
    const tmp = await mkdtemp(path.join(tmpdir(), 'kawa-bench-ctl-'));
    const results: BenchResult[] = [];
    let controller: ApplicationController | undefined;
    const git = { close: (): Promise<void> => Promise.resolve() };
    try {
      for (const name of [ns, dest]) await rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
      for (const crd of [applicationCrd(), appProjectCrd()]) {
        await rest.request('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`, {
          body: crd,
          contentType: 'application/apply-patch+yaml',
          query: { fieldManager: 'kawa', force: 'true' },
        });
      }
      await rest.request('POST', `/apis/argoproj.io/v1alpha1/namespaces/${ns}/appprojects`, { body: defaultProject(ns) });

      const repo = await createRepo(path.join(tmp, 'work'));
      const files: Record<string, string> = {};
      for (let i = 0; i < APPS; i++) files[`apps/${i}/cm.yaml`] = configMap(i, 'v0');
      await repo.commit('apps', { files });
      await repo.publishBare(path.join(tmp, 'served'), 'apps');
      const server = await startGitHttpServer({ root: path.join(tmp, 'served') });
      git.close = () => server.close();
      const repoURL = server.urlFor('apps');

      const repoService = new RepoService({ mirrors: new GitMirrorCache({ cacheRoot: path.join(tmp, 'mirrors') }), workRoot: path.join(tmp, 'checkouts') });
      let reconciles = 0;
      controller = new ApplicationController({
        kubeConfig: kc,
        namespace: ns,
        repo: repoService,
        log: silent,
        concurrency: 16,
        reconciliationMs: 3_600_000,
        reconciliationJitterMs: 0,
        ...(process.env['KAWA_BENCH_WAVE_DELAY_MS'] === undefined ? {} : { waveDelayMs: Number(process.env['KAWA_BENCH_WAVE_DELAY_MS']) }),
        onReconciled: () => {
          reconciles++;
        },
      });
      await controller.start();

      // 1. Time from the first Application created until every app is Synced and Healthy.
      const done = new Set<string>();
      let allDone: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (allDone = resolve));
      const watcher = controller;
      const interval = setInterval(() => {
        void (async () => {
          const list = (await rest.getJson(`/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications`)) as { items: { metadata: { name: string }; status?: { sync?: { status?: string }; health?: { status?: string } } }[] };
          for (const app of list.items) if (app.status?.sync?.status === 'Synced' && app.status.health?.status === 'Healthy') done.add(app.metadata.name);
          if (done.size >= APPS) allDone();
        })().catch(() => undefined);
      }, 500);
      const started = performance.now();
      await pool(APPS, 16, (i) =>
        rest.request('POST', `/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications`, {
          body: {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Application',
            metadata: { name: `app-${i}`, namespace: ns },
            spec: {
              project: 'default',
              source: { repoURL, path: `apps/${i}`, targetRevision: 'HEAD' },
              destination: { server: 'https://kubernetes.default.svc', namespace: dest },
              syncPolicy: { automated: { prune: true } },
            },
          },
        }),
      );
      const createdIn = (performance.now() - started) / 1000;
      await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 15 * 60_000))]);
      clearInterval(interval);
      const seconds = (performance.now() - started) / 1000;
      results.push({
        name: `controller: ${APPS} apps created → Synced+Healthy`,
        figure: done.size / seconds,
        unit: 'apps/s',
        target: 30,
        higherIsBetter: true,
        notes: `${done.size}/${APPS} in ${seconds.toFixed(1)} s (creating them took ${createdIn.toFixed(1)} s; ${(watcher.writes() / APPS).toFixed(1)} writes and ${(reconciles / APPS).toFixed(1)} reconciles per app); API server on the same 2 cores`,
      });
      await watcher.idle();

      // 2. Steady state: a full refresh pass of every app with nothing changed.
      await new Promise((resolve) => setTimeout(resolve, 3_500)); // past the ls-remote reuse window
      const before = { ...repoService.stats(), writes: watcher.writes() };
      const cpu = process.cpuUsage();
      const passStart = performance.now();
      for (let i = 0; i < APPS; i++) watcher.refresh(ns, `app-${i}`, 'normal');
      await watcher.idle();
      const passMs = performance.now() - passStart;
      const used = process.cpuUsage(cpu);
      const after = { ...repoService.stats(), writes: watcher.writes() };
      const rss = process.memoryUsage().rss / 1024 / 1024;
      results.push({
        name: 'controller: steady refresh pass, renders',
        figure: after.renders - before.renders,
        unit: 'renders',
        higherIsBetter: false,
        notes: `${after.lsRemotes - before.lsRemotes} ls-remote for 1 repository, ${after.writes - before.writes} API writes, ${passMs.toFixed(0)} ms wall`,
      });
      results.push({ name: 'controller: steady refresh pass, API writes', figure: after.writes - before.writes, unit: 'writes', higherIsBetter: false });
      results.push({ name: 'controller: steady refresh pass, CPU', figure: (used.user + used.system) / 1e6, unit: 'CPU-s', higherIsBetter: false });
      results.push({ name: `controller: RSS with ${APPS} apps`, figure: rss, unit: 'MB', target: 200, higherIsBetter: false, notes: 'whole bench process (controller, its caches, the bench itself)' });

      // 3. Push-to-applied latency for one app while the others idle.
      const latencies: number[] = [];
      for (let change = 1; change <= CHANGES; change++) {
        const value = `v${change}`;
        await repo.commit(`change ${change}`, { files: { 'apps/0/cm.yaml': configMap(0, value) } });
        await repo.publishBare(path.join(tmp, 'served'), 'apps');
        const t0 = performance.now();
        repoService.invalidate(repoURL);
        watcher.refresh(ns, 'app-0', 'normal');
        for (;;) {
          const cm = (await rest.getJson(`/api/v1/namespaces/${dest}/configmaps/cm-0`)) as { data?: Record<string, string> };
          if (cm.data?.['value'] === value) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        latencies.push(performance.now() - t0);
      }
      results.push({ name: 'controller: push-to-applied p50', figure: percentile(latencies, 50), unit: 'ms', target: 1000, higherIsBetter: false, notes: `${CHANGES} changes, ${APPS - 1} apps idle` });
      results.push({ name: 'controller: push-to-applied p99', figure: percentile(latencies, 99), unit: 'ms', target: 3000, higherIsBetter: false });
    } finally {
      await controller?.stop();
      await git.close();
      for (const name of [ns, dest]) await rest.request('DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
      rest.close();
      await rm(tmp, { recursive: true, force: true });
    }
    return results;
  },
};
