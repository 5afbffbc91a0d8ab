// The little the sync planner needs to know about an object: who it is, and whether it is a Namespace
// or a CRD (both must exist before the objects that live in them or are defined by them).

/** Metadata the planner reads. Annotation values are `unknown` because rendered YAML is not trusted. */
export interface SyncObjectMetadata {
  readonly [key: string]: unknown;
  readonly name?: string;
  readonly generateName?: string;
  readonly namespace?: string;
  readonly annotations?: Readonly<Record<string, unknown>>;
}

/** A desired (rendered) or live object, unstructured. */
export interface SyncObject {
  readonly [key: string]: unknown;
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: SyncObjectMetadata;
}

/** Who an object is. `namespace` is empty for cluster-scoped objects, as in Argo CD's resource lists. */
export interface ObjectRef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** API group of an apiVersion: `apps/v1` → `apps`, core `v1` → ``. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

/** The reference of an object; `name` overrides the manifest's (hooks with a generated name). */
export function refOf(obj: SyncObject, name?: string): ObjectRef {
  return {
    group: groupOf(obj.apiVersion),
    version: versionOf(obj.apiVersion),
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: name ?? obj.metadata.name ?? '',
  };
}

/** `apps/Deployment shop/web`, `Namespace shop`: how messages name an object. */
export function formatRef(ref: ObjectRef): string {
  return `${formatKind(ref)} ${ref.namespace === '' ? '' : `${ref.namespace}/`}${ref.name}`;
}

/** How messages name a kind: `Kind` in the core group, else `group/Kind`. */
export function formatKind(gk: { readonly group: string; readonly kind: string }): string {
  return gk.group === '' ? gk.kind : `${gk.group}/${gk.kind}`;
}

/** How messages name an object that may not have a name yet (hooks with only `generateName`). */
export function describeObject(obj: SyncObject): string {
  const name = obj.metadata.name ?? (obj.metadata.generateName === undefined ? '<unnamed>' : `${obj.metadata.generateName}*`);
  return formatRef(refOf(obj, name));
}

/** `group/Kind` key, the identity of a resource type across versions. */
export function groupKindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

export function isNamespace(ref: Pick<ObjectRef, 'group' | 'kind'>): boolean {
  return ref.group === '' && ref.kind === 'Namespace';
}

export function isCustomResourceDefinition(ref: Pick<ObjectRef, 'group' | 'kind'>): boolean {
  return ref.group === 'apiextensions.k8s.io' && ref.kind === 'CustomResourceDefinition';
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/** The `group/Kind` a CRD defines, or undefined when its spec does not say. */
export function definedGroupKind(crd: SyncObject): string | undefined {
  const spec = crd.spec;
  const group = field(spec, 'group');
  const kind = field(field(spec, 'names'), 'kind');
  return typeof group === 'string' && typeof kind === 'string' ? groupKindKey(group, kind) : undefined;
}
