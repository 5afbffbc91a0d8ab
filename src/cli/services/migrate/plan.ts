// `kawa admin migrate-from-argocd`, the pure part: what the cluster looks like (read by ./cluster.ts),
// which of it blocks a move, and the steps that take an Argo CD installation over in place. Every step is
// derived from the cluster's current state, never from a log of earlier runs, so running the command
// again is a no-op and a run that died between two steps is finished by the next one.
//
// Order of the steps, and why:
//   1. scale Argo CD's application controller to 0, recording its replicas in an annotation on it;
//   2. wait until its Pods are gone: two controllers must never sync the same apps at once;
//   3. swap the CRDs for kawa's (checked by a server dry-run before step 1, so a refusal changes nothing).
//      Done after Argo CD's controller stopped: with kawa's status subresource, its status writes through
//      the main resource would be dropped without an error;
//   4. check that every Application's status (stored data, untouched by a new subresource) is still there;
//   5. scale kawa's controller Deployment up, or say how to start one.
import { errorCodes, type ErrorCode } from '../../../errors.js';
import {
  ARGOPROJ_VERSION,
  APPLICATION_CRD_NAME,
  APPPROJECT_CRD_NAME,
  TRACKING_METHODS,
  parseArgoCdConfigMap,
  validateAppProject,
  validateApplication,
  type CustomResourceDefinition,
} from '../../../model/index.js';

export const MIGRATED_FROM_REPLICAS_ANNOTATION = 'kawa.dev/migrated-from-replicas';
export const ARGOCD_CONTROLLER_NAME = 'argocd-application-controller';
export const KAWA_CONTROLLER_NAME = 'kawa-application-controller';
/** Argo CD's other workloads: they keep working against the same objects, so the move leaves them alone. */
export const ARGOCD_OTHER_COMPONENTS = [
  'argocd-server',
  'argocd-repo-server',
  'argocd-applicationset-controller',
  'argocd-notifications-controller',
  'argocd-dex-server',
  'argocd-redis',
  'argocd-commit-server',
] as const;
/** The Lease prefix of kawa's controller (src/controller/shards.ts): a held, fresh one means a kawa controller runs. */
export const KAWA_CONTROLLER_LEASE_PREFIX = 'kawa-controller-shard';

/**
 * argocd-cm keys kawa reads (exact names), and prefixes of key families it reads. Anything else is
 * reported as ignored so nobody believes a setting still applies.
 */
export const KNOWN_ARGOCD_CM_KEYS: readonly string[] = [
  'url',
  'timeout.reconciliation',
  'timeout.reconciliation.jitter',
  'timeout.hard.reconciliation',
  'application.resourceTrackingMethod',
  'application.instanceLabelKey',
  'installationID',
  'resource.exclusions',
  'resource.inclusions',
  'resource.customizations',
  'admin.enabled',
  'server.rbac.disableApplicationFineGrainedRBACInheritance',
  'application.sync.impersonation.enabled',
  'oidc.config',
  'users.session.duration',
  'passwordPattern',
  'webhook.maxPayloadSizeMB',
  'webhook.maxRequestsPerMinute',
];
export const KNOWN_ARGOCD_CM_PREFIXES: readonly string[] = ['accounts.', 'resource.customizations.'];

// ---- what the cluster looks like ------------------------------------------------------------------

export interface LiveCrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  subresources?: { status?: unknown };
  [field: string]: unknown;
}

/** A CRD as read from the API server (only what the plan looks at is typed). */
export interface LiveCrd {
  metadata?: { name?: string; labels?: Record<string, string>; resourceVersion?: string };
  spec?: { group?: string; scope?: string; names?: Record<string, unknown>; versions?: LiveCrdVersion[] };
}

export type WorkloadKind = 'StatefulSet' | 'Deployment';

