// A sync operation as a persisted, resumable state machine. `startOperation` decides the plan's inputs
// once (diff verdicts, what to prune, whether the namespace exists) and records them; every
// `stepOperation` call re-plans from that record (planning is pure and deterministic, generated hook
// names included), observes the cluster through the cache, does the next bounded piece of work the
// wave loop (`nextStep`) asks for, and persists the `status.operationState`-shaped record. A process
// killed at any point continues from the last persisted record: the calls it may repeat are
// idempotent (see operation-tasks.ts), so no hook is created twice and no wave is skipped.
import { createHash, randomUUID } from 'node:crypto';
import type { KubeObject, ResourceRef } from '../kube/objects.js';
import { resourceKey } from '../kube/objects.js';
import type { KubeRest } from '../kube/rest.js';
import { describeRef } from '../kube/apply.js';
import { trackedAppInstance } from '../kube/tracking.js';
import { formatDuration, type Operation, type ResourceResult } from '../model/index.js';
import { mapLimit } from './api-calls.js';
import { isoTime, type Clock } from './clock.js';
import { compareApp, prepareDesired } from './compare.js';
import type { IgnoreDifferencesRule } from './diff/index.js';
import type { HealthCheck } from './health/index.js';
import { HOOK_VANISHED, deleteHooks, hookDisappeared, hooksLeftBehind, lookUpHook, sightHook, type HookCalls } from './hooks.js';
import { dryRunTask, runTask, type TaskContext, type TaskOutcome } from './operation-tasks.js';
import { incompleteLiveState, isTerminal, type KawaOperationState, type OperationCache, type OperationRecord, type PruneStub, type TaskRecord } from './operation-state.js';
import { asSyncObject, finish, hasResultFor, resourceRefOf, summarize, taskHealth, validateAppName, validateRecord } from './record.js';
import { settingsOf, type OperationSettings, type ResolvedSettings } from './settings.js';
import {
  OPERATION_TERMINATED,
  buildSyncPlan,
  hookPhase,
  nextStep,
  planTasks,
  syncResults,
  type DesiredResource,
  type NextAction,
  type ResourceSyncStatus,
  type SyncOperationOptions,
  type SyncPlan,
  type SyncPlanResult,
  type SyncState,
  type SyncTask,
  taskId,
} from './sync/index.js';

export interface OperationDeps {
  rest: KubeRest;
  cache: OperationCache;
  clock: Clock;
  /** Stores the record (`status.operationState`); called after every step. */
  persist(record: OperationRecord): Promise<void> | void;
  settings?: OperationSettings;
}

/** The Application as a sync sees it: where its objects go, how, and the rendered objects themselves. */
export interface SyncApp {
  /** The instance name objects are tracked by (`appInstanceName`). */
  name: string;
  destinationNamespace?: string;
  /** `spec.syncPolicy.syncOptions`. */
  syncOptions?: readonly string[];
  managedNamespaceMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  ignoreDifferences?: readonly IgnoreDifferencesRule[];
  /** The rendered objects of the operation's revision; the same on every step. */
  desired: readonly KubeObject[];
  /** Set when rendering failed: the operation fails and touches nothing. */
  renderFailed?: string;
  /**
   * Set when the operation must not run at all (no service account to impersonate): it fails with
   * this message, a running one at its next step, and touches nothing more.
   */
  refused?: string;
  /** `spec.syncPolicy.automated.allowEmpty`: an empty render may be synced (and prune everything). */
  allowEmpty?: boolean;
  /** The Application's `argocd.argoproj.io/compare-options: ServerSideDiff=true`: compare asks the server about every object. */
  serverSideDiff?: boolean;
}

export interface StepResult {
  record: OperationRecord;
  /** The operation has finished (Succeeded, Failed or Error). */
  done: boolean;
  /** Nothing to do until the cluster changes (a hook running, a wave becoming healthy). */
  idle: boolean;
}

/** sha256 of the desired objects, in order: a resumed operation must apply what it started with. */
export function desiredDigest(desired: readonly KubeObject[]): string {
  return createHash('sha256').update(JSON.stringify(desired)).digest('hex');
}

