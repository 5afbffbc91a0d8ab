// The API calls of a sync operation: one function per task action, each returning what to record for
// the task (never throwing for an API answer), plus the dry-run of a task. Every write is idempotent so
// that a process killed after its calls but before persisting can simply run them again: server-side
// apply converges, deletes accept "already gone", and hook creation adopts a hook this same operation
// created before (marked with the operation id).
import { messageOf } from '../errors.js';
import {
  ApplyError,
  create,
  deleteObject,
  getObject,
  replace,
  serverSideApply,
  describeRef,
  isRetryable,
  withRetry,
  withTrackingMarks,
} from '../kube/apply.js';
import type { ApiResource } from '../kube/discovery.js';
import type { KubeObject, ResourceRef } from '../kube/objects.js';
import type { KubeRest } from '../kube/rest.js';
import { trackedAppInstance, type TrackingOptions } from '../kube/tracking.js';
import type { Clock } from './clock.js';
import { readManagedFields, type IgnoreDifferencesRule, type JqPathEvaluator } from './diff/index.js';
import { respectIgnoreDifferences } from './diff/respect.js';
import { definedKinds, type OperationCache, type TaskRecord } from './operation-state.js';
import type { SyncPlan, SyncTask, TaskState } from './sync/index.js';

/** Annotation on hooks kawa creates: the operation that created them, so a resumed operation adopts its own. */
export const OPERATION_ID_ANNOTATION = 'kawa.dev/operation-id';

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

function refOf(task: Pick<SyncTask, 'ref'>): ResourceRef {
  return { group: task.ref.group, kind: task.ref.kind, namespace: task.ref.namespace, name: task.ref.name };
}

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
  if (isRetryable(err)) return { kind: 'retry', reason: `${describeRef(refOf(task))}: ${detailOf(err)} (transient; retrying)` };
  return failed(detailOf(err), at);
}

function recorded(record: TaskRecord): TaskOutcome {
  return { kind: 'recorded', record };
}

/** The API's own message for an ApplyError (the task already names the object), else the error's. */
export function detailOf(err: unknown): string {
  return err instanceof ApplyError ? err.detail : messageOf(err);
}

function generationOf(obj: KubeObject): number | undefined {
  const generation = obj.metadata?.['generation'];
  return typeof generation === 'number' ? generation : undefined;
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
  const kind = `${task.ref.group === '' ? '' : `${task.ref.group}/`}${task.ref.kind}`;
  const fromCrd = definedKinds(ctx.plan).has(`${task.ref.group}/${task.ref.kind}`);
  const since = ctx.unresolvedSince[task.id];
  if (fromCrd && (since === undefined || ctx.clock.now() - since < ctx.kindWaitMs)) {
    return { ok: false, outcome: { kind: 'deferred', reason: `waiting for kind ${kind} (its CRD is part of this sync) to be served` } };
  }
  const why = fromCrd ? `its CRD was applied but the kind was not served within ${Math.round(ctx.kindWaitMs / 1000)}s` : 'no such kind (is its CRD installed?)';
  return { ok: false, outcome: failed(`the server does not serve ${kind} ${task.ref.version}: ${why}`, isoNow(ctx)) };
}

function isoNow(ctx: TaskContext): string {
  return new Date(ctx.clock.now()).toISOString();
}

function retry<T>(ctx: TaskContext, fn: () => Promise<T>): Promise<T> {
  return withRetry(fn, { sleep: (ms) => ctx.clock.sleep(ms) });
}

/** The hook as kawa creates it: its final name, the app's tracking marks, the creating operation. */
export function hookObject(task: Pick<SyncTask, 'object' | 'ref'>, ctx: Pick<TaskContext, 'appName' | 'tracking' | 'operationId'>): KubeObject {
  const { generateName: _generated, ...metadata } = task.object.metadata;
  const named: KubeObject = { ...task.object, metadata: { ...metadata, name: task.ref.name } as KubeObject['metadata'] };
  const marked = withTrackingMarks(named, ctx.appName, refOf(task), ctx.tracking);
  const meta = marked.metadata ?? {};
  return { ...marked, metadata: { ...meta, annotations: { ...(meta.annotations ?? {}), [OPERATION_ID_ANNOTATION]: ctx.operationId } } };
}