export interface Workload {
  kind: WorkloadKind;
  name: string;
  /** spec.replicas (a missing field means 1, as the API server defaults it). */
  replicas: number;
  annotations: Record<string, string>;
  labels?: Record<string, string>;
  /** `<Kind>/<name>` of its ownerReferences (an operator that owns it scales it back). */
  owners?: string[];
  /** Pods its selector matches right now (terminating ones included). */
  pods: number;
}

export interface LiveLease {
  name: string;
  holderIdentity?: string;
  renewTime?: string;
  leaseDurationSeconds?: number;
}

export interface ClusterState {
  namespace: string;
  crds: { application?: LiveCrd; appProject?: LiveCrd };
  /** Applications and AppProjects of the namespace, unparsed. */
  applications: unknown[];
  appProjects: unknown[];
  /** argocd-cm's data; undefined when there is no argocd-cm. */
  argocdCm?: Record<string, string>;
  /** Argo CD's application controller: a StatefulSet, or a Deployment in older installs (both, if both exist). */
  argocdControllers: Workload[];
  /** kawa's controller Deployment, when the install put one in this namespace. */
  kawaController?: Workload;
  /** Argo CD's other workloads found in the namespace. */
  otherComponents: Workload[];
  /** kawa controller Leases in the namespace. */
  leases: LiveLease[];
}

// ---- checks -----------------------------------------------------------------------------------------

export interface Problem {
  code: ErrorCode;
  message: string;
  /** --force goes ahead anyway (a user's object kawa cannot read, not a broken installation). */
  forcible: boolean;
}

export interface Checks {
  problems: Problem[];
  warnings: string[];
}

function crdProblems(label: string, name: string, crd: LiveCrd | undefined): Problem[] {
  const problem = (message: string): Problem => ({ code: errorCodes.CLI_INVALID_ARGUMENT, message, forcible: false });
  if (crd === undefined) return [problem(`CRD ${name} does not exist: Argo CD's ${label} CRD is not installed in this cluster, so there is nothing to take over (install kawa instead)`)];
  const versions = crd.spec?.versions ?? [];
  const v1 = versions.find((v) => v.name === ARGOPROJ_VERSION);
  if (v1 === undefined) {
    return [problem(`CRD ${name} has no version ${ARGOPROJ_VERSION} (it has ${versions.map((v) => v.name).join(', ') || 'none'}): kawa reads ${ARGOPROJ_VERSION} only`)];
  }
  const out: Problem[] = [];
  if (v1.served !== true) out.push(problem(`CRD ${name}: version ${ARGOPROJ_VERSION} is not served`));
  const storage = versions.find((v) => v.storage === true);
  if (storage?.name !== ARGOPROJ_VERSION) {
    // Objects stored in another version would need a conversion webhook kawa does not have.
    out.push(problem(`CRD ${name}: the storage version is ${storage?.name ?? '(none)'}, not ${ARGOPROJ_VERSION}`));
  }
  return out;
}

function nameOf(obj: unknown): string {
  if (typeof obj !== 'object' || obj === null) return '(unnamed)';
  const meta = (obj as { metadata?: { name?: unknown } }).metadata;
  return typeof meta?.name === 'string' ? meta.name : '(unnamed)';
}

/** argocd-cm keys kawa does not read, sorted. */
export function ignoredArgoCdCmKeys(data: Readonly<Record<string, string>>): string[] {
  return Object.keys(data)
    .filter((key) => !KNOWN_ARGOCD_CM_KEYS.includes(key) && !KNOWN_ARGOCD_CM_PREFIXES.some((prefix) => key.startsWith(prefix)))
    .sort();
}

