// The application controller: Applications, AppProjects, argocd-cm and the repository/cluster Secrets are
// watched (informers, no polling of the API server); each app is reconciled through a de-duplicating work
// queue: render (only when the commit or the spec moved: the repo service caches), compare against the
// destination cluster's live cache, run or resume the app's operation through the engine's persisted state
// machine, decide automated sync, and write `status` only when it changed. A watch event on a managed
// object re-diffs only its app, without rendering. Everything the controller knows survives in the
// Application itself: a restarted controller resumes a running operation from `status.operationState`.
//
// This class wires the parts and holds the watches and the public surface; the work is elsewhere:
// settings.ts (argocd-cm and Secrets), reconcile.ts, operations.ts, deletion.ts, and app-writer.ts for
// every write to an Application.
import { hostname } from 'node:os';
import { messageOf } from '../errors.js';
import { KubeRest, type Informer, type KubeObject } from '../kube/index.js';
import type { LiveStateSource } from '../livestate/source.js';
import { DEFAULT_PROJECT_NAME, inClusterDefault, validateApplication, type Application, type Cluster } from '../model/index.js';
import { REFRESH_ANNOTATION } from '../model/names.js';
import { renderApp as renderSources, type RepoCredentials } from '../reposerver/index.js';
import { appKeyOf, appKeyOfInstance, instanceNameOf, keyOfMeta, type AppName } from './app-identity.js';
import { AppWriter } from './app-writer.js';
import { ClusterRegistry, type ClusterHandle } from './clusters.js';
import type { AppState, ControllerContext, ControllerOptions } from './context.js';
import { EventRecorder } from './events.js';
import { APPLICATIONS, APPPROJECTS, apiListWatch, namespaceInformer } from './informers.js';
import { WorkQueue, type RefreshLevel } from './queue.js';
import { reconcileApp } from './reconcile.js';
import { ControllerSettings } from './settings.js';
import { ShardManager } from './shards.js';

export type { ControllerLogger, ControllerOptions, LeaseEvent } from './context.js';

export class ApplicationController {
  private readonly rest: KubeRest;
  private readonly queue: WorkQueue;
  private readonly registry: ClusterRegistry;
  private readonly settings: ControllerSettings;
  private readonly appInformer: Informer;
  private readonly projectInformer: Informer;
  private readonly states = new Map<string, AppState>();
  private readonly context: ControllerContext;
  private stopped = false;
  private readonly runners = new Set<Promise<void>>();
  private readonly shards: ShardManager | undefined;
  /** The Lease client: renewals are coordination, not the app writes `writes()` counts. */
  private readonly leaseRest: KubeRest | undefined;
  /** API writes (anything but GET) to every cluster and to the Applications, for benchmarks and tests. */
  private writeCount = 0;
  private readonly countWrites = (event: { method: string }): void => {
    if (event.method !== 'GET') this.writeCount++;
  };
  /** Some project monitors orphaned resources: untracked objects' events matter. */
  private orphanWatch = false;

