// Issue 15: the roles in separate processes, as the install runs them. `kawa repo-server` runs as its own
// process WITHOUT any Kubernetes access (KUBECONFIG points nowhere, a HOME with no ~/.kube, no --namespace).
// A private repository (a real git server requiring Basic auth) has its repository Secret only in the
// controller's namespace. The controller (runController, the production wiring) with `repoServer` syncs an
// app from it: the credentials travel inside each request. The API server with `repoServer` serves the
// app's manifests, managed resources (the diff), commit metadata, repository connection checks and refs
// through the same repo server. And a request without those credentials is refused by the repo server even
// though it has just fetched the repository with them (its mirror, checkout and render caches are warm).
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runController, type RunningController } from '../../src/controller/run.js';
import { errorCodes, UserError } from '../../src/errors.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { KubeRest } from '../../src/kube/rest.js';
import { defaultProject, type Application } from '../../src/model/index.js';
import { RepoServerClient, type ManifestRequest } from '../../src/reposerver/index.js';
import { INITIAL_ADMIN_SECRET } from '../../src/server/auth/index.js';
import { assembleServer, ensureCrds, type KawaServer } from '../../src/server/index.js';
import { createRepo, type TestRepo } from '../harness/git.js';
import { testKubeConfig, useNamespace, waitUntil } from '../harness/kube.js';
import { spawnKawa, type RoleProcess } from '../harness/roles.js';

type Json = Record<string, unknown>;

const ns = useNamespace('rs-remote');
const dest = useNamespace('rs-remote-dest');

const PASSWORD = 'controller-only-repo-password';
const MARKER = 'rendered-by-the-remote-repo-server';
const group = 'argoproj.io';
const version = 'v1alpha1';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let tmp = '';
let work: TestRepo;
let git: GitHttpServer;
let repoURL = '';
let repoServer: RoleProcess;
let repoServerUrl = '';
let controller: RunningController;
let server: KawaServer;
let adminToken = '';

async function publish(marker: string): Promise<string> {
  const sha = await work.commit(`marker ${marker}`, { files: { 'app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: private-config}\ndata: {marker: ${marker}}\n` } });
  await work.publishBare(path.join(tmp, 'served'), 'private');
  return sha;
}

const getApp = async (name: string): Promise<Application> => (await custom.getNamespacedCustomObject({ group, version, plural: 'applications', namespace: ns.name, name })) as Application;
const waitApp = (name: string, what: string, done: (app: Application) => boolean): Promise<Application> => waitUntil(`${name}: ${what}`, () => getApp(name), done, { timeoutMs: 90_000 });
const markerInCluster = async (): Promise<string | undefined> => (await core.readNamespacedConfigMap({ name: 'private-config', namespace: dest.name }).catch(() => undefined))?.data?.['marker'];

async function call(method: 'GET', url: string) {
  const res = await server.inject({ method, url, headers: { authorization: `Bearer ${adminToken}` } });
  return { status: res.statusCode, raw: res.body };
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  await ensureCrds(kc.makeApiClient(ApiextensionsV1Api));
  await custom.createNamespacedCustomObject({ group, version, namespace: ns.name, plural: 'appprojects', body: defaultProject(ns.name) });

  tmp = await mkdtemp(path.join(tmpdir(), 'kawa-rs-remote-'));
  work = await createRepo(path.join(tmp, 'work'));
  await publish(MARKER);
  git = await startGitHttpServer({ root: path.join(tmp, 'served'), auth: { username: 'kawa', password: PASSWORD } });
  repoURL = git.urlFor('private');
  // The only copy of the password in the cluster: a repository Secret in the controller's namespace.
  await core.createNamespacedSecret({
    namespace: ns.name,
    body: { metadata: { name: 'private-repo', labels: { 'argocd.argoproj.io/secret-type': 'repository' } }, stringData: { url: repoURL, username: 'kawa', password: PASSWORD } },
  });

  // The repo server: its own process, and nothing that could reach Kubernetes.
  const home = path.join(tmp, 'repo-server-home');
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '', HOME: home, KUBECONFIG: path.join(tmp, 'no-such-kubeconfig'), KAWA_LOG_LEVEL: 'info' };
  repoServer = spawnKawa(['repo-server', '--address', '127.0.0.1', '--port', '0', '--cache-dir', path.join(tmp, 'repo-server-cache')], env);
  const listening = await repoServer.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)".*repo server listening/);
  repoServerUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(listening)?.[1] ?? '';

  controller = await runController({
    kubeConfig: kc,
    namespace: ns.name,
    log: silent,
    cacheDir: path.join(tmp, 'controller-cache'),
    repoServer: repoServerUrl,
    reconciliationMs: 60_000,
    reconciliationJitterMs: 0,
    sharding: false,
  });
  ({ app: server } = await assembleServer({ kubeConfig: kc, namespace: ns.name, logger: pino({ level: 'silent' }), repoServer: repoServerUrl, repoCacheRoot: path.join(tmp, 'server-cache', 'repos'), refreshWaitMs: 300 }));
  const initial = await core.readNamespacedSecret({ name: INITIAL_ADMIN_SECRET, namespace: ns.name });
  const password = Buffer.from(initial.data?.['password'] ?? '', 'base64').toString('utf8');
  const login = await server.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password } });
  adminToken = login.json<{ token: string }>().token;
}, 180_000);

