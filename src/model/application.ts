// Argo CD's `argoproj.io/v1alpha1` Application as zod schemas, the TypeScript types inferred from them,
// validation with field-named errors, and the defaults Argo CD applies when a field is absent.
//
// Every object schema is loose: fields kawa does not model yet (newer Argo CD releases, vendor
// extensions) are kept as they are, so reading an Application and writing it back never loses what a
// user set. Defaults live in pure helpers, never in the schemas, so that parsing is lossless too.
import { z } from 'zod';
import { parseDuration, type ParseDurationOptions } from './duration.js';
import { formatPath, isRecord, validOrThrow, validateWith, type Validation } from './validation.js';

// Offered with the Application model (model/index), as before it moved to validation.ts.
export { describeObject } from './validation.js';

export const ARGOPROJ_GROUP = 'argoproj.io';
export const ARGOPROJ_VERSION = 'v1alpha1';
export const ARGOPROJ_API_VERSION = `${ARGOPROJ_GROUP}/${ARGOPROJ_VERSION}`;
export const APPLICATION_KIND = 'Application';

// ---- enumerations written by the controller -------------------------------------------------------

export const SYNC_STATUS_CODES = ['Synced', 'OutOfSync', 'Unknown'] as const;
export type SyncStatusCode = (typeof SYNC_STATUS_CODES)[number];

/** Worst last, the order Argo CD uses to aggregate an app's health from its resources'. */
export const HEALTH_STATUS_CODES = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'] as const;
export type HealthStatusCode = (typeof HEALTH_STATUS_CODES)[number];

export const OPERATION_PHASES = ['Running', 'Terminating', 'Failed', 'Error', 'Succeeded'] as const;
export type OperationPhase = (typeof OPERATION_PHASES)[number];

export const RESULT_CODES = ['Synced', 'SyncFailed', 'Pruned', 'PruneSkipped'] as const;
export type ResultCode = (typeof RESULT_CODES)[number];

export const HOOK_TYPES = ['PreSync', 'Sync', 'PostSync', 'SyncFail', 'Skip', 'PreDelete', 'PostDelete'] as const;
export type HookType = (typeof HOOK_TYPES)[number];

export const SYNC_PHASES = ['PreSync', 'Sync', 'PostSync', 'SyncFail', 'PreDelete', 'PostDelete'] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number];

/** Condition types Argo CD writes; the list is open (the field is a plain string). */
export const CONDITION_TYPES = {
  InvalidSpecError: 'InvalidSpecError',
  ComparisonError: 'ComparisonError',
  SyncError: 'SyncError',
  DeletionError: 'DeletionError',
  UnknownError: 'UnknownError',
  SharedResourceWarning: 'SharedResourceWarning',
  RepeatedResourceWarning: 'RepeatedResourceWarning',
  ExcludedResourceWarning: 'ExcludedResourceWarning',
  OrphanedResourceWarning: 'OrphanedResourceWarning',
} as const;

// ---- building blocks ------------------------------------------------------------------------------

const str = z.string();
const int = z.number().int();
const strList = z.array(z.string());
const strMap = z.record(z.string(), z.string());
/** Arbitrary JSON object (helm `valuesObject`): kept verbatim. */
const jsonObject = z.record(z.string(), z.unknown());

const backoffDurationOptions: ParseDurationOptions = { bareIntegerAsSeconds: true };
/** A retry backoff duration: Go syntax, or a bare integer meaning seconds (as Argo CD reads it). */
const backoffDuration = z.string().refine((s) => parseDuration(s, backoffDurationOptions) !== undefined, {
  message: 'not a duration like 5s/3m',
});

// ---- source ---------------------------------------------------------------------------------------
// The config-management blocks (helm, kustomize, directory, plugin) are also what src/render takes:
// this is their one definition. Fields marked "accepted and ignored" are kept for round-tripping but
// do not change what kawa renders.

