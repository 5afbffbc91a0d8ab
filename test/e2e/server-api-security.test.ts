// The API server refuses what it must: every protected route without credentials (401) and without
// permission (403), forged/expired/orphaned tokens, CSRF through the cookie, malformed input (unknown
// fields and wrong types with their path, bad path parameters, oversized bodies).
import { SignJWT } from 'jose';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SessionManager } from '../../src/server/auth/index.js';
import { waitUntil } from '../harness/kube.js';
import { PASSWORD, appBody, teamProject, useApiServer, type Json } from '../harness/server-api.js';

// bob may manage the repositories of project `other`, and nothing of project `team`'s (issue 13 item 2).
// gone may update and delete the apps of project `default`, but none of their live resources (item 6).
const api = useApiServer('srvsec', {
  rbacPolicy: ['p, role:team-dev, repositories, *, other/*, allow', 'p, gone, applications, update, default/*, allow', 'p, gone, applications, delete, default/*, allow', ''].join('\n'),
});

const REPO = encodeURIComponent('https://git.example.invalid/app.git');
const CREDS = encodeURIComponent('https://git.example.invalid/org');
const IN_CLUSTER = encodeURIComponent('https://kubernetes.default.svc');

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A request for every protected route, against objects that exist (so a 403 cannot come from a missing
 * object). The route-coverage test fails when a route is added without a row here.
 */
