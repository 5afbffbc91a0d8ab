// An Application's deletion (the `resources-finalizer.argocd.argoproj.io` finalizer, foreground, or its
// `/background` form) as a persisted, resumable state machine, like the sync operation:
//
//   PreDelete   the app's PreDelete hooks, wave by wave; a failed one stops the deletion (Failed) before
//               anything is deleted;
//   Delete      the app's live objects (cache.objectsOf), highest sync wave first, each wave gone before
//               the next starts, Namespaces and CRDs last; `Delete=false` / `helm.sh/resource-policy:
//               keep` objects stay; an object still present long after its wave started is reported as
//               stuck, by name and finalizers, while the deletion keeps waiting for it;
//   PostDelete  the PostDelete hooks, wave by wave; then finished hooks are deleted per their policy.
//
// `startDeletion` plans the hooks once (names derived from the deletion id, so a restarted process
// finds the hooks it created instead of creating them again) and persists the first record; each
// `stepDeletion` does one bounded piece of work and persists the record. The Delete stage keeps no list:
// what the cache still shows is what remains, so a resumed deletion simply continues.
import { createHash, randomUUID } from 'node:crypto';
import { deleteObject, describeRef } from '../kube/apply.js';
import type { KubeObject } from '../kube/objects.js';
import { formatDuration, type OperationPhase, type ResourceResult } from '../model/index.js';
import { detailOf, mapLimit, notServed, retrying } from './api-calls.js';
import { isoTime } from './clock.js';
import { prepareDesired } from './compare.js';
import type { HealthCheck } from './health/index.js';
import { HOOK_VANISHED, createOrAdoptHook, createdBy, deleteHookCopy, deleteHooks as deleteHookCopies, hookDisappeared, hookObject, hooksLeftBehind, lookUpHook, sightHook } from './hooks.js';
import type { OperationDeps } from './operation.js';
import { incompleteLiveState, isTerminal } from './operation-state.js';
import { asSyncObject, finish, generationOf, hasResultFor, resourceRefOf, summarize, taskHealth, validateAppName, validateRecord } from './record.js';
import { settingsOf } from './settings.js';
import {
  hookWaves,
  parseAppSyncOptions,
  planDeletionHooks,
  planObjectDeletion,
  type DeleteHookType,
  type DeletionGroup,
  type DeletionHook,
} from './sync/deletion-plan.js';
import { BACKGROUND_FINALIZER, FOREGROUND_FINALIZER, RESOURCES_FINALIZER } from '../model/names.js';
import { deletionDue, formatRef, hookPhase, refOf, type HookDeletePolicy, type HookPhase, type ObjectRef, type SyncObject, type TaskState } from './sync/index.js';


export type DeletionPropagation = 'foreground' | 'background';

/** How the app's finalizers ask for its resources to be deleted; undefined: they are not (no cascade). */
export function deletionPropagation(finalizers: readonly string[] | undefined): DeletionPropagation | undefined {
  const list = finalizers ?? [];
  if (list.includes(RESOURCES_FINALIZER) || list.includes(FOREGROUND_FINALIZER)) return 'foreground';
  if (list.includes(BACKGROUND_FINALIZER)) return 'background';
  return undefined;
}

/** Deletes of a wave not yet visible in the cache are sent again after this long (a lost request). */
const RESEND_MS = 10_000;

/** The Application as its deletion sees it. */
export interface DeletionApp {
  /** The instance name objects are tracked by (`appInstanceName`). */
  name: string;
  destinationNamespace?: string;
  /** `spec.syncPolicy.syncOptions` (`Delete=false` there keeps every object). */
  syncOptions?: readonly string[];
  /**
   * The rendered objects; only PreDelete/PostDelete hooks are read. Required to start; on later steps
   * only while a hook remains to be created (they must render the same hooks as at the start).
   */
  desired?: readonly KubeObject[];
  /** Rendering failed: a deletion does not start (its hooks are unknown); a started one waits. */
  renderFailed?: string;
}

