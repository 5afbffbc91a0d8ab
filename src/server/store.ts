// Applications, AppProjects and cluster Secrets in the Kubernetes API, for the API server.
//
// Users' objects travel through CustomObjectsApi, whose bodies pass through unchanged: the typed
// models of @kubernetes/client-node would drop every field they do not know. Every failure becomes an
// ApiError the route can answer with (404 → NotFound, 409 → Aborted, 422 → InvalidArgument, …).
import { kubeErrorMessage, kubeErrorStatus } from '../kube/errors.js';
import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { errorCodes, messageOf } from '../errors.js';
import {
  ARGOPROJ_GROUP,
  ARGOPROJ_VERSION,
  inClusterDefault,
  IN_CLUSTER_SERVER,
  SECRET_TYPE_LABEL,
  parseClusterSecret,
  type Cluster,
} from '../model/index.js';
import { isRecord } from '../model/validation.js';
import { ApiError, grpcCodes, type GrpcCode } from './http-errors.js';

/** The calls of CustomObjectsApi the server makes (a real client, or a stand-in in unit tests). */
export type CustomObjectsClient = Pick<
  CustomObjectsApi,
  | 'getNamespacedCustomObject'
  | 'listNamespacedCustomObject'
  | 'createNamespacedCustomObject'
  | 'replaceNamespacedCustomObject'
  | 'replaceNamespacedCustomObjectStatus'
  | 'deleteNamespacedCustomObject'
>;

/** The calls of CoreV1Api the server makes. */
export type CoreClient = Pick<
  CoreV1Api,
  | 'createNamespacedEvent'
  | 'listNamespacedEvent'
  | 'listNamespacedSecret'
  | 'readNamespacedSecret'
  | 'createNamespacedSecret'
  | 'replaceNamespacedSecret'
  | 'deleteNamespacedSecret'
  | 'readNamespacedConfigMap'
>;

/** A Kubernetes object as JSON. */
export type KubeJson = Record<string, unknown>;

export interface ObjectList {
  items: KubeJson[];
  resourceVersion: string | undefined;
}

/** A failed Kubernetes API call, with the status the API server answered (undefined: no answer). */
export class KubeFailure extends ApiError {
  constructor(
    readonly kubeStatus: number | undefined,
    httpStatus: number,
    grpcCode: GrpcCode,
    message: string,
    cause: unknown,
  ) {
    super(errorCodes.KUBE_API_FAILED, httpStatus, grpcCode, message, { cause });
  }
}

/** The HTTP status of a client-node ApiException (or anything shaped like one). */
export const kubeStatusOf = kubeErrorStatus;

/** Turn a client-node failure into the answer the API gives. `what` says what was attempted. */
export function kubeFailure(err: unknown, what: string): KubeFailure {
  const status = kubeStatusOf(err);
  const message = kubeErrorMessage(err);
  switch (status) {
    case 404:
      return new KubeFailure(status, 404, grpcCodes.NotFound, message, err);
    case 409:
      return new KubeFailure(status, 409, grpcCodes.Aborted, message, err);
    case 400:
    case 422:
      return new KubeFailure(status, 400, grpcCodes.InvalidArgument, `${what}: ${message}`, err);
    case 401:
    case 403:
      // kawa's own credentials were refused: an installation problem, not the caller's.
      return new KubeFailure(status, 500, grpcCodes.Internal, `${what}: the server's Kubernetes credentials were refused: ${message}`, err);
    case undefined:
      return new KubeFailure(status, 503, grpcCodes.Unavailable, `${what}: the Kubernetes API is unreachable: ${message}`, err);
    default:
      return new KubeFailure(status, status >= 500 ? 503 : 500, status >= 500 ? grpcCodes.Unavailable : grpcCodes.Internal, `${what}: ${message}`, err);
  }
}

type Plural = 'applications' | 'appprojects';

/** Told about every write that succeeded: what the API server answered (the AppCache's read-your-writes). */
export type WriteObserver = (plural: Plural, namespace: string, name: string, result: unknown, deleted: boolean) => void;

export class ArgoStore {
  constructor(
    private readonly custom: CustomObjectsClient,
    private readonly core: CoreClient,
    private readonly onWrite: WriteObserver = () => undefined,
  ) {}

  private wrote<T>(plural: Plural, namespace: string, name: string, result: T, deleted = false): T {
    this.onWrite(plural, namespace, name, result, deleted);
    return result;
  }

  private ref(plural: Plural, namespace: string): { group: string; version: string; plural: Plural; namespace: string } {
    return { group: ARGOPROJ_GROUP, version: ARGOPROJ_VERSION, plural, namespace };
  }

