// Issue 13 item 10: revoked tokens stay revoked. Against the real API server:
// - an API key or project role token deleted and re-created with the same id: the old JWT stays refused;
// - two server replicas on the same namespace: a session logged out at one is refused by the other within
//   the watch delay (and at once by a replica started afterwards), because the revocation lives in the
//   cluster and every replica watches it;
// - a flood of logouts does not push an earlier, unexpired revocation out;
// - checking a token costs no request to the API server about revocations (a counting proxy in front of it
//   says so; before the watch every check of a token not known locally was a GET of its Secret).
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVOCATION_LABEL, revocationSecretName } from '../../src/server/auth/revocations.js';
import { assembleServer, type KawaServer } from '../../src/server/index.js';
import { waitUntil } from '../harness/kube.js';
import { loggingProxy, type LoggingProxy } from '../harness/logging-proxy.js';
import { teamProject, useApiServer, type Json } from '../harness/server-api.js';

const api = useApiServer('sec-revoke');

const replicas: KawaServer[] = [];

/** Another API server replica on the fixture's namespace, with nothing in memory. */
async function replica(): Promise<KawaServer> {
  const { app } = await assembleServer({ kubeConfig: api.kc, namespace: api.ns, logger: pino({ level: 'silent' }) });
  replicas.push(app);
  return app;
}

afterAll(async () => {
  for (const app of replicas) await app.close();
});

async function call(server: KawaServer, method: 'GET' | 'POST' | 'DELETE', url: string, token: string, payload?: Json) {
  const res = await server.inject({ method, url, headers: api.auth(token), ...(payload === undefined ? {} : { payload }) });
  return { status: res.statusCode, body: res.body === '' ? {} : res.json<Json>() };
}

const userinfo = async (server: KawaServer, token: string): Promise<number> => (await call(server, 'GET', '/api/v1/session/userinfo', token)).status;

/** Polls until `server` answers `token` with 401: another replica's logout arrives through its watch. */
async function refusedSoon(server: KawaServer, token: string, what: string): Promise<void> {
  await waitUntil(what, () => userinfo(server, token), (status) => status === 401, { timeoutMs: 10_000, intervalMs: 50 });
}

/** Which of a logging proxy's requests touch revocation Secrets: a GET by name (`kawa-revoked-…`) or a list/watch by their label. */
const revocationRequests = (proxy: LoggingProxy): string[] => proxy.requests.filter((r) => r.includes('/secrets/kawa-revoked-') || r.includes(REVOCATION_LABEL));

/**
 * Token entries record their issue time in whole seconds; a re-issue within the same second with the same
 * expiry yields the very same JWT, so the test lets the clock pass the next second boundary first.
 */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
}

