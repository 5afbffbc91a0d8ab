// Issue 13 item 2: project-scoped repository credentials stay in their project. A real git server that
// requires Basic auth serves team A's private repository; the only Secret with its password is scoped to
// project team-a. The controller (runController: the production wiring, credentials from the Secrets it
// watches) syncs A's app first, so the shared git mirror, checkout and render caches are warm. Then an
// app of project team-b points at the same URL — by branch and by the full SHA — and must get a
// ComparisonError naming the repository, deploy nothing, and be refused by the API server's manifests
// route (both the server sharing the controller's repo service, as in `kawa up`, and a standalone one
// with its own mirror warmed by A). A's app keeps working. The repositories API keeps team-b's user out
// of team-a's Secrets (create, update, delete, list). A global Secret then serves both projects.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runController, type RunningController } from '../../src/controller/run.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { KubeRest } from '../../src/kube/rest.js';
import { defaultProject, type Application } from '../../src/model/index.js';
import { INITIAL_ADMIN_SECRET, changePassword } from '../../src/server/auth/index.js';
import { assembleServer, ensureCrds, type KawaServer } from '../../src/server/index.js';
import { createRepo } from '../harness/git.js';
import { testKubeConfig, useNamespace, waitUntil } from '../harness/kube.js';

type Json = Record<string, unknown>;

const ns = useNamespace('trc');
const destA = useNamespace('trc-a');
const destB = useNamespace('trc-b');

const PASSWORD = 'team-a-private-repo-password';
const USER_PASSWORD = 'correct horse battery';
const MARKER = 'only-for-team-a';
const group = 'argoproj.io';
const version = 'v1alpha1';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let tmp = '';
let git: GitHttpServer;
let repoURL = '';
let sha = '';
let controller: RunningController;
/** The API server on the controller's live state and repo service (`kawa up`). */
let shared: KawaServer;
/** A standalone API server with a repo service and mirror of its own. */
let standalone: KawaServer;
let adminToken = '';
let bobToken = '';

async function createSecret(name: string, stringData: Record<string, string>): Promise<void> {
  await core.createNamespacedSecret({
    namespace: ns.name,
    body: { metadata: { name, labels: { 'argocd.argoproj.io/secret-type': 'repository' } }, stringData },
  });
}

async function createProject(name: string, dest: string): Promise<void> {
  await custom.createNamespacedCustomObject({
    group,
    version,
    namespace: ns.name,
    plural: 'appprojects',
    body: {
      apiVersion: `${group}/${version}`,
      kind: 'AppProject',
      metadata: { name, namespace: ns.name },
      spec: { sourceRepos: ['*'], destinations: [{ server: 'https://kubernetes.default.svc', namespace: dest }] },
    },
  });
}

async function createApp(name: string, project: string, dest: string, targetRevision = 'HEAD'): Promise<void> {
  await custom.createNamespacedCustomObject({
    group,
    version,
    namespace: ns.name,
    plural: 'applications',
    body: {
      apiVersion: `${group}/${version}`,
      kind: 'Application',
      metadata: { name, namespace: ns.name },
      spec: {
        project,
        source: { repoURL, path: 'app', targetRevision },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
        syncPolicy: { automated: { prune: true } },
      },
    },
  });
}

const getApp = async (name: string): Promise<Application> => (await custom.getNamespacedCustomObject({ group, version, plural: 'applications', namespace: ns.name, name })) as Application;
const waitApp = (name: string, what: string, done: (app: Application) => boolean): Promise<Application> => waitUntil(`${name}: ${what}`, () => getApp(name), done, { timeoutMs: 60_000 });
const comparisonError = (app: Application): string | undefined => app.status?.conditions?.find((c) => c.type === 'ComparisonError')?.message;

async function patchApp(name: string, patch: Json): Promise<void> {
  const rest = new KubeRest(kc);
  try {
    await rest.request('PATCH', `/apis/${group}/${version}/namespaces/${ns.name}/applications/${name}`, { body: patch, contentType: 'application/merge-patch+json' });
  } finally {
    rest.close();
  }
}

const refresh = (name: string): Promise<void> => patchApp(name, { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } });

async function configMapIn(namespace: string): Promise<Json | undefined> {
  return (await core.readNamespacedConfigMap({ name: 'private-config', namespace }).catch(() => undefined)) as Json | undefined;
}

async function call(server: KawaServer, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token: string, payload?: Json) {
  const res = await server.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload }) });
  return { status: res.statusCode, body: res.body === '' ? {} : res.json<Json>(), raw: res.body };
}

async function login(server: KawaServer, username: string, password: string): Promise<string> {
  const res = await server.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  return res.json<{ token: string }>().token;
}

beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  await ensureCrds(kc.makeApiClient(ApiextensionsV1Api));
  await custom.createNamespacedCustomObject({ group, version, namespace: ns.name, plural: 'appprojects', body: defaultProject(ns.name) });
  await createProject('team-a', destA.name);
  await createProject('team-b', destB.name);
  // bob administers team-b's repositories and reads its apps; nothing of team-a.
  await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'argocd-cm' }, data: { 'accounts.bob': 'login' } } });
  await core.createNamespacedConfigMap({
    namespace: ns.name,
    body: {
      metadata: { name: 'argocd-rbac-cm' },
      data: {
        'policy.csv': ['p, role:team-b, repositories, *, team-b/*, allow', 'p, role:team-b, applications, get, team-b/*, allow', 'g, bob, role:team-b'].join('\n'),
      },
    },
  });

  tmp = await mkdtemp(path.join(tmpdir(), 'kawa-trc-'));
  const work = await createRepo(path.join(tmp, 'work'));
  sha = await work.commit('team a private app', { files: { 'app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: private-config}\ndata: {marker: ${MARKER}}\n` } });
  await work.publishBare(path.join(tmp, 'served'), 'private');
  git = await startGitHttpServer({ root: path.join(tmp, 'served'), auth: { username: 'team-a', password: PASSWORD } });
  repoURL = git.urlFor('private');
  await createSecret('team-a-private', { url: repoURL, project: 'team-a', username: 'team-a', password: PASSWORD });

  controller = await runController({ kubeConfig: kc, namespace: ns.name, log: silent, cacheDir: path.join(tmp, 'controller-cache'), reconciliationMs: 60_000, reconciliationJitterMs: 0 });
  const logger = pino({ level: 'silent' });
  ({ app: shared } = await assembleServer({ kubeConfig: kc, namespace: ns.name, logger, liveState: controller.controller.liveStateSource(), refreshWaitMs: 300 }));
  const assembled = await assembleServer({ kubeConfig: kc, namespace: ns.name, logger, repoCacheRoot: path.join(tmp, 'server-cache', 'repos'), refreshWaitMs: 300 });
  standalone = assembled.app;
  await changePassword(assembled.accounts, 'bob', USER_PASSWORD);
  const initial = await core.readNamespacedSecret({ name: INITIAL_ADMIN_SECRET, namespace: ns.name });
  adminToken = await login(shared, 'admin', Buffer.from(initial.data?.['password'] ?? '', 'base64').toString('utf8'));
  bobToken = await login(shared, 'bob', USER_PASSWORD);
}, 120_000);

afterAll(async () => {
  await shared.close();
  await standalone.close();
  await controller.stop();
  // No controller is left to honour finalizers: drop them so the namespace can go.
  const list = (await custom.listNamespacedCustomObject({ group, version, plural: 'applications', namespace: ns.name })) as { items: Json[] };
  for (const item of list.items) {
    const meta = item['metadata'] as Json;
    await patchApp(String(meta['name']), { metadata: { finalizers: null } }).catch(() => undefined);
  }
  await git.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('a project-scoped repository Secret serves only its own project', () => {
  it('team-a’s app syncs from the private repository (the caches are warm after this)', async () => {
    await createApp('a-app', 'team-a', destA.name);
    await waitApp('a-app', 'Synced', (app) => app.status?.sync?.status === 'Synced' && app.status.sync.revision === sha);
    expect((await configMapIn(destA.name))?.['data']).toEqual({ marker: MARKER });
    // Warm the standalone server's own mirror with A's credentials too.
    const manifests = await call(standalone, 'GET', '/api/v1/applications/a-app/manifests', adminToken);
    expect(manifests.status).toBe(200);
    expect(manifests.raw).toContain(MARKER);
  });

  it('team-b’s app on the same URL, by branch or by full SHA, gets a ComparisonError and deploys nothing', async () => {
    await createApp('b-app', 'team-b', destB.name);
    await createApp('b-app-sha', 'team-b', destB.name, sha);
    for (const name of ['b-app', 'b-app-sha']) {
      const app = await waitApp(name, 'a ComparisonError', (a) => comparisonError(a) !== undefined);
      const message = comparisonError(app) ?? '';
      expect(message).toContain(repoURL);
      expect(message).toContain('authentication failed');
      expect(message).toContain('project "team-b"');
      expect(message).not.toContain(PASSWORD);
      expect(app.status?.sync?.status).not.toBe('Synced');
      expect(app.status?.operationState).toBeUndefined();
    }
    expect(await configMapIn(destB.name)).toBeUndefined();
  });

  it('the API server refuses team-b’s manifests, shared repo service or its own, at HEAD or at the SHA', async () => {
    for (const server of [shared, standalone]) {
      for (const url of ['/api/v1/applications/b-app/manifests', `/api/v1/applications/b-app/manifests?revision=${sha}`, '/api/v1/applications/b-app-sha/manifests']) {
        const res = await call(server, 'GET', url, adminToken);
        expect(res.status, `${url}: ${res.raw}`).toBe(400);
        expect(res.raw).toContain('authentication failed');
        expect(res.raw).not.toContain(MARKER);
      }
      const meta = await call(server, 'GET', `/api/v1/applications/b-app/revisions/${sha}/metadata`, adminToken);
      expect(meta.status, meta.raw).toBeGreaterThanOrEqual(400);
      expect(meta.raw).not.toContain('team a private app');
    }
  });

  it('team-a’s app keeps working', async () => {
    await refresh('a-app');
    await waitApp('a-app', 'refreshed and Synced', (app) => app.metadata.annotations?.['argocd.argoproj.io/refresh'] === undefined && app.status?.sync?.status === 'Synced');
    expect(comparisonError(await getApp('a-app'))).toBeUndefined();
    for (const server of [shared, standalone]) {
      const res = await call(server, 'GET', '/api/v1/applications/a-app/manifests', adminToken);
      expect(res.status).toBe(200);
      expect(res.raw).toContain(MARKER);
    }
  });
});

describe('the repositories API keeps team-b’s user out of team-a’s Secrets', () => {
  const encoded = (): string => encodeURIComponent(repoURL);

  it('lists only the Secrets of the caller’s projects', async () => {
    const asAdmin = await call(shared, 'GET', '/api/v1/repositories', adminToken);
    expect((asAdmin.body['items'] as Json[]).map((r) => r['project'])).toEqual(['team-a']);
    const asBob = await call(shared, 'GET', '/api/v1/repositories', bobToken);
    expect(asBob.body['items']).toEqual([]);
    expect((await call(shared, 'GET', `/api/v1/repositories/${encoded()}?appProject=team-a`, bobToken)).status).toBe(403);
    expect((await call(shared, 'GET', `/api/v1/repositories/${encoded()}/refs`, bobToken)).status).toBe(403);
  });

  it('refuses creating, updating or deleting a repository in team-a', async () => {
    const body = { repo: repoURL, project: 'team-a', username: 'team-a', password: 'stolen-or-replaced' };
    expect((await call(shared, 'POST', '/api/v1/repositories?upsert=true', bobToken, body)).status).toBe(403);
    expect((await call(shared, 'PUT', `/api/v1/repositories/${encoded()}`, bobToken, body)).status).toBe(403);
    expect((await call(shared, 'DELETE', `/api/v1/repositories/${encoded()}?appProject=team-a`, bobToken)).status).toBe(403);
    // Without naming a project bob still meets team-a's Secret (the only one for the URL): refused too.
    expect((await call(shared, 'DELETE', `/api/v1/repositories/${encoded()}`, bobToken)).status).toBe(403);
    const secret = await core.readNamespacedSecret({ name: 'team-a-private', namespace: ns.name });
    expect(Buffer.from(secret.data?.['password'] ?? '', 'base64').toString('utf8')).toBe(PASSWORD);
  });

  it('lets team-b keep its own Secret for the same URL, beside team-a’s and without touching it', async () => {
    const created = await call(shared, 'POST', '/api/v1/repositories', bobToken, { repo: repoURL, project: 'team-b', username: 'team-b', password: 'a-wrong-password' });
    expect(created.status, created.raw).toBe(200);
    expect(created.body).toMatchObject({ repo: repoURL, project: 'team-b' });
    expect((created.body['connectionState'] as Json)['status']).toBe('Failed');
    const asBob = await call(shared, 'GET', '/api/v1/repositories', bobToken);
    expect((asBob.body['items'] as Json[]).map((r) => r['project'])).toEqual(['team-b']);
    const secret = await core.readNamespacedSecret({ name: 'team-a-private', namespace: ns.name });
    expect(Buffer.from(secret.data?.['password'] ?? '', 'base64').toString('utf8')).toBe(PASSWORD);
    // Its own wrong password gets team-b no further.
    await refresh('b-app');
    await waitApp('b-app', 'refreshed', (app) => app.metadata.annotations?.['argocd.argoproj.io/refresh'] === undefined);
    expect(comparisonError(await getApp('b-app'))).toContain('authentication failed');
    expect(await configMapIn(destB.name)).toBeUndefined();
    expect((await call(shared, 'DELETE', `/api/v1/repositories/${encoded()}?appProject=team-b`, bobToken)).status).toBe(200);
  });
});

describe('a global Secret serves every project', () => {
  it('team-b’s app syncs and its manifests are served once a Secret without project holds the password', async () => {
    await createSecret('global-private', { url: repoURL, username: 'team-a', password: PASSWORD });
    await refresh('b-app');
    await waitApp('b-app', 'Synced', (app) => app.status?.sync?.status === 'Synced' && app.status.sync.revision === sha);
    await waitUntil('the ConfigMap in team-b’s namespace', () => configMapIn(destB.name), (cm) => cm !== undefined);
    for (const server of [shared, standalone]) {
      const res = await call(server, 'GET', '/api/v1/applications/b-app/manifests', adminToken);
      expect(res.status, res.raw).toBe(200);
      expect(res.raw).toContain(MARKER);
    }
    await waitApp('a-app', 'still Synced', (app) => app.status?.sync?.status === 'Synced');
  });
});
