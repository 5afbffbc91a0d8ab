// The sync plan: which objects to apply, which hooks to run, which live objects to prune, in which
// order, grouped into steps of one (phase, wave) each. Pure: the same input gives the same plan, task
// ids included, so a controller restarted mid-operation re-plans and finds its recorded progress.
//
// Order (Argo CD's, docs/user-guide/sync-waves.md): phase (PreSync < Sync < PostSync; SyncFail apart,
// only on failure), then wave, then Helm's kind order, then name. Namespaces and CRDs are pulled forward
// to the first step that needs them. Prunes run in reverse wave order; PruneLast ones after the last wave.

import { readSyncAnnotations, type HookDeletePolicy, type HookSpec, type HookType } from './annotations.js';
import { syncErrorCodes, validationError, type SyncValidationError } from './errors.js';
import { generateHookName } from './hook-name.js';
import { kindOrder } from './kinds.js';
import {
  definedGroupKind,
  describeObject,
  formatRef,
  groupKindKey,
  isCustomResourceDefinition,
  isNamespace,
  refOf,
  type ObjectRef,
  type SyncObject,
} from './objects.js';
import { parseSyncOptions, resolveSyncOptions, type ResolvedSyncOptions, type SyncOptionValues } from './options.js';

export const SYNC_PHASES = ['PreSync', 'Sync', 'PostSync', 'SyncFail'] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number];

export type TaskAction = 'apply' | 'create-hook' | 'prune' | 'delete-hook-before-creation';

/** The diff's verdict on a desired object. */
export type ResourceSyncStatus = 'synced' | 'out-of-sync' | 'missing';

/** Why the dry-run leaves a task out: the API server cannot know its type or namespace yet. */
export type DryRunSkipReason = 'crd-in-sync' | 'namespace-in-sync';

export interface SyncTask {
  /** Stable across re-planning of the same operation; the key of the task's recorded progress. */
  readonly id: string;
  readonly phase: SyncPhase;
  /** Effective wave: after pulling Namespaces/CRDs forward, reversing prunes and PruneLast. */
  readonly wave: number;
  readonly kindOrder: number;
  readonly ref: ObjectRef;
  readonly action: TaskAction;
  readonly hook?: { readonly types: readonly HookType[]; readonly deletePolicies: readonly HookDeletePolicy[] };
  readonly syncOptions: ResolvedSyncOptions;
  /** The manifest to apply (hooks carry their final name), or the live object to delete. */
  readonly object: SyncObject;
  readonly skipDryRun?: DryRunSkipReason;
  /** `Prune=confirm`: the prune waits for the Application's deletion approval. */
  readonly requiresConfirmation?: boolean;
  /** For `delete-hook-before-creation`: the create it clears the way for. */
  readonly createTaskId?: string;
}

/** Tasks of one (phase, wave), run together; the next step starts when this one is done. */
export interface SyncStep {
  readonly phase: SyncPhase;
  readonly wave: number;
  readonly tasks: readonly SyncTask[];
}

/** A result known at planning time, for `operationState.syncResult.resources`. */
export interface PlannedResult {
  readonly ref: ObjectRef;
  readonly status: 'PruneSkipped';
  readonly message: string;
}

export interface SyncPlan {
  readonly operationId: string;
  readonly dryRun: boolean;
  /** `CreateNamespace=true`: runs before the dry-run, since every namespaced dry-run needs it. */
  readonly namespaceTask?: SyncTask;
  /** PreSync, Sync and PostSync steps, in order. */
  readonly steps: readonly SyncStep[];
  /** SyncFail steps, in wave order; they run only after a failure. */
  readonly syncFailSteps: readonly SyncStep[];
  /** Plain resources are waited on (healthy) only when there is more than one step. Hooks always are. */
  readonly waitForWaves: boolean;
  /** Pause before each step after the first, so other controllers see the previous wave's changes. */
  readonly waveDelayMs: number;
  readonly results: readonly PlannedResult[];
  readonly warnings: readonly string[];
}

