// The live-state routes against the real cluster and a real git server: an app whose manifests (a
// Deployment, a ConfigMap, a Secret) are rendered from git and applied with kawa's tracking marks, then
// read back through resource-tree, managed-resources, manifests, events, resource (get and patch) and
// revision metadata, with the standalone server's default live-state source (its own ClusterCache).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { prepareDesired } from '../../src/engine/compare.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { TempDirs, createRepo, type TestRepo } from '../harness/git.js';
import { serverSideApply, testKubeConfig, useNamespace, waitUntil } from '../harness/kube.js';
import { useApiServer, type Json } from '../harness/server-api.js';

const dirs = new TempDirs();
// Made now, not in beforeAll: the server fixture's beforeAll (registered first) reads it.
const cacheRoot = mkdtempSync(path.join(tmpdir(), 'kawa-srvlive-cache-'));
const api = useApiServer('srvlive', { assemble: () => ({ repoCacheRoot: cacheRoot }) });
const dest = useNamespace('srvlive-dest');

let git: GitHttpServer;
let repo: TestRepo;
let repoUrl = '';
let firstSha = '';
let secondSha = '';
// Unique per run: objects of an earlier run's app (in a namespace still terminating) must not count as this app's.
const APP = `live-${Date.now().toString(36)}`;

const manifests = (replicas: number, colour: string): Record<string, string> => ({
  'app/deploy.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
`,
  'app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {colour: ${colour}}\n`,
  'app/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: hunter2-very-secret}\n',
});

beforeAll(async () => {
  const work = await dirs.make('kawa-srvlive-work-');
  const root = await dirs.make('kawa-srvlive-root-');
  repo = await createRepo(work);
  firstSha = await repo.commit('blue app', { files: manifests(1, 'blue') });
  secondSha = await repo.commit('green app\n\nmore words', { files: manifests(2, 'green') });
  await repo.tag('v2');
  await repo.publishBare(root, 'live');
  git = await startGitHttpServer({ root });
  repoUrl = git.urlFor('live');
});

afterAll(async () => {
  rmSync(cacheRoot, { recursive: true, force: true });
  await git.close();
  await dirs.cleanup();
});

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, token = api.adminToken) {
  const res = await api.app.inject({ method, url, headers: { ...api.auth(token), ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}) }, ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? JSON.stringify(payload) : (payload as Json) }) });
  return { status: res.statusCode, body: res.body === '' ? {} : res.json<Json>(), raw: res.body };
}

/** What a sync would do: apply the rendered objects with the app's tracking marks. */
async function deploy(objects: KubeObject[]): Promise<void> {
  const noDiscovery = { getByRef: () => undefined, objectsOf: () => [], lookupResource: () => undefined };
  for (const { object } of prepareDesired(APP, objects, noDiscovery, { destinationNamespace: dest.name })) await serverSideApply(testKubeConfig(), object as KubernetesObject);
}

