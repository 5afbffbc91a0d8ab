// Narrowing parsed YAML/JSON to a KubeObject, for callers that read objects from files
// (tests, the offline health command) rather than from the API server.
import { asFields } from './fields.js';
import type { Fields } from './fields.js';
import type { KubeObject } from './types.js';

function isOptional(value: unknown, type: 'string' | 'number'): boolean {
  return value === undefined || typeof value === type;
}

function isStringRecord(value: unknown): boolean {
  if (value === undefined) return true;
  const fields = asFields(value);
  return fields !== undefined && Object.values(fields).every((entry) => typeof entry === 'string');
}

function isStringList(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.every((entry) => typeof entry === 'string'));
}

function isOptionalFields(value: unknown): boolean {
  return value === undefined || value === null || asFields(value) !== undefined;
}

/** The object if it has the shape KubeObject promises (the metadata fields checks rely on), else undefined. */
export function toKubeObject(value: unknown): KubeObject | undefined {
  const obj = asFields(value);
  if (obj === undefined || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return undefined;
  const metadata: Fields | undefined = asFields(obj.metadata);
  if (metadata === undefined) return undefined;
  const valid =
    isOptional(metadata.name, 'string') &&
    isOptional(metadata.namespace, 'string') &&
    isOptional(metadata.generation, 'number') &&
    isOptional(metadata.deletionTimestamp, 'string') &&
    isStringRecord(metadata.annotations) &&
    isStringList(metadata.finalizers) &&
    isOptionalFields(obj.spec) &&
    isOptionalFields(obj.status);
  if (!valid) return undefined;
  // `status: null` is valid JSON from some tools; treat it as absent so checks can rely on the type.
  if (obj.spec === null || obj.status === null) {
    const { spec, status, ...rest } = obj;
    return { ...rest, ...(spec === null ? {} : { spec }), ...(status === null ? {} : { status }) } as KubeObject;
  }
  return obj as KubeObject;
}
