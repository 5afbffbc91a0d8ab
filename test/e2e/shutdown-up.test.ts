// `kawa up` stopped by SIGTERM while it has work in flight — renders failing (a missing path, a broken
// kustomization, a git server that accepts and never answers), a cascade deletion waiting on a finalizer,
// a sync waiting in the middle of its waves, an SSE client connected — exits within --shutdown-timeout,
// leaves the operation Running for the next start and the deletion pending, and stops reconciling.
import { execFileSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { createRepo } from '../harness/git.js';
import { testKubeConfig, useNamespace, waitUntil } from '../harness/kube.js';
import { spawnKawa, type RoleProcess } from '../harness/roles.js';

type Json = Record<string, unknown>;
const plural = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' };
const SHUTDOWN_S = 6;
const kubeconfig = (): string => process.env['KAWA_TEST_KUBECONFIG'] ?? path.join(path.resolve(import.meta.dirname, '../..'), '.kawa', 'test.kubeconfig');

const files = (dest: string): Record<string, string> => ({
  // Wave 0 never becomes healthy (no node matches), so the sync waits before wave 1.
  'waves/deploy.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: stuck
  annotations:
    argocd.argoproj.io/sync-wave: "0"
spec:
  replicas: 1
  selector:
    matchLabels: { app: stuck }
  template:
    metadata:
      labels: { app: stuck }
    spec:
      nodeSelector: { kawa.dev/no-such-node: "true" }
      containers:
        - name: app
          image: registry.example/stuck:1
`,
  'waves/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: after-stuck
  annotations:
    argocd.argoproj.io/sync-wave: "1"
`,
  // A finalizer nobody removes: the app's cascade deletion waits for it.
  'held/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: held
  namespace: ${dest}
  finalizers: [kawa.dev/hold]
`,
  'broken/kustomization.yaml': 'resources:\n  - does-not-exist.yaml\n',
  'plain/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n',
});

/** Processes whose command line mentions `url`'s host:port (pgrep exits 1 when none). */
function gitProcesses(url: string): string {
  try {
    return execFileSync('pgrep', ['-af', new URL(url).host], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

/** A TCP server that accepts and never answers: a git fetch against it hangs until its own timeout. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hangs.git`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe('kawa up: SIGTERM with work in flight', () => {
  const ns = useNamespace('shut-up');
  const dest = useNamespace('shut-up-dest');
  const kc = testKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  let tmp = '';
  let git: GitHttpServer | undefined;
  let silent: Awaited<ReturnType<typeof silentServer>> | undefined;
  let kawa: RoleProcess | undefined;
  const others: RoleProcess[] = [];
  let repoURL = '';

  const app = async (name: string, spec: Json, metadata: Json = {}, top: Json = {}): Promise<void> => {
    await custom.createNamespacedCustomObject({
      ...plural,
      namespace: ns.name,
      body: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace: ns.name, ...metadata }, spec, ...top },
    });
  };
  const spec = (source: Json, automated = true): Json => ({
    project: 'default',
    source: { targetRevision: 'HEAD', ...source },
    destination: { server: 'https://kubernetes.default.svc', namespace: dest.name },
    ...(automated ? { syncPolicy: { automated: {} } } : {}),
  });
  const getApp = async (name: string): Promise<Json & { status?: Json }> => (await custom.getNamespacedCustomObject({ ...plural, namespace: ns.name, name })) as Json;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'kawa-shut-up-'));
    const repo = await createRepo(path.join(tmp, 'work'));
    await repo.commit('apps', { files: files(dest.name) });
    await repo.publishBare(path.join(tmp, 'served'), 'apps');
    git = await startGitHttpServer({ root: path.join(tmp, 'served') });
    repoURL = git.urlFor('apps');
    silent = await silentServer();
  });

  afterAll(async () => {
    await kawa?.kill();
    // Nobody removes these finalizers but us: without this the namespaces would never go.
    await core.patchNamespacedConfigMap({ name: 'held', namespace: dest.name, body: [{ op: 'remove', path: '/metadata/finalizers' }] }).catch(() => undefined);
    for (const role of others) await role.kill();
    for (const name of ['waves', 'held', 'missing', 'broken', 'hangs', 'plain']) {
      await custom.patchNamespacedCustomObject({ ...plural, namespace: ns.name, name, body: [{ op: 'remove', path: '/metadata/finalizers' }] }).catch(() => undefined);
    }
    await git?.close();
    await silent?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('exits within the deadline, leaving the operation Running and the deletion pending', async () => {
    const cache = path.join(tmp, 'cache');
    kawa = spawnKawa(['up', '--kubeconfig', kubeconfig(), '--namespace', ns.name, '--port', '0', '--no-example', '--shutdown-timeout', `${SHUTDOWN_S}s`], {
      ...process.env,
      XDG_CACHE_HOME: cache,
      KAWA_LOG_LEVEL: 'warn',
    });
    const out = await kawa.waitFor(/kawa is up: (http:\S+)/, 120_000);
    const url = /kawa is up: (\S+)/.exec(out)?.[1] ?? '';

    await app('waves', spec({ repoURL, path: 'waves' }, false), {}, { operation: { sync: {}, initiatedBy: { username: 'admin' } } });
    await app('held', spec({ repoURL, path: 'held' }), { finalizers: ['resources-finalizer.argocd.argoproj.io'] });
    await app('missing', spec({ repoURL, path: 'no/such/path' }));
    await app('broken', spec({ repoURL, path: 'broken' }));
    await app('hangs', spec({ repoURL: silent?.url ?? '', path: '.' }));

    const opOf = (a: Json & { status?: Json }): { phase?: string; syncResult?: { resources?: { name: string }[] } } | undefined => (a.status as { operationState?: never } | undefined)?.operationState;
    await waitUntil('waves: wave 0 applied, waiting for its health', () => getApp('waves'), (a) => opOf(a)?.phase === 'Running' && opOf(a)?.syncResult?.resources?.some((r) => r.name === 'stuck') === true, { timeoutMs: 60_000 });
    const syncOf = (a: Json & { status?: Json }): string | undefined => (a.status as { sync?: { status?: string } } | undefined)?.sync?.status;
    await waitUntil('held: synced', () => getApp('held'), (a) => syncOf(a) === 'Synced', { timeoutMs: 60_000 });
    await custom.deleteNamespacedCustomObject({ ...plural, namespace: ns.name, name: 'held' });
    const conditions = (a: Json & { status?: Json }): string => JSON.stringify((a.status as { conditions?: unknown } | undefined)?.conditions ?? []);
    const deletionOf = (a: Json & { status?: Json }): { phase?: string; message?: string } | undefined => (a.status as { deletionState?: never } | undefined)?.deletionState;
    await waitUntil('held: deletion waiting for the finalizer', () => getApp('held'), (a) => deletionOf(a)?.phase === 'Running' && deletionOf(a)?.message?.includes('waiting for ConfigMap') === true, { timeoutMs: 60_000 });
    for (const name of ['missing', 'broken']) await waitUntil(`${name}: render failed`, () => getApp(name), (a) => conditions(a).includes('ComparisonError'), { timeoutMs: 60_000 });

    // An SSE client of the API server, connected while kawa stops.
    const secret = await core.readNamespacedSecret({ name: 'argocd-initial-admin-secret', namespace: ns.name });
    const password = Buffer.from(secret.data?.['password'] ?? '', 'base64').toString('utf8');
    const login = (await (await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })).json()) as { token?: string };
    const stream = await fetch(`${url}/api/v1/stream/applications`, { headers: { authorization: `Bearer ${login.token ?? ''}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader();
    expect((await reader?.read())?.done).toBe(false);
    const drained = (async () => {
      for (;;) if ((await reader?.read().catch(() => ({ done: true })))?.done !== false) return;
    })();

    const before = (await getApp('waves')).metadata as { resourceVersion?: string };
    const { code, ms } = await kawa.signal('SIGTERM');
    const output = kawa.output();
    expect(ms, output).toBeLessThan(SHUTDOWN_S * 1000 + 3_000);
    expect(output).toMatch(/stopping \(SIGTERM\): waiting up to 6s/);
    expect(code, output).toBe(0);
    // The reconcile of `hangs` sat in `git ls-remote` (60 s timeout): that git must not outlive kawa.
    expect(output).toMatch(/killed 1 child process/);
    expect(gitProcesses(silent?.url ?? '')).toBe('');
    await drained;

    // Stopped at a step boundary: the sync stays Running for the next start; the deletion is still pending.
    const waves = await getApp('waves');
    expect(opOf(waves)?.phase).toBe('Running');
    expect(opOf(waves)?.syncResult?.resources?.some((r) => r.name === 'after-stuck')).toBe(false);
    const held = await getApp('held');
    expect((held.metadata as { deletionTimestamp?: string }).deletionTimestamp).toBeDefined();
    // And nothing reconciles any more: the status is left alone.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(((await getApp('waves')).metadata as { resourceVersion?: string }).resourceVersion).toBe((waves.metadata as { resourceVersion?: string }).resourceVersion);
    expect(before.resourceVersion).toBeDefined();
  });

  it('a second kawa up waits for the Lease, says so, and takes over when the first stops', async () => {
    const upArgs = ['up', '--kubeconfig', kubeconfig(), '--namespace', ns.name, '--port', '0', '--no-example', '--shutdown-timeout', `${SHUTDOWN_S}s`];
    const env = { ...process.env, XDG_CACHE_HOME: path.join(tmp, 'cache'), KAWA_LOG_LEVEL: 'warn' };
    const first = spawnKawa(upArgs, env);
    others.push(first);
    await first.waitFor(/kawa is up/, 120_000);
    const second = spawnKawa(upArgs, { ...env, XDG_CACHE_HOME: path.join(tmp, 'cache-2') });
    others.push(second);
    const out = await second.waitFor(/kawa is up[\s\S]*Ctrl-C/, 120_000);
    expect(out).toMatch(/\[kawa\] waiting for the lease .*\/kawa-controller-shard-0: another kawa controller \(\S+\) reconciles these Applications/);
    expect(out).toMatch(/controller: waiting for the lease held by/);

    const { code } = await first.signal('SIGTERM');
    expect(code, first.output()).toBe(0);
    await second.waitFor(/took over the lease: this kawa now reconciles the Applications/, 30_000);
    await app('plain', spec({ repoURL, path: 'plain' }));
    const syncOf = (a: Json & { status?: Json }): string | undefined => (a.status as { sync?: { status?: string } } | undefined)?.sync?.status;
    await waitUntil('plain: synced by the second kawa', () => getApp('plain'), (a) => syncOf(a) === 'Synced', { timeoutMs: 60_000 });
    const stopped = await second.signal('SIGTERM');
    expect(stopped.code, second.output()).toBe(0);
  });
});
