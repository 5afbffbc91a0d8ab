// The destination clusters: the one kawa runs against (`https://kubernetes.default.svc`) and those of
// `cluster` Secrets. Each gets, on first use, a REST client, a live-state cache and an engine; a periodic
// `/version` probe tracks whether it is reachable, so apps of a cluster that went away turn Unknown (and
// are never pruned from a stale or empty view).
import { KubeConfig } from '@kubernetes/client-node';
import { createEngine, type Engine, type OperationSettings } from '../engine/index.js';
import { messageOf } from '../errors.js';
import { ClusterCache, KubeRest, type CacheEvent, type KubeLogger, type RequestEvent, type ResourceFilter, type TrackingOptions } from '../kube/index.js';
import { IN_CLUSTER_NAME, IN_CLUSTER_SERVER, inClusterDefault, type Cluster } from '../model/index.js';

export type ConnectionStatus = 'Successful' | 'Failed' | 'Unknown';

export interface ClusterHandle {
  readonly server: string;
  readonly name: string;
  readonly rest: KubeRest;
  readonly cache: ClusterCache;
  readonly engine: Engine;
  connection: ConnectionStatus;
  error?: string;
  /** `v1.37.2`, from the last successful probe. */
  serverVersion?: string;
  /** Resolves once the cache has listed everything (or the cluster failed). */
  ready: Promise<void>;
  /**
   * The engine for operations that act as `user` (sync impersonation): the same live cache, so diff,
   * health and waits read with the controller's own client, but every request the operation sends
   * (applies, dry runs, hooks, prunes, deletions and their reads) carries `Impersonate-User`. One per
   * user, kept until the cluster's handle is dropped.
   */
  engineAs(user: string): Engine;
}

export interface ClusterSettings {
  tracking: TrackingOptions;
  resourceFilter?: ResourceFilter;
  engine: OperationSettings;
}

export interface ClusterRegistryOptions {
  /** The cluster kawa runs against. */
  kubeConfig: KubeConfig;
  settings: ClusterSettings;
  /** A cache change of some cluster (the controller re-diffs the app it touches). */
  onEvent: (server: string, event: CacheEvent) => void;
  /** A cluster became reachable or unreachable. */
  onConnectionChange: (server: string, status: ConnectionStatus) => void;
  /** An observer of every request to a cluster (metrics). */
  onRequest?: (server: string) => ((event: RequestEvent) => void) | undefined;
  /**
   * The cluster kawa runs in when no cluster Secret declares `https://kubernetes.default.svc` (default:
   * Argo CD's, every namespace; a namespace install passes one limited to its own namespace).
   */
  inCluster?: Cluster;
  /** Where the caches' list and watch failures are logged (default: nowhere). */
  cacheLog?: KubeLogger;
  /** Probe period (default 10 s). */
  probeMs?: number;
  log?: (msg: string) => void;
}

/** A KubeConfig for a `cluster` Secret, as Argo CD connects: bearer token, basic auth, client certs, exec. */
export function kubeConfigForCluster(cluster: Cluster): KubeConfig {
  const tls = cluster.config.tlsClientConfig;
  const exec = cluster.config.execProviderConfig;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: cluster.server,
        ...(tls?.caData === undefined ? {} : { caData: tls.caData }),
        ...(tls?.insecure === true ? { skipTLSVerify: true } : {}),
        ...(tls?.serverName === undefined ? {} : { tlsServerName: tls.serverName }),
      },
    ],
    users: [
      {
        name: 'u',
        ...(cluster.config.bearerToken === undefined ? {} : { token: cluster.config.bearerToken }),
        ...(cluster.config.username === undefined ? {} : { username: cluster.config.username }),
        ...(cluster.config.password === undefined ? {} : { password: cluster.config.password }),
        ...(tls?.certData === undefined ? {} : { certData: tls.certData }),
        ...(tls?.keyData === undefined ? {} : { keyData: tls.keyData }),
        ...(exec === undefined
          ? {}
          : {
              exec: {
                command: exec.command,
                args: exec.args ?? [],
                env: Object.entries(exec.env ?? {}).map(([name, value]) => ({ name, value })),
                apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1beta1',
              },
            }),
      },
    ],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

/** What of a cluster kawa manages, as a comparable string. */
function scopeKey(cluster: Pick<Cluster, 'namespaces' | 'clusterResources'>): string {
  return JSON.stringify([[...cluster.namespaces].sort(), cluster.namespaces.length === 0 || cluster.clusterResources]);
}

export class ClusterRegistry {
  private clusters: Cluster[] = [];
  private readonly handles = new Map<string, ClusterHandle>();
  private readonly unsubscribes = new Map<string, () => void>();
  /** Per cluster: the impersonating clients and engines handed out by `engineAs`. */
  private readonly impersonated = new Map<string, Map<string, { rest: KubeRest; engine: Engine }>>();
  private probeTimer: NodeJS.Timeout | undefined;
  private settings: ClusterSettings;
  private stopped = false;

  constructor(private readonly options: ClusterRegistryOptions) {
    this.settings = options.settings;
    this.probeTimer = setInterval(() => {
      void this.probeAll();
    }, options.probeMs ?? 10_000);
    this.probeTimer.unref();
  }

  /** Every cluster apps may name: the in-cluster one first, then the Secrets' (a Secret may rename in-cluster). */
  list(): Cluster[] {
    return [this.inCluster(), ...this.clusters.filter((c) => c.server !== IN_CLUSTER_SERVER)];
  }

  /** The in-cluster destination: a Secret's for its server, else the default. */
  private inCluster(): Cluster {
    return this.clusters.find((c) => c.server === IN_CLUSTER_SERVER) ?? this.options.inCluster ?? inClusterDefault();
  }

