// The live-state routes of Argo CD's ApplicationService: resource tree (and its SSE stream), managed
// resources, manifests, events, one live resource (read, patch, delete), Pod logs, revision metadata. RBAC:
// `applications, get` to read; logs need `logs, get` as well. Patching or deleting a live resource needs
// Argo CD 3's fine-grained action on the app, `update/<group>/<kind>/<ns>/<name>` or `delete/…` (plain
// `update`/`delete` only with argocd-cm `server.rbac.disableApplicationFineGrainedRBACInheritance: "false"`,
// which the enforcer applies), judged on the object found in the app's tree.
import { describeKubeError } from '../../kube/errors.js';
import { Log } from '@kubernetes/client-node';
import { z } from 'zod';
import { actorOf } from '../guard.js';
import { messageOf } from '../../errors.js';
import { invalidArgument } from '../http-errors.js';
import { answers, emptySchema, int64, named, nameParamsSchema, queryBool } from '../schemas.js';
import { resourceAction, type ResourceCoordinates, type ResourceVerb } from '../rbac/index.js';
import { asApplication } from '../services/permissions.js';
import { buildTree, type LiveService } from '../services/live.js';
import { SseWriter } from '../streams/sse.js';
import { DEFAULT_LOG_LIMITS, NdjsonOut, podLogSink } from './log-stream.js';
import type { RouteDeps, ZodApp } from './types.js';

const tags = ['ApplicationService'];

const scope = {
  appNamespace: z.string().optional(),
  project: z.string().optional(),
};

const parentRefSchema = z.object({ group: z.string(), kind: z.string(), namespace: z.string(), name: z.string(), uid: z.string() });
const resourceNodeSchema = named(
  'v1alpha1ResourceNode',
  parentRefSchema.extend({
    version: z.string(),
    parentRefs: z.array(parentRefSchema).optional(),
    health: z.object({ status: z.string(), message: z.string().optional() }).optional(),
    info: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    images: z.array(z.string()).optional(),
    resourceVersion: z.string().optional(),
    createdAt: z.string().optional(),
  }),
);
export const resourceTreeSchema = named('v1alpha1ApplicationTree', z.object({ nodes: z.array(resourceNodeSchema), orphanedNodes: z.array(resourceNodeSchema) }));

const managedResourcesQuerySchema = z.strictObject({
  ...scope,
  namespace: z.string().optional(),
  name: z.string().optional().describe('only the resource of this name'),
  version: z.string().optional(),
  group: z.string().optional(),
  kind: z.string().optional(),
});
const resourceDiffSchema = named(
  'v1alpha1ResourceDiff',
  z.object({
    group: z.string(),
    kind: z.string(),
    namespace: z.string(),
    name: z.string(),
    targetState: z.string().describe('the desired object as JSON ("null" when not desired); Secret values masked'),
    liveState: z.string().describe('the live object as JSON ("null" when missing); Secret values masked'),
    normalizedLiveState: z.string(),
    predictedLiveState: z.string(),
    diff: z.string().optional().describe('kawa: the differing paths, as JSON'),
    hook: z.boolean(),
    modified: z.boolean(),
    resourceVersion: z.string().optional(),
  }),
);
const managedResourcesSchema = named('applicationManagedResourcesResponse', z.object({ items: z.array(resourceDiffSchema) }));

const manifestsQuerySchema = z.strictObject({ ...scope, revision: z.string().max(256).optional(), sourcePositions: z.unknown().optional(), revisions: z.unknown().optional() });
const manifestsSchema = named(
  'repositoryManifestResponse',
  z.object({ manifests: z.array(z.string()), revision: z.string(), sourceType: z.string(), namespace: z.string(), server: z.string() }),
);

const eventsQuerySchema = z.strictObject({ ...scope, resourceNamespace: z.string().optional(), resourceName: z.string().optional(), resourceUID: z.string().optional() });
const eventListSchema = named('v1EventList', z.object({ metadata: z.object({}), items: z.array(z.record(z.string(), z.unknown())) }));