describe('a token id deleted and used again', () => {
  it('does not revive the old API key', async () => {
    const admin = api.adminToken;
    const first = await call(api.app, 'POST', '/api/v1/account/bob/token', admin, { id: 'ci' });
    expect(first.status).toBe(200);
    const old = String(first.body['token']);
    expect(await userinfo(api.app, old)).toBe(200);
    expect((await call(api.app, 'DELETE', '/api/v1/account/bob/token/ci', admin)).status).toBe(200);
    expect(await userinfo(api.app, old)).toBe(401);

    await nextSecond();
    const second = await call(api.app, 'POST', '/api/v1/account/bob/token', admin, { id: 'ci' });
    expect(second.status).toBe(200);
    const fresh = String(second.body['token']);
    expect(fresh).not.toBe(old);
    expect(await userinfo(api.app, fresh)).toBe(200);
    const refused = await call(api.app, 'GET', '/api/v1/session/userinfo', old);
    expect([refused.status, refused.body['message']]).toEqual([401, expect.stringMatching(/issued again; this is the old token/)]);
  });

  it('does not revive the old project role token', async () => {
    const admin = api.adminToken;
    const project = teamProject();
    (project['spec'] as Json)['roles'] = [{ name: 'ci', policies: ['p, proj:team:ci, applications, get, team/*, allow'] }];
    expect((await call(api.app, 'POST', '/api/v1/projects', admin, { project })).status).toBe(200);
    const first = await call(api.app, 'POST', '/api/v1/projects/team/roles/ci/token', admin, { id: 'deploy' });
    expect(first.status).toBe(200);
    const old = String(first.body['token']);
    expect(await userinfo(api.app, old)).toBe(200);
    const iat = String((JSON.parse(Buffer.from(old.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json)['iat']);
    expect((await call(api.app, 'DELETE', `/api/v1/projects/team/roles/ci/token/${iat}?id=deploy`, admin)).status).toBe(200);
    expect(await userinfo(api.app, old)).toBe(401);

    await nextSecond();
    const second = await call(api.app, 'POST', '/api/v1/projects/team/roles/ci/token', admin, { id: 'deploy' });
    expect(second.status).toBe(200);
    expect(await userinfo(api.app, String(second.body['token']))).toBe(200);
    const refused = await call(api.app, 'GET', '/api/v1/session/userinfo', old);
    expect([refused.status, refused.body['message']]).toEqual([401, expect.stringMatching(/issued again; this is the old token/)]);
  });
});

describe('logout across replicas', () => {
  let b: KawaServer;

  beforeAll(async () => {
    b = await replica();
  });

  it('a session logged out at replica A is refused by replica B, and the other way round', async () => {
    const token = await api.loginAs('alice');
    expect(await userinfo(b, token)).toBe(200);
    expect((await call(api.app, 'DELETE', '/api/v1/session', token)).status).toBe(200);
    // Refused at once where it was logged out, and by B as soon as its watch delivers the Secret.
    expect(await userinfo(api.app, token)).toBe(401);
    await refusedSoon(b, token, 'replica B to refuse the session logged out at A');

    const other = await api.loginAs('alice');
    expect((await call(b, 'DELETE', '/api/v1/session', other)).status).toBe(200);
    expect(await userinfo(b, other)).toBe(401);
    await refusedSoon(api.app, other, 'replica A to refuse the session logged out at B');
  });

  it('checks tokens without a request to the API server about revocations', async () => {
    const proxy = await loggingProxy(api.kc);
    let d: KawaServer | undefined;
    try {
      d = (await assembleServer({ kubeConfig: proxy.kc, namespace: api.ns, logger: pino({ level: 'silent' }) })).app;
      // Start-up lists the revocation Secrets and watches them: that is all it may ever ask about them.
      await waitUntil('replica D to list and watch the revocations', () => Promise.resolve(revocationRequests(proxy)), (seen) => seen.some((r) => r.includes('watch=true')));
      const atStart = revocationRequests(proxy).length;
      const token = await api.loginAs('alice');
      const loggedOut = await api.loginAs('alice');
      expect((await call(api.app, 'DELETE', '/api/v1/session', loggedOut)).status).toBe(200);
      await refusedSoon(d, loggedOut, 'replica D to refuse the session logged out at A');
      for (let i = 0; i < 50; i++) expect([await userinfo(d, token), await userinfo(d, loggedOut), await userinfo(d, await api.sessions.issueSession('alice'))]).toEqual([200, 401, 200]);
      expect(revocationRequests(proxy).slice(atStart)).toEqual([]);
    } finally {
      await d?.close();
      await proxy.close();
    }
  });

  it('keeps an earlier revocation through a flood of logouts, also for a replica started afterwards', async () => {
    const first = await api.loginAs('alice');
    expect((await call(api.app, 'DELETE', '/api/v1/session', first)).status).toBe(200);
    const firstId = (JSON.parse(Buffer.from(first.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json)['jti'];
    const stored = await api.core.readNamespacedSecret({ name: revocationSecretName(String(firstId)), namespace: api.ns });
    expect(Number(Buffer.from(stored.data?.['until'] ?? '', 'base64').toString('utf8'))).toBeGreaterThan(Date.now());
    await refusedSoon(b, first, 'replica B to refuse the first session');

    // N sessions (signed by the server, as a login would) logged out through both replicas.
    const flood = 200;
    for (let i = 0; i < flood; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => api.sessions.issueSession('alice')));
      const results = await Promise.all(batch.map((t, j) => call(j % 2 === 0 ? api.app : b, 'DELETE', '/api/v1/session', t)));
      expect(results.every((r) => r.status === 200)).toBe(true);
    }
    // Both already refused it before the flood: nothing was pushed out by it.
    expect(await userinfo(api.app, first)).toBe(401);
    expect(await userinfo(b, first)).toBe(401);
    // A replica started now has listed every revocation before it serves: refused at once, no waiting.
    const c = await replica();
    expect(await userinfo(c, first)).toBe(401);
    // A logout after C started reaches C through its watch.
    const last = await api.sessions.issueSession('alice');
    expect((await call(b, 'DELETE', '/api/v1/session', last)).status).toBe(200);
    await refusedSoon(c, last, 'replica C to refuse a session logged out at B after C started');
    // A session nobody logged out still works everywhere.
    const live = await api.loginAs('alice');
    expect([await userinfo(api.app, live), await userinfo(b, live), await userinfo(c, live)]).toEqual([200, 200, 200]);
  });
});
