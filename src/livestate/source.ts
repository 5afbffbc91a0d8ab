// Where the live-state readers (the API server's resource tree, managed resources, manifests, events, live
// objects, logs; the controller's compare) get the cluster and the rendered desired state from. Its own layer
// (src/livestate/) so the controller and the server share it without depending on each other.
//
// The application controller owns one ClusterCache per destination cluster and a RepoService; when it
// runs in the same process it hands the server a LiveStateSource over those, so server and controller
// read the same cache and the same render cache. `kawa server` on its own builds the default below: one
// ClusterCache for the kubeconfig's cluster, serving `https://kubernetes.default.svc` (`in-cluster`),
// and a RepoService with a GitMirrorCache under ~/.cache/kawa/repos and the repository Secrets'
// credentials, chosen per app project by the resolver the controller uses too.
import type { KubeConfig } from '@kubernetes/client-node';
import path from 'node:path';
import type { CompareOptions, LiveStateReader } from '../engine/compare.js';
import { GitMirrorCache, defaultCacheRoot, type RevisionMetadata } from '../git/mirror.js';
import { ClusterCache, type CacheListener } from '../kube/cache.js';
import type { ApiResource } from '../kube/discovery.js';
import type { InformerLogger as KubeLogger } from '../kube/informer.js';
import type { GroupKind, KubeObject } from '../kube/objects.js';
import type { KubeRest } from '../kube/rest.js';
import { appInstanceName } from '../kube/tracking.js';
import { IN_CLUSTER_NAME, IN_CLUSTER_SERVER, type Application, type Cluster, type RepoCreds, type Repository } from '../model/index.js';
import { repoCredentialsFrom } from '../reposerver/credentials.js';
import { renderApp as renderSources } from '../reposerver/render-app.js';
import { RepoService } from '../reposerver/service.js';
import type { ManifestSource } from '../reposerver/source.js';

/** What the routes read from a cluster's live-state cache; ClusterCache is one. */
export interface LiveCache extends LiveStateReader {
  childrenOf(uid: string): KubeObject[];
  /** Every object below `uid` in the owner tree, breadth first. */
  descendantsOf(uid: string): KubeObject[];
  byUid(uid: string): KubeObject | undefined;
  /** The resource of a kind, discovering again when it is unknown (a CRD applied a moment ago). */
  resolveResource(gk: GroupKind): Promise<ApiResource | undefined>;
  /** Subscribes to changes (the resource-tree stream); returns the unsubscribe function. */
  onChange(listener: CacheListener): () => void;
}

/** The destination cluster of one app: its cache, and a client for live reads and patches. */
export interface LiveCluster {
  readonly cache: LiveCache;
  readonly rest: KubeRest;
}

export interface DesiredState {
  /** The commit (or chart version) rendered; for multi-source apps, one per source. */
  readonly revisions: readonly string[];
  readonly sourceTypes: readonly string[];
  readonly objects: readonly KubeObject[];
}

export interface LiveStateSource {
  /** The app's destination cluster, once its cache has synced; undefined when kawa does not know the cluster. */
  forApp(app: Application): Promise<LiveCluster | undefined>;
  /** The app's desired objects, rendered at its target revision or at `revision` (single-source apps). */
  desired(app: Application, revision?: string): Promise<DesiredState>;
  /** Author, date, message and tags of a commit of `repoURL`, read with the credentials of the app's `project`. */
  revisionMetadata(repoURL: string, revision: string, project: string | undefined): Promise<RevisionMetadata>;
  /** The app instance name its objects are tracked by. */
  instanceName(app: Application): string;
  /** Compare options for the app (tracking method, ignoreDifferences, custom health); the controller's own. */
  compareOptions(app: Application): CompareOptions;
  /** Stops what the source started (caches, watches). */
  close(): Promise<void>;
}

/** Renders every source of an app as the controller does (the shared reposerver `renderApp`); `revision` applies to single-source apps. */
export async function renderApp(repo: Pick<ManifestSource, 'generateManifests' | 'resolveRevision'>, app: Application, instance: string, revision?: string): Promise<DesiredState> {
  const multi = (app.spec.sources?.length ?? 0) > 0;
  const rendered = await renderSources(repo, app, { instance, ...(revision === undefined || multi ? {} : { revisions: [revision] }) });
  return { revisions: rendered.revisions, sourceTypes: rendered.sourceTypes, objects: rendered.objects };
}

