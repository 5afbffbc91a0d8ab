// networking.k8s.io/Ingress (and the old extensions/Ingress): healthy once the controller publishes an
// entry in status.loadBalancer.ingress (any entry, as in Argo CD; see hasLoadBalancerIngress).
import { health } from './fields.js';
import { hasLoadBalancerIngress } from './service.js';
import type { HealthResult, KubeObject } from './types.js';

export function ingressHealth(obj: KubeObject): HealthResult {
  if (hasLoadBalancerIngress(obj)) return health('Healthy');
  return health('Progressing', 'Waiting for the ingress controller to publish an address');
}
