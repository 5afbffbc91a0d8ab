// Repositories, credential templates, clusters, accounts and project-role tokens through the API, against
// the real API server (Secrets read back), a real git smart-HTTP server with Basic auth, and the real
// cluster as a "remote" cluster.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GitMirrorCache } from '../../src/git/mirror.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TempDirs, createRepo } from '../harness/git.js';
import { readSecretData } from '../harness/auth.js';
import { testKubeConfig } from '../harness/kube.js';
import { teamProject, useApiServer, type Json } from '../harness/server-api.js';

const dirs = new TempDirs();
// Made now, not in beforeAll: the server fixture's beforeAll (registered first) reads it.
const cacheRoot = mkdtempSync(path.join(tmpdir(), 'kawa-srvset-cache-'));
const api = useApiServer('srvset', { assemble: () => ({ git: new GitMirrorCache({ cacheRoot }) }) });

let git: GitHttpServer;
let repoUrl = '';
const SECRET_PASSWORD = 'git-s3cret-value';

beforeAll(async () => {
  const work = await dirs.make('kawa-srvset-work-');
  const root = await dirs.make('kawa-srvset-root-');
  const repo = await createRepo(work);
  await repo.commit('first', { files: { 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n' } });
  await repo.tag('v1.0.0');
  await repo.branch('feature');
  await repo.publishBare(root, 'app');
  git = await startGitHttpServer({ root, auth: { username: 'git', password: SECRET_PASSWORD } });
  repoUrl = git.urlFor('app');
});

afterAll(async () => {
  rmSync(cacheRoot, { recursive: true, force: true });
  await git.close();
  await dirs.cleanup();
});

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, token = api.adminToken) {
  const res = await api.app.inject({ method, url, headers: api.auth(token), ...(payload === undefined ? {} : { payload: payload as Json }) });
  return { status: res.statusCode, body: res.body === '' ? {} : res.json<Json>(), raw: res.body, headers: res.headers };
}

const enc = encodeURIComponent;
const anyNumber: unknown = expect.any(Number);

async function secretsOfType(type: string): Promise<{ name: string; data: Record<string, string> }[]> {
  const list = await api.core.listNamespacedSecret({ namespace: api.ns, labelSelector: `argocd.argoproj.io/secret-type=${type}` });
  const out = [];
  for (const s of list.items) out.push({ name: s.metadata?.name ?? '', data: (await readSecretData(api.core, api.ns, s.metadata?.name ?? '')) ?? {} });
  return out;
}

describe('repositories', () => {
  it('stores a repository as an Argo CD Secret, never answers its password, and checks the connection with it', async () => {
    const wrong = await call('POST', '/api/v1/repositories', { repo: repoUrl, username: 'git', password: 'wrong', name: 'app' });
    expect(wrong.status).toBe(200);
    expect(wrong.body['connectionState']).toMatchObject({ status: 'Failed' });
    expect(wrong.raw).not.toContain('wrong"');

    const fixed = await call('PUT', `/api/v1/repositories/${enc(repoUrl)}`, { repo: repoUrl, username: 'git', password: SECRET_PASSWORD, name: 'app' });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ repo: repoUrl, type: 'git', name: 'app', username: 'git', hasCredentials: true, connectionState: { status: 'Successful', message: '' } });
    expect(fixed.raw).not.toContain(SECRET_PASSWORD);

    const stored = await secretsOfType('repository');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.name).toMatch(/^repo-\d+$/);
    expect(stored[0]?.data).toEqual({ url: repoUrl, type: 'git', name: 'app', username: 'git', password: SECRET_PASSWORD });

    // A PUT without the password keeps it; the list and get never show it.
    const renamed = await call('PUT', `/api/v1/repositories/${enc(repoUrl)}`, { repo: repoUrl, username: 'git', name: 'renamed' });
    expect(renamed.body).toMatchObject({ name: 'renamed', connectionState: { status: 'Successful' } });
    expect((await secretsOfType('repository'))[0]?.data['password']).toBe(SECRET_PASSWORD);
    const list = await call('GET', '/api/v1/repositories');
    expect(list.body['items']).toEqual([expect.objectContaining({ repo: repoUrl, name: 'renamed' })]);
    expect(list.raw).not.toContain(SECRET_PASSWORD);
    expect((await call('GET', `/api/v1/repositories/${enc(repoUrl)}`)).body).toMatchObject({ repo: repoUrl, connectionState: { status: 'Successful' } });
  });

  it('lists branches and tags with the stored credentials', async () => {
    const refs = await call('GET', `/api/v1/repositories/${enc(repoUrl)}/refs`);
    expect(refs).toMatchObject({ status: 200, body: { branches: ['feature', 'main'], tags: ['v1.0.0'] } });
  });

  it('refuses a different spec without upsert, and a caller without repositories rights', async () => {
    const again = await call('POST', '/api/v1/repositories', { repo: repoUrl, username: 'other' });
    expect([again.status, again.body['message']]).toEqual([409, 'existing repository spec is different; use upsert flag to force update']);
    const alice = await api.loginAs('alice');
    expect((await call('GET', `/api/v1/repositories/${enc(repoUrl)}`, undefined, alice)).status).toBe(403);
    expect((await call('GET', '/api/v1/repositories', undefined, alice)).body['items']).toEqual([]);
    expect((await call('DELETE', `/api/v1/repositories/${enc(repoUrl)}`, undefined, alice)).status).toBe(403);
  });

  it('uses a credential template for a repository without credentials of its own', async () => {
    const other = repoUrl.replace(/\/app\.git$/, '/other.git');
    const created = await call('POST', '/api/v1/repocreds', { url: repoUrl.replace(/\/app\.git$/, ''), username: 'git', password: SECRET_PASSWORD });
    expect(created).toMatchObject({ status: 200, body: { url: repoUrl.replace(/\/app\.git$/, ''), username: 'git', hasCredentials: true } });
    expect(created.raw).not.toContain(SECRET_PASSWORD);
    expect((await secretsOfType('repo-creds'))[0]?.data['password']).toBe(SECRET_PASSWORD);
    // The app repository, without its own credentials now, inherits the template's and still connects.
    await call('DELETE', `/api/v1/repositories/${enc(repoUrl)}`);
    expect(await secretsOfType('repository')).toEqual([]);
    const inherited = await call('POST', '/api/v1/repositories', { repo: repoUrl });
    expect(inherited.body).toMatchObject({ inheritedCreds: true, hasCredentials: false, connectionState: { status: 'Successful' } });
    const missing = await call('GET', `/api/v1/repositories/${enc(other)}?forceRefresh=true`);
    expect(missing.body['connectionState']).toMatchObject({ status: 'Failed' });
    expect((await call('GET', '/api/v1/repocreds')).body['items']).toHaveLength(1);
    expect((await call('DELETE', `/api/v1/repocreds/${enc(repoUrl.replace(/\/app\.git$/, ''))}`)).status).toBe(200);
    expect(await secretsOfType('repo-creds')).toEqual([]);
  });
});

