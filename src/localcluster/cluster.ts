// A real local Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok (fake nodes whose Pods really become Ready and whose Jobs complete).
// State lives in <root>/.kawa/clusters/<name>/; the admin kubeconfig in <root>/.kawa/kubeconfig
// (or <root>/.kawa/<name>.kubeconfig for a named cluster).
import { mkdir, readFile, rename, rm, writeFile, copyFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError, errorCodes, messageOf } from '../errors.js';
import { lastLines } from '../util/exec.js';
import { createPki, kubeconfigFor, type ClientIdentity } from './certs.js';
import { ensureTools } from '../tools/build-tools.js';
import { withLock } from '../util/lock.js';
import { loadPins, type Pins } from '../tools/pins.js';
import { isOurProcess, startDetached, stopProcess, type StartedProcess } from './processes.js';
import { createFakeNodes, waitForControllers, waitForNodesReady } from './bootstrap.js';

export const DEFAULT_CLUSTER = 'default';
const components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type Component = (typeof components)[number];

export interface ClusterState {
  name: string;
  server: string;
  kubeconfig: string;
  ports: { etcdClient: number; etcdPeer: number; apiserver: number };
  processes: Partial<Record<Component, { pid: number; binary: string }>>;
  startedAt: string;
  /** False until every component is up; a state left unready was interrupted and is started afresh. */
  ready: boolean;
}

export interface ClusterOptions {
  /** Project root: .kawa/ is written here. */
  root: string;
  name?: string;
  nodes?: number;
  log?: (line: string) => void;
  pins?: Pins;
}

export function clusterPaths(root: string, name: string): { stateDir: string; stateFile: string; kubeconfig: string; logs: string } {
  if (!/^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/.test(name)) {
    throw new UserError(errorCodes.CLUSTER_START_FAILED, `cluster name "${name}" must be lower-case letters, digits and dashes`);
  }
  const stateDir = path.join(root, '.kawa', 'clusters', name);
  return {
    stateDir,
    stateFile: path.join(stateDir, 'state.json'),
    logs: path.join(stateDir, 'logs'),
    kubeconfig: path.join(root, '.kawa', name === DEFAULT_CLUSTER ? 'kubeconfig' : `${name}.kubeconfig`),
  };
}

