// `metadata.managedFields` in the FieldsV1 format: a trie whose keys are `f:<field>`, `k:<json keys>`,
// `v:<json value>`, `i:<index>`, and `.` for "the node itself". A key mapping to `{}` is an owned leaf.

import type { PathSegment } from './pointer.js';
import type { KubeObject, ManagedFieldsEntry } from './types.js';
import { deepEqual, isRecord } from './values.js';

export type PathElement =
  | { readonly type: 'field'; readonly name: string }
  | { readonly type: 'key'; readonly keys: Readonly<Record<string, unknown>> }
  | { readonly type: 'value'; readonly value: unknown }
  | { readonly type: 'index'; readonly index: number };

export interface FieldSet {
  /** `.` was present: the manager owns the node's existence, not only its children. */
  self: boolean;
  /** Keyed by the raw element text, so sets of several managers merge without duplicates. */
  children: Map<string, FieldSetChild>;
}

export interface FieldSetChild {
  element: PathElement;
  set: FieldSet;
}

/** A list-map key field missing from an element is taken at its API default when matching `k:` elements. */
export const LIST_KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' };

export function parsePathElement(text: string): PathElement | undefined {
  const body = text.slice(2);
  try {
    switch (text.slice(0, 2)) {
      case 'f:':
        return { type: 'field', name: body };
      case 'k:': {
        const keys: unknown = JSON.parse(body);
        return isRecord(keys) ? { type: 'key', keys } : undefined;
      }
      case 'v:':
        return { type: 'value', value: JSON.parse(body) as unknown };
      case 'i:': {
        const index = Number(body);
        return Number.isSafeInteger(index) && index >= 0 ? { type: 'index', index } : undefined;
      }
      default:
        return undefined;
    }
  } catch {
    return undefined; // malformed JSON in k:/v: — skip the element rather than fail the whole diff
  }
}

// Live objects come from the cache and keep their identity between compares; parsing once per object
// keeps the steady-state re-compare cheap. Weak, so it lives exactly as long as the cached object.
const parsed = new WeakMap<object, FieldSet>();

/** Parses a FieldsV1 trie. Unknown element prefixes are skipped (forward compatible), never fatal. */
export function parseFieldsV1(raw: unknown): FieldSet {
  if (!isRecord(raw)) return { self: false, children: new Map() };
  const cached = parsed.get(raw);
  if (cached) return cached;
  const set: FieldSet = { self: false, children: new Map() };
  for (const [text, value] of Object.entries(raw)) {
    if (text === '.') {
      set.self = true;
      continue;
    }
    const element = parsePathElement(text);
    if (element) set.children.set(text, { element, set: parseFieldsV1(value) });
  }
  parsed.set(raw, set);
  return set;
}

/** The union of several field sets (new objects; the inputs are shared with the parse cache). */
export function mergeFieldSets(sets: readonly FieldSet[]): FieldSet {
  const out: FieldSet = { self: false, children: new Map() };
  for (const set of sets) {
    out.self ||= set.self;
    for (const [text, child] of set.children) {
      const existing = out.children.get(text);
      out.children.set(text, { element: child.element, set: mergeFieldSets(existing ? [existing.set, child.set] : [child.set]) });
    }
  }
  return out;
}

/** The entries of `metadata.managedFields`, dropping malformed ones. */
export function readManagedFields(obj: KubeObject | undefined): ManagedFieldsEntry[] {
  const entries = obj?.metadata?.managedFields;
  if (!Array.isArray(entries)) return [];
  return entries.filter(isRecord).map((entry) => ({
    manager: typeof entry.manager === 'string' ? entry.manager : undefined,
    operation: typeof entry.operation === 'string' ? entry.operation : undefined,
    apiVersion: typeof entry.apiVersion === 'string' ? entry.apiVersion : undefined,
    subresource: typeof entry.subresource === 'string' ? entry.subresource : undefined,
    fieldsType: typeof entry.fieldsType === 'string' ? entry.fieldsType : undefined,
    fieldsV1: entry.fieldsV1,
  }));
}

/** The merged fields of the entries `select` accepts (FieldsV1 entries only). */
export function ownedFields(entries: readonly ManagedFieldsEntry[], select: (entry: ManagedFieldsEntry) => boolean): FieldSet {
  const sets = entries
    .filter((entry) => (entry.fieldsType === undefined || entry.fieldsType === 'FieldsV1') && select(entry))
    .map((entry) => parseFieldsV1(entry.fieldsV1));
  return sets.length === 1 && sets[0] ? sets[0] : mergeFieldSets(sets);
}

export function matchesListKeys(item: unknown, keys: Readonly<Record<string, unknown>>): boolean {
  if (!isRecord(item)) return false;
  return Object.entries(keys).every(([field, value]) => deepEqual(item[field] ?? LIST_KEY_DEFAULTS[field], value));
}

/** Finds the child a path element names in a JSON node, with the segment that addresses it there. */
export function resolveElement(node: unknown, element: PathElement): { value: unknown; segment: PathSegment } | undefined {
  switch (element.type) {
    case 'field':
      return isRecord(node) && Object.hasOwn(node, element.name) ? { value: node[element.name], segment: element.name } : undefined;
    case 'key':
    case 'value':
    case 'index': {
      if (!Array.isArray(node)) return undefined;
      const index =
        element.type === 'index'
          ? element.index < node.length ? element.index : -1
          : element.type === 'key'
            ? node.findIndex((item) => matchesListKeys(item, element.keys))
            : node.findIndex((item) => deepEqual(item, element.value));
      return index < 0 ? undefined : { value: node[index], segment: index };
    }
  }
}

export function formatPathElement(element: PathElement): string {
  switch (element.type) {
    case 'field':
      return `.${element.name}`;
    case 'key':
      return `[${Object.entries(element.keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    case 'value':
      return `[=${JSON.stringify(element.value)}]`;
    case 'index':
      return `[${element.index}]`;
  }
}

/** Every owned path, readable (`.spec.template.spec.containers[name="app"].image`); for tests and debugging. */
export function describeFieldSet(set: FieldSet, prefix = ''): string[] {
  const out: string[] = [];
  for (const child of set.children.values()) {
    const path = prefix + formatPathElement(child.element);
    if (child.set.children.size === 0 || child.set.self) out.push(path);
    out.push(...describeFieldSet(child.set, path));
  }
  return out;
}
