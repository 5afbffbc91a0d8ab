// A second, independent local control plane for the multi-cluster controller tests: started with the
// same code as the `test` cluster (src/localcluster/cluster.ts), given the access `argocd cluster add`
// creates (a ServiceAccount bound to cluster-admin and its long-lived token), registered as an Argo CD
// `cluster` Secret, and with its kube-apiserver killed and restarted (same binary, same arguments: same
// port, certificates and etcd) to simulate an API server outage.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { down, status, up, type ClusterState } from '../../src/localcluster/cluster.js';
import { projectRoot } from '../../src/tools/pins.js';
import { startDetached, stopProcess } from '../../src/localcluster/processes.js';
import { waitFor } from './kube.js';

export interface ClusterAccess {
  bearerToken: string;
  /** The cluster's CA, base64 (as in a kubeconfig's certificate-authority-data). */
  caData: string;
}

export class SecondCluster {
  readonly root = projectRoot();
  state: ClusterState | undefined;
  kc = new KubeConfig();
  /** The kube-apiserver this helper restarted (not in the cluster's state file: `down` would not stop it). */
  private restarted: number | undefined;
  /** Binary and arguments of the kube-apiserver while it is stopped. */
  private stopped: { binary: string; args: string[] } | undefined;

  constructor(readonly name: string) {}

  get server(): string {
    if (this.state === undefined) throw new Error(`cluster ${this.name} is not up`);
    return this.state.server;
  }

  get core(): CoreV1Api {
    return this.kc.makeApiClient(CoreV1Api);
  }

  /** Starts the control plane (or reuses a healthy one of that name). */
  async up(nodes = 1): Promise<ClusterState> {
    this.state = await up({ root: this.root, name: this.name, nodes });
    this.kc = new KubeConfig();
    this.kc.loadFromFile(this.state.kubeconfig);
    return this.state;
  }

  /** Stops everything, the restarted API server included, and removes the cluster's data. */
  async down(): Promise<void> {
    if (this.restarted !== undefined) await stopProcess(this.restarted);
    this.restarted = undefined;
    await down({ root: this.root, name: this.name });
  }

  /** What `argocd cluster add` creates in the target cluster; returns the token and the CA. */
  async addClusterAccess(): Promise<ClusterAccess> {
    const core = this.core;
    const rbac = this.kc.makeApiClient(RbacAuthorizationV1Api);
    const namespace = 'kube-system';
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'argocd-manager' } } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'argocd-manager-role-binding' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'argocd-manager', namespace }],
      },
    });
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'argocd-manager-long-lived-token', annotations: { 'kubernetes.io/service-account.name': 'argocd-manager' } },
        type: 'kubernetes.io/service-account-token',
      },
    });
    // The token controller of kube-controller-manager fills in the token and the cluster's CA.
    const secret = await waitFor('the service-account token', async () => {
      const s = await core.readNamespacedSecret({ name: 'argocd-manager-long-lived-token', namespace });
      return s.data?.['token'] !== undefined && s.data['ca.crt'] !== undefined ? s : undefined;
    });
    return { bearerToken: Buffer.from(secret.data?.['token'] ?? '', 'base64').toString('utf8'), caData: secret.data?.['ca.crt'] ?? '' };
  }

  /** The Argo CD `cluster` Secret for this cluster, to create in kawa's namespace. */
  clusterSecret(secretName: string, clusterName: string, access: ClusterAccess): { metadata: { name: string; labels: Record<string, string> }; type: string; stringData: Record<string, string> } {
    return {
      metadata: { name: secretName, labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
      type: 'Opaque',
      stringData: { name: clusterName, server: this.server, config: JSON.stringify({ bearerToken: access.bearerToken, tlsClientConfig: { caData: access.caData } }) },
    };
  }

  /** Kills the kube-apiserver (SIGTERM, then SIGKILL), remembering how it was started. */
  async stopApiserver(): Promise<void> {
    if (this.stopped !== undefined) throw new Error(`the kube-apiserver of ${this.name} is already stopped`);
    let pid = this.restarted;
    let binary: string;
    if (pid === undefined) {
      const { state } = await status({ root: this.root, name: this.name });
      const apiserver = state?.processes['kube-apiserver'];
      if (apiserver === undefined) throw new Error(`no kube-apiserver in the state of cluster ${this.name}`);
      pid = apiserver.pid;
      binary = apiserver.binary;
    } else {
      binary = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0] ?? '';
    }
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((a) => a !== '').slice(1);
    this.stopped = { binary, args };
    await stopProcess(pid);
    if (pid === this.restarted) this.restarted = undefined;
  }

  /** Starts the same kube-apiserver again and waits until it answers. */
  async startApiserver(): Promise<void> {
    const stopped = this.stopped;
    if (stopped === undefined) throw new Error(`the kube-apiserver of ${this.name} is not stopped`);
    const logFile = path.join(this.root, '.kawa', 'clusters', this.name, 'logs', 'kube-apiserver.log');
    this.restarted = startDetached(stopped.binary, stopped.args, logFile).pid;
    this.stopped = undefined;
    const core = this.core;
    await waitFor(`the kube-apiserver of ${this.name} answers`, () => core.listNamespace().then(() => true, () => undefined), { timeoutMs: 90_000, intervalMs: 500 });
  }
}
