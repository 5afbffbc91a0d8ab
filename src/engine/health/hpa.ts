// autoscaling/HorizontalPodAutoscaler. v2 (and v2beta1/v2beta2) report conditions in status;
// autoscaling/v1 only carries them JSON-encoded in an annotation.
import { conditionsOf, health, list, toCondition } from './fields.js';
import type { Condition } from './fields.js';
import { annotation } from './meta.js';
import type { HealthResult, KubeObject } from './types.js';

const V1_CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
const WAITING = health('Progressing', 'Waiting to Autoscale');

/** Reasons the HPA controller gives when it cannot scale the target at all. */
const FAILURES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['AbleToScale', new Set(['FailedGetScale', 'FailedUpdateScale'])],
  ['ScalingActive', new Set(['FailedGetResourceMetric', 'InvalidSelector'])],
]);

function isFailure(condition: Condition): boolean {
  return FAILURES.get(condition.type)?.has(condition.reason) ?? false;
}

function isHealthy(condition: Condition): boolean {
  return (condition.type === 'AbleToScale' || condition.type === 'ScalingLimited') && condition.status === 'True';
}

function fromConditions(conditions: readonly Condition[]): HealthResult {
  // Look for failures across all conditions first: the controller lists AbleToScale=True before
  // ScalingActive=False, and a first-match scan would call an HPA without metrics Healthy.
  const failure = conditions.find(isFailure);
  if (failure !== undefined) return health('Degraded', failure.message);
  const healthy = conditions.find(isHealthy);
  if (healthy !== undefined) return health('Healthy', healthy.message);
  return WAITING;
}

function v1Conditions(obj: KubeObject): Condition[] | Error | undefined {
  const raw = annotation(obj, V1_CONDITIONS_ANNOTATION);
  if (raw === undefined) return undefined;
  try {
    return list(JSON.parse(raw)).flatMap((entry) => toCondition(entry) ?? []);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

export function hpaHealth(obj: KubeObject): HealthResult {
  if (obj.apiVersion !== 'autoscaling/v1') return fromConditions(conditionsOf(obj));
  const conditions = v1Conditions(obj);
  if (conditions instanceof Error) {
    return health('Unknown', `invalid ${V1_CONDITIONS_ANNOTATION} annotation: ${conditions.message}`);
  }
  return fromConditions(conditions ?? []);
}
