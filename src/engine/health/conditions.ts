// Fallback for kinds without a check (mostly CRDs): read the conventional summary conditions.
// Argo CD does not do this; it reports no health for them. Most operators (cert-manager, Flux,
// Crossplane, Knative, Cluster API, Tekton) publish one of these conditions, so it is the best
// signal available without a custom check.
import { conditionsOf, findCondition, health, optInt } from './fields.js';
import type { Condition } from './fields.js';
import { generationOf } from './meta.js';
import type { HealthResult, KubeObject } from './types.js';

/** Checked in this order; the first one present decides. */
export const SUMMARY_CONDITIONS = ['Ready', 'Available', 'Succeeded'] as const;

/** A condition written for an older generation of the spec says nothing about the current one. */
function isStale(obj: KubeObject, condition: Condition): boolean {
  const generation = generationOf(obj);
  const observed = condition.observedGeneration ?? optInt(obj.status?.observedGeneration);
  return generation > 0 && observed !== undefined && observed < generation;
}

export function conditionsHealth(obj: KubeObject): HealthResult | undefined {
  const conditions = conditionsOf(obj);
  for (const type of SUMMARY_CONDITIONS) {
    const condition = findCondition(conditions, type);
    if (condition === undefined) continue;
    if (isStale(obj, condition)) {
      return health('Progressing', `Waiting for the controller to observe generation ${generationOf(obj)}`);
    }
    const message = condition.message || condition.reason;
    switch (condition.status) {
      case 'True':
        return health('Healthy', message);
      case 'False':
        return health('Degraded', message);
      // "Unknown" is the convention for "still reconciling".
      default:
        return health('Progressing', message);
    }
  }
  return undefined;
}