export interface DesiredResource {
  readonly object: SyncObject;
  readonly status: ResourceSyncStatus;
  /** Another Application that already tracks this object, for `FailOnSharedResource`. */
  readonly sharedWith?: string;
}

/** One `--resource GROUP:KIND:NAME` of a selective sync. An empty/absent namespace matches any. */
export interface ResourceSelector {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface SyncOperationOptions {
  /** Delete live objects that are no longer desired. */
  readonly prune?: boolean;
  readonly dryRun?: boolean;
  /** Selective sync: only these objects; hooks do not run. */
  readonly resources?: readonly ResourceSelector[];
  /** `apply` applies objects only: no hooks. */
  readonly strategy?: 'hook' | 'apply';
  readonly applyOutOfSyncOnly?: boolean;
  readonly replace?: boolean;
  readonly force?: boolean;
  readonly serverSideApply?: boolean;
  /** `operation.sync.syncOptions`. */
  readonly syncOptions?: readonly string[];
}

export interface DestinationNamespace {
  readonly name: string;
  readonly exists: boolean;
  /** `spec.syncPolicy.managedNamespaceMetadata`. */
  readonly managedNamespaceMetadata?: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
}

export interface SyncPlanInput {
  /** Stable for one operation, new for the next: seeds generated hook names. */
  readonly operationId: string;
  readonly desired: readonly DesiredResource[];
  /** Live objects that require pruning (tracked by the app, no longer desired). */
  readonly pruneCandidates?: readonly SyncObject[];
  /** `spec.syncPolicy.syncOptions`. */
  readonly appSyncOptions?: readonly string[];
  readonly options?: SyncOperationOptions;
  readonly destinationNamespace?: DestinationNamespace;
  /** Default 2000, like Argo CD's `ARGOCD_SYNC_WAVE_DELAY`. */
  readonly waveDelayMs?: number;
}

export type SyncPlanResult =
  | { readonly ok: true; readonly plan: SyncPlan }
  | { readonly ok: false; readonly errors: readonly SyncValidationError[]; readonly warnings: readonly string[] };

const DEFAULT_WAVE_DELAY_MS = 2000;

/** Within a step deletions go first: a hook cannot be re-created before its old copy is gone. */
const ACTION_RANK: Readonly<Record<TaskAction, number>> = {
  prune: 0,
  'delete-hook-before-creation': 1,
  apply: 2,
  'create-hook': 2,
};

/** A task while the plan is being built: phase and wave still move. */
interface Draft {
  phase: SyncPhase;
  wave: number;
  readonly action: TaskAction;
  readonly ref: ObjectRef;
  readonly object: SyncObject;
  readonly syncOptions: ResolvedSyncOptions;
  readonly hook?: SyncTask['hook'];
  readonly status?: ResourceSyncStatus;
  readonly requiresConfirmation?: boolean;
  readonly pruneLast?: boolean;
  readonly createTaskId?: string;
}

export function taskId(action: TaskAction, phase: SyncPhase, ref: ObjectRef): string {
  const who = `${ref.group}/${ref.kind}:${ref.namespace}/${ref.name}`;
  switch (action) {
    // One apply or prune per object and operation, whatever step it lands in.
    case 'apply':
    case 'prune':
      return `${action}:${who}`;
    // A hook in several phases runs once per phase.
    case 'create-hook':
    case 'delete-hook-before-creation':
      return `${phase}:${action}:${who}`;
  }
}

/** `PreSync/0 create-hook batch/Job shop/db-migrate-x`: one task on one line, for logs and messages. */
export function formatTask(task: SyncTask): string {
  return `${task.phase}/${task.wave} ${task.action} ${formatRef(task.ref)}`;
}

function isSyncPhase(type: HookType): type is SyncPhase {
  return (SYNC_PHASES as readonly string[]).includes(type);
}

function phaseIndex(phase: SyncPhase): number {
  return SYNC_PHASES.indexOf(phase);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether (phase, wave) a comes before b. */
function earlier(a: { phase: SyncPhase; wave: number }, b: { phase: SyncPhase; wave: number }): boolean {
  const byPhase = phaseIndex(a.phase) - phaseIndex(b.phase);
  return byPhase < 0 || (byPhase === 0 && a.wave < b.wave);
}

function matches(selector: ResourceSelector, ref: ObjectRef): boolean {
  return (
    selector.group === ref.group &&
    selector.kind === ref.kind &&
    selector.name === ref.name &&
    (selector.namespace === undefined || selector.namespace === '' || selector.namespace === ref.namespace)
  );
}

/** The operation's own layer: its option list plus the CLI-style flags, which only ever turn things on. */
function operationLayer(options: SyncOperationOptions, errors: SyncValidationError[], warnings: string[]): SyncOptionValues {
  const parsed = parseSyncOptions(options.syncOptions ?? [], { object: 'Application', source: 'operation.sync.syncOptions' });
  errors.push(...parsed.errors);
  warnings.push(...parsed.warnings);
  return {
    ...parsed.values,
    ...(options.applyOutOfSyncOnly === true && { applyOutOfSyncOnly: true }),
    ...(options.replace === true && { replace: true }),
    ...(options.force === true && { force: true }),
    ...(options.serverSideApply === true && { serverSideApply: true }),
  };
}

/** Moves each producer (Namespace, CRD) to the earliest step of the tasks that need it. */
function pullForward(drafts: readonly Draft[], isProducer: (d: Draft) => boolean, needs: (producer: Draft, other: Draft) => boolean): void {
  for (const producer of drafts) {
    if (producer.action !== 'apply' || !isProducer(producer)) continue;
    for (const other of drafts) {
      if (other === producer || (other.action !== 'apply' && other.action !== 'create-hook')) continue;
      if (needs(producer, other) && earlier(other, producer)) {
        producer.phase = other.phase;
        producer.wave = other.wave;
      }
    }
  }
}

/**
 * Prunes run highest wave first: the distinct prune waves are mirrored (lowest ↔ highest), so what was
 * created last is deleted first while deletions still interleave with the apply waves. `PruneLast`
 * prunes go to one extra wave after the last Sync wave.
 */
function orderPrunes(drafts: readonly Draft[]): void {
  const prunes = drafts.filter((d) => d.action === 'prune');
  const regular = prunes.filter((d) => d.pruneLast !== true);
  const waves = [...new Set(regular.map((d) => d.wave))].sort((a, b) => a - b);
  const mirrored = new Map(waves.map((wave, index) => [wave, waves[waves.length - 1 - index] ?? wave]));
  for (const d of regular) d.wave = mirrored.get(d.wave) ?? d.wave;

  const last = prunes.filter((d) => d.pruneLast === true);
  if (last.length === 0) return;
  const syncWaves = drafts.filter((d) => d.phase === 'Sync' && !last.includes(d)).map((d) => d.wave);
  const wave = syncWaves.length === 0 ? 0 : Math.max(...syncWaves) + 1;
  for (const d of last) d.wave = wave;
}

function byExecutionOrder(a: SyncTask, b: SyncTask): number {
  return (
    phaseIndex(a.phase) - phaseIndex(b.phase) ||
    a.wave - b.wave ||
    ACTION_RANK[a.action] - ACTION_RANK[b.action] ||
    a.kindOrder - b.kindOrder ||
    compareText(a.ref.kind, b.ref.kind) ||
    compareText(a.ref.name, b.ref.name) ||
    compareText(a.ref.namespace, b.ref.namespace) ||
    compareText(a.ref.group, b.ref.group) ||
    compareText(a.id, b.id)
  );
}

function groupSteps(tasks: readonly SyncTask[]): SyncStep[] {
  const steps: { phase: SyncPhase; wave: number; tasks: SyncTask[] }[] = [];
  for (const task of tasks) {
    const current = steps.at(-1);
    if (current?.phase === task.phase && current.wave === task.wave) current.tasks.push(task);
    else steps.push({ phase: task.phase, wave: task.wave, tasks: [task] });
  }
  return steps;
}

function hasName(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/** Collects drafts, results and problems while the inputs are read; `finish` orders them into a plan. */
class PlanBuilder {
  readonly errors: SyncValidationError[] = [];
  readonly warnings: string[] = [];
  private readonly results: PlannedResult[] = [];
  private readonly drafts: Draft[] = [];
  private readonly ids = new Set<string>();
  private readonly generateNameCount = new Map<string, number>();
  private readonly options: SyncOperationOptions;
  private readonly layers: { readonly app: SyncOptionValues; readonly operation: SyncOptionValues };
  private readonly selective: boolean;
  private readonly runHooks: boolean;

  constructor(private readonly input: SyncPlanInput) {
    this.options = input.options ?? {};
    const app = parseSyncOptions(input.appSyncOptions ?? [], { object: 'Application', source: 'spec.syncPolicy.syncOptions' });
    this.errors.push(...app.errors);
    this.warnings.push(...app.warnings);
    this.layers = { app: app.values, operation: operationLayer(this.options, this.errors, this.warnings) };
    this.selective = (this.options.resources ?? []).length > 0;
    // Selective syncs and the apply strategy run no hooks at all, as in Argo CD.
    this.runHooks = (this.options.strategy ?? 'hook') === 'hook' && !this.selective;
  }

  private selected(ref: ObjectRef): boolean {
    return !this.selective || (this.options.resources ?? []).some((s) => matches(s, ref));
  }

  private resolve(resource: SyncOptionValues): ResolvedSyncOptions {
    return resolveSyncOptions({ ...this.layers, resource });
  }

  private add(draft: Draft): void {
    const id = taskId(draft.action, draft.phase, draft.ref);
    if (this.ids.has(id)) {
      this.errors.push(validationError(syncErrorCodes.DUPLICATE_RESOURCE, formatRef(draft.ref), 'appears more than once among the desired objects'));
      return;
    }
    this.ids.add(id);
    this.drafts.push(draft);
  }

  addDesired({ object, status, sharedWith }: DesiredResource): void {
    const parsed = readSyncAnnotations(object);
    this.errors.push(...parsed.errors);
    this.warnings.push(...parsed.warnings);
    const { hook, skip, wave } = parsed.annotations;
    if (skip) return;
    const syncOptions = this.resolve(parsed.annotations.syncOptions);
    if (hook !== undefined) {
      if (this.runHooks) this.addHook(object, status, hook, wave, syncOptions);
      return;
    }
    if (!hasName(object.metadata.name)) {
      const why = object.metadata.generateName === undefined ? 'has no metadata.name' : 'uses metadata.generateName, which only hooks support';
      this.errors.push(validationError(syncErrorCodes.NAME_INVALID, describeObject(object), why));
      return;
    }
    const ref = refOf(object);
    if (!this.selected(ref)) return;
    if (status === 'synced' && syncOptions.applyOutOfSyncOnly) return;
    if (sharedWith !== undefined && syncOptions.failOnSharedResource) {
      const why = `is already managed by Application "${sharedWith}" (FailOnSharedResource=true)`;
      this.errors.push(validationError(syncErrorCodes.SHARED_RESOURCE, formatRef(ref), why));
      return;
    }
    this.add({ phase: 'Sync', wave, action: 'apply', ref, object, syncOptions, status });
  }

  /** One create per sync phase of the hook, each preceded by a delete when an old copy may be in the way. */
  private addHook(object: SyncObject, status: ResourceSyncStatus, hook: HookSpec, wave: number, syncOptions: ResolvedSyncOptions): void {
    const { name, generateName } = object.metadata;
    if (!hasName(name) && !hasName(generateName)) {
      const why = 'is a hook with neither metadata.name nor metadata.generateName';
      this.errors.push(validationError(syncErrorCodes.NAME_INVALID, describeObject(object), why));
      return;
    }
    const spec = { types: hook.types, deletePolicies: hook.deletePolicies };
    // Identical generateName manifests still get distinct names: their position tells them apart.
    const sameKey = `${object.apiVersion}/${object.kind}:${object.metadata.namespace ?? ''}/${generateName ?? ''}`;
    const ordinal = this.generateNameCount.get(sameKey) ?? 0;
    this.generateNameCount.set(sameKey, ordinal + 1);

    let createdEarlier = false;
    // PreDelete/PostDelete hooks belong to app deletion, not to a sync.
    for (const phase of hook.types.filter(isSyncPhase)) {
      const seed = { prefix: generateName ?? '', operationId: this.input.operationId, phase, discriminator: `${sameKey}#${ordinal}` };
      const named: SyncObject = hasName(name) ? object : { ...object, metadata: { ...object.metadata, name: generateHookName(seed) } };
      const ref = refOf(named);
      // Only a fixed name can collide with an older copy: one left by an earlier sync, or the one this
      // operation created in an earlier phase. Generated names are new for every operation.
      const collides = hasName(name) && (status !== 'missing' || createdEarlier);
      if (collides && hook.deletePolicies.includes('BeforeHookCreation')) {
        const createTaskId = taskId('create-hook', phase, ref);
        this.add({ phase, wave, action: 'delete-hook-before-creation', ref, object: named, syncOptions, hook: spec, createTaskId });
      }
      this.add({ phase, wave, action: 'create-hook', ref, object: named, syncOptions, hook: spec, status });
      createdEarlier = true;
    }
  }

  addPruneCandidate(live: SyncObject): void {
    const ref = refOf(live);
    if (!this.selected(ref)) return;
    const parsed = readSyncAnnotations(live);
    // Hooks left in the cluster are governed by their delete policies, never pruned.
    if (parsed.annotations.hook !== undefined) return;
    if (this.options.prune !== true) {
      this.results.push({ ref, status: 'PruneSkipped', message: 'ignored (requires pruning)' });
      return;
    }
    // Only a pruning sync reads these, so a bad annotation on a live object blocks only syncs that prune.
    this.errors.push(...parsed.errors);
    this.warnings.push(...parsed.warnings);
    const syncOptions = this.resolve(parsed.annotations.syncOptions);
    if (syncOptions.prune === false) {
      this.results.push({ ref, status: 'PruneSkipped', message: 'ignored (no prune)' });
      return;
    }
    this.drafts.push({
      phase: 'Sync',
      wave: parsed.annotations.wave,
      action: 'prune',
      ref,
      object: live,
      syncOptions,
      requiresConfirmation: syncOptions.prune === 'confirm',
      pruneLast: syncOptions.pruneLast,
    });
  }

  finish(): SyncPlan {
    const drafts = this.drafts;
    const definedKinds = new Set(
      drafts.filter((d) => d.action === 'apply' && isCustomResourceDefinition(d.ref)).flatMap((d) => definedGroupKind(d.object) ?? []),
    );
    const isCustom = (ref: ObjectRef) => definedKinds.has(groupKindKey(ref.group, ref.kind));

    const definesKindOf = (crd: Draft, other: Draft) => definedGroupKind(crd.object) === groupKindKey(other.ref.group, other.ref.kind);
    pullForward(drafts, (d) => isCustomResourceDefinition(d.ref), definesKindOf);
    pullForward(drafts, (d) => isNamespace(d.ref), (ns, other) => other.ref.namespace === ns.ref.name);
    orderPrunes(drafts);

    const dryRun = this.options.dryRun === true;
    const namespaceTask = autoNamespaceTask(this.input, this.layers, drafts);
    // Namespaces a dry-run cannot see yet: desired but not created, or auto-created only for real.
    const newNamespaces = new Set(drafts.filter((d) => d.action === 'apply' && isNamespace(d.ref) && d.status === 'missing').map((d) => d.ref.name));
    if (namespaceTask !== undefined && dryRun && this.input.destinationNamespace?.exists === false) newNamespaces.add(namespaceTask.ref.name);
    const skipDryRun = (d: Draft): DryRunSkipReason | undefined => {
      if (d.action !== 'apply' && d.action !== 'create-hook') return undefined;
      if (isCustom(d.ref)) return 'crd-in-sync';
      return d.ref.namespace !== '' && newNamespaces.has(d.ref.namespace) ? 'namespace-in-sync' : undefined;
    };

    const tasks = drafts.map((d): SyncTask => {
      const skip = skipDryRun(d);
      return {
        id: taskId(d.action, d.phase, d.ref),
        phase: d.phase,
        wave: d.wave,
        kindOrder: kindOrder(d.ref.kind, isCustom(d.ref)),
        ref: d.ref,
        action: d.action,
        ...(d.hook && { hook: d.hook }),
        syncOptions: d.syncOptions,
        object: d.object,
        ...(skip && { skipDryRun: skip }),
        ...(d.requiresConfirmation === true && { requiresConfirmation: true }),
        ...(d.createTaskId !== undefined && { createTaskId: d.createTaskId }),
      };
    });
    tasks.sort(byExecutionOrder);

    const steps = groupSteps(tasks.filter((t) => t.phase !== 'SyncFail'));
    return {
      operationId: this.input.operationId,
      dryRun,
      ...(namespaceTask && { namespaceTask }),
      steps,
      syncFailSteps: groupSteps(tasks.filter((t) => t.phase === 'SyncFail')),
      waitForWaves: steps.length > 1,
      waveDelayMs: this.input.waveDelayMs ?? DEFAULT_WAVE_DELAY_MS,
      results: this.results,
      warnings: this.warnings,
    };
  }
}

/** Builds the plan, or every validation error found (annotations, options, names, shared objects). */
export function buildSyncPlan(input: SyncPlanInput): SyncPlanResult {
  const builder = new PlanBuilder(input);
  for (const resource of input.desired) builder.addDesired(resource);
  for (const live of input.pruneCandidates ?? []) builder.addPruneCandidate(live);
  if (builder.errors.length > 0) return { ok: false, errors: builder.errors, warnings: builder.warnings };
  return { ok: true, plan: builder.finish() };
}

/**
 * `CreateNamespace=true`: a Namespace for the destination, unless the app itself declares one. Also
 * planned when the namespace exists but `managedNamespaceMetadata` is set, so labels follow the spec.
 */
function autoNamespaceTask(
  input: SyncPlanInput,
  layers: { app: SyncOptionValues; operation: SyncOptionValues },
  drafts: readonly Draft[],
): SyncTask | undefined {
  const destination = input.destinationNamespace;
  const syncOptions = resolveSyncOptions(layers);
  if (destination === undefined || destination.name === '' || !syncOptions.createNamespace) return undefined;
  const declared = input.desired.some(({ object }) => isNamespace(refOf(object)) && object.metadata.name === destination.name);
  const metadata = destination.managedNamespaceMetadata;
  if (declared || (destination.exists && metadata === undefined)) return undefined;
  const object: SyncObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: destination.name,
      ...(metadata?.labels && { labels: { ...metadata.labels } }),
      ...(metadata?.annotations && { annotations: { ...metadata.annotations } }),
    },
  };
  const ref = refOf(object);
  const firstWave = Math.min(0, ...drafts.map((d) => d.wave));
  return {
    id: taskId('apply', 'PreSync', ref),
    phase: 'PreSync',
    wave: firstWave,
    kindOrder: kindOrder('Namespace'),
    ref,
    action: 'apply',
    syncOptions,
    object,
  };
}

/** Every task of the plan in execution order: namespace, steps, then SyncFail steps. */
export function planTasks(plan: SyncPlan): SyncTask[] {
  return [
    ...(plan.namespaceTask ? [plan.namespaceTask] : []),
    ...plan.steps.flatMap((s) => s.tasks),
    ...plan.syncFailSteps.flatMap((s) => s.tasks),
  ];
}
