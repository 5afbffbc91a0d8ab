import { describe, expect, it } from 'vitest';
import { hookPhase, nextStep, syncResults, type NextStep, type SyncState, type TaskState } from './next-step.js';
import type { SyncObject } from './objects.js';
import { buildSyncPlan, planTasks, type DesiredResource, type SyncPlan, type SyncPlanInput, type SyncTask } from './plan.js';

const HOOK = 'argocd.argoproj.io/hook';
const POLICY = 'argocd.argoproj.io/hook-delete-policy';
const WAVE = 'argocd.argoproj.io/sync-wave';

function obj(apiVersion: string, kind: string, name: string, annotations: Record<string, string> = {}): SyncObject {
  return { apiVersion, kind, metadata: { name, namespace: 'shop', annotations } };
}

function build(input: Partial<SyncPlanInput>): SyncPlan {
  const result = buildSyncPlan({ operationId: 'op-1', desired: [], ...input });
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.plan;
}

function appDesired(migrateStatus: DesiredResource['status']): DesiredResource[] {
  return [
    { object: obj('batch/v1', 'Job', 'migrate', { [HOOK]: 'PreSync', [POLICY]: 'HookSucceeded' }), status: migrateStatus },
    { object: obj('v1', 'ConfigMap', 'cfg'), status: 'out-of-sync' },
    { object: obj('apps/v1', 'Deployment', 'web', { [WAVE]: '1' }), status: 'out-of-sync' },
    // Exists from the previous sync, so it is deleted before being created again.
    { object: obj('batch/v1', 'Job', 'smoke', { [HOOK]: 'PostSync' }), status: 'synced' },
    { object: obj('v1', 'Pod', 'cleanup', { [HOOK]: 'SyncFail', [POLICY]: 'HookSucceeded' }), status: 'missing' },
  ];
}

const APP_INPUT: Partial<SyncPlanInput> = {
  desired: appDesired('missing'),
  pruneCandidates: [obj('v1', 'ConfigMap', 'old-cm')],
  appSyncOptions: ['CreateNamespace=true'],
  destinationNamespace: { name: 'shop', exists: false },
  options: { prune: true },
};

/**
 * Steps: 0 PreSync/0 [Job/migrate] · 1 Sync/0 [prune ConfigMap/old-cm, ConfigMap/cfg] · 2 Sync/1
 * [Deployment/web] · 3 PostSync/0 [delete Job/smoke, Job/smoke]; SyncFail/0 [Pod/cleanup].
 */
const APP = build(APP_INPUT);

function taskNamed(plan: SyncPlan, label: string): SyncTask {
  const task = planTasks(plan).find((t) => `${t.action === 'delete-hook-before-creation' ? 'delete ' : ''}${t.ref.name}` === label);
  if (task === undefined) throw new Error(`no task ${label}`);
  return task;
}

type Label = 'shop' | 'migrate' | 'old-cm' | 'cfg' | 'web' | 'delete smoke' | 'smoke' | 'cleanup';

function state(plan: SyncPlan, tasks: Partial<Record<Label, TaskState>>, extra: Partial<SyncState> = { dryRun: { ok: true } }): SyncState {
  return { ...extra, tasks: Object.fromEntries(Object.entries(tasks).map(([label, s]) => [taskNamed(plan, label).id, s])) };
}

function names(tasks: readonly SyncTask[]): string {
  return tasks.map((t) => `${t.action === 'delete-hook-before-creation' ? 'delete ' : ''}${t.ref.kind}/${t.ref.name}`).join(', ');
}

/** One line per decision, so each table row reads as "given this, do that". */
function show(next: NextStep): string {
  const a = next.action;
  let text: string;
  switch (a.kind) {
    case 'create-namespace':
      text = `create-namespace ${a.task.ref.name}`;
      break;
    case 'dry-run':
      text = `dry-run ${names(a.tasks)}`;
      break;
    case 'apply':
      text = `apply step ${a.stepIndex} ${a.step.phase}/${a.step.wave} +${a.delayMs}ms: ${names(a.tasks)}`;
      break;
    case 'run-sync-fail':
      text = `run-sync-fail ${names(a.tasks)} (${a.failure})`;
      break;
    case 'wait':
      text = `wait: ${a.message}`;
      break;
    case 'confirm-prune':
      text = `confirm-prune: ${names(a.tasks)}`;
      break;
    case 'succeed':
      text = `succeed: ${a.message}`;
      break;
    case 'fail':
      text = `fail: ${a.message}`;
      break;
    case 'terminate':
      text = `terminate (${a.message}): ${names(a.hooks)}`;
      break;
  }
  return next.deleteHooks.length > 0 ? `${text} | delete hooks: ${names(next.deleteHooks)}` : text;
}

