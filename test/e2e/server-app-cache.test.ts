// GET /api/v1/applications and GET one from the watch cache, against the real API server: the API
// server's own request counter proves lists stop reaching it, the server's own writes are visible at once,
// others' writes as the watch delivers them, and RBAC, selectors and resourceVersion behave as with a LIST.
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../harness/kube.js';
import { appBody, teamProject, useApiServer, type Json } from '../harness/server-api.js';

const api = useApiServer('srvcache');

/** kube-apiserver's `apiserver_request_total` for LISTs of applications (all namespaces: other tests may add a few). */
async function applicationLists(kc: KubeConfig): Promise<number> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const options: Parameters<typeof request>[1] = {};
  await kc.applyToHTTPSOptions(options);
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(new URL('/metrics', server), { ...options, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('apiserver_request_total{') && line.includes('resource="applications"') && line.includes('verb="LIST"')) total += Number(line.split(' ').pop());
  }
  return total;
}

type AppList = { metadata: { resourceVersion?: string }; items: Json[] };
const names = (list: AppList): string[] => list.items.map((a) => String((a['metadata'] as Json)['name']));

async function list(headers: Record<string, string>, query = ''): Promise<AppList> {
  const res = await api.app.inject({ method: 'GET', url: `/api/v1/applications${query}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<AppList>();
}

describe('the Application list from the watch cache', () => {
  it('answers lists without LISTing the API server once it has synced', async () => {
    const admin = api.auth(api.adminToken);
    expect((await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: admin, payload: { project: teamProject() } })).statusCode).toBe(200);
    for (const [name, project, labels] of [
      ['c-one', 'default', { tier: 'web' }],
      ['c-two', 'team', { tier: 'db' }],
      ['c-three', 'team', {}],
    ] as const) {
      const body = appBody(name, { project, labels, repoURL: project === 'team' ? 'https://github.com/example/apps.git' : undefined, namespace: project === 'team' ? 'team-a' : 'guestbook' });
      const res = await api.app.inject({ method: 'POST', url: '/api/v1/applications', headers: admin, payload: body });
      expect(res.statusCode, res.body).toBe(200);
    }
    // The first read starts the watch; wait until it answers from memory.
    await waitFor('3 apps listed', async () => ((await list(admin)).items.length === 3 ? true : undefined), { timeoutMs: 10_000 });

    const before = await applicationLists(api.kc);
    for (let i = 0; i < 30; i++) expect(names(await list(admin))).toEqual(['c-one', 'c-three', 'c-two']);
    const after = await applicationLists(api.kc);
    // 30 lists, and (other test files' informers aside) no LIST reached the API server.
    expect(after - before).toBeLessThan(5);
  });

  it('keeps RBAC filtering and label selectors', async () => {
    const bob = api.auth(await api.loginAs('bob'));
    const admin = api.auth(api.adminToken);
    expect(names(await list(bob))).toEqual(['c-three', 'c-two']);
    expect(names(await list(admin, '?selector=tier%3Dweb'))).toEqual(['c-one']);
    expect(names(await list(admin, '?selector=tier%20in%20(web%2Cdb)'))).toEqual(['c-one', 'c-two']);
    expect(names(await list(admin, '?selector=!tier'))).toEqual(['c-three']);
    expect(names(await list(bob, '?selector=tier'))).toEqual(['c-two']);
    expect(names(await list(admin, '?projects=team'))).toEqual(['c-three', 'c-two']);
    const bad = await api.app.inject({ method: 'GET', url: '/api/v1/applications?selector=a%3D%3D%3Db', headers: admin });
    expect(bad.statusCode).toBe(400);
  });

  it("shows the server's own writes at once and reports the cache's resourceVersion", async () => {
    const admin = api.auth(api.adminToken);
    const created = await api.app.inject({ method: 'POST', url: '/api/v1/applications', headers: admin, payload: appBody('c-four') });
    expect(created.statusCode).toBe(200);
    const createdRv = BigInt(String((created.json<Json>()['metadata'] as Json)['resourceVersion']));
    const listed = await list(admin);
    expect(names(listed)).toContain('c-four');
    expect(BigInt(listed.metadata.resourceVersion ?? '0')).toBeGreaterThanOrEqual(createdRv);

    const patched = await api.app.inject({
      method: 'PATCH',
      url: '/api/v1/applications/c-four',
      headers: admin,
      payload: { patch: JSON.stringify({ spec: { source: { targetRevision: 'v2' } } }), patchType: 'merge' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const got = await api.app.inject({ method: 'GET', url: '/api/v1/applications/c-four', headers: admin });
    expect(((got.json<Json>()['spec'] as Json)['source'] as Json)['targetRevision']).toBe('v2');

    const deleted = await api.app.inject({ method: 'DELETE', url: '/api/v1/applications/c-four?cascade=false', headers: admin });
    expect(deleted.statusCode).toBe(200);
    expect(names(await list(admin))).not.toContain('c-four');
  });

  it('picks up changes made by others through the watch, and still finds an app it has not seen yet', async () => {
    const admin = api.auth(api.adminToken);
    const body = { ...appBody('c-outside'), metadata: { name: 'c-outside', namespace: api.ns } };
    await api.custom.createNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', namespace: api.ns, body });
    // GET one falls back to the API server for an app the cache does not hold (yet).
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/applications/c-outside', headers: admin })).statusCode).toBe(200);
    await waitFor('c-outside listed', async () => (names(await list(admin)).includes('c-outside') ? true : undefined), { timeoutMs: 10_000 });
    await api.custom.deleteNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', namespace: api.ns, name: 'c-outside' });
    await waitFor('c-outside gone', async () => (names(await list(admin)).includes('c-outside') ? undefined : true), { timeoutMs: 10_000 });
    // Unknown and forbidden apps still answer alike.
    const bob = api.auth(await api.loginAs('bob'));
    const missing = await api.app.inject({ method: 'GET', url: '/api/v1/applications/nope', headers: bob });
    const forbidden = await api.app.inject({ method: 'GET', url: '/api/v1/applications/c-one', headers: bob });
    expect([missing.statusCode, forbidden.statusCode, missing.json<Json>()['message']]).toEqual([403, 403, forbidden.json<Json>()['message']]);
  });
});