export const helmParameterSchema = z.looseObject({
  name: str.optional(),
  value: str.optional(),
  /** `--set-string` instead of `--set`, so `true` and `1` stay strings. */
  forceString: z.boolean().optional(),
});

export const helmFileParameterSchema = z.looseObject({ name: str.optional(), path: str.optional() });

export const helmSourceSchema = z.looseObject({
  /**
   * Relative to the chart directory (the source path); `/x` is relative to the repository root;
   * `$<ref>/x` reads another source of a multi-source app. Globs allowed (doublestar).
   */
  valueFiles: strList.optional(),
  /** Values as a YAML string; ignored when `valuesObject` is set. */
  values: str.optional(),
  valuesObject: jsonObject.optional(),
  parameters: z.array(helmParameterSchema).optional(),
  fileParameters: z.array(helmFileParameterSchema).optional(),
  releaseName: str.optional(),
  /** Accepted and ignored: Helm 3 is the only Helm (as in Argo CD). */
  version: str.optional(),
  /** Accepted and ignored: only matters for chart repositories, which are not rendered yet. */
  passCredentials: z.boolean().optional(),
  ignoreMissingValueFiles: z.boolean().optional(),
  skipCrds: z.boolean().optional(),
  skipTests: z.boolean().optional(),
  skipSchemaValidation: z.boolean().optional(),
  namespace: str.optional(),
  kubeVersion: str.optional(),
  apiVersions: strList.optional(),
});

export const kustomizeReplicaSchema = z.looseObject({
  name: str,
  /**
   * int-or-string, as in Kubernetes (the CRD says `x-kubernetes-int-or-string`). Any string is
   * accepted here, as by the API server and Argo CD; the renderer rejects one that is not an integer.
   */
  count: z.union([int, str]),
});

export const kustomizePatchSchema = z.looseObject({
  path: str.optional(),
  patch: str.optional(),
  target: z
    .looseObject({
      group: str.optional(),
      version: str.optional(),
      kind: str.optional(),
      name: str.optional(),
      namespace: str.optional(),
      labelSelector: str.optional(),
      annotationSelector: str.optional(),
    })
    .optional(),
  options: z.record(z.string(), z.boolean()).optional(),
});

export const kustomizeSourceSchema = z.looseObject({
  namePrefix: str.optional(),
  nameSuffix: str.optional(),
  /** `kustomize edit set image` arguments: `name=newName:tag`, `image:tag`, `image@digest`. */
  images: strList.optional(),
  commonLabels: strMap.optional(),
  commonAnnotations: strMap.optional(),
  commonAnnotationsEnvsubst: z.boolean().optional(),
  forceCommonLabels: z.boolean().optional(),
  forceCommonAnnotations: z.boolean().optional(),
  labelWithoutSelector: z.boolean().optional(),
  labelIncludeTemplates: z.boolean().optional(),
  namespace: str.optional(),
  replicas: z.array(kustomizeReplicaSchema).optional(),
  patches: z.array(kustomizePatchSchema).optional(),
  /** Paths relative to the kustomization directory. */
  components: strList.optional(),
  ignoreMissingComponents: z.boolean().optional(),
  /** Accepted and ignored: kawa runs its one pinned kustomize. */
  version: str.optional(),
  /** Accepted and ignored: only used by kustomize's helmCharts, which kawa does not enable. */
  kubeVersion: str.optional(),
  apiVersions: strList.optional(),
});

export const jsonnetVarSchema = z.looseObject({
  name: str,
  value: str,
  /** The value is Jsonnet code rather than a string. */
  code: z.boolean().optional(),
});

export const directorySourceSchema = z.looseObject({
  recurse: z.boolean().optional(),
  /** Glob over paths relative to the app directory (`*` crosses `/`); `{*.yml,*.yaml}` for several. */
  include: str.optional(),
  /** Glob of files to skip; wins over `include`. */
  exclude: str.optional(),
  jsonnet: z
    .looseObject({
      extVars: z.array(jsonnetVarSchema).optional(),
      tlas: z.array(jsonnetVarSchema).optional(),
      /** Library directories, relative to the repository root. */
      libs: strList.optional(),
    })
    .optional(),
});

