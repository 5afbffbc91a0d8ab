// Sync options: `Key=value` strings from `spec.syncPolicy.syncOptions`, from the sync operation, and
// from the `argocd.argoproj.io/sync-options` annotation, parsed into one typed record and merged with
// the resource winning (Argo CD: "a Prune sync option on the resource will always override" the app's).
//
// Stricter than Argo CD on purpose: Argo CD silently ignores `Prune=False` or `prune=false` and then
// prunes. Here a known key with a bad value or the wrong case is an error, so a typo can never turn
// into a deletion. Keys kawa does not know are only warnings, so options from newer Argo CD versions
// do not block syncs.

import { syncErrorCodes, validationError, type SyncValidationError } from './errors.js';

export type PropagationPolicy = 'foreground' | 'background' | 'orphan';

/** Options as written somewhere: only the keys that were set. */
export interface SyncOptionValues {
  /** `Prune=false` never prunes the object; `confirm` waits for the app's deletion approval. */
  readonly prune?: boolean | 'confirm';
  /** Same for deletion of the Application (cascade). */
  readonly delete?: boolean | 'confirm';
  readonly pruneLast?: boolean;
  readonly prunePropagationPolicy?: PropagationPolicy;
  readonly validate?: boolean;
  readonly skipDryRunOnMissingResource?: boolean;
  readonly replace?: boolean;
  readonly force?: boolean;
  readonly serverSideApply?: boolean;
  readonly clientSideApplyMigration?: boolean;
  readonly applyOutOfSyncOnly?: boolean;
  readonly respectIgnoreDifferences?: boolean;
  readonly failOnSharedResource?: boolean;
  readonly createNamespace?: boolean;
}

/** Every option with its effective value. */
export type ResolvedSyncOptions = Required<SyncOptionValues>;

/** Argo CD's defaults: everything off except pruning/deletion allowed, validation, CSA migration. */
export const DEFAULT_SYNC_OPTIONS: ResolvedSyncOptions = {
  prune: true,
  delete: true,
  pruneLast: false,
  prunePropagationPolicy: 'foreground',
  validate: true,
  skipDryRunOnMissingResource: false,
  replace: false,
  force: false,
  serverSideApply: false,
  clientSideApplyMigration: true,
  applyOutOfSyncOnly: false,
  respectIgnoreDifferences: false,
  failOnSharedResource: false,
  createNamespace: false,
};

interface OptionSpec<T> {
  /** What the value may be, for error messages. */
  readonly expected: string;
  /** `undefined` raw means the key was written bare (`PruneLast`). Returns undefined when invalid. */
  readonly parse: (raw: string | undefined) => T | undefined;
}

function parseBoolean(raw: string | undefined): boolean | undefined {
  // A bare key reads as "on": `PruneLast` is how people write it in prose and in issues.
  if (raw === undefined || raw === 'true') return true;
  if (raw === 'false') return false;
  return undefined;
}

const BOOLEAN: OptionSpec<boolean> = { expected: 'true or false', parse: parseBoolean };

const BOOLEAN_OR_CONFIRM: OptionSpec<boolean | 'confirm'> = {
  expected: 'true, false or confirm',
  parse: (raw) => (raw === 'confirm' ? 'confirm' : parseBoolean(raw)),
};

const PROPAGATION: OptionSpec<PropagationPolicy> = {
  expected: 'foreground, background or orphan',
  parse: (raw) => (raw === 'foreground' || raw === 'background' || raw === 'orphan' ? raw : undefined),
};

/** One entry per key, as Argo CD spells it, mapped to its field. */
const SYNC_OPTION_SPECS: { readonly [K in keyof SyncOptionValues as string]: readonly [K, OptionSpec<NonNullable<SyncOptionValues[K]>>] } = {
  Prune: ['prune', BOOLEAN_OR_CONFIRM],
  Delete: ['delete', BOOLEAN_OR_CONFIRM],
  PruneLast: ['pruneLast', BOOLEAN],
  PrunePropagationPolicy: ['prunePropagationPolicy', PROPAGATION],
  Validate: ['validate', BOOLEAN],
  SkipDryRunOnMissingResource: ['skipDryRunOnMissingResource', BOOLEAN],
  Replace: ['replace', BOOLEAN],
  Force: ['force', BOOLEAN],
  ServerSideApply: ['serverSideApply', BOOLEAN],
  ClientSideApplyMigration: ['clientSideApplyMigration', BOOLEAN],
  ApplyOutOfSyncOnly: ['applyOutOfSyncOnly', BOOLEAN],
  RespectIgnoreDifferences: ['respectIgnoreDifferences', BOOLEAN],
  FailOnSharedResource: ['failOnSharedResource', BOOLEAN],
  CreateNamespace: ['createNamespace', BOOLEAN],
};

/** Where a list of options came from, for messages: the object and the annotation or field. */
export interface OptionSource {
  readonly object: string;
  readonly source: string;
}