const SAMPLES: Record<string, { url: string; body?: Json; /** An endless SSE stream: only the refusal before streaming can be injected (server-stream.test.ts covers the rest over a socket). */ stream?: true }> = {
  'GET /api/v1/stream/applications': { url: '/api/v1/stream/applications', stream: true },
  'DELETE /api/v1/session': { url: '/api/v1/session' },
  'GET /api/v1/session/userinfo': { url: '/api/v1/session/userinfo' },
  'HEAD /api/v1/session/userinfo': { url: '/api/v1/session/userinfo' },
  'GET /api/v1/applications': { url: '/api/v1/applications' },
  'HEAD /api/v1/applications': { url: '/api/v1/applications' },
  'GET /api/v1/applications/:name': { url: '/api/v1/applications/target' },
  'HEAD /api/v1/applications/:name': { url: '/api/v1/applications/target' },
  'POST /api/v1/applications': { url: '/api/v1/applications', body: appBody('newapp') },
  'PUT /api/v1/applications/:name': { url: '/api/v1/applications/target', body: appBody('target') },
  'PUT /api/v1/applications/:name/spec': { url: '/api/v1/applications/target/spec', body: appBody('target')['spec'] as Json },
  'PATCH /api/v1/applications/:name': { url: '/api/v1/applications/target', body: { patch: '{}', patchType: 'merge' } },
  'DELETE /api/v1/applications/:name': { url: '/api/v1/applications/target' },
  'POST /api/v1/applications/:name/sync': { url: '/api/v1/applications/target/sync', body: {} },
  'POST /api/v1/applications/:name/rollback': { url: '/api/v1/applications/target/rollback', body: { id: 1 } },
  'DELETE /api/v1/applications/:name/operation': { url: '/api/v1/applications/target/operation' },
  'GET /api/v1/projects': { url: '/api/v1/projects' },
  'HEAD /api/v1/projects': { url: '/api/v1/projects' },
  'POST /api/v1/projects': { url: '/api/v1/projects', body: { project: teamProject('newproj') } },
  'GET /api/v1/projects/:name': { url: '/api/v1/projects/team' },
  'HEAD /api/v1/projects/:name': { url: '/api/v1/projects/team' },
  'PUT /api/v1/projects/:name': { url: '/api/v1/projects/team', body: { project: teamProject('team') } },
  'DELETE /api/v1/projects/:name': { url: '/api/v1/projects/team' },
  'POST /api/v1/projects/:project/roles/:role/token': { url: '/api/v1/projects/team/roles/ci/token', body: {} },
  'DELETE /api/v1/projects/:project/roles/:role/token/:iat': { url: '/api/v1/projects/team/roles/ci/token/1' },
  'GET /api/v1/repositories': { url: '/api/v1/repositories' },
  'HEAD /api/v1/repositories': { url: '/api/v1/repositories' },
  'POST /api/v1/repositories': { url: '/api/v1/repositories', body: { repo: 'https://git.example.invalid/new.git' } },
  'GET /api/v1/repositories/:repo': { url: `/api/v1/repositories/${REPO}` },
  'HEAD /api/v1/repositories/:repo': { url: `/api/v1/repositories/${REPO}` },
  'GET /api/v1/repositories/:repo/refs': { url: `/api/v1/repositories/${REPO}/refs` },
  'HEAD /api/v1/repositories/:repo/refs': { url: `/api/v1/repositories/${REPO}/refs` },
  'PUT /api/v1/repositories/:repo': { url: `/api/v1/repositories/${REPO}`, body: { repo: decodeURIComponent(REPO), password: 'stolen' } },
  'DELETE /api/v1/repositories/:repo': { url: `/api/v1/repositories/${REPO}` },
  'GET /api/v1/repocreds': { url: '/api/v1/repocreds' },
  'HEAD /api/v1/repocreds': { url: '/api/v1/repocreds' },
  'POST /api/v1/repocreds': { url: '/api/v1/repocreds', body: { url: 'https://git.example.invalid/other', password: 'x' } },
  'PUT /api/v1/repocreds/:url': { url: `/api/v1/repocreds/${CREDS}`, body: { url: decodeURIComponent(CREDS), password: 'stolen' } },
  'DELETE /api/v1/repocreds/:url': { url: `/api/v1/repocreds/${CREDS}` },
  'GET /api/v1/clusters': { url: '/api/v1/clusters' },
  'HEAD /api/v1/clusters': { url: '/api/v1/clusters' },
  'POST /api/v1/clusters': { url: '/api/v1/clusters', body: { server: 'https://127.0.0.1:1', name: 'x' } },
  'GET /api/v1/clusters/:server': { url: `/api/v1/clusters/${IN_CLUSTER}` },
  'HEAD /api/v1/clusters/:server': { url: `/api/v1/clusters/${IN_CLUSTER}` },
  'PUT /api/v1/clusters/:server': { url: `/api/v1/clusters/${IN_CLUSTER}`, body: { server: 'https://kubernetes.default.svc', name: 'in-cluster', namespaces: ['x'] } },
  'DELETE /api/v1/clusters/:server': { url: `/api/v1/clusters/${IN_CLUSTER}` },
  'GET /api/v1/account': { url: '/api/v1/account' },
  'HEAD /api/v1/account': { url: '/api/v1/account' },
  'GET /api/v1/account/can-i/:resource/:action/*': { url: '/api/v1/account/can-i/applications/get/default/target' },
  'HEAD /api/v1/account/can-i/:resource/:action/*': { url: '/api/v1/account/can-i/applications/get/default/target' },
  'PUT /api/v1/account/password': { url: '/api/v1/account/password', body: { currentPassword: PASSWORD, newPassword: PASSWORD } },
  'GET /api/v1/account/:name': { url: '/api/v1/account/bob' },
  'HEAD /api/v1/account/:name': { url: '/api/v1/account/bob' },
  'POST /api/v1/account/:name/token': { url: '/api/v1/account/bob/token', body: {} },
  'DELETE /api/v1/account/:name/token/:id': { url: '/api/v1/account/bob/token/some-id' },
  'GET /api/v1/applications/:name/resource-tree': { url: '/api/v1/applications/target/resource-tree' },
  'HEAD /api/v1/applications/:name/resource-tree': { url: '/api/v1/applications/target/resource-tree' },
  'GET /api/v1/applications/:name/managed-resources': { url: '/api/v1/applications/target/managed-resources' },
  'HEAD /api/v1/applications/:name/managed-resources': { url: '/api/v1/applications/target/managed-resources' },
  'GET /api/v1/applications/:name/manifests': { url: '/api/v1/applications/target/manifests' },
  'HEAD /api/v1/applications/:name/manifests': { url: '/api/v1/applications/target/manifests' },
  'GET /api/v1/applications/:name/events': { url: '/api/v1/applications/target/events' },
  'HEAD /api/v1/applications/:name/events': { url: '/api/v1/applications/target/events' },
  'GET /api/v1/applications/:name/resource': { url: '/api/v1/applications/target/resource?kind=ConfigMap&resourceName=x&namespace=guestbook' },
  'HEAD /api/v1/applications/:name/resource': { url: '/api/v1/applications/target/resource?kind=ConfigMap&resourceName=x&namespace=guestbook' },
  'POST /api/v1/applications/:name/resource': { url: '/api/v1/applications/target/resource?kind=ConfigMap&resourceName=x&namespace=guestbook', body: '{}' as unknown as Json },
  'DELETE /api/v1/applications/:name/resource': { url: '/api/v1/applications/target/resource?kind=ConfigMap&resourceName=x&namespace=guestbook' },
  'GET /api/v1/applications/:name/revisions/:revision/metadata': { url: '/api/v1/applications/target/revisions/HEAD/metadata' },
  'HEAD /api/v1/applications/:name/revisions/:revision/metadata': { url: '/api/v1/applications/target/revisions/HEAD/metadata' },
  'GET /api/v1/applications/:name/logs': { url: '/api/v1/applications/target/logs' },
  'GET /api/v1/stream/applications/:name/resource-tree': { url: '/api/v1/stream/applications/target/resource-tree', stream: true },
};