  constructor(private readonly options: ControllerOptions) {
    const now = options.now ?? Date.now;
    const ns = options.namespace;
    this.rest = options.rest ?? new KubeRest(options.kubeConfig);
    this.rest.onRequest(this.countWrites);
    const listWatch = options.listWatch ?? apiListWatch(this.rest, ns);
    const events = new EventRecorder(this.rest, now, (msg, err) => {
      options.log.warn({ err: messageOf(err) }, msg);
    });
    this.queue = new WorkQueue((key, level) => reconcileApp(this.context, key, level), {
      concurrency: options.concurrency ?? 10,
      onError: (key, err) => {
        options.log.error({ app: key, err: messageOf(err) }, 'reconcile failed; retrying');
        this.queue.add(key, 'normal', 5_000);
      },
    });
    this.settings = new ControllerSettings({
      namespace: ns,
      log: options.log,
      listWatch,
      ...(options.settingsReader === undefined ? {} : { reader: options.settingsReader }),
      engine: {
        ...(options.waveDelayMs === undefined ? {} : { waveDelayMs: options.waveDelayMs }),
        ...(options.operationTimeoutMs === undefined ? {} : { timeoutMs: options.operationTimeoutMs }),
      },
      onCacheSettingsChanged: () => {
        this.registry.reconfigure(this.settings.cacheSettings());
        this.queueAll();
      },
      onClusters: (clusters) => {
        const before = JSON.stringify(this.registry.list());
        this.registry.setClusters(clusters);
        if (JSON.stringify(this.registry.list()) !== before) this.queueAll();
      },
    });
    this.registry = new ClusterRegistry({
      kubeConfig: options.kubeConfig,
      inCluster: inClusterDefault(options.namespaced === true ? { onlyNamespace: ns } : {}),
      // A list or watch the cluster refuses (403: RBAC narrower than what kawa caches) is worth a warning.
      cacheLog: options.log,
      settings: this.settings.cacheSettings(),
      onEvent: (server, event) => {
        for (const app of [event.app, event.previousApp]) {
          if (app !== undefined) this.enqueueInstance(app);
        }
        // An untracked object may be an orphan some app's project warns about (rare: only then scan the apps).
        if (event.app === undefined && event.previousApp === undefined && this.orphanWatch) this.enqueueOrphanWatchers(server, event.obj.metadata?.namespace);
      },
      onRequest: (server: string) => {
        const observer = options.metrics?.k8sObserver(server);
        return (event) => {
          this.countWrites(event);
          observer?.(event);
        };
      },
      onConnectionChange: (server, status) => {
        options.log.info({ cluster: server, status }, 'cluster connection changed');
        for (const key of this.appKeysOnCluster(server)) this.queue.add(key, 'compare');
      },
    });
    if (options.sharding !== undefined) {
      const sharding = options.sharding;
      this.shards = new ShardManager({
        rest: (this.leaseRest = new KubeRest(options.kubeConfig)),
        namespace: ns,
        identity: sharding.identity ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
        replicas: Math.max(1, sharding.replicas),
        ...(sharding.shard === undefined ? {} : { preferredShard: sharding.shard }),
        ...(sharding.leaseDurationMs === undefined ? {} : { leaseDurationMs: sharding.leaseDurationMs }),
        onChange: (held) => {
          options.log.info({ shards: [...held] }, 'shards held changed');
          options.onLease?.({ kind: 'held', shards: [...held] });
          for (const key of this.appKeys()) this.queue.add(key, 'normal');
        },
        onWaiting: (lease, holder) => {
          // Another controller reconciles these Applications: this one only watches until the Lease is free.
          options.log.info({ lease, holder }, 'waiting for the lease: another controller holds it');
          options.onLease?.({ kind: 'waiting', lease, holder });
        },
        log: (msg) => {
          options.log.warn({}, msg);
        },
      });
    }
    options.metrics?.setClusterSource(() =>
      this.registry.all().map((h) => ({ server: h.server, objects: h.cache.stats().objects, connected: h.connection === 'Successful', version: h.serverVersion ?? '' })),
    );
    this.appInformer = namespaceInformer(listWatch, APPLICATIONS, (event) => {
      if (event.type === 'DELETED') {
        this.queue.forget(event.key);
        options.metrics?.removeApp(event.obj.metadata?.namespace ?? '', event.obj.metadata?.name ?? '');
        this.states.delete(event.key);
        return;
      }
      const level = event.type === 'ADDED' ? 'normal' : levelForAppChange(event.obj, event.old);
      if (level !== undefined) this.queue.add(event.key, level);
    });
    this.projectInformer = namespaceInformer(listWatch, APPPROJECTS, () => {
      this.orphanWatch = [...this.projectInformer.values()].some((p) => (p['spec'] as { orphanedResources?: unknown } | undefined)?.orphanedResources !== undefined);
      // A project change can allow or forbid anything: every app of it is checked again (cheap: no render).
      this.queueAll();
    });
    const writer = new AppWriter({ rest: this.rest, namespace: ns, now, rawApp: (key) => this.appInformer.get(key), latestApp: (key) => this.latestApp(key) });
    this.context = {
      options,
      namespace: ns,
      now,
      random: options.random ?? Math.random,
      queue: this.queue,
      registry: this.registry,
      events,
      writer,
      shards: this.shards,
      states: this.states,
      runners: this.runners,
      settings: () => this.settings.current,
      stopped: () => this.stopped,
      rawApp: (key) => this.appInformer.get(key),
      latestApp: (key) => this.latestApp(key),
      rawProject: (name) => this.projectInformer.get(`${ns}/${name}`),
    };
  }