function syncOperationOptions(operation: Operation): SyncOperationOptions {
  const sync = operation.sync ?? {};
  const strategy = sync.syncStrategy;
  const force = strategy?.apply?.force ?? strategy?.hook?.force;
  return {
    prune: sync.prune === true,
    dryRun: sync.dryRun === true,
    ...(sync.resources === undefined
      ? {}
      : { resources: sync.resources.map((r) => ({ group: r.group ?? '', kind: r.kind, name: r.name, ...(r.namespace === undefined ? {} : { namespace: r.namespace }) })) }),
    strategy: strategy?.apply !== undefined ? 'apply' : 'hook',
    ...(force === true ? { force: true } : {}),
    ...(sync.syncOptions === undefined ? {} : { syncOptions: sync.syncOptions }),
  };
}

const KEPT_ANNOTATION_PREFIXES = ['argocd.argoproj.io/', 'helm.sh/'];

/** What a prune needs of a live object: identity, uid (delete that incarnation only), sync annotations. */
function pruneStub(live: KubeObject): PruneStub {
  const meta = live.metadata ?? {};
  const annotations = Object.fromEntries(Object.entries(meta.annotations ?? {}).filter(([key]) => KEPT_ANNOTATION_PREFIXES.some((p) => key.startsWith(p))));
  return {
    apiVersion: live.apiVersion ?? '',
    kind: live.kind ?? '',
    metadata: {
      name: meta.name ?? '',
      ...(meta.namespace === undefined ? {} : { namespace: meta.namespace }),
      ...(meta.uid === undefined ? {} : { uid: meta.uid }),
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
    },
  };
}

function stubRef(stub: PruneStub): ResourceRef {
  const slash = stub.apiVersion.indexOf('/');
  return { group: slash < 0 ? '' : stub.apiVersion.slice(0, slash), kind: stub.kind, namespace: stub.metadata.namespace ?? '', name: stub.metadata.name };
}

function syncState(kawa: KawaOperationState): SyncState {
  return {
    tasks: kawa.tasks,
    ...(kawa.dryRun === undefined ? {} : { dryRun: kawa.dryRun }),
    ...(kawa.pruneConfirmed === true ? { pruneConfirmed: true } : {}),
    ...(kawa.terminating === true ? { terminating: true } : {}),
  };
}

/** The plan of this operation, rebuilt from its record; the same on every step. */
function buildPlan(record: OperationRecord, desiredObjects: readonly KubeObject[], deps: OperationDeps): SyncPlanResult {
  const settings = settingsOf(deps);
  const kawa = record.kawa;
  const app = kawa.app;
  const prepared = prepareDesired(kawa.appName, desiredObjects, deps.cache, {
    ...(app.destinationNamespace === undefined ? {} : { destinationNamespace: app.destinationNamespace }),
    tracking: settings.tracking,
  });
  const desired: DesiredResource[] = prepared.map(({ object, ref }) => {
    const key = ref === undefined ? undefined : resourceKey(ref);
    const sharedWith = key === undefined ? undefined : kawa.sharedWith[key];
    return {
      object: asSyncObject(object),
      status: key === undefined ? 'missing' : (kawa.statuses[key] ?? 'missing'),
      ...(sharedWith === undefined ? {} : { sharedWith }),
    };
  });
  const pruneCandidates = kawa.prune.filter((stub) => takenBy(stub, record, deps) === undefined);
  return buildSyncPlan({
    operationId: kawa.operationId,
    desired,
    pruneCandidates,
    ...(app.syncOptions === undefined ? {} : { appSyncOptions: app.syncOptions }),
    options: syncOperationOptions(record.operation),
    ...(app.destinationNamespace === undefined || app.destinationNamespace === ''
      ? {}
      : {
          destinationNamespace: {
            name: app.destinationNamespace,
            exists: kawa.namespaceExists,
            ...(app.managedNamespaceMetadata === undefined ? {} : { managedNamespaceMetadata: app.managedNamespaceMetadata }),
          },
        }),
    waveDelayMs: settings.waveDelayMs,
  });
}

/**
 * The app that took over a prune candidate since the operation started (it now carries that app's
 * tracking mark). Such an object is not this app's to delete; a prune already started keeps its record.
 */
