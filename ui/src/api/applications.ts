// /api/v1/applications (Argo CD's ApplicationService).
import { http, requestText, seg } from './http';
import type {
  Application,
  ApplicationList,
  ApplicationSpec,
  ApplicationTree,
  KubeEvent,
  ListOf,
  LogEntry,
  ResourceDiff,
  ResourceRef,
  RevisionMetadata,
} from './types';

const base = '/api/v1/applications';

/** Which application: its name and, when it is not in the server's own namespace, its namespace. */
export interface AppId {
  readonly name: string;
  readonly appNamespace?: string | undefined;
}

export const appIdOf = (app: Application): AppId => ({ name: app.metadata.name, appNamespace: app.metadata.namespace });

const one = (id: AppId) => `${base}/${seg(id.name)}`;
/** Argo CD's `appNamespace` query parameter (left out when undefined). */
const ns = (id: AppId) => ({ appNamespace: id.appNamespace });

export interface SyncRequest {
  revision?: string;
  dryRun?: boolean;
  prune?: boolean;
  strategy?: { apply?: { force?: boolean }; hook?: { force?: boolean } };
  resources?: { group: string; kind: string; name: string; namespace?: string }[];
  syncOptions?: { items: string[] };
}

export interface DeleteOptions {
  cascade: boolean;
  propagationPolicy?: 'foreground' | 'background';
}

export const applicationService = {
  list: (options: { projects?: string[]; selector?: string } = {}, signal?: AbortSignal) =>
    http.get<ApplicationList>(base, { projects: options.projects, selector: options.selector }, signal),
  get: (id: AppId, refresh?: 'normal' | 'hard') => http.get<Application>(one(id), { ...ns(id), refresh }),
  create: (app: Application, upsert = false) => http.post<Application>(base, app, { upsert: upsert ? true : undefined }),
  update: (app: Application) => http.put<Application>(one(appIdOf(app)), app, ns(appIdOf(app))),
  updateSpec: (id: AppId, spec: ApplicationSpec) => http.put<ApplicationSpec>(`${one(id)}/spec`, spec, ns(id)),
  delete: (id: AppId, options: DeleteOptions) => http.del<unknown>(one(id), { ...ns(id), cascade: options.cascade, propagationPolicy: options.propagationPolicy }),
  sync: (id: AppId, req: SyncRequest) => http.post<Application>(`${one(id)}/sync`, { name: id.name, ...(id.appNamespace === undefined ? {} : { appNamespace: id.appNamespace }), ...req }),
  rollback: (id: AppId, historyId: number, options: { dryRun?: boolean; prune?: boolean } = {}) =>
    http.post<Application>(`${one(id)}/rollback`, { name: id.name, ...(id.appNamespace === undefined ? {} : { appNamespace: id.appNamespace }), id: historyId, ...options }),
  terminate: (id: AppId) => http.del<unknown>(`${one(id)}/operation`, ns(id)),
  resourceTree: (id: AppId, signal?: AbortSignal) => http.get<ApplicationTree>(`${one(id)}/resource-tree`, ns(id), signal),
  managedResources: (id: AppId, ref?: ResourceRef) =>
    http.get<ListOf<ResourceDiff>>(`${one(id)}/managed-resources`, ref === undefined ? ns(id) : { ...ns(id), group: ref.group ?? '', kind: ref.kind, namespace: ref.namespace, name: ref.name }),
  /** The live manifest of one resource, as a JSON string. */
  liveResource: (id: AppId, ref: ResourceRef & { version?: string }) =>
    http.get<{ manifest?: string }>(`${one(id)}/resource`, { ...ns(id), resourceName: ref.name, namespace: ref.namespace, group: ref.group, kind: ref.kind, version: ref.version }),
  events: (id: AppId, ref?: ResourceRef & { uid?: string }) =>
    http.get<ListOf<KubeEvent>>(`${one(id)}/events`, ref === undefined ? ns(id) : { ...ns(id), resourceName: ref.name, resourceNamespace: ref.namespace, resourceUID: ref.uid }),
  /** Pod logs (not followed): Argo CD streams newline-delimited `{"result": LogEntry}`. */
  logs: async (id: AppId, options: { namespace?: string; podName: string; container?: string; tailLines?: number }): Promise<LogEntry[]> => {
    const text = await requestText(`${one(id)}/logs`, {
      query: { ...ns(id), namespace: options.namespace, podName: options.podName, container: options.container, tailLines: options.tailLines ?? 500, follow: false },
    });
    return parseLogLines(text);
  },
  revisionMetadata: (id: AppId, revision: string) => http.get<RevisionMetadata>(`${one(id)}/revisions/${seg(revision)}/metadata`, ns(id)),
};

/** Newline-delimited JSON of log entries (`{"result":{…}}` per line, or a JSON array) → entries. */
export function parseLogLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    try {
      const parsed = JSON.parse(trimmed) as { result?: LogEntry; error?: unknown } | LogEntry;
      const entry = 'result' in parsed && parsed.result !== undefined ? parsed.result : (parsed as LogEntry);
      if (entry.last === true && (entry.content ?? '') === '') continue;
      out.push(entry);
    } catch {
      out.push({ content: line });
    }
  }
  return out;
}