async function readState(stateFile: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

async function writeState(stateFile: string, state: ClusterState): Promise<void> {
  const tmp = `${stateFile}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2));
  await rename(tmp, stateFile);
}

/** Free TCP ports on loopback, as the kernel hands them out. Another process may still take one first: callers retry. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => { resolve(server); });
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

interface Probe {
  url: string;
  tls?: { ca: Buffer; cert: Buffer; key: Buffer };
}

async function probe(p: Probe): Promise<boolean> {
  return new Promise((resolve) => {
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      res.resume();
      resolve(res.statusCode === 200);
    };
    const req = p.tls
      ? httpsRequest(p.url, { ...p.tls, timeout: 2000 }, onResponse)
      : httpRequest(p.url, { timeout: 2000 }, onResponse);
    req.on('error', () => { resolve(false); });
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });
}

async function waitReady(component: Component, started: StartedProcess, p: Probe, timeoutMs: number, logFile: string): Promise<void> {
  let exitCode: number | null | undefined;
  void started.exited.then((code) => { exitCode = code; });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) await failWithLog(component, `exited with code ${String(exitCode)}`, logFile);
    if (await probe(p)) return;
    await sleep(250);
  }
  await failWithLog(component, `was not ready after ${timeoutMs / 1000}s`, logFile);
}

async function failWithLog(component: Component, what: string, logFile: string): Promise<never> {
  let tail = '';
  try {
    tail = lastLines(await readFile(logFile, 'utf8'), 12);
  } catch {
    // No log yet.
  }
  const portHint = /address already in use/i.test(tail) ? ' (a port was taken by another process; run cluster:up again)' : '';
  throw new UserError(errorCodes.CLUSTER_START_FAILED, `${component} ${what}${portHint}\n${tail}\nfull log: ${logFile}`);
}

/** True when every recorded process is alive and the API server answers /readyz. */
async function isHealthy(state: ClusterState, stateDir: string): Promise<boolean> {
  if (!state.ready) return false;
  for (const c of components) {
    const p = state.processes[c];
    if (!p || !(await isOurProcess(p.pid, p.binary))) return false;
  }
  const pki = path.join(stateDir, 'pki');
  return probe({
    url: `${state.server}/readyz`,
    tls: {
      ca: await readFile(path.join(pki, 'ca.crt')),
      cert: await readFile(path.join(pki, 'admin.crt')),
      key: await readFile(path.join(pki, 'admin.key')),
    },
  });
}

async function stopRecorded(state: ClusterState | undefined): Promise<string[]> {
  const stopped: string[] = [];
  if (!state) return stopped;
  // Reverse start order: clients first, etcd last.
  for (const c of [...components].reverse()) {
    const p = state.processes[c];
    if (p && (await isOurProcess(p.pid, p.binary))) {
      await stopProcess(p.pid);
      stopped.push(`${c} (pid ${p.pid})`);
    }
  }
  return stopped;
}

const clients: ClientIdentity[] = [
  { name: 'admin', commonName: 'kawa-admin', organization: 'system:masters' },
  { name: 'controller-manager', commonName: 'system:kube-controller-manager' },
  { name: 'scheduler', commonName: 'system:kube-scheduler' },
  { name: 'kwok', commonName: 'kwok-controller', organization: 'system:masters' },
];

const SERVICE_CIDR = '10.96.0.0/16';
const SERVICE_IP = '10.96.0.1';
const POD_CIDR = '10.244.0.0/16';

async function startOnce(options: Required<Omit<ClusterOptions, 'pins'>> & { pins: Pins }, binaries: Record<string, string>): Promise<ClusterState> {
  const { root, name, log } = options;
  const paths = clusterPaths(root, name);
  await rm(paths.stateDir, { recursive: true, force: true });
  await mkdir(paths.logs, { recursive: true });
  const [etcdClient = 0, etcdPeer = 0, apiserver = 0] = await freePorts(3);
  const server = `https://127.0.0.1:${apiserver}`;
  const bin = (c: Component): string => {
    const b = binaries[c];
    if (!b) throw new UserError(errorCodes.CLUSTER_START_FAILED, `no binary for ${c}`);
    return b;
  };
  const state: ClusterState = {
    name, server, kubeconfig: paths.kubeconfig, ports: { etcdClient, etcdPeer, apiserver },
    processes: {}, startedAt: new Date().toISOString(), ready: false,
  };
  const start = async (c: Component, args: string[]): Promise<{ started: StartedProcess; logFile: string }> => {
    const logFile = path.join(paths.logs, `${c}.log`);
    const started = startDetached(bin(c), args, logFile);
    state.processes[c] = { pid: started.pid, binary: bin(c) };
    // Recorded at once, so an interrupted start can always be cleaned up by pid.
    await writeState(paths.stateFile, state);
    return { started, logFile };
  };

  try {
    const pki = await createPki(path.join(paths.stateDir, 'pki'), clients, SERVICE_IP);
    const kubeconfigs: Record<string, string> = {};
    for (const client of clients) {
      const file = path.join(paths.stateDir, `${client.name}.kubeconfig`);
      const issued = pki.clients[client.name];
      if (!issued) throw new UserError(errorCodes.CLUSTER_START_FAILED, `no certificate for ${client.name}`);
      await writeFile(file, await kubeconfigFor({ clusterName: `kawa-${name}`, server, caCert: pki.caCert, userName: client.name, ...issued }), { mode: 0o600 });
      kubeconfigs[client.name] = file;
    }
    const kc = (n: string): string => kubeconfigs[n] ?? '';

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = await start('etcd', [
      '--name=kawa', `--data-dir=${path.join(paths.stateDir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=kawa=${peerUrl}`, '--initial-cluster-state=new',
      // Test data: durability across a machine crash is not needed, speed is.
      '--unsafe-no-fsync', '--log-level=warn',
    ]);
    await waitReady('etcd', etcd.started, { url: `${etcdUrl}/health` }, 30_000, etcd.logFile);
    log(`etcd ready on ${etcdUrl}`);

    const api = await start('kube-apiserver', [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiserver}`,
      // 127.0.0.1 may not be written into Endpoints, so the `kubernetes` Service gets no endpoints here.
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--authorization-mode=Node,RBAC',
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--v=0',
    ]);
    const adminTls = {
      ca: await readFile(pki.caCert),
      cert: await readFile(pki.clients['admin']?.cert ?? ''),
      key: await readFile(pki.clients['admin']?.key ?? ''),
    };
    await waitReady('kube-apiserver', api.started, { url: `${server}/readyz`, tls: adminTls }, 90_000, api.logFile);
    log(`kube-apiserver ready on ${server}`);

    const common = (who: string): string[] => [
      `--kubeconfig=${kc(who)}`, `--authentication-kubeconfig=${kc(who)}`, `--authorization-kubeconfig=${kc(who)}`,
      '--leader-elect=false', '--secure-port=0', '--v=0',
    ];
    await start('kube-controller-manager', [
      ...common('controller-manager'),
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`, `--cluster-signing-key-file=${pki.caKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      // Fake nodes run no kubelet; short monitor periods would only add churn.
      '--node-monitor-grace-period=60s',
    ]);
    await start('kube-scheduler', common('scheduler'));
    const stages = path.join(root, 'tools', 'cluster', 'kwok-stages.yaml');
    const stagesCopy = path.join(paths.stateDir, 'kwok-stages.yaml');
    await copyFile(stages, stagesCopy);
    await start('kwok', [
      `--kubeconfig=${kc('kwok')}`, `--config=${stagesCopy}`,
      '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--cidr=${POD_CIDR}`, '--node-lease-duration-seconds=40',
    ]);

    await copyFile(kc('admin'), paths.kubeconfig);
    await createFakeNodes(paths.kubeconfig, options.nodes);
    await waitForNodesReady(paths.kubeconfig, options.nodes, 60_000);
    log(`${options.nodes} kwok nodes Ready`);
    await waitForControllers(paths.kubeconfig, 60_000);
    // Every component must still be running (the scheduler and controller-manager have no port to probe).
    for (const c of components) {
      const p = state.processes[c];
      if (!p || !(await isOurProcess(p.pid, p.binary))) await failWithLog(c, 'exited during start-up', path.join(paths.logs, `${c}.log`));
    }
    state.ready = true;
    await writeState(paths.stateFile, state);
    return state;
  } catch (err) {
    await stopRecorded(state);
    await rm(paths.kubeconfig, { force: true });
    // Keep the logs for the error message; drop the rest so the next start begins clean.
    await rm(paths.stateFile, { force: true });
    throw err;
  }
}

