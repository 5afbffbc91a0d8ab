// The wave loop as a pure function. The controller persists what happened to each task (in
// `status.operationState`), and after every event — or after a restart — asks `nextStep` what to do.
// Nothing here remembers anything: a re-planned operation plus its recorded progress is enough to
// continue without re-creating finished hooks or skipping waves.

import type { HealthStatus } from '../health/index.js';
import type { HookDeletePolicy } from './annotations.js';
import { formatRef } from './objects.js';
import type { SyncPlan, SyncStep, SyncTask } from './plan.js';

/**
 * What the controller recorded for one task. `running`: the API call was made and its effect is not
 * complete yet (a deletion waiting for finalizers); `done`: the call succeeded; `failed`: it did not.
 */
export interface TaskState {
  readonly progress: 'running' | 'done' | 'failed';
  /** The API error for `failed`, or the latest health message. */
  readonly message?: string;
  /**
   * Latest health of the live object, for applied resources and hooks: `None` when its kind has no
   * health check. Absent until observed. Keep the last value once a hook is deleted.
   */
  readonly health?: HealthStatus | 'None';
  /** The hook was deleted after finishing, per its delete policy. */
  readonly hookDeleted?: boolean;
}

export interface SyncState {
  /** By task id; absent means not started. */
  readonly tasks: Readonly<Record<string, TaskState | undefined>>;
  /** Outcome of the dry-run pass; absent until it ran. */
  readonly dryRun?: { readonly ok: boolean; readonly message?: string };
  /** The Application's deletion approval arrived (for `Prune=confirm`). */
  readonly pruneConfirmed?: boolean;
  /** Termination was requested (`argocd app terminate-op`). */
  readonly terminating?: boolean;
}

/** Argo CD's hook phases, as `operationState.syncResult.resources[].hookPhase` shows them. */
export type HookPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export type NextAction =
  /** Create the destination namespace (`CreateNamespace=true`) before anything else. */
  | { readonly kind: 'create-namespace'; readonly task: SyncTask }
  /** Dry-run these tasks (skip those with `skipDryRun`); record the outcome in `state.dryRun`. */
  | { readonly kind: 'dry-run'; readonly tasks: readonly SyncTask[] }
  /** Run these tasks of step `stepIndex` of `plan.steps`, after waiting `delayMs`. */
  | { readonly kind: 'apply'; readonly stepIndex: number; readonly step: SyncStep; readonly tasks: readonly SyncTask[]; readonly delayMs: number }
  /** After a failure: run these SyncFail hooks. */
  | { readonly kind: 'run-sync-fail'; readonly step: SyncStep; readonly tasks: readonly SyncTask[]; readonly failure: string }
  /** Nothing to do until a task's state changes (health, deletion, hook completion). */
  | { readonly kind: 'wait'; readonly message: string; readonly tasks: readonly SyncTask[] }
  /** `Prune=confirm` prunes wait for the Application's deletion approval. */
  | { readonly kind: 'confirm-prune'; readonly message: string; readonly tasks: readonly SyncTask[] }
  | { readonly kind: 'succeed'; readonly message: string }
  | { readonly kind: 'fail'; readonly message: string }
  /** Delete these running hooks, then end the operation Failed with the message. */
  | { readonly kind: 'terminate'; readonly message: string; readonly hooks: readonly SyncTask[] };

export interface NextStep {
  readonly action: NextAction;
  /**
   * Finished hooks whose delete policy asks for deletion now (HookSucceeded / HookFailed). Delete them
   * before carrying out `action`, then record `hookDeleted`.
   */
  readonly deleteHooks: readonly SyncTask[];
}

export const OPERATION_TERMINATED = 'Operation terminated';

