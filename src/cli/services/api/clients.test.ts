// The typed API clients send each call to Argo CD's route, with its query and body: what the commands
// relied on when they wrote the requests themselves.
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Application, AppProject } from '../../../model/index.js';
import { ApiClient } from '../api.js';
import { accountsApi } from './accounts.js';
import { applicationsApi } from './applications.js';
import { clustersApi } from './clusters.js';
import { projectsApi } from './projects.js';
import { repositoriesApi } from './repositories.js';
import { sessionApi } from './session.js';
import { settingsApi } from './settings.js';
import { versionApi } from './version.js';

interface Seen {
  method: string;
  url: string;
  body: unknown;
  authorization: string | undefined;
}

let server: http.Server;
let client: ApiClient;
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body: text === '' ? undefined : JSON.parse(text), authorization: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  client = new ApiClient({ server: `127.0.0.1:${(server.address() as AddressInfo).port}`, plaintext: true, insecure: false, token: 'tok' });
});

afterAll(() => {
  server.close();
});

/** The request one call made. */
async function request(call: () => Promise<unknown>): Promise<Seen> {
  seen.length = 0;
  await call();
  const [only] = seen;
  if (only === undefined || seen.length !== 1) throw new Error(`expected one request, saw ${seen.length}`);
  return only;
}

describe('applicationsApi', () => {
  const apps = () => applicationsApi(client);
  // Only the name matters to the route; the server would check the rest.
  const bare = { metadata: { name: 'x' } } as unknown as Application;
  const id = { name: 'guestbook', appNamespace: 'team' };

  it.each([
    ['get', () => apps().get(id, { refresh: 'hard' }), 'GET', '/api/v1/applications/guestbook?appNamespace=team&refresh=hard', undefined],
    ['get without namespace', () => apps().get({ name: 'a b' }), 'GET', '/api/v1/applications/a%20b', undefined],
    ['list', () => apps().list({ projects: ['p', 'q'], selector: 'x=y' }), 'GET', '/api/v1/applications?projects=p&projects=q&selector=x%3Dy', undefined],
    ['delete', () => apps().delete(id, { cascade: false }), 'DELETE', '/api/v1/applications/guestbook?cascade=false&appNamespace=team', undefined],
    ['terminate', () => apps().terminateOperation(id), 'DELETE', '/api/v1/applications/guestbook/operation?appNamespace=team', undefined],
    ['manifests', () => apps().manifests(id, 'v2'), 'GET', '/api/v1/applications/guestbook/manifests?revision=v2&appNamespace=team', undefined],
    ['patch', () => apps().patch(id, '{}', 'merge'), 'PATCH', '/api/v1/applications/guestbook', { name: 'guestbook', patch: '{}', patchType: 'merge', appNamespace: 'team' }],
    ['rollback', () => apps().rollback({ name: 'guestbook' }, 3, { prune: true }), 'POST', '/api/v1/applications/guestbook/rollback', { name: 'guestbook', id: 3, prune: true }],
    ['create with upsert', () => apps().create(bare, true), 'POST', '/api/v1/applications?upsert=true', { metadata: { name: 'x' } }],
  ])('%s', async (_what, call, method, url, body) => {
    expect(await request(call)).toMatchObject({ method, url, body });
  });

  it('asks for logs as JSON lines, with the boolean flags only when set', async () => {
    seen.length = 0;
    await apps().logs(id, { podName: 'p', follow: true, previous: false, tailLines: '10' }, () => undefined);
    expect(seen[0]?.url).toBe('/api/v1/applications/guestbook/logs?appNamespace=team&podName=p&follow=true&tailLines=10');
  });
});

describe('the other resources', () => {
  const project: AppProject = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'team' }, spec: {} };
  it.each([
    ['cluster by URL', () => clustersApi(client).get('https://10.0.0.1:6443'), 'GET', '/api/v1/clusters/https%3A%2F%2F10.0.0.1%3A6443', undefined],
    ['cluster by name', () => clustersApi(client).delete('prod'), 'DELETE', '/api/v1/clusters/prod?id.type=name', undefined],
    ['repositories, checked again', () => repositoriesApi(client).list(true), 'GET', '/api/v1/repositories?forceRefresh=true', undefined],
    ['project create', () => projectsApi(client).create(project, undefined), 'POST', '/api/v1/projects', { project }],
    ['project update', () => projectsApi(client).update(project), 'PUT', '/api/v1/projects/team', { project }],
    ['role token', () => projectsApi(client).createRoleToken('team', 'ci', { expiresIn: 60 }), 'POST', '/api/v1/projects/team/roles/ci/token', { project: 'team', role: 'ci', expiresIn: 60 }],
    ['can-i', () => accountsApi(client).canI('sync', 'applications', 'default/*'), 'GET', '/api/v1/account/can-i/applications/sync/default%2F*', undefined],
    ['account token', () => accountsApi(client).createToken('ci', { expiresIn: 0, id: 'x' }), 'POST', '/api/v1/account/ci/token', { name: 'ci', expiresIn: 0, id: 'x' }],
    ['version', () => versionApi(client).get(), 'GET', '/api/version', undefined],
  ])('%s', async (_what, call, method, url, body) => {
    expect(await request(call)).toMatchObject({ method, url, body });
  });

  it('logs in and reads the settings without the token', async () => {
    expect(await request(() => sessionApi(client).create('admin', 'pw'))).toMatchObject({ method: 'POST', url: '/api/v1/session', body: { username: 'admin', password: 'pw' }, authorization: undefined });
    expect(await request(() => settingsApi(client).get())).toMatchObject({ url: '/api/v1/settings', authorization: undefined });
    expect(await request(() => sessionApi(client).userInfo())).toMatchObject({ url: '/api/v1/session/userinfo', authorization: 'Bearer tok' });
  });
});
