// Pure: the `status` fields a reconcile owns (sync, health, resources, summary, conditions, sourceType),
// built from a comparison, and whether they differ from what is stored — so a steady-state refresh
// writes nothing. Conditions keep their lastTransitionTime while they persist.
import type { AppComparison } from '../engine/index.js';
import type { Application, ApplicationCondition, ApplicationSource, ApplicationStatus, HealthStatusCode, RevisionHistory, SyncStatusCode } from '../model/index.js';

/** The status fields the reconcile loop writes (operationState and history are the operation's). */
export type ReconciledStatus = Pick<ApplicationStatus, 'sync' | 'health' | 'resources' | 'summary' | 'conditions' | 'sourceType' | 'reconciledAt' | 'controllerNamespace'>;

export interface StatusInput {
  app: Application;
  /** Undefined when no comparison could be made (invalid spec, render failed with nothing to fall back on, cluster down). */
  comparison?: AppComparison;
  /** The revision compared to (commit SHA or chart version). */
  revision?: string;
  sourceType?: string;
  /** Conditions the controller found besides the comparison's (InvalidSpecError, ComparisonError, …). */
  conditions: readonly { type: string; message: string }[];
  /**
   * The desired state could not be computed now (the render failed): the comparison is with the last
   * good render, so the app's sync status is Unknown, as in Argo CD, and nobody reads "Synced" as
   * "matches Git". Resources and health still show the live state.
   */
  desiredUnknown?: boolean;
  /** Replaces health when the comparison cannot say (cluster unreachable → Unknown). */
  healthOverride?: { status: HealthStatusCode; message?: string };
  now: string;
  controllerNamespace: string;
}

const CONDITION_ORDER = ['InvalidSpecError', 'ComparisonError', 'SyncError', 'DeletionError', 'SharedResourceWarning', 'OrphanedResourceWarning'];

function comparedSource(app: Application): { source?: ApplicationSource; sources?: ApplicationSource[] } {
  return app.spec.sources !== undefined && app.spec.sources.length > 0 ? { sources: app.spec.sources } : app.spec.source === undefined ? {} : { source: app.spec.source };
}

/** Keeps the transition time of a condition that was already there with the same type and message. */
export function mergeConditions(previous: readonly ApplicationCondition[] | undefined, next: readonly { type: string; message: string }[], now: string): ApplicationCondition[] {
  const out = next.map((c) => {
    const same = previous?.find((p) => p.type === c.type && p.message === c.message);
    return { type: c.type, message: c.message, lastTransitionTime: same?.lastTransitionTime ?? now };
  });
  const rank = (type: string): number => {
    const i = CONDITION_ORDER.indexOf(type);
    return i < 0 ? CONDITION_ORDER.length : i;
  };
  return out.sort((a, b) => rank(a.type) - rank(b.type) || a.message.localeCompare(b.message));
}

/** Container images of the desired workloads (`status.summary.images`), sorted and unique. */
export function imagesOf(comparison: AppComparison): string[] {
  const images = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 12 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1);
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
      const list = record[key];
      if (!Array.isArray(list)) continue;
      for (const c of list) {
        const image = (c as Record<string, unknown> | null)?.['image'];
        if (typeof image === 'string' && image !== '') images.add(image);
      }
    }
    for (const [key, v] of Object.entries(record)) if (key !== 'status' && key !== 'metadata') visit(v, depth + 1);
  };
  for (const r of comparison.resources) visit(r.live ?? r.desired, 0);
  return [...images].sort();
}

export function buildStatus(input: StatusInput): ReconciledStatus {
  const { app, comparison } = input;
  const prev = app.status;
  const conditions = [...input.conditions, ...(comparison?.conditions.map((c) => ({ type: c.type === 'SharedResource' ? 'SharedResourceWarning' : c.type, message: c.message })) ?? [])];
  const syncCode: SyncStatusCode = comparison === undefined || input.desiredUnknown === true ? 'Unknown' : comparison.sync;
  const health = input.healthOverride ?? (comparison === undefined ? { status: (prev?.health?.status ?? 'Unknown') } : comparison.health);
  const healthStatus = health.status;
  const status: ReconciledStatus = {
    sync: {
      status: syncCode,
      comparedTo: { ...comparedSource(app), destination: app.spec.destination, ...(app.spec.ignoreDifferences === undefined ? {} : { ignoreDifferences: app.spec.ignoreDifferences }) },
      ...(input.revision === undefined ? (prev?.sync?.revision === undefined ? {} : { revision: prev.sync.revision }) : { revision: input.revision }),
    },
    health: {
      status: healthStatus,
      ...(health.message === undefined || health.message === '' ? {} : { message: health.message }),
      lastTransitionTime: prev?.health?.status === healthStatus && prev.health.lastTransitionTime !== undefined ? prev.health.lastTransitionTime : input.now,
    },
    resources:
      comparison === undefined
        ? (prev?.resources ?? [])
        : comparison.resources.map((r) => ({
            ...(r.group === '' ? {} : { group: r.group }),
            version: r.version,
            kind: r.kind,
            ...(r.namespace === '' ? {} : { namespace: r.namespace }),
            name: r.name,
            status: r.status,
            ...(r.health === undefined ? {} : { health: { status: r.health.status, ...(r.health.message === undefined || r.health.message === '' ? {} : { message: r.health.message }) } }),
            ...(r.hook === true ? { hook: true } : {}),
            ...(r.requiresPruning === true ? { requiresPruning: true } : {}),
            ...(r.syncWave === 0 ? {} : { syncWave: r.syncWave }),
          })),
    summary: comparison === undefined ? (prev?.summary ?? {}) : { images: imagesOf(comparison) },
    conditions: mergeConditions(prev?.conditions, conditions, input.now),
    ...(input.sourceType === undefined ? (prev?.sourceType === undefined ? {} : { sourceType: prev.sourceType }) : { sourceType: input.sourceType }),
    reconciledAt: input.now,
    controllerNamespace: input.controllerNamespace,
  };
  if (status.summary?.images?.length === 0) status.summary = {};
  return status;
}

/** Whether writing `next` would change anything but `reconciledAt` (the steady state writes nothing). */
export function statusChanged(previous: ApplicationStatus | undefined, next: ReconciledStatus): boolean {
  if (previous === undefined) return true;
  const pick = (s: Partial<ReconciledStatus>): string =>
    JSON.stringify([s.sync ?? null, s.health ?? null, s.resources ?? [], s.summary ?? {}, s.conditions ?? [], s.sourceType ?? null, s.controllerNamespace ?? null]);
  return pick(previous) !== pick(next);
}

/** `status.history` with a new entry appended (ids grow by one) and trimmed to the limit. */
export function appendHistory(history: readonly RevisionHistory[] | undefined, entry: Omit<RevisionHistory, 'id'>, limit: number): RevisionHistory[] {
  const list = [...(history ?? [])];
  const id = list.reduce((max, h) => Math.max(max, h.id), -1) + 1;
  list.push({ ...entry, id });
  return limit <= 0 ? list.slice(-1) : list.slice(-limit);
}