async function send(method: Method, url: string, options: { headers?: Record<string, string>; body?: unknown } = {}) {
  // A string body is a JSON string (POST …/resource takes the patch that way).
  const body = typeof options.body === 'string' ? { payload: JSON.stringify(options.body), json: { 'content-type': 'application/json' } } : { payload: options.body as Json, json: {} };
  const res = await api.app.inject({ method, url, headers: { ...body.json, ...options.headers }, ...(options.body === undefined ? {} : { payload: body.payload }) });
  return { status: res.statusCode, body: res.body === '' ? {} : (res.json<Json>()) };
}

const admin = (): Record<string, string> => api.auth(api.adminToken);

describe('every protected route', () => {
  it('has a sample request, and the public ones are exactly the documented few', () => {
    const routes = api.app.kawa.routes;
    const protectedRoutes = routes.filter((r) => r.auth.kind !== 'public').map((r) => `${r.method} ${r.url}`);
    expect(protectedRoutes.sort()).toEqual(Object.keys(SAMPLES).sort());
    const publicRoutes = routes.filter((r) => r.auth.kind === 'public').map((r) => `${r.method} ${r.url}`);
    for (const route of publicRoutes) {
      expect(route).toMatch(/^(GET|HEAD) (\/api\/version|\/api\/v1\/settings|\/auth\/(login|callback|logout)|\/healthz|\/metrics|\/swagger\.json|\/swagger-ui.*|\/|\/\*|\/assets\/\*)$|^POST \/api\/v1\/session$|^POST \/api\/webhook$/);
    }
  });

  it('refuses a caller without credentials (401) and one without permissions (403)', async () => {
    expect((await send('POST', '/api/v1/projects', { headers: admin(), body: { project: teamProject() } })).status).toBe(200);
    expect((await send('POST', '/api/v1/applications', { headers: admin(), body: appBody('target') })).status).toBe(200);
    const team = teamProject();
    (team['spec'] as Json)['roles'] = [{ name: 'ci', policies: [] }];
    expect((await send('PUT', '/api/v1/projects/team', { headers: admin(), body: { project: team } })).status).toBe(200);
    expect((await send('POST', '/api/v1/repositories', { headers: admin(), body: { repo: decodeURIComponent(REPO), password: 'p' } })).status).toBe(200);
    expect((await send('POST', '/api/v1/repocreds', { headers: admin(), body: { url: decodeURIComponent(CREDS), password: 'p' } })).status).toBe(200);
    let alice = api.auth(await api.loginAs('alice'));

    for (const route of api.app.kawa.routes) {
      if (route.auth.kind === 'public') continue;
      const key = `${route.method} ${route.url}`;
      const sample = SAMPLES[key];
      if (sample === undefined) throw new Error(`no sample for ${key}`);
      const method = route.method as Method;
      const anonymous = await send(method, sample.url, { body: sample.body });
      expect.soft(anonymous.status, `${key} without credentials`).toBe(401);
      if (sample.stream) continue;
      const refused = await send(method, sample.url, { headers: alice, body: sample.body });
      switch (route.auth.kind) {
        case 'rbac':
          expect.soft(refused.status, `${key} as alice`).toBe(403);
          break;
        case 'filtered': {
          // Lists answer, but with nothing the caller may not see (admin sees the same list non-empty).
          expect.soft(refused.status, `${key} as alice`).toBe(200);
          if (method === 'GET') {
            expect.soft(refused.body['items'], `${key} as alice`).toEqual([]);
            const asAdmin = await send(method, sample.url, { headers: admin() });
            expect.soft((asAdmin.body['items'] as unknown[]).length, `${key} as admin`).toBeGreaterThan(0);
          }
          break;
        }
        case 'authenticated':
          // The caller's own session: userinfo and logout need no permission.
          expect.soft(refused.status, `${key} as alice`).toBe(200);
          // Logging out ended alice's session; go on with a fresh one.
          if (key === 'DELETE /api/v1/session' || key === 'PUT /api/v1/account/password') alice = api.auth(await api.loginAs('alice'));
          break;
      }
    }
    // Nothing was changed by the refused calls.
    await expect(api.getApp('newapp')).rejects.toMatchObject({ code: 404 });
    await expect(api.getProject('newproj')).rejects.toMatchObject({ code: 404 });
    expect(await api.getApp('target')).toMatchObject({ metadata: { name: 'target' } });
  });
});

