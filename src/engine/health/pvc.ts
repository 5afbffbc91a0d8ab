// core/PersistentVolumeClaim: the claim's phase says it all.
import { health } from './fields.js';
import type { HealthResult, KubeObject } from './types.js';

type ClaimPhase = 'Pending' | 'Bound' | 'Lost';
const PHASES: readonly ClaimPhase[] = ['Pending', 'Bound', 'Lost'];

export function pvcHealth(obj: KubeObject): HealthResult {
  const phase = PHASES.find((candidate) => candidate === obj.status?.phase);
  switch (phase) {
    case 'Bound':
      return health('Healthy');
    case 'Pending':
      return health('Progressing');
    // The bound volume is gone: data loss, needs a human.
    case 'Lost':
      return health('Degraded');
    case undefined:
      return health('Unknown');
  }
}