/** Everything that stops a move (problems) or that the user should know before it (warnings). */
export function checkCluster(state: ClusterState): Checks {
  const problems: Problem[] = [
    ...crdProblems('Application', APPLICATION_CRD_NAME, state.crds.application),
    ...crdProblems('AppProject', APPPROJECT_CRD_NAME, state.crds.appProject),
  ];
  const warnings: string[] = [];

  for (const app of state.applications) {
    const result = validateApplication(app);
    if (!result.ok) {
      for (const error of result.errors) problems.push({ code: errorCodes.INVALID_SPEC, message: `Application ${state.namespace}/${nameOf(app)}: ${error}`, forcible: true });
    }
  }
  for (const project of state.appProjects) {
    const result = validateAppProject(project);
    if (!result.ok) {
      for (const error of result.errors) problems.push({ code: errorCodes.INVALID_SPEC, message: `AppProject ${state.namespace}/${nameOf(project)}: ${error}`, forcible: true });
    }
  }

  if (state.argocdCm === undefined) {
    warnings.push(`no ConfigMap argocd-cm in ${state.namespace}: kawa runs with Argo CD's defaults (annotation tracking)`);
  } else {
    const data = state.argocdCm;
    const tracking = data['application.resourceTrackingMethod']?.trim() ?? '';
    if (tracking !== '' && !(TRACKING_METHODS as readonly string[]).includes(tracking)) {
      problems.push({
        code: errorCodes.SETTINGS_INVALID,
        message: `argocd-cm application.resourceTrackingMethod is "${tracking}"; kawa tracks resources by ${TRACKING_METHODS.join(', ')}, so it would not recognise the apps' live resources`,
        forcible: false,
      });
    }
    const installationID = data['installationID']?.trim() ?? '';
    if (installationID !== '') {
      // Argo CD marks resources with argocd.argoproj.io/installation-id and ignores other installations'
      // ones; kawa does neither, so an app named like another installation's could adopt or prune its resources.
      problems.push({
        code: errorCodes.SETTINGS_INVALID,
        message: `argocd-cm installationID is "${installationID}": kawa does not write or check the argocd.argoproj.io/installation-id annotation, so another installation's resources with the same app names would look like this one's (use --force if no other installation manages this cluster)`,
        forcible: true,
      });
    }
    for (const error of parseArgoCdConfigMap({ data }).errors) {
      if (!error.startsWith('application.resourceTrackingMethod:')) warnings.push(`argocd-cm ${error}`);
    }
    const ignored = ignoredArgoCdCmKeys(data);
    if (ignored.length > 0) warnings.push(`argocd-cm keys kawa ignores: ${ignored.join(', ')}`);
  }

  for (const workload of state.argocdControllers) {
    // Argo CD managing itself (an app of the install): kawa would sync that app and scale its controller back up.
    const trackedBy = workload.annotations['argocd.argoproj.io/tracking-id']?.split(':')[0] ?? workload.labels?.[state.argocdCm?.['application.instanceLabelKey'] ?? 'app.kubernetes.io/instance'];
    if (trackedBy !== undefined && trackedBy !== '') {
      problems.push({
        code: errorCodes.CLI_INVALID_ARGUMENT,
        message: `${workload.kind} ${workload.name} belongs to Application ${trackedBy} (Argo CD manages itself): kawa would sync that app and scale Argo CD's controller back up; set its replicas to 0 in git or take it out of that app first (--force goes on anyway)`,
        forcible: true,
      });
    }
    if ((workload.owners ?? []).length > 0) {
      warnings.push(`${workload.kind} ${workload.name} is owned by ${(workload.owners ?? []).join(', ')}: an operator may scale it back up; stop the operator from managing the controller first`);
    }
  }
  const argoRuns = state.argocdControllers.some((w) => w.replicas > 0 || w.pods > 0);
  const kawaRuns = (state.kawaController?.replicas ?? 0) > 0 || (state.kawaController?.pods ?? 0) > 0;
  if (argoRuns && kawaRuns) {
    warnings.push(`kawa's controller (Deployment ${KAWA_CONTROLLER_NAME}) already runs next to Argo CD's: both sync the same apps until Argo CD's is stopped by this command`);
  }
  if (state.argocdControllers.length === 0) {
    warnings.push(`no StatefulSet or Deployment ${ARGOCD_CONTROLLER_NAME} in ${state.namespace}: nothing of Argo CD's to stop (make sure no Argo CD controller runs elsewhere against these apps)`);
  }
  return { problems, warnings };
}

// ---- CRDs -------------------------------------------------------------------------------------------

