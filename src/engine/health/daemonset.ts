// apps/DaemonSet: every scheduled node runs an updated, available pod.
import { field, health, int, quoted, str } from './fields.js';
import { generationOf, nameOf, observedGenerationOf } from './meta.js';
import type { HealthResult, KubeObject } from './types.js';

export function daemonSetHealth(obj: KubeObject): HealthResult {
  if (generationOf(obj) > observedGenerationOf(obj)) {
    return health('Progressing', 'Waiting for rollout to finish: observed daemon set generation less than desired generation');
  }

  const desired = int(obj.status?.desiredNumberScheduled);
  const updated = int(obj.status?.updatedNumberScheduled);
  const available = int(obj.status?.numberAvailable);

  // With OnDelete, old pods stay until someone deletes them; that is the chosen steady state.
  if (str(field(obj.spec, 'updateStrategy', 'type')) === 'OnDelete') {
    return health('Healthy', `daemon set ${updated} out of ${desired} new pods have been updated`);
  }

  const name = quoted(nameOf(obj));
  if (updated < desired) {
    return health(
      'Progressing',
      `Waiting for daemon set ${name} rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    );
  }
  if (available < desired) {
    return health(
      'Progressing',
      `Waiting for daemon set ${name} rollout to finish: ${available} of ${desired} updated pods are available...`,
    );
  }
  return health('Healthy');
}
