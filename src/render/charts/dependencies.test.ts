// Chart dependencies built by the real `helm dependency build` against real repositories on loopback:
// a static chart repository (HTTP, and one behind Basic auth), a `file://` sibling chart, and an OCI
// registry (docker-registry). The checkout itself is never written to.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildChartRepo, helmBinary, helmPackage, rejectsWith, startStaticServer, startTestRegistry, writeChart, writeFiles, type StaticServer, type TestRegistry } from '../../../test/harness/render.js';
import { errorCodes } from '../../errors.js';
import { exec } from '../../util/exec.js';
import { renderSource, type RenderedObject } from '../index.js';
import { HelmCharts } from './index.js';

// helm runs for real, twice per render: slow on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

const dirs: string[] = [];
const tempDir = async (prefix = 'kawa-deps-test-'): Promise<string> => {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

let charts: StaticServer;
let privateCharts: StaticServer;
let registry: TestRegistry;
let checkout: string;
const auth = { username: 'deps', password: 'dependency-secret-3310' };

beforeAll(async () => {
  const root = await buildChartRepo(await tempDir(), [
    ['app', '1.0.0'],
    ['app', '1.2.0'],
    ['app', '2.0.0'],
  ]);
  charts = await startStaticServer(root);
  privateCharts = await startStaticServer(root, { auth });
  registry = await startTestRegistry(await tempDir('kawa-registry-'));
  const work = await tempDir();
  await registry.push(await helmPackage(await writeChart(work, 'web', '0.3.0'), work), 'charts');
  checkout = await tempDir('kawa-deps-checkout-');
}, 120_000);

afterAll(async () => {
  await charts.close();
  await privateCharts.close();
  await registry.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** An umbrella chart at `dir` in the checkout with these dependencies (YAML list items). */
async function umbrella(dir: string, deps: string[], extra: Record<string, string> = {}): Promise<string> {
  await writeFiles(checkout, dir, {
    'Chart.yaml': `apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n${deps.map((d) => `  - ${d}\n`).join('')}`,
    'templates/own.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: own\n',
    ...extra,
  });
  return dir;
}

const charted = (objects: readonly RenderedObject[]): string[] =>
  objects.map(({ object }) => `${String(object.metadata?.['name'])}=${(object['data'] as Record<string, string> | undefined)?.['chart'] ?? ''}`).sort();

describe('helm dependency build', () => {
  it('fetches a dependency range from a chart repository into a copy, leaving the checkout untouched', async () => {
    const shared = new HelmCharts();
    const dir = await umbrella('range', [`name: app\n    version: ^1.0.0\n    repository: ${charts.url}`]);
    const before = charts.requests.length;
    const first = await renderSource({ repoRoot: checkout, path: dir, appName: 'shop', chartRepositories: { charts: shared } });
    expect(first.sourceType).toBe('Helm');
    expect(charted(first.objects)).toEqual(['own=', 'shop-app=app-1.2.0']);
    expect(await readdir(path.join(checkout, dir))).toEqual(['Chart.yaml', 'templates']);
    // A second render reuses the cached index: only the archive is downloaded again.
    await renderSource({ repoRoot: checkout, path: dir, appName: 'shop', chartRepositories: { charts: shared } });
    expect(charts.requests.slice(before)).toEqual(['/index.yaml', '/charts/app-1.2.0.tgz', '/charts/app-1.2.0.tgz']);
    expect(shared.stats().indexDownloads).toBe(1);
  });

  it('uses a named repository (@name) with its credentials, which appear in no error', async () => {
    const dir = await umbrella('named', ['name: app\n    version: 2.0.0\n    repository: "@private"']);
    const repositories = [{ name: 'private', url: privateCharts.url, creds: auth }];
    const { objects } = await renderSource({ repoRoot: checkout, path: dir, appName: 'x', chartRepositories: { repositories } });
    expect(charted(objects)).toEqual(['own=', 'x-app=app-2.0.0']);

    const wrong = [{ name: 'private', url: privateCharts.url, creds: { username: 'deps', password: 'wrong-password-7781' } }];
    let message = '';
    try {
      await renderSource({ repoRoot: checkout, path: dir, chartRepositories: { repositories: wrong } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^render named \(Helm\): GET http:\/\/127\.0\.0\.1:\d+\/index\.yaml: 401: the credentials were refused$/);
    await rejectsWith(renderSource({ repoRoot: checkout, path: dir }), errorCodes.RENDER_INVALID_SOURCE, /named\/Chart\.yaml: dependency "app": no Helm repository is named "private"/);
  });

  it('takes credentials for a dependency URL from the credentials lookup', async () => {
    const dir = await umbrella('by-url', [`name: app\n    version: 1.0.0\n    repository: ${privateCharts.url}/`]);
    const { objects } = await renderSource({ repoRoot: checkout, path: dir, appName: 'y', chartRepositories: { credentials: (url) => (url.startsWith(privateCharts.url) ? auth : undefined) } });
    expect(charted(objects)).toEqual(['own=', 'y-app=app-1.0.0']);
  });

  it('packages a file:// sibling chart from the repository', async () => {
    await writeChart(path.join(checkout, 'libs'), 'common', '0.0.1');
    const dir = await umbrella('local/chart', ['name: common\n    version: 0.0.1\n    repository: file://../../libs/common']);
    const { objects } = await renderSource({ repoRoot: checkout, path: dir, appName: 'z' });
    expect(charted(objects)).toEqual(['own=', 'z-common=common-0.0.1']);
  });

  it('refuses a file:// dependency outside the repository', async () => {
    const dir = await umbrella('escape', ['name: evil\n    version: 0.0.1\n    repository: file://../../../etc']);
    await rejectsWith(renderSource({ repoRoot: checkout, path: dir }), errorCodes.RENDER_PATH_ESCAPE, /escape\/Chart\.yaml: dependency "evil": repository "file:\/\/\.\.\/\.\.\/\.\.\/etc" leads outside the repository/);
  });

  it('checks vendored dependencies too: helm would rebuild a file:// one from outside the repository', async () => {
    const dir = await umbrella('vendored-escape', ['name: evil\n    version: 0.0.1\n    repository: file://../../../../../../home', `name: app\n    version: 1.0.0\n    repository: ${charts.url}`]);
    await writeChart(path.join(checkout, dir, 'charts'), 'evil', '0.0.1');
    await rejectsWith(renderSource({ repoRoot: checkout, path: dir }), errorCodes.RENDER_PATH_ESCAPE, /dependency "evil": repository "file:.*" leads outside the repository/);
  });

  it('pulls an OCI dependency with the registry credentials', async () => {
    const ociURL = `oci://${registry.host}/charts`;
    const creds = { username: registry.username, password: registry.password, caData: registry.caData };
    const dir = await umbrella('oci', [`name: web\n    version: 0.3.0\n    repository: ${ociURL}`]);
    const { objects } = await renderSource({ repoRoot: checkout, path: dir, appName: 'o', chartRepositories: { credentials: (url) => (url === ociURL ? creds : undefined) } });
    expect(charted(objects)).toEqual(['o-web=web-0.3.0', 'own=']);
  });

  it('builds the versions Chart.lock pins, not the newest the range allows', async () => {
    // A repository that has only app 1.0.0 when the lock is made, and 1.5.0 too when the chart renders.
    const root = await buildChartRepo(await tempDir(), [['app', '1.0.0']]);
    const server = await startStaticServer(root);
    try {
      const dir = await umbrella('locked', [`name: app\n    version: ^1.0.0\n    repository: ${server.url}`]);
      const home = await tempDir('kawa-deps-helm-home-');
      await writeFile(path.join(home, 'repositories.yaml'), `apiVersion: ""\nrepositories:\n  - name: r\n    url: ${server.url}\n`);
      const env = { PATH: process.env['PATH'] ?? '', HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home, HELM_REPOSITORY_CONFIG: path.join(home, 'repositories.yaml') };
      await exec(await helmBinary(), ['dependency', 'update', path.join(checkout, dir)], { env });
      await rm(path.join(checkout, dir, 'charts'), { recursive: true });
      expect(await readFile(path.join(checkout, dir, 'Chart.lock'), 'utf8')).toContain('version: 1.0.0');
      await buildChartRepo(root, [['app', '1.5.0']]);

      const locked = await renderSource({ repoRoot: checkout, path: dir, appName: 'l' });
      expect(charted(locked.objects)).toEqual(['l-app=app-1.0.0', 'own=']);
      await rm(path.join(checkout, dir, 'Chart.lock'));
      const unlocked = await renderSource({ repoRoot: checkout, path: dir, appName: 'l' });
      expect(charted(unlocked.objects)).toEqual(['l-app=app-1.5.0', 'own=']);
    } finally {
      await server.close();
    }
  });

  it('reads requirements.yaml of an apiVersion v1 chart', async () => {
    await writeFiles(checkout, 'v1chart', {
      'Chart.yaml': 'apiVersion: v1\nname: old\nversion: 0.1.0\n',
      'requirements.yaml': `dependencies:\n  - name: app\n    version: 1.0.0\n    repository: ${charts.url}\n`,
      'templates/own.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: own\n',
    });
    const { objects } = await renderSource({ repoRoot: checkout, path: 'v1chart', appName: 'v' });
    expect(charted(objects)).toEqual(['own=', 'v-app=app-1.0.0']);
  });

  it('fails with helm\'s message when no version matches', async () => {
    const dir = await umbrella('nomatch', [`name: app\n    version: ^9.0.0\n    repository: ${charts.url}`]);
    await rejectsWith(renderSource({ repoRoot: checkout, path: dir }), errorCodes.RENDER_FAILED, /^render nomatch \(Helm\): helm dependency build nomatch: exit 1\n.*app.*9\.0\.0/s);
  });
});
