// The API calls of a sync operation: one function per task action, each returning what to record for
// the task (never throwing for an API answer), plus the dry-run of a task. Every write is idempotent so
// that a process killed after its calls but before persisting can simply run them again: server-side
// apply converges, deletes accept "already gone", and hook creation adopts a hook this same operation
// created before (marked with the operation id).
import { ApplyError, create, deleteObject, getObject, replace, resourcePath, serverSideApply, describeRef, isRetryable } from '../kube/apply.js';
import type { ApiResource } from '../kube/discovery.js';
import { CLIENT_SIDE_APPLY_MANAGERS, hasClientSideApplyFields, managedFieldsMigrationPatch, takesOverClientSideApply } from '../kube/managed-fields-migration.js';
import type { KubeObject } from '../kube/objects.js';
import { KubeApiError, type KubeRest } from '../kube/rest.js';
import { trackedAppInstance, type TrackingOptions } from '../kube/tracking.js';
import { detailOf, notServed, retrying } from './api-calls.js';
import type { Clock } from './clock.js';
import { readManagedFields, type IgnoreDifferencesRule, type JqPathEvaluator } from './diff/index.js';
import { respectIgnoreDifferences } from './diff/respect.js';
import { createOrAdoptHook, deleteHookCopy, hookObject } from './hooks.js';
import { definedKinds, incompleteLiveState, type OperationCache, type TaskRecord } from './operation-state.js';
import { generationOf, resourceRefOf } from './record.js';
import { formatKind, type SyncPlan, type SyncTask, type TaskState } from './sync/index.js';

export interface TaskContext {
  readonly rest: KubeRest;
  readonly cache: OperationCache;
  readonly clock: Clock;
  readonly appName: string;
  readonly operationId: string;
  readonly manager: string;
  readonly tracking: TrackingOptions;
  readonly plan: SyncPlan;
  /** Tasks whose kind is unknown: first seen at (ms). */
  readonly unresolvedSince: Readonly<Record<string, number | undefined>>;
  readonly kindWaitMs: number;
  /** The app's ignoreDifferences, for `RespectIgnoreDifferences=true` objects. */
  readonly ignoreDifferences?: readonly IgnoreDifferencesRule[];
  readonly jq?: JqPathEvaluator;
}

/** What running a task produced: a record, or "not yet" (its kind is not served yet; try again later). */
export type TaskOutcome =
  | { readonly kind: 'recorded'; readonly record: TaskRecord }
  | { readonly kind: 'deferred'; readonly reason: string }
  /** A transient API failure: nothing recorded, the task runs again on the next step. */
  | { readonly kind: 'retry'; readonly reason: string };

function failed(message: string, at: string): TaskOutcome {
  return { kind: 'recorded', record: { progress: 'failed', message, startedAt: at, finishedAt: at } };
}

/**
 * A write that failed for a transient reason (no answer: connection refused or reset, a timeout; 429;
 * 5xx) says nothing about the object: the task stays unrecorded and runs again on the next step, so an
 * API server that restarts mid-sync delays the operation instead of failing it. Every write is
 * idempotent (see above), so running it again is safe even if the lost call did reach the server.
 */
function failedOrRetry(task: SyncTask, err: unknown, at: string): TaskOutcome {
  if (isRetryable(err)) return { kind: 'retry', reason: `${describeRef(resourceRefOf(task.ref))}: ${detailOf(err)} (transient; retrying)` };
  return failed(detailOf(err), at);
}

function recorded(record: TaskRecord): TaskOutcome {
  return { kind: 'recorded', record };
}

function appliedRecord(obj: KubeObject, message: string, at: string): TaskRecord {
  const generation = generationOf(obj);
  return {
    progress: 'done',
    message,
    ...(obj.metadata?.uid === undefined ? {} : { uid: obj.metadata.uid }),
    ...(generation === undefined ? {} : { generation }),
    startedAt: at,
    finishedAt: at,
  };
}

/**
 * The resource of a task's kind. Unknown: deferred while a CRD of this sync may still define it (up to
 * kindWaitMs), else a failure naming the kind.
 */