export const pluginSourceSchema = z.looseObject({
  name: str.optional(),
  env: z.array(z.looseObject({ name: str, value: str })).optional(),
  parameters: z
    .array(
      z.looseObject({
        name: str.optional(),
        string: str.optional(),
        array: strList.optional(),
        map: strMap.optional(),
      }),
    )
    .optional(),
});

export const applicationSourceSchema = z.looseObject({
  /** Git URL, Helm repository URL, or OCI reference. */
  repoURL: str,
  path: str.optional(),
  /** Branch, tag, commit or (for Helm repositories) chart version; empty means HEAD. */
  targetRevision: str.optional(),
  /** Chart name, for sources that are Helm repositories. */
  chart: str.optional(),
  /** Name other sources use as `$<ref>` to read files from this one (multi-source apps). */
  ref: str.optional(),
  name: str.optional(),
  helm: helmSourceSchema.optional(),
  kustomize: kustomizeSourceSchema.optional(),
  directory: directorySourceSchema.optional(),
  plugin: pluginSourceSchema.optional(),
});

// ---- spec -----------------------------------------------------------------------------------------

export const applicationDestinationSchema = z.looseObject({
  /** API server URL; `https://kubernetes.default.svc` is the cluster kawa runs in. */
  server: str.optional(),
  /** Cluster name from a cluster Secret; exclusive with `server`. */
  name: str.optional(),
  /** Namespace for namespaced objects that do not set one. */
  namespace: str.optional(),
});

export const backoffSchema = z.looseObject({
  duration: backoffDuration.optional(),
  factor: int.optional(),
  maxDuration: backoffDuration.optional(),
});

export const retryStrategySchema = z.looseObject({
  /** Attempts after the first failure; negative means unlimited, 0 none. */
  limit: int.optional(),
  backoff: backoffSchema.optional(),
  /** Retry with the latest revision instead of the one that failed. */
  refresh: z.boolean().optional(),
});

export const syncPolicyAutomatedSchema = z.looseObject({
  prune: z.boolean().optional(),
  selfHeal: z.boolean().optional(),
  allowEmpty: z.boolean().optional(),
  /** false keeps the settings but turns automated sync off (absent means on). */
  enabled: z.boolean().optional(),
});

export const syncPolicySchema = z.looseObject({
  automated: syncPolicyAutomatedSchema.optional(),
  /** `Name=value` strings, e.g. `CreateNamespace=true`. */
  syncOptions: strList.optional(),
  retry: retryStrategySchema.optional(),
  managedNamespaceMetadata: z.looseObject({ labels: strMap.optional(), annotations: strMap.optional() }).optional(),
});

export const resourceIgnoreDifferencesSchema = z.looseObject({
  group: str.optional(),
  kind: str,
  name: str.optional(),
  namespace: str.optional(),
  jsonPointers: strList.optional(),
  jqPathExpressions: strList.optional(),
  managedFieldsManagers: strList.optional(),
});

export const infoItemSchema = z.looseObject({ name: str.optional(), value: str.optional() });

export const sourceHydratorSchema = z.looseObject({
  drySource: z.looseObject({ repoURL: str, targetRevision: str.optional(), path: str.optional() }),
  syncSource: z.looseObject({ targetBranch: str, path: str }),
  hydrateTo: z.looseObject({ targetBranch: str }).optional(),
});

export const applicationSpecSchema = z.looseObject({
  source: applicationSourceSchema.optional(),
  sources: z.array(applicationSourceSchema).optional(),
  sourceHydrator: sourceHydratorSchema.optional(),
  destination: applicationDestinationSchema,
  project: str,
  syncPolicy: syncPolicySchema.optional(),
  ignoreDifferences: z.array(resourceIgnoreDifferencesSchema).optional(),
  info: z.array(infoItemSchema).optional(),
  revisionHistoryLimit: int.min(0).optional(),
});