  /** The object, or undefined when it does not exist. */
  async get(plural: Plural, namespace: string, name: string): Promise<KubeJson | undefined> {
    try {
      return asObject(await this.custom.getNamespacedCustomObject({ ...this.ref(plural, namespace), name }));
    } catch (err) {
      if (kubeStatusOf(err) === 404) return undefined;
      throw kubeFailure(err, `reading ${plural} ${namespace}/${name}`);
    }
  }

  async list(plural: Plural, namespace: string, labelSelector?: string): Promise<ObjectList> {
    try {
      const list = asObject(
        await this.custom.listNamespacedCustomObject({ ...this.ref(plural, namespace), ...(labelSelector === undefined || labelSelector === '' ? {} : { labelSelector }) }),
      );
      const items = Array.isArray(list['items']) ? list['items'].filter(isRecord) : [];
      const meta = isRecord(list['metadata']) ? list['metadata'] : {};
      return { items, resourceVersion: typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : undefined };
    } catch (err) {
      throw kubeFailure(err, `listing ${plural} in ${namespace}`);
    }
  }

  async create(plural: Plural, namespace: string, body: KubeJson): Promise<KubeJson> {
    try {
      return this.wrote(plural, namespace, nameOf(body), asObject(await this.custom.createNamespacedCustomObject({ ...this.ref(plural, namespace), body, fieldManager: FIELD_MANAGER })));
    } catch (err) {
      throw kubeFailure(err, `creating ${plural} ${namespace}/${nameOf(body)}`);
    }
  }

  /** A full update; the body's resourceVersion makes it conditional (409 when someone wrote in between). */
  async replace(plural: Plural, namespace: string, body: KubeJson): Promise<KubeJson> {
    try {
      return this.wrote(plural, namespace, nameOf(body), asObject(await this.custom.replaceNamespacedCustomObject({ ...this.ref(plural, namespace), name: nameOf(body), body, fieldManager: FIELD_MANAGER })));
    } catch (err) {
      throw kubeFailure(err, `updating ${plural} ${namespace}/${nameOf(body)}`);
    }
  }

  /** Write the status subresource (Applications have one; see model/crds.ts). */
  async replaceStatus(plural: Plural, namespace: string, body: KubeJson): Promise<KubeJson> {
    try {
      return this.wrote(
        plural,
        namespace,
        nameOf(body),
        asObject(await this.custom.replaceNamespacedCustomObjectStatus({ ...this.ref(plural, namespace), name: nameOf(body), body, fieldManager: FIELD_MANAGER })),
      );
    } catch (err) {
      throw kubeFailure(err, `updating the status of ${plural} ${namespace}/${nameOf(body)}`);
    }
  }

  async delete(plural: Plural, namespace: string, name: string): Promise<void> {
    try {
      // The answer is the object (finalizers keep it, with a deletionTimestamp) or a Status (it is gone).
      this.wrote(plural, namespace, name, (await this.custom.deleteNamespacedCustomObject({ ...this.ref(plural, namespace), name })) as unknown, true);
    } catch (err) {
      throw kubeFailure(err, `deleting ${plural} ${namespace}/${name}`);
    }
  }

  /**
   * The clusters applications may target: the cluster Secrets in `namespace`, plus the cluster kawa runs
   * in under its usual name when no Secret describes it. A malformed Secret is skipped (and reported).
   */
  async clusters(namespace: string): Promise<{ clusters: Cluster[]; problems: string[] }> {
    let secrets;
    try {
      secrets = await this.core.listNamespacedSecret({ namespace, labelSelector: `${SECRET_TYPE_LABEL}=cluster` });
    } catch (err) {
      throw kubeFailure(err, `listing cluster Secrets in ${namespace}`);
    }
    const clusters: Cluster[] = [];
    const problems: string[] = [];
    for (const secret of secrets.items) {
      try {
        clusters.push(parseClusterSecret(secret));
      } catch (err) {
        problems.push(messageOf(err));
      }
    }
    if (!clusters.some((c) => c.server === IN_CLUSTER_SERVER)) {
      clusters.push(inClusterDefault());
    }
    return { clusters, problems };
  }
}

/** Field manager of every write the API server makes. */
export const FIELD_MANAGER = 'kawa';

export function nameOf(obj: KubeJson): string {
  const meta = obj['metadata'];
  return isRecord(meta) && typeof meta['name'] === 'string' ? meta['name'] : '';
}

function asObject(value: unknown): KubeJson {
  if (!isRecord(value)) throw new ApiError(errorCodes.KUBE_API_FAILED, 500, grpcCodes.Internal, 'the Kubernetes API answered something that is not an object');
  return value;
}