/**
 * The live state is incomplete while a type has not been listed or an API group cannot be discovered.
 * Absence proves nothing then, so nothing may be pruned.
 */
export function incompleteLiveState(cache: OperationCache): string | undefined {
  const unsynced = cache.unsyncedTypes();
  const failedGroups = cache.failedDiscoveryGroups();
  if (unsynced.length === 0 && failedGroups.length === 0) return undefined;
  const parts = [
    ...(unsynced.length === 0 ? [] : [`types not listed yet: ${unsynced.slice(0, 5).join(', ')}${unsynced.length > 5 ? ', …' : ''}`]),
    ...(failedGroups.length === 0 ? [] : [`API groups not reachable: ${failedGroups.join(', ')}`]),
  ];
  return `the live state is incomplete (${parts.join('; ')})`;
}

async function prune(task: SyncTask, ctx: TaskContext): Promise<TaskOutcome> {
  const at = isoNow(ctx);
  const incomplete = incompleteLiveState(ctx.cache);
  if (incomplete !== undefined) return failed(`not pruned: ${incomplete}`, at);
  const resource = await ctx.cache.resolveResource(task.ref);
  // A kind no longer served has no objects left to delete.
  if (resource === undefined) return recorded({ progress: 'done', message: 'already gone (kind no longer served)', startedAt: at, finishedAt: at });
  const live = ctx.cache.getByRef(refOf(task));
  const owner = live === undefined ? ctx.appName : trackedAppInstance(live, ctx.tracking);
  if (owner !== ctx.appName) return failed(`not pruned: now tracked by ${owner === undefined ? 'no application' : `application ${owner}`}`, at);
  const uid = typeof task.object.metadata['uid'] === 'string' ? task.object.metadata['uid'] : undefined;
  try {
    const result = await retry(ctx, () =>
      deleteObject(ctx.rest, resource, refOf(task), { propagationPolicy: task.syncOptions.prunePropagationPolicy, ...(uid === undefined ? {} : { uid }) }),
    );
    return recorded({ progress: 'done', message: result === 'gone' ? 'pruned (already gone)' : 'pruned', startedAt: at, finishedAt: at });
  } catch (err) {
    return failedOrRetry(task, err, at);
  }
}

/** Deletes the previous copy of a hook; `running` until the cache no longer shows that copy. */
async function deleteBeforeCreation(task: SyncTask, ctx: TaskContext): Promise<TaskOutcome> {
  const at = isoNow(ctx);
  const found = await resourceFor(task, ctx);
  if (!found.ok) return found.outcome;
  const resource = found.resource;
  const live = ctx.cache.getByRef(refOf(task));
  const uid = live?.metadata?.uid;
  if (live === undefined || uid === undefined) return recorded({ progress: 'done', message: 'no previous copy', startedAt: at, finishedAt: at });
  try {
    const result = await retry(ctx, () => deleteObject(ctx.rest, resource, refOf(task), { propagationPolicy: 'background', uid }));
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
  const live = ctx.cache.getByRef(refOf(task));
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
  const ref = refOf(task);
  const options = { fieldManager: ctx.manager, ...(task.syncOptions.validate ? {} : { fieldValidation: 'Ignore' as const }) };
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
    const created = task.syncOptions.replace
      ? await retry(ctx, () => replace(ctx.rest, resource, obj, options))
      : await retry(ctx, () => serverSideApply(ctx.rest, resource, obj, { ...options, force: true }));
    return recorded(appliedRecord(created, 'replaced (deleted and re-created: Force=true)', at));
  } catch (err) {
    return failedOrRetry(task, err, at);
  }
}

