// The live-state half of Argo CD's ApplicationService: resource tree, managed resources (desired vs live
// with diffs), manifests, events, one live object (read, patch, delete), revision metadata. Everything reads
// the destination cluster through a LiveStateSource (live-state.ts) and compares with the engine's
// compareApp, so the server and the controller reach the same verdicts.
//
// Decisions:
// - A resource named in a query (`resource`, `events`, `logs`) must be in the app's resource tree: an app's
//   readers cannot read arbitrary objects of the cluster through it (Argo CD checks the same).
// - Secret values never leave: live and desired Secrets have `data`/`stringData` values replaced with runs
//   of `+`, equal values with equal runs (as Argo CD's HideSecretData), so a diff still shows which keys
//   changed; their last-applied annotation is dropped.
// - Render and git failures answer 400 with their own error code (the source is what needs fixing).
import { compareApp } from '../../engine/compare.js';
import { assessHealth, toKubeObject } from '../../engine/health/index.js';
import { UserError, errorCodes, isKawaError, messageOf } from '../../errors.js';
import { resourcePath } from '../../kube/apply.js';
import { groupOf, isRecord, versionOf, type KubeObject } from '../../kube/objects.js';
import { KubeApiError } from '../../kube/rest.js';
import { LAST_APPLIED_ANNOTATION } from '../../kube/strip.js';
import { isDeepStrictEqual } from 'node:util';
import { sourcesOf, type Application } from '../../model/index.js';
import { ApiError, failedPrecondition, grpcCodes, invalidArgument, notFound } from '../http-errors.js';
import type { ResourceCoordinates } from '../rbac/index.js';
import type { CoreClient } from '../store.js';
import { kubeFailure } from '../store.js';
import type { LiveCluster, LiveStateSource } from '../../livestate/source.js';

export interface ParentRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface ResourceNode extends ParentRef {
  version: string;
  parentRefs?: ParentRef[];
  health?: { status: string; message?: string };
  info?: { name: string; value: string }[];
  images?: string[];
  resourceVersion?: string;
  createdAt?: string;
}

export interface ResourceTree {
  nodes: ResourceNode[];
  orphanedNodes: ResourceNode[];
}

export interface ResourceQuery {
  namespace?: string | undefined;
  resourceName: string;
  version?: string | undefined;
  group?: string | undefined;
  kind: string;
}

const unavailable = (message: string): ApiError => new ApiError(errorCodes.KUBE_API_FAILED, 503, grpcCodes.Unavailable, message);

/** Render/git failures are the source's problem: 400 with the underlying code. */
function sourceFailure(err: unknown): unknown {
  if (err instanceof ApiError || !(err instanceof UserError)) return err;
  return new ApiError(err.code, 400, grpcCodes.InvalidArgument, `failed to generate the manifests: ${err.message}`, { cause: err });
}

// ---- diff states ----------------------------------------------------------------------------------

function withoutManagedFields(obj: KubeObject): KubeObject {
  const { managedFields: _managedFields, ...metadata } = obj.metadata ?? {};
  return { ...obj, metadata };
}

/**
 * What the live object would look like once the desired one is applied (Argo CD's predictedLiveState): the
 * desired fields over the live ones, fields only the server or other managers set kept. A diff of
 * normalizedLiveState against it shows what the sync would change, not what the server defaulted. Lists of
 * named items merge by name; other lists are taken whole from the desired object.
 */
export function predictLiveState(live: unknown, desired: unknown): KubeObject {
  const named = (list: unknown): list is Record<string, unknown>[] => Array.isArray(list) && list.every((item) => isRecord(item) && typeof item['name'] === 'string');
  const merge = (l: unknown, d: unknown): unknown => {
    // Lists of named items (containers, env, volumes, ports) merge item by item, as server-side apply does.
    if (named(d) && named(l)) return d.map((item) => merge(l.find((other) => other['name'] === item['name']), item));
    if (!isRecord(d) || !isRecord(l)) return d;
    const out: Record<string, unknown> = { ...l };
    for (const [key, value] of Object.entries(d)) out[key] = merge(l[key], value);
    return out;
  };
  return merge(live, desired) as KubeObject;
}

