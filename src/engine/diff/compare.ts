// "Desired ⊆ live": every field Git sets must have the same value in live; fields only live has (defaults,
// controller and webhook additions) are fine. That alone misses a field deleted from Git, so we also read
// live's managedFields: a field kawa's manager applied earlier, still present in live but gone from Git,
// is drift (the next apply would remove it). So is one an Argo CD or kubectl client-side apply set, when
// the sync moves those managers' fields to kawa first (migratedManagers). Inputs are expected to be
// normalized already (see index.ts).

import { listHintsOf, listSpecFor, mergeListHints, type ListHints, type ListSpec } from './lists.js';
import { LIST_KEY_DEFAULTS, mergeFieldSets, ownedFields, parseFieldsV1, readManagedFields, resolveElement, type FieldSet } from './managed-fields.js';
import { encodePointer, type PathSegment } from './pointer.js';
import type { CompareResult, Difference, KubeObject, ManagedFieldsEntry } from './types.js';
import { deepEqual, isDeepEmpty, isRecord } from './values.js';

export const DEFAULT_FIELD_MANAGER = 'kawa';

export interface CompareOptions {
  /** The field manager kawa applies with. Default `kawa`. */
  manager?: string;
  /**
   * Live's `metadata.managedFields` entries. Pass them when `live` was normalized (which strips them);
   * by default they are read from `live`.
   */
  managedFields?: readonly ManagedFieldsEntry[];
  /**
   * Managers whose fields the sync moves to kawa before applying (`ClientSideApplyMigration`, see
   * kube/managed-fields-migration.ts): their fields count as kawa's, so a field Argo CD applied and Git
   * has dropped since is drift before the first sync too, as Argo CD's own diff shows it. Default none.
   */
  migratedManagers?: readonly string[];
}

interface Context {
  readonly kind: string | undefined;
  readonly hints: ListHints;
}

/** A desired value that equals an absent live field: empty (omitempty drops it) or a Go zero scalar. */
function absentEquivalent(value: unknown): boolean {
  return value === false || value === 0 || isDeepEmpty(value);
}

function keyOf(item: unknown, keys: readonly string[]): string | undefined {
  if (!isRecord(item)) return undefined;
  const values: unknown[] = [];
  for (const key of keys) {
    const value = item[key] ?? LIST_KEY_DEFAULTS[key];
    if (value === undefined) return undefined;
    values.push(value);
  }
  return JSON.stringify(values);
}

function compareValue(ctx: Context, desired: unknown, live: unknown, path: PathSegment[], names: string[], out: Difference[]): void {
  if (desired === null || desired === undefined) return; // like an absent field: Git asks nothing of live here
  if (isRecord(desired)) {
    if (!isRecord(live)) {
      if (!(live === null && isDeepEmpty(desired))) out.push({ path: encodePointer(path), kind: 'changed', desired, live });
      return;
    }
    for (const [key, d] of Object.entries(desired)) {
      path.push(key);
      names.push(key);
      const l = live[key];
      if (l === undefined || l === null) {
        if (!absentEquivalent(d)) out.push({ path: encodePointer(path), kind: 'missing-in-live', desired: d });
      } else {
        compareValue(ctx, d, l, path, names, out);
      }
      names.pop();
      path.pop();
    }
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) {
      out.push({ path: encodePointer(path), kind: 'changed', desired, live });
      return;
    }
    compareList(ctx, desired, live, listSpecFor(names, ctx.kind, ctx.hints), path, names, out);
    return;
  }
  if (!deepEqual(desired, live)) out.push({ path: encodePointer(path), kind: 'changed', desired, live });
}

function compareList(
  ctx: Context,
  desired: readonly unknown[],
  live: readonly unknown[],
  spec: ListSpec,
  path: PathSegment[],
  names: string[],
  out: Difference[],
): void {
  if (spec.type === 'map') {
    const desiredKeys = desired.map((item) => keyOf(item, spec.keys));
    // An element without its key cannot be matched by key (the server would reject it anyway).
    if (desiredKeys.every((key) => key !== undefined)) {
      const liveIndex = new Map<string, number>();
      live.forEach((item, i) => {
        const key = keyOf(item, spec.keys);
        if (key !== undefined && !liveIndex.has(key)) liveIndex.set(key, i);
      });
      desiredKeys.forEach((key, i) => {
        const li = liveIndex.get(key);
        path.push(i);
        if (li === undefined) out.push({ path: encodePointer(path), kind: 'missing-in-live', desired: desired[i] });
        else compareValue(ctx, desired[i], live[li], path, names, out);
        path.pop();
      });
      return;
    }
  }
  if (spec.type === 'set') {
    desired.forEach((item, i) => {
      const found = live.some((candidate) => {
        const probe: Difference[] = [];
        compareValue(ctx, item, candidate, [], names, probe);
        return probe.length === 0;
      });
      path.push(i);
      if (!found) out.push({ path: encodePointer(path), kind: 'missing-in-live', desired: item });
      path.pop();
    });
    return;
  }
  if (desired.length !== live.length) {
    out.push({ path: encodePointer(path), kind: 'changed', desired, live });
    return;
  }
  desired.forEach((item, i) => {
    path.push(i);
    compareValue(ctx, item, live[i], path, names, out);
    path.pop();
  });
}

