// `RespectIgnoreDifferences=true`: the fields `ignoreDifferences` selects are not overwritten by a sync.
// The object to apply takes them from live (Argo CD does the same to its target before applying).
// Taking live's value — rather than leaving the field out — matters with server-side apply: a field
// kawa owned and no longer sends would be removed from the object. Fields other managers own
// (`managedFieldsManagers`) are left out instead: their owner keeps them, and kawa stops claiming them.
import { fieldsOfRuleManagers, ruleMatches, removeFieldSet, removePath, type IgnoreDifferencesRule, type IgnoreOptions } from './ignore.js';
import { decodePointer, listIndex, type PathSegment } from './pointer.js';
import type { KubeObject } from './types.js';
import { cloneJson, isRecord } from './values.js';

/** The value at `segments`, or `absent`. */
function valueAt(root: unknown, segments: readonly PathSegment[]): { found: true; value: unknown } | { found: false } {
  let node = root;
  for (const segment of segments) {
    if (Array.isArray(node)) {
      const index = listIndex(segment);
      if (index < 0 || index >= node.length) return { found: false };
      node = node[index];
    } else if (isRecord(node) && Object.hasOwn(node, String(segment))) {
      node = node[String(segment)];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: node };
}

/** Sets the value at `segments`, creating maps on the way; false when a list index or a scalar is in the way. */
function setPath(root: unknown, segments: readonly PathSegment[], value: unknown): boolean {
  let node = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as PathSegment;
    const last = i === segments.length - 1;
    if (Array.isArray(node)) {
      const index = listIndex(segment);
      if (index < 0 || index >= node.length) return false;
      if (last) node[index] = cloneJson(value);
      else node = node[index];
    } else if (isRecord(node)) {
      const key = String(segment);
      if (last) {
        node[key] = cloneJson(value);
      } else {
        if (!Object.hasOwn(node, key) || (typeof node[key] !== 'object' || node[key] === null)) node[key] = typeof segments[i + 1] === 'number' ? [] : {};
        node = node[key];
      }
    } else {
      return false;
    }
  }
  return true;
}

/** Desired takes live's value at `path` (or loses the field when live has none). */
function takeFromLive(desired: KubeObject, live: KubeObject, path: readonly PathSegment[]): void {
  const found = valueAt(live, path);
  if (!found.found) removePath(desired, path);
  else if (!setPath(desired, path, found.value)) removePath(desired, path);
}

export interface RespectResult {
  object: KubeObject;
  /** Rules that could not be applied (bad pointer, no jq evaluator, jq failure): those fields go out as desired. */
  warnings: string[];
}

/**
 * The object to apply when `RespectIgnoreDifferences=true`: `desired` with the ignored fields as they are
 * in `live`. `desired` is not modified. Without a live object there is nothing to respect.
 */
export function respectIgnoreDifferences(
  desired: KubeObject,
  live: KubeObject | undefined,
  rules: readonly IgnoreDifferencesRule[],
  options: IgnoreOptions = {},
): RespectResult {
  const matching = rules.filter((rule) => ruleMatches(rule, desired));
  if (live === undefined || matching.length === 0) return { object: desired, warnings: [] };
  const object = cloneJson(desired);
  const warnings: string[] = [];
  for (const rule of matching) {
    for (const pointer of rule.jsonPointers ?? []) {
      const segments = decodePointer(pointer);
      // The whole document cannot be taken from live: the object would not be applied at all.
      if (segments === undefined || segments.length === 0) warnings.push(`RespectIgnoreDifferences: "${pointer}" cannot be respected`);
      else takeFromLive(object, live, segments);
    }
    for (const expression of rule.jqPathExpressions ?? []) {
      if (options.jq === undefined) {
        warnings.push(`RespectIgnoreDifferences: jqPathExpressions are not supported here; "${expression}" was not respected`);
        continue;
      }
      try {
        // Paths live has take its value; paths only desired has are dropped.
        const paths = [...options.jq.paths(expression, live), ...options.jq.paths(expression, object)].filter((p) => p.length > 0);
        const seen = new Set<string>();
        for (const path of paths) {
          const key = JSON.stringify(path);
          if (seen.has(key)) continue;
          seen.add(key);
          takeFromLive(object, live, path);
        }
      } catch (err) {
        warnings.push(`RespectIgnoreDifferences: jq "${expression}" failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const fields = fieldsOfRuleManagers(rule, options);
    if (fields !== undefined) removeFieldSet(object, fields);
  }
  return { object, warnings };
}
