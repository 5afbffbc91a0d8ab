// apps/StatefulSet: readiness first, then the rollout as the update strategy defines it.
import { asFields, field, health, int, optInt, str } from './fields.js';
import { generationOf } from './meta.js';
import type { HealthResult, KubeObject } from './types.js';

export function statefulSetHealth(obj: KubeObject): HealthResult {
  const observed = int(obj.status?.observedGeneration);
  // observedGeneration 0 means the controller has not processed the object at all yet.
  if (observed === 0 || generationOf(obj) > observed) {
    return health('Progressing', 'Waiting for statefulset spec update to be observed...');
  }

  const desired = optInt(obj.spec?.replicas);
  const ready = int(obj.status?.readyReplicas);
  const updated = int(obj.status?.updatedReplicas);
  if (desired !== undefined && ready < desired) {
    return health('Progressing', `Waiting for ${desired - ready} pods to be ready...`);
  }

  const strategy = str(field(obj.spec, 'updateStrategy', 'type'));
  const rollingUpdate = asFields(field(obj.spec, 'updateStrategy', 'rollingUpdate'));
  if (strategy === 'RollingUpdate' && rollingUpdate !== undefined) {
    // Pods with an ordinal below the partition deliberately keep the old revision, so only the
    // pods above it must be updated; the API server defaults partition to 0.
    const partition = optInt(rollingUpdate.partition);
    if (desired !== undefined && partition !== undefined && updated < desired - partition) {
      return health(
        'Progressing',
        `Waiting for partitioned roll out to finish: ${updated} out of ${desired - partition} new pods have been updated...`,
      );
    }
    return health('Healthy', `partitioned roll out complete: ${updated} new pods have been updated...`);
  }

  // With OnDelete nothing rolls until someone deletes pods, so a revision gap is expected.
  if (strategy === 'OnDelete') return health('Healthy', `statefulset has ${ready} ready pods`);

  const updateRevision = str(obj.status?.updateRevision);
  const currentRevision = str(obj.status?.currentRevision);
  if (updateRevision !== currentRevision) {
    return health(
      'Progressing',
      `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`,
    );
  }
  const current = int(obj.status?.currentReplicas);
  return health('Healthy', `statefulset rolling update complete ${current} pods at revision ${currentRevision}...`);
}
