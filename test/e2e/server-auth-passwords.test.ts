// bootstrapAuth and changePassword against the real API server. A fresh namespace plays the part of
// `argocd`; every test starts with no argocd-cm, argocd-secret or argocd-initial-admin-secret in it.
import { CoreV1Api } from '@kubernetes/client-node';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors.js';
import {
  AccountStore,
  INITIAL_ADMIN_SECRET,
  bootstrapAuth,
  changePassword,
  verifyPassword,
} from '../../src/server/auth/index.js';
import { codeOf, racingStores, readSecretData } from '../harness/auth.js';
import { testKubeConfig, useNamespace } from '../harness/kube.js';

const ns = useNamespace('auth-pw');

const SECRET = 'argocd-secret';

const now = () => new Date('2024-05-01T10:00:00.000Z');

const core = testKubeConfig().makeApiClient(CoreV1Api);
const newStore = () => new AccountStore({ core, namespace: ns.name });

const secretData = (name: string): Promise<Record<string, string> | undefined> => readSecretData(core, ns.name, name);
const putSecret = async (name: string, stringData: Record<string, string>): Promise<void> => {
  await core.createNamespacedSecret({ namespace: ns.name, body: { metadata: { name }, stringData } });
};

beforeEach(async () => {
  for (const name of [SECRET, INITIAL_ADMIN_SECRET]) {
    await core.deleteNamespacedSecret({ name, namespace: ns.name }).catch((err: unknown) => {
      if (codeOf(err) !== 404) throw err;
    });
  }
  await core.deleteNamespacedConfigMap({ name: 'argocd-cm', namespace: ns.name }).catch((err: unknown) => {
    if (codeOf(err) !== 404) throw err;
  });
});

describe('bootstrapAuth', () => {
  it('creates the secret key, the initial password and its hash on a fresh install', async () => {
    expect(await bootstrapAuth(newStore(), { now })).toEqual({ secretKeyCreated: true, adminPasswordCreated: true, initialSecretCreated: true });
    const secret = (await secretData(SECRET)) ?? {};
    const initial = (await secretData(INITIAL_ADMIN_SECRET))?.password ?? '';
    expect(initial).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(await verifyPassword(initial, secret['admin.password'] ?? '')).toBe(true);
    expect(secret['admin.passwordMtime']).toBe('2024-05-01T10:00:00.000Z');
    expect(Buffer.from(secret['server.secretkey'] ?? '', 'base64')).toHaveLength(32);
  });

  it('is a no-op the second time', async () => {
    const store = newStore();
    await bootstrapAuth(store, { now });
    const before = await core.readNamespacedSecret({ name: SECRET, namespace: ns.name });
    expect(await bootstrapAuth(store, { now })).toEqual({ secretKeyCreated: false, adminPasswordCreated: false, initialSecretCreated: false });
    const after = await core.readNamespacedSecret({ name: SECRET, namespace: ns.name });
    expect(after.data).toEqual(before.data);
    // Not even rewritten with the same data.
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('keeps an existing admin password and creates no initial secret', async () => {
    await putSecret(SECRET, { 'admin.password': '$2a$10$existing' });
    expect(await bootstrapAuth(newStore(), { now })).toEqual({ secretKeyCreated: true, adminPasswordCreated: false, initialSecretCreated: false });
    expect(await secretData(INITIAL_ADMIN_SECRET)).toBeUndefined();
    expect((await secretData(SECRET))?.['admin.password']).toBe('$2a$10$existing');
  });

  it('reuses an initial secret left by an interrupted bootstrap', async () => {
    await putSecret(INITIAL_ADMIN_SECRET, { password: 'LeftOverPassword' });
    expect(await bootstrapAuth(newStore(), { now })).toMatchObject({ adminPasswordCreated: true, initialSecretCreated: false });
    expect(await verifyPassword('LeftOverPassword', (await secretData(SECRET))?.['admin.password'] ?? '')).toBe(true);
  });

  it('converges when two servers bootstrap at once', async () => {
    // Two servers, each with its own client. Each one's first read (of argocd-secret) is held until both
    // have read, so both find nothing and both try to create it: the API server refuses one with 409.
    const servers = 2;
    const conflicts: number[] = [];
    const stores = racingStores(servers, ns.name, conflicts);
    const results = await Promise.all(stores.map((store) => bootstrapAuth(store, { now })));
    expect(conflicts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(conflicts)).toEqual(new Set([409]));
    // Each thing was created by exactly one of them, and they agree on one initial password.
    expect(results.filter((r) => r.secretKeyCreated)).toHaveLength(1);
    expect(results.filter((r) => r.adminPasswordCreated)).toHaveLength(1);
    expect(results.filter((r) => r.initialSecretCreated)).toHaveLength(1);
    const initial = (await secretData(INITIAL_ADMIN_SECRET))?.password ?? '';
    expect(await verifyPassword(initial, (await secretData(SECRET))?.['admin.password'] ?? '')).toBe(true);
  });
});

describe('changePassword', () => {
  it('stores a new hash and mtime', async () => {
    const mtime = await changePassword(newStore(), 'admin', 'new password!', { now: () => new Date('2024-06-01T00:00:00.500Z') });
    expect(mtime.toISOString()).toBe('2024-06-01T00:00:00.500Z');
    const secret = (await secretData(SECRET)) ?? {};
    expect(await verifyPassword('new password!', secret['admin.password'] ?? '')).toBe(true);
    expect(secret['admin.passwordMtime']).toBe('2024-06-01T00:00:00.500Z');
  });

  it('refuses an unknown account and a weak password', async () => {
    const store = newStore();
    await expect(changePassword(store, 'ghost', 'new password!')).rejects.toMatchObject({ code: errorCodes.AUTH_ACCOUNT_INVALID });
    await expect(changePassword(store, 'admin', 'short')).rejects.toMatchObject({ code: errorCodes.AUTH_PASSWORD_INVALID });
    expect(await secretData(SECRET)).toBeUndefined();
  });
});
