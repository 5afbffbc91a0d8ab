// The persisted shape of a sync operation: Argo CD's `status.operationState` (phase, message,
// syncResult.resources, startedAt/finishedAt) plus a `kawa` section holding what a restarted process
// needs to continue exactly where the last one stopped — the plan's inputs as decided at the start, and
// what happened to every task. Plain JSON throughout, so it survives a round trip through the API server.
import type { ApiResource } from '../kube/discovery.js';
import type { ResourceResult, Operation, OperationPhase, OperationState } from '../model/index.js';
import type { LiveStateReader } from './compare.js';
import type { IgnoreDifferencesRule } from './diff/index.js';
import { planTasks, type ResourceSyncStatus, type SyncObject, type SyncPlan, type TaskState } from './sync/index.js';
import type { GroupKind } from '../kube/objects.js';

/** The live-state cache as an operation uses it. `ClusterCache` is one. */
export interface OperationCache extends LiveStateReader {
  /** The resource of a kind, re-discovering once when it is unknown (a CRD applied a moment ago). */
  resolveResource(gk: GroupKind): Promise<ApiResource | undefined>;
  /** Types whose first list has not completed: their emptiness proves nothing. */
  unsyncedTypes(): string[];
  /** API groups discovery could not read. */
  failedDiscoveryGroups(): readonly string[];
}

/** A task's recorded progress, plus what kawa needs to observe its result. */
export interface TaskRecord extends TaskState {
  /** The uid of the object applied or created: a namesake seen later is not this one. */
  readonly uid?: string;
  /** `metadata.generation` the apply returned: older cached copies do not tell this apply's health. */
  readonly generation?: number;
  /** The API refused to delete this finished hook (it stays in the cluster); not tried again. */
  readonly deleteFailed?: string;
  /** For a deletion in progress: the uid being deleted. */
  readonly deletedUid?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

/** A live object to prune, reduced to what planning and deleting it need (identity, uid, sync annotations). */
export interface PruneStub extends SyncObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
}

export interface KawaOperationState {
  readonly version: 1;
  /** The app instance whose objects this operation syncs (its tracking marks). */
  readonly appName: string;
  /** The app's settings at the start: the operation keeps them even if the spec changes meanwhile. */
  readonly app: AppSnapshot;
  /** Seeds generated hook names and marks created hooks; the same for the whole operation. */
  readonly operationId: string;
  /** sha256 of the desired objects the operation started with: a resumed step must see the same ones. */
  readonly desiredDigest: string;
  /** Diff verdicts at the start, by resource key; what the plan is built from on every step. */
  readonly statuses: Readonly<Record<string, ResourceSyncStatus>>;
  /** Another app tracking a desired object at the start, by resource key (for FailOnSharedResource). */
  readonly sharedWith: Readonly<Record<string, string>>;
  readonly prune: readonly PruneStub[];
  readonly namespaceExists: boolean;
  /** By task id; absent means not started. */
  tasks: Record<string, TaskRecord>;
  dryRun?: { ok: boolean; message?: string };
  pruneConfirmed?: boolean;
  terminating?: boolean;
  /** Why termination was asked (the operation timeout), when not by a user. */
  terminationReason?: string;
  /**
   * Set when the operation ended by being terminated (asked by a user, or its timeout): the persisted
   * answer to "was it terminated?" that {@link wasTerminated} reads, so no caller parses the message.
   */
  terminated?: true;
  /** Tasks whose kind was not served yet, since when (ms). */
  unresolvedSince: Record<string, number>;
  /** Results decided while running that no task carries (a prune skipped because another app took the object). */
  extraResults: ResourceResult[];
}

export interface AppSnapshot {
  readonly destinationNamespace?: string;
  /** For `RespectIgnoreDifferences=true`: the rules as at the start. */
  readonly ignoreDifferences?: readonly IgnoreDifferencesRule[];
  readonly syncOptions?: readonly string[];
  readonly managedNamespaceMetadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
}

/** `status.operationState` as kawa writes it. */
export type OperationRecord = OperationState & {
  operation: Operation;
  phase: OperationPhase;
  startedAt: string;
  kawa: KawaOperationState;
};

/** `group/Kind` of every kind a CRD of the plan defines. */
export function definedKinds(plan: SyncPlan): Set<string> {
  const kinds = new Set<string>();
  for (const task of planTasks(plan)) {
    if (task.action !== 'apply' || task.ref.kind !== 'CustomResourceDefinition' || task.ref.group !== 'apiextensions.k8s.io') continue;
    const spec = task.object['spec'];
    if (typeof spec !== 'object' || spec === null) continue;
    const { group, names } = spec as { group?: unknown; names?: { kind?: unknown } };
    if (typeof group === 'string' && typeof names?.kind === 'string') kinds.add(`${group}/${names.kind}`);
  }
  return kinds;
}

/**
 * The live state is incomplete while a type has not been listed or an API group cannot be discovered.
 * Absence proves nothing then, so nothing may be pruned (or an app deletion be finished).
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

export function isTerminal(phase: OperationPhase): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Error';
}

/**
 * Whether the engine ended this operation by terminating it (`argocd app terminate-op`, or the operation
 * timeout; `kawa.terminationReason` tells which). Read from the record alone, so the answer is the same
 * after a restart.
 */
export function wasTerminated(record: OperationRecord): boolean {
  // Records come from the Application's status: one not written by this kawa may have no kawa section.
  const kawa = (record as { kawa?: Partial<KawaOperationState> }).kawa;
  return isTerminal(record.phase) && kawa?.terminated === true;
}

/**
 * Whether a terminate request ended the operation, as opposed to its timeout: a retry policy does not
 * apply to an operation a user stopped, while a timed-out one is a failure like any other and is retried.
 */
export function terminatedOnRequest(record: OperationRecord): boolean {
  const kawa = (record as { kawa?: Partial<KawaOperationState> }).kawa;
  return wasTerminated(record) && kawa?.terminationReason === undefined;
}