async function resourceFor(task: SyncTask, ctx: TaskContext): Promise<{ ok: true; resource: ApiResource } | { ok: false; outcome: TaskOutcome }> {
  const resource = await ctx.cache.resolveResource(task.ref);
  if (resource !== undefined) return { ok: true, resource };
  const kind = formatKind(task.ref);
  const fromCrd = definedKinds(ctx.plan).has(`${task.ref.group}/${task.ref.kind}`);
  const since = ctx.unresolvedSince[task.id];
  if (fromCrd && (since === undefined || ctx.clock.now() - since < ctx.kindWaitMs)) {
    return { ok: false, outcome: { kind: 'deferred', reason: `waiting for kind ${kind} (its CRD is part of this sync) to be served` } };
  }
  const why = fromCrd ? `its CRD was applied but the kind was not served within ${Math.round(ctx.kindWaitMs / 1000)}s` : 'no such kind (is its CRD installed?)';
  return { ok: false, outcome: failed(`${notServed(task.ref)}: ${why}`, isoNow(ctx)) };
}

function isoNow(ctx: TaskContext): string {
  return new Date(ctx.clock.now()).toISOString();
}

function retry<T>(ctx: TaskContext, fn: () => Promise<T>): Promise<T> {
  return retrying(ctx.clock, fn);
}

/** The uid a prune deletes: the copy seen at the start, not a namesake created since. */
function pruneUid(task: SyncTask): { uid?: string } {
  const uid = task.object.metadata['uid'];
  return typeof uid === 'string' ? { uid } : {};
}

/** Writes the object as the task's sync options say: `Replace=true` replaces, else a forced server-side apply. */
function write(task: SyncTask, ctx: TaskContext, resource: ApiResource, obj: KubeObject, dryRun: boolean): Promise<KubeObject> {
  const options = { fieldManager: ctx.manager, ...(dryRun ? { dryRun: true } : {}), ...(task.syncOptions.validate ? {} : { fieldValidation: 'Ignore' as const }) };
  return task.syncOptions.replace
    ? retry(ctx, () => replace(ctx.rest, resource, obj, options))
    : retry(ctx, () => serverSideApply(ctx.rest, resource, obj, { ...options, force: true }));
}

async function prune(task: SyncTask, ctx: TaskContext): Promise<TaskOutcome> {
  const at = isoNow(ctx);
  const incomplete = incompleteLiveState(ctx.cache);
  if (incomplete !== undefined) return failed(`not pruned: ${incomplete}`, at);
  const resource = await ctx.cache.resolveResource(task.ref);
  // A kind no longer served has no objects left to delete.
  if (resource === undefined) return recorded({ progress: 'done', message: 'already gone (kind no longer served)', startedAt: at, finishedAt: at });
  const live = ctx.cache.getByRef(resourceRefOf(task.ref));
  const owner = live === undefined ? ctx.appName : trackedAppInstance(live, ctx.tracking);
  if (owner !== ctx.appName) return failed(`not pruned: now tracked by ${owner === undefined ? 'no application' : `application ${owner}`}`, at);
  try {
    const result = await retry(ctx, () => deleteObject(ctx.rest, resource, resourceRefOf(task.ref), { propagationPolicy: task.syncOptions.prunePropagationPolicy, ...pruneUid(task) }));
    return recorded({ progress: 'done', message: result === 'gone' ? 'pruned (already gone)' : 'pruned', startedAt: at, finishedAt: at });
  } catch (err) {
    return failedOrRetry(task, err, at);
  }
}

/** Deletes the previous copy of a hook; `running` until the cache no longer shows that copy. */
async function deleteBeforeCreation(task: SyncTask, ctx: TaskContext, resource: ApiResource, at: string): Promise<TaskOutcome> {
  const live = ctx.cache.getByRef(resourceRefOf(task.ref));
  const uid = live?.metadata?.uid;
  if (live === undefined || uid === undefined) return recorded({ progress: 'done', message: 'no previous copy', startedAt: at, finishedAt: at });
  try {
    const result = await deleteHookCopy(ctx, resource, { ref: resourceRefOf(task.ref), uid });
    if (result === 'gone') return recorded({ progress: 'done', message: 'previous copy deleted', startedAt: at, finishedAt: at });
    return recorded({ progress: 'running', message: 'deleting the previous copy', deletedUid: uid, startedAt: at });
  } catch (err) {
    return failedOrRetry(task, err, at);
  }
}

/**
 * The object as it is applied: with `RespectIgnoreDifferences=true`, the fields the app's
 * ignoreDifferences select keep their live values (see diff/respect.ts).
 */
export function objectToApply(task: SyncTask, ctx: Pick<TaskContext, 'cache' | 'ignoreDifferences' | 'jq'>): KubeObject {
  const obj = task.object as KubeObject;
  const rules = ctx.ignoreDifferences ?? [];
  if (!task.syncOptions.respectIgnoreDifferences || rules.length === 0) return obj;
  const live = ctx.cache.getByRef(resourceRefOf(task.ref));
  return respectIgnoreDifferences(obj, live, rules, { managedFields: readManagedFields(live), ...(ctx.jq === undefined ? {} : { jq: ctx.jq }) }).object;
}