export interface ParsedOptions<T> {
  readonly values: T;
  readonly errors: readonly SyncValidationError[];
  readonly warnings: readonly string[];
}

interface KeyValue {
  readonly key: string;
  readonly raw: string | undefined;
  readonly text: string;
}

/** Comma-separated `Key=value` entries, trimmed; empty entries (a trailing comma) are dropped. */
function splitEntries(entries: readonly string[]): KeyValue[] {
  const out: KeyValue[] = [];
  for (const entry of entries) {
    for (const part of entry.split(',')) {
      const text = part.trim();
      if (text === '') continue;
      const eq = text.indexOf('=');
      out.push(eq < 0 ? { key: text, raw: undefined, text } : { key: text.slice(0, eq).trim(), raw: text.slice(eq + 1).trim(), text });
    }
  }
  return out;
}

/**
 * Shared parser for sync-options and compare-options: known keys map to typed fields, a wrong-case key
 * or a bad value is an error, an unknown key a warning, the same key twice with different values an error.
 */
function parseKeyValues<T extends object>(
  entries: readonly string[],
  specs: { readonly [key: string]: readonly [keyof T, OptionSpec<unknown>] },
  where: OptionSource,
  what: string,
): ParsedOptions<T> {
  const values: Partial<Record<keyof T, unknown>> = {};
  const seen = new Map<string, string>();
  const errors: SyncValidationError[] = [];
  const warnings: string[] = [];
  const fail = (message: string, value: string) => {
    errors.push(validationError(syncErrorCodes.SYNC_OPTION_INVALID, where.object, message, { source: where.source, value }));
  };
  for (const { key, raw, text } of splitEntries(entries)) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (spec === undefined) {
      const near = Object.keys(specs).find((known) => known.toLowerCase() === key.toLowerCase());
      if (near !== undefined) fail(`unknown ${what} "${text}" in ${where.source}; did you mean "${near}"?`, text);
      else warnings.push(`${where.object}: ignoring unknown ${what} "${text}" in ${where.source}`);
      continue;
    }
    const [fieldName, optionSpec] = spec;
    const parsed = optionSpec.parse(raw);
    if (parsed === undefined) {
      fail(`invalid ${what} "${text}" in ${where.source}: ${key} must be ${optionSpec.expected}`, text);
      continue;
    }
    const previous = seen.get(key);
    if (previous !== undefined && values[fieldName] !== parsed) {
      fail(`conflicting ${what}s "${previous}" and "${text}" in ${where.source}`, text);
      continue;
    }
    seen.set(key, text);
    values[fieldName] = parsed;
  }
  return { values: values as T, errors, warnings };
}

/**
 * Parses sync options. `entries` is either the items of `spec.syncPolicy.syncOptions` or the single
 * annotation value; both may hold comma lists.
 */
export function parseSyncOptions(entries: readonly string[], where: OptionSource): ParsedOptions<SyncOptionValues> {
  return parseKeyValues<SyncOptionValues>(entries, SYNC_OPTION_SPECS, where, 'sync option');
}

/** `argocd.argoproj.io/compare-options`. */
export interface CompareOptions {
  readonly ignoreExtraneous?: boolean;
  readonly serverSideDiff?: boolean;
  readonly includeMutationWebhook?: boolean;
}

const COMPARE_OPTION_SPECS: { readonly [K in keyof CompareOptions as string]: readonly [K, OptionSpec<boolean>] } = {
  IgnoreExtraneous: ['ignoreExtraneous', BOOLEAN],
  ServerSideDiff: ['serverSideDiff', BOOLEAN],
  IncludeMutationWebhook: ['includeMutationWebhook', BOOLEAN],
};

export function parseCompareOptions(entries: readonly string[], where: OptionSource): ParsedOptions<CompareOptions> {
  return parseKeyValues<CompareOptions>(entries, COMPARE_OPTION_SPECS, where, 'compare option');
}

/** The layers an object's effective options come from, weakest first. */
export interface SyncOptionLayers {
  /** `spec.syncPolicy.syncOptions`. */
  readonly app?: SyncOptionValues;
  /** The sync operation's own options and flags (`--server-side`, `--replace`, `--force`, …). */
  readonly operation?: SyncOptionValues;
  /** The object's `argocd.argoproj.io/sync-options` annotation. */
  readonly resource?: SyncOptionValues;
}

/** Effective options for one object: defaults, then app, then operation, then the resource itself. */
export function resolveSyncOptions(layers: SyncOptionLayers): ResolvedSyncOptions {
  return { ...DEFAULT_SYNC_OPTIONS, ...onlySet(layers.app), ...onlySet(layers.operation), ...onlySet(layers.resource) };
}

/** Drops keys present with `undefined`, so an unset flag never hides a weaker layer's value. */
function onlySet(values: SyncOptionValues | undefined): SyncOptionValues {
  if (values === undefined) return {};
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}
