// batch/CronJob, following Argo CD 3.2+'s bundled check: the last finished run decides.
// The status only records when runs were scheduled and last succeeded, so while a run is active
// the previous outcome is unknowable; that state reports Healthy rather than flapping.
import { health, list, str } from './fields.js';
import type { HealthResult, KubeObject } from './types.js';

/** a < b for RFC 3339 times; plain string order is the fallback (it agrees for UTC "Z" times). */
function isBefore(a: string, b: string): boolean {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isNaN(ta) || Number.isNaN(tb) ? a < b : ta < tb;
}

export function cronJobHealth(obj: KubeObject): HealthResult {
  // Argo CD keeps a suspended CronJob Healthy so it does not turn its whole app Suspended.
  if (obj.spec?.suspend === true) return health('Healthy', 'CronJob is Suspended');
  if (obj.status === undefined) return health('Progressing', 'Waiting for CronJob');

  const lastSchedule = str(obj.status.lastScheduleTime);
  if (lastSchedule === '') return health('Healthy', 'CronJob has not been scheduled yet');

  if (list(obj.status.active).length > 0) {
    return health('Healthy', 'The job is running. Its last execution may not have been successful');
  }
  // Nothing is running, so the last scheduled run has finished: if no success is recorded at or
  // after it, it failed. This includes a failed first run, which Argo CD still reports Healthy.
  const lastSuccess = str(obj.status.lastSuccessfulTime);
  if (lastSuccess === '' || isBefore(lastSuccess, lastSchedule)) {
    return health('Degraded', 'CronJob has not completed its last execution successfully');
  }
  return health('Healthy', 'CronJob has completed its last execution successfully');
}
