// A private OCI chart (a real registry with htpasswd auth, a chart pushed by helm) through the repo service
// with request credentials, as a remote repo server gets them. An exact chart version resolves without
// asking the registry, so the pull is the only access check: once a request with credentials has pulled
// it, a request without them must pull again itself (and be refused), not be served the pulled chart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helmPackage, startTestRegistry, writeChart, type TestRegistry } from '../../test/harness/render.js';
import { GitMirrorCache } from '../git/mirror.js';
import type { CredentialSources } from '../git/repo-credentials.js';
import { RepoService, type ManifestRequest } from './service.js';

const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kawa-oci-gate-'));
  dirs.push(dir);
  return dir;
};

let registry: TestRegistry;

beforeAll(async () => {
  registry = await startTestRegistry(await tempDir());
  const work = await tempDir();
  await registry.push(await helmPackage(await writeChart(work, 'web', '1.0.0'), work), 'charts');
}, 120_000);

afterAll(async () => {
  await registry.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('RepoService: a private OCI chart at an exact version', () => {
  it('is pulled again, and refused, for a request without the credentials another request pulled it with', async () => {
    const repoURL = `oci://${registry.host}/charts`;
    const service = new RepoService({ mirrors: new GitMirrorCache({ cacheRoot: await tempDir() }), workRoot: await tempDir() });
    // `insecure` for the test CA (a repository Secret cannot carry a CA); only the password differs.
    const credentials = (password: string | undefined): CredentialSources => ({
      repositories: [{ secretName: 'charts', url: repoURL, type: 'helm', enableOCI: true, insecure: true, ...(password === undefined ? {} : { username: registry.username, password }), extra: {} }],
      templates: [],
    });
    const request = (password: string | undefined): ManifestRequest => ({ source: { repoURL, chart: 'web', targetRevision: '1.0.0' }, appName: 'web', credentials: credentials(password) });

    const first = await service.generateManifests(request(registry.password));
    expect(first.objects.map((o) => o.object['data'])).toEqual([{ chart: 'web-1.0.0', message: 'hello' }]);
    await expect(service.generateManifests(request(undefined))).rejects.toThrow(/401|unauthorized|authentication|credential not found/i);
    await expect(service.generateManifests(request('wrong-password'))).rejects.toThrow(/401|unauthorized|authentication|credential not found/i);
    // The right credentials are still served (from the render cache: no second pull needed).
    expect((await service.generateManifests(request(registry.password))).cached).toBe(true);
  }, 120_000);
});
