// RepoService end to end: a real git repository served over real smart HTTP (git http-backend), the
// real mirror cache and renderers, Helm charts from a real static chart repository and charts with
// dependencies. git commands are observed (not replaced) to count ls-remotes and fetches. Needs no cluster.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { GitMirrorCache } from '../../src/git/mirror.js';
import { execGitRunner, subcommand, type GitInvocation } from '../../src/git/run.js';
import { HelmCharts } from '../../src/render/index.js';
import { RepoService, type ManifestRequest, type RepoServiceOptions } from '../../src/reposerver/index.js';
import { TempDirs, createRepo, type TestRepo } from '../harness/git.js';
import { buildChartRepo, names, rejectsWith, startStaticServer, type StaticServer } from '../harness/render.js';

const tmp = new TempDirs();
let root: string;
let server: GitHttpServer;
let charts: StaticServer;
let work: TestRepo;
let url: string;
const sha = { first: '', feature: '', v1: '' };

const files = {
  'guestbook/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guestbook\ndata:\n  version: "1"\n',
  'kustomize/kustomization.yaml': 'resources:\n  - cm.yaml\nnamePrefix: k-\n',
  'kustomize/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kust\n',
  'chart/Chart.yaml': 'apiVersion: v2\nname: chart\nversion: 0.1.0\n',
  'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  msg: {{ .Values.msg | default "none" | quote }}\n',
  'broken/ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n',
  'broken/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n',
};

beforeAll(async () => {
  root = await tmp.make('kawa-reposerver-root-');
  work = await createRepo(path.join(await tmp.make('kawa-reposerver-work-'), 'app'));
  sha.first = await work.commit('first', { files });
  await work.tag('v1', { annotated: true, message: 'release 1' });
  sha.v1 = sha.first;
  await work.branch('feature');
  await work.checkout('feature');
  sha.feature = await work.commit('feature', { files: { 'guestbook/cm.yaml': files['guestbook/cm.yaml'].replace('"1"', '"feature"') } });
  await work.checkout('main');
  await work.publishBare(root, 'app');
  server = await startGitHttpServer({ root });
  url = server.urlFor('app');
  charts = await startStaticServer(await buildChartRepo(await tmp.make('kawa-reposerver-charts-'), [['app', '1.0.0'], ['app', '1.1.0'], ['lib', '2.0.0']]));
}, 120_000);

afterAll(async () => {
  await Promise.all([server.close(), charts.close()]);
  await tmp.cleanup();
});

interface Fixture {
  service: RepoService;
  calls: GitInvocation[];
  count(sub: string): number;
  advance(ms: number): void;
}

async function fixture(options: Partial<RepoServiceOptions> = {}): Promise<Fixture> {
  const calls: GitInvocation[] = [];
  const inner = execGitRunner();
  let now = 1_000_000;
  const mirrors = new GitMirrorCache({
    cacheRoot: await tmp.make('kawa-reposerver-cache-'),
    runGit: (invocation) => {
      calls.push(invocation);
      return inner(invocation);
    },
  });
  const service = new RepoService({ mirrors, workRoot: await tmp.make('kawa-reposerver-checkouts-'), refsTtlMs: 3_000, now: () => now, ...options });
  return {
    service,
    calls,
    count: (sub) => calls.filter((c) => subcommand(c.args) === sub).length,
    advance: (ms) => {
      now += ms;
    },
  };
}

const app = (p: string, extra: Partial<ManifestRequest['source']> = {}, appName = 'guestbook'): ManifestRequest => ({ source: { repoURL: url, path: p, ...extra }, appName, namespace: 'apps' });

