// The sync planner: annotations → options → plan → the wave loop (`nextStep`). Pure; the controller
// performs the API calls and records their outcome.
export {
  ANNOTATION_COMPARE_OPTIONS,
  ANNOTATION_HELM_HOOK,
  ANNOTATION_HELM_HOOK_DELETE_POLICY,
  ANNOTATION_HELM_HOOK_WEIGHT,
  ANNOTATION_HELM_RESOURCE_POLICY,
  ANNOTATION_HOOK,
  ANNOTATION_HOOK_DELETE_POLICY,
  ANNOTATION_SYNC_OPTIONS,
  ANNOTATION_SYNC_WAVE,
  HOOK_ANNOTATION_VALUES,
  HOOK_DELETE_POLICIES,
  parseWave,
  readSyncAnnotations,
  type HookAnnotationValue,
  type HookDeletePolicy,
  type HookSpec,
  type HookType,
  type ParsedSyncAnnotations,
  type SyncAnnotations,
} from './annotations.js';
export { syncErrorCodes, type SyncErrorCode, type SyncValidationError } from './errors.js';
export { generateHookName, type HookNameSeed } from './hook-name.js';
export { KIND_ORDER, UNKNOWN_KIND_ORDER, kindOrder } from './kinds.js';
export {
  OPERATION_TERMINATED,
  deletionDue,
  hookPhase,
  nextStep,
  syncResults,
  type HookPhase,
  type NextAction,
  type NextStep,
  type SyncState,
  type TaskResult,
  type TaskState,
} from './next-step.js';
export { formatKind, formatRef, groupOf, refOf, type ObjectRef, type SyncObject, type SyncObjectMetadata } from './objects.js';
export {
  DEFAULT_SYNC_OPTIONS,
  parseCompareOptions,
  parseSyncOptions,
  resolveSyncOptions,
  type CompareOptions,
  type OptionSource,
  type ParsedOptions,
  type PropagationPolicy,
  type ResolvedSyncOptions,
  type SyncOptionLayers,
  type SyncOptionValues,
} from './options.js';
export {
  SYNC_PHASES,
  buildSyncPlan,
  formatTask,
  planTasks,
  taskId,
  type DesiredResource,
  type DestinationNamespace,
  type DryRunSkipReason,
  type PlannedResult,
  type ResourceSelector,
  type ResourceSyncStatus,
  type SyncOperationOptions,
  type SyncPhase,
  type SyncPlan,
  type SyncPlanInput,
  type SyncPlanResult,
  type SyncStep,
  type SyncTask,
  type TaskAction,
} from './plan.js';