describe('live state of an application', () => {
  beforeAll(async () => {
    const created = await call('POST', '/api/v1/applications', {
      metadata: { name: APP },
      spec: { project: 'default', source: { repoURL: repoUrl, path: 'app', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: dest.name } },
    });
    expect(created.status).toBe(200);
    // The files as committed (the API's rendering masks Secret values, so it cannot be what is applied).
    await deploy(Object.values(manifests(2, 'green')).map((text) => parseYaml(text) as KubeObject));
  });

  it('renders the manifests at the target revision or at another one, Secret values masked', async () => {
    const now = await call('GET', `/api/v1/applications/${APP}/manifests`);
    expect(now.body).toMatchObject({ revision: secondSha, sourceType: 'Directory', namespace: dest.name, server: 'https://kubernetes.default.svc' });
    const kinds = (now.body['manifests'] as string[]).map((m) => (JSON.parse(m) as KubeObject).kind).sort();
    expect(kinds).toEqual(['ConfigMap', 'Deployment', 'Secret']);
    expect(now.raw).not.toContain('hunter2');
    const old = await call('GET', `/api/v1/applications/${APP}/manifests?revision=${firstSha}`);
    expect(old.body['revision']).toBe(firstSha);
    expect(old.raw).toContain('blue');
  });

  it('builds the resource tree down to the Pods, with parents, health and images', async () => {
    const tree = await waitUntil(
      'the Deployment Pods in the tree',
      async () => (await call('GET', `/api/v1/applications/${APP}/resource-tree`)).body,
      (body) => ((body['nodes'] as Json[] | undefined) ?? []).filter((n) => n['kind'] === 'Pod').length === 2,
      { timeoutMs: 60_000 },
    );
    const nodes = tree['nodes'] as Json[];
    const deployment = nodes.find((n) => n['kind'] === 'Deployment');
    const rs = nodes.find((n) => n['kind'] === 'ReplicaSet');
    const pod = nodes.find((n) => n['kind'] === 'Pod');
    expect(deployment).toMatchObject({ group: 'apps', version: 'v1', namespace: dest.name, name: 'web' });
    expect(rs?.['parentRefs']).toEqual([{ group: 'apps', kind: 'Deployment', namespace: dest.name, name: 'web', uid: deployment?.['uid'] }]);
    expect(pod?.['parentRefs']).toEqual([expect.objectContaining({ kind: 'ReplicaSet', uid: rs?.['uid'] }) as unknown]);
    expect(pod).toMatchObject({ images: ['nginx:1.27'], health: { status: expect.any(String) as unknown } });
    expect(nodes.map((n) => n['kind'])).toEqual(expect.arrayContaining(['ConfigMap', 'Secret']));
    expect(tree['orphanedNodes']).toEqual([]);
  });

  it('compares desired and live per resource, masking Secret values, and sees drift', async () => {
    const synced = await call('GET', `/api/v1/applications/${APP}/managed-resources`);
    const items = synced.body['items'] as Json[];
    // Sorted by group, kind, namespace, name: the core group first.
    expect(items.map((i) => [i['kind'], i['modified']])).toEqual([
      ['ConfigMap', false],
      ['Secret', false],
      ['Deployment', false],
    ]);
    const secret = items.find((i) => i['kind'] === 'Secret') ?? {};
    expect(synced.raw).not.toContain('hunter2');
    expect(synced.raw).not.toContain(Buffer.from('hunter2-very-secret').toString('base64'));
    expect((JSON.parse(String(secret['liveState'])) as Json)['data']).toEqual({ password: '++++++++' });
    expect((JSON.parse(String(secret['targetState'])) as Json)['data']).toEqual({ password: '++++++++' });

    const core = testKubeConfig().makeApiClient(CoreV1Api);
    await core.patchNamespacedConfigMap({ name: 'settings', namespace: dest.name, body: [{ op: 'replace', path: '/data/colour', value: 'red' }] });
    const drifted = await waitUntil(
      'the ConfigMap drift',
      async () => (await call('GET', `/api/v1/applications/${APP}/managed-resources?kind=ConfigMap`)).body['items'] as Json[],
      (list) => list[0]?.['modified'] === true,
    );
    expect(drifted).toHaveLength(1);
    expect(String(drifted[0]?.['diff'])).toContain('colour');
  });

  it('reads and patches a live resource of the app, and only of the app', async () => {
    const secret = await call('GET', `/api/v1/applications/${APP}/resource?namespace=${dest.name}&resourceName=creds&version=v1&kind=Secret`);
    expect(secret.status).toBe(200);
    expect(secret.raw).not.toContain(Buffer.from('hunter2-very-secret').toString('base64'));
    expect((JSON.parse(String(secret.body['manifest'])) as Json)['data']).toEqual({ password: '++++++++' });

    const query = `namespace=${dest.name}&resourceName=settings&version=v1&kind=ConfigMap&patchType=merge`;
    const patched = await call('POST', `/api/v1/applications/${APP}/resource?${query}`, JSON.stringify({ data: { colour: 'purple' } }));
    expect(patched.status).toBe(200);
    expect((JSON.parse(String(patched.body['manifest'])) as Json)['data']).toEqual({ colour: 'purple' });
    const core = testKubeConfig().makeApiClient(CoreV1Api);
    expect((await core.readNamespacedConfigMap({ name: 'settings', namespace: dest.name })).data).toEqual({ colour: 'purple' });

    const alice = await api.loginAs('alice');
    expect((await call('POST', `/api/v1/applications/${APP}/resource?${query}`, JSON.stringify({ data: { colour: 'x' } }), alice)).status).toBe(403);
    expect((await call('GET', `/api/v1/applications/${APP}/resource?${query}`, undefined, alice)).status).toBe(403);
    // An object of the namespace the app does not manage is not reachable through it.
    const foreign = await call('GET', `/api/v1/applications/${APP}/resource?namespace=${dest.name}&resourceName=kube-root-ca.crt&version=v1&kind=ConfigMap`);
    expect(foreign.status).toBe(404);
  });

  it('lists the Events of the app and of one of its resources', async () => {
    const appEvents = await call('GET', `/api/v1/applications/${APP}/events`);
    expect((appEvents.body['items'] as Json[]).map((e) => e['reason'])).toContain('ResourceCreated');
    const deploymentEvents = await waitUntil(
      'the Deployment Events',
      async () => (await call('GET', `/api/v1/applications/${APP}/events?resourceNamespace=${dest.name}&resourceName=web`)).body['items'] as Json[],
      (list) => list.length > 0,
    );
    expect(deploymentEvents.map((e) => e['reason'])).toContain('ScalingReplicaSet');
    expect((await call('GET', `/api/v1/applications/${APP}/events?resourceNamespace=${dest.name}&resourceName=kube-root-ca.crt`)).status).toBe(404);
  });

  it('answers the metadata of a revision', async () => {
    const meta = await call('GET', `/api/v1/applications/${APP}/revisions/${secondSha}/metadata`);
    expect(meta.body).toEqual({ author: 'Kawa Test <kawa-test@example.com>', date: expect.any(String) as unknown, tags: ['v2'], message: 'green app\n\nmore words' });
    expect((await call('GET', `/api/v1/applications/${APP}/revisions/v2/metadata`)).body['message']).toBe('green app\n\nmore words');
  });

  it('refuses logs of a Pod that is not the app\'s, and logs without the logs permission', async () => {
    expect((await call('GET', `/api/v1/applications/${APP}/logs?podName=not-ours`)).status).toBe(404);
    const alice = await api.loginAs('alice');
    expect((await call('GET', `/api/v1/applications/${APP}/logs`, undefined, alice)).status).toBe(403);
  });
});
