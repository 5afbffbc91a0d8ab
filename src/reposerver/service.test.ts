// The repo service's project gate against a real git server that requires Basic auth: once project
// team-a's credentials have filled the shared mirror, checkout and render caches, an app of team-b
// without credentials of its own gets GIT_AUTH_FAILED for every way into the repository (a branch, a
// full SHA, a `$ref` source, commit metadata, the refs listing) and nothing cached is served to it.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TempDirs, createRepo } from '../../test/harness/git.js';
import { errorCodes, UserError } from '../errors.js';
import type { GitCredentials } from '../git/credentials.js';
import { startGitHttpServer, type GitHttpServer } from '../git/http-server.js';
import { GitMirrorCache } from '../git/mirror.js';
import { resolveRepoCredentials } from '../git/repo-credentials.js';
import type { RepoCreds, Repository } from '../model/index.js';
import { RepoService, type ManifestRequest } from './service.js';

const tmp = new TempDirs();
const password = 'team-a-secret-password';
let server: GitHttpServer;
let url = '';
let sha = '';

beforeAll(async () => {
  const work = await createRepo(path.join(await tmp.make('kawa-rs-gate-work-'), 'app'));
  sha = await work.commit('private app', { files: { 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: private}\ndata: {secret: "only-team-a"}\n' } });
  const root = await tmp.make('kawa-rs-gate-root-');
  await work.publishBare(root, 'private');
  server = await startGitHttpServer({ root, auth: { username: 'team-a', password } });
  url = server.urlFor('private');
});

afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

async function service(repositories: Repository[], templates: RepoCreds[] = []): Promise<RepoService> {
  return new RepoService({
    mirrors: new GitMirrorCache({ cacheRoot: await tmp.make('kawa-rs-gate-mirrors-') }),
    workRoot: await tmp.make('kawa-rs-gate-work-'),
    credentials: (repoURL, project): GitCredentials | undefined => resolveRepoCredentials(repoURL, project, { repositories, templates }),
    // A long TTL: the gate must hold even when team-a's answer is still fresh.
    refsTtlMs: 60_000,
  });
}

const scopedToA = (): Repository => ({ secretName: 'team-a-repo', url, type: 'git', project: 'team-a', username: 'team-a', password, extra: {} });
const request = (project: string, extra: Partial<ManifestRequest> = {}): ManifestRequest => ({ source: { repoURL: url, path: 'app', targetRevision: 'HEAD' }, appName: `${project}-app`, project, ...extra });

async function refused(promise: Promise<unknown>): Promise<UserError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const userError = err as UserError;
  expect(userError.code).toBe(errorCodes.GIT_AUTH_FAILED);
  expect(userError.message).toContain(url);
  expect(userError.message).not.toContain(password);
  return userError;
}

describe('repository access is gated by the asking project’s own credentials', () => {
  it('refuses team-b everything team-a has cached', async () => {
    const repo = await service([scopedToA()]);
    const rendered = await repo.generateManifests(request('team-a'));
    expect(rendered.revision).toBe(sha);
    expect(JSON.stringify(rendered.objects)).toContain('only-team-a');
    // Warm for team-a: served from the render cache.
    expect((await repo.generateManifests(request('team-a'))).cached).toBe(true);

    const err = await refused(repo.generateManifests(request('team-b')));
    expect(err.message).toContain('project "team-b"');
    await refused(repo.generateManifests(request('team-b', { revision: sha })));
    await refused(repo.generateManifests(request('team-b', { source: { repoURL: url, path: 'app', targetRevision: sha } })));
    await refused(repo.resolveRevision({ repoURL: url, targetRevision: sha }, { project: 'team-b' }));
    await refused(repo.resolveRevision({ repoURL: url, targetRevision: sha.slice(0, 10) }, { project: 'team-b' }));
    await refused(repo.revisionMetadata(url, sha, 'team-b'));
    await refused(repo.listRefs(url, 'team-b'));
    // No project at all sees only global Secrets: refused too.
    const { project: _none, ...unscoped } = request('x');
    await refused(repo.generateManifests(unscoped));
  });

  it('refuses a $ref source team-b has no credentials for, even next to a public source', async () => {
    const repo = await service([scopedToA()]);
    await repo.generateManifests(request('team-a'));
    const publicRoot = await tmp.make('kawa-rs-gate-public-');
    const pub = await createRepo(path.join(await tmp.make('kawa-rs-gate-pubwork-'), 'pub'));
    await pub.commit('public', { files: { 'p/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: public}\n' } });
    await pub.publishBare(publicRoot, 'public');
    const open = await startGitHttpServer({ root: publicRoot });
    try {
      const withRef = request('team-b', {
        source: { repoURL: open.urlFor('public'), path: 'p', targetRevision: 'HEAD' },
        refSources: { values: { source: { repoURL: url, targetRevision: 'HEAD', ref: 'values' }, revision: sha } },
      });
      await refused(repo.generateManifests(withRef));
      // The same request from team-a is fine.
      expect((await repo.generateManifests({ ...withRef, project: 'team-a' })).objects).toHaveLength(1);
    } finally {
      await open.close();
    }
  });

  it('serves team-b once a global Secret gives it credentials of its own', async () => {
    const global: Repository = { secretName: 'global', url, type: 'git', username: 'team-a', password, extra: {} };
    const repo = await service([scopedToA(), global]);
    await repo.generateManifests(request('team-a'));
    const forB = await repo.generateManifests(request('team-b'));
    expect(forB.revision).toBe(sha);
    expect(forB.cached).toBe(false);
    expect(await repo.listRefs(url, 'team-b')).toMatchObject({ branches: ['main'] });
  });

  it('keys the refs cache by credentials: team-a’s fresh answer is not team-b’s', async () => {
    const repo = await service([scopedToA()]);
    await repo.resolveRevision({ repoURL: url, targetRevision: 'HEAD' }, { project: 'team-a' });
    const before = repo.stats().lsRemotes;
    await repo.resolveRevision({ repoURL: url, targetRevision: 'HEAD' }, { project: 'team-a' });
    expect(repo.stats().lsRemotes).toBe(before);
    await refused(repo.resolveRevision({ repoURL: url, targetRevision: 'HEAD' }, { project: 'team-b' }));
    expect(repo.stats().lsRemotes).toBe(before + 1);
  });
});
