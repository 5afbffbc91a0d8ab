// The application controller: Applications, AppProjects, argocd-cm and the repository/cluster Secrets are
// watched (informers, no polling of the API server); each app is reconciled through a de-duplicating work
// queue: render (only when the commit or the spec moved: the repo service caches), compare against the
// destination cluster's live cache, run or resume the app's operation through the engine's persisted state
// machine, decide automated sync, and write `status` only when it changed. A watch event on a managed
// object re-diffs only its app, without rendering. Everything the controller knows survives in the
// Application itself: a restarted controller resumes a running operation from `status.operationState`.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { deletionPropagation, findOrphanedResources, isTerminal, isoTime, type AppComparison, type DeletionApp, type DeletionPropagation, type DeletionRecord, type Engine, type OperationRecord, type SyncApp } from '../engine/index.js';
import type { HealthCheck } from '../engine/health/index.js';
import { LuaHealthRuntime, luaHealthCheck, parseHealthCustomizations } from '../engine/health/lua/index.js';
import { messageOf } from '../errors.js';
import type { GitCredentials } from '../git/credentials.js';
import { resolveRepoCredentials, servesProject } from '../git/repo-credentials.js';
import {
  Informer,
  KubeRest,
  ResourceFilter,
  kubeListWatch,
  statusCodeOf,
  type ApiResource,
  type KubeObject,
  type TrackingOptions,
} from '../kube/index.js';
import {
  ARGOCD_CM_NAME,
  CONDITION_TYPES,
  DEFAULT_PROJECT_NAME,
  canRetry,
  defaultSettings,
  isResourcePermitted,
  parseAppProject,
  parseArgoCdConfigMap,
  parseClusterSecret,
  parseRepoCredsSecret,
  parseRepositorySecret,
  resolveBackoff,
  retryDelayMs,
  revisionHistoryLimitOf,
  secretTypeOf,
  sourcesOf,
  validateApplication,
  type AppProject,
  type Application,
  type ApplicationSource,
  type ArgoCdSettings,
  type Cluster,
  type Operation,
  type RepoCreds,
  type Repository,
} from '../model/index.js';
import { CASCADE_FINALIZERS, REFRESH_ANNOTATION, SKIP_RECONCILE_ANNOTATION } from '../model/names.js';
import { desiredObjectViolations } from '../model/project-resources.js';
import { renderApp as renderSources, type RepoService } from '../reposerver/index.js';
import type { LiveStateSource } from '../livestate/source.js';
import { projectViolations } from '../model/project-permissions.js';
import { decideAutoSync } from './autosync.js';
import { ClusterRegistry, type ClusterHandle } from './clusters.js';
import { EventRecorder } from './events.js';
import { impersonationEnabled, serviceAccountFor } from './impersonation.js';
import type { ControllerMetrics } from './metrics.js';
import { ShardManager, shardOf } from './shards.js';
import { SYNC_BLOCKED_MESSAGE, syncAllowed, type SyncDecision } from './windows.js';
import { WorkQueue, strongerLevel, type RefreshLevel } from './queue.js';
import { appendHistory, buildStatus, statusChanged } from './status.js';


export interface ControllerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  /** Where Applications, AppProjects and the configuration live (default `argocd`). */
  namespace: string;
  repo: RepoService;
  log: ControllerLogger;
  /** Reconciles in flight at once (default 10). */
  concurrency?: number;
  /** Overrides argocd-cm `timeout.reconciliation` (tests, benchmarks). */
  reconciliationMs?: number;
  reconciliationJitterMs?: number;
  /** A sync running longer is terminated (default 0: never, as Argo CD). */
  operationTimeoutMs?: number;
  /** Pause between sync waves (default 2 s, as Argo CD). */
  waveDelayMs?: number;
  /** Base of the self-heal backoff (default 5 s). */
  selfHealBackoffMs?: number;
  now?: () => number;
  random?: () => number;
  metrics?: ControllerMetrics;
  /** Scale-out: split clusters into `replicas` shards owned through Leases (with one replica: leader election). */
  sharding?: { replicas: number; shard?: number; identity?: string; leaseDurationMs?: number };
  /** Called after each reconcile (benchmarks). */
  onReconciled?: (app: string, durationMs: number, status: { sync?: string; health?: string }) => void;
  /** Called when an operation finishes. */
  onOperationFinished?: (app: string, phase: string) => void;
  /** Called when this replica starts waiting for a Lease another holds, and when the shards it holds change. */
  onLease?: (event: LeaseEvent) => void;
}

export type LeaseEvent = { kind: 'waiting'; lease: string; holder: string } | { kind: 'held'; shards: number[] };

/** What the controller remembers of an app between reconciles; all of it can be rebuilt from the cluster. */
interface AppState {
  desired?: {
    sourceKey: string;
    revision: string;
    revisions?: string[];
    sourceType: string;
    objects: KubeObject[];
  };
  renderError?: string;
  running?: { terminate: boolean };
  /** A deletion runner is in flight. */
  deleting?: boolean;
  selfHeal: { attempts: number; lastAt: number; revision: string };
  nextRefreshScheduled: boolean;
  lastHealth?: string;
  /** Operation ids this process finished (newest last), so a stale watch copy showing them Running is not resumed. */
  finishedOperations: string[];
}

const APPLICATIONS: ApiResource = { group: 'argoproj.io', version: 'v1alpha1', kind: 'Application', resource: 'applications', namespaced: true, verbs: ['list', 'watch'] };
const APPPROJECTS: ApiResource = { group: 'argoproj.io', version: 'v1alpha1', kind: 'AppProject', resource: 'appprojects', namespaced: true, verbs: ['list', 'watch'] };
const CONFIGMAPS: ApiResource = { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true, verbs: ['list', 'watch'] };
const SECRETS: ApiResource = { group: '', version: 'v1', kind: 'Secret', resource: 'secrets', namespaced: true, verbs: ['list', 'watch'] };