/** A hook's phase from its recorded progress and health, as Argo CD reports hooks in sync results. */
export function hookPhase(state: TaskState | undefined): HookPhase {
  if (state === undefined) return 'Pending';
  switch (state.progress) {
    case 'failed':
      return 'Failed';
    case 'running':
      return 'Running';
    case 'done':
      break;
  }
  switch (state.health) {
    // Not observed yet: the watch has not delivered the new object.
    case undefined:
      return 'Running';
    case 'None':
    case 'Healthy':
      return 'Succeeded';
    // Missing: just created and not in the cache yet; a hook that never appears is bounded by the
    // operation timeout.
    case 'Progressing':
    case 'Suspended':
    case 'Missing':
      return 'Running';
    case 'Degraded':
    case 'Unknown':
      return 'Failed';
  }
}

/**
 * Whether an applied plain resource lets the next wave start. Suspended counts as settled: a paused
 * Deployment would otherwise hold the sync forever. Degraded does not (Argo CD keeps waiting; the
 * operation timeout bounds it).
 */
function settled(state: TaskState): boolean {
  switch (state.health) {
    case 'None':
    case 'Healthy':
    case 'Suspended':
      return true;
    case undefined:
    case 'Progressing':
    case 'Missing':
    case 'Degraded':
    case 'Unknown':
      return false;
  }
}

function isDeletion(task: SyncTask): boolean {
  return task.action === 'prune' || task.action === 'delete-hook-before-creation';
}

/** `: message`, or nothing when there is no message. */
function suffix(message: string | undefined): string {
  return message === undefined ? '' : `: ${message}`;
}

function label(task: SyncTask): string {
  return formatRef(task.ref);
}

function list(tasks: readonly SyncTask[]): string {
  const shown = tasks.slice(0, 3).map(label).join(', ');
  return tasks.length > 3 ? `${shown} and ${tasks.length - 3} more` : shown;
}

type StepProgress =
  | { readonly kind: 'pending'; readonly tasks: readonly SyncTask[]; readonly started: boolean }
  | { readonly kind: 'waiting'; readonly message: string; readonly tasks: readonly SyncTask[] }
  | { readonly kind: 'complete' };

/**
 * Where one step stands. Deletions go first and must be done before the step's creations start; then
 * everything must have been sent, hooks must have finished, and (with waves) resources be healthy.
 */
function stepProgress(step: SyncStep, state: SyncState, waitForHealth: boolean): StepProgress {
  const at = (task: SyncTask) => state.tasks[task.id];
  // A pre-creation delete is moot once its create has started: after a restart, the object that
  // exists is this operation's own hook, which must not be deleted again.
  const live = step.tasks.filter((t) => t.createTaskId === undefined || state.tasks[t.createTaskId] === undefined);
  const started = live.some((t) => at(t) !== undefined);

  const deletions = live.filter(isDeletion);
  const pendingDeletions = deletions.filter((t) => at(t) === undefined);
  if (pendingDeletions.length > 0) return { kind: 'pending', tasks: pendingDeletions, started };
  const deleting = deletions.filter((t) => at(t)?.progress === 'running');
  if (deleting.length > 0) return { kind: 'waiting', message: `waiting for deletion of ${list(deleting)}`, tasks: deleting };

  const creations = live.filter((t) => !isDeletion(t));
  const pending = creations.filter((t) => at(t) === undefined);
  if (pending.length > 0) return { kind: 'pending', tasks: pending, started };
  const inFlight = creations.filter((t) => at(t)?.progress === 'running');
  if (inFlight.length > 0) return { kind: 'waiting', message: `waiting for ${list(inFlight)} to be applied`, tasks: inFlight };

  const runningHooks = creations.filter((t) => t.action === 'create-hook' && hookPhase(at(t)) === 'Running');
  if (runningHooks.length > 0) return { kind: 'waiting', message: `waiting for completion of hook ${list(runningHooks)}`, tasks: runningHooks };

  if (waitForHealth) {
    const unhealthy = creations.filter((t) => {
      const s = at(t);
      return t.action === 'apply' && s !== undefined && !settled(s);
    });
    if (unhealthy.length > 0) return { kind: 'waiting', message: `waiting for healthy state of ${list(unhealthy)}`, tasks: unhealthy };
  }
  return { kind: 'complete' };
}

