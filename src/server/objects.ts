// Small accessors over Kubernetes objects as JSON, for objects read from the API server (whose shape is
// only trusted as far as it has been checked).
import { isRecord } from '../model/validation.js';
import type { KubeJson } from './store.js';

export function metadataOf(obj: KubeJson): Record<string, unknown> {
  return isRecord(obj['metadata']) ? obj['metadata'] : {};
}

export function specOf(obj: KubeJson): Record<string, unknown> {
  return isRecord(obj['spec']) ? obj['spec'] : {};
}

export function statusOf(obj: KubeJson): Record<string, unknown> {
  return isRecord(obj['status']) ? obj['status'] : {};
}

export function metaString(obj: KubeJson, key: string): string | undefined {
  const value = metadataOf(obj)[key];
  return typeof value === 'string' ? value : undefined;
}

export function labelsOf(obj: KubeJson): Record<string, string> {
  const labels = metadataOf(obj)['labels'];
  return isRecord(labels) ? (Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<string, string>) : {};
}

/** An Application's project; empty means `default`, as in Argo CD. */
export function projectOf(app: KubeJson): string {
  const project = specOf(app)['project'];
  return typeof project === 'string' && project !== '' ? project : 'default';
}

/** Drop keys whose value is undefined (JSON has no undefined; the API server would see them as absent anyway). */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Deep equality of JSON values where an absent field and null are the same (what a JSON round trip through
 * Go's `omitempty` makes of them). Empty objects stay significant: `automated: {}` turns auto-sync on.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameJson(a[k], b[k]));
  }
  return a === b;
}

/** A string map or list that is empty counts as absent (`labels: {}` and no labels are the same). */
export function orAbsent<T extends object>(value: T | undefined): T | undefined {
  if (value === undefined) return undefined;
  return Object.keys(value).length === 0 ? undefined : value;
}
