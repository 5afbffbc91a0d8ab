// The live-state cache of one cluster: an informer per watched resource type, kept in step with discovery
// (CRDs and aggregated APIs appear and disappear at runtime), plus the indexes the controller needs —
// objects by owning Application (tracking id or instance label), children by owner uid — and one change
// feed, so the controller re-compares only the apps an event touches. Steady state costs no API calls
// beyond the watches.
//
// A cluster limited to some namespaces (a cluster Secret's `namespaces`, or a namespace install's own
// namespace) is watched as Argo CD does: one list+watch per managed namespace for each namespaced type,
// cluster-scoped types only with `clusterResources`. Such an identity holds Roles in those namespaces
// only; a cluster-wide list would be refused (403) on every type. Discovery needs no RBAC of its own.
import type { KubeConfig } from '@kubernetes/client-node';
import { messageOf } from '../errors.js';
import { Discovery, discoverApiResources, isWatchable, type ApiResource, type DiscoveryResult } from './discovery.js';
import { Informer, type BackoffOptions, type InformerEvent, type InformerEventType, type InformerLogger, type InformerStats } from './informer.js';
import { kubeListWatch } from './listwatch.js';
import {
  groupKindKey,
  groupOf,
  isRecord,
  keyOf,
  ownerReferencesOf,
  parseResourceKey,
  type GroupKind,
  type KubeObject,
  type OwnerReference,
  type ResourceRef,
  resourceKey,
} from './objects.js';
import { ResourceFilter, type ExclusionReason } from './resource-filter.js';
import { KubeRest } from './rest.js';
import { stripForCache } from './strip.js';
import { trackedAppInstance, type TrackingOptions } from './tracking.js';

export interface CacheEvent {
  type: InformerEventType;
  key: string;
  /** The object as cached; for DELETED, its last known state. */
  obj: KubeObject;
  /**
   * The app instance the object belongs to: the one its tracking mark names, or for an untracked object
   * the app of its nearest tracked owner (a Pod of a tracked Deployment), when the owner is cached.
   */
  app?: string;
  /** Set when the object's tracking mark moved it from another app (or removed it from one). */
  previousApp?: string;
}

export type CacheListener = (event: CacheEvent) => void;

export interface TypeStats extends InformerStats {
  version: string;
  namespaced: boolean;
}

export interface CacheStats {
  /** Per `group/kind`. */
  types: Record<string, TypeStats>;
  objects: number;
  /** Apps with at least one tracked object. */
  apps: number;
  /** Serialized JSON size of every cached object (computed on each call: one serialization pass). */
  jsonBytes: number;
  /** Rough heap estimate of the cached objects: {@link HEAP_BYTES_PER_JSON_BYTE} × jsonBytes. */
  estimatedBytes: number;
}

/**
 * Heap bytes per byte of JSON for parsed objects (V8 object headers, property arrays, small arrays). Measured
 * on kawa's stripped objects: 1.2 for ConfigMaps (one long string), 1.8 for Pods, 2.3 for ClusterRoles
 * (many short arrays). Fixed costs per watched type (informer, open watch) come on top.
 */
export const HEAP_BYTES_PER_JSON_BYTE = 2;

export interface ClusterCacheOptions {
  kubeConfig: KubeConfig;
  /** The client for lists and discovery; default a new one for kubeConfig. Share one to share its connections and request count. */
  rest?: KubeRest;
  /** The cluster's URL as kawa names it (cluster secret `server`), matched by `clusters` globs. Default: the kubeconfig's server. */
  clusterUrl?: string;
  resourceFilter?: ResourceFilter;
  tracking?: TrackingOptions;
  /** List page size (default 500). */
  pageSize?: number;
  backoff?: Partial<BackoffOptions>;
  /** Re-discovery is at most this frequent (default 1 s). */
  discoveryMinIntervalMs?: number;
  /** Periodic re-discovery, for aggregated APIs that come and go without a CRD event (default 10 min; 0 = off). */
  discoveryResyncMs?: number;
  /** Use the per-group discovery documents instead of aggregated discovery. */
  legacyDiscovery?: boolean;
  /**
   * Only these namespaces are cached (a list+watch in each); empty or absent: every namespace, through one
   * cluster-wide list+watch per type. Argo CD's cluster Secret `namespaces`.
   */
  namespaces?: readonly string[];
  /** With `namespaces`: also cache cluster-scoped types (default false, as Argo CD). Without `namespaces` they always are. */
  clusterResources?: boolean;
  log?: InformerLogger;
}

