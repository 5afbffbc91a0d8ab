// POST /api/webhook end to end: a signed GitHub push refreshes exactly the Application it concerns (the
// refresh annotation is read back from the real API server); a bad signature, a replayed delivery and an
// oversized body are refused and refresh nothing.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { appBody, useApiServer, type Json } from '../harness/server-api.js';

const api = useApiServer('srvhook');

const SECRET = 'webhook-test-secret';
const REFRESH = 'argocd.argoproj.io/refresh';
const REPO = 'https://github.com/Example-Org/Deploy.git';
const fixture = readFileSync(new URL('../../src/server/webhooks/testdata/github-push.json', import.meta.url), 'utf8');

function githubHeaders(body: string, options: { secret?: string; delivery?: string } = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-github-delivery': options.delivery ?? randomUUID(),
    'x-hub-signature-256': `sha256=${createHmac('sha256', options.secret ?? SECRET).update(body).digest('hex')}`,
  };
}

async function post(body: string, headers: Record<string, string>) {
  const res = await api.app.inject({ method: 'POST', url: '/api/webhook', headers, payload: body });
  // Success is an empty body (as Argo CD answers); errors are JSON.
  return { status: res.statusCode, text: res.body, body: res.body === '' ? {} : res.json<Json>() };
}

async function refreshOf(name: string): Promise<unknown> {
  const annotations = ((await api.getApp(name))['metadata'] as Json)['annotations'] as Json | undefined;
  return annotations?.[REFRESH];
}

async function clearRefresh(name: string): Promise<void> {
  await api.custom.patchNamespacedCustomObject(
    { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', namespace: api.ns, name, body: [{ op: 'remove', path: `/metadata/annotations/${REFRESH.replace('/', '~1')}` }] },
  );
}

describe('POST /api/webhook', () => {
  beforeAll(async () => {
    const create = async (name: string, source: Json): Promise<void> => {
      const body = appBody(name, { repoURL: REPO });
      const res = await api.app.inject({ method: 'POST', url: '/api/v1/applications', headers: api.auth(api.adminToken), payload: { ...body, spec: { ...(body['spec'] as Json), source } } });
      expect(res.statusCode, res.body).toBe(200);
    };
    // The ssh form and different case still name the pushed repository.
    await create('matching', { repoURL: 'git@github.com:example-org/deploy.git', path: 'guestbook', targetRevision: 'HEAD' });
    await create('other-repo', { repoURL: 'https://github.com/Example-Org/Other.git', path: 'guestbook', targetRevision: 'HEAD' });
    await create('other-path', { repoURL: REPO, path: 'helm-guestbook', targetRevision: 'HEAD' });
    await api.core.patchNamespacedSecret({ name: 'argocd-secret', namespace: api.ns, body: { stringData: { 'webhook.github.secret': SECRET } } }, setMerge());
    await api.core.patchNamespacedConfigMap({ name: 'argocd-cm', namespace: api.ns, body: { data: { 'webhook.maxPayloadSizeMB': '1' } } }, setMerge());
  });

  it('refuses a bad or missing signature with 401 and refreshes nothing', async () => {
    const wrong = await post(fixture, githubHeaders(fixture, { secret: 'not-the-secret' }));
    expect([wrong.status, wrong.body['message']]).toEqual([401, 'webhook signature verification failed: X-Hub-Signature-256 does not match the payload']);
    const { 'x-hub-signature-256': _dropped, ...unsigned } = githubHeaders(fixture);
    expect((await post(fixture, unsigned)).status).toBe(401);
    // Signed, but not over these bytes.
    const tampered = fixture.replace('"refs/heads/main"', '"refs/heads/main" ');
    expect((await post(tampered, githubHeaders(fixture))).status).toBe(401);
    for (const name of ['matching', 'other-repo', 'other-path']) expect(await refreshOf(name)).toBeUndefined();
  });

  it('refreshes only the app whose repo, revision and path the signed push concerns', async () => {
    const res = await post(fixture, githubHeaders(fixture));
    expect([res.status, res.text]).toEqual([200, '']);
    expect(await refreshOf('matching')).toBe('normal');
    expect(await refreshOf('other-repo')).toBeUndefined();
    expect(await refreshOf('other-path')).toBeUndefined();
  });

  it('refuses a replayed delivery with 409 and does not refresh again', async () => {
    await clearRefresh('matching');
    const headers = githubHeaders(fixture, { delivery: 'replayed-delivery' });
    expect((await post(fixture, headers)).status).toBe(200);
    await clearRefresh('matching');
    const again = await post(fixture, headers);
    expect([again.status, again.body['message']]).toEqual([409, 'webhook delivery replayed-delivery was already received']);
    expect(await refreshOf('matching')).toBeUndefined();
  });

  it('answers a ping with nothing refreshed, and an unknown sender with 400', async () => {
    const ping = JSON.stringify({ zen: 'Design for failure.', hook_id: 1 });
    const res = await post(ping, { ...githubHeaders(ping), 'x-github-event': 'ping' });
    expect([res.status, res.text]).toEqual([200, '']);
    expect((await post(fixture, { 'content-type': 'application/json' })).status).toBe(400);
  });

  it('refuses a body over webhook.maxPayloadSizeMB with 413', async () => {
    const big = JSON.stringify({ ...(JSON.parse(fixture) as Json), padding: 'x'.repeat(1024 * 1024) });
    const res = await post(big, githubHeaders(big));
    expect([res.status, res.body['code']]).toEqual([413, 8]);
    // Without Content-Length (chunked) the stream is cut at the limit too.
    const chunked = await api.app.inject({
      method: 'POST',
      url: '/api/webhook',
      headers: githubHeaders(big),
      payload: Readable.from([Buffer.from(big)]),
    });
    expect(chunked.statusCode).toBe(413);
  });
});

function setMerge() {
  return setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
}
