// Shared shapes of the diff core. Objects are plain JSON as the API server returns them (unstructured).

/** A Kubernetes object as plain JSON. Only the fields the diff reads are typed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  [field: string]: unknown;
}

export type DifferenceKind =
  /** Both sides have the field, the values differ. */
  | 'changed'
  /** Desired has the field, live does not. */
  | 'missing-in-live'
  /** kawa's field manager owns the field in live, but Git no longer has it: applying would remove it. */
  | 'removed-from-desired';

export interface Difference {
  /**
   * RFC 6901 pointer. For `changed` and `missing-in-live` it points into the desired object; for
   * `removed-from-desired` into the live one (the field only exists there). In associative lists the two
   * can use different indexes for the same element.
   */
  path: string;
  kind: DifferenceKind;
  desired?: unknown;
  live?: unknown;
}

export interface CompareResult {
  synced: boolean;
  differences: Difference[];
}

/** One entry of `metadata.managedFields`. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  subresource?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
}
