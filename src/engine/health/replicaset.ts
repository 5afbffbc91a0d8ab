// apps/ReplicaSet: enough available replicas, and no pod creation failure (quota, admission).
import { conditionsOf, findCondition, health, int, optInt } from './fields.js';
import { generationOf, observedGenerationOf } from './meta.js';
import type { HealthResult, KubeObject } from './types.js';

export function replicaSetHealth(obj: KubeObject): HealthResult {
  if (generationOf(obj) > observedGenerationOf(obj)) {
    return health('Progressing', 'Waiting for rollout to finish: observed replica set generation less than desired generation');
  }

  const failure = findCondition(conditionsOf(obj), 'ReplicaFailure');
  if (failure?.status === 'True') return health('Degraded', failure.message);

  const desired = optInt(obj.spec?.replicas);
  const available = int(obj.status?.availableReplicas);
  if (desired !== undefined && available < desired) {
    return health('Progressing', `Waiting for rollout to finish: ${available} out of ${desired} new replicas are available...`);
  }
  return health('Healthy');
}