describe('live resource writes', () => {
  // Every route that writes a live resource of an app, with the fine-grained action it needs (item 6).
  const writes: Record<string, { url: string; body?: Json; action: string }> = {
    'POST /api/v1/applications/:name/resource': { url: '/api/v1/applications/fine/resource?group=apps&kind=Deployment&resourceName=web&namespace=guestbook', body: '{}' as unknown as Json, action: 'update/apps/Deployment/guestbook/web' },
    'DELETE /api/v1/applications/:name/resource': { url: '/api/v1/applications/fine/resource?group=apps&kind=Deployment&resourceName=web&namespace=guestbook', action: 'delete/apps/Deployment/guestbook/web' },
  };

  it('need the fine-grained update/delete action: plain update/delete on the app is refused, the fine-grained rule is not', async () => {
    const routes = api.app.kawa.routes.filter((r) => r.url === '/api/v1/applications/:name/resource' && r.method !== 'GET' && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`);
    expect(routes.sort()).toEqual(Object.keys(writes).sort());
    expect((await send('POST', '/api/v1/applications', { headers: admin(), body: appBody('fine') })).status).toBe(200);
    const gone = api.auth(await api.loginAs('gone'));
    for (const key of routes) {
      const sample = writes[key];
      if (sample === undefined) throw new Error(`no sample for ${key}`);
      const method = key.split(' ')[0] as Method;
      expect.soft((await send(method, sample.url, { headers: gone, body: sample.body })).status, `${key} with plain update/delete`).toBe(403);
      // Asking for the project names the action in the refusal.
      const named = await send(method, `${sample.url}&project=default`, { headers: gone, body: sample.body });
      expect.soft([named.status, named.body['message']], key).toEqual([403, `permission denied: applications, ${sample.action}, default/fine, sub: gone`]);
      // With the fine-grained rule the request gets past RBAC to the lookup: the app has no such resource.
      expect.soft((await send(method, sample.url, { headers: admin(), body: sample.body })).status, `${key} as admin`).toBe(404);
    }
    expect(await api.getApp('fine')).toMatchObject({ metadata: { name: 'fine' } });
  });
});

describe('credentials', () => {
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = (): number => Math.floor(Date.now() / 1000);
  const userinfo = async (token: string) => send('GET', '/api/v1/session/userinfo', { headers: api.auth(token) });

  it('refuses alg none, a wrong key, an expired token, a malformed header', async () => {
    const claims = { iss: 'argocd', sub: 'admin:login', iat: now(), nbf: now(), exp: now() + 3600, jti: 'x' };
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    expect(await userinfo(none)).toMatchObject({ status: 401, body: { code: 16, message: 'invalid token: algorithm "none" is not accepted (only HS256)' } });

    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('not the server key'));
    expect(await userinfo(forged)).toMatchObject({ status: 401, body: { message: 'invalid token: the signature does not match' } });

    const past = new SessionManager({ settings: api.accounts, now: () => Date.now() - 3 * 86_400_000 });
    expect(await userinfo(await past.issueSession('admin'))).toMatchObject({ status: 401, body: { message: 'token expired: it is past its exp' } });

    expect((await send('GET', '/api/v1/session/userinfo', { headers: { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` } })).status).toBe(401);
    expect((await send('GET', '/api/v1/session/userinfo', { headers: { authorization: 'Bearer not-a-jwt' } })).status).toBe(401);
  });

  it('refuses the token of an account that was deleted', async () => {
    const token = await api.loginAs('gone');
    expect((await userinfo(token)).status).toBe(200);
    const cm = await api.core.readNamespacedConfigMap({ name: 'argocd-cm', namespace: api.ns });
    const data = Object.fromEntries(Object.entries(cm.data ?? {}).filter(([key]) => !key.startsWith('accounts.gone')));
    await api.core.replaceNamespacedConfigMap({ name: 'argocd-cm', namespace: api.ns, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: cm.metadata, data } });
    // Accounts are read from the watched argocd-cm (no read per request), so the change lands within the watch's delay.
    const refused = await waitUntil('the deleted account refused', () => userinfo(token), (r) => r.status !== 200, { timeoutMs: 10_000, intervalMs: 50 });
    expect(refused).toMatchObject({ status: 401, body: { message: 'invalid token: account "gone" does not exist or is disabled' } });
  });

  it('accepts the cookie, but a state change through it needs X-Requested-With (CSRF)', async () => {
    const login = await api.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: api.adminPassword } });
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
    expect((await send('GET', '/api/v1/applications', { headers: { cookie } })).status).toBe(200);
    const body = appBody('via-cookie');
    const forged = await send('POST', '/api/v1/applications', { headers: { cookie }, body });
    expect([forged.status, forged.body['message']]).toEqual([403, 'cookie-authenticated requests that change state must send the X-Requested-With header (CSRF protection)']);
    await expect(api.getApp('via-cookie')).rejects.toMatchObject({ code: 404 });
    expect((await send('POST', '/api/v1/applications', { headers: { cookie, 'x-requested-with': 'XMLHttpRequest' }, body })).status).toBe(200);
    // The header wins over the cookie: a bad bearer token is not rescued by a good cookie.
    expect((await send('GET', '/api/v1/applications', { headers: { cookie, authorization: 'Bearer nope' } })).status).toBe(401);
  });
});