  /** Starts watching; resolves once the first lists are done and every app is queued. */
  async start(): Promise<void> {
    this.settings.startWatching();
    this.projectInformer.start();
    await Promise.all([this.settings.listed, this.projectInformer.synced]);
    await this.settings.load();
    await this.shards?.start();
    this.appInformer.start();
    await this.appInformer.synced;
    this.options.log.info({ namespace: this.options.namespace, apps: [...this.appInformer.values()].length }, 'application controller started');
  }

  /**
   * Stops the controller: nothing new starts (a reconcile in flight neither launches an operation or a
   * deletion nor requests an automated sync any more), running operations and deletions stop at their next
   * step boundary (they stay Running in status: the next start resumes them), and only then are the Leases
   * released — so the next leader never works beside this one. A reconcile in flight is not waited for: it
   * only reads and writes status (and may sit in a slow git fetch). With `crash`, the Leases are left to
   * expire instead, as when the process dies (tests of the take-over).
   */
  async stop(options: { crash?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.queue.stop();
    if (options.crash === true) this.shards?.abandon();
    await Promise.allSettled([...this.runners]);
    if (options.crash !== true) await this.shards?.stop();
    await Promise.all([this.appInformer.stop(), this.projectInformer.stop(), this.settings.stopWatching()]);
    await this.registry.stop();
    this.settings.close();
    this.rest.close();
    this.leaseRest?.close();
  }

  /** What stop() still waits for: reconciles in flight, operations and deletions between two steps. */
  pendingWork(): string[] {
    const work = this.queue.activeKeys().map((key) => `reconcile ${key}`);
    for (const [key, st] of this.states) {
      if (st.running !== undefined) work.push(`operation ${key}`);
      if (st.deleting === true) work.push(`deletion ${key}`);
    }
    return work;
  }

  /** Whether this controller may reconcile now: it holds a shard Lease (always, without Leases). */
  holdsLease(): boolean {
    return this.shards === undefined || this.shards.shards().size > 0;
  }

  /** Waits until the queue is empty and nothing runs (tests and benchmarks). */
  async idle(): Promise<void> {
    for (;;) {
      await this.queue.idle();
      if (this.runners.size === 0) return;
      await Promise.allSettled([...this.runners]);
    }
  }

  /** Requests that changed something (not GET) since start: the steady state should add none. */
  writes(): number {
    return this.writeCount;
  }

  /** Ask for a refresh of one app (webhooks, the API's `?refresh=`). */
  refresh(namespace: string, name: string, level: RefreshLevel = 'normal'): void {
    this.queue.add(`${namespace}/${name}`, level);
  }

  /** The cluster handles (the API server reads live state and trees from them). */
  clusterFor(destination: { server?: string | undefined; name?: string | undefined }): ClusterHandle | undefined {
    const cluster = this.registry.find(destination);
    return cluster === undefined ? undefined : this.registry.get(cluster.server);
  }

  clusters(): Cluster[] {
    return this.registry.list();
  }

  /**
   * The live state the API server's resource-tree, managed-resources, manifests and logs routes read when
   * server and controller share a process: the controller's own caches and render cache, so both agree.
   */
  liveStateSource(): LiveStateSource {
    return {
      forApp: async (app) => {
        const handle = this.clusterFor(app.spec.destination);
        if (handle === undefined) return undefined;
        await handle.ready;
        return { cache: handle.cache, rest: handle.rest };
      },
      desired: async (app, revision) => {
        const known = this.states.get(appKeyOf(app, this.options.namespace))?.desired;
        if (revision === undefined && known !== undefined) {
          return { revisions: known.revisions ?? [known.revision], sourceTypes: [known.sourceType], objects: known.objects };
        }
        const multi = (app.spec.sources?.length ?? 0) > 0;
        const rendered = await renderSources(this.options.repo, app, { instance: this.instanceName(app), ...(revision === undefined || multi ? {} : { revisions: [revision] }) });
        return { revisions: rendered.revisions, sourceTypes: rendered.sourceTypes, objects: rendered.objects };
      },
      revisionMetadata: (repoURL, revision, project) => this.options.repo.revisionMetadata(repoURL, revision, project),
      instanceName: (app) => this.instanceName(app),
      compareOptions: (app) => ({
        tracking: { method: this.settings.current.resourceTrackingMethod, labelKey: this.settings.current.instanceLabelKey },
        ...(app.spec.destination.namespace === undefined ? {} : { destinationNamespace: app.spec.destination.namespace }),
        ...(app.spec.ignoreDifferences === undefined ? {} : { ignoreDifferences: app.spec.ignoreDifferences }),
      }),
      close: () => Promise.resolve(),
    };
  }

  /**
   * Git credentials an app of a project uses for a repository URL, and the Helm repositories it may use:
   * the one resolver (reposerver/credentials.ts) over the repository and repo-creds Secrets as watched.
   */
  get repoCredentials(): RepoCredentials {
    return this.settings.repoCredentials;
  }

  /** Argo CD's instance name: the app's name in the control namespace, `<namespace>_<name>` elsewhere. */
  instanceName(app: AppName): string {
    return instanceNameOf(app, this.options.namespace);
  }

  // ---- queueing ---------------------------------------------------------------------------------------

  private latestApp(key: string): Application | undefined {
    const raw = this.appInformer.get(key);
    if (raw === undefined) return undefined;
    const v = validateApplication(raw);
    return v.ok ? v.value : undefined;
  }

  private appKeys(): string[] {
    return [...this.appInformer.values()].map((o) => keyOfMeta(o)).filter((k): k is string => k !== undefined);
  }

  /** Every app compared again (no render): something all of them depend on changed. */
  private queueAll(): void {
    for (const key of this.appKeys()) this.queue.add(key, 'compare');
  }

  private enqueueInstance(instance: string): void {
    const key = appKeyOfInstance(instance, this.options.namespace);
    if (this.appInformer.get(key) !== undefined) this.queue.add(key, 'compare');
  }

  private enqueueOrphanWatchers(server: string, namespace: string | undefined): void {
    if (namespace === undefined || namespace === '') return;
    // Raw fields only: this runs for every untracked object's event, no schema parse per app here.
    for (const raw of this.appInformer.values()) {
      const spec = raw['spec'] as { destination?: { namespace?: string; server?: string; name?: string }; project?: string } | undefined;
      if (spec?.destination?.namespace !== namespace) continue;
      const project = this.projectInformer.get(`${this.options.namespace}/${spec.project === undefined || spec.project === '' ? DEFAULT_PROJECT_NAME : spec.project}`);
      if ((project?.['spec'] as { orphanedResources?: unknown } | undefined)?.orphanedResources === undefined) continue;
      const key = keyOfMeta(raw);
      if (key !== undefined && this.registry.find(spec.destination)?.server === server) this.queue.add(key, 'compare');
    }
  }

  private appKeysOnCluster(server: string): string[] {
    return this.appKeys().filter((key) => {
      const raw = this.appInformer.get(key) as Partial<Application> | undefined;
      const dest = raw?.spec?.destination;
      return dest !== undefined && this.registry.find(dest)?.server === server;
    });
  }
}

/**
 * What a change of the Application itself asks for: the spec or the refresh annotation → render; a new
 * operation, finalizers, deletion or a termination request → re-check; a status-only change (most of them
 * are our own writes) → nothing.
 */
function levelForAppChange(obj: KubeObject, old: KubeObject | undefined): RefreshLevel | undefined {
  const refresh = obj.metadata?.annotations?.[REFRESH_ANNOTATION];
  if (refresh === 'hard') return 'hard';
  if (refresh !== undefined) return 'normal';
  if (old === undefined || JSON.stringify(obj['spec']) !== JSON.stringify(old['spec'])) return 'normal';
  const phase = (o: KubeObject): unknown => (o['status'] as { operationState?: { phase?: unknown } } | undefined)?.operationState?.phase;
  const changed =
    JSON.stringify(obj['operation']) !== JSON.stringify(old['operation']) ||
    JSON.stringify(obj.metadata?.annotations ?? {}) !== JSON.stringify(old.metadata?.annotations ?? {}) ||
    JSON.stringify(obj.metadata?.['finalizers'] ?? []) !== JSON.stringify(old.metadata?.['finalizers'] ?? []) ||
    obj.metadata?.deletionTimestamp !== old.metadata?.deletionTimestamp ||
    (phase(obj) === 'Terminating' && phase(old) !== 'Terminating') ||
    JSON.stringify(obj.metadata?.labels ?? {}) !== JSON.stringify(old.metadata?.labels ?? {});
  return changed ? 'compare' : undefined;
}
