// core/Service: only a LoadBalancer has something to wait for, its external address.
import { field, health, list, str } from './fields.js';
import type { HealthResult, KubeObject } from './types.js';

/** At least one `status.loadBalancer.ingress` entry with an ip or hostname (Argo CD's documented rule). */
export function hasLoadBalancerAddress(obj: KubeObject): boolean {
  return list(field(obj.status, 'loadBalancer', 'ingress')).some(
    (entry) => str(field(entry, 'ip')) !== '' || str(field(entry, 'hostname')) !== '',
  );
}

export function serviceHealth(obj: KubeObject): HealthResult {
  if (obj.spec?.type !== 'LoadBalancer' || hasLoadBalancerAddress(obj)) return health('Healthy');
  // Argo CD gives no message here; "stuck Progressing" is a common complaint, so say what we wait for.
  return health('Progressing', 'Waiting for the load balancer to be assigned an address');
}