const DONE: TaskState = { progress: 'done' };
const RUNNING: TaskState = { progress: 'running' };
const healthy: TaskState = { progress: 'done', health: 'Healthy' };
const withHealth = (health: TaskState['health'], message?: string): TaskState => ({ progress: 'done', health, ...(message && { message }) });
const failed = (message: string): TaskState => ({ progress: 'failed', message });

// Progress of a run that goes well, step by step.
const NS = { shop: DONE };
const PRE = { ...NS, migrate: { ...healthy, hookDeleted: true } };
const WAVE0 = { ...PRE, 'old-cm': DONE, cfg: withHealth('None') };
const WAVE1 = { ...WAVE0, web: healthy };
const CLEARED = { ...WAVE1, 'delete smoke': DONE };

const SMOKE_FAILED = 'one or more synchronization tasks failed: hook batch/Job shop/smoke failed (Degraded): BackoffLimitExceeded';

/** [case, recorded progress, extra state (default: dry-run ok), decision] */
const CASES: readonly (readonly [string, Partial<Record<Label, TaskState>>, Partial<SyncState> | undefined, string])[] = [
  ['fresh start: the namespace comes first', {}, {}, 'create-namespace shop'],
  ['namespace call in flight', { shop: RUNNING }, {}, 'wait: waiting for namespace shop to be created'],
  ['namespace creation failed', { shop: failed('forbidden') }, {}, 'fail: failed to create namespace shop: forbidden'],
  ['then the dry-run of every task (not the old-hook deletion)', NS, {}, 'dry-run Job/migrate, ConfigMap/old-cm, ConfigMap/cfg, Deployment/web, Job/smoke'],
  ['dry-run failure fails at once', NS, { dryRun: { ok: false, message: 'Deployment.apps "web" is invalid' } }, 'fail: dry run failed: Deployment.apps "web" is invalid'],
  ['first step, no delay', NS, undefined, 'apply step 0 PreSync/0 +0ms: Job/migrate'],
  ['hook created, not observed yet', { ...NS, migrate: DONE }, undefined, 'wait: waiting for completion of hook batch/Job shop/migrate'],
  ['hook Progressing', { ...NS, migrate: withHealth('Progressing') }, undefined, 'wait: waiting for completion of hook batch/Job shop/migrate'],
  ['hook Suspended counts as running', { ...NS, migrate: withHealth('Suspended') }, undefined, 'wait: waiting for completion of hook batch/Job shop/migrate'],
  [
    'hook succeeded: next wave, deletions first; HookSucceeded deletes the hook',
    { ...NS, migrate: healthy },
    undefined,
    'apply step 1 Sync/0 +2000ms: ConfigMap/old-cm | delete hooks: Job/migrate',
  ],
  ['a deleted hook is not deleted again', PRE, undefined, 'apply step 1 Sync/0 +2000ms: ConfigMap/old-cm'],
  ['prune sent: the rest of the step, no second delay', { ...PRE, 'old-cm': DONE }, undefined, 'apply step 1 Sync/0 +0ms: ConfigMap/cfg'],
  ['wave applied, health not known yet', { ...PRE, 'old-cm': DONE, cfg: DONE }, undefined, 'wait: waiting for healthy state of ConfigMap shop/cfg'],
  ['wave healthy (no health check = healthy): next wave', WAVE0, undefined, 'apply step 2 Sync/1 +2000ms: Deployment/web'],
  ['Progressing resource holds the next wave', { ...WAVE0, web: withHealth('Progressing') }, undefined, 'wait: waiting for healthy state of apps/Deployment shop/web'],
  ['Degraded resource holds it too (timeout bounds it)', { ...WAVE0, web: withHealth('Degraded') }, undefined, 'wait: waiting for healthy state of apps/Deployment shop/web'],
  ['Suspended resource lets the sync go on', { ...WAVE0, web: withHealth('Suspended') }, undefined, 'apply step 3 PostSync/0 +2000ms: delete Job/smoke'],
  ['old hook still terminating', { ...WAVE1, 'delete smoke': RUNNING }, undefined, 'wait: waiting for deletion of batch/Job shop/smoke'],
  ['old hook gone: create the new one', CLEARED, undefined, 'apply step 3 PostSync/0 +0ms: Job/smoke'],
  [
    'restarted after the create (deletion record lost): neither deleted nor created again',
    { ...WAVE1, smoke: DONE },
    undefined,
    'wait: waiting for completion of hook batch/Job shop/smoke',
  ],
  ['all done: Succeeded', { ...CLEARED, smoke: healthy }, undefined, 'succeed: successfully synced (all tasks run)'],
  [
    'PostSync hook failed: SyncFail hooks run',
    { ...CLEARED, smoke: withHealth('Degraded', 'BackoffLimitExceeded') },
    undefined,
    `run-sync-fail Pod/cleanup (${SMOKE_FAILED})`,
  ],
  [
    'hook in Unknown health failed too',
    { ...CLEARED, smoke: withHealth('Unknown') },
    undefined,
    'run-sync-fail Pod/cleanup (one or more synchronization tasks failed: hook batch/Job shop/smoke failed (Unknown))',
  ],
  [
    'SyncFail hook running',
    { ...CLEARED, smoke: withHealth('Degraded', 'BackoffLimitExceeded'), cleanup: withHealth('Progressing') },
    undefined,
    'wait: waiting for completion of hook Pod shop/cleanup',
  ],
  [
    'SyncFail hooks done: Failed with the original reason',
    { ...CLEARED, smoke: withHealth('Degraded', 'BackoffLimitExceeded'), cleanup: healthy },
    undefined,
    `fail: ${SMOKE_FAILED} | delete hooks: Pod/cleanup`,
  ],
  [
    'SyncFail hook failed itself',
    { ...CLEARED, smoke: withHealth('Degraded', 'BackoffLimitExceeded'), cleanup: failed('exceeded quota') },
    undefined,
    `fail: ${SMOKE_FAILED}; SyncFail create-hook of Pod shop/cleanup failed: exceeded quota`,
  ],
  [
    'apply error fails the wave',
    { ...WAVE0, web: failed('admission webhook denied the request') },
    undefined,
    'run-sync-fail Pod/cleanup (one or more synchronization tasks failed: apply of apps/Deployment shop/web failed: admission webhook denied the request)',
  ],
  [
    'PreSync hook failed: nothing else is applied',
    { ...NS, migrate: withHealth('Degraded') },
    undefined,
    'run-sync-fail Pod/cleanup (one or more synchronization tasks failed: hook batch/Job shop/migrate failed (Degraded))',
  ],
  [
    'two failures: the first is named, the rest counted',
    { ...WAVE0, 'old-cm': failed('forbidden'), cfg: failed('invalid') },
    undefined,
    'run-sync-fail Pod/cleanup (one or more synchronization tasks failed: prune of ConfigMap shop/old-cm failed: forbidden (and 1 more failed tasks))',
  ],
  ['terminate deletes running hooks', { ...NS, migrate: withHealth('Progressing') }, { dryRun: { ok: true }, terminating: true }, 'terminate (Operation terminated): Job/migrate'],
];

