// Narrowing parsed YAML/JSON to a KubeObject: live objects (always well formed) and objects read from
// files by the offline health command. Files often hold `annotations:` or `labels:` with no value (a
// Helm `{{- with }}` that rendered nothing) or `creationTimestamp: null` (kubectl's own output); the
// API server decodes null as absent for every field, so this does too. What it refuses (metadata that
// is not a map, labels as a list, an annotation value that is a number) is refused here, naming the field.
import { asFields } from './fields.js';
import type { Fields } from './fields.js';
import type { KubeObject } from './types.js';

/** ObjectMeta fields the API server decodes as strings (timestamps are RFC 3339 strings). */
const STRING_FIELDS = ['name', 'namespace', 'generateName', 'uid', 'resourceVersion', 'selfLink', 'creationTimestamp', 'deletionTimestamp'];
const INTEGER_FIELDS = ['generation', 'deletionGracePeriodSeconds'];
const STRING_MAP_FIELDS = ['labels', 'annotations'];
const LIST_FIELDS = ['finalizers', 'ownerReferences', 'managedFields'];

function found(value: unknown): string {
  if (value === null) return 'found null';
  if (Array.isArray(value)) return 'found a list';
  if (typeof value === 'object') return 'found a map';
  return `found a ${typeof value}`;
}

/** `metadata.annotations.example.com/x` reads badly; Kubernetes' own messages bracket such keys. */
function fieldPath(path: readonly string[]): string {
  return path.map((part, i) => (i > 0 && /[^A-Za-z0-9_-]/.test(part) ? `[${JSON.stringify(part)}]` : (i > 0 ? '.' : '') + part)).join('');
}

/** The metadata with null meaning absent (fields, and entries of labels/annotations/finalizers). */
function checkMetadata(metadata: Fields, problems: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (value !== null && value !== undefined) out[key] = value;
  }
  for (const key of STRING_FIELDS) {
    const value = out[key];
    if (value !== undefined && typeof value !== 'string') problems.push(`${fieldPath(['metadata', key])}: must be a string, ${found(value)}`);
  }
  for (const key of INTEGER_FIELDS) {
    const value = out[key];
    if (value !== undefined && !Number.isSafeInteger(value)) problems.push(`${fieldPath(['metadata', key])}: must be an integer, ${found(value)}`);
  }
  for (const key of STRING_MAP_FIELDS) {
    const value = out[key];
    if (value === undefined) continue;
    const map = asFields(value);
    if (map === undefined) {
      problems.push(`${fieldPath(['metadata', key])}: must be a map of strings, ${found(value)}`);
      continue;
    }
    const strings: Record<string, string> = {};
    for (const [name, entry] of Object.entries(map)) {
      if (entry === null) continue;
      if (typeof entry === 'string') strings[name] = entry;
      else problems.push(`${fieldPath(['metadata', key, name])}: must be a string, ${found(entry)} (quote the value in YAML)`);
    }
    out[key] = strings;
  }
  for (const key of LIST_FIELDS) {
    const value = out[key];
    if (value === undefined) continue;
    if (!Array.isArray(value)) {
      problems.push(`${fieldPath(['metadata', key])}: must be a list, ${found(value)}`);
      continue;
    }
    out[key] = value.filter((entry) => entry !== null);
  }
  const finalizers = out['finalizers'];
  if (Array.isArray(finalizers)) {
    finalizers.forEach((entry: unknown, i) => {
      if (typeof entry !== 'string') problems.push(`metadata.finalizers[${i}]: must be a string, ${found(entry)}`);
    });
  }
  return out;
}

export interface KubeObjectCheck {
  /** The object with null fields dropped; undefined when there are problems. */
  readonly object?: KubeObject;
  /** `metadata.labels: must be a map of strings, found a list`, one per problem. */
  readonly problems: readonly string[];
}

/**
 * Checks what health checks rely on: string apiVersion and kind, a metadata map with typed fields,
 * spec and status maps. Null anywhere in those means absent; everything else is kept as it is.
 */
export function checkKubeObject(value: unknown): KubeObjectCheck {
  const obj = asFields(value);
  if (obj === undefined) return { problems: [`not a Kubernetes object (${found(value)})`] };
  const problems: string[] = [];
  for (const key of ['apiVersion', 'kind']) {
    if (typeof obj[key] !== 'string') problems.push(`${key}: must be a string, ${found(obj[key])}`);
  }
  // spec: null and status: null are dropped with the rest of the nulls at the top level.
  const out: Record<string, unknown> = {};
  for (const [key, part] of Object.entries(obj)) {
    if (part !== null) out[key] = part;
  }
  const metadata = asFields(obj.metadata);
  if (metadata === undefined) problems.push(`metadata: must be a map, ${obj.metadata === undefined ? 'missing' : found(obj.metadata)}`);
  else out.metadata = checkMetadata(metadata, problems);
  for (const key of ['spec', 'status']) {
    const part = out[key];
    if (part !== undefined && asFields(part) === undefined) problems.push(`${key}: must be a map, ${found(part)}`);
  }
  return problems.length > 0 ? { problems } : { object: out as KubeObject, problems };
}

/** The object if it has the shape KubeObject promises, else undefined. */
export function toKubeObject(value: unknown): KubeObject | undefined {
  return checkKubeObject(value).object;
}