/** Which live resource of the app a request is about (Argo CD's query parameters). */
const resourceCoordinates = {
  ...scope,
  namespace: z.string().optional(),
  resourceName: z.string().min(1),
  version: z.string().optional(),
  group: z.string().optional(),
  kind: z.string().min(1),
};
/** The query coordinates of one live resource, as a handler reads them. */
type ResourceQuery = { group?: string | undefined; kind: string; namespace?: string | undefined; resourceName: string; appNamespace?: string | undefined; project?: string | undefined };
const resourceQuerySchema = z.strictObject({ ...resourceCoordinates, patchType: z.string().optional() });
const resourceResponseSchema = named('applicationApplicationResourceResponse', z.object({ manifest: z.string() }));
const deleteResourceQuerySchema = z.strictObject({
  ...resourceCoordinates,
  force: queryBool.optional().describe('delete in the background with no grace period'),
  orphan: queryBool.optional().describe('leave the dependents of the resource in place'),
});

const logsQuerySchema = z.strictObject({
  ...scope,
  podName: z.string().optional(),
  container: z.string().optional(),
  namespace: z.string().optional(),
  tailLines: int64.optional(),
  sinceSeconds: int64.optional(),
  follow: queryBool.optional(),
  kind: z.string().optional(),
  group: z.string().optional(),
  resourceName: z.string().optional(),
  previous: queryBool.optional(),
  filter: z.string().optional(),
});

const revisionParamsSchema = z.strictObject({ name: nameParamsSchema.shape.name, revision: z.string().min(1).max(256).regex(/^[A-Za-z0-9._/-]+$/, 'must be a revision') });
const revisionQuerySchema = z.strictObject({ ...scope, sourceIndex: int64.optional(), versionId: int64.optional() });
const revisionMetadataSchema = named('v1alpha1RevisionMetadata', z.object({ author: z.string(), date: z.string(), tags: z.array(z.string()), message: z.string() }));