async function apply(task: SyncTask, ctx: TaskContext): Promise<TaskOutcome> {
  const at = isoNow(ctx);
  const found = await resourceFor(task, ctx);
  if (!found.ok) return found.outcome;
  const resource = found.resource;
  const obj = objectToApply(task, ctx);
  const options = { fieldManager: ctx.manager, ...(task.syncOptions.validate ? {} : { fieldValidation: 'Ignore' as const }) };
  try {
    if (task.syncOptions.replace) return recorded(appliedRecord(await retry(ctx, () => replace(ctx.rest, resource, obj, options)), 'replaced', at));
    return recorded(appliedRecord(await retry(ctx, () => serverSideApply(ctx.rest, resource, obj, { ...options, force: true })), 'applied (server-side)', at));
  } catch (err) {
    if (task.syncOptions.force && needsRecreate(err)) return forceRecreate(task, ctx, resource, obj, at);
    return failedOrRetry(task, err, at);
  }
}

async function createHook(task: SyncTask, ctx: TaskContext): Promise<TaskOutcome> {
  const at = isoNow(ctx);
  const found = await resourceFor(task, ctx);
  if (!found.ok) return found.outcome;
  const resource = found.resource;
  try {
    const created = await retry(ctx, () => create(ctx.rest, resource, hookObject(task, ctx), { fieldManager: ctx.manager }));
    return recorded(appliedRecord(created, 'hook created', at));
  } catch (err) {
    if (!(err instanceof ApplyError && err.statusCode === 409)) return failedOrRetry(task, err, at);
    // Already there: ours when this operation created it before a restart; anything else is in the way.
    try {
      const existing = await getObject(ctx.rest, resource, refOf(task));
      if (existing?.metadata?.annotations?.[OPERATION_ID_ANNOTATION] === ctx.operationId) return recorded(appliedRecord(existing, 'hook created', at));
    } catch (getErr) {
      return failedOrRetry(task, getErr, at);
    }
    return failed(`${detailOf(err)} (an older copy is in the way; the hook-delete-policy BeforeHookCreation replaces it on each sync)`, at);
  }
}

/** Runs one task for real. */
export function runTask(task: SyncTask, ctx: TaskContext): Promise<TaskOutcome> {
  switch (task.action) {
    case 'prune':
      return prune(task, ctx);
    case 'delete-hook-before-creation':
      return deleteBeforeCreation(task, ctx);
    case 'apply':
      return apply(task, ctx);
    case 'create-hook':
      return createHook(task, ctx);
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
    const kind = `${task.ref.group === '' ? '' : `${task.ref.group}/`}${task.ref.kind}`;
    return `the server does not serve ${kind} ${task.ref.version} (is its CRD installed?)`;
  }
  if (mode === 'client') return undefined;
  const validation = task.syncOptions.validate ? {} : { fieldValidation: 'Ignore' as const };
  try {
    switch (task.action) {
      case 'prune': {
        const uid = typeof task.object.metadata['uid'] === 'string' ? task.object.metadata['uid'] : undefined;
        await retry(ctx, () =>
          deleteObject(ctx.rest, resource, refOf(task), { propagationPolicy: task.syncOptions.prunePropagationPolicy, dryRun: true, ...(uid === undefined ? {} : { uid }) }),
        );
        return undefined;
      }
      case 'delete-hook-before-creation':
        return undefined;
      case 'apply': {
        const obj = objectToApply(task, ctx);
        const options = { fieldManager: ctx.manager, dryRun: true, ...validation };
        if (task.syncOptions.replace) await retry(ctx, () => replace(ctx.rest, resource, obj, options));
        else await retry(ctx, () => serverSideApply(ctx.rest, resource, obj, { ...options, force: true }));
        return undefined;
      }
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
    if (task.action === 'create-hook' && err instanceof ApplyError && err.statusCode === 409) {
      return `${detailOf(err)} (an older copy is in the way; the hook-delete-policy BeforeHookCreation replaces it on each sync)`;
    }
    return detailOf(err);
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export type { TaskState };