export interface DefaultLiveStateOptions {
  readonly kubeConfig: KubeConfig;
  /** The control-plane namespace (app instance names of apps elsewhere carry their namespace). */
  readonly namespace: string;
  /** Repository Secrets and templates, read when credentials are needed. */
  readonly repositories: () => Promise<{ repos: Repository[]; templates: RepoCreds[] }>;
  /** Default `~/.cache/kawa/repos` (mirrors) and its sibling `work` (checkouts). */
  readonly cacheRoot?: string;
  /** Longest wait for the cache's first sync before answering anyway (default 30 s). */
  readonly syncTimeoutMs?: number;
  /** Accept `file://` repository URLs (tests). */
  readonly allowFileUrls?: boolean;
  /**
   * Render with this instead of a RepoService of the source's own: a remote repo server's client, which
   * sends the credentials itself (`repositories` and `cacheRoot` are then not used).
   */
  readonly repo?: ManifestSource;
  /**
   * What kawa manages of the cluster it runs in: a cluster Secret's for `https://kubernetes.default.svc`,
   * else the default (every namespace; a namespace install's own namespace only). The cache lists and
   * watches just that, so the resource tree, events, live objects and logs cover nothing else. Read at
   * each use: a change rebuilds the cache. Default: every namespace.
   */
  readonly inClusterScope?: () => Pick<Cluster, 'namespaces' | 'clusterResources'>;
  /** Where the cache's list and watch failures are logged (default: nowhere). */
  readonly log?: KubeLogger;
}

/** A scope as a comparable string (clusterResources means nothing without namespaces). */
function scopeKey(scope: Pick<Cluster, 'namespaces' | 'clusterResources'>): string {
  return JSON.stringify([[...scope.namespaces].sort(), scope.namespaces.length === 0 || scope.clusterResources]);
}

/** The standalone server's source: one cache for the kubeconfig's cluster, started on first use. */
export function defaultLiveStateSource(options: DefaultLiveStateOptions): LiveStateSource {
  let creds: { repos: Repository[]; templates: RepoCreds[] } = { repos: [], templates: [] };
  const local = (): ManifestSource => {
    const root = options.cacheRoot ?? defaultCacheRoot();
    const mirrors = new GitMirrorCache({ cacheRoot: root, ...(options.allowFileUrls === true ? { allowFileUrls: true } : {}) });
    const { credentials, helmRepositories } = repoCredentialsFrom(() => ({ repositories: creds.repos, templates: creds.templates }));
    return new RepoService({ mirrors, workRoot: path.join(path.dirname(root), 'work'), credentials, helmRepositories });
  };
  const repo = options.repo ?? local();
  const refreshCredentials = async (): Promise<void> => {
    if (options.repo === undefined) creds = await options.repositories();
  };

  let cache: ClusterCache | undefined;
  let cacheScope = '';
  let ready: Promise<void> | undefined;
  const clusterFor = async (): Promise<ClusterCache> => {
    const scope = options.inClusterScope?.() ?? { namespaces: [], clusterResources: true };
    if (cache !== undefined && scopeKey(scope) !== cacheScope) {
      // The managed namespaces changed (a cluster Secret for in-cluster came, went or was edited): start over.
      const old = cache;
      cache = undefined;
      ready = undefined;
      const close = (): void => {
        old.rest.close();
      };
      void old.stop().then(close, close);
    }
    if (cache === undefined) {
      cacheScope = scopeKey(scope);
      cache = new ClusterCache({
        kubeConfig: options.kubeConfig,
        clusterUrl: IN_CLUSTER_SERVER,
        namespaces: scope.namespaces,
        clusterResources: scope.clusterResources,
        ...(options.log === undefined ? {} : { log: options.log }),
      });
    }
    const current = cache;
    ready ??= (async () => {
      await current.start();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([current.synced(), new Promise<void>((resolve) => (timer = setTimeout(resolve, options.syncTimeoutMs ?? 30_000)))]);
      clearTimeout(timer);
    })().catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    await ready;
    return current;
  };

  return {
    forApp: async (app) => {
      const dest = app.spec.destination;
      const local = (dest.server !== undefined && dest.server !== '' ? dest.server.replace(/\/+$/, '') === IN_CLUSTER_SERVER : dest.name === IN_CLUSTER_NAME);
      if (!local) return undefined;
      const c = await clusterFor();
      return { cache: c, rest: c.rest };
    },
    desired: async (app, revision) => {
      await refreshCredentials();
      return renderApp(repo, app, appInstanceName({ name: app.metadata.name, ...(app.metadata.namespace === undefined ? {} : { namespace: app.metadata.namespace }) }, options.namespace), revision);
    },
    revisionMetadata: async (repoURL, revision, project) => {
      await refreshCredentials();
      return repo.revisionMetadata(repoURL, revision, project);
    },
    instanceName: (app) => appInstanceName({ name: app.metadata.name, ...(app.metadata.namespace === undefined ? {} : { namespace: app.metadata.namespace }) }, options.namespace),
    compareOptions: (app) => ({
      ...(app.spec.destination.namespace === undefined ? {} : { destinationNamespace: app.spec.destination.namespace }),
      ...(app.spec.ignoreDifferences === undefined ? {} : { ignoreDifferences: app.spec.ignoreDifferences }),
    }),
    close: async () => {
      await cache?.stop();
      cache?.rest.close();
    },
  };
}
