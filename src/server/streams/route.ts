// GET /api/v1/stream/applications (Argo CD's ApplicationService_Watch) as Server-Sent Events: every
// `data:` is `{"result":{"type":"ADDED|MODIFIED|DELETED","application":{…}}}`, the event's `id:` is its
// resourceVersion, so EventSource's Last-Event-ID (or `?resourceVersion=`) resumes after a reconnect.
//
// Decisions:
// - RBAC `applications, get, <project>/<name>` is checked per event and per client, against the object of
//   that event: an app that moves to a project the caller may not read simply stops appearing (no
//   synthesized DELETED), as in Argo CD.
// - `name`, `projects` and `selector` also filter the object of each event.
// - After the initial events (snapshot or replay) a bare `id:` block moves the client's Last-Event-ID to
//   the position the server is at, so a client that saw none of them still resumes from there. Snapshot
//   events carry no id of their own: a client cut off half-way through a snapshot must start over.
// - Only Applications in kawa's own namespace are watched (`appNamespace` may name only that one).
// - `fields` (Argo CD's UI sends it to trim events) is accepted and ignored: whole objects are sent.
// - `…/{name}/resource-tree` is not served yet.
import type { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { apiReasons } from '../../errors.js';
import type { ListWatch } from '../../kube/informer.js';
import type { ServerDeps } from '../app.js';
import { actorOf } from '../guard.js';
import { permissionDenied, unavailable } from '../http-errors.js';
import { labelsOf, metaString, projectOf } from '../objects.js';
import { answers, applicationFilterFields } from '../schemas.js';
import type { KubeJson } from '../store.js';
import type { RouteDeps, ZodApp } from '../routes/types.js';
import { jsonOf } from '../services/app-cache.js';
import type { AppWatch, AppEvent } from './app-watch.js';
import { matchesLabels, parseLabelSelector } from './selector.js';
import { SseWriter, type SseOptions } from './sse.js';

export interface StreamSettings extends SseOptions {
  /** Where to watch Applications; without it the stream answers 503. */
  readonly kubeConfig?: KubeConfig;
  /** Replaces the real list+watch (unit tests). */
  readonly listWatch?: ListWatch;
  /** Events kept for resuming clients (default 1,000). */
  readonly ringSize?: number;
  /** How long a request waits for the first list before answering 503 (default 10 s). */
  readonly readyTimeoutMs?: number;
}

declare module '../app.js' {
  interface ServerDeps {
    /** Live streams (`/api/v1/stream/…`): where to watch, heartbeat and per-client buffer limits. */
    readonly streams?: StreamSettings;
  }
}

const appFilter = applicationFilterFields;
const streamQuerySchema = z.strictObject({
  name: appFilter.name,
  projects: appFilter.projects,
  project: appFilter.project,
  selector: appFilter.selector,
  resourceVersion: z.string().optional().describe('resume: send only events newer than this version (Last-Event-ID wins when both are given)'),
  appNamespace: appFilter.appNamespace,
  fields: z.string().optional().describe('accepted for compatibility with the Argo CD UI; whole objects are always sent'),
});

/** The informer never mutates stored objects, so each one's JSON is shared by all clients (and the list route). */
function eventData(event: AppEvent): string {
  return `{"result":{"type":"${event.type}","application":${jsonOf(event.app)}}}`;
}

export function streamRoutes(app: ZodApp, deps: RouteDeps, server: Pick<ServerDeps, 'custom' | 'streams'>, namespace: string): void {
  const settings = server.streams ?? {};
  const writers = new Set<SseWriter>();

  /** The shared watch (the list routes' cache), started by the first subscriber or read. */
  const hubFor = (): AppWatch | undefined => deps.appCache?.watch(namespace);

  // Open streams would keep server.close() waiting for ever: end them first (app.ts stops the cache).
  app.addHook('preClose', () => {
    for (const writer of writers) writer.end();
    return Promise.resolve();
  });

  app.route({
    method: 'GET',
    url: '/api/v1/stream/applications',
    // A HEAD would open a stream that never ends and carries no body.
    exposeHeadRoute: false,
    schema: {
      tags: ['ApplicationService'],
      operationId: 'ApplicationService_Watch',
      summary: 'Watch returns stream of application change events (Server-Sent Events)',
      querystring: streamQuerySchema,
      response: answers(z.string().describe('text/event-stream; each data line is {"result":{"type":"ADDED|MODIFIED|DELETED","application":{…}}}')),
    },
    config: { auth: { kind: 'filtered', resource: 'applications', action: 'get' } },
    handler: async (request, reply) => {
      const q = request.query;
      if (q.appNamespace !== undefined && q.appNamespace !== '' && q.appNamespace !== namespace) {
        throw permissionDenied(`applications in namespace '${q.appNamespace}' are not permitted`, { reason: apiReasons.NAMESPACE_NOT_ENABLED, metadata: { namespace: q.appNamespace } });
      }
      const selector = parseLabelSelector(q.selector ?? '');
      const projects = new Set([...(q.projects ?? []), ...(q.project ?? [])]);
      const watch = hubFor();
      if (watch === undefined) throw unavailable('live streams are not configured: no Kubernetes client to watch Applications with');
      if (!(await watch.ready(settings.readyTimeoutMs ?? 10_000))) throw unavailable('the watch of Applications has not synced yet; try again');

      const actor = actorOf(request, deps.rbac);
      const visible = (obj: KubeJson): boolean => {
        const name = metaString(obj, 'name') ?? '';
        if (q.name !== undefined && q.name !== '' && name !== q.name) return false;
        const project = projectOf(obj);
        if (projects.size > 0 && !projects.has(project)) return false;
        if (!matchesLabels(selector, labelsOf(obj))) return false;
        // Asked per event: policies and the app's project may both have changed since the last one.
        return actor.can('applications', 'get', `${project}/${name}`);
      };
      const lastEventId = request.headers['last-event-id'];
      const from = typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : q.resourceVersion;

      // From here on the response is ours: fastify neither serializes nor ends it.
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        // nginx buffers responses unless told not to; events must reach the client as they happen.
        'x-accel-buffering': 'no',
      });
      const writer = new SseWriter(res, settings);
      writers.add(writer);
      const subscription = watch.subscribe(from, (event) => {
        if (visible(event.app)) writer.send({ id: event.position, data: eventData(event) });
      });
      writer.onClosed((reason) => {
        subscription.unsubscribe();
        writers.delete(writer);
        if (reason === 'overflow') request.log.warn({ user: actor.user }, 'stream client too slow: its buffer exceeded the limit; disconnected');
      });
      for (const event of subscription.initial) {
        if (writer.closed) break;
        if (!visible(event.app)) continue;
        writer.send({ ...(subscription.kind === 'replay' ? { id: event.position } : {}), data: eventData(event) });
      }
      if (subscription.position !== '') writer.send({ id: subscription.position });
    },
  });
}
