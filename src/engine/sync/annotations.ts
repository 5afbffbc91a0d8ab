// What an object's annotations say about how to sync it: hook phases and delete policies, sync wave,
// sync and compare options — Argo CD's own annotations first, Helm's mapped the way Argo CD documents
// (docs/user-guide/helm.md, "Helm Hooks"): if any Argo CD hook annotation is present, Helm's hook
// annotation is ignored; `helm.sh/hook-weight` is the wave when there is no `sync-wave`.

import { syncErrorCodes, validationError, type SyncValidationError } from './errors.js';
import { describeObject, type SyncObject } from './objects.js';
import { parseCompareOptions, parseSyncOptions, type CompareOptions, type SyncOptionValues } from './options.js';

export const ANNOTATION_HOOK = 'argocd.argoproj.io/hook';
export const ANNOTATION_HOOK_DELETE_POLICY = 'argocd.argoproj.io/hook-delete-policy';
export const ANNOTATION_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const ANNOTATION_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
export const ANNOTATION_COMPARE_OPTIONS = 'argocd.argoproj.io/compare-options';
export const ANNOTATION_HELM_HOOK = 'helm.sh/hook';
export const ANNOTATION_HELM_HOOK_WEIGHT = 'helm.sh/hook-weight';
export const ANNOTATION_HELM_HOOK_DELETE_POLICY = 'helm.sh/hook-delete-policy';
export const ANNOTATION_HELM_RESOURCE_POLICY = 'helm.sh/resource-policy';

/** Every value `argocd.argoproj.io/hook` accepts, in lifecycle order. */
export const HOOK_ANNOTATION_VALUES = ['PreSync', 'Sync', 'PostSync', 'SyncFail', 'PreDelete', 'PostDelete', 'Skip'] as const;
export type HookAnnotationValue = (typeof HOOK_ANNOTATION_VALUES)[number];
/** A phase a hook runs in. `Skip` is not one: it means "never apply". */
export type HookType = Exclude<HookAnnotationValue, 'Skip'>;
const HOOK_TYPES: readonly HookType[] = HOOK_ANNOTATION_VALUES.filter((value): value is HookType => value !== 'Skip');

export const HOOK_DELETE_POLICIES = ['HookSucceeded', 'HookFailed', 'BeforeHookCreation'] as const;
export type HookDeletePolicy = (typeof HOOK_DELETE_POLICIES)[number];

export interface HookSpec {
  /** Deduplicated, in lifecycle order. */
  readonly types: readonly HookType[];
  /** Deduplicated; `BeforeHookCreation` when nothing says otherwise. */
  readonly deletePolicies: readonly HookDeletePolicy[];
  /** Which annotation made it a hook. */
  readonly source: 'argocd' | 'helm';
}

export interface SyncAnnotations {
  /** Undefined for ordinary resources. */
  readonly hook: HookSpec | undefined;
  /** Never applied: `hook: Skip`, or Helm hooks Argo CD does not support (tests, rollback). */
  readonly skip: boolean;
  readonly wave: number;
  /** The resource's own sync options, unmerged. */
  readonly syncOptions: SyncOptionValues;
  readonly compareOptions: CompareOptions;
}

export interface ParsedSyncAnnotations {
  readonly annotations: SyncAnnotations;
  readonly errors: readonly SyncValidationError[];
  readonly warnings: readonly string[];
}

type HelmHookMapping = HookType | 'crd' | 'unsupported';

/** Helm hook → Argo CD hook, per Argo CD's documented table. Helm cannot tell install from upgrade here. */
const HELM_HOOKS: ReadonlyMap<string, HelmHookMapping> = new Map<string, HelmHookMapping>([
  ['pre-install', 'PreSync'],
  ['pre-upgrade', 'PreSync'],
  ['post-install', 'PostSync'],
  ['post-upgrade', 'PostSync'],
  ['pre-delete', 'PreDelete'],
  ['post-delete', 'PostDelete'],
  // "Supported as equivalent to normal Argo CD CRD handling": a plain resource, and CRDs sort first anyway.
  ['crd-install', 'crd'],
  ['pre-rollback', 'unsupported'],
  ['post-rollback', 'unsupported'],
  ['test', 'unsupported'],
  ['test-success', 'unsupported'],
  ['test-failure', 'unsupported'],
]);

