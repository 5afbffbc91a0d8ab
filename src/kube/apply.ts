// Writes to the cluster: server-side apply, replace, create, delete — of users' objects, sent as raw
// JSON through KubeRest so that no typed model can drop a field it does not know. The REST path comes
// from discovery (group, plural, namespaced or not); the version from the object itself, because
// server-side apply insists that the body's apiVersion matches the path.
import { UserError, errorCodes, messageOf } from '../errors.js';
import type { ApiResource } from './discovery.js';
import { apiVersionOf, groupOf, isRecord, versionOf, type KubeObject, type ResourceRef } from './objects.js';
import { KubeApiError, type KubeRest, type QueryParams } from './rest.js';
import { trackingMarks, type TrackingOptions } from './tracking.js';

/** Server-side apply's content type. JSON is valid YAML, so the JSON text goes out unchanged. */
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

export type DeletePropagation = 'foreground' | 'background' | 'orphan';

/** `apps/Deployment shop/web`, `Namespace shop`: how messages name an object (the sync planner's format). */
export function describeRef(ref: ResourceRef): string {
  const groupKind = ref.group === '' ? ref.kind : `${ref.group}/${ref.kind}`;
  return `${groupKind} ${ref.namespace === '' ? '' : `${ref.namespace}/`}${ref.name}`;
}

/**
 * A write the API server refused or that never got an answer. `detail` is the server's own message,
 * `retryable` says whether trying again can help: only for answers that mean "not now" (no answer,
 * 429, 5xx other than a schema mismatch). A rejected object is the user's to fix and is never retried.
 */
export class ApplyError extends UserError {
  readonly ref: ResourceRef;
  readonly statusCode: number | undefined;
  readonly reason: string | undefined;
  readonly detail: string;
  readonly retryable: boolean;
  constructor(verb: string, ref: ResourceRef, cause: unknown) {
    const statusCode = cause instanceof KubeApiError ? cause.statusCode : undefined;
    const detail = cause instanceof KubeApiError && cause.serverMessage !== undefined ? cause.serverMessage : messageOf(cause);
    const retryable = cause instanceof UserError && !(cause instanceof KubeApiError) ? false : isRetryableAnswer(statusCode, detail);
    super(retryable ? errorCodes.KUBE_API_FAILED : errorCodes.KUBE_APPLY_REJECTED, `${verb} ${describeRef(ref)}: ${detail}`, { cause });
    this.ref = ref;
    this.statusCode = statusCode;
    this.reason = cause instanceof KubeApiError ? cause.reason : undefined;
    this.detail = detail;
    this.retryable = retryable;
  }
}

/**
 * Server-side apply of a custom object whose field has the wrong type answers 500 "failed to create typed
 * patch object" (the structured-merge-diff conversion fails before validation runs): a user error.
 */
const SCHEMA_MISMATCH_500 = /failed to create typed patch object|failed to create typed live object|unable to convert/i;

function isRetryableAnswer(statusCode: number | undefined, detail: string): boolean {
  if (statusCode === undefined) return true;
  if (statusCode === 429) return true;
  if (statusCode >= 500) return !SCHEMA_MISMATCH_500.test(detail);
  return false;
}