describe('nextStep', () => {
  it.each(CASES)('%s', (_name, tasks, extra, expected) => {
    expect(show(nextStep(APP, state(APP, tasks, extra)))).toBe(expected);
  });

  it('resumes a re-planned operation where it stopped, without re-creating finished hooks', () => {
    // After a restart the diff sees the PreSync hook as existing; the plan must keep the same task ids.
    const replanned = build({ ...APP_INPUT, desired: appDesired('synced') });
    const ids = (plan: SyncPlan) => planTasks(plan).map((t) => t.id);
    expect(ids(replanned)).toEqual(ids(APP));
    const recorded = state(APP, WAVE0);
    expect(show(nextStep(replanned, recorded))).toBe('apply step 2 Sync/1 +2000ms: Deployment/web');
    // Even a restart right after the PreSync create does not delete the hook it just made.
    expect(show(nextStep(replanned, state(APP, { ...NS, migrate: DONE })))).toBe('wait: waiting for completion of hook batch/Job shop/migrate');
  });

  it('records results for operationState', () => {
    const results = syncResults(APP, state(APP, { ...CLEARED, smoke: withHealth('Progressing') }));
    expect(results.map((r) => `${r.syncPhase} ${r.status} ${r.ref.kind}/${r.ref.name}${r.hookPhase ? ` ${r.hookPhase}` : ''}`)).toEqual([
      'PreSync Synced Namespace/shop',
      'PreSync Synced Job/migrate Succeeded',
      'Sync Pruned ConfigMap/old-cm',
      'Sync Synced ConfigMap/cfg',
      'Sync Synced Deployment/web',
      'PostSync Synced Job/smoke Running',
    ]);
  });
});

