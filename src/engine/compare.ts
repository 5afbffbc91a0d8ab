// Compares one Application's desired objects with the live state: per-resource sync status and health,
// the app's sync status and health, what requires pruning, and conditions (SharedResource). Pure given a
// snapshot reader (the live-state cache): no API calls, so the steady state costs nothing but the watches.
import { DEFAULT_FIELD_MANAGER, diff, type DiffResult, type IgnoreDifferencesRule, type JqPathEvaluator } from './diff/index.js';
import { desiredHash, type ServerSideDiffCache } from './diff/server-side.js';
import { assessHealth, statusForAggregation, toKubeObject, worstOf, type HealthCheck, type HealthStatus } from './health/index.js';
import { parseSyncOptions, readSyncAnnotations, type SyncObject } from './sync/index.js';
import type { ApiResource } from '../kube/discovery.js';
import { describeRef, withTrackingMarks } from '../kube/apply.js';
import { CLIENT_SIDE_APPLY_MANAGERS, hasClientSideApplyFields, takesOverClientSideApply } from '../kube/managed-fields-migration.js';
import { groupKindKey, groupOf, isRecord, resourceKey, versionOf, type GroupKind, type KubeObject, type KubeObjectMeta, type ResourceRef } from '../kube/objects.js';
import { checkObjectMeta } from '../model/object-meta.js';
import { trackedAppInstance, type TrackingOptions } from '../kube/tracking.js';

/** What compare needs from the live-state cache. `ClusterCache` is one. */
export interface LiveStateReader {
  getByRef(ref: ResourceRef): KubeObject | undefined;
  /** Live objects whose tracking mark names the app instance. */
  objectsOf(app: string): KubeObject[];
  /** The resource of a kind as last discovered (namespaced or not); undefined when unknown. */
  lookupResource(gk: GroupKind): ApiResource | undefined;
}

export interface CompareOptions {
  /** `spec.destination.namespace`: the namespace of namespaced objects that set none. */
  destinationNamespace?: string;
  tracking?: TrackingOptions;
  /** Field manager kawa applies with (default `kawa`). */
  manager?: string;
  ignoreDifferences?: readonly IgnoreDifferencesRule[];
  jq?: JqPathEvaluator;
  /** Custom health checks (Lua from argocd-cm), consulted before the built-in ones. */
  customHealth?: HealthCheck;
  /**
   * Server-side diff verdicts (diff/server-side.ts) to consult. By default only for objects the
   * client-side diff finds out of sync (it may be wrong about defaults and webhooks); `all` (the app's
   * `ServerSideDiff=true`) for every existing object. An object's own compare-options
   * `ServerSideDiff=true|false` overrides. Objects with no cached verdict keep the client-side one and
   * are listed in `serverSideDiffPending`.
   */
  serverSideDiff?: { cache: ServerSideDiffCache; all?: boolean };
  /** `spec.syncPolicy.syncOptions`: its `ClientSideApplyMigration` (default true) decides which managers' fields count as kawa's. */
  syncOptions?: readonly string[];
}

export interface CompareInput {
  /** The app instance name its objects are tracked by (`appInstanceName`). */
  appName: string;
  /** Rendered objects, as the render produced them (not modified). */
  desired: readonly KubeObject[];
  live: LiveStateReader;
  options?: CompareOptions;
}

export interface ResourceHealth {
  status: HealthStatus;
  message?: string;
}

/** One line of `status.resources`, plus what the sync needs to know about it. */
export interface ResourceComparison {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  /** Hooks and IgnoreExtraneous objects report Synced: they never make the app OutOfSync. */
  status: 'Synced' | 'OutOfSync';
  /** Absent when nothing judges the kind's health (it counts as Healthy). */
  health?: ResourceHealth;
  /** Live and tracked by this app, but no longer desired. */
  requiresPruning?: boolean;
  hook?: boolean;
  syncWave: number;
  /** The desired object as kawa applies it: namespace settled, tracking marks added. */
  desired?: KubeObject;
  live?: KubeObject;
  /** The diff's verdict (`Missing` when there is no live object); absent for hooks and objects to prune. */
  diff?: DiffResult;
  /** Another app instance tracks the live object. */
  sharedWith?: string;
}