export function liveRoutes(app: ZodApp, deps: RouteDeps): void {
  const live: LiveService = deps.live;
  const read = async (request: Parameters<typeof actorOf>[0], name: string, q: { appNamespace?: string | undefined; project?: string | undefined }, action = 'get') => {
    const actor = actorOf(request, deps.rbac);
    const raw = await deps.applications.getFor(actor, action, name, q);
    const application = asApplication(raw);
    return { actor, app: application, rbacObject: deps.applications.rbacName(application.spec.project || 'default', application.metadata.namespace ?? '', name) };
  };
  /**
   * The app a patch or delete of one of its live resources is about, and the check of that verb on the
   * resource the route finds (the request's own coordinates are checked first, before the app is read).
   */
  const readForResourceVerb = async (request: Parameters<typeof actorOf>[0], name: string, q: ResourceQuery, verb: ResourceVerb) => {
    const { actor, app: application, rbacObject } = await read(request, name, q, requestedAction(verb, q));
    const authorize = (resource: ResourceCoordinates): void => {
      actor.authorize('applications', resourceAction(verb, resource), rbacObject);
    };
    return { app: application, authorize };
  };

  app.route({
    method: 'GET',
    url: '/api/v1/applications/:name/resource-tree',
    schema: { tags, operationId: 'ApplicationService_ResourceTree', summary: 'ResourceTree returns resource tree', params: nameParamsSchema, querystring: z.strictObject(scope), response: answers(resourceTreeSchema) },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'get' } },
    handler: async (request) => live.tree((await read(request, request.params.name, request.query)).app),
  });

  app.route({
    method: 'GET',
    url: '/api/v1/applications/:name/managed-resources',
    schema: { tags, operationId: 'ApplicationService_ManagedResources', summary: 'ManagedResources returns list of managed resources', params: nameParamsSchema, querystring: managedResourcesQuerySchema, response: answers(managedResourcesSchema) },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'get' } },
    handler: async (request) => {
      const q = request.query;
      const { app: application } = await read(request, request.params.name, q);
      return { items: await live.managedResources(application, { namespace: q.namespace, resourceName: q.name, group: q.group, kind: q.kind }) };
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v1/applications/:name/manifests',
    schema: { tags, operationId: 'ApplicationService_GetManifests', summary: 'GetManifests returns application manifests', params: nameParamsSchema, querystring: manifestsQuerySchema, response: answers(manifestsSchema) },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'get' } },
    handler: async (request) => live.manifests((await read(request, request.params.name, request.query)).app, request.query.revision),
  });

  app.route({
    method: 'GET',
    url: '/api/v1/applications/:name/events',
    schema: { tags, operationId: 'ApplicationService_ListResourceEvents', summary: 'ListResourceEvents returns a list of event resources', params: nameParamsSchema, querystring: eventsQuerySchema, response: answers(eventListSchema) },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'get' } },
    handler: async (request) => {
      const items = await live.events((await read(request, request.params.name, request.query)).app, request.query);
      return { metadata: {}, items: items as Record<string, unknown>[] };
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v1/applications/:name/resource',
    schema: { tags, operationId: 'ApplicationService_GetResource', summary: 'GetResource returns single application resource', params: nameParamsSchema, querystring: resourceQuerySchema, response: answers(resourceResponseSchema) },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'get' } },
    handler: async (request) => ({ manifest: await live.resource((await read(request, request.params.name, request.query)).app, request.query) }),
  });

  app.route({
    method: 'POST',
    url: '/api/v1/applications/:name/resource',
    schema: {
      tags,
      operationId: 'ApplicationService_PatchResource',
      summary: 'PatchResource patch single application resource; the body is the patch as a JSON string',
      params: nameParamsSchema,
      querystring: resourceQuerySchema,
      body: z.string().max(1024 * 1024).describe('the patch document (JSON patch by default; patchType merge or strategic)'),
      response: answers(resourceResponseSchema),
    },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'update/<group>/<kind>/<namespace>/<name>' } },
    handler: async (request) => {
      const q = request.query;
      const { app: application, authorize } = await readForResourceVerb(request, request.params.name, q, 'update');
      return { manifest: await live.patchResource(application, q, request.body, q.patchType ?? 'json', authorize) };
    },
  });

  app.route({
    method: 'DELETE',
    url: '/api/v1/applications/:name/resource',
    schema: {
      tags,
      operationId: 'ApplicationService_DeleteResource',
      summary: 'DeleteResource deletes a single application resource',
      params: nameParamsSchema,
      querystring: deleteResourceQuerySchema,
      response: answers(emptySchema),
    },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'delete/<group>/<kind>/<namespace>/<name>' } },
    handler: async (request) => {
      const q = request.query;
      const { app: application, authorize } = await readForResourceVerb(request, request.params.name, q, 'delete');
      await live.deleteResource(application, q, authorize);
      return {};
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v1/applications/:name/revisions/:revision/metadata',
    schema: { tags, operationId: 'ApplicationService_RevisionMetadata', summary: 'Get the meta-data (author, date, tags, message) for a specific revision of the application', params: revisionParamsSchema, querystring: revisionQuerySchema, response: answers(revisionMetadataSchema) },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'get' } },
    handler: async (request) => live.revisionMetadata((await read(request, request.params.name, request.query)).app, request.params.revision, request.query.sourceIndex),
  });

  app.route({
    method: 'GET',
    url: '/api/v1/applications/:name/logs',
    exposeHeadRoute: false,
    schema: {
      tags,
      operationId: 'ApplicationService_PodLogs2',
      summary: 'PodLogs returns stream of log entries for the specified pod(s), one JSON object per line ({"result":{content,timeStamp,podName,last}})',
      params: nameParamsSchema,
      querystring: logsQuerySchema,
      response: answers(z.string()),
    },
    config: { auth: { kind: 'rbac', resource: 'logs', action: 'get' } },
    handler: async (request, reply) => {
      const q = request.query;
      const { actor, app: application, rbacObject } = await read(request, request.params.name, q);
      actor.authorize('logs', 'get', rbacObject);
      const { cluster, pods } = await live.pods(application, q);
      const log = new Log(cluster.rest.kubeConfig);
      const options = { follow: q.follow === true, timestamps: true, ...(q.tailLines === undefined ? {} : { tailLines: q.tailLines }), ...(q.sinceSeconds === undefined ? {} : { sinceSeconds: q.sinceSeconds }), ...(q.previous === true ? { previous: true } : {}) };
      const res = reply.raw;
      const out = new NdjsonOut(res, DEFAULT_LOG_LIMITS, () => {
        reply.hijack();
        res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      });
      const controllers: AbortController[] = [];
      // The client left, or the stream was cut for reading too slowly: stop every Pod's log request.
      out.onEnd(() => {
        for (const c of controllers) c.abort();
      });
      // Pods one after the other unless following (then all at once, interleaved by arrival).
      const runPod = async (pod: (typeof pods)[number]): Promise<void> => {
        if (out.isEnded()) return;
        const podName = pod.metadata?.name ?? '';
        const spec = pod['spec'] as { containers?: { name?: string }[] } | undefined;
        const container = q.container ?? spec?.containers?.[0]?.name ?? '';
        const sink = podLogSink(out, podName, { filter: q.filter });
        const finished = new Promise<void>((resolve) => sink.on('finish', resolve));
        const controller = await log.log(pod.metadata?.namespace ?? '', podName, container, sink, options);
        controllers.push(controller);
        // Ended early (the client left, or too slow): the aborted request never finishes the sink.
        if (out.isEnded()) controller.abort();
        await Promise.race([finished, out.ended]);
      };
      try {
        if (options.follow) await Promise.all(pods.map(runPod));
        else for (const pod of pods) await runPod(pod);
      } catch (err) {
        if (!out.isStarted()) throw invalidArgument(`cannot read the logs: ${logsFailure(err)}`);
        await out.write(JSON.stringify({ error: { message: logsFailure(err) } }));
      }
      out.end();
      return reply;
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v1/stream/applications/:name/resource-tree',
    exposeHeadRoute: false,
    schema: {
      tags,
      operationId: 'ApplicationService_WatchResourceTree',
      summary: 'Watch the resource tree of an application (Server-Sent Events; each data line is {"result":<tree>})',
      params: nameParamsSchema,
      querystring: z.strictObject(scope),
      response: answers(z.string()),
    },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'get' } },
    handler: async (request, reply) => {
      const { app: application } = await read(request, request.params.name, request.query);
      const cluster = await live.cluster(application);
      const instance = deps.liveSource?.instanceName(application) ?? application.metadata.name;
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      const writer = new SseWriter(reply.raw, deps.streamSettings);
      const send = (): void => {
        writer.send({ data: JSON.stringify({ result: buildTree(cluster, instance).tree }) });
      };
      // Changes come in bursts (a rollout touches many Pods): one tree per 100 ms at most.
      let timer: NodeJS.Timeout | undefined;
      const unsubscribe = cluster.cache.onChange((event) => {
        if (event.app !== instance && event.previousApp !== instance) return;
        timer ??= setTimeout(() => {
          timer = undefined;
          if (!writer.closed) send();
        }, 100);
      });
      writer.onClosed(() => {
        unsubscribe();
        clearTimeout(timer);
      });
      deps.onStreamOpened(writer);
      send();
    },
  });
}

/**
 * The fine-grained action the request names, checked on the app before it is read (a refusal does not tell
 * whether the app exists); the route checks again on the object it finds. A part holding `/` is refused.
 */
function requestedAction(verb: ResourceVerb, q: ResourceQuery): string {
  try {
    return resourceAction(verb, { group: q.group ?? '', kind: q.kind, namespace: q.namespace ?? '', name: q.resourceName });
  } catch (err) {
    throw invalidArgument(`invalid resource: ${messageOf(err)}`);
  }
}

/**
 * The API server's own words for a failed log read: client-node's log client rejects with its whole HTTP
 * dump (status, body, headers); users need only the Status message in it.
 */
function logsFailure(err: unknown): string {
  const text = describeKubeError(err);
  const quoted = /"message"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
  if (quoted !== undefined) {
    try {
      return JSON.parse(`"${quoted}"`) as string;
    } catch {
      return quoted;
    }
  }
  return text.split('\n')[0] ?? text;
}