const HELM_DELETE_POLICIES: ReadonlyMap<string, HookDeletePolicy> = new Map<string, HookDeletePolicy>([
  ['before-hook-creation', 'BeforeHookCreation'],
  ['hook-succeeded', 'HookSucceeded'],
  ['hook-failed', 'HookFailed'],
]);

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function inOrder<T extends string>(order: readonly T[], items: Iterable<T>): T[] {
  const present = new Set(items);
  return order.filter((item) => present.has(item));
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

/**
 * One annotation as written, or undefined. Null reads as absent (`annotations:` with no value, or a key
 * with none), as the API server reads it; so do annotations that are not a map (the render refuses those).
 */
export function rawAnnotation(obj: SyncObject, key: string): unknown {
  const annotations: unknown = obj.metadata.annotations;
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) return undefined;
  const value = (annotations as Readonly<Record<string, unknown>>)[key];
  return value === null ? undefined : value;
}

/** Collects errors and warnings for one object while its annotations are read. */
class Reader {
  readonly errors: SyncValidationError[] = [];
  readonly warnings: string[] = [];
  readonly object: string;

  constructor(private readonly obj: SyncObject) {
    this.object = describeObject(obj);
  }

  /** The annotation as a string; a non-string value (unquoted YAML number) is an error. */
  get(key: string): string | undefined {
    const value = rawAnnotation(this.obj, key);
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    const text = JSON.stringify(value);
    this.fail(`annotation ${key} must be a string, got ${text}`, key, text);
    return undefined;
  }

  fail(message: string, source: string, value: string): void {
    this.errors.push(validationError(syncErrorCodes.ANNOTATION_INVALID, this.object, message, { source, value }));
  }

  warn(message: string): void {
    this.warnings.push(`${this.object}: ${message}`);
  }
}

/** `argocd.argoproj.io/hook`: a comma list of known values; anything else is an error. */
function argoHookTypes(reader: Reader, value: string): { types: HookType[]; skip: boolean } {
  const items = splitList(value);
  if (items.length === 0) reader.fail(`annotation ${ANNOTATION_HOOK} is empty`, ANNOTATION_HOOK, value);
  const types: HookType[] = [];
  let skip = false;
  for (const item of items) {
    if (!isOneOf(HOOK_ANNOTATION_VALUES, item)) {
      reader.fail(`unknown hook "${item}" in ${ANNOTATION_HOOK}; expected one of ${HOOK_ANNOTATION_VALUES.join(', ')}`, ANNOTATION_HOOK, value);
    } else if (item === 'Skip') {
      skip = true;
    } else {
      types.push(item);
    }
  }
  return { types: inOrder(HOOK_TYPES, types), skip };
}

/** `helm.sh/hook`, mapped. Unsupported Helm hooks are ignored; an object with only those is skipped. */
function helmHookTypes(reader: Reader, value: string): { types: HookType[]; skip: boolean } {
  const types: HookType[] = [];
  let unsupported = 0;
  for (const item of splitList(value)) {
    const mapping = HELM_HOOKS.get(item) ?? 'unsupported';
    switch (mapping) {
      case 'crd':
        break;
      case 'unsupported':
        unsupported++;
        reader.warn(`Helm hook "${item}" has no Argo CD equivalent and is ignored`);
        break;
      case 'PreSync':
      case 'Sync':
      case 'PostSync':
      case 'SyncFail':
      case 'PreDelete':
      case 'PostDelete':
        types.push(mapping);
        break;
    }
  }
  // Argo CD leaves out manifests whose only hooks it cannot run (Helm tests): applying them as plain
  // resources would start test Pods on every sync.
  return { types: inOrder(HOOK_TYPES, types), skip: types.length === 0 && unsupported > 0 };
}