describe('RepoService over a real git repository served by HTTP', () => {
  it('resolves HEAD, a branch, an annotated tag, a full and a short SHA to commits', async () => {
    const { service } = await fixture();
    const resolve = (targetRevision: string): Promise<string> => service.resolveRevision({ repoURL: url, targetRevision });
    expect(await resolve('HEAD')).toBe(sha.first);
    expect(await service.resolveRevision({ repoURL: url })).toBe(sha.first);
    expect(await resolve('main')).toBe(sha.first);
    expect(await resolve('feature')).toBe(sha.feature);
    expect(await resolve('v1')).toBe(sha.v1);
    expect(await resolve(sha.feature.toUpperCase())).toBe(sha.feature);
    expect(await resolve(sha.feature.slice(0, 8))).toBe(sha.feature);
    await rejectsWith(resolve('no-such-branch'), errorCodes.GIT_REVISION_NOT_FOUND);
    await rejectsWith(resolve('--upload-pack=evil'), errorCodes.GIT_REVISION_INVALID);
  });

  it('renders each source type at the revision asked for', async () => {
    const { service } = await fixture();
    const main = await service.generateManifests(app('guestbook'));
    expect(main).toMatchObject({ revision: sha.first, sourceType: 'Directory', cached: false });
    const feature = await service.generateManifests(app('guestbook', { targetRevision: 'feature' }));
    expect(feature.revision).toBe(sha.feature);
    expect(feature.objects[0]?.object['data']).toEqual({ version: 'feature' });
    expect(names((await service.generateManifests(app('kustomize'))).objects)).toEqual(['ConfigMap/k-kust']);
    const helm = await service.generateManifests(app('chart', { helm: { valuesObject: { msg: 'hi' } } }, 'shop'));
    expect(helm.sourceType).toBe('Helm');
    expect(helm.objects.map((o) => o.object['data'])).toEqual([{ msg: 'hi' }]);
    expect(names(helm.objects)).toEqual(['ConfigMap/shop-cm']);
  });

  it('serves an unchanged commit from the render cache: no render, no process, no git command', async () => {
    const f = await fixture();
    const first = await f.service.generateManifests(app('guestbook'));
    const before = f.service.stats();
    const gitCalls = f.calls.length;
    const again = await f.service.generateManifests(app('guestbook'));
    expect(again.cached).toBe(true);
    expect(again.objects).toEqual(first.objects);
    expect(f.service.stats()).toMatchObject({ renders: before.renders, cacheHits: before.cacheHits + 1, lsRemotes: before.lsRemotes });
    expect(f.calls.length).toBe(gitCalls);
    // Past the TTL: one ls-remote says nothing moved, and the render is still cached.
    f.advance(5_000);
    expect((await f.service.generateManifests(app('guestbook'))).cached).toBe(true);
    expect(f.service.stats()).toMatchObject({ renders: before.renders, lsRemotes: before.lsRemotes + 1 });
    expect(f.count('fetch')).toBe(1);
  });

  it('runs one ls-remote per TTL window for 100 apps on one repository, and one fetch per new commit', async () => {
    const f = await fixture();
    const apps = Array.from({ length: 100 }, (_, i) => app('guestbook', {}, `app-${i}`));
    await Promise.all(apps.map((a) => f.service.generateManifests(a)));
    expect(f.service.stats()).toMatchObject({ lsRemotes: 1, renders: 100, checkouts: 1 });
    expect(f.count('ls-remote')).toBe(1);
    expect(f.count('fetch')).toBe(1);

    f.advance(5_000);
    await Promise.all(apps.map((a) => f.service.generateManifests(a)));
    expect(f.service.stats()).toMatchObject({ lsRemotes: 2, renders: 100, cacheHits: 100 });
    expect(f.count('ls-remote')).toBe(2);
    expect(f.count('fetch')).toBe(1);

    // A new commit: the next window sees it, fetches once and renders every app anew.
    const next = await work.commit('second', { files: { 'guestbook/cm.yaml': files['guestbook/cm.yaml'].replace('"1"', '"2"') } });
    await work.publishBare(root, 'app');
    try {
      f.advance(5_000);
      const results = await Promise.all(apps.map((a) => f.service.generateManifests(a)));
      expect(new Set(results.map((r) => r.revision))).toEqual(new Set([next]));
      expect(results.every((r) => !r.cached && (r.objects[0]?.object['data'] as Record<string, string>)['version'] === '2')).toBe(true);
      expect(f.service.stats()).toMatchObject({ lsRemotes: 3, renders: 200, checkouts: 2 });
      expect(f.count('ls-remote')).toBe(3);
      expect(f.count('fetch')).toBe(2);
    } finally {
      await work.git(['reset', '--hard', sha.first]);
      await work.publishBare(root, 'app');
    }
  });

  it('throws a failing render with the file named, and does not cache it', async () => {
    const f = await fixture();
    await rejectsWith(f.service.generateManifests(app('broken')), errorCodes.RENDER_INVALID_MANIFEST, /^render broken \(Directory\): broken\/bad\.yaml:\d+/);
    await rejectsWith(f.service.generateManifests(app('broken')), errorCodes.RENDER_INVALID_MANIFEST, /broken\/bad\.yaml/);
    expect(f.service.stats()).toMatchObject({ renders: 2, cacheHits: 0 });
    await rejectsWith(f.service.generateManifests(app('../outside')), errorCodes.RENDER_PATH_ESCAPE, /path "\.\.\/outside" leads outside the repository/);
  });

  it('renders a chart from a Helm chart repository, the chart version being the revision', async () => {
    const f = await fixture({ charts: new HelmCharts() });
    const request: ManifestRequest = { source: { repoURL: charts.url, chart: 'app', targetRevision: '^1.0.0', helm: { valuesObject: { message: 'from app' } } }, appName: 'web' };
    const first = await f.service.generateManifests(request);
    expect(first).toMatchObject({ revision: '1.1.0', sourceType: 'Helm', cached: false });
    expect(first.objects.map((o) => o.object['data'])).toEqual([{ chart: 'app-1.1.0', message: 'from app' }]);
    const second = await f.service.generateManifests(request);
    expect(second.cached).toBe(true);
    expect(f.service.stats()).toMatchObject({ renders: 1, checkouts: 1 });
    expect(f.calls).toEqual([]);
    await rejectsWith(f.service.generateManifests({ ...request, source: { ...request.source, targetRevision: '^5' } }), errorCodes.HELM_CHART_NOT_FOUND, /no version of chart "app"/);
  });

  it('renders with a configured plugin in a copy of the checkout, with the resolved revision in its environment', async () => {
    const plugin = {
      name: 'rev',
      generate: { command: ['sh', '-c'], args: [String.raw`printf 'apiVersion: v1
kind: ConfigMap
metadata:
  name: %s
data:
  rev: "%s"
  files: "%s"
' "$ARGOCD_APP_NAME" "$ARGOCD_APP_REVISION" "$(ls | tr '
' ' ')"; touch written-by-plugin`] },
    };
    const f = await fixture({ plugins: () => [plugin] });
    const result = await f.service.generateManifests(app('guestbook', { plugin: { name: 'rev' } }, 'plugged'));
    expect(result).toMatchObject({ revision: sha.first, sourceType: 'Plugin' });
    expect(result.objects.map((o) => o.object)).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plugged' }, data: { rev: sha.first, files: 'cm.yaml ' } }]);
    // The plugin's file went to its copy: a second app on the same checkout does not see it.
    const other = await f.service.generateManifests(app('guestbook', { plugin: { name: 'rev' } }, 'other'));
    expect((other.objects[0]?.object['data'] as Record<string, string>)['files']).toBe('cm.yaml ');
  });

  it('builds a git chart\'s dependencies from a named Helm repository', async () => {
    const f = await fixture({ helmRepositories: () => [{ name: 'stable', url: charts.url }] });
    const next = await work.commit('umbrella', {
      files: { 'umbrella/Chart.yaml': 'apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n  - name: lib\n    version: "2.x"\n    repository: "@stable"\n' },
    });
    await work.publishBare(root, 'app');
    try {
      const result = await f.service.generateManifests(app('umbrella', {}, 'um'));
      expect(result.revision).toBe(next);
      expect(result.objects.map((o) => o.object['data'])).toEqual([{ chart: 'lib-2.0.0', message: 'hello' }]);
    } finally {
      await work.git(['reset', '--hard', sha.first]);
      await work.publishBare(root, 'app');
    }
  });
});