function takenBy(stub: PruneStub, record: OperationRecord, deps: OperationDeps): string | undefined {
  const ref = stubRef(stub);
  const live = deps.cache.getByRef(ref);
  if (live === undefined) return undefined;
  const owner = trackedAppInstance(live, settingsOf(deps).tracking);
  if (owner === undefined || owner === record.kawa.appName) return undefined;
  const started = record.kawa.tasks[taskId('prune', 'Sync', { ...ref, version: '' })] !== undefined;
  return started ? undefined : owner;
}

function failedRecord(base: OperationRecord, message: string, now: number): OperationRecord {
  finish(base, 'Failed', message, now);
  return base;
}

function planErrors(result: Extract<SyncPlanResult, { ok: false }>): string {
  return `the sync plan is invalid: ${summarize(result.errors.map((e) => e.message), 5)}`;
}

export interface StartOptions {
  /** Reuse an id (tests); by default a new random one. */
  operationId?: string;
}

/**
 * Starts a sync operation: checks the safety rules, decides the plan's inputs from a comparison with
 * the live state, and persists the first record. Nothing is written to the cluster yet. An operation
 * that must not run comes back (and is persisted) Failed, with the reason as its message.
 */
export async function startOperation(app: SyncApp, operation: Operation, deps: OperationDeps, options: StartOptions = {}): Promise<OperationRecord> {
  const now = deps.clock.now();
  const settings = settingsOf(deps);
  const record: OperationRecord = {
    operation,
    phase: 'Running',
    message: 'starting',
    startedAt: isoTime(now),
    syncResult: { resources: [], ...(operation.sync?.revision === undefined ? {} : { revision: operation.sync.revision }) },
    kawa: {
      version: 1,
      appName: app.name,
      app: {
        ...(app.destinationNamespace === undefined ? {} : { destinationNamespace: app.destinationNamespace }),
        ...(app.syncOptions === undefined ? {} : { syncOptions: [...app.syncOptions] }),
        ...(app.managedNamespaceMetadata === undefined ? {} : { managedNamespaceMetadata: structuredClone(app.managedNamespaceMetadata) }),
        ...(app.ignoreDifferences === undefined || app.ignoreDifferences.length === 0 ? {} : { ignoreDifferences: structuredClone(app.ignoreDifferences) }),
      },
      operationId: options.operationId ?? randomUUID(),
      desiredDigest: desiredDigest(app.desired),
      statuses: {},
      sharedWith: {},
      prune: [],
      namespaceExists: true,
      tasks: {},
      unresolvedSince: {},
      extraResults: [],
    },
  };
  const done = async (message: string): Promise<OperationRecord> => {
    failedRecord(record, message, now);
    await deps.persist(record);
    return record;
  };

  // Never destroy on doubt: without a trustworthy desired state there is nothing to compare against,
  // and everything live would look like it requires pruning.
  if (app.refused !== undefined) return done(`cannot sync: ${app.refused}; nothing was applied or deleted`);
  if (app.renderFailed !== undefined) return done(`cannot sync: rendering the desired state failed, so nothing was applied or deleted: ${app.renderFailed}`);
  if (app.desired.length === 0 && app.allowEmpty !== true) {
    return done('cannot sync: the source rendered no objects, and an empty desired state would delete everything the app manages; nothing was applied or deleted (set allowEmpty to allow it)');
  }

  const comparison = compareApp({
    appName: app.name,
    desired: app.desired,
    live: deps.cache,
    options: {
      ...(app.destinationNamespace === undefined ? {} : { destinationNamespace: app.destinationNamespace }),
      tracking: settings.tracking,
      manager: settings.manager,
      ...(app.ignoreDifferences === undefined ? {} : { ignoreDifferences: app.ignoreDifferences }),
      ...(settings.jq === undefined ? {} : { jq: settings.jq }),
    },
  });
  const invalid = comparison.conditions.filter((c) => c.type === 'ComparisonError');
  if (invalid.length > 0) return done(`cannot sync: ${invalid.map((c) => c.message).join('; ')}`);

  const statuses: Record<string, ResourceSyncStatus> = {};
  const sharedWith: Record<string, string> = {};
  for (const r of comparison.resources) {
    if (r.desired === undefined) continue;
    const key = resourceKey(r);
    // Missing is what the plan assumes for an absent entry: only the others are stored (records stay small).
    if (r.live !== undefined) statuses[key] = r.hook === true || r.status === 'Synced' ? 'synced' : 'out-of-sync';
    if (r.sharedWith !== undefined) sharedWith[key] = r.sharedWith;
  }
  const destination = app.destinationNamespace;
  record.kawa = {
    ...record.kawa,
    statuses,
    sharedWith,
    prune: comparison.prune.map(pruneStub),
    namespaceExists: destination === undefined || destination === '' || deps.cache.getByRef({ group: '', kind: 'Namespace', namespace: '', name: destination }) !== undefined,
  };

  const built = buildPlan(record, app.desired, deps);
  if (!built.ok) return done(planErrors(built));
  const prunes = planTasks(built.plan).filter((t) => t.action === 'prune');
  const incomplete = incompleteLiveState(deps.cache);
  if (prunes.length > 0 && incomplete !== undefined) {
    return done(`refusing to prune ${prunes.length} object(s): ${incomplete}; nothing was applied or deleted`);
  }
  record.message = built.plan.warnings.length > 0 ? `started with warnings: ${built.plan.warnings.slice(0, 3).join('; ')}` : 'started';
  await deps.persist(record);
  return record;
}