describe('input', () => {
  it('refuses unknown fields and wrong types with the path of each bad field', async () => {
    const body = appBody('typo');
    const spec = body['spec'] as Json;
    const bad = {
      ...body,
      spec: { ...spec, source: { repoUrl: 'https://x', path: 'p' }, syncPolicy: { automated: { prune: 'yes' } }, destination: { server: 'https://kubernetes.default.svc', namepace: 'x' } },
      extra: 1,
    };
    const res = await send('POST', '/api/v1/applications', { headers: admin(), body: bad });
    expect(res.status).toBe(400);
    expect(res.body['code']).toBe(3);
    const message = String(res.body['message']);
    expect(message).toMatch(/^invalid request body: /);
    for (const problem of [
      'spec.source.repoURL: required',
      'spec.source.repoUrl: unknown field',
      'spec.syncPolicy.automated.prune: expected boolean, got string',
      'spec.destination.namepace: unknown field',
      'extra: unknown field',
    ]) {
      expect(message).toContain(problem);
    }
    const sync = await send('POST', '/api/v1/applications/target/sync', { headers: admin(), body: { prune: 1, resources: [{ kind: 'Deployment' }] } });
    expect([sync.status, sync.body['message']]).toEqual([400, 'invalid request body: prune: expected boolean, got number; resources[0].name: required']);
    const query = await send('GET', '/api/v1/applications?cascade=yes', { headers: admin() });
    expect([query.status, query.body['message']]).toEqual([400, 'invalid request query: cascade: unknown field']);
    const notJson = await api.app.inject({ method: 'POST', url: '/api/v1/applications', headers: { ...admin(), 'content-type': 'application/json' }, payload: '{"metadata":' });
    expect(notJson.statusCode).toBe(400);
  });

  it('refuses path parameters that are not Kubernetes names', async () => {
    for (const name of ['a%2Fb', 'a%00b', 'a%0Ab', 'a%7F', 'Upper', '-x', 'x'.repeat(254), '%E2%80%AE', 'a..b']) {
      const res = await send('GET', `/api/v1/applications/${name}`, { headers: admin() });
      expect.soft(res.status, name).toBe(400);
      expect.soft(String(res.body['message']), name).toMatch(/^invalid request path parameter: name: /);
    }
    expect((await send('DELETE', '/api/v1/projects/..%2Fdefault', { headers: admin() })).status).toBe(400);
  });

  it('refuses `..` as it arrives on the wire (inject() would normalise it away)', async () => {
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const { hostname, port } = new URL(address);
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: hostname, port, path, method: 'GET', headers: admin() }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
        });
        req.on('error', reject);
        req.end();
      });
    for (const path of ['/api/v1/applications/..', '/api/v1/applications/%2E%2E', '/api/v1/applications/%2e.']) {
      const res = await get(path);
      expect.soft([res.status, res.body], path).toEqual([400, expect.stringContaining('invalid request path parameter: name: ')]);
    }
  });

  it('refuses a body over the limit with 413, before reading it all', async () => {
    const huge = { ...appBody('huge'), metadata: { name: 'huge', annotations: { big: 'x'.repeat(10 * 1024 * 1024) } } };
    const res = await send('POST', '/api/v1/applications', { headers: admin(), body: huge });
    expect([res.status, res.body['code']]).toEqual([413, 8]);
    // Unauthenticated callers are refused before the body is read at all.
    expect((await send('POST', '/api/v1/applications', { body: huge })).status).toBe(401);
  });
});