/** JSON with object keys sorted: equality that ignores key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * What to apply so the CRD becomes kawa's: kawa's CRD plus the live CRD's other versions (not served
 * by kawa, kept for whoever added them, never the storage version). `versions` is an atomic list for
 * server-side apply, so anything left out of the applied list is removed. Undefined when the CRD
 * already is kawa's (names, scope, versions and labels), so nothing needs applying.
 */
export function crdTarget(live: LiveCrd | undefined, kawa: CustomResourceDefinition): CustomResourceDefinition | undefined {
  const extra = (live?.spec?.versions ?? []).filter((v) => v.name !== ARGOPROJ_VERSION).map((v) => ({ ...v, storage: false }));
  const target: CustomResourceDefinition = {
    ...kawa,
    spec: { ...kawa.spec, versions: [...kawa.spec.versions, ...(extra as unknown as CustomResourceDefinition['spec']['versions'])] },
  };
  if (live === undefined) return target;
  const labels = live.metadata?.labels ?? {};
  const same =
    canonical(live.spec?.versions) === canonical(target.spec.versions) &&
    canonical(live.spec?.names) === canonical(target.spec.names) &&
    live.spec?.scope === target.spec.scope &&
    Object.entries(target.metadata.labels).every(([k, v]) => labels[k] === v);
  return same ? undefined : target;
}

/** Whether the live CRD's served v1alpha1 has a status subresource (kawa's has, Argo CD's has not). */
export function hasStatusSubresource(crd: LiveCrd | undefined): boolean {
  return crd?.spec?.versions?.find((v) => v.name === ARGOPROJ_VERSION)?.subresources?.status !== undefined;
}

// ---- Application status ---------------------------------------------------------------------------

/** The status fields the move must keep, per Application. */
export const KEPT_STATUS_FIELDS = ['sync', 'health', 'history', 'operationState', 'resources', 'reconciledAt'] as const;

export type StatusSnapshot = Record<string, Partial<Record<(typeof KEPT_STATUS_FIELDS)[number], unknown>>>;

/** Each Application's kept status fields, by name. */
export function snapshotStatuses(applications: readonly unknown[]): StatusSnapshot {
  const out: StatusSnapshot = {};
  for (const app of applications) {
    const status = (app as { status?: Record<string, unknown> } | null)?.status ?? {};
    const kept: StatusSnapshot[string] = {};
    for (const field of KEPT_STATUS_FIELDS) if (status[field] !== undefined) kept[field] = status[field];
    out[nameOf(app)] = kept;
  }
  return out;
}

/** `<app>: status.<field> …` for every kept field that changed or went away between two snapshots. */
export function statusLosses(before: StatusSnapshot, after: StatusSnapshot): string[] {
  const losses: string[] = [];
  for (const [name, fields] of Object.entries(before)) {
    const now = after[name];
    if (now === undefined) {
      losses.push(`${name}: the Application is gone`);
      continue;
    }
    for (const [field, value] of Object.entries(fields)) {
      const current = now[field as keyof typeof now];
      if (current === undefined) losses.push(`${name}: status.${field} is gone`);
      else if (canonical(current) !== canonical(value)) losses.push(`${name}: status.${field} changed`);
    }
  }
  return losses;
}

// ---- the plan -----------------------------------------------------------------------------------

export type Step =
  | { kind: 'scale-down-argocd'; workload: Workload; record: number }
  | { kind: 'wait-argocd-pods'; workload: Workload }
  | { kind: 'apply-crd'; name: string; crd: CustomResourceDefinition; statusSubresourceAdded: boolean }
  | { kind: 'verify-status'; applications: number }
  | { kind: 'scale-up-kawa'; workload: Workload; replicas: number }
  | { kind: 'start-kawa'; namespace: string };

export interface MigrationPlan {
  checks: Checks;
  /** Nothing changes: the namespace is already kawa's. */
  done: boolean;
  steps: Step[];
  /** Argo CD workloads left running, for the user to remove when ready. */
  leftAlone: Workload[];
}

