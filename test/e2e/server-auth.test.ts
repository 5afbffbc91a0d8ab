// Accounts, sessions, API keys and RBAC against the real API server. A fresh namespace plays the
// part of `argocd`: argocd-cm, argocd-secret, argocd-initial-admin-secret and argocd-rbac-cm live there.
import { CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors.js';
import {
  AccountStore,
  INITIAL_ADMIN_SECRET,
  LoginService,
  SessionManager,
  bootstrapAuth,
  changePassword,
  createApiKey,
  parseTokens,
  rbacSubjectOf,
  revokeApiKey,
  verifyPassword,
  type BootstrapResult,
  type SecretsApi,
} from '../../src/server/auth/index.js';
import { RbacService } from '../../src/server/rbac/index.js';
import { testKubeConfig, useNamespace } from '../harness/kube.js';

const ns = useNamespace('auth');

const ACCOUNTS_CM = {
  'accounts.ci': 'apiKey',
  'accounts.ci2': 'apiKey',
  'accounts.gone': 'apiKey',
};

describe('auth against the API server', () => {
  const core = testKubeConfig().makeApiClient(CoreV1Api);
  let store: AccountStore;
  let sessions: SessionManager;
  let bootstrap: BootstrapResult;

  const secretData = async (name: string): Promise<Record<string, string>> => {
    const secret: V1Secret = await core.readNamespacedSecret({ name, namespace: ns.name });
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  };
  const rejection = async (token: string) => sessions.verifyToken(token).then(() => 'accepted', (err: unknown) => (err as { code?: string }).code);

  beforeAll(async () => {
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'argocd-cm' }, data: ACCOUNTS_CM } });
    store = new AccountStore({ core, namespace: ns.name });
    sessions = new SessionManager({ settings: store });
    bootstrap = await bootstrapAuth(store);
  });

  it('bootstraps argocd-secret and argocd-initial-admin-secret, once', async () => {
    expect(bootstrap).toEqual({ secretKeyCreated: true, adminPasswordCreated: true, initialSecretCreated: true });
    const secret = await secretData('argocd-secret');
    const initial = await secretData(INITIAL_ADMIN_SECRET);
    expect(Buffer.from(secret['server.secretkey'] ?? '', 'base64')).toHaveLength(32);
    expect(secret['admin.password']).toMatch(/^\$2[aby]\$10\$/);
    expect(Date.parse(secret['admin.passwordMtime'] ?? '')).toBeGreaterThan(Date.now() - 600_000);
    expect(initial.password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(await verifyPassword(initial.password ?? '', secret['admin.password'] ?? '')).toBe(true);

    expect(await bootstrapAuth(store)).toEqual({ secretKeyCreated: false, adminPasswordCreated: false, initialSecretCreated: false });
    expect(await secretData('argocd-secret')).toEqual(secret);
  });

  it('logs admin in with the initial password; a password change voids the earlier session', async () => {
    const login = await LoginService.create({ settings: store, sessions });
    const initial = (await secretData(INITIAL_ADMIN_SECRET)).password ?? '';
    const { token: first } = await login.login('admin', initial);
    expect(await sessions.verifyToken(first)).toMatchObject({ kind: 'session', user: 'admin' });
    await expect(login.login('admin', 'not-the-password')).rejects.toMatchObject({ code: errorCodes.AUTH_LOGIN_FAILED });
    await expect(login.login('nobody', initial)).rejects.toMatchObject({ code: errorCodes.AUTH_LOGIN_FAILED });

    const before = await secretData('argocd-secret');
    await changePassword(store, 'admin', 'a brand new password');
    const after = await secretData('argocd-secret');
    expect(after['admin.password']).not.toBe(before['admin.password']);
    expect(after['admin.password']).toMatch(/^\$2[aby]\$10\$/);
    expect(await verifyPassword('a brand new password', after['admin.password'] ?? '')).toBe(true);
    expect(Date.parse(after['admin.passwordMtime'] ?? '')).toBeGreaterThan(Date.parse(before['admin.passwordMtime'] ?? ''));
    expect(after['server.secretkey']).toBe(before['server.secretkey']);

    expect(await rejection(first)).toBe(errorCodes.AUTH_REVOKED);
    await expect(login.login('admin', initial)).rejects.toMatchObject({ code: errorCodes.AUTH_LOGIN_FAILED });
    const { token: second } = await login.login('admin', 'a brand new password');
    expect(await sessions.verifyToken(second)).toMatchObject({ kind: 'session', user: 'admin' });
  });

  it('issues an API key that works until it is revoked', async () => {
    const { token, entry } = await createApiKey(store, sessions, 'ci', { expiresInSec: 3600 });
    expect(parseTokens((await secretData('argocd-secret'))['accounts.ci.tokens'] ?? '')).toEqual([entry]);
    expect(await sessions.verifyToken(token)).toMatchObject({ kind: 'apiKey', user: 'ci', id: entry.id });

    expect(await revokeApiKey(store, 'ci', entry.id)).toBe(true);
    expect(parseTokens((await secretData('argocd-secret'))['accounts.ci.tokens'] ?? '')).toEqual([]);
    expect(await rejection(token)).toBe(errorCodes.AUTH_REVOKED);
  });

  it('refuses the API key of an account deleted from argocd-cm', async () => {
    const { token } = await createApiKey(store, sessions, 'gone');
    expect(await sessions.verifyToken(token)).toMatchObject({ user: 'gone' });
    const cm = await core.readNamespacedConfigMap({ name: 'argocd-cm', namespace: ns.name });
    const data = { ...cm.data };
    delete data['accounts.gone'];
    await core.replaceNamespacedConfigMap({ name: 'argocd-cm', namespace: ns.name, body: { metadata: cm.metadata, data } });
    expect(await rejection(token)).toBe(errorCodes.AUTH_INVALID_TOKEN);
  });

  it('keeps both of two API keys created at the same moment', async () => {
    // Hold both writes until both have read argocd-secret, so they race on one resourceVersion.
    let reads = 0;
    let conflicts = 0;
    let release: () => void = () => undefined;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const racing: SecretsApi = {
      readNamespacedConfigMap: (param) => core.readNamespacedConfigMap(param),
      createNamespacedSecret: (param) => core.createNamespacedSecret(param),
      readNamespacedSecret: async (param) => {
        const secret = await core.readNamespacedSecret(param);
        if (++reads === 2) release();
        return secret;
      },
      replaceNamespacedSecret: async (param) => {
        await bothRead;
        return core.replaceNamespacedSecret(param).catch((err: unknown) => {
          if ((err as { code?: number }).code === 409) conflicts++;
          throw err;
        });
      },
    };
    const racingStore = new AccountStore({ core: racing, namespace: ns.name });
    const [a, b] = await Promise.all([createApiKey(racingStore, sessions, 'ci2'), createApiKey(racingStore, sessions, 'ci2')]);
    expect(conflicts).toBeGreaterThanOrEqual(1);
    const ids = parseTokens((await secretData('argocd-secret'))['accounts.ci2.tokens'] ?? '').map((t) => t.id);
    expect(ids.sort()).toEqual([a.entry.id, b.entry.id].sort());
    await expect(sessions.verifyToken(a.token)).resolves.toMatchObject({ user: 'ci2' });
    await expect(sessions.verifyToken(b.token)).resolves.toMatchObject({ user: 'ci2' });
  });

  it('enforces argocd-rbac-cm read from the cluster, and keeps it when an edit breaks it', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'argocd-rbac-cm' }, data: { 'policy.csv': 'p, ci, applications, get, team-a/*, allow\np, ci, applications, sync, team-a/*, deny' } },
    });
    const rbac = await RbacService.create();
    const read = async () => (await core.readNamespacedConfigMap({ name: 'argocd-rbac-cm', namespace: ns.name })).data;
    expect(await rbac.update(await read())).toEqual({ ok: true });

    const { token } = await createApiKey(store, sessions, 'ci');
    const caller = rbacSubjectOf(await sessions.verifyToken(token));
    expect(rbac.enforce(caller, 'applications', 'get', 'team-a/web')).toBe(true);
    expect(rbac.enforce(caller, 'applications', 'sync', 'team-a/web')).toBe(false);
    expect(rbac.enforce(caller, 'applications', 'get', 'team-b/web')).toBe(false);

    await core.replaceNamespacedConfigMap({ name: 'argocd-rbac-cm', namespace: ns.name, body: { metadata: { name: 'argocd-rbac-cm' }, data: { 'policy.csv': 'p, ci, applications' } } });
    const refused = await rbac.update(await read());
    expect(refused).toMatchObject({ ok: false, error: { code: errorCodes.RBAC_POLICY_INVALID } });
    expect(rbac.enforce(caller, 'applications', 'get', 'team-a/web')).toBe(true);
  });
});
