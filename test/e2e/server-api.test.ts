// The API server's routes end to end: each call goes through inject() and its effect is read back from
// the real API server (objects, finalizers, operations, status, Events).
import { describe, expect, it } from 'vitest';
import { appBody, teamProject, useApiServer, type Json } from '../harness/server-api.js';

const api = useApiServer('srvapi');

const group = 'argoproj.io';
const version = 'v1alpha1';

async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, token = api.adminToken) {
  const res = await api.app.inject({ method, url, headers: api.auth(token), ...(payload === undefined ? {} : { payload: payload as Json }) });
  return { status: res.statusCode, body: res.body === '' ? {} : (res.json<Json>()), headers: res.headers };
}

const spec = (obj: Json): Json => obj['spec'] as Json;
const meta = (obj: Json): Json => obj['metadata'] as Json;

/** Write an Application's status subresource (what the controller would do). */
async function writeStatus(name: string, status: Json): Promise<void> {
  const current = await api.getApp(name);
  await api.custom.replaceNamespacedCustomObjectStatus({ group, version, plural: 'applications', namespace: api.ns, name, body: { ...current, status } });
}

describe('session and version', () => {
  it('logs admin in with the initial password, sets the cookie, and tells who is logged in', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: api.adminPassword } });
    expect(res.statusCode).toBe(200);
    const token = res.json<{ token: string }>().token;
    expect(res.headers['set-cookie']).toMatch(new RegExp(`^argocd\\.token=${token.replace(/\./g, '\\.')}; Path=/; HttpOnly; SameSite=Strict; Max-Age=\\d+$`));
    expect((await call('GET', '/api/v1/session/userinfo', undefined, token)).body).toEqual({ loggedIn: true, username: 'admin', iss: 'argocd', groups: [] });
    const wrong = await api.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: 'nope' } });
    expect([wrong.statusCode, wrong.json()]).toEqual([401, { error: 'Invalid username or password', code: 16, message: 'Invalid username or password' }]);
  });

  it('logout revokes the session', async () => {
    const token = await api.loginAs('alice');
    expect((await call('GET', '/api/v1/session/userinfo', undefined, token)).status).toBe(200);
    const out = await call('DELETE', '/api/v1/session', undefined, token);
    expect([out.status, out.headers['set-cookie']]).toEqual([200, 'argocd.token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0']);
    const after = await call('GET', '/api/v1/session/userinfo', undefined, token);
    expect([after.status, after.body['message']]).toEqual([401, 'token revoked: the session was logged out']);
  });

  it('answers /api/version: the version alone to anonymous callers, build details to signed-in ones', async () => {
    const anonymous = await api.app.inject({ method: 'GET', url: '/api/version' });
    expect(anonymous.json()).toEqual({ Version: 'v0.1.0' });
    const signedIn = await call('GET', '/api/version');
    expect(signedIn.body).toMatchObject({ Version: 'v0.1.0', Compiler: 'node', Platform: `${process.platform}/${process.arch}` });
  });

  it('serves /healthz (with a Kubernetes check on request) and /metrics with the login counter', async () => {
    const health = await api.app.inject({ method: 'GET', url: '/healthz?full=true' });
    expect([health.statusCode, health.body]).toEqual([200, 'ok']);
    const metrics = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/^argocd_login_request_total\{status="success"\} [1-9]\d*$/m);
    expect(metrics.body).toMatch(/^argocd_login_request_total\{status="failure"\} [1-9]\d*$/m);
    expect(metrics.body).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/session\/userinfo",code="200"\} \d+$/m);
  });
});

