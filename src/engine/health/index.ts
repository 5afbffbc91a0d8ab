// Health assessment: one registry of built-in checks keyed by group/kind, and the rules that apply
// to every object before them (opt-out annotation, deletion, custom overrides).
import { apiServiceHealth } from './apiservice.js';
import { applicationHealth } from './application.js';
import { conditionsHealth } from './conditions.js';
import { cronJobHealth } from './cronjob.js';
import { daemonSetHealth } from './daemonset.js';
import { deploymentHealth } from './deployment.js';
import { health } from './fields.js';
import { hpaHealth } from './hpa.js';
import { ingressHealth } from './ingress.js';
import { jobHealth } from './job.js';
import { ANNOTATION_IGNORE_HEALTHCHECK, groupOf, hasHookFinalizer, isAnnotationTrue } from './meta.js';
import { podHealth } from './pod.js';
import { pvcHealth } from './pvc.js';
import { replicaSetHealth } from './replicaset.js';
import { serviceHealth } from './service.js';
import { statefulSetHealth } from './statefulset.js';
import type { HealthCheck, HealthResult, KubeObject } from './types.js';
import { workflowHealth } from './workflow.js';

export type { HealthCheck, HealthResult, HealthStatus, KubeMetadata, KubeObject } from './types.js';
export { HEALTH_ORDER, healthRank, isHealthStatus, statusForAggregation, worstOf } from './types.js';
export { SUMMARY_CONDITIONS, conditionsHealth } from './conditions.js';
export { toKubeObject } from './object.js';

/** Registry key: `apps/Deployment`; the core group is empty, so `/Pod`. Versions do not matter. */
export function groupKindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

const BUILTIN: ReadonlyMap<string, HealthCheck> = new Map<string, HealthCheck>([
  [groupKindKey('apps', 'Deployment'), deploymentHealth],
  [groupKindKey('apps', 'StatefulSet'), statefulSetHealth],
  [groupKindKey('apps', 'DaemonSet'), daemonSetHealth],
  [groupKindKey('apps', 'ReplicaSet'), replicaSetHealth],
  [groupKindKey('', 'Pod'), podHealth],
  [groupKindKey('', 'Service'), serviceHealth],
  [groupKindKey('', 'PersistentVolumeClaim'), pvcHealth],
  [groupKindKey('networking.k8s.io', 'Ingress'), ingressHealth],
  [groupKindKey('extensions', 'Ingress'), ingressHealth],
  [groupKindKey('batch', 'Job'), jobHealth],
  [groupKindKey('batch', 'CronJob'), cronJobHealth],
  [groupKindKey('autoscaling', 'HorizontalPodAutoscaler'), hpaHealth],
  [groupKindKey('apiregistration.k8s.io', 'APIService'), apiServiceHealth],
  [groupKindKey('argoproj.io', 'Application'), applicationHealth],
  [groupKindKey('argoproj.io', 'Workflow'), workflowHealth],
]);

/** The built-in check for a group/kind, if kawa has one (the conditions fallback is not included). */
export function builtinHealthCheck(group: string, kind: string): HealthCheck | undefined {
  return BUILTIN.get(groupKindKey(group, kind));
}

export interface AssessHealthOptions {
  /**
   * Consulted before the built-in checks (e.g. Lua from `resource.customizations.health.*`).
   * Returning `undefined` falls through to the built-in check, as a nil result does in Argo CD.
   */
  readonly custom?: HealthCheck;
}

/**
 * The health of one live object, or `undefined` when nothing judges it: no check applies, or
 * `argocd.argoproj.io/ignore-healthcheck: "true"` opts it out. Callers count `undefined` as
 * Healthy when rolling up an Application (see `statusForAggregation`).
 */
export function assessHealth(obj: KubeObject, options: AssessHealthOptions = {}): HealthResult | undefined {
  if (isAnnotationTrue(obj, ANNOTATION_IGNORE_HEALTHCHECK)) return undefined;

  // Whatever the kind, an object on its way out is not settled. Hooks keep Argo CD's finalizer
  // while the sync engine still needs their real outcome, so they are judged normally.
  if (obj.metadata.deletionTimestamp !== undefined && !hasHookFinalizer(obj)) {
    return health('Progressing', 'Pending deletion');
  }

  const custom = options.custom?.(obj);
  if (custom !== undefined) return custom;

  const builtin = builtinHealthCheck(groupOf(obj.apiVersion), obj.kind);
  // A registered check has the final word, even when it says "no health" (Application).
  if (builtin !== undefined) return builtin(obj);
  return conditionsHealth(obj);
}