describe('a project-scoped repository or template', () => {
  const SCOPED = 'https://git.example.invalid/team-only.git';
  const SCOPED_CREDS = 'https://git.example.invalid/team-org';
  const enc = encodeURIComponent;
  /** Every repositories/repocreds route, aimed at project team's Secrets. */
  const samples: Record<string, { url: string; body?: Json }> = {
    'GET /api/v1/repositories': { url: '/api/v1/repositories' },
    'HEAD /api/v1/repositories': { url: '/api/v1/repositories' },
    'POST /api/v1/repositories': { url: '/api/v1/repositories?upsert=true', body: { repo: SCOPED, project: 'team', password: 'replaced' } },
    'GET /api/v1/repositories/:repo': { url: `/api/v1/repositories/${enc(SCOPED)}?appProject=team` },
    'HEAD /api/v1/repositories/:repo': { url: `/api/v1/repositories/${enc(SCOPED)}?appProject=team` },
    'GET /api/v1/repositories/:repo/refs': { url: `/api/v1/repositories/${enc(SCOPED)}/refs` },
    'HEAD /api/v1/repositories/:repo/refs': { url: `/api/v1/repositories/${enc(SCOPED)}/refs` },
    'PUT /api/v1/repositories/:repo': { url: `/api/v1/repositories/${enc(SCOPED)}`, body: { repo: SCOPED, project: 'team', password: 'stolen' } },
    'DELETE /api/v1/repositories/:repo': { url: `/api/v1/repositories/${enc(SCOPED)}?appProject=team` },
    'GET /api/v1/repocreds': { url: '/api/v1/repocreds' },
    'HEAD /api/v1/repocreds': { url: '/api/v1/repocreds' },
    'POST /api/v1/repocreds': { url: '/api/v1/repocreds?upsert=true', body: { url: SCOPED_CREDS, password: 'replaced' } },
    'PUT /api/v1/repocreds/:url': { url: `/api/v1/repocreds/${enc(SCOPED_CREDS)}`, body: { url: SCOPED_CREDS, password: 'stolen' } },
    'DELETE /api/v1/repocreds/:url': { url: `/api/v1/repocreds/${enc(SCOPED_CREDS)}` },
  };

  it('is out of reach, on every repository route, of a user with repository rights in another project only', async () => {
    expect((await send('POST', '/api/v1/repositories', { headers: admin(), body: { repo: SCOPED, project: 'team', password: 'team-secret' } })).status).toBe(200);
    await api.core.createNamespacedSecret({
      namespace: api.ns,
      body: { metadata: { name: 'team-org-creds', labels: { 'argocd.argoproj.io/secret-type': 'repo-creds' } }, stringData: { url: SCOPED_CREDS, project: 'team', password: 'team-secret' } },
    });
    const bob = api.auth(await api.loginAs('bob'));
    const routes = api.app.kawa.routes.filter((r) => /^\/api\/v1\/(repositories|repocreds)/.test(r.url)).map((r) => `${r.method} ${r.url}`);
    expect(routes.sort()).toEqual(Object.keys(samples).sort());
    for (const key of routes) {
      const sample = samples[key];
      if (sample === undefined) throw new Error(`no sample for ${key}`);
      const method = key.split(' ')[0] as Method;
      const res = await send(method, sample.url, { headers: bob, body: sample.body });
      if (key.endsWith('/api/v1/repositories') || key.endsWith('/api/v1/repocreds')) {
        if (method === 'POST') expect.soft(res.status, key).toBe(403);
        // Lists answer without team's Secrets.
        else if (method === 'GET') expect.soft(JSON.stringify(res.body['items']), key).not.toMatch(/team-only|team-org/);
        else expect.soft(res.status, key).toBe(200);
      } else {
        expect.soft(res.status, key).toBe(403);
      }
    }
    // Nothing changed: both Secrets are there with their own values.
    const secrets = await api.core.listNamespacedSecret({ namespace: api.ns, labelSelector: 'argocd.argoproj.io/secret-type' });
    const values = secrets.items
      .filter((s) => /team-only|team-org/.test(Buffer.from(s.data?.['url'] ?? '', 'base64').toString('utf8')))
      .map((s) => [Buffer.from(s.data?.['project'] ?? '', 'base64').toString('utf8'), Buffer.from(s.data?.['password'] ?? '', 'base64').toString('utf8')]);
    expect(values).toEqual([
      ['team', 'team-secret'],
      ['team', 'team-secret'],
    ]);
    // bob's own project is his to manage, even for the same URL.
    expect((await send('POST', '/api/v1/repositories', { headers: bob, body: { repo: SCOPED, project: 'other', password: 'bobs-own' } })).status).toBe(200);
  });
});
