// Two `kawa controller` processes against the same Applications, neither given --replicas: leader election is
// on by default, so the second one waits for the Lease (and says so) and reconciles nothing while the first
// holds it; SIGTERM stops the first within its deadline, it releases the Lease, and the second takes over.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiextensionsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { KubeRest } from '../../src/kube/index.js';
import { defaultProject } from '../../src/model/index.js';
import { ensureCrds } from '../../src/server/index.js';
import { createRepo } from '../harness/git.js';
import { testKubeConfig, useNamespace, waitUntil } from '../harness/kube.js';
import { spawnKawa, type RoleProcess } from '../harness/roles.js';

const plural = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' };
const root = path.resolve(import.meta.dirname, '../..');
const kubeconfig = (): string => process.env['KAWA_TEST_KUBECONFIG'] ?? path.join(root, '.kawa', 'test.kubeconfig');

/** How many reconciles a controller counted, from its /metrics. */
async function reconciles(metricsUrl: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('argocd_app_reconcile_count'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('kawa controller: leader election by default, shutdown hands the Lease over', () => {
  const ns = useNamespace('shut-ctl');
  const dest = useNamespace('shut-ctl-dest');
  const kc = testKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  let tmp = '';
  let git: GitHttpServer | undefined;
  const running: RoleProcess[] = [];

  const start = (identity: string): RoleProcess => {
    const role = spawnKawa(['controller', '--kubeconfig', kubeconfig(), '--namespace', ns.name, '--metrics-address', '127.0.0.1', '--metrics-port', '0', '--lease-duration', '6', '--shutdown-timeout', '5s'], {
      ...process.env,
      POD_NAME: identity,
      XDG_CACHE_HOME: path.join(tmp, identity),
      KAWA_LOG_LEVEL: 'info',
    });
    running.push(role);
    return role;
  };
  const metricsOf = async (role: RoleProcess): Promise<string> => /"address":"(http:\/\/[^"]+)\/metrics"/.exec(await role.waitFor(/"address":"http:[^"]+\/metrics"/, 60_000))?.[1] ?? '';
  const holder = async (): Promise<string | undefined> =>
    ((await new KubeRest(kc).getJson(`/apis/coordination.k8s.io/v1/namespaces/${ns.name}/leases/kawa-controller-shard-0`).catch(() => undefined)) as { spec?: { holderIdentity?: string } } | undefined)?.spec?.holderIdentity;
  const createApp = async (name: string, repoURL: string): Promise<void> => {
    await custom.createNamespacedCustomObject({
      ...plural,
      namespace: ns.name,
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name, namespace: ns.name },
        spec: { project: 'default', source: { repoURL, path: name, targetRevision: 'HEAD' }, destination: { server: 'https://kubernetes.default.svc', namespace: dest.name }, syncPolicy: { automated: {} } },
      },
    });
  };
  const syncOf = async (name: string): Promise<string | undefined> =>
    ((await custom.getNamespacedCustomObject({ ...plural, namespace: ns.name, name })) as { status?: { sync?: { status?: string } } }).status?.sync?.status;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'kawa-shut-ctl-'));
    await ensureCrds(kc.makeApiClient(ApiextensionsV1Api));
    await custom.createNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: ns.name, plural: 'appprojects', body: defaultProject(ns.name) });
    const repo = await createRepo(path.join(tmp, 'work'));
    await repo.commit('apps', {
      files: { 'one/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n', 'two/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n' },
    });
    await repo.publishBare(path.join(tmp, 'served'), 'apps');
    git = await startGitHttpServer({ root: path.join(tmp, 'served') });
  });

  afterAll(async () => {
    for (const role of running) await role.kill();
    await git?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('the second controller waits for the Lease, reconciles nothing, and takes over when the first stops', async () => {
    const repoURL = git?.urlFor('apps') ?? '';
    const first = start('ctl-first');
    await first.waitFor(/application controller started/, 60_000);
    expect(await holder()).toBe('ctl-first');

    const second = start('ctl-second');
    const secondMetrics = await metricsOf(second);
    await second.waitFor(/waiting for the lease: another controller holds it/, 60_000);
    expect(second.output()).toMatch(/"holder":"ctl-first"/);

    await createApp('one', repoURL);
    await waitUntil('one synced by the first controller', () => syncOf('one'), (s) => s === 'Synced', { timeoutMs: 60_000 });
    // A few of the second's Lease ticks (every 2 s) later: still nothing reconciled there.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await reconciles(secondMetrics)).toBe(0);
    expect(await holder()).toBe('ctl-first');

    const { code, ms } = await first.signal('SIGTERM');
    expect(code, first.output()).toBe(0);
    expect(ms).toBeLessThan(5_000 + 2_000);
    expect(first.output()).toMatch(/stopping \(SIGTERM\)/);
    // Released on the way out: the second takes over at its next tick, not after the Lease expires.
    const stoppedAt = Date.now();
    await waitUntil('the second controller to hold the Lease', holder, (h) => h === 'ctl-second', { timeoutMs: 10_000, intervalMs: 100 });
    expect(Date.now() - stoppedAt).toBeLessThan(6_000);

    await createApp('two', repoURL);
    await waitUntil('two synced by the second controller', () => syncOf('two'), (s) => s === 'Synced', { timeoutMs: 60_000 });
    expect(await reconciles(secondMetrics)).toBeGreaterThan(0);

    const stopped = await second.signal('SIGTERM');
    expect(stopped.code, second.output()).toBe(0);
    expect(await holder()).toBeFalsy();
  });
});