const keyOfMeta = (obj: KubeObject): string | undefined =>
  obj.metadata?.name === undefined ? undefined : `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** Stable JSON (sorted keys): the API server re-encodes custom objects with sorted keys, our copies are not. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether the requested operation is the one a record ran (records keep the request verbatim, as Argo CD). */
function sameOperation(a: Operation | undefined, b: Operation | undefined): boolean {
  return a !== undefined && b !== undefined && stableJson(a) === stableJson(b);
}

export class ApplicationController {
  private readonly rest: KubeRest;
  private readonly queue: WorkQueue;
  private readonly registry: ClusterRegistry;
  private readonly events: EventRecorder;
  private readonly appInformer: Informer;
  private readonly projectInformer: Informer;
  private readonly configInformer: Informer;
  private readonly secretInformer: Informer;
  private readonly states = new Map<string, AppState>();
  private settings: ArgoCdSettings = defaultSettings();
  private settingsKey = '';
  /** Runs argocd-cm's `resource.customizations.health.*` Lua scripts (created by start()). */
  private luaRuntime: LuaHealthRuntime | undefined;
  private readonly now: () => number;
  private readonly random: () => number;
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
  private repositories: Repository[] = [];
  /** Some project monitors orphaned resources: untracked objects' events matter. */
  private orphanWatch = false;
  private repoCreds: RepoCreds[] = [];

  constructor(private readonly options: ControllerOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.rest = new KubeRest(options.kubeConfig);
    this.rest.onRequest(this.countWrites);
    this.events = new EventRecorder(this.rest, this.now, (msg, err) => {
      options.log.warn({ err: messageOf(err) }, msg);
    });
    this.queue = new WorkQueue((key, level) => this.reconcile(key, level), {
      concurrency: options.concurrency ?? 10,
      onError: (key, err) => {
        options.log.error({ app: key, err: messageOf(err) }, 'reconcile failed; retrying');
        this.queue.add(key, 'normal', 5_000);
      },
    });
    this.registry = new ClusterRegistry({
      kubeConfig: options.kubeConfig,
      settings: this.clusterSettings(),
      onEvent: (server, event) => {
        for (const app of [event.app, event.previousApp]) {
          if (app !== undefined) this.enqueueInstance(server, app);
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
        namespace: options.namespace,
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
    const ns = options.namespace;
    const informer = (resource: ApiResource, onEvent: () => void, keep?: (obj: KubeObject) => boolean): Informer =>
      new Informer({
        name: `${resource.group}/${resource.kind}`,
        listWatch: kubeListWatch(this.rest, resource, { namespace: ns }),
        keyOf: (obj) => (keep === undefined || keep(obj) ? keyOfMeta(obj) : undefined),
        onEvent,
      });
    this.appInformer = new Informer({
      name: 'argoproj.io/Application',
      listWatch: kubeListWatch(this.rest, APPLICATIONS, { namespace: ns }),
      keyOf: keyOfMeta,
      onEvent: (event) => {
        if (event.type === 'DELETED') {
          this.queue.forget(event.key);
          options.metrics?.removeApp(event.obj.metadata?.namespace ?? '', event.obj.metadata?.name ?? '');
          this.states.delete(event.key);
          return;
        }
        const level = event.type === 'ADDED' ? 'normal' : this.levelForAppChange(event.obj, event.old);
        if (level !== undefined) this.queue.add(event.key, level);
      },
    });
    this.projectInformer = informer(APPPROJECTS, () => {
      this.orphanWatch = [...this.projectInformer.values()].some((p) => (p['spec'] as { orphanedResources?: unknown } | undefined)?.orphanedResources !== undefined);
      // A project change can allow or forbid anything: every app of it is checked again (cheap: no render).
      for (const key of this.appKeys()) this.queue.add(key, 'compare');
    });
    this.configInformer = informer(
      CONFIGMAPS,
      () => {
        this.reloadSettings();
      },
      (obj) => obj.metadata?.name === ARGOCD_CM_NAME,
    );
    this.secretInformer = informer(
      SECRETS,
      () => {
        this.reloadSecrets();
      },
      (obj) => secretTypeOf(obj) !== undefined,
    );
  }

  /** Starts watching; resolves once the first lists are done and every app is queued. */
  async start(): Promise<void> {
    this.configInformer.start();
    this.secretInformer.start();
    this.projectInformer.start();
    await Promise.all([this.configInformer.synced, this.secretInformer.synced, this.projectInformer.synced]);
    this.luaRuntime ??= await LuaHealthRuntime.create();
    this.reloadSettings();
    this.reloadSecrets();
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
    await Promise.all([this.appInformer.stop(), this.projectInformer.stop(), this.configInformer.stop(), this.secretInformer.stop()]);
    await this.registry.stop();
    this.luaRuntime?.close();
    this.luaRuntime = undefined;
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
        const key = `${app.metadata.namespace ?? this.options.namespace}/${app.metadata.name}`;
        const known = this.states.get(key)?.desired;
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
        tracking: { method: this.settings.resourceTrackingMethod, labelKey: this.settings.instanceLabelKey },
        ...(app.spec.destination.namespace === undefined ? {} : { destinationNamespace: app.spec.destination.namespace }),
        ...(app.spec.ignoreDifferences === undefined ? {} : { ignoreDifferences: app.spec.ignoreDifferences }),
      }),
      close: () => Promise.resolve(),
    };
  }

  // ---- configuration ----------------------------------------------------------------------------------

  private clusterSettings(): { tracking: TrackingOptions; resourceFilter: ResourceFilter; engine: { waveDelayMs?: number; timeoutMs?: number; customHealth?: HealthCheck } } {
    const s = this.settings;
    const customizations = parseHealthCustomizations(s.raw);
    for (const problem of customizations.problems) this.options.log.warn({ problem }, 'argocd-cm: health customization ignored');
    const customHealth = this.luaRuntime === undefined || customizations.scripts.length === 0 ? undefined : luaHealthCheck(customizations, this.luaRuntime);
    return {
      tracking: { method: s.resourceTrackingMethod, labelKey: s.instanceLabelKey },
      resourceFilter: new ResourceFilter({
        ...(s.raw['resource.exclusions'] === undefined ? {} : { exclusions: s.resourceExclusions }),
        inclusions: s.resourceInclusions,
      }),
      engine: {
        ...(this.options.waveDelayMs === undefined ? {} : { waveDelayMs: this.options.waveDelayMs }),
        ...(this.options.operationTimeoutMs === undefined ? {} : { timeoutMs: this.options.operationTimeoutMs }),
        ...(customHealth === undefined ? {} : { customHealth }),
      },
    };
  }

  private reloadSettings(): void {
    const cm = this.configInformer.get(`${this.options.namespace}/${ARGOCD_CM_NAME}`) as { data?: Record<string, string> } | undefined;
    const { settings, errors } = parseArgoCdConfigMap(cm);
    for (const e of errors) this.options.log.warn({ problem: e }, 'argocd-cm: key ignored');
    const impersonation = impersonationEnabled(settings.raw);
    if (impersonation.problem !== undefined) this.options.log.warn({ problem: impersonation.problem }, 'argocd-cm: key ignored');
    this.settings = settings;
    const key = JSON.stringify([settings.resourceTrackingMethod, settings.instanceLabelKey, settings.resourceExclusions, settings.resourceInclusions, settings.raw['resource.exclusions'] ?? null, Object.entries(settings.resourceCustomizations).sort(), this.luaRuntime !== undefined]);
    if (key !== this.settingsKey) {
      this.options.log.info({}, 'argocd-cm changed what is watched or how objects are tracked: rebuilding the live caches');
      this.registry.reconfigure(this.clusterSettings());
      for (const k of this.appKeys()) this.queue.add(k, 'compare');
    }
    this.settingsKey = key;
  }

  private reloadSecrets(): void {
    const clusters: Cluster[] = [];
    const repositories: Repository[] = [];
    const templates: RepoCreds[] = [];
    for (const secret of this.secretInformer.values()) {
      try {
        switch (secretTypeOf(secret)) {
          case 'cluster':
            clusters.push(parseClusterSecret(secret));
            break;
          case 'repository':
            repositories.push(parseRepositorySecret(secret));
            break;
          case 'repo-creds':
            templates.push(parseRepoCredsSecret(secret));
            break;
          case undefined:
            break;
        }
      } catch (err) {
        this.options.log.warn({ secret: secret.metadata?.name, err: messageOf(err) }, 'secret ignored');
      }
    }
    this.repositories = repositories;
    this.repoCreds = templates;
    const before = JSON.stringify(this.registry.list());
    this.registry.setClusters(clusters);
    if (JSON.stringify(this.registry.list()) !== before) for (const k of this.appKeys()) this.queue.add(k, 'compare');
  }

  /**
   * Helm repositories declared as repository Secrets of type `helm` that an app of `project` may use
   * (chart dependencies refer to them by name), each with the credentials that project gets for it.
   */
  helmRepositories(project?: string): { name?: string; url: string; creds?: GitCredentials }[] {
    return this.repositories
      .filter((r) => r.type === 'helm' && servesProject(r.project, project))
      .map((r) => {
        const creds = this.credentialsFor(r.url, project);
        return { ...(r.name === undefined ? {} : { name: r.name }), url: r.url, ...(creds === undefined ? {} : { creds }) };
      });
  }

  /**
   * Git credentials an app of `project` uses for a repository URL: the shared resolver's answer (its
   * project's repository Secret, else a global one, else the best visible repo-creds template).
   */
  credentialsFor(repoURL: string, project?: string): GitCredentials | undefined {
    return resolveRepoCredentials(repoURL, project, { repositories: this.repositories, templates: this.repoCreds });
  }

  // ---- queueing ---------------------------------------------------------------------------------------

  private appKeys(): string[] {
    return [...this.appInformer.values()].map((o) => keyOfMeta(o)).filter((k): k is string => k !== undefined);
  }

  /** Argo CD's instance name: the app's name in the control namespace, `<namespace>_<name>` elsewhere. */
  instanceName(app: { metadata: { name: string; namespace?: string | undefined } }): string {
    const ns = app.metadata.namespace ?? this.options.namespace;
    return ns === this.options.namespace ? app.metadata.name : `${ns}_${app.metadata.name}`;
  }

  private keyOfInstance(instance: string): string {
    const sep = instance.indexOf('_');
    return sep < 0 ? `${this.options.namespace}/${instance}` : `${instance.slice(0, sep)}/${instance.slice(sep + 1)}`;
  }

  private enqueueInstance(_server: string, instance: string): void {
    const key = this.keyOfInstance(instance);
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

  /** What a change of the Application itself asks for: the spec or the refresh annotation → render; else re-diff. */
  /**
   * What a change of the Application itself asks for: the spec or the refresh annotation → render; a new
   * operation, finalizers, deletion or a termination request → re-check; a status-only change (most of them
   * are our own writes) → nothing.
   */
  private levelForAppChange(obj: KubeObject, old: KubeObject | undefined): RefreshLevel | undefined {
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

  private state(key: string): AppState {
    let st = this.states.get(key);
    if (st === undefined) {
      st = { selfHeal: { attempts: 0, lastAt: 0, revision: '' }, nextRefreshScheduled: false, finishedOperations: [] };
      this.states.set(key, st);
    }
    return st;
  }

  private scheduleRefresh(key: string, st: AppState): void {
    if (st.nextRefreshScheduled || this.stopped) return;
    const period = this.options.reconciliationMs ?? this.settings.reconciliationTimeoutMs;
    if (period <= 0) return;
    const jitter = this.options.reconciliationJitterMs ?? this.settings.reconciliationJitterMs;
    st.nextRefreshScheduled = true;
    this.queue.add(key, 'normal', period + Math.floor(this.random() * jitter), this.now());
  }

  // ---- reconcile --------------------------------------------------------------------------------------

  private async reconcile(key: string, requested: RefreshLevel): Promise<void> {
    const raw = this.appInformer.get(key);
    if (raw === undefined || this.stopped) return;
    const started = this.now();
    const st = this.state(key);
    let level = requested;
    if (level !== 'compare') st.nextRefreshScheduled = false;
    const refreshAnnotation = raw.metadata?.annotations?.[REFRESH_ANNOTATION];
    if (refreshAnnotation !== undefined) level = strongerLevel(level, refreshAnnotation === 'hard' ? 'hard' : 'normal');
    if (raw.metadata?.annotations?.[SKIP_RECONCILE_ANNOTATION] === 'true') return;

    const validation = validateApplication(raw);
    if (!validation.ok) {
      // Without a cluster to shard by, the owner of shard 0 speaks for invalid apps.
      if (this.shards !== undefined && !this.shards.owns(0)) return;
      await this.writeInvalid(raw, validation.errors.join('; '));
      this.scheduleRefresh(key, st);
      return;
    }
    const app = validation.value;
    if (!this.isMine(app)) return;

    if (raw.metadata?.deletionTimestamp !== undefined) {
      await this.reconcileDeletion(key, app, raw);
      return;
    }

    const conditions: { type: string; message: string }[] = [];
    const problems = this.specProblems(app);
    const cluster = this.registry.find(app.spec.destination);
    if (problems.length > 0 || cluster === undefined) {
      for (const p of problems) conditions.push({ type: CONDITION_TYPES.InvalidSpecError, message: p });
      await this.writeStatus(app, buildStatus({ app, conditions, now: isoTime(this.now()), controllerNamespace: this.options.namespace }));
      await this.clearRefreshAnnotation(app, refreshAnnotation);
      this.scheduleRefresh(key, st);
      return;
    }
    const handle = this.registry.get(cluster.server);
    if (handle === undefined) return;
    await handle.ready;
    if (handle.connection === 'Failed') {
      // Never compare (or prune) against a view of a cluster we cannot reach.
      conditions.push({ type: CONDITION_TYPES.ComparisonError, message: `cluster ${cluster.server} is unreachable: ${handle.error ?? 'no answer'}` });
      await this.writeStatus(app, buildStatus({ app, conditions, healthOverride: { status: 'Unknown', message: 'cluster unreachable' }, now: isoTime(this.now()), controllerNamespace: this.options.namespace }));
      this.scheduleRefresh(key, st);
      return;
    }

    // Desired state: rendered again only when asked (refresh, spec change); the repo service caches by commit.
    const sourceKey = hashOf([app.spec.source ?? null, app.spec.sources ?? null, app.spec.destination.namespace ?? '', this.instanceName(app), handle.serverVersion ?? '']);
    if (level !== 'compare' || st.desired === undefined || st.desired.sourceKey !== sourceKey) {
      // Someone asked for this refresh (UI, CLI, webhook): what the repository has now, not the refs seen
      // a moment ago for the whole refresh pass.
      if (refreshAnnotation !== undefined) for (const source of sourcesOf(app.spec)) this.options.repo.invalidate(source.repoURL);
      try {
        const rendered = await this.renderApp(app, sourcesOf(app.spec), undefined, handle, level === 'hard');
        st.desired = { sourceKey, ...rendered };
        delete st.renderError;
      } catch (err) {
        st.renderError = messageOf(err);
        this.options.log.warn({ app: key, err: st.renderError }, 'comparison failed: rendering the desired state failed');
      }
    }
    if (st.renderError !== undefined) {
      // The last good render stays the reference (if any); nothing is synced or pruned from a failed render.
      conditions.push({ type: CONDITION_TYPES.ComparisonError, message: `rendering failed: ${st.renderError}` });
    }

    let comparison: AppComparison | undefined;
    if (st.desired !== undefined) {
      comparison = handle.engine.compare({
        name: this.instanceName(app),
        desired: st.desired.objects,
        ...(app.spec.destination.namespace === undefined ? {} : { destinationNamespace: app.spec.destination.namespace }),
        ...(app.spec.ignoreDifferences === undefined ? {} : { ignoreDifferences: app.spec.ignoreDifferences }),
      });
      for (const message of this.resourceProblems(app, st.desired.objects, handle)) conditions.push({ type: CONDITION_TYPES.InvalidSpecError, message });
      const orphans = this.orphanedWarning(app, handle);
      if (orphans !== undefined) conditions.push(orphans);
    }

    // Operations: run a requested one, resume one a previous process left Running.
    await this.handleOperation(key, app, handle, st);

    // Automated sync: never from a failed render, never while something runs or is invalid.
    const invalid = conditions.some((c) => c.type === CONDITION_TYPES.InvalidSpecError);
    if (comparison !== undefined && st.desired !== undefined && st.renderError === undefined && st.running === undefined && !invalid) {
      if (comparison.sync === 'Synced' && st.selfHeal.attempts > 0) st.selfHeal = { attempts: 0, lastAt: 0, revision: st.desired.revision };
      const decision = decideAutoSync({
        app,
        comparison,
        revision: st.desired.revision,
        desiredCount: st.desired.objects.length,
        selfHeal: st.selfHeal.revision === st.desired.revision ? st.selfHeal : { attempts: 0, lastAt: 0 },
        now: this.now(),
        ...(this.options.selfHealBackoffMs === undefined ? {} : { selfHealBackoffMs: this.options.selfHealBackoffMs }),
      });
      const windows = decision.kind === 'sync' ? this.windowDecision(app, false) : undefined;
      if (decision.kind === 'sync' && windows?.allowed === false) {
        // Argo CD's words; the app stays OutOfSync until the window allows it.
        this.options.log.info({ app: key, reason: windows.reason }, 'Sync prevented by sync window');
        this.queue.add(key, 'compare', Math.max(1_000, (windows.nextChangeAt ?? this.now() + 60_000) - this.now()), this.now());
      } else if (decision.kind === 'sync') {
        if (decision.selfHeal) st.selfHeal = { attempts: (st.selfHeal.revision === st.desired.revision ? st.selfHeal.attempts : 0) + 1, lastAt: this.now(), revision: st.desired.revision };
        await this.setOperation(app, decision.operation);
        this.options.log.info({ app: key, revision: st.desired.revision, selfHeal: decision.selfHeal }, 'automated sync initiated');
      } else if (decision.kind === 'wait') {
        this.queue.add(key, 'compare', decision.retryInMs, this.now());
      } else if (decision.condition !== undefined) {
        conditions.push(decision.condition);
      }
    }

    const status = buildStatus({
      app,
      ...(comparison === undefined ? {} : { comparison }),
      ...(st.desired === undefined ? {} : { revision: st.desired.revision, sourceType: st.desired.sourceType }),
      conditions,
      desiredUnknown: st.renderError !== undefined,
      now: isoTime(this.now()),
      controllerNamespace: this.options.namespace,
    });
    await this.writeStatus(app, status);
    const health = status.health?.status;
    if (health !== undefined && st.lastHealth !== undefined && st.lastHealth !== health) {
      void this.events.record(this.appRef(app), 'ResourceUpdated', `Updated health status: ${st.lastHealth} -> ${health}`);
    }
    if (health !== undefined) st.lastHealth = health;
    await this.clearRefreshAnnotation(app, refreshAnnotation);
    if (level !== 'compare') this.scheduleRefresh(key, st);
    this.recordMetrics(app, status, started, cluster.server);
    this.options.onReconciled?.(key, this.now() - started, { ...(status.sync?.status === undefined ? {} : { sync: status.sync.status }), ...(health === undefined ? {} : { health }) });
  }

  private recordMetrics(app: Application, status: ReturnType<typeof buildStatus>, started: number, server: string): void {
    const metrics = this.options.metrics;
    if (metrics === undefined) return;
    const namespace = app.metadata.namespace ?? this.options.namespace;
    metrics.reconcile.observe({ namespace, dest_server: server }, (this.now() - started) / 1000);
    metrics.setApp({
      name: app.metadata.name,
      namespace,
      project: app.spec.project,
      repo: sourcesOf(app.spec)[0]?.repoURL ?? '',
      destServer: server,
      destNamespace: app.spec.destination.namespace ?? '',
      syncStatus: status.sync?.status ?? 'Unknown',
      healthStatus: status.health?.status ?? 'Unknown',
      operation: app.operation === undefined ? '' : 'sync',
      conditions: [...new Set((status.conditions ?? []).map((c) => c.type))],
    });
  }

  /**
   * The engine an app's operations (sync, hooks, prune, deletion of its resources) run through: the
   * controller's own unless argocd-cm turns sync impersonation on, then one acting as the service
   * account the project names for the destination. No such account is a refusal, never a fallback.
   */
  private operationEngine(app: Application, handle: ClusterHandle): { engine: Engine } | { refused: string } {
    if (!impersonationEnabled(this.settings.raw).enabled) return { engine: handle.engine };
    const project = this.projectOf(app);
    if (project === undefined) return { refused: `project ${app.spec.project === '' ? DEFAULT_PROJECT_NAME : app.spec.project} does not exist, so no service account to impersonate is known` };
    const match = serviceAccountFor(project, { server: handle.server, namespace: app.spec.destination.namespace, appNamespace: app.metadata.namespace ?? this.options.namespace });
    if (!match.ok) return { refused: match.message };
    return { engine: handle.engineAs(match.user) };
  }

  /** The project's sync windows' verdict for this app now. */
  private windowDecision(app: Application, manual: boolean, operationStartedAt?: number): SyncDecision {
    const cluster = this.registry.find(app.spec.destination);
    return syncAllowed({
      windows: this.projectOf(app)?.spec.syncWindows,
      app: {
        name: app.metadata.name,
        namespace: app.spec.destination.namespace ?? '',
        destinationServer: cluster?.server ?? app.spec.destination.server ?? '',
        destinationName: cluster?.name ?? app.spec.destination.name ?? '',
      },
      now: this.now(),
      manual,
      ...(operationStartedAt === undefined ? {} : { operationStartedAt }),
    });
  }

  /** Whether this replica owns the app's cluster's shard (always, without sharding). */
  private isMine(app: Application): boolean {
    if (this.shards === undefined || this.options.sharding === undefined) return true;
    const cluster = this.registry.find(app.spec.destination);
    return this.shards.owns(shardOf(cluster?.server ?? '', this.options.sharding.replicas, cluster?.shard));
  }

  private projectOf(app: Application): AppProject | undefined {
    const name = app.spec.project === '' ? DEFAULT_PROJECT_NAME : app.spec.project;
    const raw = this.projectInformer.get(`${this.options.namespace}/${name}`);
    if (raw === undefined) return undefined;
    try {
      return parseAppProject(raw);
    } catch {
      return undefined;
    }
  }

  /** InvalidSpecError messages: a missing project, its refusals, an unknown destination. */
  private specProblems(app: Application): string[] {
    const name = app.spec.project === '' ? DEFAULT_PROJECT_NAME : app.spec.project;
    const project = this.projectOf(app);
    if (project === undefined) return [`Application referencing project ${name} which does not exist`];
    const v = projectViolations(app, project, this.registry.list(), this.options.namespace);
    return [...v.invalid, ...v.forbidden];
  }

  /** The project's `orphanedResources` check: objects in the destination namespace no app tracks. */
  private orphanedWarning(app: Application, handle: ClusterHandle): { type: string; message: string } | undefined {
    const project = this.projectOf(app);
    const settings = project?.spec.orphanedResources;
    if (project === undefined || settings === undefined) return undefined;
    const namespace = app.spec.destination.namespace;
    const result = findOrphanedResources({
      settings,
      destinationNamespace: namespace,
      topLevel: namespace === undefined ? [] : handle.cache.topLevelInNamespace(namespace),
      descendantsOf: (uid) => handle.cache.descendantsOf(uid),
      appExists: (instance) => this.appInformer.get(this.keyOfInstance(instance)) !== undefined,
      permitted: (gk) => isResourcePermitted(project, gk.group, gk.kind, true),
      tracking: { method: this.settings.resourceTrackingMethod, labelKey: this.settings.instanceLabelKey },
    });
    return result.condition === undefined ? undefined : { type: result.condition.type, message: result.condition.message };
  }

  /**
   * What the app's project refuses among the objects it would write: kinds (cluster/namespace resource
   * allow and deny lists, by name too) and, for every namespaced object and hook, its own namespace.
   */
  private resourceProblems(app: Application, desired: readonly KubeObject[], handle: ClusterHandle): string[] {
    const project = this.projectOf(app);
    if (project === undefined) return [];
    return desiredObjectViolations({
      project,
      objects: desired,
      destination: { server: handle.server, name: handle.name, namespace: app.spec.destination.namespace },
      isNamespaced: (group, kind) => handle.cache.lookupResource({ group, kind })?.namespaced ?? true,
      destinationOptions: { projectClusters: this.registry.list().filter((c) => c.project === project.metadata.name) },
    });
  }

  /** Renders every source (multi-source apps concatenate, `ref`-only sources render nothing). */
  private async renderApp(
    app: Application,
    sources: ApplicationSource[],
    revisions: (string | undefined)[] | undefined,
    handle: ClusterHandle,
    noCache: boolean,
  ): Promise<{ revision: string; revisions?: string[]; sourceType: string; objects: KubeObject[] }> {
    const rendered = await renderSources(this.options.repo, app, {
      instance: this.instanceName(app),
      sources,
      ...(revisions === undefined ? {} : { revisions }),
      ...(handle.serverVersion === undefined ? {} : { kubeVersion: handle.serverVersion }),
      noCache,
    });
    return {
      revision: rendered.revision,
      ...(sources.length > 1 ? { revisions: rendered.revisions } : {}),
      sourceType: rendered.sourceTypes[0] ?? 'Directory',
      objects: rendered.objects,
    };
  }

  // ---- operations ---------------------------------------------------------------------------------------

  private async handleOperation(key: string, app: Application, handle: ClusterHandle, st: AppState): Promise<void> {
    const opState = app.status?.operationState;
    if (st.running !== undefined) {
      if (opState?.phase === 'Terminating') st.running.terminate = true;
      return;
    }
    const record = opState as OperationRecord | undefined;
    if (record !== undefined && !isTerminal(record.phase) && typeof (record as { kawa?: unknown }).kawa === 'object') {
      // The watch may not have delivered our own final write yet: an operation this process finished is not resumed.
      if (st.finishedOperations.includes(record.kawa.operationId)) return;
      // A previous process (or this one before a restart) left it running: continue where it stopped.
      this.launch(key, app, handle, record, record.retryCount ?? 0);
      return;
    }
    if (app.operation === undefined) return;
    const generation = (app.metadata as { generation?: number }).generation;
    const requestedAt = (record as { requestGeneration?: number } | undefined)?.requestGeneration;
    // The same request at the same generation already ran (setting `operation` again bumps the generation).
    if (record !== undefined && isTerminal(record.phase) && sameOperation(record.operation, app.operation) && (requestedAt === undefined || requestedAt === generation)) {
      // This operation already ran. Retry if it failed and the policy allows, else clear the request.
      const retries = record.retryCount ?? 0;
      const terminated = (record.message ?? '').toLowerCase().includes('terminated');
      if (record.phase !== 'Succeeded' && !terminated && canRetry(app.operation.retry, retries)) {
        const delay = retryDelayMs(resolveBackoff(app.operation.retry?.backoff), retries);
        const due = Date.parse(record.finishedAt ?? record.startedAt) + delay;
        if (this.now() < due) {
          this.queue.add(key, 'compare', due - this.now(), this.now());
          return;
        }
        this.launch(key, app, handle, undefined, retries + 1);
        return;
      }
      await this.clearOperation(app);
      return;
    }
    this.launch(key, app, handle, undefined, 0);
  }

  private launch(key: string, app: Application, handle: ClusterHandle, existing: OperationRecord | undefined, retryCount: number): void {
    if (this.stopped) return; // stopping: the next start (or the next leader) runs it
    const st = this.state(key);
    const control = { terminate: app.status?.operationState?.phase === 'Terminating' };
    st.running = control;
    const run = this.runOperation(key, app, handle, existing, retryCount, control)
      .catch((err: unknown) => {
        this.options.log.error({ app: key, err: messageOf(err) }, 'operation failed unexpectedly');
      })
      .finally(() => {
        st.running = undefined;
        this.runners.delete(run);
        if (!this.stopped) this.queue.add(key, 'compare');
      });
    this.runners.add(run);
  }

  private async runOperation(key: string, app: Application, handle: ClusterHandle, existing: OperationRecord | undefined, retryCount: number, control: { terminate: boolean }): Promise<void> {
    const operation = existing?.operation ?? app.operation;
    if (operation === undefined) return;
    const sync = operation.sync ?? {};
    const multi = (sync.sources?.length ?? 0) > 0 || (app.spec.sources?.length ?? 0) > 0;
    const sources = sync.sources ?? (sync.source === undefined ? sourcesOf(app.spec) : [sync.source]);
    const revisions = existing?.syncResult?.revisions ?? sync.revisions ?? (multi ? undefined : [existing?.syncResult?.revision ?? sync.revision]);
    const instance = this.instanceName(app);
    // Writes only what changed, and the final record together with the history entry: one write fewer per sync.
    let lastPersisted = '';
    let historyWritten = false;
    const persist = async (rec: OperationRecord): Promise<void> => {
      const json = JSON.stringify(rec);
      if (json === lastPersisted) return;
      lastPersisted = json;
      if (rec.phase === 'Succeeded' && operation.sync?.dryRun !== true && !historyWritten) {
        const latest = this.latestApp(key) ?? app;
        const history = this.historyWith(latest, rec, operation);
        await this.patchStatus(
          { ...latest, status: latest.status ?? app.status },
          [
            { op: 'add', path: '/status/operationState', value: rec },
            { op: 'add', path: '/status/history', value: history },
          ],
          { operationState: rec, history },
        );
        historyWritten = true;
        return;
      }
      await this.persistOperation(app, rec);
    };

    let desired: KubeObject[] = [];
    let renderFailed: string | undefined;
    let rendered: Awaited<ReturnType<ApplicationController['renderApp']>> | undefined;
    try {
      rendered = await this.renderApp(app, sources, revisions, handle, false);
      desired = rendered.objects;
    } catch (err) {
      renderFailed = messageOf(err);
    }
    if (renderFailed === undefined) {
      // A project refusal fails the operation before anything is written (the engine touches nothing then).
      const problems = [...this.specProblems(app), ...this.resourceProblems(app, desired, handle)];
      if (problems.length > 0) renderFailed = `the application spec is invalid: ${problems.join('; ')}`;
    }
    const syncOptions = sync.syncOptions ?? app.spec.syncPolicy?.syncOptions;
    const identity = this.operationEngine(app, handle);
    // Refused: the engine fails the operation before any request, so the controller's own one is fine.
    const engine = 'engine' in identity ? identity.engine : handle.engine;
    const syncApp: SyncApp = {
      name: instance,
      ...(app.spec.destination.namespace === undefined ? {} : { destinationNamespace: app.spec.destination.namespace }),
      ...(syncOptions === undefined ? {} : { syncOptions }),
      ...(app.spec.syncPolicy?.managedNamespaceMetadata === undefined ? {} : { managedNamespaceMetadata: app.spec.syncPolicy.managedNamespaceMetadata }),
      ...(app.spec.ignoreDifferences === undefined ? {} : { ignoreDifferences: app.spec.ignoreDifferences }),
      ...(app.spec.syncPolicy?.automated?.allowEmpty === true ? { allowEmpty: true } : {}),
      ...(renderFailed === undefined ? {} : { renderFailed }),
      ...('refused' in identity ? { refused: identity.refused } : {}),
      desired,
    };

    const manual = operation.initiatedBy?.automated !== true;
    const blockedBy = (startedAt?: number): SyncDecision | undefined => {
      const decision = this.windowDecision(app, manual, startedAt);
      return decision.allowed ? undefined : decision;
    };
    const waitForWindow = async (decision: SyncDecision, current: OperationRecord | undefined): Promise<void> => {
      // As Argo CD: the operation stays Running, blocked, and goes on once the window allows it.
      const message = `${SYNC_BLOCKED_MESSAGE}${decision.reason === undefined ? '' : `: ${decision.reason}`}`;
      const previous = app.status?.operationState;
      const since = previous?.phase === 'Running' && previous.message?.startsWith(SYNC_BLOCKED_MESSAGE) === true ? previous.startedAt : isoTime(this.now());
      const blocked = current === undefined ? { operation, phase: 'Running' as const, message, startedAt: since } : { ...current, message };
      if (previous?.message === message && current === undefined) {
        this.queue.add(key, 'compare', Math.max(1_000, (decision.nextChangeAt ?? this.now() + 10_000) - this.now()), this.now());
        return;
      }
      await this.patchStatus(this.latestApp(key) ?? app, [{ op: 'add', path: '/status/operationState', value: blocked }], { operationState: blocked });
      this.queue.add(key, 'compare', Math.max(1_000, (decision.nextChangeAt ?? this.now() + 10_000) - this.now()), this.now());
    };
    let record: OperationRecord;
    if (existing === undefined) {
      const blocked = blockedBy();
      if (blocked !== undefined) {
        await waitForWindow(blocked, undefined);
        return;
      }
    }
    if (existing !== undefined) {
      record = existing;
      this.options.log.info({ app: key, phase: record.phase }, 'resuming operation');
    } else {
      // The record keeps the request verbatim (so a finished request is recognised); the resolved commit goes in syncResult.
      const resolved = rendered === undefined ? {} : multi ? { revisions: rendered.revisions ?? [rendered.revision] } : { revision: rendered.revision };
      const requestGeneration = (app.metadata as { generation?: number }).generation;
      const stamp = (rec: OperationRecord): OperationRecord => ({
        ...rec,
        ...(requestGeneration === undefined ? {} : { requestGeneration }),
        syncResult: { ...(rec.syncResult ?? { resources: [] }), ...resolved },
        ...(retryCount > 0 ? { retryCount } : {}),
      });
      record = stamp(await engine.startSync({ app: syncApp, operation, persist: (rec) => persist(stamp(rec)) }));
      const who = operation.initiatedBy?.automated === true ? 'automated sync' : (operation.initiatedBy?.username ?? 'Unknown user');
      void this.events.record(this.appRef(app), 'OperationStarted', `${who} initiated sync to ${rendered?.revision ?? sync.revision ?? 'HEAD'}${retryCount > 0 ? ` (retry ${retryCount})` : ''}`);
    }

    while (!isTerminal(record.phase)) {
      // Stopped, or the shard moved to another replica: leave it Running; its next owner resumes it.
      if (this.stopped || !this.isMine(app)) return;
      if (control.terminate && record.kawa.terminating !== true) record = engine.terminate(record);
      const blocked = record.kawa.terminating === true ? undefined : blockedBy(Date.parse(record.startedAt));
      if (blocked !== undefined) {
        await waitForWindow(blocked, record);
        return;
      }
      const result = await engine.step({ record, app: syncApp, persist });
      record = result.record;
      if (result.idle && !result.done) await this.waitForCluster(handle, instance, control);
    }
    await this.finishOperation(key, app, record, operation, historyWritten);
  }

  /** Until an object of the app changes, termination is asked, or 1 s passes. */
  private async waitForCluster(handle: ClusterHandle, instance: string, control: { terminate: boolean }): Promise<void> {
    let unsubscribe: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1_000);
      unsubscribe = handle.cache.onChange((event) => {
        if (event.app === instance || event.previousApp === instance || control.terminate || this.stopped) resolve();
      });
    });
    clearTimeout(timer);
    unsubscribe?.();
  }

  /** `status.history` with the operation's deployment appended (trimmed to revisionHistoryLimit). */
  private historyWith(latest: Application, record: OperationRecord, operation: Operation): ReturnType<typeof appendHistory> {
    const multi = (record.syncResult?.revisions?.length ?? 0) > 0;
    const source = operation.sync?.source ?? latest.spec.source;
    const sources = operation.sync?.sources ?? latest.spec.sources;
    return appendHistory(
      latest.status?.history,
      {
        ...(multi ? { revisions: record.syncResult?.revisions ?? [] } : { revision: record.syncResult?.revision ?? '' }),
        deployedAt: record.finishedAt ?? isoTime(this.now()),
        deployStartedAt: record.startedAt,
        ...(multi ? (sources === undefined ? {} : { sources }) : source === undefined ? {} : { source }),
        ...(operation.initiatedBy === undefined ? {} : { initiatedBy: operation.initiatedBy }),
      },
      revisionHistoryLimitOf(latest.spec),
    );
  }

  private async finishOperation(key: string, app: Application, record: OperationRecord, operation: Operation, historyWritten: boolean): Promise<void> {
    const st = this.state(key);
    st.finishedOperations = [...st.finishedOperations.slice(-9), record.kawa.operationId];
    const latest = this.latestApp(key) ?? app;
    const dryRun = operation.sync?.dryRun === true;
    if (record.phase === 'Succeeded' && !dryRun && !historyWritten) {
      const history = this.historyWith(latest, record, operation);
      await this.patchStatus(latest, [{ op: 'add', path: '/status/history', value: history }], { history });
    }
    const phase = record.phase;
    const verb = phase === 'Succeeded' ? 'succeeded' : 'failed';
    void this.events.record(
      this.appRef(latest),
      phase === 'Succeeded' ? 'OperationCompleted' : 'OperationCompleted',
      `Sync operation to ${record.syncResult?.revision ?? ''} ${verb}${phase === 'Succeeded' ? '' : `: ${record.message ?? ''}`}`,
      phase === 'Succeeded' ? 'Normal' : 'Warning',
    );
    this.options.onOperationFinished?.(key, phase);
    this.options.metrics?.syncTotal.inc({
      name: latest.metadata.name,
      namespace: latest.metadata.namespace ?? this.options.namespace,
      project: latest.spec.project,
      phase,
      dest_server: this.registry.find(latest.spec.destination)?.server ?? '',
    });
    const retries = record.retryCount ?? 0;
    const terminated = (record.message ?? '').toLowerCase().includes('terminated');
    if (phase !== 'Succeeded' && !terminated && canRetry(operation.retry, retries)) {
      // The request stays; handleOperation starts the next attempt when its backoff is over.
      const delay = retryDelayMs(resolveBackoff(operation.retry?.backoff), retries);
      this.queue.add(key, 'compare', delay, this.now());
      return;
    }
    await this.clearOperation(latest);
  }

  private latestApp(key: string): Application | undefined {
    const raw = this.appInformer.get(key);
    if (raw === undefined) return undefined;
    const v = validateApplication(raw);
    return v.ok ? v.value : undefined;
  }

  // ---- writes -------------------------------------------------------------------------------------------

  private appPath(app: { metadata: { name: string; namespace?: string | undefined } }, sub = ''): string {
    const ns = app.metadata.namespace ?? this.options.namespace;
    return `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(ns)}/applications/${encodeURIComponent(app.metadata.name)}${sub}`;
  }

  private appRef(app: Application): { name: string; namespace: string; uid?: string; resourceVersion?: string } {
    const meta = app.metadata as Application['metadata'] & { uid?: string; resourceVersion?: string };
    return { name: meta.name, namespace: meta.namespace ?? this.options.namespace, ...(meta.uid === undefined ? {} : { uid: meta.uid }), ...(meta.resourceVersion === undefined ? {} : { resourceVersion: meta.resourceVersion }) };
  }

  /**
   * Status through the `/status` subresource. A JSON patch replaces exactly the fields given (a merge patch
   * would leave stale keys of nested objects behind); an app without any status gets a merge patch instead.
   */
  private async patchStatus(app: Application, ops: { op: 'add'; path: string; value: unknown }[], whole: Record<string, unknown>): Promise<void> {
    try {
      if (app.status === undefined) throw Object.assign(new Error('no status yet'), { noStatus: true });
      await this.rest.request('PATCH', this.appPath(app, '/status'), { body: ops, contentType: 'application/json-patch+json' });
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 404) return; // deleted meanwhile
      if (!(err instanceof Error && 'noStatus' in err) && code !== 422 && code !== 500) throw err;
      await this.rest.request('PATCH', this.appPath(app, '/status'), { body: { status: whole }, contentType: 'application/merge-patch+json' });
    }
  }

  private async writeStatus(app: Application, status: ReturnType<typeof buildStatus>): Promise<void> {
    if (!statusChanged(app.status, status)) return;
    const ops = Object.entries(status).map(([field, value]) => ({ op: 'add' as const, path: `/status/${field}`, value }));
    await this.patchStatus(app, ops, status);
  }

  private async writeInvalid(raw: KubeObject, message: string): Promise<void> {
    const name = raw.metadata?.name ?? '';
    const namespace = raw.metadata?.namespace ?? this.options.namespace;
    const existing = (raw['status'] ?? {}) as { conditions?: { type: string; message: string }[] };
    const same = existing.conditions?.length === 1 && existing.conditions[0]?.type === CONDITION_TYPES.InvalidSpecError && existing.conditions[0].message === message;
    if (same) return;
    const status = {
      sync: { status: 'Unknown' },
      health: { status: 'Unknown' },
      conditions: [{ type: CONDITION_TYPES.InvalidSpecError, message, lastTransitionTime: isoTime(this.now()) }],
      reconciledAt: isoTime(this.now()),
    };
    try {
      await this.rest.request('PATCH', this.appPath({ metadata: { name, namespace } }, '/status'), { body: { status }, contentType: 'application/merge-patch+json' });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }

  private async persistOperation(app: Application, record: OperationRecord): Promise<void> {
    // Only "has it a status yet" is needed of the latest copy: no schema parse on every step.
    const raw = this.appInformer.get(`${app.metadata.namespace ?? this.options.namespace}/${app.metadata.name}`);
    const current = { ...app, status: (raw?.['status'] as Application['status']) ?? app.status };
    await this.patchStatus(current, [{ op: 'add', path: '/status/operationState', value: record }], { operationState: record });
  }

  private async setOperation(app: Application, operation: Operation): Promise<void> {
    if (this.stopped) return; // no new automated sync from a reconcile that was in flight when stop() came
    await this.rest.request('PATCH', this.appPath(app), { body: { operation }, contentType: 'application/merge-patch+json' });
  }

  /** Removes the finished request, unless someone replaced it meanwhile (the JSON patch's test guards that). */
  private async clearOperation(app: Application): Promise<void> {
    const latest = this.latestApp(`${app.metadata.namespace ?? this.options.namespace}/${app.metadata.name}`) ?? app;
    if (latest.operation === undefined) return;
    try {
      await this.rest.request('PATCH', this.appPath(latest), {
        body: [
          { op: 'test', path: '/operation', value: latest.operation },
          { op: 'remove', path: '/operation' },
        ],
        contentType: 'application/json-patch+json',
      });
    } catch (err) {
      const code = statusCodeOf(err);
      if (code !== 404 && code !== 422 && code !== 409) throw err;
    }
  }

  private async clearRefreshAnnotation(app: Application, value: string | undefined): Promise<void> {
    if (value === undefined) return;
    try {
      await this.rest.request('PATCH', this.appPath(app), {
        body: { metadata: { annotations: { [REFRESH_ANNOTATION]: null } } },
        contentType: 'application/merge-patch+json',
      });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }

  // ---- deletion -----------------------------------------------------------------------------------------

  private async reconcileDeletion(key: string, app: Application, raw: KubeObject): Promise<void> {
    const finalizers = Array.isArray(raw.metadata?.['finalizers']) ? (raw.metadata['finalizers'] as unknown[]).filter((f): f is string => typeof f === 'string') : [];
    const propagation = deletionPropagation(finalizers);
    if (propagation === undefined) return; // no finalizer of ours: Kubernetes deletes it, its objects are orphaned
    const st = this.state(key);
    if (st.deleting) return;
    const cluster = this.registry.find(app.spec.destination);
    const handle = cluster === undefined ? undefined : this.registry.get(cluster.server);
    if (handle === undefined) {
      // The destination is gone from kawa's configuration: nothing can be deleted there; the finalizer goes.
      await this.removeCascadeFinalizers(key, app, finalizers);
      return;
    }
    await handle.ready;
    if (handle.connection === 'Failed') {
      await this.writeDeletionError(app, `cannot delete resources: cluster ${handle.server} is unreachable: ${handle.error ?? 'no answer'}`);
      this.queue.add(key, 'compare', 10_000, this.now());
      return;
    }
    const stored = (app.status as { deletionState?: DeletionRecord } | undefined)?.deletionState;
    const resumable = stored !== undefined && typeof stored.kawa === 'object' && !isTerminal(stored.phase) ? stored : undefined;
    if (stored !== undefined && stored.phase === 'Failed' && app.metadata.annotations?.[REFRESH_ANNOTATION] === undefined) {
      // A failed deletion (a PreDelete hook failed) is tried again when a refresh is asked, not in a loop.
      await this.writeDeletionError(app, stored.message);
      return;
    }
    if (this.stopped) return; // stopping: the next start (or the next leader) deletes
    const identity = this.operationEngine(app, handle);
    if ('refused' in identity) {
      // As for a sync: without the account to act as, nothing of the app is deleted; the finalizer stays.
      await this.writeDeletionError(app, `cannot delete resources: ${identity.refused}`);
      this.queue.add(key, 'compare', 10_000, this.now());
      return;
    }
    st.deleting = true;
    const run = this.runDeletion(key, app, handle, identity.engine, propagation, resumable)
      .catch((err: unknown) => {
        this.options.log.error({ app: key, err: messageOf(err) }, 'deletion failed unexpectedly');
      })
      .finally(() => {
        st.deleting = false;
        this.runners.delete(run);
        if (!this.stopped) this.queue.add(key, 'compare', 1_000, this.now());
      });
    this.runners.add(run);
  }

  private async runDeletion(key: string, app: Application, handle: ClusterHandle, engine: Engine, propagation: DeletionPropagation, existing: DeletionRecord | undefined): Promise<void> {
    const persist = async (record: DeletionRecord): Promise<void> => {
      const current = this.latestApp(key) ?? app;
      await this.patchStatus(current, [{ op: 'add', path: '/status/deletionState', value: record }], { deletionState: record });
    };
    let desired: KubeObject[] = [];
    let renderFailed: string | undefined;
    try {
      desired = (await this.renderApp(app, sourcesOf(app.spec), undefined, handle, false)).objects;
    } catch (err) {
      renderFailed = messageOf(err);
    }
    const syncOptions = app.spec.syncPolicy?.syncOptions;
    const deletionApp: DeletionApp & { desired: KubeObject[] } = {
      name: this.instanceName(app),
      ...(app.spec.destination.namespace === undefined ? {} : { destinationNamespace: app.spec.destination.namespace }),
      ...(syncOptions === undefined ? {} : { syncOptions }),
      desired,
      ...(renderFailed === undefined ? {} : { renderFailed }),
    };
    let record = existing ?? (await engine.startDeletion({ app: deletionApp, persist, propagation }));
    if (existing === undefined) void this.events.record(this.appRef(app), 'DeletionStarted', `deleting the application's resources (${propagation})`);
    const control = { terminate: false };
    let reportedStuck = '';
    while (!isTerminal(record.phase)) {
      if (this.stopped || !this.isMine(app)) return;
      const result = await engine.stepDeletion({ record, app: deletionApp, persist });
      record = result.record;
      const stuck = result.stuck.map((o) => `${o.kind}/${o.namespace === '' ? '' : `${o.namespace}/`}${o.name}${o.finalizers.length > 0 ? ` (finalizers: ${o.finalizers.join(', ')})` : ''}`).join('; ');
      if (stuck !== reportedStuck) {
        reportedStuck = stuck;
        if (stuck !== '') await this.writeDeletionError(this.latestApp(key) ?? app, `waiting for deletion of ${stuck}`);
      }
      if (result.idle && !result.done) await this.waitForCluster(handle, deletionApp.name, control);
    }
    const latest = this.latestApp(key) ?? app;
    if (record.phase === 'Succeeded') {
      const finalizers = (latest.metadata.finalizers ?? []).filter((f): f is string => typeof f === 'string');
      await this.removeCascadeFinalizers(key, latest, finalizers);
      void this.events.record(this.appRef(latest), 'ResourceDeleted', 'deleted the application and its resources');
    } else {
      await this.writeDeletionError(latest, record.message);
      await this.clearRefreshAnnotation(latest, latest.metadata.annotations?.[REFRESH_ANNOTATION]);
      void this.events.record(this.appRef(latest), 'DeletionFailed', record.message, 'Warning');
    }
  }

  private async removeCascadeFinalizers(key: string, app: Application, finalizers: readonly string[]): Promise<void> {
    const kept = finalizers.filter((f) => !CASCADE_FINALIZERS.includes(f));
    try {
      await this.rest.request('PATCH', this.appPath(app), {
        body: [
          { op: 'test', path: '/metadata/finalizers', value: finalizers },
          { op: 'replace', path: '/metadata/finalizers', value: kept },
        ],
        contentType: 'application/json-patch+json',
      });
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 422 || code === 409) this.queue.add(key, 'compare');
      else if (code !== 404) throw err;
    }
  }

  private async writeDeletionError(app: Application, message: string): Promise<void> {
    const conditions = [{ type: CONDITION_TYPES.DeletionError, message, lastTransitionTime: isoTime(this.now()) }];
    if (app.status?.conditions?.some((c) => c.type === CONDITION_TYPES.DeletionError && c.message === message) === true) return;
    await this.patchStatus(app, [{ op: 'add', path: '/status/conditions', value: conditions }], { conditions });
  }
}
