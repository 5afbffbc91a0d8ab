// apps/Deployment: the same questions `kubectl rollout status` asks, in the same order.
import { conditionsOf, findCondition, health, int, optInt, quoted } from './fields.js';
import { generationOf, nameOf, observedGenerationOf } from './meta.js';
import type { HealthResult, KubeObject } from './types.js';

export function deploymentHealth(obj: KubeObject): HealthResult {
  // A paused rollout is waiting for a human, not failing.
  if (obj.spec?.paused === true) return health('Suspended', 'Deployment is paused');

  // Until the controller has seen the newest spec, every count below describes the old one.
  if (generationOf(obj) > observedGenerationOf(obj)) {
    return health('Progressing', 'Waiting for rollout to finish: observed deployment generation less than desired generation');
  }

  const progressing = findCondition(conditionsOf(obj), 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return health('Degraded', `Deployment ${quoted(nameOf(obj))} exceeded its progress deadline`);
  }

  const desired = optInt(obj.spec?.replicas);
  const replicas = int(obj.status?.replicas);
  const updated = int(obj.status?.updatedReplicas);
  const available = int(obj.status?.availableReplicas);
  if (desired !== undefined && updated < desired) {
    return health('Progressing', `Waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated...`);
  }
  if (replicas > updated) {
    return health('Progressing', `Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...`);
  }
  if (available < updated) {
    return health('Progressing', `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`);
  }
  return health('Healthy');
}