/** Asks a running operation to stop: its next step deletes running hooks and ends it Failed. */
export function requestTermination(record: OperationRecord): OperationRecord {
  if (isTerminal(record.phase)) return record;
  const copy = structuredClone(record);
  copy.kawa.terminating = true;
  copy.phase = 'Terminating';
  return copy;
}

/** The Application's approval for `Prune=confirm` prunes. */
export function confirmPrune(record: OperationRecord): OperationRecord {
  const copy = structuredClone(record);
  copy.kawa.pruneConfirmed = true;
  return copy;
}

function withObservedHealth(task: SyncTask, state: TaskRecord, live: KubeObject, custom: HealthCheck | undefined): TaskRecord {
  const { health, message: healthMessage } = taskHealth(live, custom);
  const message = task.action === 'create-hook' && healthMessage !== undefined ? healthMessage : state.message;
  return { ...state, health, ...(message === undefined ? {} : { message }) };
}

/**
 * Records health of applied objects and hooks, and the end of deletions, as the cache shows them now.
 * Returns the hooks the cache has not shown at all for longer than `graceMs` after their creation, for
 * the caller to look up directly (the cache may be lagging, or the hook may be gone).
 */
function observe(plan: SyncPlan, kawa: KawaOperationState, deps: OperationDeps, now: number): SyncTask[] {
  const { customHealth: custom, kindWaitMs: graceMs } = settingsOf(deps);
  const unseen: SyncTask[] = [];
  for (const task of planTasks(plan)) {
    const state = kawa.tasks[task.id];
    if (state === undefined) continue;
    const live = deps.cache.getByRef(task.ref);
    if (task.action === 'delete-hook-before-creation' || task.action === 'prune') {
      if (state.progress === 'running' && (live === undefined || live.metadata?.uid !== state.deletedUid)) {
        kawa.tasks[task.id] = { ...state, progress: 'done', message: 'previous copy deleted', finishedAt: new Date(now).toISOString() };
      }
      continue;
    }
    if (state.progress !== 'done' || state.hookDeleted === true || plan.dryRun) continue;
    // A hook is created when its task finishes; an applied object that vanishes is the next compare's business.
    const sighting = sightHook({ ...state, phase: hookPhase(state), createdAt: Date.parse(state.finishedAt ?? '') }, live, now, graceMs);
    const hook = task.action === 'create-hook';
    if (sighting.kind === 'vanished' && hook) kawa.tasks[task.id] = { ...state, progress: 'failed', message: HOOK_VANISHED };
    if (sighting.kind === 'unseen' && hook) unseen.push(task);
    if (sighting.kind !== 'current') continue;
    const observed = withObservedHealth(task, state, sighting.live, custom);
    if (observed.health !== state.health || observed.message !== state.message) kawa.tasks[task.id] = observed;
  }
  return unseen;
}

