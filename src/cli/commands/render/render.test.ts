// `kawa render`, run as a real process (node + tsx) on the examples of this repository, on a git
// repository served over real HTTP, and on a Helm chart repository on loopback.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { TempDirs, createRepo } from '../../../../test/harness/git.js';
import { buildChartRepo, startStaticServer, type StaticServer } from '../../../../test/harness/render.js';
import { startGitHttpServer, type GitHttpServer } from '../../../git/http-server.js';
import { exec, type ExecResult } from '../../../util/exec.js';
import { sourceFromFlags, type RenderFlags } from './render.js';

// Each test starts node + tsx processes: minutes, not seconds, on a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

const tmp = new TempDirs();
let cacheHome: string;
let git: GitHttpServer;
let charts: StaticServer;

beforeAll(async () => {
  cacheHome = await mkdtemp(path.join(tmpdir(), 'kawa-render-cli-cache-'));
  const root = await tmp.make('kawa-render-cli-git-');
  const work = await createRepo(path.join(await tmp.make('kawa-render-cli-work-'), 'app'));
  await work.commit('first', { files: { 'deploy/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-git\n' } });
  await work.tag('v1');
  await work.publishBare(root, 'app');
  git = await startGitHttpServer({ root });
  charts = await startStaticServer(await buildChartRepo(await tmp.make('kawa-render-cli-charts-'), [['app', '1.0.0'], ['app', '1.4.0']]));
}, 60_000);

afterAll(async () => {
  await Promise.all([git.close(), charts.close()]);
  await rm(cacheHome, { recursive: true, force: true });
  await tmp.cleanup();
});

const kawaRender = (...args: string[]): Promise<ExecResult> =>
  exec(process.execPath, ['--import', 'tsx', 'src/cli/commands/render/testdata/kawa-render.ts', 'render', ...args], {
    timeoutMs: 60_000,
    allowFailure: true,
    // The git mirror cache goes to a private directory, not the user's ~/.cache.
    env: { ...process.env, XDG_CACHE_HOME: cacheHome },
  });

/** `Kind/name` of each document of a YAML stream. */
function kinds(stdout: string): string[] {
  return parseAllDocuments(stdout).map((doc) => {
    const o = doc.toJS() as { kind: string; metadata: { name: string } };
    return `${o.kind}/${o.metadata.name}`;
  });
}

function doc(stdout: string, kind: string): Record<string, unknown> {
  const found = parseAllDocuments(stdout)
    .map((d) => d.toJS() as Record<string, unknown>)
    .find((o) => o['kind'] === kind);
  if (found === undefined) throw new Error(`no ${kind} in output`);
  return found;
}

