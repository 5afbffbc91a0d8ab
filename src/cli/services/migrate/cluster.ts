// `kawa admin migrate-from-argocd`, the I/O: reads the namespace into plan.ts's ClusterState and carries
// out the steps plan.ts chose, through raw JSON requests (src/kube/rest.ts; the typed clients would drop
// the CRDs' `x-kubernetes-preserve-unknown-fields`). Every write names its field manager `kawa`.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { BugError, UserError, errorCodes, messageOf } from '../../../errors.js';
import { isCrdEstablished, ARGOPROJ_GROUP, ARGOPROJ_VERSION, APPLICATION_CRD_NAME, APPPROJECT_CRD_NAME, type CustomResourceDefinition } from '../../../model/index.js';
import { APPLY_PATCH_CONTENT_TYPE } from '../../../kube/apply.js';
import { statusCodeOf, type KubeRest } from '../../../kube/rest.js';
import {
  ARGOCD_CONTROLLER_NAME,
  ARGOCD_OTHER_COMPONENTS,
  KAWA_CONTROLLER_NAME,
  MIGRATED_FROM_REPLICAS_ANNOTATION,
  liveKawaLeases,
  snapshotStatuses,
  statusLosses,
  type ClusterState,
  type LiveCrd,
  type LiveLease,
  type RollbackStep,
  type StatusSnapshot,
  type Step,
  type Workload,
  type WorkloadKind,
} from './plan.js';

export const MIGRATE_FIELD_MANAGER = 'kawa';
/** The manager of Argo CD's CRDs re-applied by a rollback. */
export const ROLLBACK_FIELD_MANAGER = 'kawa-rollback';

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

interface RawWorkload {
  metadata?: { name?: string; annotations?: Record<string, string>; labels?: Record<string, string>; ownerReferences?: { kind?: string; name?: string }[] };
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  };
}

interface List<T> {
  items?: T[];
}

async function getOrUndefined<T>(rest: KubeRest, path: string): Promise<T | undefined> {
  try {
    return (await rest.getJson(path)) as T;
  } catch (err) {
    if (statusCodeOf(err) === 404) return undefined;
    throw err;
  }
}

async function listItems<T>(rest: KubeRest, path: string, query: Record<string, string> = {}): Promise<T[]> {
  try {
    return ((await rest.getJson(path, { query })) as List<T>).items ?? [];
  } catch (err) {
    // The resource type is not served (no CRD): nothing of it.
    if (statusCodeOf(err) === 404) return [];
    throw err;
  }
}

/** A label selector in its query-string form (`a=b,c in (d,e)`). */
export function selectorString(selector: NonNullable<RawWorkload['spec']>['selector']): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