  /** The cluster a destination names (by server URL, else by name). */
  find(destination: { server?: string | undefined; name?: string | undefined }): Cluster | undefined {
    const all = this.list();
    if (destination.server !== undefined && destination.server !== '') return all.find((c) => c.server === destination.server);
    if (destination.name !== undefined && destination.name !== '') return all.find((c) => c.name === destination.name);
    return undefined;
  }

  /** Replaces the Secret-defined clusters; handles of changed or removed ones are stopped. */
  setClusters(clusters: Cluster[]): void {
    const before = new Map(this.clusters.map((c) => [c.server, JSON.stringify(c)]));
    const inClusterScopeBefore = scopeKey(this.inCluster());
    this.clusters = clusters;
    const after = new Map(clusters.map((c) => [c.server, JSON.stringify(c)]));
    for (const server of this.handles.keys()) {
      // The in-cluster handle uses kawa's own credentials whatever a Secret says; only its namespaces matter.
      if (server === IN_CLUSTER_SERVER ? scopeKey(this.inCluster()) !== inClusterScopeBefore : before.get(server) !== after.get(server)) void this.drop(server);
    }
  }

  /** New settings (tracking method, exclusions, engine options): every cache is rebuilt on next use. */
  reconfigure(settings: ClusterSettings): void {
    this.settings = settings;
    for (const server of [...this.handles.keys()]) void this.drop(server);
  }

  all(): ClusterHandle[] {
    return [...this.handles.values()];
  }

  /** The handle of a cluster, created and started on first use. */
  get(server: string): ClusterHandle | undefined {
    const existing = this.handles.get(server);
    if (existing !== undefined) return existing;
    if (this.stopped) return undefined;
    const cluster = server === IN_CLUSTER_SERVER ? undefined : this.clusters.find((c) => c.server === server);
    if (server !== IN_CLUSTER_SERVER && cluster === undefined) return undefined;
    const kubeConfig = cluster === undefined ? this.options.kubeConfig : kubeConfigForCluster(cluster);
    const rest = new KubeRest(kubeConfig);
    const observer = this.options.onRequest?.(server);
    if (observer !== undefined) rest.onRequest(observer);
    const scope = cluster ?? this.inCluster();
    const cache = new ClusterCache({
      kubeConfig,
      rest,
      clusterUrl: server,
      // Argo CD's cluster `namespaces`/`clusterResources`: list+watch only what kawa may manage there.
      namespaces: scope.namespaces,
      clusterResources: scope.clusterResources,
      ...(this.options.cacheLog === undefined ? {} : { log: this.options.cacheLog }),
      tracking: this.settings.tracking,
      ...(this.settings.resourceFilter === undefined ? {} : { resourceFilter: this.settings.resourceFilter }),
    });
    const settings = this.settings;
    const engine = createEngine({ rest, cache, ...settings.engine, tracking: settings.tracking });
    const impersonated = new Map<string, { rest: KubeRest; engine: Engine }>();
    this.impersonated.set(server, impersonated);
    const handle: ClusterHandle = {
      server,
      name: cluster?.name ?? IN_CLUSTER_NAME,
      rest,
      cache,
      engine,
      connection: 'Unknown',
      ready: Promise.resolve(),
      engineAs: (user) => {
        const known = impersonated.get(user);
        if (known !== undefined) return known.engine;
        const asUser = rest.impersonating(user);
        if (observer !== undefined) asUser.onRequest(observer);
        const created = { rest: asUser, engine: createEngine({ rest: asUser, cache, ...settings.engine, tracking: settings.tracking }) };
        impersonated.set(user, created);
        return created.engine;
      },
    };
    this.unsubscribes.set(
      server,
      cache.onChange((event) => {
        this.options.onEvent(server, event);
      }),
    );
    handle.ready = cache
      .start()
      .then(() => cache.synced())
      .then(
        () => this.probe(handle),
        (err: unknown) => {
          this.setConnection(handle, 'Failed', messageOf(err));
        },
      );
    this.handles.set(server, handle);
    return handle;
  }

  private setConnection(handle: ClusterHandle, status: ConnectionStatus, error?: string): void {
    const changed = handle.connection !== status;
    handle.connection = status;
    if (error === undefined) delete handle.error;
    else handle.error = error;
    if (changed) this.options.onConnectionChange(handle.server, status);
  }

  private async probeAll(): Promise<void> {
    await Promise.all([...this.handles.values()].map((h) => this.probe(h)));
  }

  /** One `/version` call: the cheapest proof that the API server answers. */
  async probe(handle: ClusterHandle): Promise<void> {
    try {
      const version = (await handle.rest.getJson('/version', { timeoutMs: 5_000 })) as { gitVersion?: unknown } | undefined;
      if (typeof version?.gitVersion === 'string') handle.serverVersion = version.gitVersion;
      if (handle.connection === 'Failed') {
        // The first discovery may have failed: start the cache again now that the server answers.
        await handle.cache.start();
      }
      this.setConnection(handle, 'Successful');
    } catch (err) {
      this.setConnection(handle, 'Failed', messageOf(err));
    }
  }

  private async drop(server: string): Promise<void> {
    const handle = this.handles.get(server);
    this.handles.delete(server);
    this.unsubscribes.get(server)?.();
    this.unsubscribes.delete(server);
    const impersonated = this.impersonated.get(server);
    this.impersonated.delete(server);
    if (handle !== undefined) {
      await handle.cache.stop();
      handle.rest.close();
      for (const { rest } of impersonated?.values() ?? []) rest.close();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.probeTimer);
    await Promise.all([...this.handles.keys()].map((s) => this.drop(s)));
  }
}