/** Hooks the cache never showed: read them from the API; one that does not exist has failed. */
async function lookUpUnseen(hooks: readonly SyncTask[], ctx: TaskContext, kawa: KawaOperationState, deps: OperationDeps): Promise<void> {
  const { customHealth: custom, kindWaitMs: graceMs } = settingsOf(deps);
  await mapLimit(hooks, 8, async (task) => {
    const state = kawa.tasks[task.id];
    if (state === undefined) return;
    const found = await lookUpHook(ctx, { ref: resourceRefOf(task.ref), uid: state.uid });
    if (found.kind === 'found') kawa.tasks[task.id] = withObservedHealth(task, state, found.live, custom);
    if (found.kind === 'gone') kawa.tasks[task.id] = { ...state, progress: 'failed', message: hookDisappeared(graceMs) };
  });
}

function toResourceResults(plan: SyncPlan, kawa: KawaOperationState): ResourceResult[] {
  const results: ResourceResult[] = syncResults(plan, syncState(kawa)).map((r) => ({
    group: r.ref.group,
    version: r.ref.version,
    kind: r.ref.kind,
    namespace: r.ref.namespace,
    name: r.ref.name,
    status: r.status,
    message: r.message,
    syncPhase: r.syncPhase,
    ...(r.hookType === undefined ? {} : { hookType: r.hookType }),
    // Argo CD has no Pending hook phase: a hook not started yet shows as Running, as it does there.
    ...(r.hookPhase === undefined ? {} : { hookPhase: r.hookPhase === 'Pending' ? 'Running' : r.hookPhase }),
  }));
  return [...results, ...kawa.extraResults];
}

function isNamespaceOrCrd(task: SyncTask): boolean {
  return (task.ref.group === '' && task.ref.kind === 'Namespace') || (task.ref.group === 'apiextensions.k8s.io' && task.ref.kind === 'CustomResourceDefinition');
}

function dryRunMode(plan: SyncPlan, setting: 'auto' | 'server' | 'client'): 'server' | 'client' {
  if (plan.dryRun || setting === 'server') return 'server';
  if (setting === 'client') return 'client';
  const tasks = planTasks(plan);
  const ordered = plan.steps.length > 1 || tasks.some((t) => t.action === 'create-hook' || t.action === 'prune');
  return ordered ? 'server' : 'client';
}

/** Runs tasks: Namespaces and CRDs first (what the rest may live in or be made of), then the rest at once. */
async function runTasks(tasks: readonly SyncTask[], ctx: TaskContext, kawa: KawaOperationState, concurrency: number, now: number): Promise<string[]> {
  const deferred: string[] = [];
  const record = (task: SyncTask, outcome: TaskOutcome): void => {
    if (outcome.kind === 'deferred') {
      kawa.unresolvedSince[task.id] ??= now;
      deferred.push(outcome.reason);
      return;
    }
    if (outcome.kind === 'retry') {
      deferred.push(outcome.reason);
      return;
    }
    kawa.tasks[task.id] = outcome.record;
  };
  for (const group of [tasks.filter(isNamespaceOrCrd), tasks.filter((t) => !isNamespaceOrCrd(t))]) {
    const outcomes = await mapLimit(group, concurrency, (task) => runTask(task, ctx));
    group.forEach((task, i) => {
      const outcome = outcomes[i];
      if (outcome !== undefined) record(task, outcome);
    });
  }
  return deferred;
}

function describeAction(action: NextAction): string {
  switch (action.kind) {
    case 'create-namespace':
      return `created namespace ${action.task.ref.name}`;
    case 'dry-run':
      return 'dry run done';
    case 'apply':
      return `applied ${action.step.phase} wave ${action.step.wave} (${action.tasks.length} task${action.tasks.length === 1 ? '' : 's'})`;
    case 'run-sync-fail':
      return `running SyncFail hooks after: ${action.failure}`;
    case 'wait':
    case 'confirm-prune':
    case 'succeed':
    case 'fail':
    case 'terminate':
      return action.message;
  }
}

