// The live applications stream (`GET /api/v1/stream/applications`, Server-Sent Events). Each message's
// data is `{"result":{"type":"ADDED|MODIFIED|DELETED","application":{…}}}`; EventSource resumes with
// Last-Event-ID by itself after a dropped connection.
import { buildUrl } from './http';
import type { ApplicationWatchEvent } from './types';

export interface WatchHandlers {
  onEvent(event: ApplicationWatchEvent): void;
  /** The connection failed or was closed by the server (e.g. the session expired). */
  onError(closed: boolean): void;
  onOpen?(): void;
}

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

export function watchApplications(query: { name?: string; resourceVersion?: string; projects?: string[] }, handlers: WatchHandlers): () => void {
  const source = new EventSource(buildUrl('/api/v1/stream/applications', query), { withCredentials: true });
  source.onmessage = (message: MessageEvent<string>) => {
    const event = parseWatchMessage(message.data);
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
