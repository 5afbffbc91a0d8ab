// Hooks as the engine creates, watches and deletes them: the same for a sync's PreSync/Sync/PostSync/
// SyncFail hooks and an app deletion's PreDelete/PostDelete hooks. A hook carries a mark of what
// created it (the operation id; the deletion id and stage), so a process restarted between creating a
// hook and persisting that adopts the hook instead of creating a second one.
import { ApplyError, create, deleteObject, describeRef, getObject, isRetryable, withTrackingMarks } from '../kube/apply.js';
import type { ApiResource } from '../kube/discovery.js';
import type { GroupKind, KubeObject, ResourceRef } from '../kube/objects.js';
import type { KubeRest } from '../kube/rest.js';
import type { TrackingOptions } from '../kube/tracking.js';
import { detailOf, mapLimit, retrying } from './api-calls.js';
import type { Clock } from './clock.js';
import { generationOf } from './record.js';
import type { HookPhase, SyncObject, TaskState } from './sync/index.js';

/** Annotation on hooks kawa creates: the operation that created them, so a resumed operation adopts its own. */
export const OPERATION_ID_ANNOTATION = 'kawa.dev/operation-id';

/** What the hook calls need: the API, the cache's discovery, and the runner's clock for retries. */
export interface HookCalls {
  readonly rest: KubeRest;
  readonly cache: { resolveResource(gk: GroupKind): Promise<ApiResource | undefined> };
  readonly clock: Clock;
}

/** The hook as kawa creates it: its final name, the app's tracking marks, and `mark` (who creates it). */
export function hookObject(hook: { readonly object: SyncObject; readonly ref: ResourceRef }, marks: { appName: string; tracking: TrackingOptions; operationId: string }): KubeObject {
  const { generateName: _generated, ...metadata } = hook.object.metadata;
  const named: KubeObject = { ...hook.object, metadata: { ...metadata, name: hook.ref.name } as KubeObject['metadata'] };
  const marked = withTrackingMarks(named, marks.appName, { group: hook.ref.group, kind: hook.ref.kind, namespace: hook.ref.namespace, name: hook.ref.name }, marks.tracking);
  const meta = marked.metadata ?? {};
  return { ...marked, metadata: { ...meta, annotations: { ...(meta.annotations ?? {}), [OPERATION_ID_ANNOTATION]: marks.operationId } } };
}

/** Whether a live object is a hook `mark` created. */
export function createdBy(live: KubeObject | undefined, mark: string): boolean {
  return live?.metadata?.annotations?.[OPERATION_ID_ANNOTATION] === mark;
}

export type HookCreation =
  | { readonly kind: 'created'; readonly object: KubeObject }
  /** The create, or the look-up after a conflict, failed. */
  | { readonly kind: 'failed'; readonly error: unknown }
  /** A namesake that `mark` did not create exists; `detail` is the API's conflict message. */
  | { readonly kind: 'in-the-way'; readonly detail: string };

/**
 * Creates a hook (`object` from {@link hookObject}). When it exists already it is adopted if `mark`
 * created it (this runner, before a restart); anything else is in the way.
 */
export async function createOrAdoptHook(calls: HookCalls, resource: ApiResource, object: KubeObject, ref: ResourceRef, mark: string, manager: string): Promise<HookCreation> {
  try {
    return { kind: 'created', object: await retrying(calls.clock, () => create(calls.rest, resource, object, { fieldManager: manager })) };
  } catch (err) {
    if (!(err instanceof ApplyError && err.statusCode === 409)) return { kind: 'failed', error: err };
    try {
      const existing = await getObject(calls.rest, resource, ref);
      if (existing !== undefined && createdBy(existing, mark)) return { kind: 'created', object: existing };
    } catch (getErr) {
      return { kind: 'failed', error: getErr };
    }
    return { kind: 'in-the-way', detail: detailOf(err) };
  }
}

/** One copy of a hook: `uid` (when known) tells it from a namesake created since. */
export interface HookCopy {
  readonly ref: ResourceRef;
  readonly uid?: string | undefined;
}

