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
const one = (name: string) => `${base}/${seg(name)}`;

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
  get: (name: string, refresh?: 'normal' | 'hard') => http.get<Application>(one(name), { refresh }),
  create: (app: Application, upsert = false) => http.post<Application>(base, app, { upsert: upsert ? true : undefined }),
  update: (app: Application) => http.put<Application>(one(app.metadata.name), app),
  updateSpec: (name: string, spec: ApplicationSpec) => http.put<ApplicationSpec>(`${one(name)}/spec`, spec),
  delete: (name: string, options: DeleteOptions) => http.del<unknown>(one(name), { cascade: options.cascade, propagationPolicy: options.propagationPolicy }),
  sync: (name: string, req: SyncRequest) => http.post<Application>(`${one(name)}/sync`, { name, ...req }),
  rollback: (name: string, id: number, options: { dryRun?: boolean; prune?: boolean } = {}) => http.post<Application>(`${one(name)}/rollback`, { name, id, ...options }),
  terminate: (name: string) => http.del<unknown>(`${one(name)}/operation`),
  resourceTree: (name: string, signal?: AbortSignal) => http.get<ApplicationTree>(`${one(name)}/resource-tree`, undefined, signal),
  managedResources: (name: string, ref?: ResourceRef) =>
    http.get<ListOf<ResourceDiff>>(`${one(name)}/managed-resources`, ref === undefined ? {} : { group: ref.group ?? '', kind: ref.kind, namespace: ref.namespace, name: ref.name }),
  /** The live manifest of one resource, as a JSON string. */
  liveResource: (name: string, ref: ResourceRef & { version?: string }) =>
    http.get<{ manifest?: string }>(`${one(name)}/resource`, { resourceName: ref.name, namespace: ref.namespace, group: ref.group, kind: ref.kind, version: ref.version }),
  events: (name: string, ref?: ResourceRef & { uid?: string }) =>
    http.get<ListOf<KubeEvent>>(`${one(name)}/events`, ref === undefined ? {} : { resourceName: ref.name, resourceNamespace: ref.namespace, resourceUID: ref.uid }),
  /** Pod logs (not followed): Argo CD streams newline-delimited `{"result": LogEntry}`. */
  logs: async (name: string, options: { namespace?: string; podName: string; container?: string; tailLines?: number }): Promise<LogEntry[]> => {
    const text = await requestText(`${one(name)}/logs`, {
      query: { namespace: options.namespace, podName: options.podName, container: options.container, tailLines: options.tailLines ?? 500, follow: false },
    });
    return parseLogLines(text);
  },
  revisionMetadata: (name: string, revision: string) => http.get<RevisionMetadata>(`${one(name)}/revisions/${seg(revision)}/metadata`),
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