export type DeletionStage = 'PreDelete' | 'Delete' | 'PostDelete';

/** A hook of the deletion: what it is (decided at the start) and how it went. */
export interface DeletionHookState {
  type: DeleteHookType;
  wave: number;
  kindOrder: number;
  ref: ObjectRef;
  deletePolicies: HookDeletePolicy[];
  fixedName: boolean;
  /** `clearing`: an older copy of a fixed-name hook is being deleted first (BeforeHookCreation). */
  status: 'pending' | 'clearing' | 'created' | 'failed';
  uid?: string;
  generation?: number;
  /** Latest observed health; `None` when nothing judges the kind (then done means succeeded). */
  health?: TaskState['health'];
  message?: string;
  /** The older copy being deleted while `clearing`. */
  deletedUid?: string;
  createdAt?: string;
  hookDeleted?: boolean;
  /** The API refused to delete the finished hook; it stays in the cluster. */
  deleteFailed?: string;
}

/** One wave of the Delete stage, in the order they ran. */
export interface DeletionWave {
  wave: number;
  /** The group of Namespaces and CRDs, deleted after everything else. */
  last: boolean;
  /** Objects in the wave when it started. */
  objects: number;
  startedAt: string;
  finishedAt?: string;
}

export interface KawaDeletionState {
  readonly version: 1;
  readonly kind: 'deletion';
  readonly appName: string;
  /** Seeds generated hook names and marks the hooks this deletion created. */
  readonly deletionId: string;
  readonly propagation: DeletionPropagation;
  readonly app: { readonly destinationNamespace?: string; readonly syncOptions?: readonly string[] };
  stage: DeletionStage;
  /** sha256 of the hooks planned at the start: later renders must give the same ones. */
  readonly hookDigest: string;
  /** By hook id (`PreDelete:batch/Job:ns/name`). */
  hooks: Record<string, DeletionHookState>;
  waves: DeletionWave[];
  /** The wave being deleted: its key, when it started and when deletes were last sent (ms), errors by object. */
  current?: { key: string; startedAt: number; requestedAt?: number; errors: Record<string, string> };
  /** Objects kept (Delete=false …), as results. */
  kept: ResourceResult[];
  /** `Delete=confirm` objects may go. */
  deleteConfirmed?: boolean;
  /** Since when (ms) only an incomplete live state keeps the Delete stage from finishing. */
  incompleteSince?: number;
}

/** An object still present long after its deletion was asked for. */
export interface StuckObject {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** When its wave started deleting. */
  since: string;
  finalizers: string[];
  /** `apps/Deployment shop/web: deletion requested at …, held by finalizers …`. */
  message: string;
}

/**
 * The persisted deletion. The controller stores it as JSON in the Application's `status.deletionState`
 * (through the status subresource; the CRD keeps unknown status fields) and passes the last stored copy
 * to every step; `phase`, `message`, `startedAt`, `finishedAt` mean what they mean in
 * `status.operationState`, `resources` lists hook results (`hookType` PreDelete/PostDelete) and kept
 * objects (`PruneSkipped`).
 */
export interface DeletionRecord {
  phase: OperationPhase;
  message: string;
  startedAt: string;
  finishedAt?: string;
  resources: ResourceResult[];
  /** Set while objects are stuck (see {@link StuckObject}); the controller shows it as a `DeletionError`. */
  stuck?: StuckObject[];
  kawa: KawaDeletionState;
}

export interface DeletionStepResult {
  record: DeletionRecord;
  /** Finished: Succeeded (the finalizer may go) or Failed (show `DeletionError`; start a new deletion to retry). */
  done: boolean;
  /** Nothing to do until the cluster changes. */
  idle: boolean;
  stuck: readonly StuckObject[];
}

export interface DeletionDeps extends Omit<OperationDeps, 'persist'> {
  persist(record: DeletionRecord): Promise<void> | void;
}

