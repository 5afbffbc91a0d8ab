// Small pure helpers about an Application's status, shared by the list and the details page.
import type { Application, HealthStatusCode, OperationPhase, SyncStatusCode } from '../api/types';

export const syncOf = (app: Application): SyncStatusCode => app.status?.sync?.status ?? 'Unknown';
export const healthOf = (app: Application): HealthStatusCode => app.status?.health?.status ?? 'Unknown';
export const operationPhaseOf = (app: Application): OperationPhase | undefined => app.status?.operationState?.phase;

/** A sync is requested or running: the `operation` field is set, or the last operation is still running. */
export function isOperationInProgress(app: Application): boolean {
  const phase = app.status?.operationState?.phase;
  return app.operation !== undefined || phase === 'Running' || phase === 'Terminating';
}

/** The destination as users name it: the cluster name, or its URL. */
export function clusterOf(app: Application): string {
  const d = app.spec.destination;
  return d.name !== undefined && d.name !== '' ? d.name : (d.server ?? '');
}

export const namespaceOf = (app: Application): string => app.spec.destination.namespace ?? '';

export function sourceOf(app: Application) {
  return app.spec.source ?? app.spec.sources?.[0];
}

export function shortRevision(revision: string | undefined): string {
  if (revision === undefined || revision === '') return '';
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision;
}

/** "3 minutes ago" style, relative to `now`. */
export function timeAgo(iso: string | undefined, now: Date = new Date()): string {
  if (iso === undefined || iso === '') return '';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now.getTime() - then) / 1000);
  if (seconds < 5) return 'just now';
  const units: [number, string][] = [
    [60 * 60 * 24 * 365, 'year'],
    [60 * 60 * 24 * 30, 'month'],
    [60 * 60 * 24, 'day'],
    [60 * 60, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (Math.abs(seconds) >= size) {
      const n = Math.floor(Math.abs(seconds) / size);
      return `${n} ${unit}${n === 1 ? '' : 's'} ${seconds >= 0 ? 'ago' : 'from now'}`;
    }
  }
  return `${Math.abs(seconds)} seconds ${seconds >= 0 ? 'ago' : 'from now'}`;
}