export type ConditionType = 'SharedResource' | 'ComparisonError';

export interface AppCondition {
  type: ConditionType;
  message: string;
}

export interface AppComparison {
  resources: ResourceComparison[];
  sync: 'Synced' | 'OutOfSync';
  health: ResourceHealth;
  /** Live objects tracked by this app that are not desired (hooks excluded): what a pruning sync deletes. */
  prune: KubeObject[];
  conditions: AppCondition[];
  /** Objects that want a server-side verdict not cached yet (`Engine.refreshServerSideDiff` asks for them). */
  serverSideDiffPending?: ResourceRef[];
}

const CRD_GROUP = 'apiextensions.k8s.io';

function asSyncObject(obj: KubeObject): SyncObject {
  return { ...obj, apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', metadata: obj.metadata ?? {} };
}

/** Scopes of kinds defined by CRDs among the desired objects, for kinds discovery does not know yet. */
function desiredCrdScopes(desired: readonly KubeObject[]): Map<string, boolean> {
  const scopes = new Map<string, boolean>();
  for (const obj of desired) {
    if (obj.kind !== 'CustomResourceDefinition' || groupOf(obj.apiVersion) !== CRD_GROUP) continue;
    const spec = obj['spec'];
    if (!isRecord(spec) || typeof spec['group'] !== 'string' || !isRecord(spec['names'])) continue;
    const kind = spec['names']['kind'];
    if (typeof kind === 'string') scopes.set(groupKindKey({ group: spec['group'], kind }), spec['scope'] !== 'Cluster');
  }
  return scopes;
}

/**
 * Whether a kind is namespaced: discovery first, then a CRD of the same render, else namespaced (an
 * unknown kind is more often namespaced, and the dry-run reports it anyway). The CRD fallback keeps the
 * answer stable while a CRD of this sync becomes known, so task identities do not change mid-operation.
 */
function isNamespaced(gk: GroupKind, reader: LiveStateReader, crdScopes: ReadonlyMap<string, boolean>): boolean {
  return crdScopes.get(groupKindKey(gk)) ?? reader.lookupResource(gk)?.namespaced ?? true;
}

/**
 * Metadata with null fields dropped (`labels:` with no value is absent to the API server). Rendered
 * objects are settled already; this covers objects handed to the engine by other means. Metadata of the
 * wrong shape is left as it is, for the API server to refuse with its own message.
 */
function settledMetadata(metadata: unknown): KubeObjectMeta {
  const checked = checkObjectMeta(metadata);
  if (checked.problems.length === 0) return checked.metadata ?? {};
  return isRecord(metadata) ? metadata : {};
}

export interface PreparedObject {
  /** The object to apply: namespace settled, tracking marks added when it has a name. */
  object: KubeObject;
  /** Undefined for a hook that only has `generateName` (it is named per operation). */
  ref: ResourceRef | undefined;
}

/**
 * Desired objects as kawa applies them: namespaced objects without a namespace get the destination's,
 * cluster-scoped ones lose any namespace they set (Argo CD does the same), and named objects carry the
 * app's tracking marks. The inputs are not modified.
 */
export function prepareDesired(
  appName: string,
  desired: readonly KubeObject[],
  reader: LiveStateReader,
  options: Pick<CompareOptions, 'destinationNamespace' | 'tracking'> = {},
): PreparedObject[] {
  const crdScopes = desiredCrdScopes(desired);
  return desired.map((obj) => {
    const gk = { group: groupOf(obj.apiVersion), kind: obj.kind ?? '' };
    const metadata = { ...settledMetadata(obj.metadata) };
    if (isNamespaced(gk, reader, crdScopes)) {
      if (metadata.namespace === undefined || metadata.namespace === '') metadata.namespace = options.destinationNamespace ?? '';
    } else {
      delete metadata.namespace;
    }
    const placed: KubeObject = { ...obj, metadata };
    const name = metadata.name;
    if (name === undefined || name === '') return { object: placed, ref: undefined };
    const ref = { ...gk, namespace: metadata.namespace ?? '', name };
    return { object: withTrackingMarks(placed, appName, ref, options.tracking), ref };
  });
}

interface Assessed {
  /** What the resource shows; absent when nothing judges its kind. */
  health?: ResourceHealth;
  /** What it contributes to the app's health ({@link statusForAggregation}). */
  aggregate: HealthStatus;
}

function assess(live: KubeObject | undefined, custom: HealthCheck | undefined): Assessed {
  if (live === undefined) return { health: { status: 'Missing' }, aggregate: 'Missing' };
  const obj = toKubeObject(live);
  if (obj === undefined) return { aggregate: 'Unknown' };
  const result = assessHealth(obj, custom === undefined ? {} : { custom });
  const aggregate = statusForAggregation(result);
  if (result === undefined) return { aggregate };
  return { health: result.message === undefined ? { status: result.status } : { status: result.status, message: result.message }, aggregate };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byIdentity(a: ResourceComparison, b: ResourceComparison): number {
  return compareText(a.group, b.group) || compareText(a.kind, b.kind) || compareText(a.namespace, b.namespace) || compareText(a.name, b.name);
}

/** Compares an app's desired objects with the live state. Never throws for bad input: it becomes a condition. */
export function compareApp(input: CompareInput): AppComparison {
  const { appName, live: reader } = input;
  const options = input.options ?? {};
  const resources: ResourceComparison[] = [];
  const conditions: AppCondition[] = [];
  const aggregate: HealthStatus[] = [];
  const desiredKeys = new Set<string>();
  const pending: ResourceRef[] = [];
  let outOfSync = false;
  const appMigration = parseSyncOptions(options.syncOptions ?? [], { object: 'Application', source: 'spec.syncPolicy.syncOptions' }).values.clientSideApplyMigration;

  for (const [index, { object, ref }] of prepareDesired(appName, input.desired, reader, options).entries()) {
    if (object.apiVersion === undefined || object.kind === undefined || object.kind === '') {
      conditions.push({ type: 'ComparisonError', message: `desired object #${index + 1} has no apiVersion or kind` });
      outOfSync = true;
      continue;
    }
    const annotations = readSyncAnnotations(asSyncObject(object)).annotations;
    if (annotations.skip) continue;
    const hook = annotations.hook !== undefined;
    // A hook with only generateName gets its name per operation: nothing live to compare it with.
    if (ref === undefined) {
      if (!hook) {
        conditions.push({ type: 'ComparisonError', message: `desired ${object.kind} #${index + 1} has no metadata.name` });
        outOfSync = true;
      }
      continue;
    }
    desiredKeys.add(resourceKey(ref));
    const live = reader.getByRef(ref);
    const base = { ...ref, version: versionOf(object.apiVersion), syncWave: annotations.wave, desired: object };
    if (hook) {
      resources.push({ ...base, status: 'Synced', hook: true, ...(live === undefined ? {} : withHealth(live, assess(live, options.customHealth))) });
      continue;
    }
    const migration = annotations.syncOptions.clientSideApplyMigration ?? appMigration ?? true;
    let result = diff(object, live, {
      ...(options.manager === undefined ? {} : { manager: options.manager }),
      ...(options.ignoreDifferences === undefined ? {} : { ignoreDifferences: options.ignoreDifferences }),
      ...(options.jq === undefined ? {} : { jq: options.jq }),
      clientSideApplyMigration: migration,
    });
    // Until the sync moves Argo CD's or kubectl's fields to kawa, a dry-run apply keeps them: its
    // verdict cannot see a removal the sync will make, so the client-side one stands.
    const beforeMigration =
      migration &&
      result.differences.some((d) => d.kind === 'removed-from-desired') &&
      live !== undefined &&
      takesOverClientSideApply(live) &&
      hasClientSideApplyFields(live.metadata?.managedFields, CLIENT_SIDE_APPLY_MANAGERS, options.manager ?? DEFAULT_FIELD_MANAGER);
    const ssd = options.serverSideDiff;
    if (ssd !== undefined && live !== undefined && !beforeMigration) {
      const wanted = annotations.compareOptions.serverSideDiff ?? (ssd.all === true ? true : undefined);
      if (wanted === true || (wanted === undefined && result.status === 'OutOfSync')) {
        const verdict = ssd.cache.get(resourceKey(ref), desiredHash(object), live.metadata?.resourceVersion);
        if (verdict === undefined) pending.push(ref);
        else if (verdict.synced) result = { ...result, status: 'Synced', synced: true, differences: [] };
        else result = { ...result, status: 'OutOfSync', synced: false, differences: result.differences.length > 0 ? result.differences : [...verdict.differences] };
      }
    }
    const owner = live === undefined ? undefined : trackedAppInstance(live, options.tracking);
    const sharedWith = owner !== undefined && owner !== appName ? owner : undefined;
    if (sharedWith !== undefined) {
      conditions.push({ type: 'SharedResource', message: `${describeRef(ref)} is part of applications ${appName} and ${sharedWith}` });
    }
    const ignoreExtraneous = annotations.compareOptions.ignoreExtraneous === true;
    if (result.status !== 'Synced' && !ignoreExtraneous) outOfSync = true;
    const assessed = assess(live, options.customHealth);
    aggregate.push(assessed.aggregate);
    resources.push({
      ...base,
      status: result.status === 'Synced' ? 'Synced' : 'OutOfSync',
      ...(live === undefined ? { health: { status: 'Missing' as const } } : withHealth(live, assessed)),
      diff: result,
      ...(sharedWith === undefined ? {} : { sharedWith }),
    });
  }

  const prune: KubeObject[] = [];
  for (const live of reader.objectsOf(appName)) {
    const ref = refOfLive(live);
    if (ref === undefined || desiredKeys.has(resourceKey(ref))) continue;
    const annotations = readSyncAnnotations(asSyncObject(live)).annotations;
    const assessed = assess(live, options.customHealth);
    const base = { ...ref, version: versionOf(live.apiVersion ?? ''), syncWave: annotations.wave, ...withHealth(live, assessed) };
    // Hooks left behind are governed by their delete policies and never pruned (nor counted).
    if (annotations.hook !== undefined) {
      resources.push({ ...base, status: 'Synced', hook: true });
      continue;
    }
    prune.push(live);
    if (annotations.compareOptions.ignoreExtraneous !== true) outOfSync = true;
    aggregate.push(assessed.aggregate);
    resources.push({ ...base, status: 'OutOfSync', requiresPruning: true });
  }

  resources.sort(byIdentity);
  return {
    resources,
    sync: outOfSync ? 'OutOfSync' : 'Synced',
    health: { status: worstOf(...aggregate) },
    prune,
    conditions,
    ...(pending.length === 0 ? {} : { serverSideDiffPending: pending }),
  };
}

function withHealth(live: KubeObject, assessed: Assessed): { live: KubeObject; health?: ResourceHealth } {
  return assessed.health === undefined ? { live } : { live, health: assessed.health };
}

function refOfLive(obj: KubeObject): ResourceRef | undefined {
  const name = obj.metadata?.name;
  if (obj.kind === undefined || name === undefined) return undefined;
  return { group: groupOf(obj.apiVersion), kind: obj.kind, namespace: obj.metadata?.namespace ?? '', name };
}
