// /api/v1/applications (Argo CD's ApplicationService): every route the CLI uses for applications.
import type { Application, ApplicationSpec } from '../../../model/index.js';
import { queryFlag, seg, type ApiClient } from '../api.js';

const base = '/api/v1/applications';

/** Which application: its name and, when it is not in the server's own namespace, its namespace (`splitAppName` gives one). */
export interface AppId {
  readonly name: string;
  readonly appNamespace?: string | undefined;
}

/** An item of `GET …/managed-resources` (Argo CD's ResourceDiff). */
export interface ManagedResource {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
  targetState?: string;
  liveState?: string;
  normalizedLiveState?: string;
  predictedLiveState?: string;
  hook?: boolean;
}

/** A node of Argo CD's resource tree (`GET …/resource-tree`). */
export interface TreeNode {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  parentRefs?: { group?: string; kind: string; namespace?: string; name: string; uid?: string }[];
  health?: { status?: string; message?: string };
}

export interface ListFilter {
  projects?: string[] | undefined;
  selector?: string | undefined;
  repo?: string | undefined;
  appNamespace?: string | undefined;
}

export interface DeleteOptions {
  cascade: boolean;
  propagationPolicy?: string | undefined;
}

export interface RollbackOptions {
  prune?: boolean;
  dryRun?: boolean;
}

/** `GET …/logs` query: which Pods and containers, and how much. */
export interface LogQuery {
  podName?: string | undefined;
  group?: string | undefined;
  kind?: string | undefined;
  resourceName?: string | undefined;
  namespace?: string | undefined;
  container?: string | undefined;
  follow?: boolean | undefined;
  tailLines?: string | undefined;
  sinceSeconds?: string | undefined;
  previous?: boolean | undefined;
  filter?: string | undefined;
}

const one = (id: AppId): string => `${base}/${seg(id.name)}`;
/** Argo CD's `appNamespace` query parameter (left out when undefined). */
const ns = (id: AppId): { appNamespace: string | undefined } => ({ appNamespace: id.appNamespace });
/** The namespace as request bodies and the stream carry it: only when given. */
const nsIfGiven = (id: AppId): { appNamespace?: string } => (id.appNamespace === undefined ? {} : { appNamespace: id.appNamespace });

export function applicationsApi(client: ApiClient) {
  return {
    list: (filter: ListFilter) =>
      client.call<{ items?: Application[] | null }>('GET', base, { query: { projects: filter.projects, selector: filter.selector, repo: filter.repo, appNamespace: filter.appNamespace } }),
    get: (id: AppId, query: Readonly<Record<string, string | undefined>> = {}) => client.call<Application>('GET', one(id), { query: { ...ns(id), ...query } }),
    create: (app: Application, upsert: boolean | undefined) => client.call<Application>('POST', base, { query: { upsert: queryFlag(upsert) }, body: app }),
    updateSpec: (id: AppId, spec: ApplicationSpec) => client.call<ApplicationSpec>('PUT', `${one(id)}/spec`, { query: ns(id), body: spec }),
    patch: (id: AppId, patch: string, patchType: 'json' | 'merge') => client.call<Application>('PATCH', one(id), { body: { name: id.name, patch, patchType, ...nsIfGiven(id) } }),
    delete: (id: AppId, options: DeleteOptions) =>
      client.call<unknown>('DELETE', one(id), { query: { cascade: String(options.cascade), propagationPolicy: options.propagationPolicy, ...ns(id) } }),
    /** Starts a sync; `request` is the body `syncRequest` builds from the flags. */
    sync: (id: AppId, request: Record<string, unknown>) => client.call<Application>('POST', `${one(id)}/sync`, { body: request }),
    rollback: (id: AppId, historyId: number, options: RollbackOptions) =>
      client.call<unknown>('POST', `${one(id)}/rollback`, {
        body: { name: id.name, id: historyId, ...(options.prune === true ? { prune: true } : {}), ...(options.dryRun === true ? { dryRun: true } : {}), ...nsIfGiven(id) },
      }),
    terminateOperation: (id: AppId) => client.call<unknown>('DELETE', `${one(id)}/operation`, { query: ns(id) }),
    resourceTree: (id: AppId) => client.call<{ nodes?: TreeNode[] }>('GET', `${one(id)}/resource-tree`, { query: ns(id) }),
    managedResources: (id: AppId) => client.call<{ items?: ManagedResource[] | null }>('GET', `${one(id)}/managed-resources`, { query: ns(id) }),
    /** The target manifests (JSON strings) of the app's revision, or of `revision`. */
    manifests: (id: AppId, revision: string | undefined) => client.call<{ manifests?: string[] }>('GET', `${one(id)}/manifests`, { query: { revision, ...ns(id) } }),
    /** Pod logs, a line at a time (newline-delimited `{"result": …}`, or SSE `data:` lines). */
    logs: (id: AppId, query: LogQuery, onLine: (line: string) => void) =>
      client.lines(
        `${one(id)}/logs`,
        {
          accept: 'application/json',
          query: {
            ...ns(id),
            podName: query.podName,
            group: query.group,
            kind: query.kind,
            resourceName: query.resourceName,
            namespace: query.namespace,
            container: query.container,
            follow: queryFlag(query.follow),
            tailLines: query.tailLines,
            sinceSeconds: query.sinceSeconds,
            previous: queryFlag(query.previous),
            filter: query.filter,
          },
        },
        onLine,
      ),
    /** The SSE stream of the app's changes, until the server ends it or `signal` aborts. */
    watch: (id: AppId, signal: AbortSignal, onLine: (line: string) => void) =>
      client.lines('/api/v1/stream/applications', { query: { name: id.name, ...nsIfGiven(id) }, signal }, onLine),
  };
}

export type ApplicationsApi = ReturnType<typeof applicationsApi>;
