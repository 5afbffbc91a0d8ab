// An object's `metadata` as the API server decodes it. Git often holds `labels:` or `annotations:` with
// no value (YAML null) — a Helm `{{- with }}` that rendered nothing, a field left for later. The API
// server reads a null ObjectMeta field as absent, so kawa does too; what it refuses (metadata that is
// not a map, labels as a list, an annotation value that is a number) kawa refuses before any API call,
// naming the field. metadataString below reads live objects with odd metadata without breaking.
import { describeType, formatPath, isRecord } from './validation.js';

/** ObjectMeta fields that hold a map of strings. */
const STRING_MAP_FIELDS = ['labels', 'annotations'] as const;
/** ObjectMeta fields that hold a string. */
const STRING_FIELDS = ['name', 'namespace', 'generateName', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp'] as const;

export interface ObjectMetaCheck {
  /** A copy of the metadata with null-valued fields dropped; undefined when it is absent or null. */
  metadata: Record<string, unknown> | undefined;
  /** `metadata.labels: must be a map of strings, found an array`, one per problem. */
  problems: string[];
}

function found(value: unknown): string {
  const type = describeType(value);
  if (type === 'null') return 'found null';
  return `found ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

/**
 * Checks `metadata` the way the API server decodes ObjectMeta and returns a copy in which null-valued
 * fields are dropped. A null entry of labels or annotations is kept: the API server stores it as "" (Go's
 * zero value; seen with create and server-side apply alike), so that is the API server's to settle, and
 * readers of the sync annotations take it as absent. Fields kawa does not know are kept as they are.
 */
export function checkObjectMeta(metadata: unknown): ObjectMetaCheck {
  if (metadata === undefined || metadata === null) return { metadata: undefined, problems: [] };
  if (!isRecord(metadata)) return { metadata: undefined, problems: [`metadata: must be a map, ${found(metadata)}`] };
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (value === null) continue;
    out[key] = value;
  }
  for (const field of STRING_FIELDS) {
    const value = out[field];
    if (value !== undefined && typeof value !== 'string') problems.push(`${formatPath(['metadata', field])}: must be a string, ${found(value)}`);
  }
  for (const field of STRING_MAP_FIELDS) {
    const value = out[field];
    if (value === undefined) continue;
    if (!isRecord(value)) {
      problems.push(`${formatPath(['metadata', field])}: must be a map of strings, ${found(value)}`);
      continue;
    }
    for (const [key, entry] of Object.entries(value)) {
      if (entry !== null && typeof entry !== 'string') problems.push(`${formatPath(['metadata', field, key])}: must be a string, ${found(entry)} (quote the value in YAML)`);
    }
  }
  const finalizers = out['finalizers'];
  if (finalizers !== undefined) {
    if (!Array.isArray(finalizers)) problems.push(`metadata.finalizers: must be a list of strings, ${found(finalizers)}`);
    else
      finalizers.forEach((item: unknown, i) => {
        if (typeof item !== 'string') problems.push(`${formatPath(['metadata', 'finalizers', i])}: must be a string, ${found(item)}`);
      });
  }
  const owners = out['ownerReferences'];
  if (owners !== undefined) {
    if (!Array.isArray(owners)) problems.push(`metadata.ownerReferences: must be a list of maps, ${found(owners)}`);
    else
      owners.forEach((item: unknown, i) => {
        if (!isRecord(item)) problems.push(`${formatPath(['metadata', 'ownerReferences', i])}: must be a map, ${found(item)}`);
      });
  }
  return { metadata: out, problems };
}