export interface PlanOptions {
  /** kawa's CRDs, as src/model/crds.ts builds them. */
  kawaCrds: { application: CustomResourceDefinition; appProject: CustomResourceDefinition };
  /** Replicas for kawa's controller Deployment when it is at 0 (default 1). */
  kawaReplicas?: number;
}

/** The steps that remain; pure, from the state alone (see the header). */
export function planMigration(state: ClusterState, options: PlanOptions): MigrationPlan {
  const checks = checkCluster(state);
  const steps: Step[] = [];
  for (const workload of state.argocdControllers) {
    const recorded = workload.annotations[MIGRATED_FROM_REPLICAS_ANNOTATION];
    // Running again (someone scaled it back up by hand): record what it runs now, it is what to restore.
    if (workload.replicas > 0) steps.push({ kind: 'scale-down-argocd', workload, record: workload.replicas });
    else if (recorded === undefined) steps.push({ kind: 'scale-down-argocd', workload, record: 0 });
    if (workload.replicas > 0 || workload.pods > 0) steps.push({ kind: 'wait-argocd-pods', workload });
  }
  const crds: [string, LiveCrd | undefined, CustomResourceDefinition][] = [
    [APPLICATION_CRD_NAME, state.crds.application, options.kawaCrds.application],
    [APPPROJECT_CRD_NAME, state.crds.appProject, options.kawaCrds.appProject],
  ];
  for (const [name, live, kawa] of crds) {
    const target = crdTarget(live, kawa);
    if (target !== undefined) {
      const wants = target.spec.versions.find((v) => v.name === ARGOPROJ_VERSION)?.subresources?.status !== undefined;
      steps.push({ kind: 'apply-crd', name, crd: target, statusSubresourceAdded: wants && !hasStatusSubresource(live) });
    }
  }
  const changing = steps.length > 0;
  if (changing) steps.push({ kind: 'verify-status', applications: state.applications.length });
  const kawa = state.kawaController;
  if (kawa === undefined) steps.push({ kind: 'start-kawa', namespace: state.namespace });
  else if (kawa.replicas === 0) steps.push({ kind: 'scale-up-kawa', workload: kawa, replicas: options.kawaReplicas ?? 1 });
  const done = steps.every((s) => s.kind === 'start-kawa');
  return { checks, done, steps, leftAlone: state.otherComponents.filter((w) => w.replicas > 0) };
}

/** Leases of a kawa controller that are held and not expired at `nowMs`. */
export function liveKawaLeases(leases: readonly LiveLease[], nowMs: number): LiveLease[] {
  return leases.filter((lease) => {
    if (!lease.name.startsWith(KAWA_CONTROLLER_LEASE_PREFIX) || (lease.holderIdentity ?? '') === '' || lease.renewTime === undefined) return false;
    const renewed = Date.parse(lease.renewTime);
    return Number.isFinite(renewed) && renewed + (lease.leaseDurationSeconds ?? 15) * 1000 > nowMs;
  });
}

export type RollbackStep =
  | { kind: 'scale-down-kawa'; workload: Workload }
  | { kind: 'wait-kawa-stopped'; workload?: Workload }
  | { kind: 'apply-argocd-crds'; file: string }
  | { kind: 'restore-argocd'; workload: Workload; replicas: number };

export interface RollbackPlan {
  steps: RollbackStep[];
  warnings: string[];
}

