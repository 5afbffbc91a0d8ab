// networking.k8s.io/Ingress (and the old extensions/Ingress): healthy once the controller publishes an address.
import { health } from './fields.js';
import { hasLoadBalancerAddress } from './service.js';
import type { HealthResult, KubeObject } from './types.js';

export function ingressHealth(obj: KubeObject): HealthResult {
  if (hasLoadBalancerAddress(obj)) return health('Healthy');
  return health('Progressing', 'Waiting for the ingress controller to publish an address');
}
