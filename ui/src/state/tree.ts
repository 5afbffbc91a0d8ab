// The resource tree as a graph: Application → managed objects → owned objects (ReplicaSets, Pods…).
// Built from the resource-tree answer when there is one and from `status.resources` otherwise (the
// managed objects, with their sync status). Big apps stay readable and fast: when one parent has more
// than `groupThreshold` children of one kind they collapse into a single group node, expanded on demand.
import type { Application, ApplicationTree, HealthStatusCode, ResourceRef, ResourceStatus, SyncStatusCode } from '../api/types';

export interface TreeResource {
  readonly key: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string | undefined;
  /** Sync status of a managed object; undefined for owned objects (never compared). */
  readonly sync?: SyncStatusCode | undefined;
  readonly health?: HealthStatusCode | undefined;
  readonly healthMessage?: string | undefined;
  readonly parents: readonly string[];
  readonly managed: boolean;
  readonly hook: boolean;
  readonly requiresPruning: boolean;
  readonly info: readonly { name: string; value: string }[];
  readonly images: readonly string[];
  readonly createdAt?: string | undefined;
}

export const ROOT_ID = 'app';

export function resourceKey(ref: Pick<ResourceRef, 'group' | 'kind' | 'namespace' | 'name'>): string {
  return `${ref.group ?? ''}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

const HEALTH_ORDER: readonly HealthStatusCode[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

/** The worse of two health statuses, in Argo CD's order (Unknown is the worst). */
export function worseHealth(a: HealthStatusCode | undefined, b: HealthStatusCode | undefined): HealthStatusCode | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return HEALTH_ORDER.indexOf(a) >= HEALTH_ORDER.indexOf(b) ? a : b;
}

/** Where a resource is: the same fields whether the tree or the app's status knows of it. */
function placeOf(key: string, ref: ResourceRef) {
  return { key, group: ref.group ?? '', version: ref.version ?? '', kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name };
}

/** What the app's status says of a resource it manages; for one it does not, that it is not managed. */
function managedStateOf(m: ResourceStatus | undefined) {
  return { sync: m?.status, managed: m !== undefined, hook: m?.hook === true, requiresPruning: m?.requiresPruning === true };
}

/** Every object of the app, managed or owned, with parents resolved to keys. */
export function treeResources(app: Application, tree: ApplicationTree | undefined): TreeResource[] {
  const out = new Map<string, TreeResource>();
  const managed = new Map<string, ResourceStatus>();
  for (const r of app.status?.resources ?? []) managed.set(resourceKey(r), r);
  const nodes = tree?.nodes ?? [];
  const byUid = new Map<string, string>();
  for (const n of nodes) if (n.uid !== undefined) byUid.set(n.uid, resourceKey(n));
  for (const n of nodes) {
    const key = resourceKey(n);
    const m = managed.get(key);
    const parents = (n.parentRefs ?? []).map((p) => (p.uid !== undefined ? (byUid.get(p.uid) ?? resourceKey(p)) : resourceKey(p)));
    out.set(key, {
      ...placeOf(key, n),
      ...managedStateOf(m),
      uid: n.uid,
      health: n.health?.status ?? m?.health?.status,
      healthMessage: n.health?.message ?? m?.health?.message,
      parents,
      info: n.info ?? [],
      images: n.images ?? [],
      createdAt: n.createdAt,
    });
  }
  // Managed objects the tree does not know (not created yet, or no tree from the server).
  for (const [key, r] of managed) {
    if (out.has(key)) continue;
    out.set(key, {
      ...placeOf(key, r),
      ...managedStateOf(r),
      health: r.health?.status,
      healthMessage: r.health?.message,
      parents: [],
      info: [],
      images: [],
    });
  }
  // Parents that are not part of the app hang from the app itself.
  return [...out.values()].map((r) => (r.parents.every((p) => out.has(p)) ? r : { ...r, parents: r.parents.filter((p) => out.has(p)) }));
}

export type GraphNodeData =
  | { readonly type: 'app'; readonly label: string; readonly sync?: SyncStatusCode | undefined; readonly health?: HealthStatusCode | undefined }
  | { readonly type: 'resource'; readonly resource: TreeResource }
  | {
      readonly type: 'group';
      readonly groupId: string;
      readonly kind: string;
      readonly count: number;
      readonly health?: HealthStatusCode | undefined;
      readonly outOfSync: number;
    };

export interface GraphNode {
  readonly id: string;
  readonly data: GraphNodeData;
}

export interface GraphEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
}

export interface GraphOptions {
  /** Children of one kind under one parent beyond which they are grouped (default 10). */
  readonly groupThreshold?: number;
  /** Group ids the user expanded. */
  readonly expanded?: ReadonlySet<string>;
  /** Only these resources (e.g. a search); their ancestors are kept so the tree stays connected. */
  readonly visible?: (r: TreeResource) => boolean;
}

export function buildGraph(app: Application, resources: readonly TreeResource[], options: GraphOptions = {}): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const threshold = options.groupThreshold ?? 10;
  const expanded = options.expanded ?? new Set<string>();
  const byKey = new Map(resources.map((r) => [r.key, r]));

  let shown: Set<string> | undefined;
  if (options.visible !== undefined) {
    shown = new Set();
    const keep = (key: string, depth: number): void => {
      const r = byKey.get(key);
      if (r === undefined || shown?.has(key) === true || depth > 50) return;
      shown?.add(key);
      for (const p of r.parents) keep(p, depth + 1);
    };
    for (const r of resources) if (options.visible(r)) keep(r.key, 0);
  }

  const children = new Map<string, TreeResource[]>();
  for (const r of resources) {
    if (shown !== undefined && !shown.has(r.key)) continue;
    const parents = r.parents.length === 0 ? [ROOT_ID] : r.parents;
    for (const p of parents) {
      const list = children.get(p) ?? [];
      list.push(r);
      children.set(p, list);
    }
  }

  const nodes: GraphNode[] = [{ id: ROOT_ID, data: { type: 'app', label: app.metadata.name, sync: app.status?.sync?.status, health: app.status?.health?.status } }];
  const edges: GraphEdge[] = [];
  const placed = new Set<string>([ROOT_ID]);
  const queue: string[] = [ROOT_ID];
  while (queue.length > 0) {
    const parent = queue.shift() ?? ROOT_ID;
    const kids = children.get(parent) ?? [];
    const byKind = new Map<string, TreeResource[]>();
    for (const k of kids) {
      const list = byKind.get(k.kind) ?? [];
      list.push(k);
      byKind.set(k.kind, list);
    }
    for (const [kind, list] of [...byKind].sort((a, b) => a[0].localeCompare(b[0]))) {
      list.sort((a, b) => a.name.localeCompare(b.name));
      const groupId = `group:${parent}:${kind}`;
      if (list.length > threshold && !expanded.has(groupId)) {
        let health: HealthStatusCode | undefined;
        let outOfSync = 0;
        for (const r of list) {
          health = worseHealth(health, r.health);
          if (r.sync === 'OutOfSync') outOfSync += 1;
        }
        nodes.push({ id: groupId, data: { type: 'group', groupId, kind, count: list.length, health, outOfSync } });
        edges.push({ id: `${parent}->${groupId}`, source: parent, target: groupId });
        continue;
      }
      for (const r of list) {
        edges.push({ id: `${parent}->${r.key}`, source: parent, target: r.key });
        if (placed.has(r.key)) continue;
        placed.add(r.key);
        nodes.push({ id: r.key, data: { type: 'resource', resource: r } });
        queue.push(r.key);
      }
    }
  }
  return { nodes, edges };
}

/** Kinds whose objects are grouped first in the list view (the order kubectl applies them in). */
export function sortResources(resources: readonly TreeResource[]): TreeResource[] {
  return [...resources].sort((a, b) => Number(b.managed) - Number(a.managed) || a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
