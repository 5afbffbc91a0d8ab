// The plan of an Application's deletion (the `resources-finalizer.argocd.argoproj.io` finalizer), pure:
// which PreDelete/PostDelete hooks run, in which order and under which names, and in which order the
// app's live objects are deleted. The runner (../deletion.ts) re-plans the live part from the cache on
// every step: what is still there is what remains to delete, so a restarted process needs no list.
//
// Order: PreDelete hooks by wave (then kind, then name); then the live objects in REVERSE sync-wave
// order, highest wave first, each wave gone before the next starts; Namespaces and CRDs after every
// other object (deleting them first would take their contents or instances along regardless of waves,
// the mirror of the sync pulling them forward); then PostDelete hooks by wave.

import { ANNOTATION_HELM_HOOK, ANNOTATION_HELM_RESOURCE_POLICY, ANNOTATION_HOOK, ANNOTATION_SYNC_OPTIONS, rawAnnotation, readSyncAnnotations, type HookDeletePolicy } from './annotations.js';
import { syncErrorCodes, validationError, type SyncValidationError } from './errors.js';
import { generateHookName } from './hook-name.js';
import { kindOrder } from './kinds.js';
import { describeObject, formatRef, isCustomResourceDefinition, isNamespace, refOf, type ObjectRef, type SyncObject } from './objects.js';
import { parseSyncOptions, resolveSyncOptions, type SyncOptionValues } from './options.js';

export const DELETE_HOOK_TYPES = ['PreDelete', 'PostDelete'] as const;
export type DeleteHookType = (typeof DELETE_HOOK_TYPES)[number];

/** One hook run of an app deletion. */
export interface DeletionHook {
  /** `PreDelete:batch/Job:ns/name`: stable for the deletion, the key of its recorded progress. */
  readonly id: string;
  readonly type: DeleteHookType;
  readonly wave: number;
  readonly kindOrder: number;
  /** The hook's final name (generated names are derived from the deletion id, as sync hooks' are). */
  readonly ref: ObjectRef;
  /** The manifest with its final name. */
  readonly object: SyncObject;
  readonly deletePolicies: readonly HookDeletePolicy[];
  /** Named in the manifest: an older copy of the same name may be in the way. */
  readonly fixedName: boolean;
}

export interface DeletionHookPlanInput {
  /** Seeds generated hook names: the same for one deletion, new for the next. */
  readonly deletionId: string;
  /** The app's desired objects, namespaces settled (only hooks are read). */
  readonly objects: readonly SyncObject[];
}

export type DeletionHookPlan =
  | { readonly ok: true; readonly hooks: readonly DeletionHook[]; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly SyncValidationError[]; readonly warnings: readonly string[] };

