// The controller's configuration as watched: argocd-cm (tracking, resource filters, health
// customizations, reconciliation timing) and the repository, repo-creds and cluster Secrets. Kept apart
// from the controller so a shared settings reader can replace it without touching the reconcile code.
import type { HealthCheck } from '../engine/health/index.js';
import { LuaHealthRuntime, luaHealthCheck, parseHealthCustomizations } from '../engine/health/lua/index.js';
import { messageOf } from '../errors.js';
import type { GitCredentials } from '../git/credentials.js';
import { resolveRepoCredentials, servesProject } from '../git/repo-credentials.js';
import { ResourceFilter, type Informer, type TrackingOptions } from '../kube/index.js';
import {
  ARGOCD_CM_NAME,
  defaultSettings,
  parseArgoCdConfigMap,
  parseClusterSecret,
  parseRepoCredsSecret,
  parseRepositorySecret,
  secretTypeOf,
  type ArgoCdSettings,
  type Cluster,
  type RepoCreds,
  type Repository,
} from '../model/index.js';
import type { ControllerLogger } from './context.js';
import { impersonationEnabled } from './impersonation.js';
import { CONFIGMAPS, SECRETS, namespaceInformer, type ListWatchSource } from './informers.js';

/** What the live caches and engines of every cluster are built with. */
export interface CacheSettings {
  tracking: TrackingOptions;
  resourceFilter: ResourceFilter;
  engine: { waveDelayMs?: number; timeoutMs?: number; customHealth?: HealthCheck };
}

export interface ControllerSettingsOptions {
  namespace: string;
  log: ControllerLogger;
  listWatch: ListWatchSource;
  /** Engine options that come from the command line, not from argocd-cm. */
  engine: { waveDelayMs?: number; timeoutMs?: number };
  /** argocd-cm changed what the caches watch or how they track objects: they must be rebuilt from `cacheSettings()`. */
  onCacheSettingsChanged: () => void;
  /** The Secrets were read again; these are the clusters of the cluster Secrets. */
  onClusters: (clusters: Cluster[]) => void;
}

export class ControllerSettings {
  private readonly configInformer: Informer;
  private readonly secretInformer: Informer;
  private settings: ArgoCdSettings = defaultSettings();
  /** What of argocd-cm the caches depend on, as last applied: a change of anything else rebuilds nothing. */
  private cacheKey = '';
  /** Runs argocd-cm's `resource.customizations.health.*` Lua scripts (created by load()). */
  private luaRuntime: LuaHealthRuntime | undefined;
  private repositories: Repository[] = [];
  private repoCreds: RepoCreds[] = [];

  constructor(private readonly options: ControllerSettingsOptions) {
    this.configInformer = namespaceInformer(
      options.listWatch,
      CONFIGMAPS,
      () => {
        this.reloadConfigMap();
      },
      (obj) => obj.metadata?.name === ARGOCD_CM_NAME,
    );
    this.secretInformer = namespaceInformer(
      options.listWatch,
      SECRETS,
      () => {
        this.reloadSecrets();
      },
      (obj) => secretTypeOf(obj) !== undefined,
    );
  }

  /** argocd-cm as last read (the defaults until then). */
  get current(): ArgoCdSettings {
    return this.settings;
  }

  /** Starts both watches; `synced` resolves after their first lists. */
  startWatching(): void {
    this.configInformer.start();
    this.secretInformer.start();
  }

  get synced(): Promise<void> {
    return Promise.all([this.configInformer.synced, this.secretInformer.synced]).then(() => undefined);
  }

  /** After the first lists: the Lua runtime for health customizations, then everything read once more. */
  async load(): Promise<void> {
    this.luaRuntime ??= await LuaHealthRuntime.create();
    this.reloadConfigMap();
    this.reloadSecrets();
  }

  async stopWatching(): Promise<void> {
    await Promise.all([this.configInformer.stop(), this.secretInformer.stop()]);
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

  private reloadConfigMap(): void {
    const cm = this.configInformer.get(`${this.options.namespace}/${ARGOCD_CM_NAME}`) as { data?: Record<string, string> } | undefined;
    const { settings, errors } = parseArgoCdConfigMap(cm);
    for (const e of errors) this.options.log.warn({ problem: e }, 'argocd-cm: key ignored');
    const impersonation = impersonationEnabled(settings.raw);
    if (impersonation.problem !== undefined) this.options.log.warn({ problem: impersonation.problem }, 'argocd-cm: key ignored');
    this.settings = settings;
    const key = JSON.stringify([settings.resourceTrackingMethod, settings.instanceLabelKey, settings.resourceExclusions, settings.resourceInclusions, settings.raw['resource.exclusions'] ?? null, Object.entries(settings.resourceCustomizations).sort(), this.luaRuntime !== undefined]);
    if (key !== this.cacheKey) {
      this.options.log.info({}, 'argocd-cm changed what is watched or how objects are tracked: rebuilding the live caches');
      this.options.onCacheSettingsChanged();
    }
    this.cacheKey = key;
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
    this.options.onClusters(clusters);
  }
}