export interface StartDeletionOptions {
  propagation: DeletionPropagation;
  /** Reuse an id (tests); by default a new random one. */
  deletionId?: string;
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

function hookDigest(hooks: readonly DeletionHook[]): string {
  return createHash('sha256')
    .update(JSON.stringify(hooks.map((h) => [h.id, h.object, h.deletePolicies])))
    .digest('hex');
}

/** The deletion's hooks from the desired objects, placed and named as at the start. */
function planHooks(
  desired: readonly KubeObject[],
  kawa: Pick<KawaDeletionState, 'appName' | 'deletionId' | 'app'>,
  deps: DeletionDeps,
): ReturnType<typeof planDeletionHooks> {
  const prepared = prepareDesired(kawa.appName, desired, deps.cache, {
    ...(kawa.app.destinationNamespace === undefined ? {} : { destinationNamespace: kawa.app.destinationNamespace }),
    tracking: settingsOf(deps).tracking,
  });
  return planDeletionHooks({ deletionId: kawa.deletionId, objects: prepared.map((p) => asSyncObject(p.object)) });
}

/**
 * Starts an app deletion and persists its first record; nothing is deleted yet. A deletion that must not
 * run (the render failed, so its PreDelete hooks are unknown; invalid hook annotations or sync options)
 * comes back, and is persisted, Failed with the reason.
 */
export async function startDeletion(app: DeletionApp & { desired: readonly KubeObject[] }, deps: DeletionDeps, options: StartDeletionOptions): Promise<DeletionRecord> {
  const now = deps.clock.now();
  const record: DeletionRecord = {
    phase: 'Running',
    message: 'starting',
    startedAt: isoTime(now),
    resources: [],
    kawa: {
      version: 1,
      kind: 'deletion',
      appName: app.name,
      deletionId: options.deletionId ?? randomUUID(),
      propagation: options.propagation,
      app: {
        ...(app.destinationNamespace === undefined ? {} : { destinationNamespace: app.destinationNamespace }),
        ...(app.syncOptions === undefined ? {} : { syncOptions: [...app.syncOptions] }),
      },
      stage: 'PreDelete',
      hookDigest: '',
      hooks: {},
      waves: [],
      kept: [],
    },
  };
  const failed = async (message: string): Promise<DeletionRecord> => {
    finish(record, 'Failed', message, now);
    await deps.persist(record);
    return record;
  };
  // Without the render there is no knowing whether a PreDelete hook (a backup, say) must run first.
  if (app.renderFailed !== undefined) {
    return failed(`cannot delete: rendering the desired state failed, so its PreDelete/PostDelete hooks are unknown; nothing was deleted: ${app.renderFailed}`);
  }
  const appOptions = parseAppSyncOptions(app.syncOptions ?? []);
  if (appOptions.errors.length > 0) return failed(`cannot delete: ${appOptions.errors.map((e) => e.message).join('; ')}; nothing was deleted`);
  const planned = planHooks(app.desired, record.kawa, deps);
  if (!planned.ok) {
    return failed(`cannot delete: the hooks are invalid: ${summarize(planned.errors.map((e) => e.message), 5)}; nothing was deleted`);
  }
  record.kawa = {
    ...record.kawa,
    hookDigest: hookDigest(planned.hooks),
    hooks: Object.fromEntries(
      planned.hooks.map((h): [string, DeletionHookState] => [
        h.id,
        { type: h.type, wave: h.wave, kindOrder: h.kindOrder, ref: h.ref, deletePolicies: [...h.deletePolicies], fixedName: h.fixedName, status: 'pending' },
      ]),
    ),
  };
  record.message = planned.warnings.length > 0 ? `started with warnings: ${planned.warnings.slice(0, 3).join('; ')}` : 'started';
  await deps.persist(record);
  return record;
}

/** The approval for `Delete=confirm` objects (Argo CD's `argocd.argoproj.io/deletion-approved`). */
export function confirmDeletion(record: DeletionRecord): DeletionRecord {
  const copy = structuredClone(record);
  copy.kawa.deleteConfirmed = true;
  return copy;
}

type StageOutcome = 'idle' | 'progress' | 'next';

/**
 * Does the next bounded piece of work of a running deletion and persists the record when it changed.
 * Call it again until `done`; when `idle`, wait for a change in the cluster (or a short while) first.
 */
export async function stepDeletion(input: DeletionRecord, app: DeletionApp, deps: DeletionDeps): Promise<DeletionStepResult> {
  validateRecord(input, 'deletion');
  if (isTerminal(input.phase)) return { record: input, done: true, idle: false, stuck: [] };
  validateAppName('deletion', input.kawa.appName, app.name);
  const record = structuredClone(input);
  const now = deps.clock.now();
  let outcome: StageOutcome = 'next';
  // A stage that completes hands over to the next one within the same step (at most three stages).
  for (let i = 0; i < 3 && outcome === 'next' && !isTerminal(record.phase); i++) {
    const stage = record.kawa.stage;
    outcome = stage === 'Delete' ? await deleteStage(record, deps, now) : await hookStage(record, stage, app, deps, now);
  }
  record.resources = [...hookResults(record.kawa), ...record.kawa.kept];
  if (record.kawa.stage !== 'Delete' || isTerminal(record.phase)) delete record.stuck;
  // A step that only waited changed nothing: no status write while a wave or a hook takes its time.
  if (JSON.stringify(record) !== JSON.stringify(input)) await deps.persist(record);
  return { record, done: isTerminal(record.phase), idle: outcome === 'idle', stuck: record.stuck ?? [] };
}

// ---- hooks ----

function phaseOf(h: DeletionHookState): HookPhase {
  switch (h.status) {
    case 'pending':
    case 'clearing':
      return 'Pending';
    case 'failed':
      return 'Failed';
    case 'created':
      return hookPhase({ progress: 'done', ...(h.health === undefined ? {} : { health: h.health }) });
  }
}

function hookResults(kawa: KawaDeletionState): ResourceResult[] {
  return Object.values(kawa.hooks)
    .filter((h) => h.status === 'created' || h.status === 'failed')
    .map((h): ResourceResult => {
      const phase = phaseOf(h);
      return {
        group: h.ref.group,
        version: h.ref.version,
        kind: h.ref.kind,
        namespace: h.ref.namespace,
        name: h.ref.name,
        status: h.status === 'failed' ? 'SyncFailed' : 'Synced',
        message: h.message ?? '',
        hookType: h.type,
        hookPhase: phase === 'Pending' ? 'Running' : phase,
        syncPhase: h.type,
      };
    });
}

function hooksOf(kawa: KawaDeletionState, type: DeleteHookType): (DeletionHookState & { id: string })[] {
  return Object.entries(kawa.hooks)
    .filter(([, h]) => h.type === type)
    .map(([id, h]) => ({ ...h, id }));
}

function ownerMark(kawa: KawaDeletionState, type: DeleteHookType): string {
  return `${kawa.deletionId}/${type}`;
}

function createdState(h: DeletionHookState, obj: KubeObject, now: number): DeletionHookState {
  const { deletedUid: _cleared, ...rest } = h;
  const generation = generationOf(obj);
  return {
    ...rest,
    status: 'created',
    message: 'hook created',
    ...(obj.metadata?.uid === undefined ? {} : { uid: obj.metadata.uid }),
    ...(generation === undefined ? {} : { generation }),
    createdAt: new Date(now).toISOString(),
  };
}

/** Brings hook states up to date with the cache (and, for hooks the cache never showed, the API). */
async function observeHooks(kawa: KawaDeletionState, type: DeleteHookType, deps: DeletionDeps, now: number): Promise<void> {
  const { customHealth, kindWaitMs } = settingsOf(deps);
  const unseen: string[] = [];
  for (const h of hooksOf(kawa, type)) {
    const { id, ...state } = h;
    const live = deps.cache.getByRef(resourceRefOf(h.ref));
    if (h.status === 'clearing') {
      if (live === undefined || live.metadata?.uid !== h.deletedUid) kawa.hooks[id] = { ...state, status: 'pending', message: 'previous copy deleted' };
      continue;
    }
    if (h.status !== 'created' || h.hookDeleted === true) continue;
    const sighting = sightHook({ ...h, phase: phaseOf(h), createdAt: Date.parse(h.createdAt ?? '') }, live, now, kindWaitMs);
    if (sighting.kind === 'vanished') kawa.hooks[id] = { ...state, status: 'failed', message: HOOK_VANISHED };
    if (sighting.kind === 'unseen') unseen.push(id);
    if (sighting.kind === 'current') kawa.hooks[id] = withHealth(state, sighting.live, customHealth);
  }
  await mapLimit(unseen, 8, async (id) => {
    const h = kawa.hooks[id];
    if (h === undefined) return;
    const found = await lookUpHook(deps, { ref: resourceRefOf(h.ref), uid: h.uid });
    if (found.kind === 'found') kawa.hooks[id] = withHealth(h, found.live, customHealth);
    if (found.kind === 'gone') kawa.hooks[id] = { ...h, status: 'failed', message: hookDisappeared(kindWaitMs) };
  });
}

function withHealth(h: DeletionHookState, live: KubeObject, custom: HealthCheck | undefined): DeletionHookState {
  const { health, message } = taskHealth(live, custom);
  return { ...h, health, ...(message === undefined ? {} : { message }) };
}

/** Creates one hook, or first deletes the older copy in its way; never creates it twice. */
async function runHook(id: string, manifest: DeletionHook, kawa: KawaDeletionState, deps: DeletionDeps, now: number): Promise<void> {
  const h = kawa.hooks[id];
  if (h === undefined) return;
  const fail = (message: string): void => {
    kawa.hooks[id] = { ...h, status: 'failed', message };
  };
  const ref = resourceRefOf(h.ref);
  const resource = await deps.cache.resolveResource(ref);
  if (resource === undefined) {
    fail(`${notServed(h.ref)} (is its CRD installed?)`);
    return;
  }
  const settings = settingsOf(deps);
  const mark = ownerMark(kawa, h.type);
  if (h.fixedName) {
    const live = deps.cache.getByRef(ref);
    if (live !== undefined) {
      if (createdBy(live, mark)) {
        kawa.hooks[id] = createdState(h, live, now);
        return;
      }
      if (!h.deletePolicies.includes('BeforeHookCreation')) {
        fail(`${describeRef(ref)} already exists (an older copy is in the way, and the hook-delete-policy has no BeforeHookCreation)`);
        return;
      }
      const uid = live.metadata?.uid;
      try {
        const result = await deleteHookCopy(deps, resource, { ref, uid });
        if (result === 'deleted' && uid !== undefined) {
          kawa.hooks[id] = { ...h, status: 'clearing', deletedUid: uid, message: 'deleting the previous copy' };
          return;
        }
      } catch (err) {
        fail(`deleting the previous copy: ${detailOf(err)}`);
        return;
      }
    }
  }
  const object = hookObject(manifest, { appName: kawa.appName, tracking: settings.tracking, operationId: mark });
  const creation = await createOrAdoptHook(deps, resource, object, ref, mark, settings.manager);
  if (creation.kind === 'created') kawa.hooks[id] = createdState(h, creation.object, now);
  else fail(creation.kind === 'failed' ? detailOf(creation.error) : `${creation.detail} (an older copy is in the way)`);
}

/**
 * Deletes finished hooks whose policy says so (HookSucceeded, HookFailed). A refusal is final and
 * recorded; transient failures come back to be retried.
 */
async function deleteFinishedHooks(kawa: KawaDeletionState, type: DeleteHookType, deps: DeletionDeps): Promise<string[]> {
  const due = hooksOf(kawa, type).filter((h) => h.status === 'created' && h.hookDeleted !== true && deletionDue(h.deletePolicies, phaseOf(h)));
  return deleteHooks(kawa, due, deps);
}

/** Deletes hooks (background); a refusal is final and recorded, transient failures are returned. */
function deleteHooks(kawa: KawaDeletionState, hooks: readonly (DeletionHookState & { id: string })[], deps: DeletionDeps): Promise<string[]> {
  return deleteHookCopies(deps, hooks, (h) => ({ ref: resourceRefOf(h.ref), uid: h.uid }), ({ id, ...h }, refused) => {
    kawa.hooks[id] = { ...h, hookDeleted: true, ...(refused === undefined ? {} : { deleteFailed: refused }) };
  });
}

/** The manifests of the deletion's hooks from this step's render; or why they cannot be had now. */
function manifests(app: DeletionApp, kawa: KawaDeletionState, deps: DeletionDeps): { ok: true; hooks: Map<string, DeletionHook> } | { ok: false; wait?: string; fail?: string } {
  if (app.renderFailed !== undefined) return { ok: false, wait: `waiting for a render of the desired state to create the hooks: ${app.renderFailed}` };
  if (app.desired === undefined) return { ok: false, wait: 'waiting for the desired objects to create the hooks' };
  const planned = planHooks(app.desired, kawa, deps);
  if (!planned.ok || hookDigest(planned.hooks) !== kawa.hookDigest) {
    return { ok: false, fail: 'the PreDelete/PostDelete hooks changed while the deletion was running (a different render?); start a new deletion' };
  }
  return { ok: true, hooks: new Map(planned.hooks.map((h) => [h.id, h])) };
}

function hookLabel(h: Pick<DeletionHookState, 'ref'>): string {
  return formatRef(h.ref);
}

async function hookStage(record: DeletionRecord, type: DeleteHookType, app: DeletionApp, deps: DeletionDeps, now: number): Promise<StageOutcome> {
  const kawa = record.kawa;
  if (hooksOf(kawa, type).length > 0) {
    await observeHooks(kawa, type, deps, now);
    const failed = hooksOf(kawa, type).filter((h) => phaseOf(h) === 'Failed');
    const [first] = failed;
    if (first !== undefined) {
      const problems = await deleteFinishedHooks(kawa, type, deps);
      const health = first.status === 'created' ? ` (${first.health ?? 'Unknown'})` : '';
      const more = failed.length > 1 ? ` (and ${failed.length - 1} more failed hooks)` : '';
      const consequence = type === 'PreDelete' ? 'no resources were deleted' : "the app's resources were deleted";
      finish(record, 'Failed', `${type} hook ${hookLabel(first)} failed${health}${first.message === undefined ? '' : `: ${first.message}`}${more}; ${consequence}${hooksLeftBehind(problems)}`, now);
      return 'progress';
    }
    // A hook that never completes is bounded by the operation timeout, as in a sync: it is deleted and
    // the deletion fails (a PreDelete one before anything was deleted).
    const { timeoutMs } = settingsOf(deps);
    if (timeoutMs > 0 && now - Date.parse(record.startedAt) >= timeoutMs) {
      const running = hooksOf(kawa, type).filter((h) => h.status === 'created' && h.hookDeleted !== true && phaseOf(h) === 'Running');
      const problems = await deleteHooks(kawa, running, deps);
      const waitingFor = running.length === 0 ? '' : ` waiting for ${type} hook ${list(running.map(hookLabel))}`;
      const consequence = type === 'PreDelete' ? 'no resources were deleted' : "the app's resources were deleted";
      finish(record, 'Failed', `deletion timed out after ${formatDuration(timeoutMs)}${waitingFor}; ${consequence}${hooksLeftBehind(problems)}`, now);
      return 'progress';
    }
    for (const wave of hookWaves(hooksOf(kawa, type), type)) {
      const pending = wave.filter((h) => h.status === 'pending');
      if (pending.length > 0) {
        const found = manifests(app, kawa, deps);
        if (!found.ok) {
          if (found.fail !== undefined) finish(record, 'Failed', found.fail, now);
          else record.message = found.wait ?? '';
          return found.fail !== undefined ? 'progress' : 'idle';
        }
        const { concurrency } = settingsOf(deps);
        await mapLimit(pending, concurrency, async (h) => {
          const manifest = found.hooks.get(h.id);
          if (manifest !== undefined) await runHook(h.id, manifest, kawa, deps, now);
        });
        record.message = `running ${type} hooks of wave ${String(wave[0]?.wave ?? 0)}`;
        return 'progress';
      }
      const clearing = wave.filter((h) => h.status === 'clearing');
      if (clearing.length > 0) {
        record.message = `waiting for deletion of the previous copy of ${list(clearing.map(hookLabel))}`;
        return 'idle';
      }
      const running = wave.filter((h) => phaseOf(h) === 'Running');
      if (running.length > 0) {
        record.message = `waiting for completion of ${type} hook ${list(running.map(hookLabel))}`;
        return 'idle';
      }
    }
    const problems = await deleteFinishedHooks(kawa, type, deps);
    if (problems.length > 0) {
      record.message = `deleting finished ${type} hooks failed: ${problems.join('; ')}`;
      return 'idle';
    }
  }
  if (type === 'PreDelete') {
    kawa.stage = 'Delete';
    return 'next';
  }
  const deleted = kawa.waves.reduce((n, w) => n + w.objects, 0);
  const kept = kawa.kept.length === 0 ? '' : `; kept ${kawa.kept.length} (${list(kawa.kept.map((k) => `${k.kind ?? ''}/${k.name ?? ''}`))})`;
  const refused = Object.values(kawa.hooks).flatMap((h) => (h.deleteFailed === undefined ? [] : [`${hookLabel(h)}: ${h.deleteFailed}`]));
  finish(record, 'Succeeded', `deleted ${deleted} resource${deleted === 1 ? '' : 's'} in ${kawa.waves.length} wave${kawa.waves.length === 1 ? '' : 's'}${kept}${hooksLeftBehind(refused)}`, now);
  return 'progress';
}

// ---- the app's objects ----

function closeWave(kawa: KawaDeletionState, now: number): void {
  const last = kawa.waves.at(-1);
  if (last !== undefined && last.finishedAt === undefined) last.finishedAt = new Date(now).toISOString();
  delete kawa.current;
}

function objectKey(ref: ObjectRef): string {
  return `${ref.group}/${ref.kind}:${ref.namespace}/${ref.name}`;
}

function describeGroup(group: DeletionGroup): string {
  return group.last ? `Namespaces and CRDs of wave ${group.wave}` : `wave ${group.wave}`;
}

function stuckObject(obj: SyncObject, since: number, error: string | undefined): StuckObject {
  const ref = refOf(obj);
  const rawFinalizers = obj.metadata['finalizers'];
  const finalizers = Array.isArray(rawFinalizers) ? rawFinalizers.filter((f): f is string => typeof f === 'string') : [];
  const deleting = typeof obj.metadata['deletionTimestamp'] === 'string' ? obj.metadata['deletionTimestamp'] : undefined;
  const why =
    error !== undefined
      ? `deleting it failed: ${error}`
      : deleting === undefined
        ? 'its deletion has not been accepted yet'
        : `deletion requested at ${deleting}${finalizers.length === 0 ? '' : `, held by finalizer${finalizers.length === 1 ? '' : 's'} ${finalizers.join(', ')}`}`;
  return { group: ref.group, kind: ref.kind, namespace: ref.namespace, name: ref.name, since: new Date(since).toISOString(), finalizers, message: `${formatRef(ref)}: ${why}` };
}

async function deleteStage(record: DeletionRecord, deps: DeletionDeps, now: number): Promise<StageOutcome> {
  const kawa = record.kawa;
  const settings = settingsOf(deps);
  const appOptions = parseAppSyncOptions(kawa.app.syncOptions ?? []).values;
  const planned = planObjectDeletion({ live: deps.cache.objectsOf(kawa.appName).map(asSyncObject), appSyncOptions: appOptions });
  for (const k of planned.kept) {
    if (!hasResultFor(kawa.kept, k.ref)) kawa.kept.push({ group: k.ref.group, version: k.ref.version, kind: k.ref.kind, namespace: k.ref.namespace, name: k.ref.name, status: 'PruneSkipped', message: k.reason });
  }

  const group = planned.groups[0];
  if (group === undefined) {
    closeWave(kawa, now);
    delete record.stuck;
    // Objects of a type kawa could not list are unknown: the app is not gone until that is known.
    const incomplete = incompleteLiveState(deps.cache);
    if (incomplete !== undefined) {
      kawa.incompleteSince ??= now;
      const stuck = now - kawa.incompleteSince >= settings.deletionStuckMs ? ` (stuck since ${new Date(kawa.incompleteSince).toISOString()})` : '';
      record.message = `every known resource is deleted; waiting for the live state to be complete before finishing${stuck}: ${incomplete}`;
      return 'idle';
    }
    delete kawa.incompleteSince;
    kawa.stage = 'PostDelete';
    return 'next';
  }

  if (kawa.current?.key !== group.key) {
    closeWave(kawa, now);
    kawa.current = { key: group.key, startedAt: now, errors: {} };
    kawa.waves.push({ wave: group.wave, last: group.last, objects: group.objects.length, startedAt: new Date(now).toISOString() });
  }
  const current = kawa.current;
  const names = group.objects.map((o) => formatRef(refOf(o)));
  if (group.needConfirmation.length > 0 && kawa.deleteConfirmed !== true) {
    record.message = `waiting for deletion confirmation of ${list(group.needConfirmation.map((o) => formatRef(refOf(o))))}`;
    return 'idle';
  }

  const toDelete = group.objects.filter((o) => typeof o.metadata['deletionTimestamp'] !== 'string');
  if (toDelete.length > 0 && (current.requestedAt === undefined || now - current.requestedAt >= RESEND_MS)) {
    current.requestedAt = now;
    await mapLimit(toDelete, settings.concurrency, async (obj) => {
      const ref = refOf(obj);
      const key = objectKey(ref);
      const resource = await deps.cache.resolveResource(ref);
      // A kind no longer served has no objects left; the cache drops them.
      if (resource === undefined) return;
      const uid = typeof obj.metadata['uid'] === 'string' ? obj.metadata['uid'] : undefined;
      try {
        await retrying(deps.clock, () => deleteObject(deps.rest, resource, resourceRefOf(ref), { propagationPolicy: kawa.propagation, ...(uid === undefined ? {} : { uid }) }));
        current.errors = Object.fromEntries(Object.entries(current.errors).filter(([k]) => k !== key));
      } catch (err) {
        current.errors[key] = detailOf(err);
      }
    });
  }

  const errors = Object.entries(current.errors).map(([key, message]) => `${key}: ${message}`);
  const failing = errors.length === 0 ? '' : `; deleting failed for ${list(errors)} (retried)`;
  if (now - current.startedAt >= settings.deletionStuckMs) {
    record.stuck = group.objects.map((o) => stuckObject(o, current.startedAt, current.errors[objectKey(refOf(o))]));
    // The start, not the time waited: the message stays the same while nothing changes (no status writes).
    record.message = `deleting ${describeGroup(group)}: stuck since ${new Date(current.startedAt).toISOString()}: ${list(record.stuck.map((s) => s.message))}`;
  } else {
    delete record.stuck;
    record.message = `deleting ${describeGroup(group)}: waiting for ${list(names)} to be gone${failing}`;
  }
  return 'idle';
}
