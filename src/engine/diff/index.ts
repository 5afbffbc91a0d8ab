// The diff core: normalize → ignoreDifferences → compare → redact, for one desired/live pair.
// Pure: no API calls; the caller supplies live as the cache holds it (with managedFields).

import { CLIENT_SIDE_APPLY_MANAGERS, takesOverClientSideApply } from '../../kube/managed-fields-migration.js';
import { compareObject, DEFAULT_FIELD_MANAGER } from './compare.js';
import { applyIgnoreDifferences, type IgnoreDifferencesRule, type JqPathEvaluator } from './ignore.js';
import { readManagedFields } from './managed-fields.js';
import { normalizeObject } from './normalize.js';
import { redactDifferences } from './redact.js';
import type { CompareResult, KubeObject } from './types.js';

export interface DiffOptions {
  /** The field manager kawa applies with. Default `kawa`. */
  manager?: string;
  ignoreDifferences?: readonly IgnoreDifferencesRule[];
  /** Evaluates `jqPathExpressions`; without one they are skipped with a warning. */
  jq?: JqPathEvaluator;
  /**
   * Argo CD's `resource.compareoptions.ignoreAggregatedRoles`. Default true here (Argo CD defaults to
   * false): the aggregation controller always rewrites those rules, so comparing them is false drift.
   */
  ignoreAggregatedRoles?: boolean;
  /**
   * `ClientSideApplyMigration` (default true): fields of Argo CD's and kubectl's client-side apply count
   * as kawa's, since the sync moves them to kawa before applying (compare.ts `migratedManagers`).
   */
  clientSideApplyMigration?: boolean;
}

export type DiffStatus = 'Synced' | 'OutOfSync' | 'Missing';

export interface DiffResult extends CompareResult {
  status: DiffStatus;
  /** Ignore rules that could not be applied; the comparison went on without them. */
  warnings: string[];
}

/**
 * Whether `live` matches `desired`. Differences carry no Secret values (masked). `live` undefined or null
 * means the object does not exist in the cluster: status `Missing`.
 */
export function diff(desired: KubeObject, live: KubeObject | null | undefined, options: DiffOptions = {}): DiffResult {
  if (live === undefined || live === null) return { status: 'Missing', synced: false, differences: [], warnings: [] };
  const managedFields = readManagedFields(live);
  const normalizeOptions = { ignoreAggregatedRoles: options.ignoreAggregatedRoles ?? true };
  const ignored = applyIgnoreDifferences(
    normalizeObject(desired, normalizeOptions),
    normalizeObject(live, normalizeOptions),
    options.ignoreDifferences ?? [],
    { managedFields, jq: options.jq },
  );
  const compared = compareObject(ignored.desired, ignored.live, {
    manager: options.manager ?? DEFAULT_FIELD_MANAGER,
    managedFields,
    migratedManagers: options.clientSideApplyMigration === false || !takesOverClientSideApply(live) ? [] : CLIENT_SIDE_APPLY_MANAGERS,
  });
  return {
    status: compared.synced ? 'Synced' : 'OutOfSync',
    synced: compared.synced,
    differences: redactDifferences(compared.differences, ignored.desired, ignored.live),
    warnings: ignored.warnings,
  };
}

export { compareObject, DEFAULT_FIELD_MANAGER, type CompareOptions } from './compare.js';
export {
  applyIgnoreDifferences,
  ruleMatches,
  type IgnoreDifferencesRule,
  type IgnoreOptions,
  type IgnoreResult,
  type JqPathEvaluator,
} from './ignore.js';
export { createJqEvaluator, DEFAULT_JQ_TIMEOUT_MS, type JqEvaluator, type JqEvaluatorOptions } from './jq.js';
export { describeFieldSet, parseFieldsV1, readManagedFields, type FieldSet, type PathElement } from './managed-fields.js';
export { normalizeObject, LAST_APPLIED_ANNOTATION, type NormalizeOptions } from './normalize.js';
export { decodePointer, encodePointer, type PathSegment } from './pointer.js';
export { canonicalQuantity, formatQuantity, parseQuantity, quantityEquals, type Quantity } from './quantity.js';
export { redactDifferences, redactSecret, SecretMasks } from './redact.js';
export { respectIgnoreDifferences, type RespectResult } from './respect.js';
export type { CompareResult, Difference, DifferenceKind, KubeObject, ManagedFieldsEntry } from './types.js';
