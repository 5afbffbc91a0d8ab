// Argo CD's `ignoreDifferences`: the selected fields are removed from both desired and live before
// comparing, so they can neither differ nor count as "removed from Git".

import { apiGroup } from './normalize.js';
import { ownedFields, resolveElement, type FieldSet } from './managed-fields.js';
import { decodePointer, listIndex, type PathSegment } from './pointer.js';
import type { KubeObject, ManagedFieldsEntry } from './types.js';
import { cloneJson, isRecord } from './values.js';

/** One `spec.ignoreDifferences` entry (or a system-level one from `resource.customizations`). */
export interface IgnoreDifferencesRule {
  /** Glob (`*`, `?`); omitted or empty is the core group. */
  group?: string;
  /** Glob (`*`, `?`). */
  kind?: string;
  /** Exact; omitted matches every name. */
  name?: string;
  /** Exact; omitted matches every namespace. */
  namespace?: string;
  /** RFC 6901 pointers (`~1` for `/`, `~0` for `~`). */
  jsonPointers?: readonly string[];
  /** jq path expressions; evaluated only when an evaluator is supplied (IgnoreOptions.jq). */
  jqPathExpressions?: readonly string[];
  /** Fields these managers own in live are ignored. */
  managedFieldsManagers?: readonly string[];
}

/**
 * Extension point for `jqPathExpressions`. Returns the paths the expression selects in `obj` (what jq's
 * `path(expr)` yields); they are removed from the object. Enforce the time limit inside and throw when
 * the expression fails or times out: the failure is reported as a warning and the expression skipped.
 */
export interface JqPathEvaluator {
  paths(expression: string, obj: KubeObject): ReadonlyArray<readonly PathSegment[]>;
}

export interface IgnoreOptions {
  /** Live's managedFields (normalized objects no longer carry them). */
  managedFields?: readonly ManagedFieldsEntry[];
  jq?: JqPathEvaluator;
}

export interface IgnoreResult {
  desired: KubeObject;
  live: KubeObject;
  /** Rules that could not be applied (bad pointer, no jq evaluator, jq failure). */
  warnings: string[];
}

function glob(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

function stringField(obj: KubeObject, field: string): string | undefined {
  const value = obj.metadata?.[field];
  return typeof value === 'string' ? value : undefined;
}

/** Whether a rule applies to the object (desired, whose identity equals live's). */
export function ruleMatches(rule: IgnoreDifferencesRule, obj: KubeObject): boolean {
  return (
    glob(rule.group ?? '', apiGroup(obj.apiVersion)) &&
    glob(rule.kind ?? '', obj.kind ?? '') &&
    (!rule.name || rule.name === stringField(obj, 'name')) &&
    (!rule.namespace || rule.namespace === (stringField(obj, 'namespace') ?? ''))
  );
}

/** Removes the value at `segments` in place (list elements are spliced out, as RFC 6902 `remove` does). */
export function removePath(root: unknown, segments: readonly PathSegment[]): void {
  let node = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    if (Array.isArray(node)) {
      const index = listIndex(segment ?? '');
      if (index < 0 || index >= node.length) return;
      if (last) node.splice(index, 1);
      else node = node[index];
    } else if (isRecord(node)) {
      const key = String(segment);
      if (!Object.hasOwn(node, key)) return;
      if (last) Reflect.deleteProperty(node, key);
      else node = node[key];
    } else {
      return;
    }
  }
}

/**
 * Removes the fields of `fields` in place. A node the set owns only partly keeps its other fields; the key
 * fields of list elements stay so that elements still match by key afterwards.
 */
export function removeFieldSet(node: unknown, fields: FieldSet, keyFields: readonly string[] = []): void {
  for (const { element, set } of fields.children.values()) {
    if (element.type === 'field' && keyFields.includes(element.name)) continue;
    const found = resolveElement(node, element);
    if (!found) continue;
    if (set.children.size === 0) removePath(node, [found.segment]);
    else removeFieldSet(found.value, set, element.type === 'key' ? Object.keys(element.keys) : []);
  }
}

// Remove list elements from the highest index down, so earlier removals do not shift later paths.
function compareForRemoval(a: readonly PathSegment[], b: readonly PathSegment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return y - x;
    return String(x) < String(y) ? -1 : 1;
  }
  return b.length - a.length;
}

function removeJqPaths(obj: KubeObject, expression: string, jq: JqPathEvaluator): void {
  const paths = [...jq.paths(expression, obj)].sort(compareForRemoval);
  for (const path of paths) {
    if (path.length === 0) {
      for (const key of Object.keys(obj)) Reflect.deleteProperty(obj, key);
    } else {
      removePath(obj, path);
    }
  }
}

/** The fields the rule's `managedFieldsManagers` own in the live object; undefined when it names none. */
export function fieldsOfRuleManagers(rule: IgnoreDifferencesRule, options: IgnoreOptions): FieldSet | undefined {
  const managers = rule.managedFieldsManagers ?? [];
  if (managers.length === 0) return undefined;
  // Every operation and subresource: an HPA writes spec.replicas through the scale subresource.
  return ownedFields(options.managedFields ?? [], (entry) => entry.manager !== undefined && managers.includes(entry.manager));
}

/** Applies the rules that match the object to copies of desired and live. */
export function applyIgnoreDifferences(
  desired: KubeObject,
  live: KubeObject,
  rules: readonly IgnoreDifferencesRule[],
  options: IgnoreOptions = {},
): IgnoreResult {
  const matching = rules.filter((rule) => ruleMatches(rule, desired));
  const warnings: string[] = [];
  if (matching.length === 0) return { desired, live, warnings };
  const d = cloneJson(desired);
  const l = cloneJson(live);
  for (const rule of matching) {
    for (const pointer of rule.jsonPointers ?? []) {
      const segments = decodePointer(pointer);
      if (segments === undefined) {
        warnings.push(`ignoreDifferences: "${pointer}" is not a JSON pointer (it must start with "/")`);
      } else if (segments.length === 0) {
        // The whole document: nothing is left to compare.
        for (const obj of [d, l]) for (const key of Object.keys(obj)) Reflect.deleteProperty(obj, key);
      } else {
        removePath(d, segments);
        removePath(l, segments);
      }
    }
    for (const expression of rule.jqPathExpressions ?? []) {
      if (!options.jq) {
        warnings.push(`ignoreDifferences: jqPathExpressions are not supported yet; "${expression}" was not applied`);
        continue;
      }
      try {
        removeJqPaths(d, expression, options.jq);
        removeJqPaths(l, expression, options.jq);
      } catch (err) {
        warnings.push(`ignoreDifferences: jq "${expression}" failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const fields = fieldsOfRuleManagers(rule, options);
    if (fields !== undefined) {
      removeFieldSet(d, fields);
      removeFieldSet(l, fields);
    }
  }
  return { desired: d, live: l, warnings };
}