/** What part of a cluster a cache follows: every namespace, or some (and then cluster-scoped types or not). */
export interface CacheScope {
  /** Empty: every namespace. */
  readonly namespaces: readonly string[];
  readonly clusterResources: boolean;
}

/** One list+watch of a type: of the whole cluster (key ''), or of one namespace. */
interface TypeWatch {
  informer: Informer;
  store: Map<string, KubeObject>;
}

interface TypeState {
  resource: ApiResource;
  /** Keyed by namespace for a type watched per namespace, else one entry keyed ''. */
  watches: Map<string, TypeWatch>;
  perNamespace: boolean;
}

function* objectsOfType(state: TypeState): Generator<[string, KubeObject]> {
  for (const watch of state.watches.values()) yield* watch.store;
}

function objectCount(state: TypeState): number {
  let n = 0;
  for (const watch of state.watches.values()) n += watch.store.size;
  return n;
}

function storeFor(state: TypeState, namespace: string): Map<string, KubeObject> | undefined {
  return state.watches.get(state.perNamespace ? namespace : '')?.store;
}

/** One type's stats over its watches: counters summed, synced when every watch is. */
function typeStats(state: TypeState): InformerStats {
  const all = [...state.watches.values()].map((w) => w.informer.stats());
  const sum = (f: (s: InformerStats) => number): number => all.reduce((n, s) => n + f(s), 0);
  const lastError = all.find((s) => s.lastError !== undefined)?.lastError;
  return {
    objects: sum((s) => s.objects),
    lists: sum((s) => s.lists),
    relists: sum((s) => s.relists),
    watches: sum((s) => s.watches),
    errors: sum((s) => s.errors),
    ...(lastError === undefined ? {} : { lastError }),
    // One resourceVersion per watch; for a single watch it is that one.
    resourceVersion: all.map((s) => s.resourceVersion).join(','),
    synced: all.every((s) => s.synced),
  };
}

const CRD: GroupKind = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' };
const API_SERVICE: GroupKind = { group: 'apiregistration.k8s.io', kind: 'APIService' };
/** Owner chains deeper than this are not followed (a cycle of bad ownerReferences must not hang us). */
const MAX_OWNER_DEPTH = 10;
/** CRD changes not yet visible in discovery are re-checked this many times (at the min interval) before giving up. */
const MAX_CRD_RETRIES = 30;

const silentLogger: InformerLogger = { debug: () => undefined, warn: () => undefined };

function isEstablished(crd: KubeObject): boolean {
  const status = crd['status'];
  const conditions = isRecord(status) && Array.isArray(status['conditions']) ? status['conditions'] : [];
  return conditions.some((c) => isRecord(c) && c['type'] === 'Established' && c['status'] === 'True');
}

/** The group/kind a CRD defines, or undefined for a malformed one. */
function crdGroupKind(crd: KubeObject): GroupKind | undefined {
  const spec = crd['spec'];
  if (!isRecord(spec) || typeof spec['group'] !== 'string' || !isRecord(spec['names'])) return undefined;
  const kind = spec['names']['kind'];
  return typeof kind === 'string' ? { group: spec['group'], kind } : undefined;
}

/** The controller owner first (that is the one the tree shows), then the rest in order. */
function ownersOf(obj: KubeObject): OwnerReference[] {
  const refs = ownerReferencesOf(obj);
  return [...refs].sort((a, b) => Number(b.controller === true) - Number(a.controller === true));
}

