// The control plane launcher itself: a second cluster side by side, idempotent start, recovery
// from a crashed component, and a stop that leaves no process behind.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { isAlive } from '../../src/util/lock.js';
import { clusterPaths, down, status, up, type ClusterState } from '../../src/localcluster/cluster.js';
import { projectRoot } from '../../src/tools/pins.js';

const root = projectRoot();
const name = `e2e-side-${process.pid}`;
const logs: string[] = [];
const log = (line: string): void => { logs.push(line); };

function pidsOf(state: ClusterState): number[] {
  return Object.values(state.processes).map((p) => p.pid);
}

function coreFor(kubeconfig: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

describe('local control plane launcher', () => {
  let second: ClusterState;

  afterAll(async () => {
    await down({ root, name });
  });

  it('starts a second, independent cluster beside the test cluster', async () => {
    second = await up({ root, name, nodes: 1, log });
    expect(second.kubeconfig).toBe(clusterPaths(root, name).kubeconfig);
    expect(second.kubeconfig.endsWith(`.kawa/${name}.kubeconfig`)).toBe(true);
    const testServer = new KubeConfig();
    testServer.loadFromFile(inject('kubeconfig'));
    expect(second.server).not.toBe(testServer.getCurrentCluster()?.server);

    const core = coreFor(second.kubeconfig);
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual(['kwok-node-0']);
    await core.createNamespace({ body: { metadata: { name: 'only-in-second' } } });
    const inTest = await coreFor(inject('kubeconfig'))
      .readNamespace({ name: 'only-in-second' })
      .then(() => 200, (err: unknown) => (err as { code?: number }).code);
    expect(inTest).toBe(404);
  });

  it('is idempotent: a healthy cluster is reused as it is', async () => {
    const again = await up({ root, name, log });
    expect(pidsOf(again)).toEqual(pidsOf(second));
    expect(logs.at(-1)).toMatch(/already running/);
  });

  it('starts afresh when a component crashed', async () => {
    const scheduler = second.processes['kube-scheduler'];
    if (!scheduler) throw new Error('no scheduler recorded');
    process.kill(scheduler.pid, 'SIGKILL');
    await expect.poll(() => isAlive(scheduler.pid), { timeout: 5000 }).toBe(false);
    expect((await status({ root, name })).running).toBe(false);

    const restarted = await up({ root, name, nodes: 1, log });
    expect(logs.some((l) => /half-running/.test(l))).toBe(true);
    for (const pid of pidsOf(restarted)) expect(isAlive(pid)).toBe(true);
    for (const pid of pidsOf(second)) expect(isAlive(pid)).toBe(false);
    expect((await coreFor(restarted.kubeconfig).listNode()).items).toHaveLength(1);
    second = restarted;
  });

  it('starts afresh over a state file whose processes are gone (a machine restart)', async () => {
    const paths = clusterPaths(root, name);
    await down({ root, name });
    const stale: ClusterState = { ...second, processes: { etcd: { pid: 999_999_999, binary: '/nonexistent/etcd' } }, ready: true };
    await mkdir(paths.stateDir, { recursive: true });
    await writeFile(paths.stateFile, JSON.stringify(stale));
    second = await up({ root, name, nodes: 1, log });
    expect((await status({ root, name })).running).toBe(true);
  });

  it('stops every process it started and removes its data', async () => {
    const paths = clusterPaths(root, name);
    const recorded = JSON.parse(await readFile(paths.stateFile, 'utf8')) as ClusterState;
    const stopped = await down({ root, name });
    expect(stopped).toHaveLength(5);
    for (const pid of pidsOf(recorded)) expect(isAlive(pid)).toBe(false);
    expect(await exists(paths.stateDir)).toBe(false);
    expect(await exists(paths.kubeconfig)).toBe(false);
    expect(await down({ root, name })).toEqual([]);
  });
});