/** What the API server says when a change needs a new object: a field that cannot be updated in place. */
const IMMUTABLE = /immutable|may not be changed|cannot be changed|updates to .* are forbidden|Forbidden: updates to/i;

/** `Force=true` deletes and re-creates an object only for these refusals, never for an invalid manifest. */
export function needsRecreate(err: unknown): boolean {
  return err instanceof ApplyError && (err.statusCode === 422 || err.statusCode === 409) && IMMUTABLE.test(err.detail);
}

const FORCE_POLL_MS = 200;
const FORCE_MAX_POLLS = 600;

/**
 * `Force=true` (Argo CD's `--force`, `kubectl apply --force`): the object refused the change, so the old
 * copy is deleted, waited for (bounded by kindWaitMs) and the object created anew. Deleting the exact
 * copy (uid precondition) keeps a restarted operation from deleting the new one.
 */
async function forceRecreate(task: SyncTask, ctx: TaskContext, resource: ApiResource, obj: KubeObject, at: string): Promise<TaskOutcome> {
  const ref = resourceRefOf(task.ref);
  try {
    const live = await retry(ctx, () => getObject(ctx.rest, resource, ref));
    const uid = live?.metadata?.uid;
    if (live !== undefined) {
      await retry(ctx, () => deleteObject(ctx.rest, resource, ref, { propagationPolicy: 'background', ...(uid === undefined ? {} : { uid }) }));
      const deadline = ctx.clock.now() + ctx.kindWaitMs;
      for (let polls = 0; ; polls++) {
        const current = await retry(ctx, () => getObject(ctx.rest, resource, ref));
        if (current === undefined || current.metadata?.uid !== uid) break;
        if (ctx.clock.now() >= deadline || polls >= FORCE_MAX_POLLS) {
          const held = current.metadata?.['finalizers'];
          const finalizers = Array.isArray(held) ? ` (finalizers: ${held.join(', ')})` : '';
          return failed(`Force=true: the old copy was deleted but is still there after ${Math.round(ctx.kindWaitMs / 1000)}s${finalizers}`, at);
        }
        await ctx.clock.sleep(FORCE_POLL_MS);
      }
    }
    return recorded(appliedRecord(await write(task, ctx, resource, obj, false), 'replaced (deleted and re-created: Force=true)', at));
  } catch (err) {
    return failedOrRetry(task, err, at);
  }
}

/**
 * `ClientSideApplyMigration` (on unless `=false`): fields an Argo CD or kubectl client-side apply owns
 * become kawa's before the apply (see kube/managed-fields-migration.ts), so the apply removes those Git
 * dropped. The cache tells cheaply whether there is anything to move; the patch is built from a fresh read
 * (the cache drops status entries, which the patch must keep) and retried once on a changed object.
 * Returns a note for the task's message when the object kept changing and the move was left for the next sync.
 */
async function migrateClientSideApply(task: SyncTask, ctx: TaskContext, resource: ApiResource, obj: KubeObject): Promise<string | undefined> {
  const ref = resourceRefOf(task.ref);
  if (!hasClientSideApplyFields(ctx.cache.getByRef(ref)?.metadata?.managedFields, CLIENT_SIDE_APPLY_MANAGERS, ctx.manager)) return undefined;
  for (let attempt = 1; ; attempt++) {
    const live = await retry(ctx, () => getObject(ctx.rest, resource, ref));
    const resourceVersion = live?.metadata?.resourceVersion;
    if (live === undefined || resourceVersion === undefined) return undefined;
    const apiVersion = obj.apiVersion ?? live.apiVersion;
    const patch = managedFieldsMigrationPatch({ managedFields: live.metadata?.managedFields, resourceVersion, manager: ctx.manager, from: CLIENT_SIDE_APPLY_MANAGERS, ...(apiVersion === undefined ? {} : { apiVersion }) });
    if (patch === undefined) return undefined;
    const path = resourcePath(resource, resource.version, ref.namespace, ref.name);
    try {
      await retry(ctx, () => ctx.rest.request('PATCH', path, { body: patch, contentType: 'application/json-patch+json', query: { fieldManager: ctx.manager } }));
      return undefined;
    } catch (err) {
      // 409/422: the resourceVersion test failed (the object changed since the read).
      const changed = err instanceof KubeApiError && (err.statusCode === 409 || err.statusCode === 422);
      if (!changed) throw new ApplyError('migrate managed fields of', ref, err);
      if (attempt >= 2) return 'client-side apply fields not moved to kawa: the object kept changing; the next sync moves them';
    }
  }
}