// ---- operation ------------------------------------------------------------------------------------

export const syncOperationResourceSchema = z.looseObject({
  group: str.optional(),
  kind: str,
  name: str,
  namespace: str.optional(),
});

export const syncStrategySchema = z.looseObject({
  /** Plain apply for every resource, hooks ignored. */
  apply: z.looseObject({ force: z.boolean().optional() }).optional(),
  /** Hooks and waves (the default). */
  hook: z.looseObject({ force: z.boolean().optional() }).optional(),
});

export const syncOperationSchema = z.looseObject({
  revision: str.optional(),
  revisions: strList.optional(),
  prune: z.boolean().optional(),
  dryRun: z.boolean().optional(),
  /** Selective sync: only these resources. */
  resources: z.array(syncOperationResourceSchema).optional(),
  syncOptions: strList.optional(),
  syncStrategy: syncStrategySchema.optional(),
  /** Rollback sets the source of the history entry; a plain sync leaves it empty. */
  source: applicationSourceSchema.optional(),
  sources: z.array(applicationSourceSchema).optional(),
  manifests: strList.optional(),
  autoHealAttemptsCount: int.optional(),
});

export const operationInitiatorSchema = z.looseObject({
  username: str.optional(),
  /** Set when the controller started the operation (automated sync). */
  automated: z.boolean().optional(),
});

export const operationSchema = z.looseObject({
  sync: syncOperationSchema.optional(),
  initiatedBy: operationInitiatorSchema.optional(),
  info: z.array(z.looseObject({ name: str, value: str })).optional(),
  retry: retryStrategySchema.optional(),
});

// ---- status ---------------------------------------------------------------------------------------

export const healthStatusSchema = z.looseObject({
  status: z.enum(HEALTH_STATUS_CODES).optional(),
  message: str.optional(),
  lastTransitionTime: str.optional(),
});

export const comparedToSchema = z.looseObject({
  source: applicationSourceSchema.optional(),
  sources: z.array(applicationSourceSchema).optional(),
  destination: applicationDestinationSchema.optional(),
  ignoreDifferences: z.array(resourceIgnoreDifferencesSchema).optional(),
});

export const syncStatusSchema = z.looseObject({
  status: z.enum(SYNC_STATUS_CODES),
  comparedTo: comparedToSchema.optional(),
  revision: str.optional(),
  revisions: strList.optional(),
});

export const resourceStatusSchema = z.looseObject({
  group: str.optional(),
  version: str.optional(),
  kind: str.optional(),
  namespace: str.optional(),
  name: str.optional(),
  status: z.enum(SYNC_STATUS_CODES).optional(),
  health: healthStatusSchema.optional(),
  hook: z.boolean().optional(),
  requiresPruning: z.boolean().optional(),
  requiresDeletionConfirmation: z.boolean().optional(),
  syncWave: int.optional(),
});

export const revisionHistorySchema = z.looseObject({
  id: int,
  revision: str.optional(),
  revisions: strList.optional(),
  /** RFC 3339 timestamps, as the API server stores them. */
  deployedAt: str.optional(),
  deployStartedAt: str.optional(),
  source: applicationSourceSchema.optional(),
  sources: z.array(applicationSourceSchema).optional(),
  initiatedBy: operationInitiatorSchema.optional(),
});

export const resourceResultSchema = z.looseObject({
  group: str.optional(),
  version: str.optional(),
  kind: str.optional(),
  namespace: str.optional(),
  name: str.optional(),
  status: z.enum(RESULT_CODES).optional(),
  message: str.optional(),
  hookType: z.enum(HOOK_TYPES).optional(),
  hookPhase: z.enum(OPERATION_PHASES).optional(),
  syncPhase: z.enum(SYNC_PHASES).optional(),
  images: strList.optional(),
});