// ---- secrets --------------------------------------------------------------------------------------

function isSecret(obj: KubeObject | undefined): boolean {
  return obj !== undefined && obj.kind === 'Secret' && groupOf(obj.apiVersion) === '';
}

/**
 * Argo CD's HideSecretData: each key's values across the given Secrets become `++++++++`, `++++++++++++`, …,
 * one run per distinct value, so equal values stay equal and a change is still visible. Returns copies.
 */
export function hideSecretData(objects: readonly (KubeObject | undefined)[]): (KubeObject | undefined)[] {
  const copies = objects.map((obj) => {
    if (obj === undefined || !isSecret(obj)) return obj;
    const data: Record<string, unknown> = { ...(isRecord(obj['data']) ? obj['data'] : {}) };
    // stringData is what the API server merges into data: compare it as data.
    for (const [key, value] of Object.entries(isRecord(obj['stringData']) ? obj['stringData'] : {})) {
      data[key] = typeof value === 'string' ? Buffer.from(value, 'utf8').toString('base64') : value;
    }
    const { stringData: _stringData, ...rest } = obj;
    const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...annotations } = obj.metadata?.annotations ?? {};
    const copy: KubeObject = { ...rest, metadata: { ...obj.metadata, annotations }, data };
    return copy;
  });
  // Only the Secret copies made above are masked: other objects (a ConfigMap's data) are shown as they are,
  // and never written to — they may be the live cache's own objects.
  const secrets = copies.filter((obj, i): obj is KubeObject => obj !== undefined && obj !== objects[i]);
  const keys = new Set<string>();
  for (const obj of secrets) if (isRecord(obj['data'])) for (const key of Object.keys(obj['data'])) keys.add(key);
  for (const key of keys) {
    let next = '++++++++';
    const replacements = new Map<string, string>();
    for (const obj of secrets) {
      if (!isRecord(obj['data']) || !(key in obj['data'])) continue;
      const value = String(obj['data'][key]);
      let replacement = replacements.get(value);
      if (replacement === undefined) {
        replacement = next;
        next += '++++';
        replacements.set(value, replacement);
      }
      obj['data'][key] = replacement;
    }
  }
  return copies;
}

function redact(obj: KubeObject): KubeObject {
  return isSecret(obj) ? (hideSecretData([obj])[0] ?? obj) : obj;
}

// ---- the tree ---------------------------------------------------------------------------------------

/** The object as a fine-grained RBAC action names it (rbac/actions.ts). */
function coordinatesOf(obj: KubeObject): ResourceCoordinates {
  const { group, kind, namespace, name } = refOfNode(obj);
  return { group, kind, namespace, name };
}

function refOfNode(obj: KubeObject): ParentRef {
  return { group: groupOf(obj.apiVersion), kind: obj.kind ?? '', namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '', uid: obj.metadata?.uid ?? '' };
}

function podInfo(obj: KubeObject): { info: { name: string; value: string }[]; images: string[] } {
  const spec = isRecord(obj['spec']) ? obj['spec'] : {};
  const status = isRecord(obj['status']) ? obj['status'] : {};
  const containers = Array.isArray(spec['containers']) ? spec['containers'].filter(isRecord) : [];
  const statuses = Array.isArray(status['containerStatuses']) ? status['containerStatuses'].filter(isRecord) : [];
  const ready = statuses.filter((s) => s['ready'] === true).length;
  const restarts = statuses.reduce((sum, s) => sum + (typeof s['restartCount'] === 'number' ? s['restartCount'] : 0), 0);
  const reason = typeof status['reason'] === 'string' ? status['reason'] : typeof status['phase'] === 'string' ? status['phase'] : 'Unknown';
  const info = [
    { name: 'Status Reason', value: reason },
    ...(typeof spec['nodeName'] === 'string' ? [{ name: 'Node', value: spec['nodeName'] }] : []),
    { name: 'Containers', value: `${ready}/${containers.length}` },
    ...(restarts > 0 ? [{ name: 'Restart Count', value: String(restarts) }] : []),
  ];
  return { info, images: containers.map((c) => (typeof c['image'] === 'string' ? c['image'] : '')).filter((i) => i !== '') };
}