export class ClusterCache {
  readonly rest: KubeRest;
  private readonly discovery: Discovery;
  private readonly filter: ResourceFilter;
  private readonly log: InformerLogger;
  private readonly types = new Map<string, TypeState>();
  private readonly listeners = new Set<CacheListener>();
  private readonly uidIndex = new Map<string, string>();
  private readonly ownerIndex = new Map<string, Set<string>>();
  private readonly appIndex = new Map<string, Set<string>>();
  private readonly appOfKey = new Map<string, string>();
  /** Keys of namespaced objects by namespace (orphaned-resource checks list a namespace). */
  private readonly namespaceIndex = new Map<string, Set<string>>();
  private readonly clusterUrl: string;
  /** Serializes changes to the set of informers (discovery refreshes can overlap). */
  private typeSync: Promise<void> = Promise.resolve();
  private started: Promise<void> | undefined;
  private stopped = false;
  private resolveStopped!: () => void;
  private readonly stoppedPromise = new Promise<void>((resolve) => (this.resolveStopped = resolve));
  private discoveryTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private crdKinds = new Set<string>();
  private crdRetries = 0;
  private initialTypes: string[] = [];
  /** The namespaces cached, or undefined for the whole cluster. */
  private readonly namespaces: readonly string[] | undefined;
  private readonly clusterResources: boolean;

  constructor(private readonly options: ClusterCacheOptions) {
    const namespaces = [...new Set(options.namespaces ?? [])].filter((ns) => ns !== '').sort();
    this.namespaces = namespaces.length > 0 ? namespaces : undefined;
    this.clusterResources = this.namespaces === undefined || options.clusterResources === true;
    this.rest = options.rest ?? new KubeRest(options.kubeConfig);
    this.filter = options.resourceFilter ?? new ResourceFilter();
    this.log = options.log ?? silentLogger;
    this.clusterUrl = options.clusterUrl ?? this.rest.server;
    this.discovery = new Discovery({
      fetch: (): Promise<DiscoveryResult> => discoverApiResources(this.rest, { legacy: options.legacyDiscovery === true }),
      minIntervalMs: options.discoveryMinIntervalMs ?? 1000,
    });
  }

  /**
   * Discovers the API and starts an informer per watched type. Resolves once they are started (not
   * synced: see {@link synced}); rejects when the first discovery fails (the cluster is unreachable),
   * and may then be called again.
   */
  start(): Promise<void> {
    this.started ??= (async () => {
      await this.discovery.refresh();
      await this.syncTypes();
      this.initialTypes = [...this.types.keys()];
      const resyncMs = this.options.discoveryResyncMs ?? 600_000;
      if (resyncMs > 0) {
        this.resyncTimer = setInterval(() => {
          this.scheduleDiscovery();
        }, resyncMs);
        this.resyncTimer.unref();
      }
    })().catch((err: unknown) => {
      this.started = undefined;
      throw err;
    });
    return this.started;
  }

  /**
   * Resolves when every type watched at start has finished its first list — or failed it for good
   * (403, 404: see {@link unsyncedTypes}) — or when the cache is stopped.
   */
  async synced(): Promise<void> {
    await Promise.race([this.start(), this.stoppedPromise]);
    // An informer replaced meanwhile (its type changed version) settles when stopped; wait for its successor.
    while (!this.stopped) {
      const pending = this.initialTypes
        .flatMap((gk) => [...(this.types.get(gk)?.watches.values() ?? [])].map((w) => w.informer))
        .filter((informer) => !informer.isSettled);
      if (pending.length === 0) return;
      await Promise.race([Promise.all(pending.map((informer) => informer.settled)), this.stoppedPromise]);
    }
  }

