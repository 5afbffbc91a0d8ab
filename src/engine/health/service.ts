// core/Service: only a LoadBalancer has something to wait for, its external address.
import { field, health, list } from './fields.js';
import type { HealthResult, KubeObject } from './types.js';

/**
 * Whether the load balancer (or ingress controller) has published anything in
 * `status.loadBalancer.ingress`. Argo CD's docs speak of "an ip or hostname", but its check only
 * counts entries: some controllers publish entries with just `ports` or `ipMode`, and those
 * objects are Healthy in Argo CD, so any entry counts here too.
 */
export function hasLoadBalancerIngress(obj: KubeObject): boolean {
  return list(field(obj.status, 'loadBalancer', 'ingress')).length > 0;
}

export function serviceHealth(obj: KubeObject): HealthResult {
  if (obj.spec?.type !== 'LoadBalancer' || hasLoadBalancerIngress(obj)) return health('Healthy');
  // Argo CD gives no message here; "stuck Progressing" is a common complaint, so say what we wait for.
  return health('Progressing', 'Waiting for the load balancer to be assigned an address');
}
