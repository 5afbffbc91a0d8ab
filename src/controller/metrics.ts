// Prometheus metrics of the controller, with the names and labels of Argo CD's documented metrics where they
// exist, so existing dashboards and alerts keep working. One registry per controller instance. Per-app
// series are replaced on every reconcile and removed when the app goes, so cardinality follows the apps.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestEvent } from '../kube/index.js';
import { subcommand, type GitRunner } from '../git/run.js';

export interface AppInfo {
  name: string;
  namespace: string;
  project: string;
  repo: string;
  destServer: string;
  destNamespace: string;
  syncStatus: string;
  healthStatus: string;
  operation: string;
  conditions: string[];
}

export interface ClusterFigures {
  server: string;
  objects: number;
  connected: boolean;
  version: string;
}

export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly appInfo = new Gauge({
    name: 'argocd_app_info',
    help: 'Information about application.',
    labelNames: ['name', 'namespace', 'project', 'repo', 'dest_server', 'dest_namespace', 'sync_status', 'health_status', 'operation'] as const,
    registers: [this.registry],
  });
  private readonly appCondition = new Gauge({
    name: 'argocd_app_condition',
    help: 'Report application conditions.',
    labelNames: ['name', 'namespace', 'project', 'condition'] as const,
    registers: [this.registry],
  });
  readonly reconcile = new Histogram({
    name: 'argocd_app_reconcile',
    help: 'Application reconciliation performance in seconds.',
    labelNames: ['namespace', 'dest_server'] as const,
    buckets: [0.25, 0.5, 1, 2, 4, 8, 16],
    registers: [this.registry],
  });
  readonly syncTotal = new Counter({
    name: 'argocd_app_sync_total',
    help: 'Number of application syncs.',
    labelNames: ['name', 'namespace', 'project', 'phase', 'dest_server'] as const,
    registers: [this.registry],
  });
  readonly k8sRequests = new Counter({
    name: 'argocd_app_k8s_request_total',
    help: 'Number of kubernetes requests executed during application reconciliation.',
    labelNames: ['server', 'verb', 'response_code'] as const,
    registers: [this.registry],
  });
  /** Where cluster figures come from at scrape time (the controller's cluster registry). */
  private clusterSource: () => ClusterFigures[] = () => [];
  private readonly clusterObjects = new Gauge({
    name: 'argocd_cluster_api_resource_objects',
    help: 'Number of k8s resource objects in the cache.',
    labelNames: ['server'] as const,
    registers: [this.registry],
    collect: () => {
      this.clusterObjects.reset();
      for (const c of this.clusterSource()) this.clusterObjects.set({ server: c.server }, c.objects);
    },
  });
  private readonly clusterConnection = new Gauge({
    name: 'argocd_cluster_connection_status',
    help: 'The k8s cluster current connection status.',
    labelNames: ['server', 'k8s_version'] as const,
    registers: [this.registry],
    collect: () => {
      this.clusterConnection.reset();
      for (const c of this.clusterSource()) this.clusterConnection.set({ server: c.server, k8s_version: c.version }, c.connected ? 1 : 0);
    },
  });
  readonly gitRequests = new Counter({
    name: 'argocd_git_request_total',
    help: 'Number of git requests performed by repo server',
    labelNames: ['repo', 'request_type'] as const,
    registers: [this.registry],
  });
  readonly gitDuration = new Histogram({
    name: 'argocd_git_request_duration_seconds',
    help: 'Git requests duration seconds.',
    labelNames: ['repo', 'request_type'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 10, 20],
    registers: [this.registry],
  });
  private readonly appLabels = new Map<string, AppInfo>();
  /** What `/healthz` answers: ready unless something (the access check at start) says otherwise. */
  private readiness: () => { ready: boolean; detail: string } = () => ({ ready: true, detail: 'ok' });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  /** The readiness `/healthz` reports (503 with `detail` as the body while not ready). */
  setReadiness(probe: () => { ready: boolean; detail: string }): void {
    this.readiness = probe;
  }

  setClusterSource(source: () => ClusterFigures[]): void {
    this.clusterSource = source;
  }

  setApp(info: AppInfo): void {
    const key = `${info.namespace}/${info.name}`;
    this.removeApp(info.namespace, info.name);
    this.appLabels.set(key, info);
    this.appInfo.set(
      {
        name: info.name,
        namespace: info.namespace,
        project: info.project,
        repo: info.repo,
        dest_server: info.destServer,
        dest_namespace: info.destNamespace,
        sync_status: info.syncStatus,
        health_status: info.healthStatus,
        operation: info.operation,
      },
      1,
    );
    for (const condition of info.conditions) this.appCondition.set({ name: info.name, namespace: info.namespace, project: info.project, condition }, 1);
  }

  removeApp(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const previous = this.appLabels.get(key);
    if (previous === undefined) return;
    this.appLabels.delete(key);
    this.appInfo.remove({
      name: previous.name,
      namespace: previous.namespace,
      project: previous.project,
      repo: previous.repo,
      dest_server: previous.destServer,
      dest_namespace: previous.destNamespace,
      sync_status: previous.syncStatus,
      health_status: previous.healthStatus,
      operation: previous.operation,
    });
    for (const condition of previous.conditions) this.appCondition.remove({ name: previous.name, namespace: previous.namespace, project: previous.project, condition });
  }

  /** A request observer for a cluster's KubeRest. */
  k8sObserver(server: string): (event: RequestEvent) => void {
    return (event) => {
      this.k8sRequests.inc({ server, verb: event.method, response_code: event.statusCode === undefined ? 'error' : String(event.statusCode) });
    };
  }

  /** Wraps a git runner so every command is counted and timed (`ls-remote`, `fetch`, …). */
  gitRunner(inner: GitRunner): GitRunner {
    return async (invocation) => {
      const type = subcommand(invocation.args);
      const repo = invocation.args.find((a) => /^(https?|ssh|git|file):\/\//.test(a) || /^[^/]+@[^:]+:/.test(a)) ?? '';
      const labels = { repo, request_type: type };
      const end = this.gitDuration.startTimer(labels);
      try {
        return await inner(invocation);
      } finally {
        end();
        this.gitRequests.inc(labels);
      }
    };
  }

  /** Serves `/metrics` and `/healthz` (readiness) on its own port (Argo CD's controller uses 8082). */
  async serve(host: string, port: number): Promise<{ address: string; close(): Promise<void> }> {
    const server = http.createServer((req, res) => {
      if (req.url === '/healthz' || req.url?.startsWith('/healthz?') === true) {
        const { ready, detail } = this.readiness();
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' }).end(detail);
        return;
      }
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': this.registry.contentType }).end(text);
        },
        (err: unknown) => {
          res.writeHead(500).end(String(err));
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    const { port: bound } = server.address() as AddressInfo;
    return {
      address: `http://${host}:${bound}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
          server.closeAllConnections();
        }),
    };
  }
}
