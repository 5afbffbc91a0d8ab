// Unstructured objects as the API server returns them, and the key that names one object in a cluster.
// The live-state cache deals in plain JSON: no generated model classes, so a CRD and a Pod look the same.

/** A Kubernetes object as plain JSON. Only what the cache reads is typed; the rest stays `unknown`. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObjectMeta;
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  deletionTimestamp?: string;
  [field: string]: unknown;
}

/** A group and a kind: what identifies a resource type across versions (`apps`/`Deployment`; core is ``). */
export interface GroupKind {
  group: string;
  kind: string;
}

/** `apps/Deployment`, `/Pod` for the core group. The map key for resource types throughout kawa. */
export function groupKindKey(gk: GroupKind): string {
  return `${gk.group}/${gk.kind}`;
}

/** The group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function groupOf(apiVersion: string | undefined): string {
  if (apiVersion === undefined) return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The version of an apiVersion: `apps/v1` → `v1`, `v1` → `v1`. */
export function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** Names one object in a cluster. `namespace` is empty for cluster-scoped objects. */
export interface ResourceRef extends GroupKind {
  namespace: string;
  name: string;
}

/**
 * `group/kind/namespace/name` (the same string Argo CD uses for a resource key). None of the four parts
 * can hold a `/` (group and namespace are DNS names, kinds are identifiers, names are path segments),
 * so the key splits back without escaping.
 */
export function resourceKey(ref: ResourceRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function parseResourceKey(key: string): ResourceRef | undefined {
  const parts = key.split('/');
  if (parts.length !== 4) return undefined;
  const [group = '', kind = '', namespace = '', name = ''] = parts;
  if (kind === '' || name === '') return undefined;
  return { group, kind, namespace, name };
}

/** The reference of an object; undefined when it lacks a kind or a name (which a served object never does). */
export function refOf(obj: KubeObject): ResourceRef | undefined {
  const kind = obj.kind;
  const name = obj.metadata?.name;
  if (kind === undefined || name === undefined) return undefined;
  return { group: groupOf(obj.apiVersion), kind, namespace: obj.metadata?.namespace ?? '', name };
}

export function keyOf(obj: KubeObject): string | undefined {
  const ref = refOf(obj);
  return ref === undefined ? undefined : resourceKey(ref);
}

/** An object's owner references; null or malformed (never from the API server, but possible in a manifest) reads as none. */
export function ownerReferencesOf(obj: KubeObject): OwnerReference[] {
  const refs: unknown = obj.metadata?.ownerReferences;
  return Array.isArray(refs) ? refs.filter((ref): ref is OwnerReference => isRecord(ref)) : [];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One label or annotation of an object's metadata, or undefined (also for null or non-string values). */
export function metadataString(metadata: unknown, field: 'labels' | 'annotations', key: string): string | undefined {
  if (!isRecord(metadata)) return undefined;
  const map = metadata[field];
  if (!isRecord(map)) return undefined;
  const value = map[key];
  return typeof value === 'string' ? value : undefined;
}
