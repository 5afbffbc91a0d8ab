// AccountStore against the real API server: reads, read-modify-writes with optimistic concurrency,
// conflicts the API server itself answers with 409, and failures it really returns. A fresh namespace
// plays the part of `argocd`; every test starts with no argocd-cm and no argocd-secret in it.
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors.js';
import { AccountStore, parseTokens, type SecretsApi } from '../../src/server/auth/index.js';
import { codeOf, racingStores, readSecretData } from '../harness/auth.js';
import { testKubeConfig, useNamespace, waitFor } from '../harness/kube.js';

const ns = useNamespace('auth-store');

const SECRET = 'argocd-secret';
/** Everything a test in this file may create; removed before each test. */
const SECRETS = [SECRET, 'initial'];


describe('AccountStore', () => {
  const core = testKubeConfig().makeApiClient(CoreV1Api);
  /** A second, independent client: the "other server" that writes in between. */
  const rival = testKubeConfig().makeApiClient(CoreV1Api);
  const newStore = (maxAttempts?: number) => new AccountStore({ core, namespace: ns.name, maxAttempts });

  const secretData = (name: string): Promise<Record<string, string> | undefined> => readSecretData(core, ns.name, name);
  const putSecret = async (name: string, stringData: Record<string, string>): Promise<void> => {
    await core.createNamespacedSecret({ namespace: ns.name, body: { metadata: { name }, stringData } });
  };
  /** Replace the Secret's data through the rival client, as another server would; returns the new resourceVersion. */
  const rivalWrite = async (name: string, stringData: Record<string, string>): Promise<string | undefined> => {
    const current = await rival.readNamespacedSecret({ name, namespace: ns.name });
    const written = await rival.replaceNamespacedSecret({ name, namespace: ns.name, body: { metadata: current.metadata, stringData } });
    return written.metadata?.resourceVersion;
  };

  beforeEach(async () => {
    for (const name of SECRETS) {
      await core.deleteNamespacedSecret({ name, namespace: ns.name }).catch((err: unknown) => {
        if (codeOf(err) !== 404) throw err;
      });
    }
    await core.deleteNamespacedConfigMap({ name: 'argocd-cm', namespace: ns.name }).catch((err: unknown) => {
      if (codeOf(err) !== 404) throw err;
    });
  });

  it('reads missing objects as empty settings', async () => {
    const settings = await newStore().load();
    expect([...settings.accounts.keys()]).toEqual(['admin']);
    expect(settings.secretKey).toBeUndefined();
  });

  it('creates argocd-secret on first write, labelled as part of argocd', async () => {
    await newStore().setPassword('alice', '$2b$10$h', new Date('2024-05-01T10:00:00.250Z'));
    expect(await secretData(SECRET)).toEqual({ 'accounts.alice.password': '$2b$10$h', 'accounts.alice.passwordMtime': '2024-05-01T10:00:00.250Z' });
    const secret = await core.readNamespacedSecret({ name: SECRET, namespace: ns.name });
    expect(secret.metadata?.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'argocd' });
  });

  it('keeps other keys when it writes', async () => {
    await putSecret(SECRET, { 'server.secretkey': 'k', 'webhook.github.secret': 'w' });
    await newStore().addToken('ci', { id: 't1', iat: 1 });
    expect(await secretData(SECRET)).toEqual({ 'server.secretkey': 'k', 'webhook.github.secret': 'w', 'accounts.ci.tokens': '[{"id":"t1","iat":1}]' });
  });

  it('re-applies a change on top of a concurrent write (409)', async () => {
    await putSecret(SECRET, { 'accounts.ci.tokens': '[]' });
    // The real client, except that just before the store's first replace another client really writes
    // the Secret, so the store's write carries a stale resourceVersion and the API server answers 409.
    let writes = 0;
    const conflicts: number[] = [];
    let raced = false;
    const racing: SecretsApi = {
      readNamespacedConfigMap: (param) => core.readNamespacedConfigMap(param),
      readNamespacedSecret: (param) => core.readNamespacedSecret(param),
      createNamespacedSecret: (param) => {
        writes++;
        return core.createNamespacedSecret(param);
      },
      replaceNamespacedSecret: async (param) => {
        writes++;
        if (!raced) {
          raced = true;
          const rivalVersion = await rivalWrite(param.name, { 'accounts.ci.tokens': '[{"id":"other","iat":5}]' });
          expect(rivalVersion).not.toBe(param.body.metadata?.resourceVersion);
        }
        return core.replaceNamespacedSecret(param).catch((err: unknown) => {
          conflicts.push(codeOf(err) ?? -1);
          throw err;
        });
      },
    };
    await new AccountStore({ core: racing, namespace: ns.name }).addToken('ci', { id: 'mine', iat: 6 });
    expect(JSON.parse((await secretData(SECRET))?.['accounts.ci.tokens'] ?? '')).toEqual([
      { id: 'other', iat: 5 },
      { id: 'mine', iat: 6 },
    ]);
    expect(conflicts).toEqual([409]);
    expect(writes).toBe(2);
  });

  it('never loses one of many concurrent token creations', async () => {
    // Eight servers, each with its own client. Every store's first read is held until all eight have
    // read, so all of them race on the same (absent) Secret and the API server refuses seven creates.
    const writers = 8;
    const conflicts: number[] = [];
    const stores = racingStores(writers, ns.name, conflicts);
    await Promise.all(stores.map((store, i) => store.addToken('ci', { id: `t${i}`, iat: i })));
    expect(conflicts.length).toBeGreaterThanOrEqual(writers - 1);
    expect(new Set(conflicts)).toEqual(new Set([409]));
    const ids = parseTokens((await secretData(SECRET))?.['accounts.ci.tokens'] ?? '').map((t) => t.id);
    expect(ids.sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7']);
  });

  it('gives up after maxAttempts conflicts with AUTH_STORE_FAILED', async () => {
    await putSecret(SECRET, {});
    // Before every replace the rival client really changes the Secret (a no-op write would not bump
    // the resourceVersion), so each of the store's writes is stale and the API server refuses it.
    let rivalWrites = 0;
    const conflicts: number[] = [];
    const racing: SecretsApi = {
      readNamespacedConfigMap: (param) => core.readNamespacedConfigMap(param),
      readNamespacedSecret: (param) => core.readNamespacedSecret(param),
      createNamespacedSecret: (param) => core.createNamespacedSecret(param),
      replaceNamespacedSecret: async (param) => {
        rivalWrites++;
        await rivalWrite(param.name, { 'rival.write': String(rivalWrites) });
        return core.replaceNamespacedSecret(param).catch((err: unknown) => {
          conflicts.push(codeOf(err) ?? -1);
          throw err;
        });
      },
    };
    const store = new AccountStore({ core: racing, namespace: ns.name, maxAttempts: 3 });
    await expect(store.addToken('ci', { id: 't', iat: 1 })).rejects.toMatchObject({ code: errorCodes.AUTH_STORE_FAILED, message: expect.stringContaining('after 3 attempts') as unknown });
    expect(conflicts).toEqual([409, 409, 409]);
    expect(await secretData(SECRET)).toEqual({ 'rival.write': '3' });
  });

  it('removes a token and reports whether it was there', async () => {
    const store = newStore();
    await putSecret(SECRET, { 'accounts.ci.tokens': '[{"id":"a","iat":1},{"id":"b","iat":2}]' });
    expect(await store.removeToken('ci', 'a')).toBe(true);
    expect(await store.removeToken('ci', 'a')).toBe(false);
    expect((await secretData(SECRET))?.['accounts.ci.tokens']).toBe('[{"id":"b","iat":2}]');
  });

  it('refuses to rewrite a token list it cannot read', async () => {
    await putSecret(SECRET, { 'accounts.ci.tokens': 'garbage' });
    await expect(newStore().addToken('ci', { id: 't', iat: 1 })).rejects.toMatchObject({ code: errorCodes.AUTH_STORE_FAILED });
    expect((await secretData(SECRET))?.['accounts.ci.tokens']).toBe('garbage');
  });

  it('refuses a duplicate token id', async () => {
    const store = newStore();
    await store.addToken('ci', { id: 't', iat: 1 });
    await expect(store.addToken('ci', { id: 't', iat: 2 })).rejects.toMatchObject({ code: errorCodes.AUTH_ACCOUNT_INVALID });
  });

  it('creates a Secret only if absent, returning what is stored', async () => {
    const store = newStore();
    expect(await store.createSecretIfAbsent('initial', { password: 'one' })).toEqual({ created: true, data: { password: 'one' } });
    expect(await store.createSecretIfAbsent('initial', { password: 'two' })).toEqual({ created: false, data: { password: 'one' } });
    expect(await secretData('initial')).toEqual({ password: 'one' });
  });

  it('wraps API failures with context', async () => {
    // A ServiceAccount that may read ConfigMaps but not Secrets: the API server refuses the Secret read with 403.
    const rbac = testKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: 'cm-reader' } } });
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: { metadata: { name: 'cm-reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: 'cm-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'cm-reader', namespace: ns.name }],
      },
    });
    const token = await core.createNamespacedServiceAccountToken({
      name: 'cm-reader',
      namespace: ns.name,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const admin = testKubeConfig();
    const cluster = admin.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const asReader = new KubeConfig();
    asReader.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'cm-reader', token: token.status?.token ?? '' }],
      contexts: [{ name: 'cm-reader', cluster: cluster.name, user: 'cm-reader' }],
      currentContext: 'cm-reader',
    });
    const readerCore = asReader.makeApiClient(CoreV1Api);
    // The authorizer learns of the RoleBinding through a watch: wait until the ConfigMap read is allowed (404, not 403).
    await waitFor('the RoleBinding to take effect', () =>
      readerCore.readNamespacedConfigMap({ name: 'argocd-cm', namespace: ns.name }).then(
        () => true,
        (err: unknown) => (codeOf(err) === 404 ? true : undefined),
      ),
    );

    const store = new AccountStore({ core: readerCore, namespace: ns.name });
    const err: unknown = await store.load().then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({
      code: errorCodes.AUTH_STORE_FAILED,
      // client-node puts the API server's Status (JSON-escaped) into its message, after `HTTP-Code: 403`.
      message: expect.stringMatching(new RegExp(`^reading Secret argocd-secret in namespace ${ns.name}: [\\s\\S]*403[\\s\\S]*secrets\\W+argocd-secret\\W+is forbidden`)) as unknown,
    });
    expect(codeOf((err as { cause?: unknown }).cause)).toBe(403);
  });
});