/**
 * Does the next bounded piece of work of a running operation and persists the record. Call it again
 * until `done`; when `idle`, wait for a change in the cluster (or a short while) first.
 */
export async function stepOperation(input: OperationRecord, app: Pick<SyncApp, 'name' | 'desired' | 'refused'>, deps: OperationDeps): Promise<StepResult> {
  validateRecord(input, 'operation');
  if (isTerminal(input.phase)) return { record: input, done: true, idle: false };
  const record = structuredClone(input);
  const kawa = record.kawa;
  const settings = settingsOf(deps);
  const now = deps.clock.now();
  const save = async (idle: boolean): Promise<StepResult> => {
    await deps.persist(record);
    return { record, done: isTerminal(record.phase), idle };
  };

  validateAppName('operation', kawa.appName, app.name);
  if (app.refused !== undefined) {
    finish(record, 'Failed', `stopped: ${app.refused}`, now);
    return save(false);
  }
  if (desiredDigest(app.desired) !== kawa.desiredDigest) {
    finish(record, 'Failed', 'the desired objects changed while the operation was running (a different render?); start a new sync', now);
    return save(false);
  }
  const built = buildPlan(record, app.desired, deps);
  if (!built.ok) {
    finish(record, 'Failed', planErrors(built), now);
    return save(false);
  }
  const plan = built.plan;
  recordTakenPrunes(record, deps);
  const unseen = observe(plan, kawa, deps, now);

  if (settings.timeoutMs > 0 && kawa.terminating !== true && now - Date.parse(record.startedAt) >= settings.timeoutMs) {
    kawa.terminating = true;
    const last = record.message === undefined || record.message === '' ? '' : ` (${record.message})`;
    kawa.terminationReason = `operation timed out after ${formatDuration(settings.timeoutMs)}${last}`;
  }

  let next = nextStep(plan, syncState(kawa));
  const ctx: TaskContext = {
    rest: deps.rest,
    cache: deps.cache,
    clock: deps.clock,
    appName: app.name,
    operationId: kawa.operationId,
    manager: settings.manager,
    tracking: settings.tracking,
    plan,
    unresolvedSince: kawa.unresolvedSince,
    kindWaitMs: settings.kindWaitMs,
    ...(kawa.app.ignoreDifferences === undefined ? {} : { ignoreDifferences: kawa.app.ignoreDifferences }),
    ...(settings.jq === undefined ? {} : { jq: settings.jq }),
  };

  if (unseen.length > 0) {
    await lookUpUnseen(unseen, ctx, kawa, deps);
    next = nextStep(plan, syncState(kawa));
  }

  // Finished hooks whose delete policy says so go first. A failed delete is retried on the next step,
  // unless the operation ends now: a hook kawa cannot delete must not keep it running forever.
  const action = next.action;
  const ending = action.kind === 'succeed' || action.kind === 'fail' || action.kind === 'terminate';
  const hookProblems = await deleteTaskHooks(next.deleteHooks, ctx, kawa);
  if (hookProblems.length > 0 && !ending) {
    record.message = `deleting finished hooks failed: ${hookProblems.join('; ')}`;
    record.syncResult = { ...record.syncResult, resources: toResourceResults(plan, kawa) };
    return save(true);
  }
  const leftBehind = (transient: readonly string[]): string => leftBehindOf(plan, kawa, transient);

  let deferred: string[] = [];
  switch (action.kind) {
    case 'create-namespace':
      await runTasks([action.task], ctx, kawa, 1, now);
      break;
    case 'dry-run':
      await dryRun(action.tasks, plan, ctx, kawa, settings, now);
      break;
    case 'apply':
    case 'run-sync-fail':
      if (action.kind === 'apply' && action.delayMs > 0) await deps.clock.sleep(action.delayMs);
      deferred = await runTasks(action.tasks, ctx, kawa, settings.concurrency, now);
      break;
    case 'wait':
    case 'confirm-prune':
      break;
    case 'succeed':
      finish(record, 'Succeeded', `${action.message}${leftBehind(hookProblems)}`, now);
      break;
    case 'fail':
      finish(record, 'Failed', `${action.message}${leftBehind(hookProblems)}`, now);
      break;
    case 'terminate': {
      const problems = [...hookProblems, ...(await deleteTaskHooks(action.hooks, ctx, kawa))];
      finish(record, 'Failed', `${kawa.terminationReason ?? OPERATION_TERMINATED}${leftBehind(problems)}`, now);
      kawa.terminated = true;
      break;
    }
  }
  record.syncResult = { ...record.syncResult, resources: toResourceResults(plan, kawa) };
  if (isTerminal(record.phase)) return save(false);

  record.phase = kawa.terminating === true ? 'Terminating' : 'Running';
  if (deferred.length > 0) {
    record.message = deferred[0] ?? '';
    return save(true);
  }
  const after = nextStep(plan, syncState(kawa)).action;
  const idle = after.kind === 'wait' || after.kind === 'confirm-prune';
  record.message = idle ? after.message : describeAction(action);
  return save(idle);
}