describe('kawa render (process)', () => {
  it('renders every example source type', async () => {
    const [plain, helm, kustomize, jsonnet] = await Promise.all([
      kawaRender('examples/guestbook'),
      kawaRender('examples/helm-guestbook', '--helm-set', 'replicaCount=2', '--release-name', 'gb', '--namespace', 'apps'),
      kawaRender('examples/kustomize-guestbook/overlays/dev', '--kustomize-image', 'registry.kawa.example/guestbook-ui:9.9'),
      kawaRender('examples/jsonnet-guestbook', '--jsonnet-tla-code', 'replicas=4', '--jsonnet-tla', 'name=jg'),
    ]);
    for (const r of [plain, helm, kustomize, jsonnet]) expect(r.code, r.stderr).toBe(0);
    expect(kinds(plain.stdout)).toEqual(['Deployment/guestbook-ui', 'Service/guestbook-ui']);
    expect(kinds(helm.stdout).filter((k) => k.startsWith('Deployment'))).toEqual(['Deployment/gb-helm-guestbook']);
    expect(doc(helm.stdout, 'Deployment')).toMatchObject({ metadata: { name: 'gb-helm-guestbook' }, spec: { replicas: 2 } });
    expect(kinds(kustomize.stdout)).toEqual(['Service/dev-guestbook-ui', 'Deployment/dev-guestbook-ui']);
    expect(JSON.stringify(doc(kustomize.stdout, 'Deployment'))).toContain('registry.kawa.example/guestbook-ui:9.9');
    expect(kinds(jsonnet.stdout)).toEqual(['Deployment/jg', 'Service/jg']);
    expect(doc(jsonnet.stdout, 'Deployment')).toMatchObject({ spec: { replicas: 4 } });
  });

  it('takes values files named from the current directory, and prints JSON', async () => {
    const r = await kawaRender('examples/helm-guestbook', '--values', 'src/cli/commands/render/testdata/values-replicas.yaml', '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string; items: { kind: string; spec?: { replicas?: number } }[] };
    expect(list.kind).toBe('List');
    expect(list.items.find((o) => o.kind === 'Deployment')?.spec?.replicas).toBe(3);
  });

  it('renders from a git repository over HTTP, and a chart from a Helm repository', async () => {
    const [fromGit, fromChart] = await Promise.all([
      kawaRender('--repo', git.urlFor('app'), '--revision', 'v1', '--path', 'deploy'),
      kawaRender('--repo', charts.url, '--chart', 'app', '--revision', '~1.0', '--helm-set', 'message=cli'),
    ]);
    expect(fromGit.code, fromGit.stderr).toBe(0);
    expect(kinds(fromGit.stdout)).toEqual(['ConfigMap/from-git']);
    expect(fromChart.code, fromChart.stderr).toBe(0);
    expect(doc(fromChart.stdout, 'ConfigMap')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-app' }, data: { chart: 'app-1.0.0', message: 'cli' } });
  });

  it('renders with a config management plugin from a plugin.yaml', async () => {
    const r = await kawaRender('examples/guestbook', '--root', 'examples/guestbook', '--plugin-config', 'src/cli/commands/render/testdata/plugin.yaml', '--plugin', 'count-v1', '--plugin-env', 'NAME=counted');
    expect(r.code, r.stderr).toBe(0);
    expect(doc(r.stdout, 'ConfigMap')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counted' }, data: { files: '2' } });
  });

  it('renders manifests with fields written with no value, and names the file and field of metadata the API server would refuse', async () => {
    const nulls = await tmp.make('kawa-render-cli-nulls-');
    const bad = await tmp.make('kawa-render-cli-bad-');
    await writeFile(path.join(nulls, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: empty\n  labels:\n  annotations:\ndata:\n');
    await writeFile(path.join(bad, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  labels:\n    - tier=web\n');
    const [ok, refused] = await Promise.all([kawaRender(nulls, '--root', nulls), kawaRender(bad, '--root', bad)]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(parseAllDocuments(ok.stdout).map((d) => d.toJS() as unknown)).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'empty' }, data: null }]);
    expect([refused.code, refused.stdout]).toEqual([1, '']);
    expect(refused.stderr).toContain('cm.yaml document 1 (line 1): metadata.labels: must be a map of strings, found an array');
  });

  it.each([
    ['a missing directory', ['examples/nope'], /^error: examples\/nope is not a directory\n\(KAWA_RENDER_INVALID_SOURCE\)\n$/],
    ['a malformed --helm-set', ['examples/helm-guestbook', '--helm-set', 'novalue'], /--helm-set "novalue": expected NAME=VALUE/],
    ['a chart that fails to template', ['examples/helm-guestbook', '--helm-set', 'replicaCount={a'], /^error: render examples\/helm-guestbook \(Helm\): helm template examples\/helm-guestbook: exit 1\n[\s\S]*\(KAWA_RENDER_FAILED\)\n$/],
    ['an unknown git revision', ['--repo', 'REPO', '--revision', 'nope', '--path', 'deploy'], /\(KAWA_GIT_REVISION_NOT_FOUND\)/],
  ])('fails on %s with a message, exit 1 and nothing on stdout', async (_what, args, message) => {
    const r = await kawaRender(...args.map((a) => (a === 'REPO' ? git.urlFor('app') : a)));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});

describe('sourceFromFlags', () => {
  const none: RenderFlags = { helmSet: [], helmSetString: [], values: [], kustomizeImage: [], jsonnetTla: [], jsonnetTlaCode: [], jsonnetExtVar: [], pluginConfig: [], pluginEnv: [], output: 'yaml' };
  it.each([
    ['no flags: no block, so the type is detected', {}, {}],
    ['helm flags', { helmSet: ['a=1,2'], helmSetString: ['b=true'], releaseName: 'r' }, { helm: { parameters: [{ name: 'a', value: '1,2' }, { name: 'b', value: 'true', forceString: true }], releaseName: 'r' } }],
    ['kustomize images', { kustomizeImage: ['nginx=nginx:1.27'] }, { kustomize: { images: ['nginx=nginx:1.27'] } }],
    ['jsonnet and recurse', { jsonnetTla: ['a=x=y'], jsonnetExtVar: ['e=1'], directoryRecurse: true }, { directory: { recurse: true, jsonnet: { tlas: [{ name: 'a', value: 'x=y', code: false }], extVars: [{ name: 'e', value: '1', code: false }] } } }],
    ['a plugin', { plugin: 'cmp-v1', pluginEnv: ['A=b'] }, { plugin: { name: 'cmp-v1', env: [{ name: 'A', value: 'b' }] } }],
  ] as const)('%s', (_what, flags, expected) => {
    expect(sourceFromFlags({ ...none, ...flags } as RenderFlags, [])).toEqual(expected);
  });
});