/** Deletes one copy of a hook (background propagation): `gone` when it was not there any more. */
export function deleteHookCopy(calls: HookCalls, resource: ApiResource, hook: HookCopy): Promise<'deleted' | 'gone'> {
  const { ref, uid } = hook;
  return retrying(calls.clock, () => deleteObject(calls.rest, resource, ref, { propagationPolicy: 'background', ...(uid === undefined ? {} : { uid }) }));
}

/**
 * Deletes hooks (background propagation), 8 at once. `deleted` records each outcome: deleted, or
 * refused (403, …: final, recorded and not tried again, since retrying cannot help and must not hold the
 * runner). Transient failures come back as `kind ns/name: detail`, to be retried on the next step.
 */
export async function deleteHooks<T>(
  calls: HookCalls,
  hooks: readonly T[],
  target: (hook: T) => HookCopy,
  deleted: (hook: T, refused?: string) => void,
): Promise<string[]> {
  const transient: string[] = [];
  await mapLimit(hooks, 8, async (hook) => {
    const copy = target(hook);
    const resource = await calls.cache.resolveResource(copy.ref);
    try {
      // A kind no longer served has no hook left to delete.
      if (resource !== undefined) await deleteHookCopy(calls, resource, copy);
      deleted(hook);
    } catch (err) {
      if (isRetryable(err)) transient.push(`${describeRef(copy.ref)}: ${detailOf(err)}`);
      else deleted(hook, detailOf(err));
    }
  });
  return transient;
}

/** ` (hooks not deleted: …)` for hooks whose deletion was refused or is still failing, else nothing. */
export function hooksLeftBehind(problems: readonly string[]): string {
  return problems.length === 0 ? '' : ` (hooks not deleted: ${problems.join('; ')})`;
}

/** What a runner recorded about a hook it created. */
export interface CreatedHook {
  readonly uid?: string | undefined;
  readonly generation?: number | undefined;
  readonly health?: TaskState['health'];
  readonly phase: HookPhase;
  /** When it was created (ms; NaN when unknown). */
  readonly createdAt: number;
}

export type HookSighting =
  /** The cache shows this copy, as new as the create: its health counts. */
  | { readonly kind: 'current'; readonly live: KubeObject }
  /** Nothing to learn yet: the cache shows no copy, an older one, or a namesake. */
  | { readonly kind: 'not-yet' }
  /** Seen running, now gone: deleted behind kawa's back. (A finished hook may go; its result stands.) */
  | { readonly kind: 'vanished' }
  /** Never seen for longer than the grace: the caller looks it up directly ({@link lookUpHook}). */
  | { readonly kind: 'unseen' };

export const HOOK_VANISHED = 'the hook was deleted before it completed';

/** The message for a hook {@link lookUpHook} found gone. */
export function hookDisappeared(graceMs: number): string {
  return `the hook disappeared within ${Math.round(graceMs / 1000)}s of its creation, before kawa saw it run`;
}

/** What the cache's copy of a created hook (or applied object) says about it now. */
export function sightHook(hook: CreatedHook, live: KubeObject | undefined, now: number, graceMs: number): HookSighting {
  if (live === undefined || (hook.uid !== undefined && live.metadata?.uid !== hook.uid)) {
    if (hook.health !== undefined && hook.phase === 'Running') return { kind: 'vanished' };
    if (hook.health === undefined && now - hook.createdAt > graceMs) return { kind: 'unseen' };
    return { kind: 'not-yet' };
  }
  const generation = generationOf(live);
  if (hook.generation !== undefined && generation !== undefined && generation < hook.generation) return { kind: 'not-yet' };
  return { kind: 'current', live };
}

/**
 * Reads a hook the cache never showed from the API: `found`, `gone` (no such copy: it has failed), or
 * `unknown` when the API cannot tell now (the next step asks again).
 */
export async function lookUpHook(calls: HookCalls, hook: HookCopy): Promise<{ kind: 'found'; live: KubeObject } | { kind: 'gone' } | { kind: 'unknown' }> {
  const resource = await calls.cache.resolveResource(hook.ref);
  if (resource === undefined) return { kind: 'unknown' };
  try {
    const live = await getObject(calls.rest, resource, hook.ref);
    return live !== undefined && (hook.uid === undefined || live.metadata?.uid === hook.uid) ? { kind: 'found', live } : { kind: 'gone' };
  } catch {
    return { kind: 'unknown' };
  }
}