/** Reports fields of `owned` present in live but absent from desired. Paths point into live. */
function checkOwnership(owned: FieldSet, desired: unknown, live: unknown, path: PathSegment[], out: Difference[]): void {
  for (const { element, set } of owned.children.values()) {
    const l = resolveElement(live, element);
    if (l === undefined || isDeepEmpty(l.value)) continue; // nothing in live to remove
    path.push(l.segment);
    const d = resolveElement(desired, element);
    if (d === undefined) {
      out.push({ path: encodePointer(path), kind: 'removed-from-desired', live: l.value });
    } else if (d.value === null) {
      // Applying null (`annotations:` with no value) removes kawa's own values but leaves kawa owning the
      // field itself: what is there now (a default, another manager's keys) stays on the next apply, so
      // only the parts kawa still owns inside it are drift — they are from an earlier apply.
      checkOwnership(set, null, l.value, path, out);
    } else if (set.children.size > 0) {
      checkOwnership(set, d.value, l.value, path, out);
    }
    path.pop();
  }
}

/** The Apply entries of `manager` for the live object's own apiVersion (other versions may name other paths). */
export function appliedBy(entries: readonly ManagedFieldsEntry[], manager: string, apiVersion: string | undefined): FieldSet {
  return ownedFields(
    entries,
    (entry) =>
      entry.manager === manager &&
      entry.operation === 'Apply' &&
      entry.subresource === undefined &&
      (entry.apiVersion === undefined || apiVersion === undefined || entry.apiVersion === apiVersion),
  );
}

/** Maps whose keys no server default fills in: labels and annotations (any metadata), and a ConfigMap's or Secret's data. */
function isKeyedMap(path: readonly string[]): boolean {
  const [first, ...rest] = path;
  if (rest.length === 0) return first === 'f:data' || first === 'f:binaryData' || first === 'f:stringData';
  return path.at(-2) === 'f:metadata' && (path.at(-1) === 'f:labels' || path.at(-1) === 'f:annotations');
}

/**
 * What of an Update entry's fields was surely applied, not defaulted. A create records every field of
 * the stored object as its creator's, server defaults included (`progressDeadlineSeconds`,
 * `imagePullPolicy`, …); the sync's apply drops them and the server sets them again, so they are no
 * drift. Without the last-applied annotation (the cache does not keep it) only two kinds of element
 * surely came from the applier: list elements (`k:`/`v:`: an env var, a port, a volume) and keys of
 * labels, annotations and data. Fields of such an element are filtered the same way.
 */
function surelyApplied(set: FieldSet, path: string[] = []): FieldSet {
  const out: FieldSet = { self: false, children: new Map() };
  for (const [text, child] of set.children) {
    path.push(text);
    const kept = surelyApplied(child.set, path);
    const element = child.element.type === 'key' || child.element.type === 'value' || (child.element.type === 'field' && isKeyedMap(path.slice(0, -1)));
    if (element) kept.self = true;
    if (element || kept.children.size > 0) out.children.set(text, { element: child.element, set: kept });
    path.pop();
  }
  return out;
}

/**
 * The fields the sync migrates to kawa before applying: main-resource entries of `managers`, of the live
 * object's apiVersion (the entries the migration merges). An Apply entry (Argo CD's server-side apply)
 * holds exactly what was applied; of an Update entry only what {@link surelyApplied} keeps counts.
 */
export function migratedFrom(entries: readonly ManagedFieldsEntry[], managers: readonly string[], apiVersion: string | undefined): FieldSet {
  const migrated = (operation: string) =>
    ownedFields(
      entries,
      (entry) =>
        entry.manager !== undefined &&
        managers.includes(entry.manager) &&
        entry.operation === operation &&
        (entry.subresource === undefined || entry.subresource === '') &&
        (entry.apiVersion === undefined || apiVersion === undefined || entry.apiVersion === apiVersion),
    );
  return mergeFieldSets([migrated('Apply'), surelyApplied(migrated('Update'))]);
}

/** Compares normalized desired and live objects: desired ⊆ live, plus fields kawa owns that Git dropped. */
export function compareObject(desired: KubeObject, live: KubeObject, options: CompareOptions = {}): CompareResult {
  const entries = options.managedFields ?? readManagedFields(live);
  const hints = mergeListHints(
    entries
      .filter((entry) => entry.fieldsType === undefined || entry.fieldsType === 'FieldsV1')
      .map((entry) => listHintsOf(parseFieldsV1(entry.fieldsV1))),
  );
  const ctx: Context = { kind: desired.kind ?? live.kind, hints };
  const differences: Difference[] = [];
  compareValue(ctx, desired, live, [], [], differences);
  const manager = options.manager ?? DEFAULT_FIELD_MANAGER;
  const applied = appliedBy(entries, manager, live.apiVersion);
  const migrated = (options.migratedManagers ?? []).filter((name) => name !== manager);
  const owned = migrated.length === 0 ? applied : mergeFieldSets([applied, migratedFrom(entries, migrated, live.apiVersion)]);
  checkOwnership(owned, desired, live, [], differences);
  return { synced: differences.length === 0, differences };
}
