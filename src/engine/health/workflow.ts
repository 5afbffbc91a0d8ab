// argoproj.io/Workflow (Argo Workflows): the phase maps directly; Argo CD has this check built in.
import { health, str } from './fields.js';
import type { HealthResult, KubeObject } from './types.js';

type WorkflowPhase = '' | 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error';
const PHASES: readonly WorkflowPhase[] = ['', 'Pending', 'Running', 'Succeeded', 'Failed', 'Error'];

export function workflowHealth(obj: KubeObject): HealthResult {
  const message = str(obj.status?.message);
  const phase = PHASES.find((candidate) => candidate === str(obj.status?.phase));
  switch (phase) {
    // No phase yet: the workflow controller has not picked it up.
    case '':
    case 'Pending':
    case 'Running':
      return health('Progressing', message);
    case 'Succeeded':
      return health('Healthy', message);
    case 'Failed':
    case 'Error':
      return health('Degraded', message);
    case undefined:
      return health('Unknown', message);
  }
}