export const syncOperationResultSchema = z.looseObject({
  resources: z.array(resourceResultSchema).optional(),
  revision: str.optional(),
  revisions: strList.optional(),
  source: applicationSourceSchema.optional(),
  sources: z.array(applicationSourceSchema).optional(),
});

export const operationStateSchema = z.looseObject({
  operation: operationSchema,
  phase: z.enum(OPERATION_PHASES),
  message: str.optional(),
  syncResult: syncOperationResultSchema.optional(),
  startedAt: str,
  finishedAt: str.optional(),
  retryCount: int.optional(),
});

export const applicationConditionSchema = z.looseObject({
  type: str,
  message: str,
  lastTransitionTime: str.optional(),
});

export const applicationStatusSchema = z.looseObject({
  resources: z.array(resourceStatusSchema).optional(),
  sync: syncStatusSchema.optional(),
  health: healthStatusSchema.optional(),
  history: z.array(revisionHistorySchema).optional(),
  conditions: z.array(applicationConditionSchema).optional(),
  reconciledAt: str.optional(),
  observedAt: str.optional(),
  operationState: operationStateSchema.optional(),
  /** Helm, Kustomize, Directory or Plugin (older releases wrote others, so not an enum). */
  sourceType: str.optional(),
  sourceTypes: strList.optional(),
  summary: z.looseObject({ externalURLs: strList.optional(), images: strList.optional() }).optional(),
  controllerNamespace: str.optional(),
});

// ---- the object -----------------------------------------------------------------------------------

/**
 * The API server reads a null ObjectMeta field (`labels:` with nothing after it in YAML) as absent, and
 * so does the model: null fields are dropped before the schema sees them.
 */
export const objectMetaSchema = z.preprocess(
  (meta) => (isRecord(meta) ? Object.fromEntries(Object.entries(meta).filter(([, value]) => value !== null)) : meta),
  z.looseObject({
    name: str,
    namespace: str.optional(),
    labels: strMap.optional(),
    annotations: strMap.optional(),
    finalizers: strList.optional(),
  }),
);

export const applicationSchema = z.looseObject({
  apiVersion: z.literal(ARGOPROJ_API_VERSION),
  kind: z.literal(APPLICATION_KIND),
  metadata: objectMetaSchema,
  spec: applicationSpecSchema,
  operation: operationSchema.optional(),
  status: applicationStatusSchema.optional(),
});

export type HelmParameter = z.infer<typeof helmParameterSchema>;
export type HelmSource = z.infer<typeof helmSourceSchema>;
export type KustomizeReplica = z.infer<typeof kustomizeReplicaSchema>;
export type KustomizePatch = z.infer<typeof kustomizePatchSchema>;
export type KustomizeSource = z.infer<typeof kustomizeSourceSchema>;
export type JsonnetVar = z.infer<typeof jsonnetVarSchema>;
export type DirectorySource = z.infer<typeof directorySourceSchema>;
export type PluginSource = z.infer<typeof pluginSourceSchema>;
export type ApplicationSource = z.infer<typeof applicationSourceSchema>;
export type ApplicationDestination = z.infer<typeof applicationDestinationSchema>;
export type Backoff = z.infer<typeof backoffSchema>;
export type RetryStrategy = z.infer<typeof retryStrategySchema>;
export type SyncPolicyAutomated = z.infer<typeof syncPolicyAutomatedSchema>;
export type SyncPolicy = z.infer<typeof syncPolicySchema>;
export type ResourceIgnoreDifferences = z.infer<typeof resourceIgnoreDifferencesSchema>;
export type SourceHydrator = z.infer<typeof sourceHydratorSchema>;
export type ApplicationSpec = z.infer<typeof applicationSpecSchema>;
export type SyncOperationResource = z.infer<typeof syncOperationResourceSchema>;
export type SyncStrategy = z.infer<typeof syncStrategySchema>;
export type SyncOperation = z.infer<typeof syncOperationSchema>;
export type OperationInitiator = z.infer<typeof operationInitiatorSchema>;
export type Operation = z.infer<typeof operationSchema>;
export type HealthStatus = z.infer<typeof healthStatusSchema>;
export type SyncStatus = z.infer<typeof syncStatusSchema>;
export type ResourceStatus = z.infer<typeof resourceStatusSchema>;
export type RevisionHistory = z.infer<typeof revisionHistorySchema>;
export type ResourceResult = z.infer<typeof resourceResultSchema>;
export type SyncOperationResult = z.infer<typeof syncOperationResultSchema>;
export type OperationState = z.infer<typeof operationStateSchema>;
export type ApplicationCondition = z.infer<typeof applicationConditionSchema>;
export type ApplicationStatus = z.infer<typeof applicationStatusSchema>;
export type ObjectMeta = z.infer<typeof objectMetaSchema>;
export type Application = z.infer<typeof applicationSchema>;

