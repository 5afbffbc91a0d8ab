// An in-memory API server and live-state cache for unit tests of the operation state machine. Writes
// behave like the real thing where the operation depends on it (apply upserts, create refuses a taken
// name, delete honours uid preconditions, dry-runs store nothing); everything else — validation,
// admission, controllers — is up to the test (`reject`, `setStatus`). The real thing is covered by
// test/e2e/engine-*.test.ts.
import { KubeConfig } from '@kubernetes/client-node';
import type { ApiResource } from '../../kube/discovery.js';
import { groupKindKey, resourceKey, type GroupKind, type KubeObject, type ResourceRef } from '../../kube/objects.js';
import { KubeApiError, KubeRest, type HttpMethod, type WriteOptions } from '../../kube/rest.js';
import { trackedAppInstance } from '../../kube/tracking.js';
import type { OperationCache } from '../operation-state.js';

const RESOURCES: ApiResource[] = [
  { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true, verbs: ['list', 'watch'] },
  { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false, verbs: ['list', 'watch'] },
  { group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true, verbs: ['list', 'watch'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, verbs: ['list', 'watch'] },
  { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', namespaced: true, verbs: ['list', 'watch'] },
  { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions', namespaced: false, verbs: ['list', 'watch'] },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', resource: 'clusterroles', namespaced: false, verbs: ['list', 'watch'] },
];

export interface FakeRequest {
  method: HttpMethod;
  path: string;
  dryRun: boolean;
  name: string | undefined;
}

interface ParsedPath {
  resource: ApiResource;
  namespace: string;
  name: string | undefined;
}

function parsePath(path: string): ParsedPath {
  const parts = path.split('/').filter((p) => p !== '');
  // /api/v1/... or /apis/<group>/<version>/...
  const group = parts[0] === 'api' ? '' : (parts[1] ?? '');
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1] ?? '';
    rest = rest.slice(2);
  }
  const resource = RESOURCES.find((r) => r.group === group && r.resource === rest[0]);
  if (resource === undefined) throw new KubeApiError(`no resource at ${path}`, 404, 'NotFound', { serverMessage: 'the server could not find the requested resource' });
  return { resource, namespace, name: rest[1] === undefined ? undefined : decodeURIComponent(rest[1]) };
}

/** A KubeRest whose requests go to a {@link FakeCluster}. */
class FakeRest extends KubeRest {
  constructor(private readonly cluster: FakeCluster) {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: 'https://fake.invalid' }],
      users: [{ name: 'fake' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    });
    super(kc);
  }

  override request(method: HttpMethod, path: string, options: WriteOptions = {}): Promise<unknown> {
    return Promise.resolve().then(() => this.cluster.handle(method, path, options));
  }
}