/** Whether an error from these functions is worth another try. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ApplyError) return err.retryable;
  if (err instanceof KubeApiError) return isRetryableAnswer(err.statusCode, err.serverMessage ?? err.message);
  return false;
}

/** The collection path of `resource` in `namespace` (ignored for cluster-scoped types), at `version`. */
export function resourcePath(resource: Pick<ApiResource, 'group' | 'resource' | 'namespaced'>, version: string, namespace: string, name?: string): string {
  const base = resource.group === '' ? `/api/${version}` : `/apis/${resource.group}/${version}`;
  const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${resource.resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

function refOfObject(obj: KubeObject, resource: ApiResource): ResourceRef {
  return {
    group: resource.group,
    kind: resource.kind,
    namespace: resource.namespaced ? (obj.metadata?.namespace ?? '') : '',
    name: obj.metadata?.name ?? (typeof obj.metadata?.['generateName'] === 'string' ? `${obj.metadata['generateName']}*` : ''),
  };
}

/** The object's own version, checked against its resource: a wrong group would write elsewhere. */
function pathFor(resource: ApiResource, obj: KubeObject, withName: boolean): string {
  const ref = refOfObject(obj, resource);
  const apiVersion = obj.apiVersion ?? apiVersionOf(resource.group, resource.version);
  if (groupOf(apiVersion) !== resource.group || (obj.kind !== undefined && obj.kind !== resource.kind)) {
    throw new ApplyError('write', ref, new UserError(errorCodes.KUBE_APPLY_REJECTED, `apiVersion ${apiVersion} kind ${obj.kind ?? '?'} is not of resource ${resource.group}/${resource.resource}`));
  }
  if (resource.namespaced && ref.namespace === '') {
    throw new ApplyError('write', ref, new UserError(errorCodes.KUBE_APPLY_REJECTED, 'namespaced object without metadata.namespace'));
  }
  const name = obj.metadata?.name;
  if (withName && (name === undefined || name === '')) {
    throw new ApplyError('write', ref, new UserError(errorCodes.KUBE_APPLY_REJECTED, 'object without metadata.name'));
  }
  return resourcePath(resource, versionOf(apiVersion), ref.namespace, withName ? name : undefined);
}

export interface WriteOptions {
  /** The field manager recorded in managedFields (`kawa`). */
  fieldManager: string;
  /** Server-side dry-run (`dryRun=All`): validated and admitted, not stored. */
  dryRun?: boolean;
  /**
   * Unknown or duplicate fields: `Strict` rejects them (the default, as `kubectl apply` does), `Ignore`
   * drops them (the `Validate=false` sync option).
   */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface ApplyOptions extends WriteOptions {
  /** Take over fields other managers own (`kubectl apply --server-side --force-conflicts`). Default true. */
  force?: boolean;
}

function writeQuery(options: WriteOptions, extra: QueryParams = {}): QueryParams {
  return {
    fieldManager: options.fieldManager,
    fieldValidation: options.fieldValidation ?? 'Strict',
    ...(options.dryRun === true ? { dryRun: 'All' } : {}),
    ...extra,
  };
}

function asObject(answer: unknown, verb: string, ref: ResourceRef): KubeObject {
  if (!isRecord(answer)) throw new ApplyError(verb, ref, new KubeApiError('the answer is not an object'));
  return answer;
}

/** Server-side apply: creates or updates, owning exactly the fields the object sets. Returns the object as stored. */
export async function serverSideApply(rest: KubeRest, resource: ApiResource, obj: KubeObject, options: ApplyOptions): Promise<KubeObject> {
  const ref = refOfObject(obj, resource);
  const path = pathFor(resource, obj, true);
  try {
    const answer = await rest.request('PATCH', path, {
      query: writeQuery(options, { force: options.force ?? true }),
      body: JSON.stringify(obj),
      contentType: APPLY_PATCH_CONTENT_TYPE,
    });
    return asObject(answer, 'apply', ref);
  } catch (err) {
    throw err instanceof ApplyError ? err : new ApplyError('apply', ref, err);
  }
}

/** Creates a new object (POST); `metadata.generateName` is honoured. Fails with 409 when the name is taken. */
export async function create(rest: KubeRest, resource: ApiResource, obj: KubeObject, options: WriteOptions): Promise<KubeObject> {
  const ref = refOfObject(obj, resource);
  const path = pathFor(resource, obj, false);
  try {
    return asObject(await rest.request('POST', path, { query: writeQuery(options), body: JSON.stringify(obj) }), 'create', ref);
  } catch (err) {
    throw err instanceof ApplyError ? err : new ApplyError('create', ref, err);
  }
}

/**
 * `Replace=true`: PUT the object as given (what `kubectl replace` does), creating it when it does not
 * exist. Fields others set are lost, which is the point of the option.
 */
export async function replace(rest: KubeRest, resource: ApiResource, obj: KubeObject, options: WriteOptions): Promise<KubeObject> {
  const ref = refOfObject(obj, resource);
  const path = pathFor(resource, obj, true);
  const put = async (body: KubeObject): Promise<KubeObject> => asObject(await rest.request('PUT', path, { query: writeQuery(options), body: JSON.stringify(body) }), 'replace', ref);
  try {
    try {
      return await put(obj);
    } catch (err) {
      // Custom resources refuse an update without a resourceVersion; `kubectl replace` then versions
      // the object with the current one, and so does kawa.
      if (!(err instanceof KubeApiError && err.statusCode === 422 && UNVERSIONED_UPDATE.test(err.serverMessage ?? err.message))) throw err;
      const current = await rest.getJson(path);
      const resourceVersion = isRecord(current) && isRecord(current['metadata']) ? current['metadata']['resourceVersion'] : undefined;
      if (typeof resourceVersion !== 'string') throw err;
      return await put({ ...obj, metadata: { ...(obj.metadata ?? {}), resourceVersion } });
    }
  } catch (err) {
    if (err instanceof KubeApiError && err.statusCode === 404) return create(rest, resource, obj, options);
    throw err instanceof ApplyError ? err : new ApplyError('replace', ref, err);
  }
}

const UNVERSIONED_UPDATE = /resourceVersion.*must be specified for an update/i;

export interface DeleteOptions {
  propagationPolicy: DeletePropagation;
  /** Delete only this incarnation: a namesake created since is left alone. */
  uid?: string;
  dryRun?: boolean;
}

/**
 * Deletes an object. `deleted`: the server accepted the deletion (finalizers may keep the object a while);
 * `gone`: it did not exist, or the name now belongs to another object than `uid`.
 */
export async function deleteObject(rest: KubeRest, resource: ApiResource, ref: ResourceRef, options: DeleteOptions): Promise<'deleted' | 'gone'> {
  const path = resourcePath(resource, resource.version, ref.namespace, ref.name);
  const policy = { foreground: 'Foreground', background: 'Background', orphan: 'Orphan' }[options.propagationPolicy];
  const body = {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    propagationPolicy: policy,
    ...(options.uid === undefined ? {} : { preconditions: { uid: options.uid } }),
    // In the body, not the query: when a DELETE has a body the API server reads its options only from
    // there, so `?dryRun=All` beside a body is ignored and the object is really deleted.
    ...(options.dryRun === true ? { dryRun: ['All'] } : {}),
  };
  try {
    await rest.request('DELETE', path, { body });
    return 'deleted';
  } catch (err) {
    if (err instanceof KubeApiError && err.statusCode === 404) return 'gone';
    // 409 with a uid precondition: the name was reused by a new object, which is not ours to delete.
    if (err instanceof KubeApiError && err.statusCode === 409 && options.uid !== undefined && /precondition/i.test(err.message)) return 'gone';
    throw new ApplyError('delete', ref, err);
  }
}

/** Reads one object (undefined when it does not exist). */
export async function getObject(rest: KubeRest, resource: ApiResource, ref: ResourceRef): Promise<KubeObject | undefined> {
  try {
    const answer = await rest.getJson(resourcePath(resource, resource.version, ref.namespace, ref.name));
    return isRecord(answer) ? answer : undefined;
  } catch (err) {
    if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
    throw new ApplyError('get', ref, err);
  }
}

/**
 * A copy of `obj` carrying the marks that make `app` track it (annotation and/or label, per the
 * tracking method). Everything else is left exactly as given.
 */
export function withTrackingMarks(obj: KubeObject, app: string, ref: ResourceRef, tracking: TrackingOptions = {}): KubeObject {
  const marks = trackingMarks(app, ref, tracking);
  const metadata = { ...(obj.metadata ?? {}) };
  // `labels: null` is no labels, as the API server reads it.
  if (Object.keys(marks.labels).length > 0) metadata.labels = { ...(isRecord(metadata.labels) ? metadata.labels : {}), ...marks.labels };
  if (Object.keys(marks.annotations).length > 0) metadata.annotations = { ...(isRecord(metadata.annotations) ? metadata.annotations : {}), ...marks.annotations };
  return { ...obj, metadata };
}

/** Runs `fn` again after transient failures ({@link isRetryable}), with a doubling delay. */
export async function withRetry<T>(fn: () => Promise<T>, options: { attempts?: number; delayMs?: number; sleep: (ms: number) => Promise<void> }): Promise<T> {
  const attempts = options.attempts ?? 3;
  let delay = options.delayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      await options.sleep(delay);
      delay *= 2;
    }
  }
}
