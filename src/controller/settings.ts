// The controller's configuration as watched: argocd-cm (tracking, resource filters, health
// customizations, reconciliation timing) and the repository, repo-creds and cluster Secrets, read through
// the shared settings reader (settings/reader.ts) so every role sees them the same way.
import type { HealthCheck } from '../engine/health/index.js';
import { LuaHealthRuntime, luaHealthCheck, parseHealthCustomizations } from '../engine/health/lua/index.js';
import { ResourceFilter, type TrackingOptions } from '../kube/index.js';
import { ARGOCD_CM_NAME, defaultSettings, parseArgoCdConfigMap, secretTypeOf, type ArgoCdSettings, type Cluster, type RepoCreds, type Repository } from '../model/index.js';
import { repoCredentialsFrom, type RepoCredentials } from '../reposerver/index.js';
import { CONFIGMAPS, SECRETS, SettingsReader, parseArgoCdSecrets, type SettingsChange } from '../settings/index.js';
import type { ControllerLogger } from './context.js';
import { impersonationEnabled } from './impersonation.js';
import type { ListWatchSource } from './informers.js';

/** What the live caches and engines of every cluster are built with. */
export interface CacheSettings {
  tracking: TrackingOptions;
  resourceFilter: ResourceFilter;
  engine: { waveDelayMs?: number; timeoutMs?: number; customHealth?: HealthCheck };
}

export interface ControllerSettingsOptions {
  namespace: string;
  log: ControllerLogger;
  /** Where the controller's own reader lists and watches ConfigMaps and Secrets (unused with `reader`). */
  listWatch: ListWatchSource;
  /**
   * A reader another role of the process already runs (its owner starts and closes it); by default the
   * controller builds its own, keeping only the repository, repo-creds and cluster Secrets.
   */
  reader?: SettingsReader;
  /** Engine options that come from the command line, not from argocd-cm. */
  engine: { waveDelayMs?: number; timeoutMs?: number };
  /** argocd-cm changed what the caches watch or how they track objects: they must be rebuilt from `cacheSettings()`. */
  onCacheSettingsChanged: () => void;
  /** The Secrets were read again; these are the clusters of the cluster Secrets. */
  onClusters: (clusters: Cluster[]) => void;
}

export class ControllerSettings {
  private readonly reader: SettingsReader;
  /** The reader was built here: start and close are this class's to call. */
  private readonly ownsReader: boolean;
  private readonly unsubscribe: () => void;
  private settings: ArgoCdSettings = defaultSettings();
  /** What of argocd-cm the caches depend on, as last applied: a change of anything else rebuilds nothing. */
  private cacheKey = '';
  /** load() has run: before it, changes are not reloads (load reads everything once the first lists are in). */
  private loaded = false;
  /** Runs argocd-cm's `resource.customizations.health.*` Lua scripts (created by load()). */
  private luaRuntime: LuaHealthRuntime | undefined;
  private repositories: Repository[] = [];
  private repoCreds: RepoCreds[] = [];
  /** The repository, repo-creds and cluster Secrets as of the last reload, by name (to notice their deletion). */
  private declarativeSecrets = new Set<string>();
  /** The credentials and Helm repositories apps get, from the Secrets as last read. */
  readonly repoCredentials: RepoCredentials = repoCredentialsFrom(() => ({ repositories: this.repositories, templates: this.repoCreds }));

  constructor(private readonly options: ControllerSettingsOptions) {
    this.ownsReader = options.reader === undefined;
    this.reader =
      options.reader ??
      new SettingsReader({
        namespace: options.namespace,
        sources: { configMaps: options.listWatch(CONFIGMAPS), secrets: options.listWatch(SECRETS) },
        // The controller reads no other Secret: argocd-secret and the server's session records stay out of its memory.
        ignoreSecret: (obj) => secretTypeOf(obj) === undefined,
      });
    this.unsubscribe = this.reader.onChange((change) => {
      this.changed(change);
    });
  }

  /** argocd-cm as last read (the defaults until then). */
  get current(): ArgoCdSettings {
    return this.settings;
  }

  /** Starts the reader (idempotent, so a shared one may have been started already); `listed` resolves after its first lists. */
  startWatching(): void {
    this.reader.start();
  }

  get listed(): Promise<void> {
    return this.reader.listed;
  }

  /** After the first lists: the Lua runtime for health customizations, then everything read once more. */
  async load(): Promise<void> {
    this.luaRuntime ??= await LuaHealthRuntime.create();
    this.reloadConfigMap();
    this.reloadSecrets();
    this.loaded = true;
  }

  /** Stops following changes; a reader of the controller's own is closed, a shared one is left to its owner. */
  async stopWatching(): Promise<void> {
    this.unsubscribe();
    if (this.ownsReader) await this.reader.close();
  }

  /** Frees the Lua runtime (after the caches that use it are stopped). */
  close(): void {
    this.luaRuntime?.close();
    this.luaRuntime = undefined;
  }

  cacheSettings(): CacheSettings {
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
      engine: { ...this.options.engine, ...(customHealth === undefined ? {} : { customHealth }) },
    };
  }

  /**
   * Reloads what a change concerns. A shared reader also holds argocd-rbac-cm, argocd-secret and other
   * Secrets labelled part-of argocd: their changes concern other roles, and are not reloads here.
   */
  private changed(change: SettingsChange): void {
    if (!this.loaded) return;
    if (change.kind === 'ConfigMap') {
      if (change.name === ARGOCD_CM_NAME) this.reloadConfigMap();
      return;
    }
    const secret = this.reader.secret(change.name);
    if (this.declarativeSecrets.has(change.name) || (secret !== undefined && secretTypeOf(secret) !== undefined)) this.reloadSecrets();
  }

  private reloadConfigMap(): void {
    const { settings, errors } = parseArgoCdConfigMap({ data: this.reader.configMapData(ARGOCD_CM_NAME) });
    for (const e of errors) this.options.log.warn({ problem: e }, 'argocd-cm: key ignored');
    const impersonation = impersonationEnabled(settings.raw);
    if (impersonation.problem !== undefined) this.options.log.warn({ problem: impersonation.problem }, 'argocd-cm: key ignored');
    this.settings = settings;
    const key = JSON.stringify([settings.resourceTrackingMethod, settings.instanceLabelKey, settings.resourceExclusions, settings.resourceInclusions, settings.raw['resource.exclusions'] ?? null, Object.entries(settings.resourceCustomizations).sort(), this.luaRuntime !== undefined]);
    if (key !== this.cacheKey) {
      // The first load only hands the caches argocd-cm's settings (none is built yet): nothing to announce.
      if (this.loaded) this.options.log.info({}, 'argocd-cm changed what is watched or how objects are tracked: rebuilding the live caches');
      this.options.onCacheSettingsChanged();
    }
    this.cacheKey = key;
  }

  private reloadSecrets(): void {
    const secrets = this.reader.allSecrets();
    const { clusters, repositories, templates } = parseArgoCdSecrets(secrets, (secret, problem) => {
      this.options.log.warn({ secret, err: problem }, 'secret ignored');
    });
    this.declarativeSecrets = new Set(secrets.filter((s) => secretTypeOf(s) !== undefined).map((s) => s.metadata?.name ?? ''));
    this.repositories = repositories;
    this.repoCreds = templates;
    this.options.onClusters(clusters);
  }
}
