// HelmCharts against real servers on loopback: a static chart repository (a real `helm repo index`
// index.yaml and `helm package`d charts) over HTTP and HTTPS with Basic auth, and Debian's real
// registry (docker-registry, TLS + htpasswd) with charts pushed by `helm push`.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildChartRepo, createPki, helmPackage, rejectsWith, startStaticServer, startTestRegistry, writeChart, type StaticServer, type TestRegistry } from '../../../test/harness/render.js';
import { errorCodes } from '../../errors.js';
import { HelmCharts } from './index.js';

// helm, openssl and a registry run for real: slow on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

const dirs: string[] = [];
const tempDir = async (prefix = 'kawa-charts-test-'): Promise<string> => {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const versions = [
  ['app', '1.0.0'],
  ['app', '1.2.0'],
  ['app', '1.10.1'],
  ['app', '2.0.0-rc.1'],
  ['other', '0.1.0'],
] as const;

describe('HelmCharts: HTTP chart repositories', () => {
  let repoRoot: string;
  let plain: StaticServer;
  let secured: StaticServer;
  let caData: string;
  const auth = { username: 'reader', password: 'chart-secret-8472' };

  beforeAll(async () => {
    repoRoot = await buildChartRepo(await tempDir(), versions);
    plain = await startStaticServer(repoRoot);
    const pki = await createPki(path.join(await tempDir(), 'pki'), [], '127.0.0.1');
    caData = await readFile(pki.caCert, 'utf8');
    secured = await startStaticServer(repoRoot, { auth, tls: { cert: pki.serverCert, key: pki.serverKey } });
  }, 60_000);
  afterAll(async () => {
    await plain.close();
    await secured.close();
  });

  it.each([
    ['', '1.10.1'],
    ['1.2.0', '1.2.0'],
    ['^1.0.0', '1.10.1'],
    ['~1.2', '1.2.0'],
    ['>=2.0.0-0', '2.0.0-rc.1'],
  ])('resolves %j to %s from the real index.yaml', async (wanted, expected) => {
    const charts = new HelmCharts();
    expect(await charts.resolveVersion({ repoURL: plain.url, chart: 'app', version: wanted })).toBe(expected);
  });

  it('downloads the index once per TTL window and revalidates it with its ETag', async () => {
    let now = 1_000;
    const charts = new HelmCharts({ indexTtlMs: 3_000, now: () => now });
    const before = plain.requests.length;
    await Promise.all(Array.from({ length: 20 }, () => charts.resolveVersion({ repoURL: `${plain.url}/`, chart: 'app', version: '^1' })));
    expect(plain.requests.slice(before)).toEqual(['/index.yaml']);
    now += 5_000;
    expect(await charts.resolveVersion({ repoURL: plain.url, chart: 'app', version: '1.0.0' })).toBe('1.0.0');
    expect(charts.stats()).toMatchObject({ indexDownloads: 1, indexNotModified: 1 });
  });

  it('fetches and unpacks a chart, the archive checked against the index digest', async () => {
    const charts = new HelmCharts();
    const dest = await tempDir();
    await charts.fetch({ repoURL: plain.url, chart: 'app', version: '1.2.0', destDir: dest });
    expect((await readdir(dest)).sort()).toEqual(['Chart.yaml', 'templates', 'values.yaml']);
    expect(await readFile(path.join(dest, 'Chart.yaml'), 'utf8')).toContain('version: 1.2.0');
  });

  it('refuses an archive whose sha256 is not the index digest', async () => {
    const root = await buildChartRepo(await tempDir(), [['app', '1.0.0']]);
    // Swap the archive for another chart after indexing.
    const other = await helmPackage(await writeChart(await tempDir(), 'app', '1.0.0', { 'values.yaml': 'message: tampered\n' }), await tempDir());
    await writeFile(path.join(root, 'charts', 'app-1.0.0.tgz'), await readFile(other));
    const server = await startStaticServer(root);
    try {
      await rejectsWith(new HelmCharts().fetch({ repoURL: server.url, chart: 'app', version: '1.0.0', destDir: await tempDir() }), errorCodes.HELM_REPO_FAILED, /is not the index's digest/);
    } finally {
      await server.close();
    }
  });

  it('uses Basic auth and a custom CA over HTTPS, and names no secret in errors', async () => {
    const charts = new HelmCharts();
    const creds = { ...auth, caData };
    expect(await charts.resolveVersion({ repoURL: secured.url, chart: 'app', version: '~1.0', creds })).toBe('1.0.0');
    const dest = await tempDir();
    await charts.fetch({ repoURL: secured.url, chart: 'other', version: '0.1.0', destDir: dest, creds });
    expect(await readFile(path.join(dest, 'Chart.yaml'), 'utf8')).toContain('name: other');

    const wrong = charts.resolveVersion({ repoURL: secured.url, chart: 'app', version: '', creds: { username: 'reader', password: 'wrong-password-123', caData } });
    await rejectsWith(wrong, errorCodes.HELM_REPO_FAILED, new RegExp(`^GET ${secured.url}/index.yaml: 401: the credentials were refused$`));
    await rejectsWith(charts.resolveVersion({ repoURL: secured.url, chart: 'app', version: '', creds: { caData } }), errorCodes.HELM_REPO_FAILED, /401: credentials are needed/);
    // Without the CA the server's certificate is not trusted; `insecure` skips the check.
    await rejectsWith(new HelmCharts().resolveVersion({ repoURL: secured.url, chart: 'app', version: '', creds: auth }), errorCodes.HELM_REPO_FAILED, /certificate/);
    expect(await new HelmCharts().resolveVersion({ repoURL: secured.url, chart: 'app', version: '', creds: { ...auth, insecure: true } })).toBe('1.10.1');
  });

  it('sends the credentials to a chart URL on another origin only with passCredentials', async () => {
    // Repository A's index points at archives on server B; both want the same Basic credentials.
    const b = await startStaticServer(repoRoot, { auth });
    const aRoot = await tempDir();
    const index = (await readFile(path.join(repoRoot, 'index.yaml'), 'utf8')).replaceAll('- charts/', `- ${b.url}/charts/`);
    await writeFile(path.join(aRoot, 'index.yaml'), index);
    const a = await startStaticServer(aRoot, { auth });
    try {
      const args = { repoURL: a.url, chart: 'other', version: '0.1.0', creds: auth };
      await rejectsWith(new HelmCharts().fetch({ ...args, destDir: await tempDir() }), errorCodes.HELM_REPO_FAILED, new RegExp(`^GET ${b.url}/charts/other-0\\.1\\.0\\.tgz: 401: credentials are needed`));
      expect(b.requests.filter((r) => r.endsWith('.tgz'))).toEqual(['/charts/other-0.1.0.tgz']);
      const dest = await tempDir();
      await new HelmCharts().fetch({ ...args, destDir: dest, passCredentials: true });
      expect(await readFile(path.join(dest, 'Chart.yaml'), 'utf8')).toContain('name: other');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it.each([
    ['an unknown chart', 'nope', '', errorCodes.HELM_CHART_NOT_FOUND, /chart "nope" is not in http:\/\/127\.0\.0\.1:\d+\/$/],
    ['no matching version', 'app', '^3', errorCodes.HELM_CHART_NOT_FOUND, /no version of chart "app" in .* matches "\^3" \(it has /],
    ['a malformed range', 'app', '>>1', errorCodes.RENDER_INVALID_SOURCE, /targetRevision: ">>1" is not a version constraint/],
    ['a chart name like a flag', '--debug', '', errorCodes.RENDER_INVALID_SOURCE, /chart "--debug" is not a valid chart name/],
  ])('fails on %s', async (_what, chart, version, code, message) => {
    await rejectsWith(new HelmCharts().resolveVersion({ repoURL: plain.url, chart, version }), code, message);
  });

  it('fails clearly when the URL is not a chart repository', async () => {
    await rejectsWith(new HelmCharts().resolveVersion({ repoURL: `${plain.url}/nothing-here`, chart: 'app', version: '' }), errorCodes.HELM_CHART_NOT_FOUND, /index\.yaml: 404 not found/);
    await rejectsWith(new HelmCharts().resolveVersion({ repoURL: 'http://127.0.0.1:1', chart: 'app', version: '' }), errorCodes.HELM_REPO_FAILED, /ECONNREFUSED/);
  });

  it('caps the index size', async () => {
    await rejectsWith(new HelmCharts({ maxIndexBytes: 100 }).resolveVersion({ repoURL: plain.url, chart: 'app', version: '' }), errorCodes.RENDER_TOO_LARGE, /over the 100-byte cap/);
  });
});

describe('HelmCharts: OCI registries (docker-registry + helm push)', () => {
  let registry: TestRegistry;
  let creds: { username: string; password: string; caData: string };

  beforeAll(async () => {
    registry = await startTestRegistry(await tempDir('kawa-registry-'));
    creds = { username: registry.username, password: registry.password, caData: registry.caData };
    const work = await tempDir();
    for (const version of ['0.9.0', '1.0.0', '1.3.0']) {
      await registry.push(await helmPackage(await writeChart(path.join(work, version), 'web', version), work), 'charts');
    }
  }, 120_000);
  afterAll(async () => {
    await registry.close();
  });

  it('resolves exact versions without the registry, and ranges through it', async () => {
    const charts = new HelmCharts();
    const repoURL = `oci://${registry.host}/charts`;
    expect(await charts.resolveVersion({ repoURL, chart: 'web', version: '1.0.0', creds })).toBe('1.0.0');
    expect(charts.stats().ociResolves).toBe(0);
    expect(await charts.resolveVersion({ repoURL, chart: 'web', version: '^1.0.0', creds })).toBe('1.3.0');
    // Argo CD's form: no scheme (a Helm repository with enableOCI).
    expect(await charts.resolveVersion({ repoURL: `${registry.host}/charts`, chart: 'web', version: '<1', creds })).toBe('0.9.0');
    expect(await charts.resolveVersion({ repoURL, chart: 'web', version: '^1.0.0', creds })).toBe('1.3.0');
    expect(charts.stats().ociResolves).toBe(2);
  });

  it('pulls and unpacks a chart', async () => {
    const dest = await tempDir();
    await new HelmCharts().fetch({ repoURL: `oci://${registry.host}/charts`, chart: 'web', version: '1.3.0', destDir: dest, creds });
    expect(await readFile(path.join(dest, 'Chart.yaml'), 'utf8')).toContain('version: 1.3.0');
  });

  it('keeps the password out of errors, and says what is missing', async () => {
    const wrong = { ...creds, password: 'not-the-password-5521' };
    let message = '';
    try {
      await new HelmCharts().fetch({ repoURL: `oci://${registry.host}/charts`, chart: 'web', version: '1.3.0', destDir: await tempDir(), creds: wrong });
    } catch (err) {
      message = (err as Error).message;
      expect((err as { code?: string }).code).toBe(errorCodes.HELM_REPO_FAILED);
    }
    expect(message).toMatch(new RegExp(`^helm pull oci://${registry.host}/charts/web --version 1\\.3\\.0: exit 1\\n.*(401|unauthorized)`, 's'));
    expect(message).not.toContain('not-the-password-5521');
    expect(message).not.toContain(creds.password);
    await rejectsWith(new HelmCharts().fetch({ repoURL: `oci://${registry.host}/charts`, chart: 'web', version: '7.0.0', destDir: await tempDir(), creds }), errorCodes.HELM_CHART_NOT_FOUND, /web.*7\.0\.0.*not found/s);
  });
});