async function apply(task: SyncTask, ctx: TaskContext, resource: ApiResource, at: string): Promise<TaskOutcome> {
  const obj = objectToApply(task, ctx);
  try {
    const migrate = !task.syncOptions.replace && task.syncOptions.clientSideApplyMigration && takesOverClientSideApply(obj);
    const note = migrate ? await migrateClientSideApply(task, ctx, resource, obj) : undefined;
    const message = task.syncOptions.replace ? 'replaced' : 'applied (server-side)';
    return recorded(appliedRecord(await write(task, ctx, resource, obj, false), note === undefined ? message : `${message}; ${note}`, at));
  } catch (err) {
    if (task.syncOptions.force && needsRecreate(err)) return forceRecreate(task, ctx, resource, obj, at);
    return failedOrRetry(task, err, at);
  }
}

async function createHook(task: SyncTask, ctx: TaskContext, resource: ApiResource, at: string): Promise<TaskOutcome> {
  const creation = await createOrAdoptHook(ctx, resource, hookObject(task, ctx), resourceRefOf(task.ref), ctx.operationId, ctx.manager);
  switch (creation.kind) {
    case 'created':
      return recorded(appliedRecord(creation.object, 'hook created', at));
    case 'failed':
      return failedOrRetry(task, creation.error, at);
    case 'in-the-way':
      return failed(inTheWay(creation.detail), at);
  }
}

/** A sync's hook whose namesake (not created by this operation) exists. */
function inTheWay(detail: string): string {
  return `${detail} (an older copy is in the way; the hook-delete-policy BeforeHookCreation replaces it on each sync)`;
}

/** Runs one task for real. */
export async function runTask(task: SyncTask, ctx: TaskContext): Promise<TaskOutcome> {
  // A prune of a kind no longer served has nothing to delete; every other task needs its kind served.
  if (task.action === 'prune') return prune(task, ctx);
  const at = isoNow(ctx);
  const found = await resourceFor(task, ctx);
  if (!found.ok) return found.outcome;
  switch (task.action) {
    case 'delete-hook-before-creation':
      return deleteBeforeCreation(task, ctx, found.resource, at);
    case 'apply':
      return apply(task, ctx, found.resource, at);
    case 'create-hook':
      return createHook(task, ctx, found.resource, at);
  }
}

/**
 * Dry-runs one task. `server`: the API server validates and admits the object without storing it.
 * `client`: only what kawa can check itself (the kind is served). Returns the failure, or undefined.
 */
export async function dryRunTask(task: SyncTask, ctx: TaskContext, mode: 'server' | 'client'): Promise<string | undefined> {
  // The API server cannot know these yet (a CRD or namespace of this same sync), so it is not asked.
  if (task.skipDryRun !== undefined) return undefined;
  const resource = await ctx.cache.resolveResource(task.ref);
  if (resource === undefined) {
    if (task.syncOptions.skipDryRunOnMissingResource || task.action === 'prune') return undefined;
    return `${notServed(task.ref)} (is its CRD installed?)`;
  }
  if (mode === 'client') return undefined;
  try {
    switch (task.action) {
      case 'prune':
        await retry(ctx, () =>
          deleteObject(ctx.rest, resource, resourceRefOf(task.ref), { propagationPolicy: task.syncOptions.prunePropagationPolicy, dryRun: true, ...pruneUid(task) }),
        );
        return undefined;
      case 'delete-hook-before-creation':
        return undefined;
      case 'apply':
        await write(task, ctx, resource, objectToApply(task, ctx), true);
        return undefined;
      case 'create-hook': {
        // An older copy that this sync deletes first would make a dry-run create fail for nothing.
        const replaced = ctx.plan.steps.some((s) => s.tasks.some((t) => t.createTaskId === task.id));
        if (replaced) return undefined;
        await retry(ctx, () => create(ctx.rest, resource, hookObject(task, ctx), { fieldManager: ctx.manager, dryRun: true }));
        return undefined;
      }
    }
  } catch (err) {
    // Force=true re-creates what cannot be changed in place: the dry-run of the change proves nothing.
    if (task.action === 'apply' && task.syncOptions.force && needsRecreate(err)) return undefined;
    if (task.action === 'create-hook' && err instanceof ApplyError && err.statusCode === 409) return inTheWay(detailOf(err));
    return detailOf(err);
  }
}

export type { TaskState };
