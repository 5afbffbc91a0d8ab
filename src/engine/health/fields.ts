// Readers for unstructured object data. Missing or mistyped fields read as Go's zero values
// (0, ''), which is how Argo CD's typed checks see them, so the rules below port one to one.
import type { HealthResult, HealthStatus, KubeObject } from './types.js';

export type Fields = Readonly<Record<string, unknown>>;

export function asFields(value: unknown): Fields | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Fields;
}

/** The value at `path` below `from`, or undefined if any step is missing or not an object. */
export function field(from: unknown, ...path: readonly string[]): unknown {
  let current: unknown = from;
  for (const key of path) {
    const fields = asFields(current);
    if (fields === undefined) return undefined;
    current = fields[key];
  }
  return current;
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function int(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** A number that may legitimately be absent (e.g. `spec.replicas` before defaulting). */
export function optInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
}

export function toCondition(value: unknown): Condition | undefined {
  const fields = asFields(value);
  if (fields === undefined) return undefined;
  const observedGeneration = optInt(fields.observedGeneration);
  return {
    type: str(fields.type),
    status: str(fields.status),
    reason: str(fields.reason),
    message: str(fields.message),
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
  };
}

/** `status.conditions` of an object, skipping malformed entries. */
export function conditionsOf(obj: KubeObject): Condition[] {
  const out: Condition[] = [];
  for (const entry of list(obj.status?.conditions)) {
    const condition = toCondition(entry);
    if (condition !== undefined) out.push(condition);
  }
  return out;
}

export function findCondition(conditions: readonly Condition[], type: string): Condition | undefined {
  return conditions.find((condition) => condition.type === type);
}

/** Builds a result, dropping an empty message so results compare cleanly. */
export function health(status: HealthStatus, message?: string): HealthResult {
  return message === undefined || message === '' ? { status } : { status, message };
}

/** A name in double quotes, as Argo CD's messages print them (Go's %q). */
export function quoted(text: string): string {
  return JSON.stringify(text);
}