function workloadPath(namespace: string, kind: WorkloadKind, name?: string): string {
  const plural = kind === 'StatefulSet' ? 'statefulsets' : 'deployments';
  return `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

async function podCount(rest: KubeRest, namespace: string, raw: RawWorkload): Promise<number> {
  const selector = selectorString(raw.spec?.selector);
  // A workload without a selector matches no Pods (the API server requires one; be safe anyway).
  if (selector === '') return 0;
  return (await listItems<unknown>(rest, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { labelSelector: selector })).length;
}

async function toWorkload(rest: KubeRest, namespace: string, kind: WorkloadKind, raw: RawWorkload): Promise<Workload> {
  return {
    kind,
    name: raw.metadata?.name ?? '',
    replicas: raw.spec?.replicas ?? 1,
    annotations: raw.metadata?.annotations ?? {},
    labels: raw.metadata?.labels ?? {},
    owners: (raw.metadata?.ownerReferences ?? []).map((o) => `${o.kind ?? ''}/${o.name ?? ''}`),
    pods: await podCount(rest, namespace, raw),
  };
}

function argoprojPath(namespace: string, plural: string): string {
  return `/apis/${ARGOPROJ_GROUP}/${ARGOPROJ_VERSION}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

export async function listApplications(rest: KubeRest, namespace: string): Promise<unknown[]> {
  return listItems<unknown>(rest, argoprojPath(namespace, 'applications'));
}

/** Everything plan.ts looks at, read from the namespace. */
export async function readClusterState(rest: KubeRest, namespace: string): Promise<ClusterState> {
  const ns = encodeURIComponent(namespace);
  const [application, appProject, applications, appProjects, cm, statefulSets, deployments, leases] = await Promise.all([
    getOrUndefined<LiveCrd>(rest, `${CRD_PATH}/${APPLICATION_CRD_NAME}`),
    getOrUndefined<LiveCrd>(rest, `${CRD_PATH}/${APPPROJECT_CRD_NAME}`),
    listApplications(rest, namespace),
    listItems<unknown>(rest, argoprojPath(namespace, 'appprojects')),
    getOrUndefined<{ data?: Record<string, string> }>(rest, `/api/v1/namespaces/${ns}/configmaps/argocd-cm`),
    listItems<RawWorkload>(rest, workloadPath(namespace, 'StatefulSet')),
    listItems<RawWorkload>(rest, workloadPath(namespace, 'Deployment')),
    listItems<{ metadata?: { name?: string }; spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number } }>(
      rest,
      `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
    ),
  ]);
  const named = (kind: WorkloadKind, items: RawWorkload[], names: readonly string[]): Promise<Workload[]> =>
    Promise.all(items.filter((w) => names.includes(w.metadata?.name ?? '')).map((w) => toWorkload(rest, namespace, kind, w)));
  const argocdControllers = [...(await named('StatefulSet', statefulSets, [ARGOCD_CONTROLLER_NAME])), ...(await named('Deployment', deployments, [ARGOCD_CONTROLLER_NAME]))];
  const [kawaController] = await named('Deployment', deployments, [KAWA_CONTROLLER_NAME]);
  const otherComponents = [...(await named('Deployment', deployments, ARGOCD_OTHER_COMPONENTS)), ...(await named('StatefulSet', statefulSets, ARGOCD_OTHER_COMPONENTS))];
  return {
    namespace,
    crds: { ...(application === undefined ? {} : { application }), ...(appProject === undefined ? {} : { appProject }) },
    applications,
    appProjects,
    ...(cm === undefined ? {} : { argocdCm: cm.data ?? {} }),
    argocdControllers,
    ...(kawaController === undefined ? {} : { kawaController }),
    otherComponents,
    leases: leases.map((l): LiveLease => ({
      name: l.metadata?.name ?? '',
      ...(l.spec?.holderIdentity === undefined ? {} : { holderIdentity: l.spec.holderIdentity }),
      ...(l.spec?.renewTime === undefined ? {} : { renewTime: l.spec.renewTime }),
      ...(l.spec?.leaseDurationSeconds === undefined ? {} : { leaseDurationSeconds: l.spec.leaseDurationSeconds }),
    })),
  };
}

// ---- writes -----------------------------------------------------------------------------------------

async function applyCrd(rest: KubeRest, crd: unknown, name: string, manager: string, dryRun: boolean): Promise<void> {
  try {
    await rest.request('PATCH', `${CRD_PATH}/${encodeURIComponent(name)}`, {
      body: crd,
      contentType: APPLY_PATCH_CONTENT_TYPE,
      query: { fieldManager: manager, force: true, fieldValidation: 'Strict', ...(dryRun ? { dryRun: 'All' } : {}) },
    });
  } catch (err) {
    throw new UserError(errorCodes.KUBE_API_FAILED, `${dryRun ? 'checking (dry run) ' : ''}applying CRD ${name}: ${messageOf(err)}`, { cause: err });
  }
}

/** Server dry-run of every CRD step: a refusal (RBAC, validation) surfaces before anything changed. */
export async function dryRunCrds(rest: KubeRest, steps: readonly Step[]): Promise<void> {
  for (const step of steps) if (step.kind === 'apply-crd') await applyCrd(rest, step.crd, step.name, MIGRATE_FIELD_MANAGER, true);
}

async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await probe();
    if (pending === undefined) return;
    if (Date.now() > deadline) throw new UserError(errorCodes.CLI_TIMEOUT, `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}: ${pending}; run the command again to continue`);
    await sleep(500);
  }
}

/**
 * `fn`, again while the API server answers 429 or 503: right after a CRD changes, the API server
 * re-initializes the storage of its objects and answers "429 storage is (re)initializing" for a moment.
 */
async function retryingBusy<T>(timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const status = statusCodeOf(err);
      if ((status !== 429 && status !== 503) || Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

async function waitPodsGone(rest: KubeRest, namespace: string, workload: Workload, timeoutMs: number): Promise<void> {
  await waitUntil(`the Pods of ${workload.kind} ${workload.name} to go away`, timeoutMs, async () => {
    const raw = await getOrUndefined<RawWorkload>(rest, workloadPath(namespace, workload.kind, workload.name));
    if (raw === undefined) return undefined;
    const pods = await podCount(rest, namespace, raw);
    return pods === 0 ? undefined : `${pods} Pod(s) left`;
  });
}

async function waitEstablished(rest: KubeRest, name: string, timeoutMs: number): Promise<void> {
  await waitUntil(`CRD ${name} to be Established`, timeoutMs, async () => {
    const crd = (await retryingBusy(timeoutMs, () => rest.getJson(`${CRD_PATH}/${encodeURIComponent(name)}`))) as Parameters<typeof isCrdEstablished>[0];
    return isCrdEstablished(crd) ? undefined : 'not Established yet';
  });
}

async function patchWorkload(rest: KubeRest, namespace: string, workload: Workload, patch: unknown): Promise<void> {
  try {
    await rest.request('PATCH', workloadPath(namespace, workload.kind, workload.name), {
      body: patch,
      contentType: 'application/merge-patch+json',
      query: { fieldManager: MIGRATE_FIELD_MANAGER },
    });
  } catch (err) {
    throw new UserError(errorCodes.KUBE_API_FAILED, `updating ${workload.kind} ${namespace}/${workload.name}: ${messageOf(err)}`, { cause: err });
  }
}

export interface RunOptions {
  namespace: string;
  /** How long to wait for Pods to go and CRDs to be served. */
  timeoutMs: number;
  /** Called before each step starts. */
  onStep?: (step: Step | RollbackStep) => void;
}

/**
 * Carries out the migration steps in order. The status snapshot is taken after Argo CD's controller
 * stopped (it rewrites `reconciledAt` while it runs) and right before the first CRD change.
 */
export async function runMigration(rest: KubeRest, steps: readonly Step[], options: RunOptions): Promise<{ verified: number | undefined }> {
  const { namespace, timeoutMs } = options;
  let before: StatusSnapshot | undefined;
  let verified: number | undefined;
  for (const step of steps) {
    options.onStep?.(step);
    switch (step.kind) {
      case 'scale-down-argocd':
        // One patch: the record and the scale-down land together or not at all.
        await patchWorkload(rest, namespace, step.workload, { metadata: { annotations: { [MIGRATED_FROM_REPLICAS_ANNOTATION]: String(step.record) } }, spec: { replicas: 0 } });
        break;
      case 'wait-argocd-pods':
        await waitPodsGone(rest, namespace, step.workload, timeoutMs);
        break;
      case 'apply-crd':
        before ??= snapshotStatuses(await retryingBusy(timeoutMs, () => listApplications(rest, namespace)));
        await applyCrd(rest, step.crd, step.name, MIGRATE_FIELD_MANAGER, false);
        await waitEstablished(rest, step.name, timeoutMs);
        break;
      case 'verify-status': {
        const after = snapshotStatuses(await retryingBusy(timeoutMs, () => listApplications(rest, namespace)));
        const losses = before === undefined ? [] : statusLosses(before, after);
        if (losses.length > 0) {
          throw new UserError(errorCodes.KUBE_API_FAILED, `Application status changed across the CRD update, kawa's controller was not started: ${losses.join('; ')}`);
        }
        verified = Object.keys(after).length;
        break;
      }
      case 'scale-up-kawa':
        await patchWorkload(rest, namespace, step.workload, { spec: { replicas: step.replicas } });
        break;
      case 'start-kawa':
        break;
    }
  }
  return { verified };
}