export class FakeCluster implements OperationCache {
  readonly rest: KubeRest = new FakeRest(this);
  readonly requests: FakeRequest[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private uids = 0;
  private versions = 0;
  /** Resource keys the cache does not show yet (a lagging watch); the API still serves them. */
  readonly lagging = new Set<string>();
  unsynced: string[] = [];
  failedGroups: string[] = [];
  /** Answer with an error instead: return `{status, message}` to fail the request. */
  reject: (request: FakeRequest, body: KubeObject | undefined) => { status: number; message: string } | undefined = () => undefined;

  // ---- OperationCache ----

  getByRef(ref: ResourceRef): KubeObject | undefined {
    const key = resourceKey(ref);
    return this.lagging.has(key) ? undefined : this.objects.get(key);
  }

  objectsOf(app: string): KubeObject[] {
    return [...this.objects.values()].filter((o) => trackedAppInstance(o) === app);
  }

  lookupResource(gk: GroupKind): ApiResource | undefined {
    return RESOURCES.find((r) => groupKindKey(r) === groupKindKey(gk));
  }

  resolveResource(gk: GroupKind): Promise<ApiResource | undefined> {
    return Promise.resolve(this.lookupResource(gk));
  }

  unsyncedTypes(): string[] {
    return this.unsynced;
  }

  failedDiscoveryGroups(): readonly string[] {
    return this.failedGroups;
  }

  // ---- test helpers ----

  /** Puts an object in the cluster as if someone else created it. */
  seed(obj: KubeObject): KubeObject {
    const stored = this.stamp(structuredClone(obj), undefined);
    this.objects.set(this.keyOf(stored), stored);
    return stored;
  }

  /** What a controller would write: the object's status. */
  setStatus(ref: ResourceRef, status: Record<string, unknown>): void {
    const obj = this.objects.get(resourceKey(ref));
    if (obj === undefined) throw new Error(`no ${resourceKey(ref)}`);
    this.objects.set(resourceKey(ref), { ...obj, status });
  }

  names(kind: string): string[] {
    return [...this.objects.values()].filter((o) => o.kind === kind).map((o) => o.metadata?.name ?? '').sort();
  }

  writes(): FakeRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  // ---- the API ----

  handle(method: HttpMethod, path: string, options: WriteOptions): unknown {
    const { resource, namespace, name } = parsePath(path);
    const dryRun = options.query?.['dryRun'] === 'All';
    const body = typeof options.body === 'string' ? (JSON.parse(options.body) as KubeObject) : (options.body as KubeObject | undefined);
    const request: FakeRequest = { method, path, dryRun, name: name ?? body?.metadata?.name };
    this.requests.push(request);
    const failure = this.reject(request, body);
    if (failure !== undefined) throw new KubeApiError(`${method} ${path}: ${failure.status} ${failure.message}`, failure.status, undefined, { serverMessage: failure.message });
    const key = (n: string) => resourceKey({ group: resource.group, kind: resource.kind, namespace, name: n });
    switch (method) {
      case 'GET': {
        const obj = name === undefined ? undefined : this.objects.get(key(name));
        if (obj === undefined) throw notFound(path);
        return structuredClone(obj);
      }
      case 'PATCH':
      case 'PUT': {
        if (name === undefined || body === undefined) throw new KubeApiError('bad request', 400);
        const existing = this.objects.get(key(name));
        if (method === 'PUT' && existing === undefined) throw notFound(path);
        const stored = this.stamp(structuredClone(body), existing, namespace);
        if (!dryRun) this.objects.set(key(name), stored);
        return structuredClone(stored);
      }
      case 'POST': {
        if (body === undefined) throw new KubeApiError('bad request', 400);
        const prefix = body.metadata?.['generateName'];
        const objName = body.metadata?.name ?? `${typeof prefix === 'string' ? prefix : ''}${++this.uids}`;
        if (this.objects.has(key(objName))) {
          throw new KubeApiError(`POST ${path}: 409 already exists`, 409, 'AlreadyExists', { serverMessage: `${resource.resource} "${objName}" already exists` });
        }
        const stored = this.stamp({ ...structuredClone(body), metadata: { ...body.metadata, name: objName } }, undefined, namespace);
        if (!dryRun) this.objects.set(key(objName), stored);
        return structuredClone(stored);
      }
      case 'DELETE': {
        const existing = name === undefined ? undefined : this.objects.get(key(name));
        if (existing === undefined || name === undefined) throw notFound(path);
        const uid = (options.body as { preconditions?: { uid?: string } } | undefined)?.preconditions?.uid;
        if (uid !== undefined && uid !== existing.metadata?.uid) {
          throw new KubeApiError(`DELETE ${path}: 409 conflict`, 409, 'Conflict', { serverMessage: 'Precondition failed: UID in precondition does not match' });
        }
        if (!dryRun) this.objects.delete(key(name));
        return { kind: 'Status', status: 'Success' };
      }
    }
  }

  private keyOf(obj: KubeObject): string {
    const gk = { group: obj.apiVersion?.includes('/') === true ? (obj.apiVersion.split('/')[0] ?? '') : '', kind: obj.kind ?? '' };
    return resourceKey({ ...gk, namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' });
  }

  private stamp(obj: KubeObject, existing: KubeObject | undefined, namespace?: string): KubeObject {
    const changed = existing === undefined || JSON.stringify(existing['spec']) !== JSON.stringify(obj['spec']);
    const previous = existing?.metadata?.['generation'];
    const generation = typeof previous === 'number' ? previous + (changed ? 1 : 0) : 1;
    return {
      ...obj,
      metadata: {
        ...obj.metadata,
        ...(namespace === undefined || namespace === '' ? {} : { namespace }),
        uid: existing?.metadata?.uid ?? `uid-${++this.uids}`,
        resourceVersion: String(++this.versions),
        generation,
      },
      ...(existing?.['status'] === undefined ? {} : { status: existing['status'] }),
    };
  }
}

function notFound(path: string): KubeApiError {
  return new KubeApiError(`${path}: 404 not found`, 404, 'NotFound', { serverMessage: 'not found' });
}

/** A clock the test moves by hand; `sleep` advances it instead of waiting. */
export class FakeClock {
  readonly slept: number[] = [];
  constructor(public time = Date.parse('2025-01-01T00:00:00Z')) {}
  now = (): number => this.time;
  sleep = (ms: number): Promise<void> => {
    this.slept.push(ms);
    this.time += ms;
    return Promise.resolve();
  };
}