/** Start the named control plane, or return it if it is already up and healthy. Idempotent. */
export async function up(options: ClusterOptions): Promise<ClusterState> {
  const name = options.name ?? DEFAULT_CLUSTER;
  const log = options.log ?? (() => undefined);
  const pins = options.pins ?? loadPins(options.root);
  const paths = clusterPaths(options.root, name);
  await mkdir(path.dirname(paths.stateDir), { recursive: true });
  return withLock(`${paths.stateDir}.lock`, async () => {
    const previous = await readState(paths.stateFile);
    if (previous && (await isHealthy(previous, paths.stateDir))) {
      log(`cluster "${name}" is already running at ${previous.server}`);
      return previous;
    }
    if (previous) {
      const stopped = await stopRecorded(previous);
      log(`cluster "${name}" was left half-running${stopped.length ? ` (stopped ${stopped.join(', ')})` : ''}; starting it afresh`);
    }
    const binaries = await ensureTools(pins, { only: components, log });
    const full = { root: options.root, name, nodes: options.nodes ?? 2, log, pins };
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce(full, binaries);
      } catch (err) {
        // A port picked as free can be taken before the component binds it; new ports fix that.
        if (attempt < 3 && /address already in use/i.test(messageOf(err))) {
          log(`a port was taken, retrying (${attempt}/3)`);
          continue;
        }
        throw err;
      }
    }
  }, { timeoutMs: 10 * 60_000 });
}

/** Stop every process the named cluster started and remove its data. Safe to run when nothing is up. */
export async function down(options: ClusterOptions): Promise<string[]> {
  const name = options.name ?? DEFAULT_CLUSTER;
  const paths = clusterPaths(options.root, name);
  return withLock(`${paths.stateDir}.lock`, async () => {
    const stopped = await stopRecorded(await readState(paths.stateFile));
    await rm(paths.stateDir, { recursive: true, force: true });
    await rm(paths.kubeconfig, { force: true });
    return stopped;
  }, { timeoutMs: 10 * 60_000 });
}

export async function status(options: ClusterOptions): Promise<{ running: boolean; state?: ClusterState }> {
  const paths = clusterPaths(options.root, options.name ?? DEFAULT_CLUSTER);
  const state = await readState(paths.stateFile);
  if (!state) return { running: false };
  return { running: await isHealthy(state, paths.stateDir), state };
}