function nodeOf(obj: KubeObject, parents: ParentRef[]): ResourceNode {
  const ref = refOfNode(obj);
  const node: ResourceNode = { ...ref, version: versionOf(obj.apiVersion ?? '') };
  if (parents.length > 0) node.parentRefs = parents;
  const checked = toKubeObject(obj);
  const health = checked === undefined ? undefined : assessHealth(checked);
  if (health !== undefined) node.health = health.message === undefined ? { status: health.status } : { status: health.status, message: health.message };
  if (obj.kind === 'Pod' && ref.group === '') Object.assign(node, podInfo(obj));
  if (obj.metadata?.resourceVersion !== undefined) node.resourceVersion = obj.metadata.resourceVersion;
  if (typeof obj.metadata?.creationTimestamp === 'string') node.createdAt = obj.metadata.creationTimestamp;
  return node;
}

/** The app's live objects (by tracking mark) and everything they own, children with their parentRefs. */
export function buildTree(cluster: LiveCluster, instance: string): { tree: ResourceTree; objects: KubeObject[] } {
  const nodes: ResourceNode[] = [];
  const objects: KubeObject[] = [];
  const seen = new Set<string>();
  const queue: { obj: KubeObject; parents: ParentRef[] }[] = cluster.cache.objectsOf(instance).map((obj) => ({ obj, parents: [] }));
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const uid = item.obj.metadata?.uid;
    const key = uid ?? `${item.obj.apiVersion ?? ''}/${item.obj.kind ?? ''}/${item.obj.metadata?.namespace ?? ''}/${item.obj.metadata?.name ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    nodes.push(nodeOf(item.obj, item.parents));
    objects.push(item.obj);
    if (uid === undefined) continue;
    const parent = refOfNode(item.obj);
    for (const child of cluster.cache.childrenOf(uid)) queue.push({ obj: child, parents: [parent] });
  }
  const order = (n: ResourceNode): string => `${n.group}/${n.kind}/${n.namespace}/${n.name}`;
  nodes.sort((a, b) => order(a).localeCompare(order(b)));
  return { tree: { nodes, orphanedNodes: [] }, objects };
}

// ---- the service ------------------------------------------------------------------------------------

export interface ManagedResource {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  targetState: string;
  liveState: string;
  normalizedLiveState: string;
  predictedLiveState: string;
  diff?: string;
  hook: boolean;
  modified: boolean;
  resourceVersion?: string;
}

export class LiveService {
  constructor(
    private readonly source: LiveStateSource | undefined,
    private readonly core: CoreClient,
  ) {}

  private live(): LiveStateSource {
    if (this.source === undefined) throw unavailable('live state is not available on this server');
    return this.source;
  }

  async cluster(app: Application): Promise<LiveCluster> {
    let cluster: LiveCluster | undefined;
    try {
      cluster = await this.live().forApp(app);
    } catch (err) {
      throw isKawaError(err) || err instanceof ApiError ? err : unavailable(`the destination cluster cannot be read: ${messageOf(err)}`);
    }
    const dest = app.spec.destination;
    if (cluster === undefined) throw failedPrecondition(`the destination cluster ${dest.server ?? dest.name ?? ''} is not available to this server`);
    return cluster;
  }

  async tree(app: Application): Promise<ResourceTree> {
    return buildTree(await this.cluster(app), this.live().instanceName(app)).tree;
  }

  async managedResources(app: Application, filter: Partial<ResourceQuery>): Promise<ManagedResource[]> {
    const cluster = await this.cluster(app);
    let desired;
    try {
      desired = await this.live().desired(app, comparedRevision(app));
    } catch (err) {
      throw sourceFailure(err);
    }
    const comparison = compareApp({ appName: this.live().instanceName(app), desired: desired.objects, live: cluster.cache, options: this.live().compareOptions(app) });
    const json = (obj: KubeObject | undefined): string => (obj === undefined ? 'null' : JSON.stringify(obj));
    return comparison.resources
      .filter(
        (r) =>
          (filter.kind === undefined || filter.kind === '' || r.kind === filter.kind) &&
          (filter.group === undefined || r.group === filter.group) &&
          (filter.namespace === undefined || filter.namespace === '' || r.namespace === filter.namespace) &&
          (filter.resourceName === undefined || filter.resourceName === '' || r.name === filter.resourceName),
      )
      .map((r) => {
        const [target, live] = hideSecretData([r.desired, r.live]);
        return {
          group: r.group,
          kind: r.kind,
          namespace: r.namespace,
          name: r.name,
          targetState: json(target),
          liveState: json(live),
          normalizedLiveState: json(live === undefined ? undefined : withoutManagedFields(live)),
          predictedLiveState: json(target === undefined ? live : live === undefined ? target : predictLiveState(withoutManagedFields(live), target)),
          ...(r.diff === undefined ? {} : { diff: JSON.stringify(r.diff.differences) }),
          hook: r.hook === true,
          modified: r.status === 'OutOfSync',
          ...(r.live?.metadata?.resourceVersion === undefined ? {} : { resourceVersion: r.live.metadata.resourceVersion }),
        };
      });
  }

  async manifests(app: Application, revision: string | undefined): Promise<{ manifests: string[]; revision: string; sourceType: string; namespace: string; server: string }> {
    let desired;
    try {
      desired = await this.live().desired(app, revision === '' ? undefined : revision);
    } catch (err) {
      throw sourceFailure(err);
    }
    return {
      manifests: desired.objects.map((o) => JSON.stringify(redact(o))),
      revision: desired.revisions.join(','),
      sourceType: desired.sourceTypes[0] ?? '',
      namespace: app.spec.destination.namespace ?? '',
      server: app.spec.destination.server ?? '',
    };
  }

  async revisionMetadata(app: Application, revision: string, sourceIndex: number | undefined): Promise<{ author: string; date: string; tags: string[]; message: string }> {
    const sources = sourcesOf(app.spec);
    const source = sources[sourceIndex ?? 0];
    if (source === undefined) throw invalidArgument(`source index ${String(sourceIndex)} is out of range`);
    try {
      // Read with the app's project's repository credentials, as its manifests are.
      const meta = await this.live().revisionMetadata(source.repoURL, revision, app.spec.project === '' ? 'default' : app.spec.project);
      return { author: meta.author, date: meta.date, tags: meta.tags, message: meta.message };
    } catch (err) {
      throw sourceFailure(err);
    }
  }

  /** The live object named by `query`, which must be part of the app's tree; read afresh from the cluster. */
  async findInTree(app: Application, query: ResourceQuery): Promise<{ cluster: LiveCluster; obj: KubeObject }> {
    const cluster = await this.cluster(app);
    const { objects } = buildTree(cluster, this.live().instanceName(app));
    const obj = objects.find(
      (o) =>
        o.kind === query.kind &&
        groupOf(o.apiVersion) === (query.group ?? '') &&
        (o.metadata?.namespace ?? '') === (query.namespace ?? '') &&
        o.metadata?.name === query.resourceName,
    );
    if (obj === undefined) throw notFound(`${query.kind} ${query.namespace ?? ''}/${query.resourceName} is not a resource of application ${app.metadata.name}`);
    return { cluster, obj };
  }

  private async resourcePathOf(cluster: LiveCluster, obj: KubeObject, version: string | undefined): Promise<string> {
    const ref = refOfNode(obj);
    const resource = await cluster.cache.resolveResource({ group: ref.group, kind: ref.kind });
    if (resource === undefined) throw notFound(`the cluster does not serve ${ref.group}/${ref.kind}`);
    return resourcePath(resource, version !== undefined && version !== '' ? version : versionOf(obj.apiVersion ?? resource.version), ref.namespace, ref.name);
  }

  async resource(app: Application, query: ResourceQuery): Promise<string> {
    const { cluster, obj } = await this.findInTree(app, query);
    const path = await this.resourcePathOf(cluster, obj, query.version);
    let live: unknown;
    try {
      live = await cluster.rest.getJson(path);
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) throw notFound(`${query.kind} ${query.resourceName} not found`);
      throw kubeFailure(err, `reading ${query.kind} ${query.resourceName}`);
    }
    if (!isRecord(live)) throw unavailable('the cluster answered something that is not an object');
    return JSON.stringify(redact(live));
  }

  /**
   * Patch one live resource of the app. `authorize` is called with the coordinates of the object found in
   * the tree, before anything is written, so RBAC judges the object itself and not the request's words.
   */
  async patchResource(app: Application, query: ResourceQuery, patch: string, patchType: string, authorize: (resource: ResourceCoordinates) => void): Promise<string> {
    const contentType =
      patchType === 'merge' || patchType === 'application/merge-patch+json'
        ? 'application/merge-patch+json'
        : patchType === 'strategic' || patchType === 'application/strategic-merge-patch+json'
          ? 'application/strategic-merge-patch+json'
          : 'application/json-patch+json';
    try {
      JSON.parse(patch);
    } catch {
      throw invalidArgument('the patch is not valid JSON');
    }
    const { cluster, obj } = await this.findInTree(app, query);
    authorize(coordinatesOf(obj));
    const path = await this.resourcePathOf(cluster, obj, query.version);
    let patched: unknown;
    try {
      patched = await cluster.rest.request('PATCH', path, { body: patch, contentType, query: { fieldManager: 'argocd-server' } });
    } catch (err) {
      const status = err instanceof KubeApiError ? err.statusCode : undefined;
      if (status === 400 || status === 422 || status === 415) throw invalidArgument(`patch refused: ${err instanceof KubeApiError ? (err.serverMessage ?? err.message) : messageOf(err)}`);
      throw kubeFailure(err, `patching ${query.kind} ${query.resourceName}`);
    }
    if (!isRecord(patched)) throw unavailable('the cluster answered something that is not an object');
    return JSON.stringify(redact(patched));
  }

  /**
   * Delete one live resource of the app, as Argo CD's DeleteResource: foreground by default, `orphan`
   * leaves its dependents, `force` deletes in the background with no grace period. The uid precondition
   * makes sure the object deleted is the one that was authorized, not a namesake created meanwhile.
   * `authorize` is called as for patchResource.
   */
  async deleteResource(app: Application, query: ResourceQuery & { force?: boolean | undefined; orphan?: boolean | undefined }, authorize: (resource: ResourceCoordinates) => void): Promise<void> {
    const { cluster, obj } = await this.findInTree(app, query);
    authorize(coordinatesOf(obj));
    const path = await this.resourcePathOf(cluster, obj, query.version);
    const uid = obj.metadata?.uid;
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: query.orphan === true ? 'Orphan' : query.force === true ? 'Background' : 'Foreground',
      ...(query.force === true && query.orphan !== true ? { gracePeriodSeconds: 0 } : {}),
      ...(uid === undefined ? {} : { preconditions: { uid } }),
    };
    try {
      await cluster.rest.request('DELETE', path, { body });
    } catch (err) {
      const status = err instanceof KubeApiError ? err.statusCode : undefined;
      if (status === 404 || status === 409) throw notFound(`${query.kind} ${query.resourceName} not found`);
      throw kubeFailure(err, `deleting ${query.kind} ${query.resourceName}`);
    }
  }

  /** Kubernetes Events of the app itself, or of one of its resources (from the destination cluster). */
  async events(app: Application, query: { resourceName?: string | undefined; resourceNamespace?: string | undefined; resourceUID?: string | undefined }): Promise<unknown[]> {
    if (query.resourceName === undefined || query.resourceName === '') {
      const namespace = app.metadata.namespace ?? '';
      const uid = app.metadata.uid;
      const fields = [`involvedObject.name=${app.metadata.name}`, `involvedObject.namespace=${namespace}`, ...(typeof uid === 'string' ? [`involvedObject.uid=${uid}`] : [])];
      try {
        const list = await this.core.listNamespacedEvent({ namespace, fieldSelector: fields.join(',') });
        return list.items.map((e) => JSON.parse(JSON.stringify(e)) as unknown);
      } catch (err) {
        throw kubeFailure(err, `listing the Events of application ${app.metadata.name}`);
      }
    }
    const cluster = await this.cluster(app);
    const { objects } = buildTree(cluster, this.live().instanceName(app));
    const obj = objects.find(
      (o) =>
        o.metadata?.name === query.resourceName &&
        (o.metadata?.namespace ?? '') === (query.resourceNamespace ?? '') &&
        (query.resourceUID === undefined || query.resourceUID === '' || o.metadata?.uid === query.resourceUID),
    );
    if (obj === undefined) throw notFound(`${query.resourceNamespace ?? ''}/${query.resourceName} is not a resource of application ${app.metadata.name}`);
    const ns = obj.metadata?.namespace ?? '';
    const fields = [`involvedObject.name=${obj.metadata?.name ?? ''}`, ...(obj.metadata?.uid === undefined ? [] : [`involvedObject.uid=${obj.metadata.uid}`])];
    try {
      const list = await cluster.rest.getJson(ns === '' ? '/api/v1/events' : `/api/v1/namespaces/${encodeURIComponent(ns)}/events`, { query: { fieldSelector: fields.join(',') } });
      const items: unknown[] = isRecord(list) && Array.isArray(list['items']) ? list['items'] : [];
      return items;
    } catch (err) {
      throw kubeFailure(err, `listing the Events of ${obj.kind ?? ''} ${obj.metadata?.name ?? ''}`);
    }
  }

  /** The Pods of the app (or of one of its resources) for `logs`. */
  async pods(app: Application, filter: { podName?: string | undefined; namespace?: string | undefined; kind?: string | undefined; resourceName?: string | undefined; group?: string | undefined }): Promise<{ cluster: LiveCluster; pods: KubeObject[] }> {
    const cluster = await this.cluster(app);
    const { objects } = buildTree(cluster, this.live().instanceName(app));
    const isPod = (o: KubeObject): boolean => o.kind === 'Pod' && groupOf(o.apiVersion) === '';
    let pods: KubeObject[];
    if (filter.podName !== undefined && filter.podName !== '') {
      pods = objects.filter((o) => isPod(o) && o.metadata?.name === filter.podName && (filter.namespace === undefined || filter.namespace === '' || o.metadata?.namespace === filter.namespace));
    } else if (filter.resourceName !== undefined && filter.resourceName !== '' && filter.kind !== undefined) {
      const root = objects.find((o) => o.kind === filter.kind && groupOf(o.apiVersion) === (filter.group ?? groupOf(o.apiVersion)) && o.metadata?.name === filter.resourceName);
      const uid = root?.metadata?.uid;
      pods = root === undefined ? [] : isPod(root) ? [root] : uid === undefined ? [] : cluster.cache.descendantsOf(uid).filter(isPod);
    } else {
      pods = objects.filter(isPod);
    }
    if (pods.length === 0) throw notFound(`no matching Pods of application ${app.metadata.name}`);
    return { cluster, pods };
  }
}

/**
 * The revision the controller last compared a single-source app with (`status.sync.revision`), while
 * the source it compared is still the app's (or is not recorded): managed-resources then shows the same difference as the
 * app's sync status (Argo CD serves the controller's comparison), not whatever the branch says this
 * second. Undefined otherwise: render the target revision.
 */
export function comparedRevision(app: Application): string | undefined {
  const sync = app.status?.sync;
  const revision = sync?.revision;
  if (revision === undefined || revision === '' || (app.spec.sources?.length ?? 0) > 0) return undefined;
  // A status without comparedTo (written by an older controller) is taken at its word.
  const compared = sync?.comparedTo?.source;
  return compared === undefined || isDeepStrictEqual(compared, app.spec.source) ? revision : undefined;
}