/** Why a task failed, or undefined when it has not. */
function failureOf(task: SyncTask, state: TaskState | undefined): string | undefined {
  if (state === undefined) return undefined;
  if (state.progress === 'failed') return `${task.action} of ${label(task)} failed${suffix(state.message)}`;
  if (task.action === 'create-hook' && hookPhase(state) === 'Failed') {
    return `hook ${label(task)} failed (${state.health ?? 'Unknown'})${suffix(state.message)}`;
  }
  return undefined;
}

function firstFailure(steps: readonly SyncStep[], state: SyncState): string | undefined {
  const failures = steps.flatMap((s) => s.tasks).flatMap((t) => failureOf(t, state.tasks[t.id]) ?? []);
  const [first] = failures;
  if (first === undefined) return undefined;
  return failures.length === 1 ? first : `${first} (and ${failures.length - 1} more failed tasks)`;
}

/** Whether a finished hook's delete policy asks for its deletion now (HookSucceeded, HookFailed). */
export function deletionDue(policies: readonly HookDeletePolicy[], phase: HookPhase): boolean {
  return (phase === 'Succeeded' && policies.includes('HookSucceeded')) || (phase === 'Failed' && policies.includes('HookFailed'));
}

/** Finished hooks whose delete policy matches how they finished, not deleted yet. */
function hooksToDelete(plan: SyncPlan, state: SyncState): SyncTask[] {
  return [...plan.steps, ...plan.syncFailSteps]
    .flatMap((s) => s.tasks)
    .filter((t) => {
      const s = state.tasks[t.id];
      // A hook whose create call failed left nothing behind to delete.
      if (t.action !== 'create-hook' || t.hook === undefined || s?.progress !== 'done' || s.hookDeleted === true) return false;
      return deletionDue(t.hook.deletePolicies, hookPhase(s));
    });
}

/** Created hooks still running, which termination deletes. */
function runningHooks(plan: SyncPlan, state: SyncState): SyncTask[] {
  return [...plan.steps, ...plan.syncFailSteps]
    .flatMap((s) => s.tasks)
    .filter((t) => t.action === 'create-hook' && state.tasks[t.id] !== undefined && hookPhase(state.tasks[t.id]) === 'Running');
}

/** After a failure: SyncFail hooks wave by wave, then Failed with the original reason. */
function afterFailure(plan: SyncPlan, state: SyncState, failure: string): NextAction {
  const hookFailure = firstFailure(plan.syncFailSteps, state);
  if (hookFailure !== undefined) return { kind: 'fail', message: `${failure}; SyncFail ${hookFailure}` };
  for (const step of plan.syncFailSteps) {
    const progress = stepProgress(step, state, false);
    switch (progress.kind) {
      case 'pending':
        return { kind: 'run-sync-fail', step, tasks: progress.tasks, failure };
      case 'waiting':
        return { kind: 'wait', message: progress.message, tasks: progress.tasks };
      case 'complete':
        break;
    }
  }
  return { kind: 'fail', message: failure };
}