function isDeleteHookType(type: string): type is DeleteHookType {
  return (DELETE_HOOK_TYPES as readonly string[]).includes(type);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function hasText(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

export function deletionHookId(type: DeleteHookType, ref: ObjectRef): string {
  return `${type}:${ref.group}/${ref.kind}:${ref.namespace}/${ref.name}`;
}

/** Execution order of hooks within one type: wave, kind order, kind, name, namespace. */
export function byHookOrder(a: Pick<DeletionHook, 'wave' | 'kindOrder' | 'ref'>, b: Pick<DeletionHook, 'wave' | 'kindOrder' | 'ref'>): number {
  return (
    a.wave - b.wave ||
    a.kindOrder - b.kindOrder ||
    compareText(a.ref.kind, b.ref.kind) ||
    compareText(a.ref.name, b.ref.name) ||
    compareText(a.ref.namespace, b.ref.namespace) ||
    compareText(a.ref.group, b.ref.group)
  );
}

/**
 * The PreDelete and PostDelete hooks among the desired objects. Any annotation problem on an object that
 * is marked as a hook at all is an error: a mistyped `PreDelete` must not let the deletion run without it.
 */
export function planDeletionHooks(input: DeletionHookPlanInput): DeletionHookPlan {
  const errors: SyncValidationError[] = [];
  const warnings: string[] = [];
  const hooks: DeletionHook[] = [];
  const ids = new Set<string>();
  const generateNameCount = new Map<string, number>();
  for (const object of input.objects) {
    const marked = rawAnnotation(object, ANNOTATION_HOOK) !== undefined || rawAnnotation(object, ANNOTATION_HELM_HOOK) !== undefined;
    if (!marked) continue;
    const parsed = readSyncAnnotations(object);
    errors.push(...parsed.errors);
    warnings.push(...parsed.warnings);
    const hook = parsed.annotations.hook;
    if (parsed.errors.length > 0 || hook === undefined || parsed.annotations.skip) continue;
    const types = hook.types.filter(isDeleteHookType);
    if (types.length === 0) continue;
    const { name, generateName } = object.metadata;
    if (!hasText(name) && !hasText(generateName)) {
      errors.push(validationError(syncErrorCodes.NAME_INVALID, describeObject(object), 'is a hook with neither metadata.name nor metadata.generateName'));
      continue;
    }
    // Identical generateName manifests still get distinct names: their position tells them apart.
    const sameKey = `${object.apiVersion}/${object.kind}:${object.metadata.namespace ?? ''}/${generateName ?? ''}`;
    const ordinal = generateNameCount.get(sameKey) ?? 0;
    generateNameCount.set(sameKey, ordinal + 1);
    for (const type of types) {
      const seed = { prefix: generateName ?? '', operationId: input.deletionId, phase: type, discriminator: `${sameKey}#${ordinal}` };
      const named: SyncObject = hasText(name) ? object : { ...object, metadata: { ...object.metadata, name: generateHookName(seed) } };
      const ref = refOf(named);
      const id = deletionHookId(type, ref);
      if (ids.has(id)) {
        errors.push(validationError(syncErrorCodes.DUPLICATE_RESOURCE, formatRef(ref), 'appears more than once among the desired objects'));
        continue;
      }
      ids.add(id);
      hooks.push({
        id,
        type,
        wave: parsed.annotations.wave,
        kindOrder: kindOrder(ref.kind),
        ref,
        object: named,
        deletePolicies: hook.deletePolicies,
        fixedName: hasText(name),
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors, warnings };
  hooks.sort((a, b) => DELETE_HOOK_TYPES.indexOf(a.type) - DELETE_HOOK_TYPES.indexOf(b.type) || byHookOrder(a, b));
  return { ok: true, hooks, warnings };
}

/** The hooks of one type, in waves (ascending), each wave in execution order. */
export function hookWaves<T extends Pick<DeletionHook, 'type' | 'wave' | 'kindOrder' | 'ref'>>(hooks: readonly T[], type: DeleteHookType): T[][] {
  const ofType = hooks.filter((h) => h.type === type).sort(byHookOrder);
  const waves: T[][] = [];
  for (const hook of ofType) {
    const current = waves.at(-1);
    if (current?.[0]?.wave === hook.wave) current.push(hook);
    else waves.push([hook]);
  }
  return waves;
}

// ---- live objects ----

/** Live objects deleted together; the next group starts once every object of this one is gone. */
export interface DeletionGroup {
  /** `wave:3`, `last:0`: identifies the group across steps. */
  readonly key: string;
  readonly wave: number;
  /** Namespaces and CRDs, deleted after everything else. */
  readonly last: boolean;
  readonly objects: readonly SyncObject[];
  /** Objects of the group marked `Delete=confirm`: they wait for the deletion's confirmation. */
  readonly needConfirmation: readonly SyncObject[];
}

export interface KeptObject {
  readonly ref: ObjectRef;
  readonly reason: string;
}

export interface ObjectDeletionPlan {
  /** In execution order: waves descending, then Namespaces/CRDs (waves descending). */
  readonly groups: readonly DeletionGroup[];
  /** Never deleted: `Delete=false`, `helm.sh/resource-policy: keep`, or an unreadable sync-options annotation. */
  readonly kept: readonly KeptObject[];
  /** Objects left to their owner (a controller ownerReference): the garbage collector deletes them with it. */
  readonly owned: readonly ObjectRef[];
  readonly warnings: readonly string[];
}

export interface ObjectDeletionInput {
  /** The app's live objects (tracked by it). */
  readonly live: readonly SyncObject[];
  /** `spec.syncPolicy.syncOptions` (parsed already valid: the runner checks them at the start). */
  readonly appSyncOptions?: SyncOptionValues;
}

function hasControllerOwner(obj: SyncObject): boolean {
  const owners = obj.metadata['ownerReferences'];
  return Array.isArray(owners) && owners.some((o: unknown) => typeof o === 'object' && o !== null && (o as { controller?: unknown }).controller === true);
}

/** Why an object is kept: its own option, Helm's keep policy, or the app's option. */
function keptReason(obj: SyncObject, own: SyncOptionValues): string {
  if (own.delete !== false) return 'kept (Delete=false in spec.syncPolicy.syncOptions)';
  const raw = rawAnnotation(obj, ANNOTATION_SYNC_OPTIONS);
  const explicit = typeof raw === 'string' && /(^|,)\s*Delete\s*=/.test(raw);
  return !explicit && rawAnnotation(obj, ANNOTATION_HELM_RESOURCE_POLICY) !== undefined ? 'kept (helm.sh/resource-policy: keep)' : 'kept (Delete=false)';
}

/**
 * Groups the app's live objects for deletion. An object whose `argocd.argoproj.io/sync-options` cannot be
 * read is kept, not deleted: a typo in `Delete=false` must never turn into a deletion.
 */
export function planObjectDeletion(input: ObjectDeletionInput): ObjectDeletionPlan {
  const kept: KeptObject[] = [];
  const owned: ObjectRef[] = [];
  const warnings: string[] = [];
  const groups = new Map<string, { wave: number; last: boolean; objects: SyncObject[]; needConfirmation: SyncObject[] }>();
  for (const obj of input.live) {
    const ref = refOf(obj);
    if (hasControllerOwner(obj)) {
      owned.push(ref);
      continue;
    }
    const parsed = readSyncAnnotations(obj);
    const optionErrors = parsed.errors.filter((e) => e.source === ANNOTATION_SYNC_OPTIONS);
    if (optionErrors.length > 0) {
      kept.push({ ref, reason: `kept: ${optionErrors.map((e) => e.message).join('; ')}` });
      continue;
    }
    warnings.push(...parsed.errors.map((e) => `${e.message} (deleted as wave 0)`));
    const options = resolveSyncOptions({ ...(input.appSyncOptions === undefined ? {} : { app: input.appSyncOptions }), resource: parsed.annotations.syncOptions });
    if (options.delete === false) {
      kept.push({ ref, reason: keptReason(obj, parsed.annotations.syncOptions) });
      continue;
    }
    const last = isNamespace(ref) || isCustomResourceDefinition(ref);
    const wave = parsed.errors.some((e) => e.source !== ANNOTATION_SYNC_OPTIONS) ? 0 : parsed.annotations.wave;
    const key = `${last ? 'last' : 'wave'}:${wave}`;
    const group = groups.get(key) ?? { wave, last, objects: [], needConfirmation: [] };
    group.objects.push(obj);
    if (options.delete === 'confirm') group.needConfirmation.push(obj);
    groups.set(key, group);
  }
  const ordered = [...groups.entries()]
    .map(([key, g]): DeletionGroup => ({ key, ...g }))
    .sort((a, b) => Number(a.last) - Number(b.last) || b.wave - a.wave);
  return { groups: ordered, kept, owned, warnings };
}

/** Parses `spec.syncPolicy.syncOptions` for a deletion; errors stop the deletion before anything is deleted. */
export function parseAppSyncOptions(entries: readonly string[]): { values: SyncOptionValues; errors: readonly SyncValidationError[] } {
  const parsed = parseSyncOptions(entries, { object: 'Application', source: 'spec.syncPolicy.syncOptions' });
  return { values: parsed.values, errors: parsed.errors };
}
