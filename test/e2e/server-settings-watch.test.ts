// Issue 14: accounts, SSO and webhooks read argocd-cm and argocd-secret through one watch-backed settings
// reader. Against the real API server, through a proxy that logs every request a second replica makes:
// - checking session tokens and API keys, and logging in, costs no request for argocd-cm or argocd-secret
//   (before the reader, every authenticated request read both);
// - a write of the replica's own is seen at once: a login right after a password change, and an API key
//   used right after it was created, work without waiting.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleServer, serverSettingsReader, type KawaServer } from '../../src/server/index.js';
import { waitUntil } from '../harness/kube.js';
import { loggingProxy, type LoggingProxy } from '../harness/logging-proxy.js';
import { PASSWORD, useApiServer, type Json } from '../harness/server-api.js';

const api = useApiServer('settings-watch');

/** Requests that read argocd-cm or argocd-secret, or the ConfigMaps/Secrets of the namespace, other than the reader's watches. */
function settingsReads(requests: readonly string[]): string[] {
  return requests.filter((r) => /\/(configmaps|secrets)(\/argocd-(cm|secret))?(\?|$)/.test(r) && !r.includes('watch=true'));
}

let proxy: LoggingProxy;
let replica: KawaServer;

beforeAll(async () => {
  proxy = await loggingProxy(api.kc);
  replica = (await assembleServer({ kubeConfig: proxy.kc, namespace: api.ns, logger: pino({ level: 'silent' }) })).app;
  // Start-up lists both kinds once and then watches them: that is all the reader asks for.
  await waitUntil('the settings reader to watch', () => Promise.resolve([...proxy.requests]), (seen) => seen.filter((r) => /\/(configmaps|secrets)\?.*watch=true/.test(r)).length >= 2);
});

afterAll(async () => {
  await replica.close();
  await proxy.close();
});

async function call(method: 'GET' | 'POST' | 'PUT', url: string, token: string | undefined, payload?: Json) {
  const res = await replica.inject({ method, url, ...(token === undefined ? {} : { headers: api.auth(token) }), ...(payload === undefined ? {} : { payload }) });
  return { status: res.statusCode, body: res.body === '' ? {} : res.json<Json>() };
}

async function login(username: string, password: string): Promise<{ status: number; token: string }> {
  const res = await call('POST', '/api/v1/session', undefined, { username, password });
  return { status: res.status, token: String(res.body['token']) };
}

describe('the settings reader', () => {
  it('checks session tokens and API keys, and logs in, without reading argocd-cm or argocd-secret', async () => {
    const session = await login('alice', PASSWORD);
    expect(session.status).toBe(200);
    const key = await call('POST', '/api/v1/account/bob/token', api.adminToken, { id: 'settings-watch' });
    expect(key.status).toBe(200);
    const apiKey = String(key.body['token']);

    const before = proxy.requests.length;
    for (let i = 0; i < 50; i++) {
      expect((await call('GET', '/api/v1/session/userinfo', session.token)).status).toBe(200);
      expect((await call('GET', '/api/v1/session/userinfo', apiKey)).status).toBe(200);
    }
    expect((await login('alice', PASSWORD)).status).toBe(200);
    expect((await login('alice', 'not the password')).status).toBe(401);
    expect(settingsReads(proxy.requests.slice(before))).toEqual([]);
  });

  it('sees its own writes at once: a login right after a password change, an API key right after its creation', async () => {
    const session = await login('bob', PASSWORD);
    expect(session.status).toBe(200);
    const changed = await call('PUT', '/api/v1/account/password', session.token, { currentPassword: PASSWORD, newPassword: 'a brand new password 1' });
    expect(changed.status).toBe(200);
    expect((await login('bob', 'a brand new password 1')).status).toBe(200);
    expect((await login('bob', PASSWORD)).status).toBe(401);
    // The session issued before the change is void at once.
    expect((await call('GET', '/api/v1/session/userinfo', session.token)).status).toBe(401);

    const key = await call('POST', '/api/v1/account/bob/token', api.adminToken, { id: 'right-away' });
    expect(key.status).toBe(200);
    expect((await call('GET', '/api/v1/session/userinfo', String(key.body['token']))).status).toBe(200);
  });
});

describe('the RBAC policy', () => {
  it('follows an argocd-rbac-cm edit through the watch, without listing ConfigMaps again', async () => {
    const session = await login('alice', PASSWORD);
    const canI = async (): Promise<unknown> => (await call('GET', '/api/v1/account/can-i/clusters/delete/*', session.token)).body['value'];
    expect(await canI()).toBe('no');
    const before = proxy.requests.length;
    const rbacCm = await api.core.readNamespacedConfigMap({ name: 'argocd-rbac-cm', namespace: api.ns });
    const policy = `${rbacCm.data?.['policy.csv'] ?? ''}\np, alice, clusters, delete, *, allow\n`;
    await api.core.patchNamespacedConfigMap({ name: 'argocd-rbac-cm', namespace: api.ns, body: { data: { 'policy.csv': policy } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitUntil('the replica to apply the new policy', canI, (v) => v === 'yes', { timeoutMs: 10_000, intervalMs: 50 });
    expect(settingsReads(proxy.requests.slice(before))).toEqual([]);
  });
});

describe('a settings reader shared with another role (kawa up)', () => {
  it('serves the server, which leaves it running when it closes', async () => {
    const shared = serverSettingsReader(api.kc, api.ns, undefined);
    try {
      const server = (await assembleServer({ kubeConfig: api.kc, namespace: api.ns, logger: pino({ level: 'silent' }), settings: shared })).app;
      const res = await server.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'alice', password: PASSWORD } });
      expect(res.statusCode).toBe(200);
      await server.close();

      // Still watching: a change to argocd-cm after the server closed reaches the reader.
      const marker = `shared-${String(Date.now())}`;
      await api.core.patchNamespacedConfigMap({ name: 'argocd-cm', namespace: api.ns, body: { data: { 'kawa.test.shared': marker } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await waitUntil('the shared reader to see the change', () => Promise.resolve(shared.configMapData('argocd-cm')?.['kawa.test.shared']), (v) => v === marker, { timeoutMs: 10_000, intervalMs: 50 });
    } finally {
      await shared.close();
    }
  });
});