function decide(plan: SyncPlan, state: SyncState): NextAction {
  if (state.terminating === true) return { kind: 'terminate', message: OPERATION_TERMINATED, hooks: runningHooks(plan, state) };

  const namespace = plan.namespaceTask;
  if (namespace !== undefined && !plan.dryRun) {
    const s = state.tasks[namespace.id];
    if (s === undefined) return { kind: 'create-namespace', task: namespace };
    if (s.progress === 'running') return { kind: 'wait', message: `waiting for namespace ${namespace.ref.name} to be created`, tasks: [namespace] };
    if (s.progress === 'failed') return { kind: 'fail', message: `failed to create namespace ${namespace.ref.name}${suffix(s.message)}` };
  }

  if (state.dryRun === undefined) {
    // Deleting an old hook has nothing to validate; its re-creation is dry-run instead.
    const tasks = plan.steps.flatMap((s) => s.tasks).filter((t) => t.action !== 'delete-hook-before-creation');
    return { kind: 'dry-run', tasks: plan.dryRun && namespace !== undefined ? [namespace, ...tasks] : tasks };
  }
  // Nothing has been changed yet, so there is nothing for SyncFail hooks to clean up.
  if (!state.dryRun.ok) return { kind: 'fail', message: `dry run failed${suffix(state.dryRun.message)}` };
  if (plan.dryRun) return { kind: 'succeed', message: 'successfully synced (dry run)' };

  const failure = firstFailure(plan.steps, state);
  if (failure !== undefined) return afterFailure(plan, state, `one or more synchronization tasks failed: ${failure}`);

  for (const [stepIndex, step] of plan.steps.entries()) {
    const progress = stepProgress(step, state, plan.waitForWaves);
    switch (progress.kind) {
      case 'pending': {
        const unconfirmed = progress.tasks.filter((t) => t.requiresConfirmation === true);
        if (unconfirmed.length > 0 && state.pruneConfirmed !== true) {
          return { kind: 'confirm-prune', message: `waiting for pruning confirmation of ${list(unconfirmed)}`, tasks: unconfirmed };
        }
        const delayMs = stepIndex > 0 && !progress.started ? plan.waveDelayMs : 0;
        return { kind: 'apply', stepIndex, step, tasks: progress.tasks, delayMs };
      }
      case 'waiting':
        return { kind: 'wait', message: progress.message, tasks: progress.tasks };
      case 'complete':
        break;
    }
  }
  return { kind: 'succeed', message: 'successfully synced (all tasks run)' };
}

/** What the operation should do next, given the plan and everything recorded so far. */
export function nextStep(plan: SyncPlan, state: SyncState): NextStep {
  return { action: decide(plan, state), deleteHooks: hooksToDelete(plan, state) };
}

/** One entry of `operationState.syncResult.resources`. */
export interface TaskResult {
  readonly ref: SyncTask['ref'];
  readonly syncPhase: SyncTask['phase'];
  readonly status: 'Synced' | 'SyncFailed' | 'Pruned' | 'PruneSkipped';
  readonly message: string;
  /** Hooks only. */
  readonly hookType?: SyncTask['phase'];
  readonly hookPhase?: HookPhase;
}

/** Results so far: started tasks (pre-creation deletes are bookkeeping, not results) and planned skips. */
export function syncResults(plan: SyncPlan, state: SyncState): TaskResult[] {
  const tasks = [...(plan.namespaceTask ? [plan.namespaceTask] : []), ...[...plan.steps, ...plan.syncFailSteps].flatMap((s) => s.tasks)];
  const results: TaskResult[] = [];
  for (const task of tasks) {
    const s = state.tasks[task.id];
    if (s === undefined || task.action === 'delete-hook-before-creation') continue;
    const failed = s.progress === 'failed';
    const base = { ref: task.ref, syncPhase: task.phase, message: s.message ?? '' };
    switch (task.action) {
      case 'apply':
        results.push({ ...base, status: failed ? 'SyncFailed' : 'Synced' });
        break;
      case 'prune':
        results.push({ ...base, status: failed ? 'SyncFailed' : 'Pruned', message: s.message ?? (failed ? '' : 'pruned') });
        break;
      case 'create-hook':
        results.push({ ...base, status: failed ? 'SyncFailed' : 'Synced', hookType: task.phase, hookPhase: hookPhase(s) });
        break;
    }
  }
  for (const skipped of plan.results) results.push({ ref: skipped.ref, syncPhase: 'Sync', status: skipped.status, message: skipped.message });
  return results;
}