describe('clusters', () => {
  it('lists the in-cluster cluster, adds a real one with its credentials, and never answers them', async () => {
    const initial = await call('GET', '/api/v1/clusters');
    expect(initial.body['items']).toEqual([expect.objectContaining({ server: 'https://kubernetes.default.svc', name: 'in-cluster', connectionState: expect.objectContaining({ status: 'Successful' }) as unknown })]);

    const kc = testKubeConfig();
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (cluster === null || user === null) throw new Error('the test kubeconfig has no current cluster/user');
    const config = { tlsClientConfig: { caData: cluster.caData ?? '', certData: user.certData ?? '', keyData: user.keyData ?? '' }, ...(user.token === undefined ? {} : { bearerToken: user.token }) };
    const created = await call('POST', '/api/v1/clusters', { server: cluster.server, name: 'real', config, namespaces: ['a', 'b'], labels: { env: 'test' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ server: cluster.server, name: 'real', namespaces: ['a', 'b'], labels: { env: 'test' }, connectionState: { status: 'Successful' } });
    expect(created.body['serverVersion']).toMatch(/^v1\.\d+/);
    expect(created.raw).not.toContain(user.keyData ?? 'no key');
    expect((created.body['config'] as Json)['tlsClientConfig']).not.toHaveProperty('keyData');

    const stored = await secretsOfType('cluster');
    expect(stored).toHaveLength(1);
    expect(JSON.parse(stored[0]?.data['config'] ?? '{}')).toMatchObject({ tlsClientConfig: { keyData: user.keyData } });

    const byName = await call('GET', '/api/v1/clusters/real?id.type=name');
    expect(byName.body).toMatchObject({ server: cluster.server });
    const updated = await call('PUT', `/api/v1/clusters/${enc(cluster.server)}?updatedFields=namespaces`, { server: cluster.server, name: 'real', namespaces: ['c'] });
    expect(updated.body).toMatchObject({ name: 'real', namespaces: ['c'], connectionState: { status: 'Successful' } });
    // The key survived the partial update.
    expect(JSON.parse((await secretsOfType('cluster'))[0]?.data['config'] ?? '{}')).toMatchObject({ tlsClientConfig: { keyData: user.keyData } });
    expect((await call('DELETE', `/api/v1/clusters/${enc(cluster.server)}`)).status).toBe(200);
    expect(await secretsOfType('cluster')).toEqual([]);
    expect((await call('DELETE', `/api/v1/clusters/${enc('https://kubernetes.default.svc')}`)).status).toBe(409);
  });

  it('refuses a cluster it cannot reach', async () => {
    const refused = await call('POST', '/api/v1/clusters', { server: 'https://127.0.0.1:1', name: 'nowhere', config: { bearerToken: 'x' } });
    expect(refused.status).toBe(400);
    expect(String(refused.body['message'])).toMatch(/^unable to connect to cluster https:\/\/127\.0\.0\.1:1: /);
    expect(await secretsOfType('cluster')).toEqual([]);
  });
});

describe('accounts', () => {
  it('lists accounts, answers can-i, creates and deletes own API keys', async () => {
    const list = await call('GET', '/api/v1/account');
    expect((list.body['items'] as Json[]).map((a) => a['name'])).toEqual(expect.arrayContaining(['admin', 'alice', 'bob']));
    const bob = await api.loginAs('bob');
    const yes = await call('GET', '/api/v1/account/can-i/applications/get/team/anything', undefined, bob);
    expect(yes.body).toEqual({ value: 'yes' });
    expect((await call('GET', '/api/v1/account/can-i/applications/delete/team/anything', undefined, bob)).body).toEqual({ value: 'no' });

    // Bob's own key needs no grant; alice's needs accounts/update.
    const created = await call('POST', '/api/v1/account/bob/token', { id: 'ci', expiresIn: 3600 }, bob);
    expect(created.status).toBe(200);
    const key = String(created.body['token']);
    expect((await call('GET', '/api/v1/session/userinfo', undefined, key)).body).toMatchObject({ loggedIn: true, username: 'bob' });
    expect((await call('POST', '/api/v1/account/alice/token', {}, bob)).status).toBe(403);
    const shown = await call('GET', '/api/v1/account/bob');
    expect(shown.body['tokens']).toEqual([{ id: 'ci', issuedAt: anyNumber, expiresAt: anyNumber }]);
    expect((await call('DELETE', '/api/v1/account/bob/token/ci', undefined, bob)).status).toBe(200);
    expect((await call('GET', '/api/v1/session/userinfo', undefined, key)).status).toBe(401);
    expect((await call('DELETE', '/api/v1/account/bob/token/ci', undefined, bob)).status).toBe(404);
  });

  it('changes a password with the current one, voiding older sessions', async () => {
    const old = await api.loginAs('alice');
    const wrong = await call('PUT', '/api/v1/account/password', { currentPassword: 'nope', newPassword: 'a brand new one' }, old);
    expect([wrong.status, wrong.body['message']]).toEqual([400, 'current password does not match']);
    const changed = await call('PUT', '/api/v1/account/password', { currentPassword: 'correct horse battery', newPassword: 'a brand new one' }, old);
    expect(changed.status).toBe(200);
    expect(String(changed.headers['set-cookie'])).toMatch(/^argocd\.token=ey/);
    expect((await call('GET', '/api/v1/session/userinfo', undefined, old)).status).toBe(401);
    const fresh = await api.loginAs('alice', 'a brand new one');
    // Another account's password needs accounts/update, which alice lacks.
    expect((await call('PUT', '/api/v1/account/password', { name: 'bob', currentPassword: 'a brand new one', newPassword: 'whatever12' }, fresh)).status).toBe(403);
    await call('PUT', '/api/v1/account/password', { currentPassword: 'a brand new one', newPassword: 'correct horse battery' }, fresh);
  });
});

describe('project role tokens', () => {
  it('issues a token recorded in the role, usable with the role policy, and revoked by its deletion', async () => {
    const project = teamProject('tokens');
    (project['spec'] as Json)['roles'] = [{ name: 'ci', policies: ['p, proj:tokens:ci, applications, get, tokens/*, allow'] }];
    expect((await call('POST', '/api/v1/projects', { project })).status).toBe(200);
    const issued = await call('POST', '/api/v1/projects/tokens/roles/ci/token', { id: 'pipeline', expiresIn: 600 });
    expect(issued.status).toBe(200);
    const token = String(issued.body['token']);
    const stored = await api.getProject('tokens');
    const role = ((stored['spec'] as Json)['roles'] as Json[])[0] ?? {};
    expect(role['jwtTokens']).toEqual([{ id: 'pipeline', iat: anyNumber, exp: anyNumber }]);
    expect(((stored['status'] as Json)['jwtTokensByRole'] as Json)['ci']).toEqual({ items: role['jwtTokens'] });

    expect((await call('GET', '/api/v1/session/userinfo', undefined, token)).body).toMatchObject({ username: 'proj:tokens:ci' });
    expect((await call('GET', '/api/v1/account/can-i/applications/get/tokens/x', undefined, token)).body).toEqual({ value: 'yes' });
    expect((await call('POST', '/api/v1/projects/tokens/roles/nope/token', {})).status).toBe(404);

    const iat = String(((role['jwtTokens'] as Json[])[0] ?? {})['iat']);
    const deleted = await call('DELETE', `/api/v1/projects/tokens/roles/ci/token/${iat}?id=pipeline`);
    expect([deleted.status, deleted.body['message']]).toEqual([200, undefined]);
    expect((await call('GET', '/api/v1/session/userinfo', undefined, token)).status).toBe(401);
  });
});