describe('nextStep on other plans', () => {
  const cm = obj('v1', 'ConfigMap', 'cfg');
  const syncHook = obj('batch/v1', 'Job', 'seed', { [HOOK]: 'Sync' });
  const ok = { dryRun: { ok: true } };

  it('single wave without hooks succeeds right after apply, without waiting for health', () => {
    const plan = build({ desired: [{ object: cm, status: 'out-of-sync' }] });
    const id = taskNamed(plan, 'cfg').id;
    expect(show(nextStep(plan, { tasks: {}, ...ok }))).toBe('apply step 0 Sync/0 +0ms: ConfigMap/cfg');
    expect(show(nextStep(plan, { tasks: { [id]: withHealth('Progressing') }, ...ok }))).toBe('succeed: successfully synced (all tasks run)');
  });

  it('single wave with a hook waits for the hook only', () => {
    const plan = build({ desired: [{ object: cm, status: 'out-of-sync' }, { object: syncHook, status: 'missing' }] });
    const [cfg, seed] = [taskNamed(plan, 'cfg').id, taskNamed(plan, 'seed').id];
    expect(show(nextStep(plan, { tasks: { [cfg]: withHealth('Progressing'), [seed]: withHealth('Progressing') }, ...ok }))).toBe(
      'wait: waiting for completion of hook batch/Job shop/seed',
    );
    expect(show(nextStep(plan, { tasks: { [cfg]: withHealth('Progressing'), [seed]: healthy }, ...ok }))).toBe('succeed: successfully synced (all tasks run)');
  });

  it('without SyncFail hooks a failure ends the operation at once', () => {
    const plan = build({ desired: [{ object: syncHook, status: 'missing' }] });
    expect(show(nextStep(plan, { tasks: { [taskNamed(plan, 'seed').id]: withHealth('Degraded', 'Job failed') }, ...ok }))).toBe(
      'fail: one or more synchronization tasks failed: hook batch/Job shop/seed failed (Degraded): Job failed',
    );
  });

  it('dry-run mode: the namespace is dry-run with the rest, then Succeeded', () => {
    const plan = build({ ...APP_INPUT, options: { prune: true, dryRun: true } });
    expect(show(nextStep(plan, { tasks: {} }))).toBe('dry-run Namespace/shop, Job/migrate, ConfigMap/old-cm, ConfigMap/cfg, Deployment/web, Job/smoke');
    expect(show(nextStep(plan, { tasks: {}, ...ok }))).toBe('succeed: successfully synced (dry run)');
  });

  it('Prune=confirm waits for the approval, then prunes', () => {
    const plan = build({ desired: [{ object: cm, status: 'synced' }], pruneCandidates: [obj('v1', 'ConfigMap', 'old-cm', { 'argocd.argoproj.io/sync-options': 'Prune=confirm' })], options: { prune: true } });
    expect(show(nextStep(plan, { tasks: {}, ...ok }))).toBe('confirm-prune: ConfigMap/old-cm');
    expect(show(nextStep(plan, { tasks: {}, ...ok, pruneConfirmed: true }))).toBe('apply step 0 Sync/0 +0ms: ConfigMap/old-cm');
  });

  it('an empty plan succeeds', () => {
    expect(show(nextStep(build({}), { tasks: {}, ...ok }))).toBe('succeed: successfully synced (all tasks run)');
  });
});

describe('hookPhase', () => {
  it.each([
    [undefined, 'Pending'],
    [RUNNING, 'Running'],
    [failed('x'), 'Failed'],
    [DONE, 'Running'],
    [withHealth('None'), 'Succeeded'],
    [withHealth('Healthy'), 'Succeeded'],
    [withHealth('Progressing'), 'Running'],
    [withHealth('Suspended'), 'Running'],
    [withHealth('Missing'), 'Running'],
    [withHealth('Degraded'), 'Failed'],
    [withHealth('Unknown'), 'Failed'],
  ] as const)('%j → %s', (recorded, phase) => {
    expect(hookPhase(recorded)).toBe(phase);
  });
});
