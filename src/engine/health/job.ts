// batch/Job: terminal conditions decide; a suspended Job is shown Suspended but, as in Argo CD,
// counts as Healthy for its Application (suspending a Job is a deliberate, stable state).
import { conditionsOf, findCondition, health } from './fields.js';
import type { HealthResult, KubeObject } from './types.js';

export function jobHealth(obj: KubeObject): HealthResult {
  const conditions = conditionsOf(obj);
  const whenTrue = (type: string) => {
    const condition = findCondition(conditions, type);
    return condition?.status === 'True' ? condition : undefined;
  };

  const failed = whenTrue('Failed');
  if (failed !== undefined) return health('Degraded', failed.message);

  const complete = whenTrue('Complete');
  if (complete !== undefined) return health('Healthy', complete.message);

  // spec.suspend counts before the controller has added its condition; a Suspended=False
  // condition means the Job was resumed and is running again.
  const suspended = whenTrue('Suspended');
  if (suspended !== undefined || obj.spec?.suspend === true) {
    return { ...health('Suspended', suspended?.message ?? 'Job suspended'), aggregateAs: 'Healthy' };
  }
  return health('Progressing');
}
