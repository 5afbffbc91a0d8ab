// apiregistration.k8s.io/APIService: an aggregated API is usable once the aggregator marks it Available.
import { conditionsOf, findCondition, health } from './fields.js';
import type { HealthResult, KubeObject } from './types.js';

export function apiServiceHealth(obj: KubeObject): HealthResult {
  const available = findCondition(conditionsOf(obj), 'Available');
  if (available === undefined) return health('Progressing', 'Waiting to be processed');
  // Not Available is usually a backend still starting (FailedDiscoveryCheck), hence Progressing.
  const message = `${available.reason}: ${available.message}`;
  return health(available.status === 'True' ? 'Healthy' : 'Progressing', message);
}
