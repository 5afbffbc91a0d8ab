// batch/Job: terminal conditions decide, then suspension.
// Two deliberate differences from Argo CD (gitops-engine health_job.go), both where its answer is
// misleading:
//  - spec.suspend counts before the controller has added its Suspended condition (Argo CD says
//    Progressing until then), and a Suspended=False condition means the Job was resumed and is
//    running again (Argo CD reports such a Job Healthy, since any Suspended condition ends its scan).
//  - a suspended Job is shown Suspended but rolls up into its Application as Healthy. Argo CD
//    (docs: "the job and app health will be marked as suspended") turns the whole app Suspended;
//    users keep asking for it not to (argo-cd#19126, and #26028 proposes this same `aggregateAs`).
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

  const suspended = whenTrue('Suspended');
  if (suspended !== undefined || obj.spec?.suspend === true) {
    return { ...health('Suspended', suspended?.message ?? 'Job suspended'), aggregateAs: 'Healthy' };
  }
  return health('Progressing');
}