function deletePolicies(reader: Reader): HookDeletePolicy[] {
  const argo = reader.get(ANNOTATION_HOOK_DELETE_POLICY);
  if (argo !== undefined) {
    const policies: HookDeletePolicy[] = [];
    const items = splitList(argo);
    if (items.length === 0) reader.fail(`annotation ${ANNOTATION_HOOK_DELETE_POLICY} is empty`, ANNOTATION_HOOK_DELETE_POLICY, argo);
    for (const item of items) {
      if (isOneOf(HOOK_DELETE_POLICIES, item)) policies.push(item);
      else
        reader.fail(
          `unknown hook delete policy "${item}" in ${ANNOTATION_HOOK_DELETE_POLICY}; expected one of ${HOOK_DELETE_POLICIES.join(', ')}`,
          ANNOTATION_HOOK_DELETE_POLICY,
          argo,
        );
    }
    if (policies.length > 0) return inOrder(HOOK_DELETE_POLICIES, policies);
  }
  const helm = reader.get(ANNOTATION_HELM_HOOK_DELETE_POLICY);
  if (argo === undefined && helm !== undefined) {
    const policies: HookDeletePolicy[] = [];
    for (const item of splitList(helm)) {
      const policy = HELM_DELETE_POLICIES.get(item);
      if (policy === undefined) reader.warn(`Helm hook delete policy "${item}" is unknown and ignored`);
      else policies.push(policy);
    }
    if (policies.length > 0) return inOrder(HOOK_DELETE_POLICIES, policies);
  }
  return ['BeforeHookCreation'];
}

/** A wave: an integer, possibly signed. `1.5`, `one` or an empty string are errors, not wave 0. */
export function parseWave(value: string): number | undefined {
  const text = value.trim();
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const wave = Number(text);
  return Number.isSafeInteger(wave) ? wave : undefined;
}

function wave(reader: Reader): number {
  for (const key of [ANNOTATION_SYNC_WAVE, ANNOTATION_HELM_HOOK_WEIGHT]) {
    const value = reader.get(key);
    if (value === undefined) continue;
    const parsed = parseWave(value);
    if (parsed !== undefined) return parsed;
    reader.fail(`annotation ${key} must be an integer, got "${value}"`, key, value);
    return 0;
  }
  return 0;
}

/** Reads every sync-related annotation of one object. Never throws; problems come back as errors. */
export function readSyncAnnotations(obj: SyncObject): ParsedSyncAnnotations {
  const reader = new Reader(obj);

  // Argo CD's hook annotation, when present at all, silences Helm's (documented precedence).
  const argoHook = reader.get(ANNOTATION_HOOK);
  const helmHook = argoHook === undefined ? reader.get(ANNOTATION_HELM_HOOK) : undefined;
  const parsedHook =
    argoHook !== undefined ? argoHookTypes(reader, argoHook) : helmHook !== undefined ? helmHookTypes(reader, helmHook) : { types: [], skip: false };
  const policies = deletePolicies(reader);
  const hook: HookSpec | undefined =
    parsedHook.skip || parsedHook.types.length === 0
      ? undefined
      : { types: parsedHook.types, deletePolicies: policies, source: argoHook !== undefined ? 'argocd' : 'helm' };

  const where = (source: string) => ({ object: reader.object, source });
  const syncOptionsText = reader.get(ANNOTATION_SYNC_OPTIONS);
  const syncOptions = parseSyncOptions(syncOptionsText === undefined ? [] : [syncOptionsText], where(ANNOTATION_SYNC_OPTIONS));
  const compareOptionsText = reader.get(ANNOTATION_COMPARE_OPTIONS);
  const compareOptions = parseCompareOptions(compareOptionsText === undefined ? [] : [compareOptionsText], where(ANNOTATION_COMPARE_OPTIONS));

  // Helm's `resource-policy: keep` is documented as Argo CD's `Delete=false`; an explicit option wins.
  const keep = reader.get(ANNOTATION_HELM_RESOURCE_POLICY)?.trim() === 'keep';
  const resourceOptions: SyncOptionValues =
    keep && syncOptions.values.delete === undefined ? { ...syncOptions.values, delete: false } : syncOptions.values;

  return {
    annotations: {
      hook,
      skip: parsedHook.skip,
      wave: wave(reader),
      syncOptions: resourceOptions,
      compareOptions: compareOptions.values,
    },
    errors: [...reader.errors, ...syncOptions.errors, ...compareOptions.errors],
    warnings: [...reader.warnings, ...syncOptions.warnings, ...compareOptions.warnings],
  };
}
