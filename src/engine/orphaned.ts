// Argo CD's orphaned resources (AppProject `spec.orphanedResources`): objects in an app's destination
// namespace that no existing Application manages. Pure: the caller passes what the live-state cache
// holds (`ClusterCache.topLevelInNamespace` and `descendantsOf`), the project's settings and which apps
// exist. Matches Argo CD's controller: only when the project sets `orphanedResources` and the app has a
// destination namespace; the objects Kubernetes puts in every namespace are never orphans; an object
// tracked by an Application that no longer exists is one; the children of an orphan are counted with it.
import { groupOf, type GroupKind, type KubeObject } from '../kube/objects.js';
import { trackedAppInstance, type TrackingOptions } from '../kube/tracking.js';

/** `spec.orphanedResources` of an AppProject. */
export interface OrphanedResourcesSettings {
  /** Default true once `orphanedResources` is set (Argo CD's `IsWarn`). */
  readonly warn?: boolean;
  /** Globs (`*`, `?`); an empty or absent kind or name matches all, an empty group only the core group. */
  readonly ignore?: readonly { readonly group?: string; readonly kind?: string; readonly name?: string }[];
}

export interface OrphanedResource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export const ORPHANED_RESOURCE_WARNING = 'OrphanedResourceWarning';

export interface OrphanedResult {
  /** Sorted by group, kind, namespace, name (as Argo CD sorts the tree's orphaned nodes). */
  readonly orphaned: readonly OrphanedResource[];
  /** Set when there are orphans and the project warns: the app's `OrphanedResourceWarning` condition. */
  readonly condition?: { readonly type: typeof ORPHANED_RESOURCE_WARNING; readonly message: string };
}

export interface OrphanedInput {
  /** Undefined: the project does not monitor orphaned resources (nothing is reported). */
  readonly settings: OrphanedResourcesSettings | undefined;
  /** `spec.destination.namespace`; without one nothing is reported. */
  readonly destinationNamespace: string | undefined;
  /** The namespace's top-level objects (no ownerReferences), tracked or not. */
  readonly topLevel: readonly KubeObject[];
  /** The objects below one in the owner tree (`ClusterCache.descendantsOf`); none when omitted. */
  readonly descendantsOf?: (uid: string) => readonly KubeObject[];
  /** Whether an Application with this instance name exists; objects it tracks are not orphans. */
  readonly appExists: (instance: string) => boolean;
  /** The project allows the kind in a namespace (its namespace resource white/blacklists); default all. */
  readonly permitted?: (gk: GroupKind) => boolean;
  readonly tracking?: TrackingOptions;
}

function glob(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** What Kubernetes creates in every namespace, and what the project says to ignore. */
function excluded(ref: OrphanedResource, settings: OrphanedResourcesSettings): boolean {
  if (ref.group === '' && ref.kind === 'Service' && ref.name === 'kubernetes' && ref.namespace === 'default') return true;
  if (ref.group === '' && ref.kind === 'ServiceAccount' && ref.name === 'default') return true;
  if (ref.group === '' && ref.kind === 'ConfigMap' && ref.name === 'kube-root-ca.crt') return true;
  return (settings.ignore ?? []).some(
    (item) =>
      (item.kind === undefined || item.kind === '' || glob(item.kind, ref.kind)) &&
      glob(item.group ?? '', ref.group) &&
      (item.name === undefined || item.name === '' || glob(item.name, ref.name)),
  );
}

function refOf(obj: KubeObject): OrphanedResource {
  const apiVersion = obj.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  return {
    group: groupOf(apiVersion),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: obj.kind ?? '',
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
  };
}

function sortKey(r: OrphanedResource): string {
  return `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
}

/** The app's orphaned resources and, when the project warns, its `OrphanedResourceWarning` condition. */
export function findOrphanedResources(input: OrphanedInput): OrphanedResult {
  const { settings, destinationNamespace: namespace } = input;
  if (settings === undefined || namespace === undefined || namespace === '') return { orphaned: [] };
  const permitted = input.permitted ?? (() => true);
  const orphaned: OrphanedResource[] = [];
  const seen = new Set<string>();
  const add = (obj: KubeObject): void => {
    const ref = refOf(obj);
    const key = sortKey(ref);
    if (seen.has(key) || !permitted(ref)) return;
    seen.add(key);
    orphaned.push(ref);
  };
  for (const obj of input.topLevel) {
    const ref = refOf(obj);
    if (ref.namespace !== namespace || (obj.metadata?.ownerReferences ?? []).length > 0) continue;
    if (!permitted(ref) || excluded(ref, settings)) continue;
    const app = trackedAppInstance(obj, input.tracking);
    if (app !== undefined && input.appExists(app)) continue;
    add(obj);
    const uid = obj.metadata?.uid;
    if (uid !== undefined) for (const child of input.descendantsOf?.(uid) ?? []) add(child);
  }
  orphaned.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  const warn = settings.warn ?? true;
  if (!warn || orphaned.length === 0) return { orphaned };
  return { orphaned, condition: { type: ORPHANED_RESOURCE_WARNING, message: `Application has ${orphaned.length} orphaned resources` } };
}