  /** Stops every informer and timer. The cache keeps its last content but no longer changes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.resolveStopped();
    clearTimeout(this.discoveryTimer);
    clearInterval(this.resyncTimer);
    await this.typeSync;
    await Promise.all([...this.types.values()].flatMap((t) => [...t.watches.values()].map((w) => w.informer.stop())));
  }

  /** Subscribes to changes; returns the unsubscribe function. Listeners run synchronously, in order. */
  onChange(listener: CacheListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- reads ----

  get(key: string): KubeObject | undefined {
    const ref = parseResourceKey(key);
    if (ref === undefined) return undefined;
    const state = this.types.get(groupKindKey(ref));
    return state === undefined ? undefined : storeFor(state, ref.namespace)?.get(key);
  }

  getByRef(ref: ResourceRef): KubeObject | undefined {
    const state = this.types.get(groupKindKey(ref));
    return state === undefined ? undefined : storeFor(state, ref.namespace)?.get(resourceKey(ref));
  }

  /** The cached objects of a type, optionally of one namespace. */
  list(gk: GroupKind, namespace?: string): KubeObject[] {
    const state = this.types.get(groupKindKey(gk));
    if (state === undefined) return [];
    if (namespace !== undefined && state.perNamespace) return [...(storeFor(state, namespace)?.values() ?? [])];
    const all = [...objectsOfType(state)].map(([, obj]) => obj);
    return namespace === undefined ? all : all.filter((o) => (o.metadata?.namespace ?? '') === namespace);
  }

  /** What part of the cluster this cache follows. */
  scope(): CacheScope {
    return { namespaces: this.namespaces ?? [], clusterResources: this.clusterResources };
  }

  /**
   * Whether objects of `namespace` ('' for cluster-scoped ones) are cached, so kawa may manage them:
   * every namespace of an unlimited cache, else only the listed ones (cluster-scoped with clusterResources).
   */
  isNamespaceCached(namespace: string): boolean {
    if (this.namespaces === undefined) return true;
    return namespace === '' ? this.clusterResources : this.namespaces.includes(namespace);
  }

  byUid(uid: string): KubeObject | undefined {
    const key = this.uidIndex.get(uid);
    return key === undefined ? undefined : this.get(key);
  }

  /** App instances that track at least one cached object. */
  apps(): string[] {
    return [...this.appIndex.keys()].sort();
  }

  /** The objects whose tracking mark names `app` (its instance name, `ns_name` for apps outside the controller namespace). */
  objectsOf(app: string): KubeObject[] {
    return this.resolveKeys(this.appIndex.get(app));
  }

  /** The cached objects of one namespace, of every watched type. */
  objectsInNamespace(namespace: string): KubeObject[] {
    return this.resolveKeys(this.namespaceIndex.get(namespace));
  }

  /**
   * Objects of a namespace that nothing owns (no ownerReferences), tracked or not: the candidates for
   * Argo CD's orphaned resources (src/engine/orphaned.ts). A Pod of a ReplicaSet is not one; its owner is.
   */
  topLevelInNamespace(namespace: string): KubeObject[] {
    return this.objectsInNamespace(namespace).filter((obj) => ownerReferencesOf(obj).length === 0);
  }

  /** Objects whose ownerReferences name `uid` (a ReplicaSet's Pods, a Deployment's ReplicaSets). */
  childrenOf(uid: string): KubeObject[] {
    return this.resolveKeys(this.ownerIndex.get(uid));
  }

  /** Every object below `uid` in the owner tree, breadth first. */
  descendantsOf(uid: string): KubeObject[] {
    const out: KubeObject[] = [];
    const seen = new Set<string>([uid]);
    const queue = [uid];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const child of this.childrenOf(next)) {
        const childUid = child.metadata?.uid;
        if (childUid === undefined || seen.has(childUid)) continue;
        seen.add(childUid);
        out.push(child);
        queue.push(childUid);
      }
    }
    return out;
  }

  /** The app an object belongs to: its own tracking mark, else that of its nearest cached owner. */
  appOf(obj: KubeObject): string | undefined {
    const direct = trackedAppInstance(obj, this.options.tracking);
    if (direct !== undefined) return direct;
    let current: KubeObject | undefined = obj;
    for (let depth = 0; current !== undefined && depth < MAX_OWNER_DEPTH; depth++) {
      let parent: KubeObject | undefined;
      for (const owner of ownersOf(current)) {
        const ownerKey = owner.uid === undefined ? undefined : this.uidIndex.get(owner.uid);
        if (ownerKey === undefined) continue;
        const app = this.appOfKey.get(ownerKey);
        if (app !== undefined) return app;
        parent ??= this.get(ownerKey);
      }
      current = parent;
    }
    return undefined;
  }

  /** The types being watched. */
  watchedResources(): ApiResource[] {
    return [...this.types.values()].map((t) => t.resource);
  }

  isWatched(gk: GroupKind): boolean {
    return this.types.has(groupKindKey(gk));
  }

  /** Every type the cluster serves (watched or not), from the last discovery. */
  discoveredResources(): ApiResource[] {
    return this.discovery.resources();
  }

  /** The resource of a kind as last discovered, without asking the server (for pure comparisons). */
  lookupResource(gk: GroupKind): ApiResource | undefined {
    return this.discovery.lookup(gk);
  }

  /**
   * The resource of a kind (for applying an object of it). An unknown kind re-discovers once — at most
   * every discoveryMinIntervalMs — so a CRD applied a moment ago is found, and starts watching it.
   */
  async resolveResource(gk: GroupKind): Promise<ApiResource | undefined> {
    const before = this.discovery.lookup(gk);
    const found = await this.discovery.resolve(gk);
    if (before === undefined && found !== undefined) await this.syncTypes();
    return found;
  }

  /** Why a type is not watched by configuration (undefined when the filter lets it through). */
  exclusionReason(gk: GroupKind): ExclusionReason | undefined {
    return this.filter.exclusionReason(gk.group, gk.kind, this.clusterUrl);
  }

  /**
   * Types whose first list has not completed (typically 403: kawa may not read them). Their cached
   * emptiness proves nothing; together with {@link failedDiscoveryGroups} this says "do not prune".
   */
  unsyncedTypes(): string[] {
    return [...this.types.entries()].filter(([, t]) => [...t.watches.values()].some((w) => !w.informer.isSynced)).map(([gk]) => gk);
  }

  /** Group versions discovery could not read (an aggregated API server that is down). */
  failedDiscoveryGroups(): readonly string[] {
    return this.discovery.failedGroups;
  }

  stats(): CacheStats {
    const types: Record<string, TypeStats> = {};
    let objects = 0;
    let jsonBytes = 0;
    for (const [gk, state] of this.types) {
      types[gk] = { ...typeStats(state), version: state.resource.version, namespaced: state.resource.namespaced };
      objects += objectCount(state);
      for (const [, obj] of objectsOfType(state)) jsonBytes += JSON.stringify(obj).length;
    }
    return { types, objects, apps: this.appIndex.size, jsonBytes, estimatedBytes: Math.round(jsonBytes * HEAP_BYTES_PER_JSON_BYTE) };
  }

  /** Re-discovers now and starts/stops informers to match. */
  async refreshDiscovery(): Promise<void> {
    await this.discovery.refresh();
    await this.syncTypes();
    this.checkCrdsAgainstDiscovery();
  }

  /** Test hook: drops the current watch of a type as if its connection broke. */
  _dropWatch(gk: GroupKind): boolean {
    let dropped = false;
    for (const watch of this.types.get(groupKindKey(gk))?.watches.values() ?? []) dropped = watch.informer._dropWatch() || dropped;
    return dropped;
  }

  // ---- internals ----

  private resolveKeys(keys: Set<string> | undefined): KubeObject[] {
    const out: KubeObject[] = [];
    for (const key of keys ?? []) {
      const obj = this.get(key);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  private wanted(): Map<string, ApiResource> {
    const wanted = new Map<string, ApiResource>();
    for (const r of this.discovery.resources()) {
      // A cache limited to some namespaces follows cluster-scoped types only with clusterResources.
      if (!r.namespaced && !this.clusterResources) continue;
      if (isWatchable(r) && !this.filter.isExcluded(r.group, r.kind, this.clusterUrl)) wanted.set(groupKindKey(r), r);
    }
    return wanted;
  }

  /** Starts, restarts (version change) and stops informers so they match discovery. */
  private syncTypes(): Promise<void> {
    const run = this.typeSync.then(async () => {
      if (this.stopped) return;
      const wanted = this.wanted();
      const unreachableGroups = new Set(this.discovery.failedGroups.map((gv) => groupOf(gv)));
      for (const [gk, state] of [...this.types]) {
        // A group whose server is unreachable keeps its informers: its types are not known to be gone.
        if (!wanted.has(gk) && !unreachableGroups.has(state.resource.group)) await this.removeType(gk, state);
      }
      for (const [gk, resource] of wanted) {
        const state = this.types.get(gk);
        if (state === undefined) {
          this.startType(resource, new Map());
        } else if (state.resource.namespaced !== resource.namespaced) {
          // The scope changed: the watches are cut differently, so start over (the objects go and come back).
          await this.removeType(gk, state);
          this.startType(resource, new Map());
        } else if (state.resource.version !== resource.version || state.resource.resource !== resource.resource) {
          this.log.debug({ type: gk, from: state.resource.version, to: resource.version }, 'resource version changed, re-watching');
          await Promise.all([...state.watches.values()].map((w) => w.informer.stop()));
          this.startType(resource, new Map([...state.watches].map(([ns, w]) => [ns, w.store])));
        }
      }
    });
    this.typeSync = run.catch((err: unknown) => {
      this.log.warn({ err: messageOf(err) }, 'updating watched types failed');
    });
    return run;
  }

  /** Starts the list+watch of a type: one for the cluster, or one per cached namespace. `stores`: the previous watches' content, by namespace. */
  private startType(resource: ApiResource, stores: Map<string, Map<string, KubeObject>>): void {
    const gk = groupKindKey(resource);
    const namespaces = resource.namespaced ? this.namespaces : undefined;
    const perNamespace = namespaces !== undefined;
    const watches = new Map<string, TypeWatch>();
    for (const namespace of namespaces ?? ['']) {
      const store = stores.get(namespace) ?? new Map<string, KubeObject>();
      const informer = new Informer({
        name: namespace === '' ? gk : `${gk} in ${namespace}`,
        listWatch: kubeListWatch(this.rest, resource, namespace === '' ? {} : { namespace }),
        keyOf,
        transform: stripForCache,
        onEvent: (event) => {
          this.onInformerEvent(resource, event);
        },
        store,
        ...(this.options.pageSize === undefined ? {} : { pageSize: this.options.pageSize }),
        ...(this.options.backoff === undefined ? {} : { backoff: this.options.backoff }),
        log: this.log,
      });
      watches.set(namespace, { informer, store });
    }
    this.types.set(gk, { resource, watches, perNamespace });
    for (const watch of watches.values()) watch.informer.start();
  }

  private async removeType(gk: string, state: TypeState): Promise<void> {
    this.log.debug({ type: gk }, 'resource type gone, no longer watched');
    this.types.delete(gk);
    await Promise.all([...state.watches.values()].map((w) => w.informer.stop()));
    for (const [key, obj] of objectsOfType(state)) {
      const previous = this.appOfKey.get(key);
      this.unindex(key, obj);
      this.emit({ type: 'DELETED', key, obj, ...(previous === undefined ? {} : { app: previous }) });
    }
    for (const watch of state.watches.values()) watch.store.clear();
  }

  private onInformerEvent(resource: ApiResource, event: InformerEvent): void {
    const { key, obj } = event;
    const previous = this.appOfKey.get(key);
    let app: string | undefined;
    if (event.type === 'DELETED') {
      this.unindex(key, obj);
      app = previous ?? this.appOf(obj);
    } else {
      if (event.old) this.unindexOwners(key, event.old);
      this.index(key, obj);
      app = this.appOf(obj);
    }
    const current = this.appOfKey.get(key);
    this.emit({
      type: event.type,
      key,
      obj,
      ...(app === undefined ? {} : { app }),
      ...(previous !== undefined && previous !== current && event.type !== 'DELETED' ? { previousApp: previous } : {}),
    });
    if (this.isDiscoveryTrigger(resource)) this.scheduleDiscovery();
  }

  private isDiscoveryTrigger(gk: GroupKind): boolean {
    return (gk.group === CRD.group && gk.kind === CRD.kind) || (gk.group === API_SERVICE.group && gk.kind === API_SERVICE.kind);
  }

  private index(key: string, obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (uid !== undefined) this.uidIndex.set(uid, key);
    const namespace = obj.metadata?.namespace;
    if (namespace !== undefined && namespace !== '') {
      let keys = this.namespaceIndex.get(namespace);
      if (keys === undefined) this.namespaceIndex.set(namespace, (keys = new Set()));
      keys.add(key);
    }
    for (const owner of ownerReferencesOf(obj)) {
      if (owner.uid === undefined) continue;
      let children = this.ownerIndex.get(owner.uid);
      if (children === undefined) this.ownerIndex.set(owner.uid, (children = new Set()));
      children.add(key);
    }
    const app = trackedAppInstance(obj, this.options.tracking);
    const previous = this.appOfKey.get(key);
    if (previous === app) return;
    if (previous !== undefined) this.removeFromApp(previous, key);
    if (app !== undefined) {
      this.appOfKey.set(key, app);
      let keys = this.appIndex.get(app);
      if (keys === undefined) this.appIndex.set(app, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindexOwners(key: string, obj: KubeObject): void {
    for (const owner of ownerReferencesOf(obj)) {
      if (owner.uid === undefined) continue;
      const children = this.ownerIndex.get(owner.uid);
      children?.delete(key);
      if (children?.size === 0) this.ownerIndex.delete(owner.uid);
    }
  }

  private unindex(key: string, obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (uid !== undefined && this.uidIndex.get(uid) === key) this.uidIndex.delete(uid);
    const namespace = obj.metadata?.namespace;
    const inNamespace = namespace === undefined ? undefined : this.namespaceIndex.get(namespace);
    inNamespace?.delete(key);
    if (inNamespace?.size === 0 && namespace !== undefined) this.namespaceIndex.delete(namespace);
    this.unindexOwners(key, obj);
    const app = this.appOfKey.get(key);
    if (app !== undefined) this.removeFromApp(app, key);
  }

  private removeFromApp(app: string, key: string): void {
    this.appOfKey.delete(key);
    const keys = this.appIndex.get(app);
    keys?.delete(key);
    if (keys?.size === 0) this.appIndex.delete(app);
  }

  private emit(event: CacheEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.warn({ err: messageOf(err), key: event.key }, 'cache listener threw');
      }
    }
  }

  /** Re-discovers soon: now if the last discovery began long enough ago, else when the min interval has passed. */
  private scheduleDiscovery(): void {
    if (this.stopped || this.discoveryTimer !== undefined || this.started === undefined) return;
    this.discoveryTimer = setTimeout(() => {
      this.discoveryTimer = undefined;
      this.refreshDiscovery().catch((err: unknown) => {
        this.log.warn({ err: messageOf(err) }, 'API re-discovery failed');
      });
    }, this.discovery.waitBeforeRefresh());
    this.discoveryTimer.unref();
  }

  /**
   * The API server publishes a new CRD in discovery a moment after it becomes Established (and drops a
   * deleted one a moment after it is gone), so the discovery that a CRD event triggered can be too early.
   * Compare CRDs with discovery and look again, a bounded number of times, while they disagree.
   */
  private checkCrdsAgainstDiscovery(): void {
    const crds = this.types.get(groupKindKey(CRD));
    if (crds === undefined || this.stopped) return;
    const expected = new Set<string>();
    const terminating = new Set<string>();
    let disagree = false;
    for (const [, crd] of objectsOfType(crds)) {
      const gk = crdGroupKind(crd);
      if (gk === undefined) continue;
      if (crd.metadata?.deletionTimestamp !== undefined) {
        terminating.add(groupKindKey(gk));
        continue;
      }
      if (!isEstablished(crd)) continue;
      expected.add(groupKindKey(gk));
      if (this.discovery.lookup(gk) === undefined) disagree = true;
    }
    // Kinds of deleted CRDs are remembered until discovery no longer lists them.
    const pendingRemoval = [...this.crdKinds].filter((gk) => {
      if (expected.has(gk) || terminating.has(gk)) return false;
      const slash = gk.indexOf('/');
      return this.discovery.lookup({ group: gk.slice(0, slash), kind: gk.slice(slash + 1) }) !== undefined;
    });
    if (pendingRemoval.length > 0) disagree = true;
    this.crdKinds = new Set([...expected, ...terminating, ...pendingRemoval]);
    if (!disagree) {
      this.crdRetries = 0;
    } else if (this.crdRetries < MAX_CRD_RETRIES) {
      this.crdRetries++;
      this.scheduleDiscovery();
    }
  }
}