afterAll(async () => {
  await server.close();
  await controller.stop();
  await repoServer.kill();
  const rest = new KubeRest(kc);
  const list = (await custom.listNamespacedCustomObject({ group, version, plural: 'applications', namespace: ns.name })) as { items: Json[] };
  for (const item of list.items) {
    const name = String((item['metadata'] as Json)['name']);
    await rest.request('PATCH', `/apis/${group}/${version}/namespaces/${ns.name}/applications/${name}`, { body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' }).catch(() => undefined);
  }
  rest.close();
  await git.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('controller and server render through a repo server that has no Kubernetes access', () => {
  it('the controller syncs an app from the private repository with the credentials it sends', async () => {
    await custom.createNamespacedCustomObject({
      group,
      version,
      namespace: ns.name,
      plural: 'applications',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'Application',
        metadata: { name: 'private', namespace: ns.name },
        spec: {
          project: 'default',
          source: { repoURL, path: 'app', targetRevision: 'HEAD' },
          destination: { server: 'https://kubernetes.default.svc', namespace: dest.name },
          syncPolicy: { automated: { prune: true } },
        },
      },
    });
    const head = await work.head();
    await waitApp('private', 'Synced at the head commit', (app) => app.status?.sync?.status === 'Synced' && app.status.sync.revision === head && app.status.operationState?.phase === 'Succeeded');
    expect(await markerInCluster()).toBe(MARKER);
    // The repo server fetched it (its mirror), the controller rendered nothing itself (no mirror of its own).
    expect(await exists(path.join(tmp, 'repo-server-cache', 'repos'))).toBe(true);
    expect(await exists(path.join(tmp, 'controller-cache', 'repos'))).toBe(false);
    expect(repoServer.output()).not.toContain(PASSWORD);
  });

  it('the server serves manifests, managed resources (diff) and commit metadata through it', async () => {
    const manifests = await call('GET', '/api/v1/applications/private/manifests');
    expect(manifests.status).toBe(200);
    expect(manifests.raw).toContain(MARKER);
    const managed = await call('GET', '/api/v1/applications/private/managed-resources');
    expect(managed.status).toBe(200);
    expect(managed.raw).toContain(MARKER);
    const head = await work.head();
    const meta = await call('GET', `/api/v1/applications/private/revisions/${head}/metadata`);
    expect(meta.status).toBe(200);
    expect(JSON.parse(meta.raw)).toMatchObject({ message: expect.stringContaining(`marker ${MARKER}`) as unknown });
    // The API server kept no mirror of its own either.
    expect(await exists(path.join(tmp, 'server-cache', 'repos'))).toBe(false);
  });

  it("the server's repository connection check and refs listing go through it too", async () => {
    const encoded = encodeURIComponent(repoURL);
    const repo = await call('GET', `/api/v1/repositories/${encoded}?forceRefresh=true`);
    expect(repo.status).toBe(200);
    expect(JSON.parse(repo.raw)).toMatchObject({ connectionState: { status: 'Successful' } });
    const refs = await call('GET', `/api/v1/repositories/${encoded}/refs`);
    expect(refs.status).toBe(200);
    expect((JSON.parse(refs.raw) as { branches: string[] }).branches.length).toBeGreaterThan(0);
    expect(repoServer.output()).toContain('/api/v1/refs');
    expect(repoServer.output()).not.toContain(PASSWORD);
  });

  it('a refresh someone asked for reaches the repo server: a new commit is synced', async () => {
    const next = await publish(`${MARKER}-2`);
    const rest = new KubeRest(kc);
    try {
      await rest.request('PATCH', `/apis/${group}/${version}/namespaces/${ns.name}/applications/private`, {
        body: { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } },
        contentType: 'application/merge-patch+json',
      });
    } finally {
      rest.close();
    }
    await waitApp('private', 'Synced at the new commit', (app) => app.status?.sync?.status === 'Synced' && app.status.sync.revision === next);
    await waitUntil('the new marker in the cluster', markerInCluster, (m) => m === `${MARKER}-2`);
  });

  it('a request without the credentials is refused, though the repo server has just fetched the repository with them', async () => {
    const request: ManifestRequest = { source: { repoURL, path: 'app', targetRevision: 'HEAD' }, appName: 'private', namespace: dest.name, project: 'default' };
    const refused = async (call: () => Promise<unknown>): Promise<string> => {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).code).toBe(errorCodes.GIT_AUTH_FAILED);
      return (err as UserError).message;
    };
    // No credentials at all (what the repo server itself has), and an empty set sent explicitly.
    const anonymous = new RepoServerClient({ url: repoServerUrl });
    const empty = new RepoServerClient({ url: repoServerUrl, credentials: () => ({ repositories: [], templates: [] }) });
    const head = await work.head();
    for (const client of [anonymous, empty]) {
      expect(await refused(() => client.generateManifests(request))).toContain('authentication failed');
      await refused(() => client.generateManifests({ ...request, revision: head }));
      await refused(() => client.resolveRevision(request.source, { project: 'default' }));
      await refused(() => client.revisionMetadata(repoURL, 'HEAD', 'default'));
    }
    // Wrong credentials: refused, and the wrong password is in no answer and no log line.
    const wrongPassword = 'a-wrong-password-for-the-private-repo';
    const wrong = new RepoServerClient({ url: repoServerUrl, credentials: () => ({ repositories: [{ secretName: 'x', url: repoURL, type: 'git', username: 'kawa', password: wrongPassword, extra: {} }], templates: [] }) });
    expect(await refused(() => wrong.generateManifests(request))).not.toContain(wrongPassword);
    // The caller's own credentials still work, from the same warm caches.
    const right = new RepoServerClient({ url: repoServerUrl, credentials: () => ({ repositories: [{ secretName: 'x', url: repoURL, type: 'git', username: 'kawa', password: PASSWORD, extra: {} }], templates: [] }) });
    expect(JSON.stringify((await right.generateManifests(request)).objects)).toContain(MARKER);
    expect(repoServer.output()).not.toContain(wrongPassword);
    expect(repoServer.output()).not.toContain(PASSWORD);
  });
});