/** A prune candidate another app took over since the start is skipped, with a result saying so. */
function recordTakenPrunes(record: OperationRecord, deps: OperationDeps): void {
  const kawa = record.kawa;
  for (const stub of kawa.prune) {
    const owner = takenBy(stub, record, deps);
    if (owner === undefined) continue;
    const ref = stubRef(stub);
    if (hasResultFor(kawa.extraResults, ref)) continue;
    const slash = stub.apiVersion.indexOf('/');
    kawa.extraResults.push({
      ...ref,
      version: slash < 0 ? stub.apiVersion : stub.apiVersion.slice(slash + 1),
      status: 'PruneSkipped',
      message: `not pruned: now tracked by application ${owner} (SharedResource)`,
      syncPhase: 'Sync',
    });
  }
}

/** Deletes hooks and records it on their tasks; transient failures come back to be retried on the next step. */
function deleteTaskHooks(hooks: readonly SyncTask[], calls: HookCalls, kawa: KawaOperationState): Promise<string[]> {
  const target = (task: SyncTask): { ref: ResourceRef; uid: string | undefined } => ({ ref: resourceRefOf(task.ref), uid: kawa.tasks[task.id]?.uid });
  return deleteHooks(calls, hooks, target, (task, refused) => {
    const state = kawa.tasks[task.id];
    if (state !== undefined) kawa.tasks[task.id] = { ...state, hookDeleted: true, ...(refused === undefined ? {} : { deleteFailed: refused }) };
  });
}

/** ` (hooks not deleted: …)` for hooks whose deletion was refused or is still failing, else nothing. */
function leftBehindOf(plan: SyncPlan, kawa: KawaOperationState, transient: readonly string[]): string {
  const refused = planTasks(plan).flatMap((t) => {
    const failed = kawa.tasks[t.id]?.deleteFailed;
    return failed === undefined ? [] : [`${describeRef(t.ref)}: ${failed}`];
  });
  return hooksLeftBehind([...refused, ...transient]);
}

async function dryRun(
  tasks: readonly SyncTask[],
  plan: SyncPlan,
  ctx: TaskContext,
  kawa: KawaOperationState,
  settings: ResolvedSettings,
  now: number,
): Promise<void> {
  const mode = dryRunMode(plan, settings.dryRunMode);
  const failures = await mapLimit(tasks, settings.concurrency, (task) => dryRunTask(task, ctx, mode));
  const at = new Date(now).toISOString();
  const failed: string[] = [];
  tasks.forEach((task, i) => {
    const failure = failures[i];
    if (failure !== undefined) {
      failed.push(`${describeRef(task.ref)}: ${failure}`);
      // A per-object result: the dry-run is where this object failed.
      kawa.tasks[task.id] = { progress: 'failed', message: `dry run: ${failure}`, startedAt: at, finishedAt: at };
    } else if (plan.dryRun) {
      kawa.tasks[task.id] = { progress: 'done', message: `${task.action === 'prune' ? 'pruned' : 'applied'} (dry run)`, health: 'None', startedAt: at, finishedAt: at };
    }
  });
  kawa.dryRun = failed.length === 0 ? { ok: true } : { ok: false, message: summarize(failed, 3) };
}

