// Issue 13, item 9: the public webhook tells a stranger nothing and cannot be used to load the server.
// No webhook secret is configured here (Argo CD's default), so anyone may post a push: the answer is an
// empty 200 (no names of apps), the refresh still happens (the annotation is read back from the real
// API server), apps are found through the repository index the watch cache keeps (an app whose source
// moved is found under its new repository), and a burst from one source address gets 429 beyond
// argocd-cm `webhook.maxRequestsPerMinute` while other addresses go on.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appBody, useApiServer, type Json } from '../harness/server-api.js';

const LIMIT = 5;
const api = useApiServer('secwh', { configMap: () => ({ 'webhook.maxRequestsPerMinute': String(LIMIT) }) });

const REFRESH = 'argocd.argoproj.io/refresh';
const fixture = readFileSync(new URL('../../src/server/webhooks/testdata/github-push.json', import.meta.url), 'utf8');
/** The fixture's push, for another repository of the same owner. */
const pushTo = (repo: string): string => fixture.replaceAll('Example-Org/Deploy', `Example-Org/${repo}`).replaceAll('"Deploy"', `"${repo}"`);

let delivery = 0;
async function post(body: string, remoteAddress: string) {
  delivery += 1;
  const res = await api.app.inject({
    method: 'POST',
    url: '/api/webhook',
    remoteAddress,
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `d-${delivery}` },
    payload: body,
  });
  return { status: res.statusCode, text: res.body, retryAfter: res.headers['retry-after'] };
}

async function refreshOf(name: string): Promise<unknown> {
  const annotations = ((await api.getApp(name))['metadata'] as Json)['annotations'] as Json | undefined;
  return annotations?.[REFRESH];
}

async function createApp(name: string, repoURL: string): Promise<void> {
  const res = await api.app.inject({ method: 'POST', url: '/api/v1/applications', headers: api.auth(api.adminToken), payload: appBody(name, { repoURL }) });
  expect(res.statusCode, res.body).toBe(200);
}

/** A read through the API waits until the watch cache (and so the index, fed by the same watch) shows this server's writes. */
async function cacheCaughtUp(): Promise<void> {
  const res = await api.app.inject({ method: 'GET', url: '/api/v1/applications', headers: api.auth(api.adminToken) });
  expect(res.statusCode).toBe(200);
}

describe('security: the public webhook', () => {
  it('answers a matching push with an empty body, and still refreshes the app', async () => {
    await createApp('hooked', 'https://github.com/example-org/deploy.git');
    await createApp('bystander', 'https://github.com/example-org/unrelated.git');
    await cacheCaughtUp();
    const res = await post(fixture, '198.51.100.1');
    expect([res.status, res.text]).toEqual([200, '']);
    expect(await refreshOf('hooked')).toBe('normal');
    expect(await refreshOf('bystander')).toBeUndefined();
  });

  it('finds apps through the index the watch keeps: a moved source is found under its new repository', async () => {
    await createApp('mover', 'https://github.com/example-org/before.git');
    const app = await api.getApp('mover');
    const spec = app['spec'] as Json;
    const moved = { ...appBody('mover'), spec: { ...spec, source: { ...(spec['source'] as Json), repoURL: 'https://github.com/example-org/after.git' } } };
    const put = await api.app.inject({ method: 'PUT', url: '/api/v1/applications/mover', headers: api.auth(api.adminToken), payload: moved });
    expect(put.statusCode, put.body).toBe(200);
    await cacheCaughtUp();
    expect(await post(pushTo('before'), '198.51.100.2')).toMatchObject({ status: 200, text: '' });
    expect(await refreshOf('mover')).toBeUndefined();
    expect(await post(pushTo('after'), '198.51.100.2')).toMatchObject({ status: 200, text: '' });
    expect(await refreshOf('mover')).toBe('normal');
  });

  it('refuses a burst from one source address with 429 beyond the limit, and the refused push refreshes nothing', async () => {
    await createApp('burst-target', 'https://github.com/example-org/burst.git');
    await cacheCaughtUp();
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i += 1) {
      const res = await api.app.inject({ method: 'POST', url: '/api/webhook', remoteAddress: '203.0.113.9', headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': `burst-${i}` }, payload: ping });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual(Array.from({ length: LIMIT }, () => 200));
    const refused = await post(pushTo('burst'), '203.0.113.9');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.text)).toMatchObject({ code: 8, message: 'too many webhook requests from this address; retry later' });
    expect(await refreshOf('burst-target')).toBeUndefined();
    // Another address is not held back by the first one's burst.
    expect(await post(pushTo('burst'), '203.0.113.10')).toMatchObject({ status: 200, text: '' });
    expect(await refreshOf('burst-target')).toBe('normal');
  });
});
