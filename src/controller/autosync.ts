// Pure: whether an Application's automated sync policy asks for a sync now, and the operation to start.
// Rules (Argo CD's automated sync policy, as documented): only when OutOfSync; at most one attempt per revision + source
// spec; an empty render is synced only with allowEmpty; self-heal re-syncs drift of an already synced
// revision, with a backoff so a fight with another controller does not become a hot loop.
import { createHash } from 'node:crypto';
import type { AppComparison } from '../engine/index.js';
import type { Application, Operation } from '../model/index.js';

export interface AutoSyncInput {
  app: Application;
  comparison: AppComparison;
  /** The resolved revision the comparison used. */
  revision: string;
  /** How many desired objects the render produced. */
  desiredCount: number;
  /** Self-heal attempts made for this revision since it last was in sync, and when the last one was. */
  selfHeal: { attempts: number; lastAt: number };
  now: number;
  /** Base of the self-heal backoff (default 5 s, Argo CD's documented self-heal timeout), doubling, capped. */
  selfHealBackoffMs?: number;
  selfHealMaxBackoffMs?: number;
}

export type AutoSyncDecision =
  /** `condition`: why the sync is held back, for the app's conditions (the user must act). */
  | { kind: 'none'; reason: string; condition?: { type: 'SyncError'; message: string } }
  | { kind: 'wait'; reason: string; retryInMs: number }
  | { kind: 'sync'; operation: Operation; selfHeal: boolean };

/** A digest of what makes two syncs "the same attempt": revision + sources (not the revision words). */
export function attemptKey(app: Application, revision: string): string {
  const sources = app.spec.sources !== undefined && app.spec.sources.length > 0 ? app.spec.sources : [app.spec.source];
  const normalized = sources.map((s) => (s === undefined ? null : { ...s, targetRevision: undefined }));
  return createHash('sha256').update(JSON.stringify([revision, normalized])).digest('hex').slice(0, 16);
}

export function selfHealDelayMs(attempts: number, baseMs = 5_000, maxMs = 180_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export function decideAutoSync(input: AutoSyncInput): AutoSyncDecision {
  const { app, comparison } = input;
  const automated = app.spec.syncPolicy?.automated;
  if (automated === undefined || automated.enabled === false) return { kind: 'none', reason: 'automated sync is off' };
  if (app.operation !== undefined) return { kind: 'none', reason: 'an operation is already set' };
  if (comparison.sync !== 'OutOfSync') return { kind: 'none', reason: 'in sync' };
  if (input.desiredCount === 0 && automated.allowEmpty !== true) {
    const reason = 'the render is empty and allowEmpty is off: nothing would remain';
    // With prune on, the sync would delete every resource of the app: say so as Argo CD does, so the
    // OutOfSync is explained. Without prune it would delete nothing, and the resources show requiresPruning.
    return automated.prune === true
      ? { kind: 'none', reason, condition: { type: 'SyncError', message: `Skipping sync attempt to ${input.revision}: auto-sync will wipe out all resources` } }
      : { kind: 'none', reason };
  }
  // Only the prune candidates are out of sync and prune is off: a sync would change nothing.
  const outOfSync = comparison.resources.filter((r) => r.status === 'OutOfSync');
  if (automated.prune !== true && outOfSync.length > 0 && outOfSync.every((r) => r.requiresPruning === true)) {
    return { kind: 'none', reason: 'only resources to prune are out of sync and automated prune is off' };
  }

  const last = app.status?.operationState;
  const key = attemptKey(app, input.revision);
  const lastKey = last?.operation.sync === undefined ? undefined : attemptKey({ ...app, spec: { ...app.spec, ...(last.syncResult?.source ? { source: last.syncResult.source } : {}) } }, last.syncResult?.revision ?? '');
  // As Argo CD: any finished sync to this revision + sources counts, whoever started it.
  const attempted = last !== undefined && last.phase !== 'Running' && last.phase !== 'Terminating' && lastKey === key;
  let selfHeal = false;
  if (attempted) {
    if (last.phase !== 'Succeeded') return { kind: 'none', reason: `a sync to ${input.revision} already failed; retry is the retry policy's job` };
    if (automated.selfHeal !== true) return { kind: 'none', reason: `already synced to ${input.revision}; self-heal is off` };
    const wait = selfHealDelayMs(input.selfHeal.attempts + 1, input.selfHealBackoffMs, input.selfHealMaxBackoffMs);
    const due = input.selfHeal.lastAt + wait;
    if (input.selfHeal.attempts > 0 && input.now < due) return { kind: 'wait', reason: 'self-heal backoff', retryInMs: due - input.now };
    selfHeal = true;
  }

  const syncOptions = app.spec.syncPolicy?.syncOptions;
  const multi = app.spec.sources !== undefined && app.spec.sources.length > 0;
  const operation: Operation = {
    sync: {
      revision: input.revision,
      ...(automated.prune === true ? { prune: true } : {}),
      ...(syncOptions === undefined ? {} : { syncOptions }),
      ...(multi ? { sources: app.spec.sources } : app.spec.source === undefined ? {} : { source: app.spec.source }),
    },
    initiatedBy: { username: 'automated', automated: true },
    ...(app.spec.syncPolicy?.retry === undefined ? {} : { retry: app.spec.syncPolicy.retry }),
  };
  return { kind: 'sync', operation, selfHeal };
}