/** The way back: kawa's controller to 0 and gone, Argo CD's CRDs (when given), Argo CD's replicas restored. */
export function planRollback(state: ClusterState, options: { argocdCrdsFile?: string; nowMs: number }): RollbackPlan {
  const steps: RollbackStep[] = [];
  const warnings: string[] = [];
  const kawa = state.kawaController;
  if (kawa !== undefined && kawa.replicas > 0) steps.push({ kind: 'scale-down-kawa', workload: kawa });
  const leases = liveKawaLeases(state.leases, options.nowMs);
  if ((kawa !== undefined && (kawa.replicas > 0 || kawa.pods > 0)) || leases.length > 0) steps.push({ kind: 'wait-kawa-stopped', ...(kawa === undefined ? {} : { workload: kawa }) });
  if (options.argocdCrdsFile !== undefined) steps.push({ kind: 'apply-argocd-crds', file: options.argocdCrdsFile });
  else if (hasStatusSubresource(state.crds.application)) {
    warnings.push(
      `the Application CRD is still kawa's (with a status subresource): Argo CD's controller writes status through the main resource, and those writes are dropped; re-apply Argo CD's CRDs (--argocd-crds FILE, or kubectl apply) before relying on it`,
    );
  }
  for (const workload of state.argocdControllers) {
    const recorded = workload.annotations[MIGRATED_FROM_REPLICAS_ANNOTATION];
    if (recorded === undefined) {
      warnings.push(`${workload.kind} ${workload.name} has no ${MIGRATED_FROM_REPLICAS_ANNOTATION} annotation: it was not scaled down by a migration (left at ${workload.replicas} replicas)`);
      continue;
    }
    const replicas = Number.parseInt(recorded, 10);
    if (!Number.isInteger(replicas) || replicas < 0 || String(replicas) !== recorded.trim()) {
      warnings.push(`${workload.kind} ${workload.name}: annotation ${MIGRATED_FROM_REPLICAS_ANNOTATION}="${recorded}" is not a replica count; set spec.replicas by hand`);
      continue;
    }
    steps.push({ kind: 'restore-argocd', workload, replicas });
  }
  if (state.argocdControllers.length === 0) warnings.push(`no StatefulSet or Deployment ${ARGOCD_CONTROLLER_NAME} in ${state.namespace}: nothing of Argo CD's to restore`);
  return { steps, warnings };
}

// ---- words --------------------------------------------------------------------------------------

export function describeStep(step: Step | RollbackStep): string {
  switch (step.kind) {
    case 'scale-down-argocd':
      return step.workload.replicas > 0
        ? `scale ${step.workload.kind} ${step.workload.name} from ${step.workload.replicas} to 0 replicas (recorded in annotation ${MIGRATED_FROM_REPLICAS_ANNOTATION}=${step.record})`
        : `record ${step.workload.kind} ${step.workload.name}'s replicas (0) in annotation ${MIGRATED_FROM_REPLICAS_ANNOTATION}`;
    case 'wait-argocd-pods':
      return `wait until the Pods of ${step.workload.kind} ${step.workload.name} are gone`;
    case 'apply-crd':
      return `apply kawa's CRD ${step.name} (server-side apply, field manager kawa)${step.statusSubresourceAdded ? ': adds the status subresource; stored status stays' : ''}`;
    case 'verify-status':
      return `check that the status of the ${step.applications} Application(s) (${KEPT_STATUS_FIELDS.join(', ')}) is unchanged`;
    case 'scale-up-kawa':
      return `scale Deployment ${step.workload.name} to ${step.replicas} replica(s)`;
    case 'start-kawa':
      return `no Deployment ${KAWA_CONTROLLER_NAME} in ${step.namespace}: start kawa's controller yourself (kawa controller --namespace ${step.namespace}, or install kawa's manifests)`;
    case 'scale-down-kawa':
      return `scale Deployment ${step.workload.name} from ${step.workload.replicas} to 0 replicas`;
    case 'wait-kawa-stopped':
      return `wait until kawa's controller is stopped (${step.workload === undefined ? '' : `the Pods of ${step.workload.name} gone, `}no ${KAWA_CONTROLLER_LEASE_PREFIX}-* Lease held)`;
    case 'apply-argocd-crds':
      return `apply Argo CD's CRDs from ${step.file} (server-side apply, conflicts forced)`;
    case 'restore-argocd':
      return `scale ${step.workload.kind} ${step.workload.name} back to ${step.replicas} replica(s) and remove annotation ${MIGRATED_FROM_REPLICAS_ANNOTATION}`;
  }
}