// ---- validation -----------------------------------------------------------------------------------

/**
 * Check an Application read from the cluster, a file or an API request. Type errors and the rules
 * Argo CD enforces across fields are reported together, each prefixed with its field path, e.g.
 * `spec.destination: exactly one of server or name`. The value is the input itself, unknown fields
 * included.
 */
export function validateApplication(obj: unknown): Validation<Application> {
  return validateWith(applicationSchema, obj, crossFieldErrors);
}

/** validateApplication, throwing a UserError (INVALID_SPEC) that lists every problem. */
export function parseApplication(obj: unknown): Application {
  return validOrThrow('Application', obj, validateApplication(obj));
}

const SOURCE_TYPES = ['helm', 'kustomize', 'directory', 'plugin'] as const;

function nonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}

// Rules that span fields. The input may be malformed (the schema reports that), so every access is
// guarded and a rule is skipped when the fields it needs are not the right shape.
function crossFieldErrors(app: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const spec = app['spec'];
  if (!isRecord(spec)) return errors;

  const destination = spec['destination'];
  if (isRecord(destination) && nonEmpty(destination['server']) === nonEmpty(destination['name'])) {
    errors.push('spec.destination: exactly one of server or name');
  }

  const source = spec['source'];
  const sources = Array.isArray(spec['sources']) ? (spec['sources'] as unknown[]) : [];
  if (source !== undefined && sources.length > 0) {
    errors.push('spec.source and spec.sources are mutually exclusive');
  } else if (source === undefined && sources.length === 0 && spec['sourceHydrator'] === undefined) {
    errors.push('spec: one of source, sources or sourceHydrator is required');
  }

  const refs = new Map<string, number>();
  sources.forEach((s, i) => {
    if (isRecord(s) && nonEmpty(s['ref'])) {
      const ref = s['ref'] as string;
      const first = refs.get(ref);
      if (first === undefined) refs.set(ref, i);
      else errors.push(`spec.sources[${i}].ref: "${ref}" is already used by spec.sources[${first}]`);
    }
  });

  const checkSource = (s: unknown, path: (string | number)[]): void => {
    if (!isRecord(s)) return;
    if (s['repoURL'] === '') errors.push(`${formatPath([...path, 'repoURL'])}: must not be empty`);
    // An empty block (`directory: {}`) selects nothing, so only blocks with content count.
    const types = SOURCE_TYPES.filter((t) => isRecord(s[t]) && Object.keys(s[t]).length > 0);
    if (types.length > 1) {
      errors.push(`${formatPath(path)}: only one of helm, kustomize, directory or plugin may be set, found ${types.join(', ')}`);
    }
    const helm = s['helm'];
    const valueFiles = isRecord(helm) && Array.isArray(helm['valueFiles']) ? (helm['valueFiles'] as unknown[]) : [];
    valueFiles.forEach((file, i) => {
      if (typeof file !== 'string' || !file.startsWith('$')) return;
      const ref = file.slice(1).split('/', 1)[0] ?? '';
      if (!refs.has(ref)) {
        const where = formatPath([...path, 'helm', 'valueFiles', i]);
        errors.push(`${where}: "${file}" refers to no source with ref "${ref}"`);
      }
    });
  };
  if (source !== undefined) checkSource(source, ['spec', 'source']);
  sources.forEach((s, i) => {
    checkSource(s, ['spec', 'sources', i]);
  });
  return errors;
}

