// Render throughput through RepoService (issue: manifest rendering): the examples of this repository in a
// real git repository served over real smart HTTP. Figures: cached render latency (and that it costs no
// render and no git command), uncached render time per source type next to the bare tool on the same
// input (overhead ratio), and the git commands of a 100-app refresh pass with and without a new commit.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startGitHttpServer } from '../src/git/http-server.js';
import { GitMirrorCache } from '../src/git/mirror.js';
import { execGitRunner, subcommand, type GitInvocation } from '../src/git/run.js';
import { projectRoot } from '../src/tools/pins.js';
import { toolBinary, toolEnv } from '../src/render/tools.js';
import { RepoService, type ManifestRequest } from '../src/reposerver/index.js';
import { exec } from '../src/util/exec.js';
import { createRepo } from '../test/harness/git.js';
import type { BenchResult, Benchmark } from './harness.js';

interface Case {
  label: string;
  path: string;
  source?: Partial<ManifestRequest['source']>;
  /** The bare tool on the same input: [binary, args]; none for directories (rendered in-process). */
  bare?: (appDir: string) => Promise<[string, string[]]>;
}

const cases: Case[] = [
  { label: 'directory', path: 'examples/guestbook' },
  { label: 'kustomize', path: 'examples/kustomize-guestbook/overlays/dev', bare: async (dir) => [await toolBinary('kustomize'), ['build', dir]] },
  { label: 'helm', path: 'examples/helm-guestbook', bare: async (dir) => [await toolBinary('helm'), ['template', 'bench', dir, '--include-crds']] },
  { label: 'jsonnet', path: 'examples/jsonnet-guestbook', bare: async (dir) => [await toolBinary('jsonnet'), [path.join(dir, 'guestbook.jsonnet')]] },
];

/** Mean milliseconds of `fn` over `count` sequential calls (after one warm-up call with i = -1). */
async function meanMs(count: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  await fn(-1);
  const start = performance.now();
  for (let i = 0; i < count; i++) await fn(i);
  return (performance.now() - start) / count;
}

export const renderBenchmarks: Benchmark = {
  name: 'render',
  run: async () => {
    const dirs: string[] = [];
    const temp = async (prefix: string): Promise<string> => {
      const dir = await mkdtemp(path.join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    };
    const served = await temp('kawa-bench-git-');
    const work = await createRepo(path.join(await temp('kawa-bench-work-'), 'app'));
    await cp(path.join(projectRoot(), 'examples'), path.join(work.dir, 'examples'), { recursive: true });
    await work.commit('examples');
    await work.publishBare(served, 'app');
    const server = await startGitHttpServer({ root: served });
    const calls: GitInvocation[] = [];
    const inner = execGitRunner();
    const count = (sub: string): number => calls.filter((c) => subcommand(c.args) === sub).length;
    let now = 0;
    const service = new RepoService({
      mirrors: new GitMirrorCache({
        cacheRoot: await temp('kawa-bench-mirrors-'),
        runGit: (invocation) => {
          calls.push(invocation);
          return inner(invocation);
        },
      }),
      workRoot: await temp('kawa-bench-checkouts-'),
      refsTtlMs: 3_000,
      now: () => now,
    });
    const repoURL = server.urlFor('app');
    const request = (c: Case, appName: string): ManifestRequest => ({ source: { repoURL, path: c.path, ...c.source }, appName, namespace: 'bench' });
    const results: BenchResult[] = [];
    try {
      // Uncached: a new app name each time is a new render key (same checkout, refs within the TTL). Each
      // render alternates with one bare tool run, so a busy machine slows both alike.
      for (const c of cases) {
        const appDir = path.join(work.dir, c.path);
        const home = await temp('kawa-bench-tool-');
        const bareCall = c.bare === undefined ? undefined : await c.bare(appDir);
        await service.generateManifests(request(c, `cold-${c.label}-warmup`));
        let renderMs = 0;
        let bareMs = 0;
        const n = 10;
        for (let i = 0; i < n; i++) {
          let start = performance.now();
          await service.generateManifests(request(c, `cold-${c.label}-${i}`));
          renderMs += performance.now() - start;
          if (bareCall === undefined) continue;
          start = performance.now();
          await exec(bareCall[0], bareCall[1], { cwd: appDir, env: toolEnv(home) });
          bareMs += performance.now() - start;
        }
        const uncached = renderMs / n;
        results.push({ name: `render uncached: ${c.label}`, figure: uncached, unit: 'ms', higherIsBetter: false, notes: `${(1000 / uncached).toFixed(1)} renders/s` });
        if (bareCall !== undefined) {
          results.push({ name: `render uncached ÷ bare tool: ${c.label}`, figure: renderMs / bareMs, unit: '×', target: 1.2, higherIsBetter: false, notes: `bare ${(bareMs / n).toFixed(1)} ms` });
        }
      }

      // Cached: the same app again, within the refs TTL.
      for (const c of cases) {
        const req = request(c, `warm-${c.label}`);
        await service.generateManifests(req);
        const before = { renders: service.stats().renders, git: calls.length };
        const n = 2_000;
        const cached = await meanMs(n, () => service.generateManifests(req));
        const after = service.stats();
        results.push({
          name: `render cached: ${c.label}`,
          figure: cached,
          unit: 'ms',
          target: 1,
          higherIsBetter: false,
          notes: `${Math.round(1000 / cached).toLocaleString('en-US')} renders/s; ${after.renders - before.renders} renders, ${calls.length - before.git} git commands in ${n + 1}`,
        });
      }

      // 100 apps on one repository: a refresh pass after the TTL with no new commit, then with one.
      const apps = Array.from({ length: 100 }, (_, i) => request(cases[i % cases.length] ?? (cases[0] as Case), `pass-${i}`));
      await Promise.all(apps.map((a) => service.generateManifests(a)));
      now += 10_000;
      let mark = { ls: count('ls-remote'), fetch: count('fetch') };
      let start = performance.now();
      await Promise.all(apps.map((a) => service.generateManifests(a)));
      const passMs = performance.now() - start;
      results.push(
        { name: '100-app refresh, no new commit: ls-remote', figure: count('ls-remote') - mark.ls, unit: 'calls', target: 1, higherIsBetter: false, notes: `${passMs.toFixed(1)} ms for the pass` },
        { name: '100-app refresh, no new commit: fetch', figure: count('fetch') - mark.fetch, unit: 'calls', higherIsBetter: false, notes: 'target: 0' },
      );
      await work.commit('bump', { files: { 'examples/guestbook/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n' } });
      await work.publishBare(served, 'app');
      now += 10_000;
      mark = { ls: count('ls-remote'), fetch: count('fetch') };
      start = performance.now();
      await Promise.all(apps.map((a) => service.generateManifests(a)));
      results.push({ name: '100-app refresh, new commit: fetch', figure: count('fetch') - mark.fetch, unit: 'calls', target: 1, higherIsBetter: false, notes: `${(performance.now() - start).toFixed(0)} ms to re-render 100 apps` });
    } finally {
      await server.close();
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    }
    return results;
  },
};
