// What the two persisted records (a sync operation's `status.operationState`, an app deletion's
// `status.deletionState`) do alike: end, refuse to resume a record kawa did not write, and keep the
// same facts about live objects (uid, generation, health).
import { UserError, errorCodes } from '../errors.js';
import type { KubeObject, ResourceRef } from '../kube/objects.js';
import type { OperationPhase, ResourceResult } from '../model/index.js';
import { isoTime } from './clock.js';
import { assessHealth, toKubeObject, type HealthCheck } from './health/index.js';
import type { ObjectRef, SyncObject, TaskState } from './sync/index.js';

/** Which record: names it in the errors about it. */
export type RecordKind = 'operation' | 'deletion';

/** Ends a record: its final phase and message, and when. */
export function finish(record: { phase: OperationPhase; message?: string; finishedAt?: string }, phase: OperationPhase, message: string, now: number): void {
  record.phase = phase;
  record.message = message;
  record.finishedAt = isoTime(now);
}

/** Throws unless the stored record has the kawa section this kawa writes (version 1, and for a deletion its kind). */
export function validateRecord(record: unknown, kind: RecordKind): void {
  const kawa = (record as { kawa?: unknown }).kawa;
  const valid =
    typeof kawa === 'object' && kawa !== null && (kawa as { version?: unknown }).version === 1 && (kind === 'operation' || (kawa as { kind?: unknown }).kind === 'deletion');
  if (!valid) {
    const section = kind === 'deletion' ? 'kawa deletion section' : 'kawa section';
    throw new UserError(errorCodes.OPERATION_STATE_INVALID, `the ${kind} state has no ${section} (version 1): it was not started by this kawa and cannot be resumed`);
  }
}

/** Throws when a step is asked for another app than the one the record belongs to. */
export function validateAppName(kind: RecordKind, recordApp: string, app: string): void {
  if (app !== recordApp) throw new UserError(errorCodes.OPERATION_STATE_INVALID, `the ${kind} belongs to app ${recordApp}, not ${app}`);
}

/** The first `shown` messages, and how many more there are: `a; b (and 3 more)`. */
export function summarize(messages: readonly string[], shown: number): string {
  const more = messages.length > shown ? ` (and ${messages.length - shown} more)` : '';
  return `${messages.slice(0, shown).join('; ')}${more}`;
}

/** A live or rendered object with the fields the sync planner requires, empty when missing. */
export function asSyncObject(obj: KubeObject): SyncObject {
  return { ...obj, apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', metadata: obj.metadata ?? {} };
}

/** An object's identity for the API calls (the version is the resource's, found by discovery). */
export function resourceRefOf(ref: ObjectRef): ResourceRef {
  return { group: ref.group, kind: ref.kind, namespace: ref.namespace, name: ref.name };
}

/** Whether `results` already has one for the object `ref` names (a result is kept once per object). */
export function hasResultFor(results: readonly ResourceResult[], ref: ResourceRef): boolean {
  return results.some((r) => r.group === ref.group && r.kind === ref.kind && (r.namespace ?? '') === ref.namespace && r.name === ref.name);
}

/** `metadata.generation`, when the object has one: a cached copy older than a write does not tell its result. */
export function generationOf(obj: KubeObject): number | undefined {
  const generation = obj.metadata?.['generation'];
  return typeof generation === 'number' ? generation : undefined;
}

/** The health of a live object as a record keeps it: `None` when nothing judges its kind. */
export function taskHealth(live: KubeObject, custom: HealthCheck | undefined): { health: TaskState['health']; message?: string } {
  const obj = toKubeObject(live);
  const result = obj === undefined ? undefined : assessHealth(obj, custom === undefined ? {} : { custom });
  return { health: result?.status ?? 'None', ...(result?.message === undefined ? {} : { message: result.message }) };
}