describe('applications', () => {
  it('creates an app, is idempotent for the same spec, 409 for a different one, and upserts on request', async () => {
    const created = await call('POST', '/api/v1/applications', appBody('guestbook', { labels: { team: 'web' } }));
    expect(created.status).toBe(200);
    const stored = await api.getApp('guestbook');
    expect(spec(stored)).toEqual(spec(appBody('guestbook')));
    expect(meta(stored)['labels']).toEqual({ team: 'web' });
    expect(await api.events('guestbook')).toContainEqual({ reason: 'ResourceCreated', message: 'admin created application' });

    const again = await call('POST', '/api/v1/applications', appBody('guestbook', { labels: { team: 'web' } }));
    expect([again.status, meta(again.body)['resourceVersion']]).toEqual([200, meta(stored)['resourceVersion']]);

    const different = appBody('guestbook', { labels: { team: 'web' }, spec: { revisionHistoryLimit: 3 } });
    const refused = await call('POST', '/api/v1/applications', different);
    expect([refused.status, refused.body['message']]).toEqual([409, 'existing application spec is different, use upsert flag to force update']);
    const upserted = await call('POST', '/api/v1/applications?upsert=true', different);
    expect(upserted.status).toBe(200);
    expect(spec(await api.getApp('guestbook'))['revisionHistoryLimit']).toBe(3);
  });

  it('lists with RBAC, name, project, label selector and repo filters', async () => {
    expect((await call('POST', '/api/v1/projects', { project: teamProject() })).status).toBe(200);
    expect((await call('POST', '/api/v1/applications', appBody('team-app', { project: 'team', namespace: 'team-a', repoURL: 'https://github.com/example/app' }))).status).toBe(200);

    const all = await call('GET', '/api/v1/applications');
    expect(all.status).toBe(200);
    expect(typeof (all.body['metadata'] as Json)['resourceVersion']).toBe('string');
    const names = (body: Json): unknown[] => (body['items'] as Json[]).map((a) => meta(a)['name']);
    expect(names(all.body)).toEqual(['guestbook', 'team-app']);
    expect(names((await call('GET', '/api/v1/applications?projects=team')).body)).toEqual(['team-app']);
    expect(names((await call('GET', '/api/v1/applications?project=default&project=team')).body)).toEqual(['guestbook', 'team-app']);
    expect(names((await call('GET', '/api/v1/applications?selector=team%3Dweb')).body)).toEqual(['guestbook']);
    expect(names((await call('GET', '/api/v1/applications?name=team-app')).body)).toEqual(['team-app']);
    expect(names((await call('GET', '/api/v1/applications?repo=https%3A%2F%2Fgithub.com%2Fexample%2Fapp.git')).body)).toEqual(['team-app']);
    const badSelector = await call('GET', '/api/v1/applications?selector=%3D%3D%3D');
    expect(badSelector.status).toBe(400);

    // bob develops in `team` only: the list shows him that, and nothing else is readable.
    const bob = await api.loginAs('bob');
    expect(names((await call('GET', '/api/v1/applications', undefined, bob)).body)).toEqual(['team-app']);
    expect((await call('GET', '/api/v1/applications/team-app', undefined, bob)).status).toBe(200);
    expect((await call('GET', '/api/v1/applications/guestbook', undefined, bob)).status).toBe(403);
  });

  it('hides whether an app exists unless the project is named', async () => {
    const missing = await call('GET', '/api/v1/applications/no-such-app');
    expect([missing.status, missing.body]).toEqual([403, { error: 'permission denied', code: 7, message: 'permission denied' }]);
    expect((await call('GET', '/api/v1/applications/no-such-app?project=default')).status).toBe(404);
    expect((await call('GET', '/api/v1/applications/guestbook?project=team')).status).toBe(404);
    const got = await call('GET', '/api/v1/applications/guestbook?project=default');
    expect([got.status, meta(got.body)['name']]).toEqual([200, 'guestbook']);
    const otherNamespace = await call('GET', '/api/v1/applications?appNamespace=elsewhere');
    expect([otherNamespace.status, otherNamespace.body['message']]).toEqual([403, "applications in namespace 'elsewhere' are not permitted"]);
  });

  it('asks the controller to refresh with the refresh annotation, and answers even when none comes', async () => {
    const started = Date.now();
    const res = await call('GET', '/api/v1/applications/team-app?refresh=hard');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(meta(await api.getApp('team-app'))['annotations']).toEqual({ 'argocd.argoproj.io/refresh': 'hard' });
    expect((await call('GET', '/api/v1/applications/team-app?refresh=soon')).status).toBe(400);
  });

  it('refuses a destination or source the project forbids, with the reason', async () => {
    const dest = await call('POST', '/api/v1/applications', appBody('escape', { project: 'team', namespace: 'kube-system', repoURL: 'https://github.com/example/app' }));
    expect(dest.status).toBe(403);
    expect(dest.body['message']).toBe(
      "application spec is not permitted by its project: application destination server 'https://kubernetes.default.svc' and namespace 'kube-system' do not match any of the allowed destinations in project 'team'",
    );
    const source = await call('POST', '/api/v1/applications', appBody('escape', { project: 'team', namespace: 'team-a', repoURL: 'https://github.com/evil/app' }));
    expect([source.status, source.body['message']]).toEqual([
      403,
      "application spec is not permitted by its project: application repo https://github.com/evil/app is not permitted in project 'team'",
    ]);
    const noProject = await call('POST', '/api/v1/applications', appBody('escape', { project: 'nope' }));
    expect([noProject.status, noProject.body['message']]).toEqual([400, 'application references project nope which does not exist']);
    const unknownCluster = await call('POST', '/api/v1/applications', appBody('escape', { spec: { destination: { name: 'mars', namespace: 'x' } } }));
    expect([unknownCluster.status, unknownCluster.body['message']]).toEqual([400, 'application destination spec is invalid: unable to find destination server: there are no clusters with this name: mars']);
    await expect(api.getApp('escape')).rejects.toMatchObject({ code: 404 });
  });

  it('updates with PUT, PUT /spec and PATCH (merge and json), keeping what the request may not change', async () => {
    const before = await api.getApp('guestbook');
    const put = await call('PUT', '/api/v1/applications/guestbook', { ...appBody('guestbook', { spec: { revisionHistoryLimit: 5 } }), operation: { sync: {} }, status: { sync: { status: 'Synced' } } });
    expect(put.status).toBe(200);
    const afterPut = await api.getApp('guestbook');
    expect(spec(afterPut)['revisionHistoryLimit']).toBe(5);
    expect(meta(afterPut)['labels']).toBeUndefined();
    expect(afterPut['operation']).toBeUndefined();
    expect(meta(afterPut)['uid']).toBe(meta(before)['uid']);
    expect(await api.events('guestbook')).toContainEqual({ reason: 'ResourceUpdated', message: 'admin updated application spec' });
    expect((await call('PUT', '/api/v1/applications/other', appBody('guestbook'))).status).toBe(400);

    const newSpec = { ...spec(appBody('guestbook')), source: { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', path: 'helm-guestbook', targetRevision: 'v1' } };
    const putSpec = await call('PUT', '/api/v1/applications/guestbook/spec', newSpec);
    expect([putSpec.status, putSpec.body]).toEqual([200, newSpec]);
    expect(spec(await api.getApp('guestbook'))).toEqual(newSpec);

    const merge = await call('PATCH', '/api/v1/applications/guestbook', { patch: JSON.stringify({ spec: { source: { targetRevision: 'v2' } } }), patchType: 'merge' });
    expect(merge.status).toBe(200);
    expect((spec(await api.getApp('guestbook'))['source'] as Json)['targetRevision']).toBe('v2');

    const json = await call('PATCH', '/api/v1/applications/guestbook', { patch: JSON.stringify([{ op: 'replace', path: '/spec/source/path', value: 'kustomize-guestbook' }]) });
    expect(json.status).toBe(200);
    expect((spec(await api.getApp('guestbook'))['source'] as Json)['path']).toBe('kustomize-guestbook');

    const failedTest = await call('PATCH', '/api/v1/applications/guestbook', { patch: JSON.stringify([{ op: 'test', path: '/spec/project', value: 'team' }]), patchType: 'json' });
    expect([failedTest.status, failedTest.body['message']]).toEqual([400, 'patch operation 0: test failed at /spec/project']);
    const typo = await call('PATCH', '/api/v1/applications/guestbook', { patch: JSON.stringify({ spec: { syncPolicy: { automatic: {} } } }), patchType: 'merge' });
    expect([typo.status, typo.body['message']]).toEqual([400, 'invalid request patch result: spec.syncPolicy.automatic: unknown field']);
    const badType = await call('PATCH', '/api/v1/applications/guestbook', { patch: '{}', patchType: 'strategic' });
    expect(badType.status).toBe(400);
  });

  it('syncs: writes operation.sync with the request, initiatedBy, and refuses a second operation', async () => {
    const request = {
      revision: 'main',
      prune: true,
      dryRun: true,
      strategy: { hook: { force: true } },
      resources: [{ group: 'apps', kind: 'Deployment', name: 'guestbook-ui', namespace: 'guestbook' }],
      syncOptions: { items: ['CreateNamespace=true'] },
      infos: [{ name: 'reason', value: 'test' }],
    };
    const res = await call('POST', '/api/v1/applications/guestbook/sync', request);
    expect(res.status).toBe(200);
    const stored = await api.getApp('guestbook');
    expect(stored['operation']).toEqual({
      sync: {
        revision: 'main',
        prune: true,
        dryRun: true,
        syncOptions: ['CreateNamespace=true'],
        syncStrategy: { hook: { force: true } },
        resources: [{ group: 'apps', kind: 'Deployment', name: 'guestbook-ui', namespace: 'guestbook' }],
        source: spec(stored)['source'],
      },
      initiatedBy: { username: 'admin' },
      info: [{ name: 'reason', value: 'test' }],
    });
    expect(await api.events('guestbook')).toContainEqual({ reason: 'OperationStarted', message: 'admin initiated partial sync to main' });
    const second = await call('POST', '/api/v1/applications/guestbook/sync', {});
    expect([second.status, second.body['message']]).toEqual([409, 'another operation is already in progress']);
  });

  it('terminates a running operation by setting operationState.phase to Terminating', async () => {
    const none = await call('DELETE', '/api/v1/applications/team-app/operation');
    expect([none.status, none.body['message']]).toEqual([400, 'Unable to terminate operation. No operation is in progress']);
    const operation = (await api.getApp('guestbook'))['operation'];
    await writeStatus('guestbook', { operationState: { operation, phase: 'Running', startedAt: '2025-01-01T00:00:00Z' } });
    const res = await call('DELETE', '/api/v1/applications/guestbook/operation');
    expect([res.status, res.body]).toEqual([200, {}]);
    const state = ((await api.getApp('guestbook'))['status'] as Json)['operationState'] as Json;
    expect(state['phase']).toBe('Terminating');
    expect(await api.events('guestbook')).toContainEqual({ reason: 'ResourceUpdated', message: 'admin terminated running operation' });
  });

  it('rolls back to a history entry, and refuses while auto-sync is on or for an unknown id', async () => {
    const source = { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', path: 'guestbook', targetRevision: 'v0' };
    expect((await call('POST', '/api/v1/applications', appBody('rollme'))).status).toBe(200);
    await writeStatus('rollme', { history: [{ id: 1, revision: 'abc123', source, deployedAt: '2025-01-01T00:00:00Z' }] });
    const unknown = await call('POST', '/api/v1/applications/rollme/rollback', { id: 9 });
    expect([unknown.status, unknown.body['message']]).toEqual([400, 'application rollme does not have deployment with id 9']);
    const res = await call('POST', '/api/v1/applications/rollme/rollback', { id: '1', prune: true });
    expect(res.status).toBe(200);
    expect((await api.getApp('rollme'))['operation']).toEqual({
      sync: { revision: 'abc123', prune: true, syncStrategy: { apply: {} }, source },
      initiatedBy: { username: 'admin' },
    });
    expect(await api.events('rollme')).toContainEqual({ reason: 'OperationStarted', message: 'admin initiated rollback to 1' });

    expect((await call('POST', '/api/v1/applications', appBody('auto', { spec: { syncPolicy: { automated: { prune: true } } } }))).status).toBe(200);
    await writeStatus('auto', { history: [{ id: 1, revision: 'abc123', source }] });
    const refused = await call('POST', '/api/v1/applications/auto/rollback', { id: 1 });
    expect([refused.status, refused.body['message']]).toEqual([409, 'rollback cannot be initiated when auto-sync is enabled']);
  });

  it('deletes with the cascade finalizer Argo CD uses, or without cascading', async () => {
    await call('POST', '/api/v1/applications', appBody('del-fg'));
    await call('POST', '/api/v1/applications', appBody('del-bg'));
    await call('POST', '/api/v1/applications', appBody('del-orphan'));

    expect((await call('DELETE', '/api/v1/applications/del-fg')).status).toBe(200);
    // The finalizer holds the object until a controller deletes the resources.
    const fg = await api.getApp('del-fg');
    expect([meta(fg)['finalizers'], typeof meta(fg)['deletionTimestamp']]).toEqual([['resources-finalizer.argocd.argoproj.io'], 'string']);
    expect(await api.events('del-fg')).toContainEqual({ reason: 'ResourceDeleted', message: 'admin deleted application' });
    const deleting = await call('POST', '/api/v1/applications/del-fg/sync', {});
    expect([deleting.status, deleting.body['message']]).toEqual([409, 'application is deleting']);

    expect((await call('DELETE', '/api/v1/applications/del-bg?propagationPolicy=background')).status).toBe(200);
    expect(meta(await api.getApp('del-bg'))['finalizers']).toEqual(['resources-finalizer.argocd.argoproj.io/background']);

    const contradictory = await call('DELETE', '/api/v1/applications/del-orphan?cascade=false&propagationPolicy=foreground');
    expect([contradictory.status, contradictory.body['message']]).toEqual([400, 'cannot set propagation policy when cascading is disabled']);
    expect((await call('DELETE', '/api/v1/applications/del-orphan?propagationPolicy=sideways')).status).toBe(400);
    expect((await call('DELETE', '/api/v1/applications/del-orphan?cascade=false')).status).toBe(200);
    await expect(api.getApp('del-orphan')).rejects.toMatchObject({ code: 404 });
  });

  it('lets a user with sync rights sync in their project only', async () => {
    const bob = await api.loginAs('bob');
    expect((await call('POST', '/api/v1/applications/team-app/sync', {}, bob)).status).toBe(200);
    expect(((await api.getApp('team-app'))['operation'] as Json)['initiatedBy']).toEqual({ username: 'bob' });
    expect((await call('POST', '/api/v1/applications/rollme/sync', {}, bob)).status).toBe(403);
    expect((await call('DELETE', '/api/v1/applications/team-app', undefined, bob)).status).toBe(403);
  });
});

describe('projects', () => {
  it('lists, gets, creates idempotently, upserts and updates', async () => {
    const list = await call('GET', '/api/v1/projects');
    expect((list.body['items'] as Json[]).map((p) => meta(p)['name'])).toEqual(['default', 'team']);
    const team = await call('GET', '/api/v1/projects/team');
    expect([team.status, spec(team.body)['description']]).toEqual([200, 'the team project']);
    expect((await call('GET', '/api/v1/projects/nope')).status).toBe(404);

    expect((await call('POST', '/api/v1/projects', { project: teamProject('extra') })).status).toBe(200);
    expect(await api.events('extra')).toContainEqual({ reason: 'ResourceCreated', message: 'admin created project' });
    expect((await call('POST', '/api/v1/projects', { project: teamProject('extra') })).status).toBe(200);
    const changed = { metadata: { name: 'extra' }, spec: { ...spec(teamProject()), description: 'changed' } };
    expect((await call('POST', '/api/v1/projects', { project: changed })).status).toBe(409);
    expect((await call('POST', '/api/v1/projects', { project: changed, upsert: true })).status).toBe(200);
    expect(spec(await api.getProject('extra'))['description']).toBe('changed');

    const current = await api.getProject('extra');
    const updated = await call('PUT', '/api/v1/projects/extra', { project: { ...current, spec: { ...spec(current), description: 'via PUT' } } });
    expect(updated.status).toBe(200);
    expect(spec(await api.getProject('extra'))['description']).toBe('via PUT');
    const stale = await call('PUT', '/api/v1/projects/extra', { project: { ...current, spec: { ...spec(current), description: 'stale' } } });
    expect(stale.status).toBe(409);
    const invalid = await call('PUT', '/api/v1/projects/extra', { project: { metadata: { name: 'extra' }, spec: { roles: [{ name: 'bad name!' }] } } });
    expect(invalid.status).toBe(400);
  });

  it('refuses an update that would break its applications, and deletes only unused non-default projects', async () => {
    const narrowed = { metadata: { name: 'team' }, spec: { ...spec(teamProject()), destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'other' }] } };
    const breaking = await call('PUT', '/api/v1/projects/team', { project: narrowed });
    expect([breaking.status, breaking.body['message']]).toEqual([400, 'as a result of project update 1 applications destination became invalid']);

    const reserved = await call('DELETE', '/api/v1/projects/default');
    expect([reserved.status, reserved.body['message']]).toEqual([400, "name 'default' is reserved and cannot be deleted"]);
    const used = await call('DELETE', '/api/v1/projects/team');
    expect([used.status, used.body['message']]).toEqual([409, 'project is referenced by 1 applications']);
    expect((await call('DELETE', '/api/v1/projects/extra')).status).toBe(200);
    await expect(api.getProject('extra')).rejects.toMatchObject({ code: 404 });
    expect(await api.events('extra')).toContainEqual({ reason: 'ResourceDeleted', message: 'admin deleted project' });
  });
});