// ---- defaults -------------------------------------------------------------------------------------

export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
export const DEFAULT_TARGET_REVISION = 'HEAD';

/** A retry backoff with every field resolved to a number. */
export interface ResolvedBackoff {
  durationMs: number;
  factor: number;
  /** Upper bound of one delay; 0 means none. */
  maxDurationMs: number;
}

/** Argo CD's defaults: 5 s, doubling, at most 3 min. */
export const DEFAULT_RETRY_BACKOFF: Readonly<ResolvedBackoff> = { durationMs: 5_000, factor: 2, maxDurationMs: 180_000 };

/** How many `status.history` entries to keep. */
export function revisionHistoryLimitOf(spec: Pick<ApplicationSpec, 'revisionHistoryLimit'>): number {
  return spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
}

/**
 * The revision to resolve for a source: `HEAD` when empty. Helm repository charts (`chart` set)
 * have no HEAD; their empty revision is returned as is for the Helm renderer to interpret.
 */
export function targetRevisionOf(source: Pick<ApplicationSource, 'targetRevision' | 'chart'>): string {
  const revision = source.targetRevision ?? '';
  if (revision !== '' || nonEmpty(source.chart)) return revision;
  return DEFAULT_TARGET_REVISION;
}

/** The backoff with defaults filled in. Invalid durations (validation reports them) fall back too. */
export function resolveBackoff(backoff: Backoff | undefined): ResolvedBackoff {
  const duration = backoff?.duration === undefined || backoff.duration === '' ? undefined : parseDuration(backoff.duration, backoffDurationOptions);
  const max = backoff?.maxDuration === undefined || backoff.maxDuration === '' ? undefined : parseDuration(backoff.maxDuration, backoffDurationOptions);
  return {
    durationMs: duration ?? DEFAULT_RETRY_BACKOFF.durationMs,
    factor: backoff?.factor ?? DEFAULT_RETRY_BACKOFF.factor,
    maxDurationMs: max ?? DEFAULT_RETRY_BACKOFF.maxDurationMs,
  };
}

/**
 * Delay before retry number `retryCount` (0 for the first retry): duration × factor^retryCount, capped
 * at maxDuration — Argo CD's formula, so the first retry waits exactly `duration`.
 */
export function retryDelayMs(backoff: ResolvedBackoff, retryCount: number): number {
  const delay = backoff.durationMs * Math.pow(backoff.factor, retryCount);
  return backoff.maxDurationMs > 0 ? Math.min(backoff.maxDurationMs, delay) : delay;
}

/** Whether another retry is allowed after `retryCount` retries. */
export function canRetry(retry: Pick<RetryStrategy, 'limit'> | undefined, retryCount: number): boolean {
  const limit = retry?.limit ?? 0;
  return limit < 0 || retryCount < limit;
}

/** The app's sources as a list: `sources` when it has any, else `source`, else none. */
export function sourcesOf(spec: Pick<ApplicationSpec, 'source' | 'sources'>): ApplicationSource[] {
  if (spec.sources !== undefined && spec.sources.length > 0) return spec.sources;
  return spec.source === undefined ? [] : [spec.source];
}

/** Whether automated sync is on: an `automated` block that is not `enabled: false`. */
export function isAutomatedSync(spec: Pick<ApplicationSpec, 'syncPolicy'>): boolean {
  const automated = spec.syncPolicy?.automated;
  return automated !== undefined && automated.enabled !== false;
}
