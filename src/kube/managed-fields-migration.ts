// Client-side apply migration (Argo CD's `ClientSideApplyMigration`, kubectl's "csaupgrade"): the fields
// an older client-side or Argo CD manager owns become kawa's, so that the next server-side apply removes
// the ones Git dropped. Without it those fields stay forever: server-side apply only removes fields the
// applier itself owned, and the diff only counts kawa's own fields as removable.
//
// Kubernetes' documented recipe (Server-Side Apply, "Upgrading from client-side apply to server-side
// apply"): move the old manager's `Update` entry into the applier's `Apply` entry (union of the field
// sets) and drop the old entry, in one JSON patch of `metadata.managedFields` guarded by a `test` of
// `metadata.resourceVersion`, so that a change made meanwhile is never overwritten. A JSON patch that
// only changes managedFields records no ownership of its own: the server keeps exactly the list sent.
//
// Pure: this file builds the patch from an object's managedFields; the caller reads and sends.

import { isRecord } from './objects.js';

/**
 * The managers whose fields kawa takes over by default: `kubectl apply` without `--server-side`, and Argo
 * CD's controller (an `Update` entry from its client-side apply, an `Apply` entry from its server-side
 * apply). Objects moved from Argo CD carry one or both.
 */
export const CLIENT_SIDE_APPLY_MANAGERS: readonly string[] = ['kubectl-client-side-apply', 'argocd-controller'];

/**
 * Whether an object's client-side applied fields are taken over at all. Not a bare Pod's: a client-side
 * create also owns what the API server injected into the (immutable) Pod spec, such as the service-account
 * token volume, so after a take-over kawa's apply would remove it, which the API server refuses (and the
 * diff would report it as drift forever).
 */
export function takesOverClientSideApply(obj: { apiVersion?: string; kind?: string }): boolean {
  return !(obj.apiVersion === 'v1' && obj.kind === 'Pod');
}

/** One JSON patch operation (RFC 6902) of the migration. */
export type MigrationPatchOperation =
  | { readonly op: 'test'; readonly path: '/metadata/resourceVersion'; readonly value: string }
  | { readonly op: 'replace'; readonly path: '/metadata/managedFields'; readonly value: readonly unknown[] };

export interface MigrationInput {
  /** The live object's `metadata.managedFields`, exactly as the server returned it (all entries, status ones too). */
  readonly managedFields: unknown;
  /** The live object's `metadata.resourceVersion`: the patch applies only to this version. */
  readonly resourceVersion: string;
  /** The server-side apply manager that takes the fields over (`kawa`). */
  readonly manager: string;
  /** Managers whose fields it takes over ({@link CLIENT_SIDE_APPLY_MANAGERS}). */
  readonly from: readonly string[];
  /**
   * The live object's apiVersion: when kawa has no Apply entry yet, the old entry of this version is the
   * one converted (field paths are per version, so only entries of one version can be merged).
   */
  readonly apiVersion?: string;
}

type Entry = Record<string, unknown>;

/** The object itself, not a subresource (status entries describe other fields and are never moved). */
function onMainResource(entry: Entry): boolean {
  return entry['subresource'] === undefined || entry['subresource'] === '';
}

/** Only FieldsV1 sets can be merged; an entry of another format is left alone. */
function isFieldsV1(entry: Entry): boolean {
  return (entry['fieldsType'] === undefined || entry['fieldsType'] === 'FieldsV1') && (entry['fieldsV1'] === undefined || isRecord(entry['fieldsV1']));
}

function isTarget(entry: unknown, manager: string): entry is Entry {
  return isRecord(entry) && entry['manager'] === manager && entry['operation'] === 'Apply' && onMainResource(entry) && isFieldsV1(entry);
}

function isOld(entry: unknown, from: readonly string[]): entry is Entry {
  return (
    isRecord(entry) &&
    typeof entry['manager'] === 'string' &&
    from.includes(entry['manager']) &&
    (entry['operation'] === 'Update' || entry['operation'] === 'Apply') &&
    onMainResource(entry) &&
    isFieldsV1(entry)
  );
}

/**
 * The union of two FieldsV1 tries. A trie maps path elements (`f:name`, `k:{...}`, `v:...`, `i:0`, `.`)
 * to sub-tries, `{}` being an owned leaf, so the union is a recursive merge of keys: a dozen lines, where
 * structured-merge-diff's `fieldpath.Set` (Go) has no JavaScript port worth a dependency. The element
 * texts of both sides come from the same API server's encoder, so equal elements are equal strings.
 */
export function unionFieldsV1(a: unknown, b: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = isRecord(a) ? { ...a } : {};
  if (!isRecord(b)) return out;
  for (const [key, value] of Object.entries(b)) {
    out[key] = Object.hasOwn(out, key) ? unionFieldsV1(out[key], value) : value;
  }
  return out;
}

function apiVersionOf(entry: Entry): string | undefined {
  return typeof entry['apiVersion'] === 'string' ? entry['apiVersion'] : undefined;
}

/** kawa's Apply entry's version; without one, the live object's when an old entry has it, else the first old entry's. */
function chosenVersion(target: Entry | undefined, old: readonly Entry[], preferred: string | undefined): string | undefined {
  if (target !== undefined) return apiVersionOf(target);
  if (preferred !== undefined && old.some((entry) => apiVersionOf(entry) === preferred)) return preferred;
  return old[0] === undefined ? undefined : apiVersionOf(old[0]);
}

/**
 * The JSON patch that moves the fields of `from`'s entries into `manager`'s Apply entry, or undefined
 * when there is nothing to move. Only entries of the Apply entry's apiVersion are merged (when kawa has
 * none yet: `apiVersion`'s, else the first old entry's); entries of other versions, of subresources and
 * of other managers stay as they are.
 */
export function managedFieldsMigrationPatch(input: MigrationInput): MigrationPatchOperation[] | undefined {
  const entries: readonly unknown[] = Array.isArray(input.managedFields) ? input.managedFields : [];
  const from = input.from.filter((name) => name !== input.manager);
  const old = entries.filter((entry) => isOld(entry, from));
  if (old.length === 0) return undefined;

  const target = entries.find((entry) => isTarget(entry, input.manager));
  const version = chosenVersion(target, old, input.apiVersion);
  const merged = old.filter((entry) => apiVersionOf(entry) === version);
  const [first] = merged;
  if (first === undefined) return undefined;

  // kawa's entry keeps its place; without one, the first merged entry becomes it (as kubectl does).
  const base = target ?? first;
  const fieldsV1 = [base, ...merged].reduce<Record<string, unknown>>((acc, entry) => unionFieldsV1(acc, entry['fieldsV1']), {});
  const upgraded: Entry = { ...base, manager: input.manager, operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1 };

  const value: unknown[] = [];
  for (const entry of entries) {
    if (entry === base) value.push(upgraded);
    else if (!(isRecord(entry) && merged.includes(entry))) value.push(entry);
  }
  return [
    { op: 'test', path: '/metadata/resourceVersion', value: input.resourceVersion },
    { op: 'replace', path: '/metadata/managedFields', value },
  ];
}

/** Whether `managedFields` holds an entry of `from` that a migration would move (a cheap check before reading the object). */
export function hasClientSideApplyFields(managedFields: unknown, from: readonly string[], manager: string): boolean {
  return Array.isArray(managedFields) && managedFields.some((entry) => isOld(entry, from.filter((name) => name !== manager)));
}
