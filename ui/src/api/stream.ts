// The live streams of the API (Server-Sent Events; EventSource resumes by itself after a dropped
// connection, with Last-Event-ID where the stream has ids):
// - `GET /api/v1/stream/applications`: each message's data is
//   `{"result":{"type":"ADDED|MODIFIED|DELETED","application":{…}}}`.
// - `GET /api/v1/stream/applications/{name}/resource-tree`: each message's data is `{"result":<tree>}`,
//   the whole tree of the app (Argo CD's WatchResourceTree), sent at once and then on every change.
import { buildUrl, seg } from './http';
import type { ApplicationTree, ApplicationWatchEvent, ResourceNode } from './types';

export interface StreamHandlers<T> {
  onEvent(event: T): void;
  /** The connection failed (`closed` false: EventSource retries by itself) or was refused for good (e.g. 401, 403, 503). */
  onError(closed: boolean): void;
  onOpen?(): void;
}

export type WatchHandlers = StreamHandlers<ApplicationWatchEvent>;

export function parseWatchMessage(data: string): ApplicationWatchEvent | undefined {
  try {
    // Checked field by field: the stream is input, not trusted to have the shape.
    const parsed = JSON.parse(data) as { result?: { type?: unknown; application?: { metadata?: unknown } } } | null;
    const r = parsed?.result;
    if (r === undefined || typeof r !== 'object' || !['ADDED', 'MODIFIED', 'DELETED'].includes(String(r.type))) return undefined;
    if (typeof r.application !== 'object' || typeof r.application.metadata !== 'object') return undefined;
    return r as ApplicationWatchEvent;
  } catch {
    return undefined;
  }
}

const isNode = (n: unknown): n is ResourceNode => typeof n === 'object' && n !== null && typeof (n as { kind?: unknown }).kind === 'string' && typeof (n as { name?: unknown }).name === 'string';

/** One message of the resource-tree stream → the tree; malformed messages (and malformed nodes) are dropped. */
export function parseTreeMessage(data: string): ApplicationTree | undefined {
  try {
    const parsed = JSON.parse(data) as { result?: { nodes?: unknown; orphanedNodes?: unknown } } | null;
    const r = parsed?.result;
    if (r === undefined || typeof r !== 'object' || !Array.isArray(r.nodes)) return undefined;
    const nodes = (r.nodes as unknown[]).filter(isNode);
    const orphanedNodes = Array.isArray(r.orphanedNodes) ? (r.orphanedNodes as unknown[]).filter(isNode) : [];
    return { nodes, orphanedNodes };
  } catch {
    return undefined;
  }
}

function watch<T>(url: string, parse: (data: string) => T | undefined, handlers: StreamHandlers<T>): () => void {
  const source = new EventSource(url, { withCredentials: true });
  source.onmessage = (message: MessageEvent<string>) => {
    const event = parse(message.data);
    if (event !== undefined) handlers.onEvent(event);
  };
  source.onopen = () => handlers.onOpen?.();
  source.onerror = () => {
    handlers.onError(source.readyState === EventSource.CLOSED);
  };
  return () => {
    source.close();
  };
}

export function watchApplications(query: { name?: string; appNamespace?: string | undefined; resourceVersion?: string; projects?: string[] }, handlers: WatchHandlers): () => void {
  return watch(buildUrl('/api/v1/stream/applications', query), parseWatchMessage, handlers);
}

/** The app's resource tree, live: the whole tree on connect and again after each change (at most every 100 ms). */
export function watchResourceTree(id: { name: string; appNamespace?: string | undefined }, handlers: StreamHandlers<ApplicationTree>): () => void {
  return watch(buildUrl(`/api/v1/stream/applications/${seg(id.name)}/resource-tree`, { appNamespace: id.appNamespace }), parseTreeMessage, handlers);
}