/** The CustomResourceDefinitions of a YAML file (other documents are refused: the file should be Argo CD's CRDs). */
export async function readCrdFile(file: string): Promise<{ name: string; body: Record<string, unknown> }[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `cannot read ${file}: ${messageOf(err)}`);
  }
  const crds: { name: string; body: Record<string, unknown> }[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `${file}: not YAML: ${doc.errors[0]?.message ?? ''}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const body = value as { kind?: unknown; metadata?: { name?: unknown } };
    if (body.kind !== 'CustomResourceDefinition' || typeof body.metadata?.name !== 'string') {
      throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `${file}: every document must be a CustomResourceDefinition, found ${typeof body.kind === 'string' ? body.kind : 'something else'}`);
    }
    crds.push({ name: body.metadata.name, body: value as Record<string, unknown> });
  }
  const names = crds.map((c) => c.name);
  if (!names.includes(APPLICATION_CRD_NAME)) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `${file} has no CRD ${APPLICATION_CRD_NAME}`);
  return crds;
}

/** Carries out the rollback steps in order. */
export async function runRollback(rest: KubeRest, steps: readonly RollbackStep[], options: RunOptions): Promise<void> {
  const { namespace, timeoutMs } = options;
  for (const step of steps) {
    options.onStep?.(step);
    switch (step.kind) {
      case 'scale-down-kawa':
        await patchWorkload(rest, namespace, step.workload, { spec: { replicas: 0 } });
        break;
      case 'wait-kawa-stopped': {
        if (step.workload !== undefined) await waitPodsGone(rest, namespace, step.workload, timeoutMs);
        await waitUntil(`kawa's controller Leases in ${namespace} to be released or expire (stop every \`kawa controller\` on this namespace)`, timeoutMs, async () => {
          const state = await readClusterState(rest, namespace);
          const held = liveKawaLeases(state.leases, Date.now());
          return held.length === 0 ? undefined : held.map((l) => `${l.name} held by ${l.holderIdentity ?? ''}`).join(', ');
        });
        break;
      }
      case 'apply-argocd-crds':
        for (const crd of await readCrdFile(step.file)) {
          await applyCrd(rest, crd.body, crd.name, ROLLBACK_FIELD_MANAGER, false);
          await waitEstablished(rest, crd.name, timeoutMs);
        }
        break;
      case 'restore-argocd':
        await patchWorkload(rest, namespace, step.workload, { metadata: { annotations: { [MIGRATED_FROM_REPLICAS_ANNOTATION]: null } }, spec: { replicas: step.replicas } });
        break;
    }
  }
}

/** kawa's CRDs for the plan. */
export function kawaCrdsByName(crds: readonly CustomResourceDefinition[]): { application: CustomResourceDefinition; appProject: CustomResourceDefinition } {
  const application = crds.find((c) => c.metadata.name === APPLICATION_CRD_NAME);
  const appProject = crds.find((c) => c.metadata.name === APPPROJECT_CRD_NAME);
  if (application === undefined || appProject === undefined) throw new BugError('kawa has no Application or AppProject CRD');
  return { application, appProject };
}
